//! Pass 2, analyze: checks a parsed spec and lowers it to the [`crate::ir`].
//!
//! Every problem is collected, none stops the pass: [`decls`] reads each
//! section against its schema and builds the symbol tables, [`deps`] checks
//! requires/provides against levels and finds cycles, [`order`] decides the
//! boot order, [`pernet`] checks pernet operations against it and decides
//! their registration order, and [`tables`] checks the protocol tables and
//! vtables, and [`netdev`] the NICs' register maps and descriptors. Errors
//! mean no IR.

mod decls;
mod deps;
mod netdev;
mod order;
mod pernet;
mod suggest;
mod tables;

use sha2::{Digest, Sha256};

use crate::diag::Diagnostic;
use crate::ir::{self, Ir};
use crate::parse::ast::SpecFile;
use crate::source::{FileId, SourceMap, Span};

/// Checks `files` and returns the IR when there are no errors, plus every
/// diagnostic found.
pub fn analyze(sources: &SourceMap, files: &[(FileId, SpecFile)]) -> (Option<Ir>, Vec<Diagnostic>) {
    suggest::reset_work();
    let mut diags = Vec::new();
    let decls = decls::collect(files, &mut diags);
    decls::check_resource_states(&decls, &mut diags);
    let graph = deps::check(&decls, &mut diags);
    let boot_order = order::boot_order(&decls, &graph, &mut diags);
    let registration = pernet::check(&decls, &graph, &boot_order, &mut diags);
    let tables = tables::check(files, &decls, &boot_order, &mut diags);
    let loc = |span| sources.location(span);
    let netdevs = netdev::check(files, &decls, &loc, &mut diags);
    if diags.iter().any(Diagnostic::is_error) {
        return (None, diags);
    }
    let level_of = |i: usize| decls.initcalls[i].level.name.clone();
    let path =
        |f: &Option<(String, Span)>| f.as_ref().map(|(p, span)| ir::SpecPath { path: p.clone(), at: loc(*span) });
    let ir = Ir {
        spec_hash: spec_hash(sources),
        root: sources.files().first().map(|f| f.name.clone()).unwrap_or_default(),
        consts: decls
            .consts
            .iter()
            .map(|c| ir::Const { name: c.name.name.clone(), value: c.value, docs: c.docs.clone(), origin: loc(c.span) })
            .collect(),
        levels: decls
            .levels
            .iter()
            .map(|l| ir::Level {
                name: l.name.name.clone(),
                section: l.section.clone(),
                docs: l.docs.clone(),
                origin: loc(l.name.span),
            })
            .collect(),
        resources: decls
            .resources
            .iter()
            .filter_map(|r| {
                let &p = graph.provider.get(r.name.name.as_str())?;
                Some(ir::Resource {
                    name: r.name.name.clone(),
                    docs: r.docs.clone(),
                    state: r.state.as_ref().map(|s| ir::SpecPath { path: s.name.clone(), at: loc(s.span) }),
                    provider: decls.initcalls[p].name.name.clone(),
                    level: level_of(p),
                    origin: loc(r.name.span),
                })
            })
            .collect(),
        initcalls: boot_order
            .iter()
            .map(|&i| {
                let c = &decls.initcalls[i];
                ir::Initcall {
                    name: c.name.name.clone(),
                    level: c.level.name.clone(),
                    requires: c.requires.iter().map(|r| r.name.clone()).collect(),
                    provides: c.provides.iter().map(|r| r.name.clone()).collect(),
                    // Required: without one the spec has an error and no IR.
                    run: path(&c.run).unwrap_or_else(|| ir::SpecPath { path: String::new(), at: loc(c.name.span) }),
                    registers: registration
                        .iter()
                        .filter(|&&(_, r)| r == i)
                        .map(|&(op, _)| decls.pernet[op].name.name.clone())
                        .collect(),
                    table_entries: tables.registrations(i),
                    docs: c.docs.clone(),
                    origin: loc(c.name.span),
                }
            })
            .collect(),
        pernet: registration
            .iter()
            .filter_map(|&(i, r)| {
                let p = &decls.pernet[i];
                Some(ir::Pernet {
                    name: p.name.name.clone(),
                    kind: p.kind?.0,
                    registered_by: decls.initcalls[r].name.name.clone(),
                    state: path(&p.state),
                    requires: p.requires.iter().map(|r| r.name.clone()).collect(),
                    uses: p.uses.iter().map(|u| u.name.clone()).collect(),
                    init: path(&p.init),
                    pre_exit: path(&p.pre_exit),
                    exit: path(&p.exit),
                    exit_batch: path(&p.exit_batch),
                    docs: p.docs.clone(),
                    origin: loc(p.name.span),
                })
            })
            .collect(),
        tables: tables.lower(&loc),
        netdevs,
    };
    (Some(ir), diags)
}

/// The work the last [`analyze`] on this thread spent looking for "did you
/// mean" suggestions: one unit per candidate name looked at and per
/// edit-distance cell computed, at most
/// [`MAX_SUGGEST_WORK`](crate::limits::MAX_SUGGEST_WORK).
pub fn suggestion_work() -> u64 {
    suggest::work()
}

/// A hash of every file's name and text, so generated files can say which
/// spec they came from.
fn spec_hash(sources: &SourceMap) -> String {
    let mut h = Sha256::new();
    for f in sources.files() {
        h.update(f.name.as_bytes());
        h.update([0]);
        h.update(f.text.as_bytes());
        h.update([0]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
