//! `signatures.rs`: every Rust path the spec names, checked against its
//! contract ([`crate::contract`]), so that a missing path or a wrong
//! signature fails to compile here, on a line that names the spec location
//! the path came from, and `netgen check --rust` can report it there.
//!
//! A function is checked by coercing it to its contract's function pointer
//! type (`let _: InetProtocolHandler = ::path::udp_rcv;`), which infers the
//! spec as its type parameter and proves its bounds; a type by calling a
//! `const fn` whose bounds are its contract's. rustc's error for a mismatch
//! names the expected and the found signature.
//!
//! The checks are written by a text template, one per line ending in a
//! `// spec/FILE:LINE:COLUMN` comment, however long: rustc prints the line
//! of an error, comment included, so a plain `cargo build` shows where in
//! the spec the path is written; prettyplease would drop the comment and
//! break the line. The aliases and `const fn`s above them are built with
//! `quote!`. Each line is also a [`Site`], which `netgen check --rust` maps
//! rustc's errors back through.
//!
//! A path that is not a Rust path is skipped here: the emitter of the file
//! that calls it reports it.

use std::collections::BTreeMap;
use std::fmt::Write;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::rust::RustPath;
use super::{Chunk, EmitError, Emitted};
use crate::contract::{self, Contract, Kind, Ret, Shape};
use crate::ir::{Ir, SpecPath};

/// The spec's type, as `pernet.rs` names it.
const SPEC_TYPE: &str = "Pernet";

/// One checked path: a line of `signatures.rs`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    /// The line, without its newline, as the file has it.
    pub line: String,
    pub path: SpecPath,
    /// What the path is: "the `handler` of `inet_protocol udp_protocol`".
    pub what: String,
    /// The section kind, for `netgen explain KIND`.
    pub kind: Kind,
    /// The contract in one phrase with the spec's type: "`fn(&mut
    /// NetCx<'_, Pernet>, SkBuff) -> NetRx`".
    pub expected: String,
}

/// A path to check, before it is written.
struct Use {
    contract: Contract,
    path: SpecPath,
    what: String,
}

/// The checks of one `const _: () = { .. };` block: the paths of one
/// section kind, or of one pernet operation (whose `init` returns its
/// `state`, named `State` in the block).
struct Block {
    doc: String,
    /// A pernet operation's `state`: `type State = ..;` and its check.
    state: Option<Use>,
    uses: Vec<Use>,
}

/// Every path of the spec with its contract, in blocks: by section kind in
/// the order of [`Kind::ALL`], each kind in IR order. A field without a
/// contract is a bug in `contract.rs`, reported as an internal error.
fn blocks(ir: &Ir) -> Result<Vec<Block>, Vec<EmitError>> {
    let mut errors = Vec::new();
    let mut with_contract =
        |kind: Kind, field: &str, path: SpecPath, what: String| match contract::contract(kind, field) {
            Some(contract) => Some(Use { contract, path, what }),
            None => {
                let message = format!("contract.rs has no contract for the `{field}` of `{}`", kind.keyword());
                errors.push(EmitError::internal("signatures.rs", message));
                None
            }
        };
    let mut out = Vec::new();
    let resources = ir.resources.iter().filter_map(|r| {
        let what = format!("the type of `resource {}`", r.name);
        with_contract(Kind::Resource, "type", r.state.clone()?, what)
    });
    out.extend(by_kind(Kind::Resource, resources.collect()));
    let initcalls = ir.initcalls.iter().filter_map(|c| {
        with_contract(Kind::Initcall, "run", c.run.clone(), format!("the `run` of `initcall {}`", c.name))
    });
    out.extend(by_kind(Kind::Initcall, initcalls.collect()));
    for p in &ir.pernet {
        let mut pernet = |field: &str, path: &Option<SpecPath>| {
            with_contract(Kind::Pernet, field, path.clone()?, format!("the `{field}` of `pernet {}`", p.name))
        };
        let state = pernet("state", &p.state);
        let uses = [("init", &p.init), ("pre_exit", &p.pre_exit), ("exit", &p.exit), ("exit_batch", &p.exit_batch)]
            .into_iter()
            .filter_map(|(field, path)| pernet(field, path))
            .collect();
        let doc = format!("`pernet {}` (`netgen explain pernet`).", p.name);
        out.push(Block { doc, state, uses });
    }
    for kind in Kind::ALL {
        let Kind::Table(table) = kind else { continue };
        let mut uses = Vec::new();
        for (name, fields) in ir.tables.function_fields(table) {
            for m in fields {
                let what = format!("the `{}` of `{} {name}`", m.method, table.keyword());
                uses.extend(with_contract(kind, &m.method, m.path, what));
            }
        }
        out.extend(by_kind(kind, uses));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The block of one section kind's paths, if it has any.
fn by_kind(kind: Kind, uses: Vec<Use>) -> Option<Block> {
    let doc = format!("The paths of the `{}` sections (`netgen explain {}`).", kind.keyword(), kind.keyword());
    (!uses.is_empty()).then_some(Block { doc, state: None, uses })
}

/// An alias's or check function's name: `InetProtocolHandler`,
/// `pernet_state`.
fn item_name(c: &Contract) -> String {
    match c.shape {
        Shape::Fn { .. } => camel(c.kind.keyword()) + &camel(c.field),
        Shape::Type { .. } => format!("{}_{}", c.kind.keyword(), c.field),
    }
}

/// `inet_protocol` -> `InetProtocol`.
fn camel(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}

/// A check line and its site.
fn site(u: &Use, check: String) -> Site {
    Site {
        line: format!("    {check} // {}", u.path.at),
        path: u.path.clone(),
        what: u.what.clone(),
        kind: u.contract.kind,
        expected: u.contract.summary(SPEC_TYPE, None),
    }
}

impl Block {
    /// The block's check lines, each a site; a path that is not a Rust path
    /// has none (the emitter of the file that uses it reports it).
    fn sites(&self) -> Vec<Site> {
        let mut sites = Vec::new();
        // A pernet `state` is `State` in the block, so the lines that name
        // it stay short enough for rustc to print whole; `()` without one.
        // A state that is no Rust path leaves `init` unchecked.
        let state = match &self.state {
            None => Some("()"),
            Some(u) => RustPath::parse(&u.path).ok().map(|ty| {
                sites.push(site(u, format!("type State = {};", ty.absolute_type())));
                sites.push(site(u, format!("{}::<State>();", item_name(&u.contract))));
                "State"
            }),
        };
        for u in &self.uses {
            let Ok(path) = RustPath::parse(&u.path) else { continue };
            let name = item_name(&u.contract);
            let s = match &u.contract.shape {
                Shape::Fn { ret: Ret::State, .. } => {
                    let Some(state) = state else { continue };
                    let mut s = site(u, format!("let _: {name}<{state}> = {};", path.absolute_expr()));
                    let written = self.state.as_ref().map(|s| s.path.as_str());
                    s.expected = u.contract.summary(SPEC_TYPE, written);
                    s
                }
                Shape::Fn { .. } => site(u, format!("let _: {name} = {};", path.absolute_expr())),
                Shape::Type { .. } => site(u, format!("{name}::<{}>();", path.absolute_type())),
            };
            sites.push(s);
        }
        sites
    }
}

/// Every check line of the spec's `signatures.rs`, in file order (none if
/// the file cannot be emitted).
pub fn sites(ir: &Ir) -> Vec<Site> {
    blocks(ir).unwrap_or_default().iter().flat_map(Block::sites).collect()
}

pub fn emit(ir: &Ir) -> Emitted {
    let blocks = blocks(ir)?;
    // The contracts some path is checked against, in contract order.
    let used: Vec<Contract> = Kind::ALL
        .into_iter()
        .flat_map(contract::contracts)
        .filter(|c| blocks.iter().flat_map(|b| b.state.iter().chain(&b.uses)).any(|u| u.contract == *c))
        .collect();
    let imports = imports(&used)?;
    let items = super::all(used.iter().map(|c| item(c).map_err(|e| vec![e])))?;
    let spec = used.iter().any(|c| matches!(c.shape, Shape::Fn { .. })).then(|| {
        let spec = format_ident!("{SPEC_TYPE}");
        quote! { use super::pernet::#spec; }
    });
    // What follows is laid out by netgen, not prettyplease: tests/render.rs
    // compares the file with prettyplease's layout up to this comment.
    let mut text = String::from(
        "// The checks: one a line, ending in the spec location of its path (see\n\
         // netgen/src/emit/signatures.rs).\n\n",
    );
    for b in &blocks {
        let sites = b.sites();
        if sites.is_empty() {
            continue;
        }
        let _ = writeln!(text, "/// {}", b.doc);
        text.push_str("const _: () = {\n");
        for s in sites {
            text.push_str(&s.line);
            text.push('\n');
        }
        text.push_str("};\n");
    }
    Ok(vec![
        Chunk::Rust(quote! {
            #![doc = " Every Rust path the spec names, checked against its contract (`netgen"]
            #![doc = " explain KIND` prints them): a function must coerce to its contract's type, a"]
            #![doc = " type must meet its bounds. Each check is one line ending in the spec location"]
            #![doc = " of the path, which rustc shows with an error; `netgen check --rust` reports"]
            #![doc = " the error there. The other files call the same paths, so rustc reports a"]
            #![doc = " wrong one there too."]

            #(#imports)*
            #spec

            #(#items)*
        }),
        Chunk::Text(text),
    ])
}

/// The alias of a function contract (`type InetProtocolHandler = fn(..)`,
/// generic over the state for a pernet `init`), or the check function of a
/// type contract (`const fn pernet_state<T: Send + Sync + 'static>() {}`).
fn item(c: &Contract) -> Result<TokenStream, EmitError> {
    let doc = format!(" {} (`netgen explain {}`).", what(c), c.kind.keyword());
    let name = format_ident!("{}", item_name(c));
    Ok(match &c.shape {
        Shape::Fn { ret, .. } => {
            let generic = matches!(ret, Ret::State);
            let ty = parse(&c.fn_type(SPEC_TYPE, if generic { "State" } else { "()" }).unwrap_or_default())?;
            let params = generic.then(|| quote!(<State>));
            quote! {
                #[doc = #doc]
                type #name #params = #ty;
            }
        }
        Shape::Type { bounds } => {
            let bounds = parse(bounds)?;
            quote! {
                #[doc = #doc]
                const fn #name<T: #bounds>() {}
            }
        }
    })
}

/// Text from `contract.rs` as tokens; text that does not lex is a bug there.
fn parse(text: &str) -> Result<TokenStream, EmitError> {
    text.parse()
        .map_err(|e| EmitError::internal("signatures.rs", format!("`{text}` from contract.rs is not Rust: {e}")))
}

/// "The `handler` of `inet_protocol` sections".
fn what(c: &Contract) -> String {
    match c.kind {
        Kind::Resource => "The type of `resource` sections".to_string(),
        _ => format!("The `{}` of `{}` sections", c.field, c.kind.keyword()),
    }
}

/// `use` items for the runtime types the contracts name, one per module.
fn imports(contracts: &[Contract]) -> Result<Vec<TokenStream>, Vec<EmitError>> {
    let mut modules: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for c in contracts {
        for name in c.type_names() {
            let Some((_, path)) = contract::TYPES.iter().find(|(n, _)| *n == name) else { continue };
            let module = path.rsplit_once("::").map_or("", |(m, _)| m);
            let names = modules.entry(module).or_default();
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    super::all(modules.into_iter().map(|(module, mut names)| {
        names.sort_unstable();
        let module = parse(&format!("::{module}")).map_err(|e| vec![e])?;
        let names: Vec<_> = names.iter().map(|n| format_ident!("{n}")).collect();
        Ok(match &names[..] {
            [one] => quote! { use #module::#one; },
            _ => quote! { use #module::{#(#names),*}; },
        })
    }))
}
