//! Malformed specs: random text and mutations of the real spec. The parser
//! and analyzer never panic, and every error points inside the file.

use proptest::prelude::*;

const REAL: &[&str] = &[
    include_str!("../../spec/levels.ng"),
    include_str!("../../spec/resources.ng"),
    include_str!("../../spec/initcalls.ng"),
    include_str!("../../spec/pernet.ng"),
    include_str!("../../spec/protocols.ng"),
    // The whole spec in one file, so mutations reach the checks that need
    // every section: requirements against levels, pernet registrars, `uses`,
    // table registrars, numbers and references between tables.
    concat!(
        include_str!("../../spec/levels.ng"),
        include_str!("../../spec/resources.ng"),
        include_str!("../../spec/initcalls.ng"),
        include_str!("../../spec/pernet.ng"),
        include_str!("../../spec/protocols.ng"),
    ),
];

fn check(text: &str) {
    let c = netgen::compile_str("spec/fuzz.ng", text);
    for d in &c.diagnostics {
        let s = d.primary.span;
        assert!(s.start <= s.end && s.end <= text.len(), "span {s:?} outside a {}-byte file", text.len());
        let rendered = d.render(&c.sources);
        assert!(rendered.contains("--> spec/fuzz.ng:"), "{rendered}");
    }
    if c.ir.is_none() {
        assert!(c.has_errors(), "no IR but no error either");
    }
}

#[derive(Debug, Clone)]
enum Edit {
    Delete(usize, usize),
    Insert(usize, String),
    Swap(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let token = prop::sample::select(vec![
        ";",
        "{",
        "}",
        "[",
        "]",
        "@",
        ":",
        ",",
        "///",
        "//",
        "/*",
        "\"",
        "0x",
        "1s",
        "initcall",
        "levels",
        "é",
        "\n",
        "::",
        "pernet",
        ": subsys",
        ": device",
        "::<",
        ">",
        "uses: [netdev_net_ops];",
        "registered_by: inet_init;",
        "registered_by: packet_init;",
        "proto",
        "proto_ops",
        "protosw",
        "family",
        "inet_protocol",
        "packet_type",
        "flags: [PERMANENT];",
        "flags: [no_policy];",
        "protocol: 17;",
        "family: 2;",
        "type: 300;",
        "prot: udp_prot;",
        "ops: packet_ops;",
        "slab: maybe;",
    ]);
    prop_oneof![
        (any::<usize>(), 0usize..20).prop_map(|(a, n)| Edit::Delete(a, n)),
        (any::<usize>(), token).prop_map(|(a, t)| Edit::Insert(a, t.to_string())),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::Swap(a, b)),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for e in edits {
        let len = chars.len().max(1);
        match e {
            Edit::Delete(a, n) => {
                let a = a % len;
                let b = (a + n).min(chars.len());
                chars.drain(a.min(chars.len())..b);
            }
            Edit::Insert(a, t) => {
                let a = a % (chars.len() + 1);
                chars.splice(a..a, t.chars());
            }
            Edit::Swap(a, b) => {
                if !chars.is_empty() {
                    let (a, b) = (a % chars.len(), b % chars.len());
                    chars.swap(a, b);
                }
            }
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics(text in "\\PC{0,200}") {
        check(&text);
    }

    #[test]
    fn mutated_real_spec_never_panics(which in 0usize..REAL.len(), edits in prop::collection::vec(edit(), 1..6)) {
        check(&apply(REAL[which], &edits));
    }
}

#[test]
fn the_whole_real_spec_in_one_file_compiles() {
    let c = netgen::compile_str("spec/x.ng", REAL[REAL.len() - 1]);
    assert!(!c.has_errors(), "{}", c.render_diagnostics());
    let ir = c.ir.expect("no errors");
    assert!(!ir.pernet.is_empty());
    assert!(!ir.tables.is_empty());
}

#[test]
fn the_real_spec_files_parse_alone() {
    for text in REAL {
        let c = netgen::compile_str("spec/x.ng", text);
        assert!(c.diagnostics.iter().all(|d| !d.message.starts_with("syntax error")), "{}", c.render_diagnostics());
    }
}
