//! `initcalls.rs`: the spec's initcall table in boot order, the type-level
//! proof of its order, and the `InitSpec` impl tying it to the runtime.

use std::fmt::Write;

use quote::{format_ident, quote};

use super::rust::{code_list, RustPath};
use super::text::{string_literal, write_line, Breakable, List, INDENT};
use super::{all, write_docs, Chunk, EmitError, Emitted};
use crate::ir::{Initcall, Ir};

pub fn emit(ir: &Ir) -> Emitted {
    let mut chunks = vec![Chunk::Rust(quote! {
        #![doc = " The spec's initcalls, in boot order: by level, then by dependency,"]
        #![doc = " declaration order breaking ties."]

        use ::netgen_runtime::init::check::requires;
        use ::netgen_runtime::init::{InitSpec, LevelDesc, Origin};

        use super::pernet::Pernet;
        use super::{levels, resources};

        /// An initcall of this spec: it builds state in `Kernel<Pernet>`.
        pub type InitcallDesc = ::netgen_runtime::init::InitcallDesc<Pernet>;
    })];
    chunks.push(Chunk::Text(all(ir.initcalls.iter().map(desc))?.concat()));
    let consts = ir.initcalls.iter().map(|c| format_ident!("{}", const_name(c)));
    chunks.push(Chunk::Rust(quote! {
        /// The spec's initcall table, in boot order.
        pub const INITCALLS: &[InitcallDesc] = &[#(#consts),*];
    }));
    // The generated crate proves its own table the same way the attribute
    // macros prove a user's initcall: a requirement provided at a later level
    // does not compile.
    chunks.push(Chunk::Text(ir.initcalls.iter().filter(|c| !c.requires.is_empty()).map(proof).collect()));
    chunks.push(Chunk::Rust(quote! {
        /// The stack `spec/` describes: its levels and initcall table.
        pub struct Stack;

        impl InitSpec for Stack {
            type Spec = Pernet;
            const LEVELS: &'static [LevelDesc] = levels::LEVELS;
            const INITCALLS: &'static [InitcallDesc] = INITCALLS;
        }
    }));
    Ok(chunks)
}

/// The initcall's `InitcallDesc` constant: its name upper-cased.
fn const_name(c: &Initcall) -> String {
    c.name.to_uppercase()
}

/// `run` as an absolute path, so a crate named like a module of `generated`
/// cannot shadow it; for an initcall that registers pernet operations or
/// protocol-table entries, its wrapper in `pernet.rs`, which calls `run`
/// and then registers them (and reports a `run` that is no path).
fn func(c: &Initcall) -> Result<Breakable, EmitError> {
    if c.has_wrapper() {
        return Ok(RustPath::local(&["super", "pernet", &c.name]).expr_breakable("func: ", false));
    }
    let run = RustPath::parse(&c.run).map_err(|why| run_error(c, why))?;
    Ok(run.expr_breakable("func: ", true))
}

/// The error for a `run` that is not a Rust path.
pub(crate) fn run_error(c: &Initcall, why: String) -> EmitError {
    EmitError::at(
        &c.origin,
        format!("the `run` of initcall `{}` is not a Rust path: `{}`", c.name, c.run),
        "this initcall's `run` cannot be written as Rust",
    )
    .with_note(why)
    .with_note(format!("netgen calls `run` by its absolute path, `::{}`", c.run.trim_start_matches("::")))
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

/// `&["a", "b"]` after `field: `.
fn str_array(field: &str, names: &[String]) -> Breakable {
    Breakable::array(format!("{field}: &"), names.iter().map(|n| Breakable::text(string_literal(n))).collect())
}

/// The initcall's docs and `InitcallDesc`, as prettyplease lays them out:
///
/// ```text
/// pub const SOCK_INIT: InitcallDesc = InitcallDesc {
///     name: "sock_init",
///     level: "core",
///     requires: &["InitNet"],
///     provides: &["SockRegistry", "SockCache"],
///     func: ::netgen_runtime::socket::sock_init,
///     origin: Origin {
///         file: "spec/initcalls.ng",
///         line: 19,
///         column: 10,
///     },
/// };
/// ```
///
/// prettyplease breaks every struct literal wider than 34 columns, so both
/// structs always have a field per line; `requires`, `provides` and the
/// generic arguments of `func` break when their line does not fit.
fn desc(c: &Initcall) -> Result<String, Vec<EmitError>> {
    let func = func(c).map_err(|e| vec![e])?;
    let mut out = String::with_capacity(512);
    write_docs(&mut out, &c.docs, &c.origin, &extra_doc(c)).map_err(|e| vec![e])?;
    let fields = [
        Breakable::text(format!("name: {}", string_literal(&c.name))),
        Breakable::text(format!("level: {}", string_literal(&c.level))),
        str_array("requires", &c.requires),
        str_array("provides", &c.provides),
        func,
    ];
    out.push_str("pub const ");
    out.push_str(&const_name(c));
    out.push_str(": InitcallDesc = InitcallDesc {\n");
    for f in &fields {
        write_line(&mut out, INDENT, f, ",", true);
    }
    out.push_str("    origin: Origin {\n");
    write_line(&mut out, 2 * INDENT, &Breakable::text(format!("file: {}", string_literal(&c.origin.file))), ",", true);
    let _ = write!(out, "        line: {},\n        column: {},\n    }},\n}};\n", c.origin.line, c.origin.column);
    Ok(out)
}

/// `const _: () = { requires::<resources::R, levels::L>("name"); .. };`, one
/// call per requirement; a call breaks its generic arguments when its line
/// does not fit.
fn proof(c: &Initcall) -> String {
    let mut out = String::from("const _: () = {\n");
    for r in &c.requires {
        let args = [format!("resources::{r}"), format!("levels::{}", c.level)];
        let call = Breakable {
            head: "requires::".to_string(),
            list: Some(List { open: "<", items: args.into_iter().map(Breakable::text).collect(), close: ">" }),
            tail: format!("({})", string_literal(&c.name)),
        };
        write_line(&mut out, INDENT, &call, ";", true);
    }
    out.push_str("};\n");
    out
}
