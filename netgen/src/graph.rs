//! `netgen graph`: the init dependency graph as Graphviz DOT, one cluster per
//! level, an edge provider -> requirer labelled with the resource.

use std::fmt::Write;

use crate::ir::Ir;

pub fn dot(ir: &Ir) -> String {
    let mut out = String::from("digraph initcalls {\n    rankdir=LR;\n    node [shape=box, fontname=\"monospace\"];\n");
    for (i, level) in ir.levels.iter().enumerate() {
        let calls: Vec<_> = ir.initcalls.iter().filter(|c| c.level == level.name).collect();
        if calls.is_empty() {
            continue;
        }
        let _ = writeln!(out, "    subgraph cluster_{i} {{\n        label=\"{} (.initcall{}.init)\";", level.name, level.section);
        for c in calls {
            let _ = writeln!(out, "        \"{}\";", c.name);
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
    out.push_str("}\n");
    out
}
