//! `netgen graph`: the init dependency graph as Graphviz DOT, one cluster per
//! level, an edge provider -> requirer labelled with the resource. Pernet
//! operations are ellipses in their registrar's cluster, hanging off it by a
//! dashed edge; a dotted edge joins an operation to one that `uses` it.
//! Protocol-table entries are notes in their registrar's cluster, hanging
//! off it by a dashed edge labelled with the Linux function that registers
//! them.

use std::fmt::Write;

use crate::ir::{Ir, TableRegistration};

pub fn dot(ir: &Ir) -> String {
    let mut out = String::from("digraph initcalls {\n    rankdir=LR;\n    node [shape=box, fontname=\"monospace\"];\n");
    for (i, level) in ir.levels.iter().enumerate() {
        let calls: Vec<_> = ir.initcalls.iter().filter(|c| c.level == level.name).collect();
        if calls.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "    subgraph cluster_{i} {{\n        label=\"{} (.initcall{}.init)\";",
            level.name, level.section
        );
        for c in &calls {
            let _ = writeln!(out, "        \"{}\";", c.name);
        }
        for c in &calls {
            for op in &c.registers {
                let _ = writeln!(out, "        \"{}\" [label=\"{op}\", shape=ellipse];", pernet_node(op));
            }
        }
        for c in &calls {
            for e in &c.table_entries {
                let _ = writeln!(
                    out,
                    "        \"{}\" [label=\"{} {}\", shape=note];",
                    table_node(e),
                    e.kind.keyword(),
                    e.name
                );
            }
        }
        out.push_str("    }\n");
    }
    for c in &ir.initcalls {
        for r in &c.requires {
            if let Some(res) = ir.resources.iter().find(|x| x.name == *r) {
                let _ = writeln!(out, "    \"{}\" -> \"{}\" [label=\"{}\"];", res.provider, c.name, r);
            }
        }
    }
    for p in &ir.pernet {
        let node = pernet_node(&p.name);
        let _ = writeln!(
            out,
            "    \"{}\" -> \"{node}\" [style=dashed, label=\"{}\"];",
            p.registered_by,
            p.kind.register_fn()
        );
        for r in &p.requires {
            if let Some(res) = ir.resources.iter().find(|x| x.name == *r) {
                let _ = writeln!(out, "    \"{}\" -> \"{node}\" [label=\"{}\"];", res.provider, r);
            }
        }
        for u in &p.uses {
            let _ = writeln!(out, "    \"{}\" -> \"{node}\" [style=dotted, label=\"uses\"];", pernet_node(u));
        }
    }
    for c in &ir.initcalls {
        for e in &c.table_entries {
            let register = e.kind.register_fn().unwrap_or_default();
            let _ = writeln!(out, "    \"{}\" -> \"{}\" [style=dashed, label=\"{register}\"];", c.name, table_node(e));
        }
    }
    out.push_str("}\n");
    out
}

/// A pernet operation's node id, apart from initcall names.
fn pernet_node(name: &str) -> String {
    format!("pernet:{name}")
}

/// A table entry's node id, apart from initcalls and pernet operations
/// (names are unique per kind).
fn table_node(e: &TableRegistration) -> String {
    format!("{}:{}", e.kind.keyword(), e.name)
}
