//! `netgen check --rust`: compiles the crate that holds a spec's generated
//! files (`cargo check --message-format=json`) and reports each of rustc's
//! errors about a path the spec names at that path in the spec, with the
//! contract it must meet.
//!
//! The generated `signatures.rs` checks every such path on a line of its
//! own ([`crate::emit::Site`]); an error on one of those lines is an error
//! about that path. The same paths are called in the other generated files,
//! where rustc reports them again: an error there on a line that names a
//! path already reported is left out as a consequence. Every other error,
//! in generated code or elsewhere, is printed as rustc rendered it.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

use crate::diag::Diagnostic;
use crate::emit::{GeneratedFile, Site};
use crate::source::{SourceMap, Span};

/// What rustc said about one error, as cargo's JSON messages carry it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RustcError {
    pub message: String,
    pub code: Option<String>,
    /// The primary span: file as cargo prints it, 1-based line and column.
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// The primary span's label.
    pub label: Option<String>,
    /// The source lines of the primary span.
    pub lines: Vec<String>,
    /// Its notes and helps without a span of their own, in order.
    pub notes: Vec<String>,
    /// rustc's own rendering.
    pub rendered: String,
}

#[derive(Deserialize)]
struct CargoMessage {
    reason: String,
    message: Option<CompilerMessage>,
}

#[derive(Deserialize)]
struct CompilerMessage {
    message: String,
    code: Option<Code>,
    level: String,
    spans: Vec<JsonSpan>,
    children: Vec<CompilerMessage>,
    rendered: Option<String>,
}

#[derive(Deserialize)]
struct Code {
    code: String,
}

#[derive(Deserialize)]
struct JsonSpan {
    file_name: String,
    line_start: usize,
    column_start: usize,
    is_primary: bool,
    label: Option<String>,
    text: Vec<JsonLine>,
}

#[derive(Deserialize)]
struct JsonLine {
    text: String,
}

/// The errors in cargo's `--message-format=json` output (one JSON object a
/// line; other lines and other levels are skipped).
pub fn errors(json: &str) -> Vec<RustcError> {
    json.lines()
        .filter_map(|l| serde_json::from_str::<CargoMessage>(l).ok())
        .filter(|m| m.reason == "compiler-message")
        .filter_map(|m| m.message)
        .filter(|m| m.level == "error")
        .filter_map(|m| {
            let primary = m.spans.iter().find(|s| s.is_primary)?;
            let notes = m
                .children
                .iter()
                .filter(|c| c.spans.is_empty() && matches!(c.level.as_str(), "note" | "help"))
                .map(|c| if c.level == "note" { c.message.clone() } else { format!("{}: {}", c.level, c.message) })
                .collect();
            Some(RustcError {
                message: m.message.clone(),
                code: m.code.as_ref().map(|c| c.code.clone()),
                file: primary.file_name.clone(),
                line: primary.line_start,
                column: primary.column_start,
                label: primary.label.clone(),
                lines: primary.text.iter().map(|t| t.text.clone()).collect(),
                notes,
                rendered: m.rendered.clone().unwrap_or_default(),
            })
        })
        .collect()
}

/// rustc's errors sorted out against a spec's check sites.
#[derive(Debug, Default)]
pub struct Report {
    /// The errors about paths the spec names, at those paths.
    pub spec: Vec<Diagnostic>,
    /// Errors in other generated files on lines that call a path already
    /// reported: left out.
    pub consequences: usize,
    /// Every other error, as rustc rendered it.
    pub other: Vec<String>,
}

/// Sorts `errors` out: an error on a check line of `sites` becomes a
/// diagnostic at its path in the spec (`sources`); one in another file of
/// `generated` on a line that calls a path reported so is a consequence;
/// the rest stay rustc's.
pub fn report(errors: &[RustcError], sites: &[Site], sources: &SourceMap, generated: &Generated) -> Report {
    let mut report = Report::default();
    let mut failed: Vec<&Site> = Vec::new();
    let mut rest: Vec<&RustcError> = Vec::new();
    for e in errors {
        match e.lines.first().and_then(|l| sites.iter().find(|s| s.line == *l)) {
            Some(site) => {
                report.spec.push(diagnostic(e, site, sources));
                if !failed.iter().any(|f| f.path == site.path) {
                    failed.push(site);
                }
            }
            None => rest.push(e),
        }
    }
    for e in rest {
        // Generated code names a path absolute; generic arguments may be
        // broken onto lines of their own, the path's head never is.
        let calls_failed = failed.iter().any(|s| {
            let head = format!("::{}", s.path.trim_start_matches("::").split("::<").next().unwrap_or_default());
            e.lines.iter().any(|l| l.contains(&head))
        });
        if calls_failed && generated.contains(&e.file) {
            report.consequences += 1;
        } else {
            report.other.push(e.rendered.clone());
        }
    }
    report
}

fn diagnostic(e: &RustcError, site: &Site, sources: &SourceMap) -> Diagnostic {
    let span = path_span(sources, site);
    let label = match &e.label {
        Some(l) if !l.is_empty() => format!("{l}; it must be {}", site.expected),
        _ => format!("it must be {}", site.expected),
    };
    let mut d = Diagnostic::error(format!("{}: {}", site.what, e.message), span, label);
    for n in &e.notes {
        for line in n.lines() {
            d = d.with_note(line.trim_start().to_string());
        }
    }
    let code = e.code.as_ref().map(|c| format!(" ({c})")).unwrap_or_default();
    d.with_note(format!(
        "`netgen explain {}` says what it must be and where it may live; rustc{code} at {}:{}:{}",
        site.kind.keyword(),
        e.file,
        e.line,
        e.column
    ))
}

/// The span of the site's path in the spec: from its location, as long as
/// the path as written (the start alone if the text there differs).
fn path_span(sources: &SourceMap, site: &Site) -> Span {
    let Some(start) = sources.span_at(&site.path.at) else {
        return Span::new(crate::source::FileId(0), 0, 0);
    };
    let text = &sources.get(start.file).text;
    let written = text.get(start.start..).is_some_and(|t| t.starts_with(site.path.as_str()));
    if written {
        Span::new(start.file, start.start, start.start + site.path.len())
    } else {
        start
    }
}

/// The manifest of the package whose sources hold `out`: the nearest
/// `Cargo.toml` with a `[package]` in `out` or a directory above it.
pub fn manifest_of(out: &Path) -> Option<PathBuf> {
    let out = out.canonicalize().ok()?;
    out.ancestors()
        .map(|d| d.join("Cargo.toml"))
        .find(|m| std::fs::read_to_string(m).is_ok_and(|t| t.lines().any(|l| l.trim() == "[package]")))
}

/// What `cargo check` did.
pub struct CargoRun {
    pub success: bool,
    /// The JSON messages.
    pub stdout: String,
    /// What cargo itself said (a manifest it cannot read, ...).
    pub stderr: String,
}

/// `cargo check` of the package at `manifest`, its library as its unit
/// tests see it (`--profile test`, so code behind `#[cfg(test)]`, such as
/// the runtime's test spec, is checked too), with JSON messages. `CARGO`
/// (set when netgen runs under cargo) names the cargo to run.
pub fn cargo_check(manifest: &Path) -> std::io::Result<CargoRun> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(["check", "--lib", "--profile", "test", "--message-format=json", "--quiet", "--manifest-path"])
        .arg(manifest)
        .output()?;
    Ok(CargoRun {
        success: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// The generated files of one spec. cargo names a file relative to the
/// workspace root (absolute outside it), so a file is one of them when its
/// name is the tail of one of their absolute paths.
pub struct Generated {
    paths: Vec<PathBuf>,
}

impl Generated {
    /// The files of `files` in directory `out`.
    pub fn new(out: &Path, files: &[GeneratedFile]) -> Generated {
        let out = out.canonicalize().unwrap_or_else(|_| out.to_path_buf());
        Generated { paths: files.iter().map(|f| out.join(f.name)).collect() }
    }

    pub fn contains(&self, file: &str) -> bool {
        self.paths.iter().any(|p| p.ends_with(file))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::Kind;
    use crate::ir::{Location, SpecPath};
    use crate::source::SourceFile;

    /// A cargo JSON line for an error at `file:line` whose source line is
    /// `text`.
    fn json(message: &str, file: &str, line: usize, text: &str) -> String {
        serde_json::json!({
            "reason": "compiler-message",
            "message": {
                "message": message, "code": {"code": "E0425"}, "level": "error", "rendered": format!("error: {message}\n"),
                "spans": [{"file_name": file, "line_start": line, "column_start": 5, "is_primary": true,
                           "label": "not found", "text": [{"text": text}]}],
                "children": [{"message": "expected fn pointer", "level": "note", "spans": [], "children": [], "rendered": null}]
            }
        })
        .to_string()
    }

    #[test]
    fn an_error_on_a_check_line_is_reported_at_the_spec_and_its_calls_are_not() {
        let mut sources = SourceMap::default();
        sources.add(SourceFile::new("spec/p.ng", "initcall a @ core {\n    run: rt::a_init;\n}\n"));
        let path =
            SpecPath { path: "rt::a_init".into(), at: Location { file: "spec/p.ng".into(), line: 2, column: 10 } };
        let line = "    let _: InitcallRun = ::rt::a_init; // spec/p.ng:2:10".to_string();
        let site = Site {
            line: line.clone(),
            path,
            what: "the `run` of `initcall a`".into(),
            kind: Kind::Initcall,
            expected: "`fn(&mut Kernel<Pernet>) -> InitResult`".into(),
        };
        let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let files = [GeneratedFile { name: "initcalls.rs", contents: String::new() }];
        let messages = [
            json("cannot find value `a_init`", "netgen/src/signatures.rs", 9, &line),
            json("cannot find function `a_init`", "netgen/src/initcalls.rs", 20, "    func: ::rt::a_init,"),
            json("unrelated", "runtime/src/lib.rs", 1, "fn f() { ::rt::a_init }"),
            "not json".to_string(),
        ];
        let errors = errors(&messages.join("\n"));
        assert_eq!(errors.len(), 3);
        assert_eq!(errors[0].notes, ["expected fn pointer"]);
        let report = report(&errors, &[site], &sources, &Generated::new(&out, &files));
        assert_eq!((report.spec.len(), report.consequences, report.other.len()), (1, 1, 1));
        let text = report.spec[0].render(&sources);
        assert!(
            text.starts_with("error: the `run` of `initcall a`: cannot find value `a_init`\n --> spec/p.ng:2:10"),
            "{text}"
        );
        assert!(text.contains("^^^^^^^^^^ not found; it must be `fn(&mut Kernel<Pernet>) -> InitResult`"), "{text}");
        assert!(text.contains("= note: expected fn pointer"), "{text}");
        assert!(text.contains("rustc (E0425) at netgen/src/signatures.rs:9:5"), "{text}");
        assert_eq!(report.other, ["error: unrelated\n"]);
    }
}
