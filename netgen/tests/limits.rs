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

/// A directory `spec/` in a fresh temporary directory, holding `files`;
/// compiling `spec/netgen.ng` gives the rendered diagnostics.
struct SpecDir {
    _tmp: tempfile::TempDir,
    spec: std::path::PathBuf,
}

impl SpecDir {
    fn new(files: &[(&str, &[u8])]) -> SpecDir {
        let tmp = tempfile::tempdir().unwrap();
        let spec = tmp.path().join("spec");
        std::fs::create_dir_all(&spec).unwrap();
        for (name, text) in files {
            std::fs::write(spec.join(name), text).unwrap();
        }
        SpecDir { _tmp: tmp, spec }
    }

    fn compile(&self) -> netgen::Compiled {
        netgen::compile(&self.spec.join("netgen.ng"))
    }

    fn diagnostics(&self) -> String {
        self.compile().render_diagnostics()
    }
}

const MAX_BYTES: usize = MAX_SPEC_FILE_BYTES as usize;

/// A valid spec file of exactly `len` bytes.
fn spec_of_size(len: usize) -> Vec<u8> {
    let mut text = b"levels { core @ 1; }\n".to_vec();
    text.resize(len - 1, b' ');
    text.push(b'\n');
    text
}

#[test]
fn an_included_file_at_the_size_limit_is_read() {
    let dir = SpecDir::new(&[("netgen.ng", b"include \"big.ng\";\n"), ("big.ng", &spec_of_size(MAX_BYTES))]);
    let c = dir.compile();
    assert!(c.diagnostics.is_empty(), "{}", c.render_diagnostics());
    assert_eq!(c.ir.expect("no errors").levels.len(), 1);
}

#[test]
fn an_included_file_past_the_size_limit_is_a_located_error() {
    let dir = SpecDir::new(&[("netgen.ng", b"\ninclude \"big.ng\";\n"), ("big.ng", &spec_of_size(MAX_BYTES + 1))]);
    let out = dir.diagnostics();
    assert!(
        out.contains(&format!("error: cannot include `big.ng`: spec file larger than {MAX_SPEC_FILE_BYTES} bytes\n")),
        "{out}"
    );
    assert!(out.contains("--> spec/netgen.ng:2:9\n"), "{out}");
    assert!(out.ends_with("error: the spec has 1 error\n"), "{out}");
}

#[test]
fn a_root_file_past_the_size_limit_is_an_error_naming_it() {
    let dir = SpecDir::new(&[("netgen.ng", &spec_of_size(MAX_BYTES + 1))]);
    let out = dir.diagnostics();
    assert!(out.contains(&format!("error: spec file larger than {MAX_SPEC_FILE_BYTES} bytes: ")), "{out}");
    assert!(out.contains("netgen.ng\n"), "{out}");

    // The same limit for a spec given as text.
    let text = String::from_utf8(spec_of_size(MAX_BYTES + 1)).unwrap();
    let out = netgen::compile_str("spec/t.ng", &text).render_diagnostics();
    assert!(out.contains(&format!("error: spec file larger than {MAX_SPEC_FILE_BYTES} bytes\n")), "{out}");
    let text = String::from_utf8(spec_of_size(MAX_BYTES)).unwrap();
    let c = netgen::compile_str("spec/t.ng", &text);
    assert!(c.diagnostics.is_empty(), "{}", c.render_diagnostics());
}

/// The input fuzzing found: `include "/dev/zero";` read until memory ran
/// out.
#[cfg(unix)]
#[test]
fn including_a_device_a_fifo_or_a_directory_is_a_located_error() {
    let dir = SpecDir::new(&[("netgen.ng", b"include \"/dev/zero\";\ninclude \"fifo\";\ninclude \"sub\";\n")]);
    let fifo = dir.spec.join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
    assert!(made.success());
    std::fs::create_dir(dir.spec.join("sub")).unwrap();
    // Opening the FIFO would block: this returns only if it is not opened.
    let out = dir.diagnostics();
    for (line, what, kind) in [(1, "/dev/zero", "a character device"), (2, "fifo", "a FIFO"), (3, "sub", "a directory")]
    {
        assert!(
            out.contains(&format!("error: cannot include `{what}`: spec file is not a regular file but {kind}\n")),
            "{out}"
        );
        assert!(out.contains(&format!("--> spec/netgen.ng:{line}:9\n")), "{out}");
    }
    assert!(out.ends_with("error: the spec has 3 errors\n"), "{out}");
}

/// A root file including `n` empty files.
fn with_includes(n: usize) -> SpecDir {
    let root: String = (0..n).map(|i| format!("include \"f{i}.ng\";\n")).collect();
    let names: Vec<String> = (0..n).map(|i| format!("f{i}.ng")).collect();
    let mut files: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
    files.push(("netgen.ng", root.as_bytes()));
    SpecDir::new(&files)
}

#[test]
fn includes_up_to_the_limit_are_followed() {
    let c = with_includes(MAX_INCLUDES).compile();
    assert!(c.diagnostics.is_empty(), "{}", c.render_diagnostics());
    assert_eq!(c.sources.files().len(), MAX_INCLUDES + 1);
}

#[test]
fn one_include_past_the_limit_is_a_located_error() {
    // Ten past it, but one error, at the first.
    let c = with_includes(MAX_INCLUDES + 10).compile();
    let out = c.render_diagnostics();
    assert!(out.contains(&format!("error: more than {MAX_INCLUDES} includes in one spec\n")), "{out}");
    assert!(out.contains(&format!("--> spec/netgen.ng:{}:9\n", MAX_INCLUDES + 1)), "{out}");
    assert!(out.ends_with("error: the spec has 1 error\n"), "{out}");
    assert_eq!(c.sources.files().len(), MAX_INCLUDES + 1);
}

/// `netgen.ng` includes `d1.ng`, which includes `d2.ng`, ... down to
/// `d{depth}.ng`.
fn include_chain(depth: usize) -> SpecDir {
    let mut files: Vec<(String, Vec<u8>)> = vec![("netgen.ng".into(), b"include \"d1.ng\";\n".to_vec())];
    for d in 1..=depth {
        let text = if d < depth { format!("\ninclude \"d{}.ng\";\n", d + 1) } else { String::new() };
        files.push((format!("d{d}.ng"), text.into_bytes()));
    }
    let files: Vec<(&str, &[u8])> = files.iter().map(|(n, t)| (n.as_str(), t.as_slice())).collect();
    SpecDir::new(&files)
}

#[test]
fn includes_nested_to_the_limit_are_followed() {
    let c = include_chain(MAX_INCLUDE_DEPTH).compile();
    assert!(c.diagnostics.is_empty(), "{}", c.render_diagnostics());
    assert_eq!(c.sources.files().len(), MAX_INCLUDE_DEPTH + 1);
}

#[test]
fn an_include_nested_one_past_the_limit_is_a_located_error() {
    let out = include_chain(MAX_INCLUDE_DEPTH + 1).diagnostics();
    assert!(out.contains(&format!("error: includes nested deeper than {MAX_INCLUDE_DEPTH}\n")), "{out}");
    assert!(out.contains(&format!("--> spec/d{MAX_INCLUDE_DEPTH}.ng:2:9\n")), "{out}");
    assert!(out.contains(&format!("this include is at depth {}", MAX_INCLUDE_DEPTH + 1)), "{out}");
    assert!(out.ends_with("error: the spec has 1 error\n"), "{out}");
}

/// `resources` declared resources and one initcall requiring `unknown`
/// names that are not declared: the resource names are built by
/// `resource(i)`, the unknown ones by `unknown(i)`.
fn unknown_requirements(
    resources: usize,
    unknown: usize,
    resource: impl Fn(usize) -> String,
    unknown_name: impl Fn(usize) -> String,
) -> String {
    let declared: String = (0..resources).map(|i| format!("resource {};\n", resource(i))).collect();
    let required: Vec<String> = (0..unknown).map(unknown_name).collect();
    format!(
        "levels {{ core @ 1; }}\n{declared}initcall f @ core {{ requires: [{}]; run: a::f; }}\n",
        required.join(", ")
    )
}

/// The input fuzzing found: 200 resources and one initcall requiring 200
/// unknown 150-character names (32 KB) took 5.2 s, every name compared
/// with every resource in full.
#[test]
fn suggestions_for_many_long_unknown_names_cost_little() {
    let text = unknown_requirements(200, 200, |i| format!("R{i:03}"), |i| format!("R{}{i:04}", "x".repeat(145)));
    let c = netgen::compile_str("spec/t.ng", &text);
    let work = netgen::analyze::suggestion_work();
    let out = c.render_diagnostics();
    assert_eq!(unknown_resources(&c), 200, "{out}");
    assert_eq!(suggestions(&c).count(), 0, "{out}");
    // Less than one unit per pair of names.
    assert!(work < 200 * 200, "{work}");
}

/// Names just short enough for suggestions, each a near miss of every
/// resource: the work stops at the budget and the first names still get
/// their suggestion.
#[test]
fn suggestions_stop_at_the_work_budget() {
    let stem = "x".repeat(MAX_SUGGEST_NAME_LEN - 5);
    let text = unknown_requirements(200, 200, |i| format!("R{stem}{i:04}"), |i| format!("Q{stem}{i:04}"));
    let c = netgen::compile_str("spec/t.ng", &text);
    assert_eq!(netgen::analyze::suggestion_work(), MAX_SUGGEST_WORK);
    let out = c.render_diagnostics();
    assert_eq!(unknown_resources(&c), 200, "{out}");
    assert!(suggestions(&c).any(|n| *n == format!("did you mean `R{stem}0000`?")), "{out}");
    assert!(suggestions(&c).count() < 200, "{out}");
}

/// How many "unknown resource" errors `c` found (more than are shown).
fn unknown_resources(c: &netgen::Compiled) -> usize {
    c.diagnostics.iter().filter(|d| d.message.starts_with("unknown resource `")).count()
}

/// The "did you mean" notes of `c`'s diagnostics.
fn suggestions(c: &netgen::Compiled) -> impl Iterator<Item = &String> {
    c.diagnostics.iter().flat_map(|d| &d.notes).filter(|n| n.starts_with("did you mean"))
}

#[test]
fn a_typo_in_a_name_at_the_suggestion_limit_is_suggested_one_past_it_not() {
    for (len, suggested) in [(MAX_SUGGEST_NAME_LEN, true), (MAX_SUGGEST_NAME_LEN + 1, false)] {
        let name = format!("R{}", "x".repeat(len - 1));
        let typo = format!("Q{}", "x".repeat(len - 1));
        let text = unknown_requirements(1, 1, |_| name.clone(), |_| typo.clone());
        let out = netgen::compile_str("spec/t.ng", &text).render_diagnostics();
        assert!(out.contains(&format!("error: unknown resource `{typo}`")), "{out}");
        assert_eq!(out.contains(&format!("did you mean `{name}`?")), suggested, "{out}");
    }
}

/// Each initcall at an unknown level is one error; up to the limit all are
/// shown, past it the first ones and a line counting the rest. The closing
/// line counts every error.
#[test]
fn past_the_shown_diagnostics_one_line_counts_the_rest() {
    for hidden in [0, 7] {
        let count = MAX_SHOWN_DIAGNOSTICS + hidden;
        let initcalls: String = (0..count).map(|i| format!("initcall f{i} @ nowhere {{ run: a::f; }}\n")).collect();
        let c = netgen::compile_str("spec/t.ng", &format!("levels {{ core @ 1; }}\n{initcalls}"));
        assert_eq!(c.diagnostics.len(), count, "{}", c.render_diagnostics());
        let out = c.render_diagnostics();
        assert_eq!(out.matches("error: unknown level `nowhere`\n").count(), MAX_SHOWN_DIAGNOSTICS, "{out}");
        let more = format!("... and {hidden} more ({hidden} errors, 0 warnings) not shown");
        assert_eq!(out.contains(&more), hidden > 0, "{out}");
        assert!(out.ends_with(&format!("error: the spec has {count} errors\n")), "{out}");
    }
}
