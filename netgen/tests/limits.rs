//! The spec compiler's limits ([`netgen::limits`]): at a limit a spec gets
//! only its ordinary diagnostics, one past it a located error, and nothing
//! crashes, runs out of memory or takes quadratic time.

use netgen::limits::*;

/// Stack for the tests that prove nothing recurses once per level of the
/// input: a few levels fit, thousands would not.
const SMALL_STACK: usize = 512 * 1024;

/// Runs `f` on a thread with [`SMALL_STACK`].
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new().stack_size(SMALL_STACK).spawn(f).unwrap().join().unwrap()
}

/// Compiles `text` as `spec/t.ng` on a small stack; the rendered diagnostics.
fn diagnostics(text: String) -> String {
    on_small_stack(move || netgen::compile_str("spec/t.ng", &text).render_diagnostics())
}

/// `spec/t.ng:LINE:COLUMN` of byte offset `at` of `text`.
fn location(text: &str, at: usize) -> String {
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    format!("spec/t.ng:{line}:{column}")
}

/// The byte offset of the `n`th (1-based) occurrence of `c` in `text`.
fn nth(text: &str, c: char, n: usize) -> usize {
    text.match_indices(c).nth(n - 1).expect("enough occurrences").0
}

fn nested_bodies(levels: usize) -> String {
    format!("levels {{{}{}}}\n", "a {".repeat(levels - 1), "}".repeat(levels - 1))
}

fn nested_lists(levels: usize) -> String {
    format!("const A = {}{};\n", "[".repeat(levels), "]".repeat(levels))
}

fn nested_generics(levels: usize) -> String {
    format!(
        "levels {{ core @ 1; }}\ninitcall f @ core {{ run: {}b{}; }}\n",
        "a::<".repeat(levels - 1),
        ">".repeat(levels - 1)
    )
}

/// Past the limit: one error, at the bracket that opens level
/// `MAX_NESTING + 1`, the `n`th `open` of `text`.
fn assert_too_deep(text: String, open: char, n: usize) {
    let at = location(&text, nth(&text, open, n));
    let out = diagnostics(text);
    assert!(out.contains(&format!("error: nesting deeper than {MAX_NESTING} levels\n")), "{out}");
    assert!(out.contains(&format!("--> {at}\n")), "{out}");
    assert!(out.contains(&format!("this `{open}` opens level {}", MAX_NESTING + 1)), "{out}");
    assert!(out.ends_with("error: the spec has 1 error\n"), "{out}");
}

/// At the limit: no nesting error and no syntax error (the analyzer may
/// still object to what the nesting means).
fn assert_not_too_deep(text: String) {
    let out = diagnostics(text);
    assert!(!out.contains("nesting deeper"), "{out}");
    assert!(!out.contains("syntax error"), "{out}");
}

#[test]
fn nesting_at_the_limit_parses() {
    assert_not_too_deep(nested_bodies(MAX_NESTING));
    assert_not_too_deep(nested_lists(MAX_NESTING));
    assert_not_too_deep(nested_generics(MAX_NESTING));
}

#[test]
fn nesting_one_past_the_limit_is_a_located_error() {
    assert_too_deep(nested_bodies(MAX_NESTING + 1), '{', MAX_NESTING + 1);
    assert_too_deep(nested_lists(MAX_NESTING + 1), '[', MAX_NESTING + 1);
    // The initcall's `{` is the first level.
    assert_too_deep(nested_generics(MAX_NESTING + 1), '<', MAX_NESTING);
}

/// The inputs fuzzing found: 2,500 nested bodies and 10,000 nested lists
/// overflowed the stack in the syntax-tree builder; at 30,000 levels pest
/// gave up first with a misleading "unexpected `a`".
#[test]
fn deep_nesting_is_a_located_error_not_a_crash() {
    let past = MAX_NESTING + 1;
    assert_too_deep(format!("levels{{{}{}}}", "a{".repeat(2_500), "}".repeat(2_501)), '{', past);
    assert_too_deep(nested_lists(10_000), '[', past);
    assert_too_deep(format!("levels{{{}{}}}", "a{".repeat(30_000), "}".repeat(30_001)), '{', past);
    // Unclosed, as a truncated file would be.
    assert_too_deep("[".repeat(100_000), '[', past);
}

#[test]
fn brackets_in_comments_doc_comments_and_strings_do_not_nest() {
    let deep = "{[<".repeat(MAX_NESTING);
    let text = format!(
        "// {deep}\n/* {deep} */\nlevels {{\n    /// {deep}\n    core @ 1;\n}}\n\
         resource R;\ninitcall f @ core {{ provides: [R]; }}\n\
         proto p {{ name: \"{deep}\\\"{deep}\"; obj_size: 1; registered_by: f; }}\n"
    );
    assert_not_too_deep(text);
}

/// A spec whose resource, initcall and `run` path segment are names of
/// `len` characters.
fn long_names(len: usize) -> String {
    let resource = format!("R{}", "x".repeat(len - 1));
    let initcall = format!("f{}", "x".repeat(len - 1));
    let segment = format!("m{}", "x".repeat(len - 1));
    format!(
        "levels {{ core @ 1; }}\nresource {resource};\n\
         initcall {initcall} @ core {{ provides: [{resource}]; run: {segment}::{initcall}; }}\n"
    )
}

#[test]
fn a_name_at_the_length_limit_compiles_and_emits() {
    let text = long_names(MAX_IDENT_LEN);
    let c = netgen::compile_str("spec/t.ng", &text);
    assert!(c.diagnostics.is_empty(), "{}", c.render_diagnostics());
    let files = c.emit().expect("the spec emits");
    let initcalls = files.iter().find(|f| f.name == "initcalls.rs").expect("initcalls.rs");
    assert!(initcalls.contents.contains(&"X".repeat(MAX_IDENT_LEN - 1)), "{}", initcalls.contents);
}

#[test]
fn a_name_one_past_the_length_limit_is_a_located_error() {
    let text = long_names(MAX_IDENT_LEN + 1);
    let at = location(&text, text.find("resource R").unwrap() + "resource ".len());
    let out = diagnostics(text);
    assert!(out.contains(&format!("error: name longer than {MAX_IDENT_LEN} characters\n")), "{out}");
    assert!(out.contains(&format!("--> {at}\n")), "{out}");
    assert!(out.contains(&format!("this name has {}", MAX_IDENT_LEN + 1)), "{out}");
    assert!(out.ends_with("error: the spec has 1 error\n"), "{out}");

    // A path segment, and a name far past the limit.
    for text in [
        format!("levels {{ core @ 1; }}\ninitcall f @ core {{ run: a::{}; }}\n", "b".repeat(MAX_IDENT_LEN + 1)),
        format!("levels {{ {} @ 1; }}\n", "c".repeat(1_000_000)),
    ] {
        let at = location(&text, text.find("bb").or(text.find("cc")).unwrap());
        let out = diagnostics(text);
        assert!(out.contains(&format!("--> {at}\n")), "{out}");
        assert!(out.contains(&format!("error: name longer than {MAX_IDENT_LEN} characters\n")), "{out}");
    }
}

#[test]
fn long_numbers_are_not_names() {
    // A number with a long run of digits is a number (too large), not a
    // name, whatever its length.
    let out = diagnostics(format!("const A = 0x{};\n", "f".repeat(MAX_IDENT_LEN + 1)));
    assert!(out.contains("number does not fit in 64 bits"), "{out}");
    assert!(!out.contains("name longer"), "{out}");
}
