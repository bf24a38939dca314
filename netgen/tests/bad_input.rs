//! Characters a spec may not hold where they would reach the generated
//! Rust, and line endings it may use.

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn errors(text: &str) -> String {
    let c = netgen::compile_str("spec/t.ng", text);
    assert!(c.has_errors(), "expected errors, got none for:\n{text:?}");
    c.render_diagnostics()
}

/// The generated files with the line naming the spec's hash (which covers
/// the text, line endings included) left out.
fn emitted(root: &Path) -> Vec<(String, String)> {
    let c = netgen::compile(root);
    assert!(c.diagnostics.is_empty(), "{}", c.render_diagnostics());
    let files = c.emit().expect("the spec emits");
    files
        .into_iter()
        .map(|f| (f.name.to_string(), f.contents.lines().filter(|l| !l.contains("spec sha256")).collect()))
        .collect()
}

#[test]
fn a_spec_with_crlf_line_endings_generates_what_the_same_spec_with_lf_does() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join("spec");
    std::fs::create_dir_all(&spec).unwrap();
    for entry in std::fs::read_dir(repo().join("spec")).unwrap() {
        let entry = entry.unwrap();
        let text = std::fs::read_to_string(entry.path()).unwrap();
        assert!(!text.contains('\r'));
        std::fs::write(spec.join(entry.file_name()), text.replace('\n', "\r\n")).unwrap();
    }
    assert_eq!(emitted(&spec.join("netgen.ng")), emitted(&repo().join("spec/netgen.ng")));
}

/// The input fuzzing found: the spec was accepted and its doc comment
/// copied into a `///` line rustc rejects ("bare CR not allowed in
/// doc-comment").
#[test]
fn a_lone_carriage_return_in_a_doc_comment_is_a_located_error() {
    let out = errors("levels {\n /// a\rb\n early @ early;\n}");
    assert!(out.contains("error: carriage return (U+000D) in a doc comment\n"), "{out}");
    assert!(out.contains("--> spec/t.ng:2:7\n"), "{out}");
    // Shown as a control picture, the caret under it.
    assert!(out.contains("2 |  /// a\u{240d}b\n"), "{out}");
    assert!(out.contains("  |       ^ not allowed here\n"), "{out}");
    assert!(out.ends_with("error: the spec has 1 error\n"), "{out}");

    // Nor two before a line feed, nor one at the end of the file.
    assert!(errors("levels {\n /// a\r\r\n early @ early;\n}").contains("--> spec/t.ng:2:7\n"));
    assert!(errors("/// a\r").contains("--> spec/t.ng:1:6\n"));
}

#[test]
fn control_and_text_direction_characters_are_located_errors_in_doc_comments_and_strings() {
    let doc = |d: &str| format!("levels {{\n    /// {d}\n    early @ early;\n}}\n");
    let out = errors(&doc("a\u{1}b"));
    assert!(out.contains("error: control character U+0001 in a doc comment\n"), "{out}");
    assert!(out.contains("--> spec/t.ng:2:10\n"), "{out}");
    let out = errors(&doc("abc \u{202e}cba"));
    assert!(out.contains("error: text-direction character U+202E in a doc comment\n"), "{out}");
    assert!(out.contains("--> spec/t.ng:2:13\n"), "{out}");

    let proto = |name: &str| {
        format!(
            "levels {{ core @ 1; }}\ninitcall f @ core {{}}\n\
             proto p {{ name: \"{name}\"; obj_size: 1; registered_by: f; }}\n"
        )
    };
    for (name, what, column) in [
        ("U\u{7f}DP", "control character U+007F", 19),
        ("UDP\r", "carriage return (U+000D)", 21),
        // Escaped, too: `\` takes the next character as it is.
        ("U\\\u{1b}DP", "control character U+001B", 20),
        ("\u{2066}UDP", "text-direction character U+2066", 18),
    ] {
        let out = errors(&proto(name));
        assert!(out.contains(&format!("error: {what} in a string\n")), "{out}");
        assert!(out.contains(&format!("--> spec/t.ng:3:{column}\n")), "{out}");
    }
}

#[test]
fn tabs_and_comments_may_hold_what_doc_comments_may_not() {
    let text = "levels {\n    /// a\tb\n    early @ early;\n    // a\rb \u{1} \u{202e}\n    /* \r\u{1} */\n}\n\
                resource SockCache;\ninitcall f @ early { provides: [SockCache]; run: a::f; }\nproto p { name: \"U\tDP\"; obj_size: 1; registered_by: f; }\n";
    let c = netgen::compile_str("spec/t.ng", text);
    assert!(c.diagnostics.is_empty(), "{}", c.render_diagnostics());
}
