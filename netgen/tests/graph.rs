//! `netgen graph`: the DOT it writes, parsed, checked against the IR: levels
//! stacked in boot order by rank constraints, one edge per pair labelled
//! with all its resources, registrations inside their registrar's cluster;
//! and, where Graphviz is installed, where `dot` really puts the levels.

mod common;

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::Path;
use std::process::Command;

use netgen::graph::{foot_node, header_node, pernet_node, table_node};
use netgen::ir::Ir;

// ---- a small DOT reader: what `graph::dot` writes, read as Graphviz does --

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Id(String),
    Punct(&'static str),
}

fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if text[i..].starts_with("//") {
            i += text[i..].find('\n').unwrap_or(text.len() - i);
        } else if text[i..].starts_with("/*") {
            i += text[i..].find("*/").expect("closed comment") + 2;
        } else if text[i..].starts_with("->") {
            out.push(Token::Punct("->"));
            i += 2;
        } else if let Some(p) = ["{", "}", "[", "]", "=", ";", ","].into_iter().find(|p| p.as_bytes()[0] == c) {
            out.push(Token::Punct(p));
            i += 1;
        } else if c == b'"' {
            // Only `\"` is an escape of the quoted string itself; `\n`,
            // `\l` and `\\` are the label's, kept as written.
            let mut s = String::new();
            i += 1;
            loop {
                match b[i] {
                    b'"' => break,
                    b'\\' if b[i + 1] == b'"' => {
                        s.push('"');
                        i += 2;
                    }
                    b'\\' => {
                        s.push_str(&text[i..i + 2]);
                        i += 2;
                    }
                    _ => {
                        let ch = text[i..].chars().next().unwrap();
                        s.push(ch);
                        i += ch.len_utf8();
                    }
                }
            }
            i += 1;
            out.push(Token::Id(s));
        } else {
            // A numeral may be negative (`-Tplain` coordinates).
            let end = text[i..]
                .char_indices()
                .find(|&(k, ch)| !(ch.is_ascii_alphanumeric() || ch == '_' || ch == '.' || (ch == '-' && k == 0)))
                .map_or(text.len() - i, |(k, _)| k);
            assert!(end > 0, "unexpected {:?} at {i}", &text[i..i + 1]);
            out.push(Token::Id(text[i..i + end].to_owned()));
            i += end;
        }
    }
    out
}

#[derive(Debug, Default)]
struct Dot {
    graph_attrs: HashMap<String, String>,
    /// Cluster names in file order.
    clusters: Vec<String>,
    /// Node id -> its attributes and the cluster it is declared in.
    nodes: HashMap<String, (HashMap<String, String>, Option<String>)>,
    edges: Vec<Edge>,
}

#[derive(Debug)]
struct Edge {
    from: String,
    to: String,
    attrs: HashMap<String, String>,
}

impl Edge {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.get(name).map(String::as_str)
    }

    /// Whether dot ranks its head below its tail.
    fn constrains(&self) -> bool {
        self.attr("constraint") != Some("false")
    }
}

/// The lines of a label (`\n` centres a line, `\l` left-justifies it).
fn label_lines(label: &str) -> Vec<String> {
    label.replace("\\l", "\\n").split("\\n").filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

fn parse(text: &str) -> Dot {
    let toks = tokens(text);
    let mut dot = Dot::default();
    let mut at = 0;
    assert_eq!(toks[0], Token::Id("digraph".into()));
    assert!(matches!(toks[1], Token::Id(_)) && toks[2] == Token::Punct("{"), "{toks:?}");
    at += 3;
    statements(&toks, &mut at, &mut dot, None);
    assert_eq!(at, toks.len(), "nothing after the graph");
    dot
}

fn id(toks: &[Token], at: &mut usize) -> String {
    match &toks[*at] {
        Token::Id(s) => {
            *at += 1;
            s.clone()
        }
        t => panic!("expected an id, got {t:?}"),
    }
}

fn attrs(toks: &[Token], at: &mut usize) -> HashMap<String, String> {
    let mut out = HashMap::new();
    if toks.get(*at) != Some(&Token::Punct("[")) {
        return out;
    }
    *at += 1;
    while toks[*at] != Token::Punct("]") {
        let k = id(toks, at);
        assert_eq!(toks[*at], Token::Punct("="));
        *at += 1;
        out.insert(k, id(toks, at));
        if toks[*at] == Token::Punct(",") || toks[*at] == Token::Punct(";") {
            *at += 1;
        }
    }
    *at += 1;
    out
}

/// Statements up to and including the closing `}`.
fn statements(toks: &[Token], at: &mut usize, dot: &mut Dot, cluster: Option<&str>) {
    loop {
        match &toks[*at] {
            Token::Punct("}") => {
                *at += 1;
                return;
            }
            Token::Punct(";") => *at += 1,
            Token::Id(kw) if kw == "subgraph" => {
                *at += 1;
                let name = id(toks, at);
                assert_eq!(toks[*at], Token::Punct("{"));
                *at += 1;
                assert!(cluster.is_none(), "clusters are not nested");
                dot.clusters.push(name.clone());
                statements(toks, at, dot, Some(&name));
            }
            Token::Id(kw) if ["node", "edge", "graph"].contains(&kw.as_str()) => {
                *at += 1;
                attrs(toks, at);
            }
            Token::Id(_) => {
                let first = id(toks, at);
                match toks[*at] {
                    Token::Punct("=") => {
                        *at += 1;
                        let value = id(toks, at);
                        dot.graph_attrs.insert(first, value);
                    }
                    Token::Punct("->") => {
                        *at += 1;
                        let to = id(toks, at);
                        let attrs = attrs(toks, at);
                        dot.edges.push(Edge { from: first, to, attrs });
                    }
                    _ => {
                        let attrs = attrs(toks, at);
                        let old = dot.nodes.insert(first.clone(), (attrs, cluster.map(str::to_owned)));
                        assert!(old.is_none(), "node {first} declared twice");
                    }
                }
            }
            t => panic!("unexpected {t:?}"),
        }
    }
}

// ---- the specs ----------------------------------------------------------

/// A small spec with what the workspace's lack: pernet operations that
/// require resources (one from their own registrar), and a level between
/// two others that has no initcall.
const SMALL: &str = "
initcall a @ core { provides: [SockRegistry, InitNet]; run: x::a; }
initcall b @ core { requires: [SockRegistry, InitNet]; provides: [PtypeBase]; run: x::b; }
initcall c @ fs { requires: [InitNet, PtypeBase, SockRegistry]; provides: [InetFamily]; run: x::c; }
pernet p: subsys { registered_by: c; requires: [SockRegistry, PtypeBase, InetFamily]; init: x::p_init; }
pernet q: device { registered_by: c; uses: [p]; init: x::q_init; }
";

/// The workspace's two specs and the small one.
fn specs() -> Vec<(String, Ir)> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out: Vec<(String, Ir)> = ["spec/netgen.ng", "runtime/testspec/netgen.ng"]
        .iter()
        .map(|root| (root.to_string(), netgen::compile(&repo.join(root)).ir.expect("the workspace's specs compile")))
        .collect();
    let small = common::compile(SMALL);
    assert!(!small.has_errors(), "{}", small.render_diagnostics());
    out.push(("the small spec".into(), small.ir.unwrap()));
    out
}

/// The levels with initcalls, in boot order.
fn drawn_levels(ir: &Ir) -> Vec<&str> {
    ir.levels.iter().map(|l| l.name.as_str()).filter(|l| ir.initcalls.iter().any(|c| c.level == *l)).collect()
}

/// Every node the graph should have in each level's cluster.
fn expected_members(ir: &Ir, level: &str) -> HashSet<String> {
    let mut m: HashSet<String> = [header_node(level), foot_node(level)].into();
    for c in ir.initcalls.iter().filter(|c| c.level == level) {
        m.insert(c.name.clone());
        m.extend(c.registers.iter().map(|op| pernet_node(op)));
        m.extend(c.table_entries.iter().map(|e| table_node(&c.name, e.kind)));
    }
    m
}

fn reachable(from: &str, next: &HashMap<&str, Vec<&str>>) -> HashSet<String> {
    let mut seen: HashSet<String> = [from.to_owned()].into();
    let mut queue: VecDeque<&str> = [from].into();
    while let Some(n) = queue.pop_front() {
        for &m in next.get(n).into_iter().flatten() {
            if seen.insert(m.to_owned()) {
                queue.push_back(m);
            }
        }
    }
    seen
}

// ---- the tests ----------------------------------------------------------

/// Under any ranking dot may choose, every node of a level lies above every
/// node of the next: each lies on a constraint path from its level's
/// header to its level's foot, the foot points to the next header, and the
/// constraint edges have no cycle (which dot would break by reversing one).
#[test]
fn rank_constraints_stack_the_levels_in_boot_order() {
    for (name, ir) in specs() {
        let dot = parse(&netgen::graph::dot(&ir));
        assert_eq!(dot.graph_attrs.get("newrank").map(String::as_str), Some("true"), "{name}");
        let levels = drawn_levels(&ir);
        let clusters: Vec<String> = levels.iter().map(|l| format!("cluster_{l}")).collect();
        assert_eq!(dot.clusters, clusters, "{name}: one cluster per level with initcalls, in boot order");

        let mut next: HashMap<&str, Vec<&str>> = HashMap::new();
        let mut prev: HashMap<&str, Vec<&str>> = HashMap::new();
        for e in dot.edges.iter().filter(|e| e.constrains()) {
            next.entry(&e.from).or_default().push(&e.to);
            prev.entry(&e.to).or_default().push(&e.from);
        }
        for (i, level) in levels.iter().enumerate() {
            let members: HashSet<String> = dot
                .nodes
                .iter()
                .filter(|(_, (_, c))| c.as_deref() == Some(clusters[i].as_str()))
                .map(|(n, _)| n.clone())
                .collect();
            assert_eq!(members, expected_members(&ir, level), "{name}: cluster of {level}");
            let below_header = reachable(&header_node(level), &next);
            let above_foot = reachable(&foot_node(level), &prev);
            for m in &members {
                assert!(below_header.contains(m), "{name}: {m} hangs from the header of {level}");
                assert!(above_foot.contains(m), "{name}: {m} reaches the foot of {level}");
            }
            if let Some(after) = levels.get(i + 1) {
                assert!(
                    dot.edges
                        .iter()
                        .any(|e| e.constrains() && e.from == foot_node(level) && e.to == header_node(after)),
                    "{name}: {level} is chained to {after}"
                );
            }
        }
        // No cycle: Kahn's algorithm places every node.
        let mut indegree: HashMap<&str, usize> = dot.nodes.keys().map(|n| (n.as_str(), 0)).collect();
        for e in dot.edges.iter().filter(|e| e.constrains()) {
            *indegree.get_mut(e.to.as_str()).expect("edges join declared nodes") += 1;
        }
        let mut ready: Vec<&str> = indegree.iter().filter(|(_, &d)| d == 0).map(|(&n, _)| n).collect();
        let mut placed = 0;
        while let Some(n) = ready.pop() {
            placed += 1;
            for &m in next.get(n).into_iter().flatten() {
                let d = indegree.get_mut(m).unwrap();
                *d -= 1;
                if *d == 0 {
                    ready.push(m);
                }
            }
        }
        assert_eq!(placed, dot.nodes.len(), "{name}: the constraint edges have a cycle");
    }
}

#[test]
fn one_edge_per_pair_labelled_with_all_its_resources() {
    for (name, ir) in specs() {
        let dot = parse(&netgen::graph::dot(&ir));
        let mut pairs = HashSet::new();
        for e in &dot.edges {
            assert!(pairs.insert((e.from.as_str(), e.to.as_str())), "{name}: two edges {} -> {}", e.from, e.to);
        }
        // What each requirer requires, by provider, in its order; a pernet
        // operation's requirement on its own registrar is its child edge.
        let provider = |r: &String| ir.resources.iter().find(|x| x.name == *r).map(|x| x.provider.clone());
        let mut expected: HashMap<(String, String), Vec<String>> = HashMap::new();
        for c in &ir.initcalls {
            for r in &c.requires {
                let p = provider(r).expect("a required resource has a provider");
                expected.entry((p, c.name.clone())).or_default().push(r.clone());
            }
        }
        for op in &ir.pernet {
            for r in &op.requires {
                let p = provider(r).expect("a required resource has a provider");
                if p != op.registered_by {
                    expected.entry((p, pernet_node(&op.name))).or_default().push(r.clone());
                }
            }
        }
        let labelled: HashMap<(String, String), Vec<String>> = dot
            .edges
            .iter()
            .filter(|e| e.attr("style").is_none())
            .map(|e| ((e.from.clone(), e.to.clone()), label_lines(e.attr("label").unwrap_or_default())))
            .collect();
        assert_eq!(labelled, expected, "{name}");
    }
}

#[test]
fn registrations_hang_below_their_registrar_in_its_cluster() {
    for (name, ir) in specs() {
        let dot = parse(&netgen::graph::dot(&ir));
        let cluster_of = |n: &str| dot.nodes.get(n).unwrap_or_else(|| panic!("{name}: node {n}")).1.clone();
        let child_edge = |from: &str, to: &str| {
            dot.edges
                .iter()
                .any(|e| e.from == from && e.to == to && e.attr("style") == Some("dashed") && e.constrains())
        };
        for c in &ir.initcalls {
            let label = dot.nodes[&c.name].0.get("label").cloned().unwrap_or_default();
            let position = ir.initcalls.iter().position(|x| x.name == c.name).unwrap() + 1;
            assert_eq!(
                label,
                format!("#{position} {}", c.name),
                "{name}: initcalls show their place in the boot order"
            );
            for op in &c.registers {
                let node = pernet_node(op);
                assert_eq!(cluster_of(&node), cluster_of(&c.name), "{name}: {op}");
                assert!(child_edge(&c.name, &node), "{name}: {} -> {op}", c.name);
            }
            let mut kinds: Vec<_> = c.table_entries.iter().map(|e| e.kind).collect();
            kinds.dedup();
            for kind in kinds {
                let node = table_node(&c.name, kind);
                assert_eq!(cluster_of(&node), cluster_of(&c.name), "{name}: {node}");
                assert!(child_edge(&c.name, &node), "{name}: {} -> {node}", c.name);
                let mut lines = vec![kind.register_fn().expect("registered kinds have a register function").to_owned()];
                lines.extend(c.table_entries.iter().filter(|e| e.kind == kind).map(|e| e.name.clone()));
                assert_eq!(label_lines(&dot.nodes[&node].0["label"]), lines, "{name}: {node}");
            }
        }
        for op in &ir.pernet {
            for u in &op.uses {
                let e = dot.edges.iter().find(|e| e.from == pernet_node(u) && e.to == pernet_node(&op.name));
                let e = e.unwrap_or_else(|| panic!("{name}: {} uses {u}", op.name));
                assert_eq!((e.attr("style"), e.constrains()), (Some("dotted"), false), "{name}");
            }
        }
    }
}

/// Where dot really puts the levels: each level's nodes above the next
/// level's (`-Tplain` y grows upwards). Skipped, saying so, without dot.
#[test]
fn dot_draws_the_levels_top_to_bottom_in_boot_order() {
    if Command::new("dot").arg("-V").output().is_err() {
        eprintln!("skipped: Graphviz `dot` is not installed (apt-get install graphviz)");
        return;
    }
    for (name, ir) in specs() {
        let text = netgen::graph::dot(&ir);
        let mut child = Command::new("dot")
            .arg("-Tplain")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("dot runs");
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), text.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{name}: dot failed: {}", String::from_utf8_lossy(&out.stderr));
        // `node NAME X Y WIDTH HEIGHT ...`, NAME quoted where it needs to be.
        let mut y: HashMap<String, f64> = HashMap::new();
        for line in String::from_utf8(out.stdout).unwrap().lines().filter(|l| l.starts_with("node ")) {
            let toks = tokens(line);
            let (Token::Id(node), Token::Id(y_pos)) = (&toks[1], &toks[3]) else { panic!("{line}") };
            y.insert(node.clone(), y_pos.parse().unwrap());
        }
        let levels = drawn_levels(&ir);
        let span = |level: &str| {
            let ys: Vec<f64> = expected_members(&ir, level).iter().map(|n| y[n]).collect();
            (ys.iter().cloned().fold(f64::INFINITY, f64::min), ys.iter().cloned().fold(f64::NEG_INFINITY, f64::max))
        };
        for pair in levels.windows(2) {
            let (above, below) = (span(pair[0]), span(pair[1]));
            assert!(above.0 > below.1, "{name}: {} ({above:?}) should be drawn above {} ({below:?})", pair[0], pair[1]);
            assert!(y[&header_node(pair[0])] > y[&header_node(pair[1])], "{name}");
        }
    }
}
