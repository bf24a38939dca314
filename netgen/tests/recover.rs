//! Error recovery: a syntax error costs its item, not its file nor the
//! spec, so one run reports every mistake at its line; and syntax errors
//! point where the token is missing and expect only what can follow.

mod common;
use common::{errors, line_of, location_of, PRELUDE};

use netgen::source::FileId;

fn repo() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `name:line:column` of byte `at` of `text` (the column in characters).
fn location(name: &str, text: &str, at: usize) -> String {
    let line = text[..at].matches('\n').count() + 1;
    let column = text[..at].rsplit('\n').next().unwrap().chars().count() + 1;
    format!("{name}:{line}:{column}")
}

/// Where a diagnostic points, as it prints it.
fn at(c: &netgen::Compiled, d: &netgen::Diagnostic) -> String {
    c.sources.location(d.primary.span).to_string()
}

/// One mistake made in a copy of the workspace's spec: `find` (once in
/// `file`) becomes `replace`, and `message` is reported at `marks`, the
/// offset in `replace` it points at.
struct Mistake {
    file: &'static str,
    find: &'static str,
    replace: &'static str,
    marks: usize,
    message: &'static str,
}

#[test]
fn a_syntax_error_hides_neither_the_semantic_errors_of_other_files_nor_its_consequences_are_reported() {
    let mistakes = [
        // `udp_prot`'s `;` after `obj_size` left out: a syntax error, right
        // after `1088`. The protosw `udp` names `udp_prot`, which so is not
        // declared; that is a consequence, not reported.
        Mistake {
            file: "protocols.ng",
            find: "    obj_size: 1088;\n    slab",
            replace: "    obj_size: 1088\n    slab",
            marks: "    obj_size: 1088".len(),
            message: "syntax error: expected `;`, found `slab`",
        },
        Mistake {
            file: "initcalls.ng",
            find: "initcall netpoll_init @ core {",
            replace: "initcall netpoll_init @ coer {",
            marks: "initcall netpoll_init @ ".len(),
            message: "unknown level `coer`",
        },
        Mistake {
            file: "pernet.ng",
            find: "/// net/core/sock.c: per-CPU counts of sockets in use, per protocol.\n",
            replace: "initcall sock_init @ core { run: a::b; }\n\
                      /// net/core/sock.c: per-CPU counts of sockets in use, per protocol.\n",
            marks: "initcall ".len(),
            message: "duplicate initcall `sock_init`",
        },
    ];
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join("spec");
    std::fs::create_dir_all(&spec).unwrap();
    for entry in std::fs::read_dir(repo().join("spec")).unwrap() {
        let entry = entry.unwrap();
        std::fs::write(spec.join(entry.file_name()), std::fs::read_to_string(entry.path()).unwrap()).unwrap();
    }
    let mut expected = Vec::new();
    for m in &mistakes {
        let path = spec.join(m.file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.matches(m.find).count(), 1, "{}: {:?}", m.file, m.find);
        let start = text.find(m.find).unwrap();
        let text = text.replacen(m.find, m.replace, 1);
        expected.push((m.message.to_string(), location(&format!("spec/{}", m.file), &text, start + m.marks)));
        std::fs::write(&path, text).unwrap();
    }

    let c = netgen::compile(&spec.join("netgen.ng"));
    let out = c.render_diagnostics();
    let found: Vec<(String, String)> = c.diagnostics.iter().map(|d| (d.message.clone(), at(&c, d))).collect();
    for e in &expected {
        assert!(found.contains(e), "{e:?} not in:\n{out}");
    }
    // Nothing else: no "unknown proto `udp_prot`".
    assert_eq!(found.len(), mistakes.len(), "{out}");
    assert!(out.ends_with(&format!("error: the spec has {} errors\n", mistakes.len())), "{out}");
}

#[test]
fn two_syntax_errors_in_one_file_are_both_reported_and_its_other_items_checked() {
    let extra = "initcall a @ core {\n    provides: [SockRegistry]\n    run: rt::a;\n}\n\
                 initcall b @ core { requires: [SockRegistry InitNet]; run: rt::b; }\n\
                 initcall c @ subsytem { run: rt::c; }\n";
    let c = common::compile(extra);
    let out = c.render_diagnostics();
    let provides = "    provides: [SockRegistry]";
    let missing_semi = format!("spec/test.ng:{}:{}", line_of(extra, provides), provides.chars().count() + 1);
    let expected = [
        ("syntax error: expected `;`, found `run`", missing_semi),
        ("syntax error: expected `,` or `]`, found `InitNet`", location_of(extra, "InitNet];")),
        ("unknown level `subsytem`", location_of(extra, "subsytem")),
    ];
    let found: Vec<(&str, String)> = c.diagnostics.iter().map(|d| (d.message.as_str(), at(&c, d))).collect();
    for (message, loc) in &expected {
        assert!(found.contains(&(message, loc.clone())), "{message} at {loc} not in:\n{out}");
    }
    // `SockRegistry` is provided in `a`, which did not parse: `b` requiring
    // it is not "never provided". Warnings about the prelude's resources
    // are no concern here.
    assert_eq!(c.diagnostics.iter().filter(|d| d.is_error()).count(), expected.len(), "{out}");
    insta::assert_snapshot!(out);
}

/// The values a member may end with, each missing its `;` at the end of
/// its line.
#[test]
fn a_missing_semicolon_is_marked_right_after_the_token_before_it_and_only_semicolon_is_expected() {
    for value in ["[SockRegistry]", "rt::a", "rt::a::<rt::B>", "17", "0x11", "1s", "\"UDP\"", "x"] {
        let line = format!("    run: {value}");
        let extra = format!("initcall a @ core {{\n{line}\n    provides: [SockRegistry];\n}}\n");
        let out = errors(&extra);
        let at = format!("spec/test.ng:{}:{}", line_of(&extra, &line), line.chars().count() + 1);
        assert!(out.contains(&format!("error: syntax error: expected `;`, found `provides`\n  --> {at}\n")), "{out}");
        assert!(out.contains(&format!("{line}\n   | {}^ expected `;`\n", " ".repeat(line.len()))), "{out}");
        assert!(!out.contains("`{`"), "{out}");
    }
}

/// Every `;` and `}` that ends a line of the workspace's spec, left out: one
/// syntax error, just after the token before it, and the file's other
/// items all parsed.
#[test]
fn a_missing_semicolon_or_brace_anywhere_in_the_real_spec_costs_one_item() {
    let (mut semicolons, mut braces) = (0, 0);
    for entry in std::fs::read_dir(repo().join("spec")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let whole = netgen::parse::parse_file(FileId(0), &text);
        assert!(whole.errors.is_empty(), "{name}: {:?}", whole.errors);
        for (at, c) in text.char_indices().filter(|&(_, c)| c == ';' || c == '}') {
            // Only where the next token is on a later line, after no
            // comment, and not in a comment or string.
            let rest = &text[at + 1..];
            let line_before = text[..at].rsplit('\n').next().unwrap();
            if !rest.trim_start_matches([' ', '\t']).starts_with('\n') || line_before.contains(['/', '"']) {
                continue;
            }
            let broken = format!("{}{rest}", &text[..at]);
            let parsed = netgen::parse::parse_file(FileId(0), &broken);
            let [error] = &parsed.errors[..] else {
                panic!("{name}: without the `{c}` at {at}: {:?}", parsed.errors);
            };
            assert!(error.message.starts_with("syntax error: expected "), "{name}: {}", error.message);
            assert!(error.primary.text.contains(&format!("`{c}`")), "{name} at {at}: {}", error.primary.text);
            // Right after the token before the `;`; a `}` on a line of its
            // own is missing after the last member. Except the `}` of a
            // block inside a member (a register's fields, a field's named
            // values): the members after it are members of that block too,
            // so it is found missing where the item ends.
            let depth = text[..at].matches('{').count() - text[..at].matches('}').count();
            let before = broken[..at].trim_end();
            if c == ';' || depth <= 1 {
                assert_eq!(
                    (error.primary.span.start, error.primary.span.end),
                    (before.len(), before.len()),
                    "{name} at {at}"
                );
            }
            assert_eq!(parsed.file.items.len(), whole.file.items.len() - 1, "{name}: without the `{c}` at {at}");
            *if c == ';' { &mut semicolons } else { &mut braces } += 1;
        }
    }
    assert!(semicolons > 0 && braces > 0, "{semicolons} `;` and {braces} `}}` checked");
}

#[test]
fn a_missing_closing_brace_ends_its_item_where_the_next_one_starts() {
    let extra = "initcall a @ core {\n    run: rt::a;\n\n/// b's doc\ninitcall b @ subsytem { run: rt::b; }\n";
    let out = errors(extra);
    let line = "    run: rt::a;";
    let at = format!("spec/test.ng:{}:{}", line_of(extra, line), line.chars().count() + 1);
    assert!(
        out.contains(&format!("error: syntax error: expected `}}` or a member name, found `initcall`\n  --> {at}\n")),
        "{out}"
    );
    assert!(out.contains(&format!("::: {}\n", location_of(extra, "initcall b"))), "{out}");
    // `b` parsed: its own mistake is reported.
    assert!(
        out.contains(&format!("error: unknown level `subsytem`\n  --> {}\n", location_of(extra, "subsytem"))),
        "{out}"
    );
}

#[test]
fn an_error_a_syntax_error_may_explain_is_not_reported_one_it_cannot_is() {
    // The `levels` block and `resource Net` do not parse: nothing is
    // "unknown level", nor "the spec declares no levels", nor "unknown
    // resource `Net`"; `Other` is mentioned nowhere that failed.
    let text = "levels {\n    core @ 1\n}\nresource Net\nresource Sock;\n\
                initcall a @ core { requires: [Net, Other]; provides: [Sock]; run: rt::a; }\n";
    let c = netgen::compile_str("spec/t.ng", text);
    let out = c.render_diagnostics();
    let messages: Vec<&str> = c.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "syntax error: expected `:`, `;` or `{`, found `}`",
            "syntax error: expected `:`, `;`, `@` or `{`, found `resource`",
            "unknown resource `Other`",
        ],
        "{out}"
    );
}

#[test]
fn an_include_that_did_not_parse_may_declare_anything_but_hides_no_other_error() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join("spec");
    std::fs::create_dir_all(&spec).unwrap();
    let root = format!(
        "include \"levels.ng\"\n{PRELUDE}initcall a @ core {{ requires: [Anything]; run: rt::a; }}\n\
         initcall a @ core {{ run: rt::a; }}\n"
    );
    std::fs::write(spec.join("netgen.ng"), &root).unwrap();
    let c = netgen::compile(&spec.join("netgen.ng"));
    let out = c.render_diagnostics();
    let messages: Vec<&str> = c.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.message.as_str()).collect();
    assert_eq!(messages, ["syntax error: expected `;`, found `levels`", "duplicate initcall `a`"], "{out}");
}

#[test]
fn an_unclosed_string_or_comment_is_named_as_such() {
    let extra = "proto p { name: \"UDP;\n    obj_size: 1; }\n";
    let out = errors(extra);
    assert!(
        out.contains(&format!("error: syntax error: unclosed string\n  --> {}\n", location_of(extra, "\"UDP"))),
        "{out}"
    );
    let extra = "initcall a @ core { run: rt::a; }\n/* the rest\n";
    let out = errors(extra);
    assert!(
        out.contains(&format!("error: syntax error: unclosed comment\n  --> {}\n", location_of(extra, "/*"))),
        "{out}"
    );
}
