//! NICs: `netdev igb { rx_queue: 16; .. }` declares a NIC and what its
//! array registers are indexed by, `registers igb { .. }` its register map
//! ([`registers`]), `descriptors igb { .. }` its DMA descriptors
//! ([`descriptors`]). Every check reports at the spec line it concerns and
//! none stops the others; the checked netdevs become [`ir::Netdev`]s.

mod descriptors;
mod expr;
mod fields;
mod registers;

use super::decls::{check_case, fields as section_fields, named, no_at_or_type, Case, Decls, Names};
use super::suggest::closest;
use crate::diag::Diagnostic;
use crate::ir::{self, Location};
use crate::parse::ast::{Ident, ItemKind, Section, SpecFile, ValueKind};
use crate::source::{FileId, Span};

/// Turns a span into the IR's location.
pub(super) type Loc<'a> = dyn Fn(Span) -> Location + 'a;

/// The largest index space (`rx_queue: 16`): every instance of an array
/// register is checked and listed, so the count bounds that work. The
/// 82576's largest array, the multicast table, has 128.
pub const MAX_INDEX_COUNT: u64 = 4096;

/// A netdev being read: its index spaces, then what its blocks add.
struct NetdevDecl {
    name: Ident,
    docs: Vec<String>,
    spaces: Vec<(Ident, ir::IndexSpace)>,
    registers: registers::Map,
    descriptors: Vec<ir::Descriptor>,
}

/// Checks every `netdev`, `registers` and `descriptors` section of `files`.
pub fn check(files: &[(FileId, SpecFile)], d: &Decls, loc: &Loc, diags: &mut Vec<Diagnostic>) -> Vec<ir::Netdev> {
    let sections = || {
        files.iter().flat_map(|(_, f)| &f.items).filter_map(|i| match &i.kind {
            ItemKind::Section(s) => Some((s, &i.docs)),
            _ => None,
        })
    };
    let mut netdevs: Vec<NetdevDecl> = Vec::new();
    let mut names = Names::new("netdev");
    for (s, docs) in sections().filter(|(s, _)| s.keyword.name == "netdev") {
        if let Some(n) = netdev(s, docs, loc, diags) {
            if names.declare(&n.name, diags) {
                netdevs.push(n);
            }
        }
    }
    for (s, _) in sections() {
        let kw = s.keyword.name.as_str();
        if kw != "registers" && kw != "descriptors" {
            continue;
        }
        let example = format!("{kw} igb {{ .. }}");
        let Some(name) = named(s, kw, &example, diags) else { continue };
        no_at_or_type(s, kw, diags);
        let Some(n) = netdevs.iter_mut().find(|n| n.name.name == name.name) else {
            let mut diag =
                Diagnostic::error(format!("unknown netdev `{}`", name.name), name.span, "not declared with `netdev`")
                    .with_note(format!("declare it first: `netdev {} {{ rx_queue: 16; .. }}`", name.name))
                    .assuming_absent(&name.name);
            if let Some(s) = closest(&name.name, netdevs.iter().map(|n| n.name.name.as_str())) {
                diag = diag.with_note(format!("did you mean `{s}`?"));
            }
            diags.push(diag);
            continue;
        };
        let Some(body) = &s.body else {
            diags.push(Diagnostic::error(format!("`{kw} {}` needs a body", name.name), name.span, "expected `{ .. }`"));
            continue;
        };
        if kw == "registers" {
            registers::block(body, &n.spaces, &d.consts, &mut n.registers, loc, diags);
        } else {
            descriptors::block(body, &d.consts, &mut n.descriptors, loc, diags);
        }
    }
    netdevs
        .into_iter()
        .map(|n| {
            let (registers, counters64) = n.registers.finish(loc, diags);
            ir::Netdev {
                origin: loc(n.name.span),
                name: n.name.name,
                docs: n.docs,
                index_spaces: n.spaces.into_iter().map(|(_, s)| s).collect(),
                registers,
                counters64,
                descriptors: n.descriptors,
            }
        })
        .collect()
}

/// `netdev igb { rx_queue: 16; .. }`.
fn netdev(s: &Section, docs: &[String], loc: &Loc, diags: &mut Vec<Diagnostic>) -> Option<NetdevDecl> {
    let name = named(s, "netdev", "netdev igb { rx_queue: 16; tx_queue: 16; }", diags)?.clone();
    no_at_or_type(s, "netdev", diags);
    if !check_case(&name, Case::Fn, "netdev", diags) {
        return None;
    }
    let mut n = NetdevDecl {
        name,
        docs: docs.to_vec(),
        spaces: Vec::new(),
        registers: registers::Map::default(),
        descriptors: Vec::new(),
    };
    let Some(body) = &s.body else {
        diags.push(Diagnostic::error(
            format!("netdev `{}` needs a body", n.name.name),
            n.name.span,
            "expected `{ rx_queue: 16; .. }`: what its array registers are indexed by",
        ));
        return None;
    };
    section_fields(body, diags, |m, value, diags| {
        if !check_case(&m.name, Case::Fn, "index space", diags) {
            return;
        }
        let count = match value.kind {
            ValueKind::Int(c) if (1..=MAX_INDEX_COUNT).contains(&c) => c,
            _ => {
                diags.push(
                    Diagnostic::error(
                        format!("`{}` must be a count from 1 to {MAX_INDEX_COUNT}", m.name.name),
                        value.span,
                        "how many there are, as in `rx_queue: 16;`",
                    )
                    .with_note(format!(
                        "an index space counts queues or array entries (netgen::analyze::netdev::MAX_INDEX_COUNT \
                         is {MAX_INDEX_COUNT})"
                    )),
                );
                return;
            }
        };
        n.spaces.push((
            m.name.clone(),
            ir::IndexSpace { name: m.name.name.clone(), count, docs: m.docs.clone(), origin: loc(m.name.span) },
        ));
    });
    Some(n)
}

/// Register, field and value names are Linux's, upper case: `RCTL`,
/// `BSIZE`, `SZ_2048`.
pub(super) fn check_upper(name: &Ident, what: &str, example: &str, diags: &mut Vec<Diagnostic>) -> bool {
    let ok = name.name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if !ok {
        diags.push(Diagnostic::error(
            format!("{what} name `{}` is not allowed", name.name),
            name.span,
            format!("{what} names are upper case, like Linux's `E1000_` names without the prefix, e.g. `{example}`"),
        ));
    }
    ok
}

/// Descriptor and member names are Linux's C names, lower case.
pub(super) fn check_lower(name: &Ident, what: &str, example: &str, diags: &mut Vec<Diagnostic>) -> bool {
    let ok = name.name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !ok {
        diags.push(Diagnostic::error(
            format!("{what} name `{}` is not allowed", name.name),
            name.span,
            format!("{what} names are lower case, like Linux's C names, e.g. `{example}`"),
        ));
    }
    ok
}
