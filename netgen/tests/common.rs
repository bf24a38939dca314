//! Helpers shared by netgen's integration tests.
#![allow(dead_code)]

/// Levels and resources every test spec starts from.
pub const PRELUDE: &str = r#"
levels {
    early @ early;
    pure @ 0;
    core @ 1;
    subsys @ 4;
    fs @ 5;
    device @ 6;
}
resource SockRegistry;
resource InitNet;
resource PtypeBase;
resource InetFamily;
"#;

/// Compiles PRELUDE + `extra` as one file named `spec/test.ng`.
pub fn compile(extra: &str) -> netgen::Compiled {
    netgen::compile_str("spec/test.ng", &format!("{PRELUDE}{extra}"))
}

/// The rendered diagnostics of PRELUDE + `extra`.
pub fn errors(extra: &str) -> String {
    let c = compile(extra);
    assert!(c.has_errors(), "expected errors, got none for:\n{extra}");
    c.render_diagnostics()
}

/// 1-based line of `needle` in PRELUDE + `extra`.
pub fn line_of(extra: &str, needle: &str) -> usize {
    let text = format!("{PRELUDE}{extra}");
    text.lines().position(|l| l.contains(needle)).expect("needle in spec") + 1
}

/// `spec/test.ng:LINE:COLUMN` of the first `needle` in PRELUDE + `extra`
/// (the column in characters, 1-based), as diagnostics print it.
pub fn location_of(extra: &str, needle: &str) -> String {
    location_in(extra, needle, needle)
}

/// `spec/test.ng:LINE:COLUMN` of `needle` in the first line containing `line`.
pub fn location_in(extra: &str, line: &str, needle: &str) -> String {
    let text = format!("{PRELUDE}{extra}");
    let n = text.lines().position(|l| l.contains(line)).expect("line in spec");
    let l = text.lines().nth(n).unwrap();
    let column = l[..l.find(needle).expect("needle in line")].chars().count() + 1;
    format!("spec/test.ng:{}:{column}", n + 1)
}
