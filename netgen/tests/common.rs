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
