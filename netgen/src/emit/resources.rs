//! `resources.rs`: one marker type per resource, tied to its provider's level.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::ir::Ir;

pub fn emit(ir: &Ir) -> TokenStream {
    let items = ir.resources.iter().map(|r| {
        let extra = format!("Provided by `{}` at level `{}`.", r.provider, r.level);
        let docs = super::docs(&r.docs, &r.origin, &extra);
        let ty = format_ident!("{}", r.name);
        let level = format_ident!("{}", r.level);
        let (name, provider) = (&r.name, &r.provider);
        quote! {
            #docs
            pub enum #ty {}
            impl Resource for #ty {
                type ProvidedAt = levels::#level;
                const NAME: &'static str = #name;
                const PROVIDER: &'static str = #provider;
            }
        }
    });
    // `__netgen_provide!` is what `provides = [X]` in an attribute macro
    // expands to: a spec resource is refused with a message naming its
    // provider; any other type becomes a resource of the attribute's level.
    let refusals = ir.resources.iter().map(|r| {
        let ty = format_ident!("{}", r.name);
        let msg = format!(
            "`{}` is provided by `{}` at level `{}` in spec/ and cannot be provided again by `",
            r.name, r.provider, r.level
        );
        quote! {
            (#ty; $res:path; $level:path; $name:literal; $provider:literal) => {
                ::core::compile_error!(::core::concat!(#msg, $provider, "`: a resource has exactly one provider"));
            };
        }
    });
    quote! {
        #![doc = " Resources: what one initcall provides and others require."]
        #![doc = ""]
        #![doc = " Each is an uninhabited marker type whose `Resource::ProvidedAt` is the level"]
        #![doc = " of its provider. Name them in `requires = [..]` of an attribute macro."]

        use ::netgen_runtime::init::Resource;

        use super::levels;

        #(#items)*

        #[doc(hidden)]
        #[macro_export]
        macro_rules! __netgen_provide {
            #(#refusals)*
            ($last:ident; $res:path; $level:path; $name:literal; $provider:literal) => {
                impl ::netgen_generated::__private::Resource for $res {
                    type ProvidedAt = $level;
                    const NAME: &'static str = $name;
                    const PROVIDER: &'static str = $provider;
                }
            };
        }
    }
}
