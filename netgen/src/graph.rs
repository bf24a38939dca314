//! `netgen graph`: the init dependency graph as Graphviz DOT, drawn so that
//! the boot order reads from top to bottom.
//!
//! * One cluster per level that has initcalls, stacked in boot order. Dot
//!   places clusters only where their nodes' ranks put them, so the order
//!   is made a rank constraint: each level has a header node (its name and
//!   section) above all its nodes and an invisible foot node below them,
//!   and the foot of one level points to the header of the next. Every node
//!   of a level lies on a path header → … → node → … → foot, so dot ranks
//!   it below every node of the levels before it.
//! * One edge per (provider, requirer) pair, labelled with every resource it
//!   carries, one per line; an initcall's node is labelled with its place in
//!   the boot order (`#8 inet_init`), which the edges inside a level alone
//!   do not show.
//! * What an initcall registers after its `run` hangs below it, in its
//!   cluster, by dashed edges: each pernet operation as an ellipse (a dotted
//!   edge, which does not constrain the layout, joins it to an operation it
//!   `uses`), and its protocol-table entries as one note per Linux register
//!   function (`inet_add_protocol` and the entries it adds, in order).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write;

use crate::ir::{Initcall, Ir, PernetKind, TableKind};

/// The graph's name: `digraph initcalls { .. }`.
const GRAPH_NAME: &str = "initcalls";

pub fn dot(ir: &Ir) -> String {
    let mut out = format!("digraph {GRAPH_NAME} {{\n");
    out.push_str(
        "    // Levels are stacked by the rank chain header -> .. -> foot -> next header.\n    \
         // newrank: one ranking of the whole graph; dot's default ranks cluster\n    \
         // by cluster and may then put an edge's head above its tail.\n    \
         newrank=true;\n    \
         rankdir=TB;\n    \
         node [shape=box, fontname=\"monospace\"];\n    \
         edge [fontname=\"monospace\", fontsize=10];\n",
    );
    let levels = levels(ir);
    let deps = dependencies(ir);
    let within = Within::new(ir, &deps);
    let kinds: HashMap<&str, PernetKind> = ir.pernet.iter().map(|p| (p.name.as_str(), p.kind)).collect();
    for level in &levels {
        cluster(&mut out, level, &within, &kinds);
    }
    for pair in levels.windows(2) {
        // Heavy: pulls the levels towards one column, keeping the drawing narrow.
        let _ = writeln!(
            out,
            "    {} -> {} [style=invis, weight=100];",
            quote(&foot_node(pair[0].name)),
            quote(&header_node(pair[1].name))
        );
    }
    for ((provider, requirer), resources) in &deps {
        let _ = writeln!(out, "    {} -> {} [label={}];", quote(provider), quote(requirer), label(resources));
    }
    for c in &ir.initcalls {
        for op in &c.registers {
            let _ = writeln!(out, "    {} -> {} [style=dashed];", quote(&c.name), quote(&pernet_node(op)));
        }
        for (kind, _) in registrations(c) {
            let _ = writeln!(out, "    {} -> {} [style=dashed];", quote(&c.name), quote(&table_node(&c.name, kind)));
        }
    }
    for p in &ir.pernet {
        for u in &p.uses {
            // Not a rank constraint: the two are often children of one
            // registrar, which should stay side by side.
            let _ = writeln!(
                out,
                "    {} -> {} [style=dotted, constraint=false, label=\"uses\"];",
                quote(&pernet_node(u)),
                quote(&pernet_node(&p.name))
            );
        }
    }
    out.push_str("}\n");
    out
}

/// A level that has initcalls, with them and their boot positions
/// (1-based), in boot order.
struct LevelNodes<'a> {
    name: &'a str,
    section: &'a str,
    initcalls: Vec<(usize, &'a Initcall)>,
}

/// The levels that have initcalls, in boot order (a level without any
/// would be an empty box).
fn levels(ir: &Ir) -> Vec<LevelNodes<'_>> {
    let mut at: HashMap<&str, Vec<(usize, &Initcall)>> = HashMap::new();
    for (i, c) in ir.initcalls.iter().enumerate() {
        at.entry(&c.level).or_default().push((i + 1, c));
    }
    ir.levels
        .iter()
        .filter_map(|l| Some(LevelNodes { name: &l.name, section: &l.section, initcalls: at.remove(l.name.as_str())? }))
        .collect()
}

/// Node pairs (provider, requirer) and the resources each carries, in the
/// order the requirer lists them. A requirer is an initcall, or a pernet
/// operation's node; an operation's requirement on what its own registrar
/// provides is left out (the registrar provides it before registering, and
/// the child edge already joins the two).
fn dependencies(ir: &Ir) -> BTreeMap<(String, String), Vec<&str>> {
    let provider: HashMap<&str, &str> = ir.resources.iter().map(|r| (r.name.as_str(), r.provider.as_str())).collect();
    let mut deps: BTreeMap<(String, String), Vec<&str>> = BTreeMap::new();
    for c in &ir.initcalls {
        for r in &c.requires {
            if let Some(&p) = provider.get(r.as_str()) {
                deps.entry((p.to_owned(), c.name.clone())).or_default().push(r);
            }
        }
    }
    for op in &ir.pernet {
        for r in &op.requires {
            if let Some(&p) = provider.get(r.as_str()).filter(|&&p| p != op.registered_by) {
                deps.entry((p.to_owned(), pernet_node(&op.name))).or_default().push(r);
            }
        }
    }
    deps
}

/// The dependency edges between initcalls of one level.
struct Within<'a> {
    /// Initcalls that require something from one at their level.
    fed: HashSet<&'a str>,
    /// Initcalls that provide something to one at their level.
    feeding: HashSet<&'a str>,
}

impl<'a> Within<'a> {
    fn new(ir: &'a Ir, deps: &'a BTreeMap<(String, String), Vec<&str>>) -> Within<'a> {
        let level: HashMap<&str, &str> = ir.initcalls.iter().map(|c| (c.name.as_str(), c.level.as_str())).collect();
        let mut within = Within { fed: HashSet::new(), feeding: HashSet::new() };
        for (p, r) in deps.keys() {
            if let (Some(a), Some(b)) = (level.get(p.as_str()), level.get(r.as_str())) {
                if a == b {
                    within.feeding.insert(p);
                    within.fed.insert(r);
                }
            }
        }
        within
    }
}

/// One level's cluster: its header, its initcalls and what they register,
/// the invisible edges that hang them between header and foot, the foot.
fn cluster(out: &mut String, level: &LevelNodes, within: &Within, kinds: &HashMap<&str, PernetKind>) {
    let _ = writeln!(out, "    subgraph {} {{", quote(&format!("cluster_{}", level.name)));
    let header = header_node(level.name);
    let foot = foot_node(level.name);
    let _ = writeln!(
        out,
        "        {} [label={}, shape=plaintext];",
        quote(&header),
        quote(&format!("{} (.initcall{}.init)", level.name, level.section))
    );
    for (position, c) in &level.initcalls {
        let _ = writeln!(out, "        {} [label={}];", quote(&c.name), quote(&format!("#{position} {}", c.name)));
    }
    for (_, c) in &level.initcalls {
        for op in &c.registers {
            let kind = kinds.get(op.as_str()).map_or("", |k| k.keyword());
            let _ = writeln!(
                out,
                "        {} [label={}, shape=ellipse, fontsize=10];",
                quote(&pernet_node(op)),
                label(&[op.as_str(), kind])
            );
        }
        for (kind, names) in registrations(c) {
            let fun = kind.register_fn().unwrap_or(kind.keyword());
            let _ = writeln!(
                out,
                "        {} [label={}, shape=note, fontsize=10];",
                quote(&table_node(&c.name, kind)),
                left_label(&[&[fun][..], &names].concat())
            );
        }
    }
    let _ = writeln!(out, "        {} [style=invis, shape=point, width=0, height=0];", quote(&foot));
    // What no initcall of this level provides for hangs from the header;
    // what has no successor in this level (what is registered, and the
    // initcalls that provide nothing here and register nothing) hangs the
    // foot. The rest lies on a path between the two.
    for (_, c) in level.initcalls.iter().filter(|(_, c)| !within.fed.contains(c.name.as_str())) {
        let _ = writeln!(out, "        {} -> {} [style=invis];", quote(&header), quote(&c.name));
    }
    for (_, c) in &level.initcalls {
        if !within.feeding.contains(c.name.as_str()) && !c.has_wrapper() {
            let _ = writeln!(out, "        {} -> {} [style=invis];", quote(&c.name), quote(&foot));
        }
        for op in &c.registers {
            let _ = writeln!(out, "        {} -> {} [style=invis];", quote(&pernet_node(op)), quote(&foot));
        }
        for (kind, _) in registrations(c) {
            let _ = writeln!(out, "        {} -> {} [style=invis];", quote(&table_node(&c.name, kind)), quote(&foot));
        }
    }
    out.push_str("    }\n");
}

/// An initcall's table entries grouped by kind, in registration order.
fn registrations(c: &Initcall) -> Vec<(TableKind, Vec<&str>)> {
    let mut groups: Vec<(TableKind, Vec<&str>)> = Vec::new();
    for e in &c.table_entries {
        match groups.last_mut() {
            Some((kind, names)) if *kind == e.kind => names.push(&e.name),
            _ => groups.push((e.kind, vec![&e.name])),
        }
    }
    groups
}

/// The header node of a level's cluster: its top.
pub fn header_node(level: &str) -> String {
    format!("level:{level}")
}

/// The invisible foot node of a level's cluster: its bottom.
pub fn foot_node(level: &str) -> String {
    format!("level_end:{level}")
}

/// A pernet operation's node id, apart from initcall names.
pub fn pernet_node(name: &str) -> String {
    format!("pernet:{name}")
}

/// The node of the entries of one kind `registrar` registers (names are
/// unique per kind, a registrar registers each kind in one go).
pub fn table_node(registrar: &str, kind: TableKind) -> String {
    format!("{}:{registrar}", kind.keyword())
}

/// A label of centred lines, as a DOT quoted string.
fn label<S: AsRef<str>>(lines: &[S]) -> String {
    let lines: Vec<String> = lines.iter().map(|l| escape(l.as_ref())).collect();
    format!("\"{}\"", lines.join("\\n"))
}

/// A label of left-justified lines (DOT's `\l` ends each), as a DOT quoted
/// string.
fn left_label<S: AsRef<str>>(lines: &[S]) -> String {
    let lines: String = lines.iter().map(|l| format!("{}\\l", escape(l.as_ref()))).collect();
    format!("\"{lines}\"")
}

/// A DOT quoted string.
fn quote(s: &str) -> String {
    format!("\"{}\"", escape(s))
}

/// `s` inside DOT quotes. Spec names cannot hold `"` or `\`; escaping them
/// anyway keeps a bad name from breaking the file.
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}
