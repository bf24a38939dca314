//! `resources.rs`: one marker type per resource, tied to its provider's level.

use std::fmt::Write;

use quote::{format_ident, quote};

use super::{doc_text, item, plain, Chunk};
use crate::ir::{Ir, Resource};

pub fn emit(ir: &Ir) -> Vec<Chunk> {
    let mut chunks = vec![Chunk::Rust(quote! {
        #![doc = " Resources: what one initcall provides and others require."]
        #![doc = ""]
        #![doc = " Each is an uninhabited marker type whose `Resource::ProvidedAt` is the level"]
        #![doc = " of its provider. Name them in `requires = [..]` of an attribute macro."]

        use ::netgen_runtime::init::Resource;

        use super::levels;
    })];
    chunks.extend(ir.resources.iter().map(resource));
    chunks.push(Chunk::Text(provide_macro(ir)));
    chunks
}

fn resource(r: &Resource) -> Chunk {
    let extra = format!("Provided by `{}` at level `{}`.", r.provider, r.level);
    let mut text = doc_text(&r.docs, &r.origin, &extra);
    let _ = write!(
        text,
        "pub enum {name} {{}}\n\
         impl Resource for {name} {{\n    \
             type ProvidedAt = levels::{level};\n    \
             const NAME: &'static str = \"{name}\";\n    \
             const PROVIDER: &'static str = \"{provider}\";\n\
         }}\n",
        name = r.name,
        level = r.level,
        provider = r.provider,
    );
    if !plain(&r.provider) {
        return Chunk::Rust(tokens(r));
    }
    item(text, || tokens(r))
}

fn tokens(r: &Resource) -> proc_macro2::TokenStream {
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
}

/// `__netgen_provide!` is what `provides = [X]` in an attribute macro expands
/// to: a spec resource is refused with a message naming its provider; any
/// other type becomes a resource of the attribute's level (the refusal still
/// names `$res`, so the user's import of it counts as used). Written as
/// text: prettyplease does not lay out macro bodies.
fn provide_macro(ir: &Ir) -> String {
    let mut out = String::from("#[doc(hidden)]\n#[macro_export]\nmacro_rules! __netgen_provide {\n");
    for r in &ir.resources {
        let _ = write!(
            out,
            "    ({name}; $res:path; $level:path; $name:literal; $provider:literal) => {{\n        \
                 ::core::compile_error!(::core::concat!(\n            \
                     {msg:?},\n            \
                     $provider,\n            \
                     \"`: a resource has exactly one provider\"\n        \
                 ));\n        \
                 const _: ::core::marker::PhantomData<$res> = ::core::marker::PhantomData;\n    \
             }};\n",
            name = r.name,
            msg = format!(
                "`{}` is provided by `{}` at level `{}` in spec/ and cannot be provided again by `",
                r.name, r.provider, r.level
            ),
        );
    }
    out.push_str(
        "    ($last:ident; $res:path; $level:path; $name:literal; $provider:literal) => {\n        \
             impl ::netgen_generated::__private::Resource for $res {\n            \
                 type ProvidedAt = $level;\n            \
                 const NAME: &'static str = $name;\n            \
                 const PROVIDER: &'static str = $provider;\n        \
             }\n    \
         };\n}\n",
    );
    out
}
