//! `initcalls.rs`: the spec's initcall table in boot order, the type-level
//! proof of its order, and the `InitSpec` impl tying it to the runtime.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::ir::Ir;

pub fn emit(ir: &Ir) -> TokenStream {
    let consts: Vec<_> = ir.initcalls.iter().map(|c| format_ident!("{}", c.name.to_uppercase())).collect();
    let items = ir.initcalls.iter().zip(&consts).map(|(c, konst)| {
        let mut extra = format!("Runs at level `{}`", c.level);
        if !c.requires.is_empty() {
            extra.push_str(&format!("; requires {}", code_list(&c.requires)));
        }
        if !c.provides.is_empty() {
            extra.push_str(&format!("; provides {}", code_list(&c.provides)));
        }
        extra.push('.');
        let docs = super::docs(&c.docs, &c.origin, &extra);
        let (name, level) = (&c.name, &c.level);
        let (requires, provides) = (&c.requires, &c.provides);
        // Absolute, so a crate named like a module of `generated` cannot shadow it.
        let func: syn::Path = syn::parse_str(&format!("::{}", c.run.trim_start_matches("::")))
            .unwrap_or_else(|_| syn::parse_quote!(invalid_run_path));
        let file = &c.origin.file;
        let line = proc_macro2::Literal::u32_unsuffixed(c.origin.line as u32);
        let column = proc_macro2::Literal::u32_unsuffixed(c.origin.column as u32);
        quote! {
            #docs
            pub const #konst: InitcallDesc = InitcallDesc {
                name: #name,
                level: #level,
                requires: &[#(#requires),*],
                provides: &[#(#provides),*],
                func: #func,
                origin: Origin { file: #file, line: #line, column: #column },
            };
        }
    });
    // The generated crate proves its own table the same way the attribute
    // macros prove a user's initcall: a requirement provided at a later level
    // does not compile.
    let proofs = ir.initcalls.iter().filter(|c| !c.requires.is_empty()).map(|c| {
        let marker = format_ident!("{}", c.name);
        let level = format_ident!("{}", c.level);
        let reqs = c.requires.iter().map(|r| format_ident!("{}", r));
        quote! {
            const _: () = {
                enum #marker {}
                #(requires::<resources::#reqs, levels::#level, #marker>();)*
            };
        }
    });
    quote! {
        #![doc = " The spec's initcalls, in boot order: by level, then by dependency,"]
        #![doc = " declaration order breaking ties."]
        #![allow(non_camel_case_types)]

        use ::netgen_runtime::init::check::requires;
        use ::netgen_runtime::init::{InitSpec, InitcallDesc, LevelDesc, Origin};

        use super::{levels, resources};

        #(#items)*

        /// The spec's initcall table, in boot order.
        pub const INITCALLS: &[InitcallDesc] = &[#(#consts),*];

        #(#proofs)*

        /// The stack `spec/` describes: its levels and initcall table.
        pub struct Stack;

        impl InitSpec for Stack {
            const LEVELS: &'static [LevelDesc] = levels::LEVELS;
            const INITCALLS: &'static [InitcallDesc] = INITCALLS;
        }
    }
}

fn code_list(names: &[String]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}
