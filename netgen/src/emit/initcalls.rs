//! `initcalls.rs`: the spec's initcall table in boot order, the type-level
//! proof of its order, and the `InitSpec` impl tying it to the runtime.

use std::fmt::Write;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{doc_text, item, plain, Chunk};
use crate::ir::{Initcall, Ir};

pub fn emit(ir: &Ir) -> Vec<Chunk> {
    let mut chunks = vec![Chunk::Rust(quote! {
        #![doc = " The spec's initcalls, in boot order: by level, then by dependency,"]
        #![doc = " declaration order breaking ties."]
        #![allow(non_camel_case_types)]

        use ::netgen_runtime::init::check::requires;
        use ::netgen_runtime::init::{InitSpec, LevelDesc, Origin};

        use super::pernet::Pernet;
        use super::{levels, resources};

        /// An initcall of this spec: it builds state in `Kernel<Pernet>`.
        pub type InitcallDesc = ::netgen_runtime::init::InitcallDesc<Pernet>;
    })];
    chunks.extend(ir.initcalls.iter().map(desc));
    let consts = ir.initcalls.iter().map(const_name);
    chunks.push(Chunk::Rust(quote! {
        /// The spec's initcall table, in boot order.
        pub const INITCALLS: &[InitcallDesc] = &[#(#consts),*];
    }));
    // The generated crate proves its own table the same way the attribute
    // macros prove a user's initcall: a requirement provided at a later level
    // does not compile.
    chunks.extend(ir.initcalls.iter().filter(|c| !c.requires.is_empty()).map(proof));
    chunks.push(Chunk::Rust(quote! {
        /// The stack `spec/` describes: its levels and initcall table.
        pub struct Stack;

        impl InitSpec for Stack {
            type Spec = Pernet;
            const LEVELS: &'static [LevelDesc] = levels::LEVELS;
            const INITCALLS: &'static [InitcallDesc] = INITCALLS;
        }
    }));
    chunks
}

fn const_name(c: &Initcall) -> proc_macro2::Ident {
    format_ident!("{}", c.name.to_uppercase())
}

/// `run` as an absolute path, so a crate named like a module of `generated`
/// cannot shadow it; for an initcall that registers pernet operations or
/// protocol-table entries, its wrapper in `pernet.rs`, which calls `run`
/// and then registers them.
fn func_path(c: &Initcall) -> String {
    if !c.has_wrapper() {
        format!("::{}", c.run.trim_start_matches("::"))
    } else {
        format!("super::pernet::{}", c.name)
    }
}

fn extra_doc(c: &Initcall) -> String {
    let mut extra = format!("Runs at level `{}`", c.level);
    if !c.requires.is_empty() {
        extra.push_str(&format!("; requires {}", code_list(&c.requires)));
    }
    if !c.provides.is_empty() {
        extra.push_str(&format!("; provides {}", code_list(&c.provides)));
    }
    if !c.table_entries.is_empty() {
        let n = c.table_entries.len();
        let what = if n == 1 { "entry" } else { "entries" };
        extra.push_str(&format!("; then registers {n} protocol-table {what} (listed at `pernet::{}`)", c.name));
    }
    if !c.registers.is_empty() {
        let what = if c.registers.len() == 1 { "operation" } else { "operations" };
        extra.push_str(&format!("; then registers pernet {what} {}", code_list(&c.registers)));
    }
    extra.push('.');
    extra
}

fn str_list(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    format!("&[{}]", quoted.join(", "))
}

fn desc(c: &Initcall) -> Chunk {
    let mut text = doc_text(&c.docs, &c.origin, &extra_doc(c));
    let _ = write!(
        text,
        "pub const {konst}: InitcallDesc = InitcallDesc {{\n    \
             name: \"{name}\",\n    \
             level: \"{level}\",\n    \
             requires: {requires},\n    \
             provides: {provides},\n    \
             func: {func},\n    \
             origin: Origin {{\n        \
                 file: \"{file}\",\n        \
                 line: {line},\n        \
                 column: {column},\n    \
             }},\n\
         }};\n",
        konst = const_name(c),
        name = c.name,
        level = c.level,
        requires = str_list(&c.requires),
        provides = str_list(&c.provides),
        func = func_path(c),
        file = c.origin.file,
        line = c.origin.line,
        column = c.origin.column,
    );
    // Generic arguments print as prettyplease spaces them, not as written.
    if !plain(&c.origin.file) || c.run.contains('<') {
        return Chunk::Rust(desc_tokens(c));
    }
    item(text, || desc_tokens(c))
}

fn desc_tokens(c: &Initcall) -> TokenStream {
    let docs = super::docs(&c.docs, &c.origin, &extra_doc(c));
    let konst = const_name(c);
    let (name, level) = (&c.name, &c.level);
    let (requires, provides) = (&c.requires, &c.provides);
    let func: syn::Path = syn::parse_str(&func_path(c)).unwrap_or_else(|_| syn::parse_quote!(invalid_run_path));
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
}

fn proof(c: &Initcall) -> Chunk {
    let mut text = format!("const _: () = {{\n    enum {} {{}}\n", c.name);
    for r in &c.requires {
        let _ = writeln!(text, "    requires::<resources::{r}, levels::{}, {}>();", c.level, c.name);
    }
    text.push_str("};\n");
    item(text, || {
        let marker = format_ident!("{}", c.name);
        let level = format_ident!("{}", c.level);
        let reqs = c.requires.iter().map(|r| format_ident!("{}", r));
        quote! {
            const _: () = {
                enum #marker {}
                #(requires::<resources::#reqs, levels::#level, #marker>();)*
            };
        }
    })
}

fn code_list(names: &[String]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}
