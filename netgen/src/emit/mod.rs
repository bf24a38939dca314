//! Pass 4, emit: Rust source for the `generated/` crate, one file per
//! artifact.
//!
//! Generated code names runtime items by absolute paths
//! (`::netgen_runtime::init::Level`) so it compiles wherever it is included,
//! and each item's doc comment points back at the spec line it came from.
//!
//! # One way to write each item
//!
//! Every kind of item reaches its file by exactly one path, chosen here and
//! not at run time:
//!
//! - The items there is one of per initcall or per resource (an
//!   `InitcallDesc`, the proof of an initcall's requirements, a resource's
//!   marker type and `Resource` impl, and the `__netgen_provide!` arms) are
//!   written by text templates (`initcalls.rs`, `resources.rs`) that always
//!   produce prettyplease's layout, long lines broken where prettyplease
//!   breaks them (`text.rs` says what that layout is).
//! - Everything else (file headers, levels, constants, pernet operations,
//!   protocol tables, the `INITCALLS` table) is built with `quote!` and
//!   formatted by prettyplease. There are few of these items, and their
//!   `match`es are laid out best by the formatter.
//!
//! Why text for the repeated items: they are what a spec has thousands of,
//! and building each with `quote!` and round-tripping it through `syn` and
//! prettyplease is most of the time generation takes. With every item through
//! prettyplease the 10,000-initcall benchmark (`cargo bench -p netgen --bench
//! generate`) took 1.06 s, against 0.38 s with the templates, on the
//! project's 2-core machine (README, *What is measured*). The templates
//! cannot drift from prettyplease unnoticed:
//! `emitted_text_items_are_what_prettyplease_prints` (tests/render.rs)
//! reformats whole generated files with prettyplease, including specs whose
//! lines sit on either side of the margin.
//!
//! # Errors
//!
//! What the emitter cannot write as Rust is an [`EmitError`] located at the
//! spec item it came from, never a stand-in: a name that is not a Rust
//! identifier or a path that does not parse (`rust.rs`), a doc line that cannot
//! be a `///` comment. Tokens built with `quote!` that `syn` cannot parse are a
//! bug in netgen, reported as an internal error instead of written out.

mod consts;
mod initcalls;
mod kernel;
mod levels;
pub mod netdev;
mod pernet;
mod resources;
mod rust;
mod signatures;
mod tables;
mod text;

use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;

pub use signatures::Site;

use crate::diag::Diagnostic;
use crate::ir::{Ir, Location};
use crate::source::{FileId, SourceMap, Span};

/// One emitted file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedFile {
    /// File name relative to the output directory.
    pub name: &'static str,
    pub contents: String,
}

/// Something in the IR the emitter cannot write as Rust.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmitError {
    /// The spec item it concerns; `None` for a fault in netgen itself that
    /// no item is to blame for.
    pub origin: Option<Location>,
    pub message: String,
    /// What the diagnostic's label says at `origin`.
    pub label: String,
    pub notes: Vec<String>,
}

impl EmitError {
    pub(crate) fn at(origin: &Location, message: impl Into<String>, label: impl Into<String>) -> EmitError {
        EmitError { origin: Some(origin.clone()), message: message.into(), label: label.into(), notes: Vec::new() }
    }

    /// Generated tokens that do not parse, or the like: a bug in netgen.
    pub(crate) fn internal(file: &str, message: impl Into<String>) -> EmitError {
        EmitError {
            origin: None,
            message: format!("internal error: {}", message.into()),
            label: format!("while generating `{file}` from this spec"),
            notes: vec!["this is a bug in netgen's emitter, not in the spec; nothing was written".to_string()],
        }
    }

    pub(crate) fn with_note(mut self, note: impl Into<String>) -> EmitError {
        self.notes.push(note.into());
        self
    }

    /// The error as a diagnostic against the spec's sources: at the name of
    /// the item it concerns (an internal error, at the start of the root
    /// file).
    pub fn to_diagnostic(&self, sources: &SourceMap) -> Diagnostic {
        let span = self.origin.as_ref().and_then(|o| sources.span_at(o));
        let mut d = Diagnostic::error(&self.message, span.unwrap_or(Span::new(FileId(0), 0, 0)), &self.label);
        if let (Some(o), None) = (&self.origin, span) {
            d = d.with_note(format!("at {o}"));
        }
        for n in &self.notes {
            d = d.with_note(n);
        }
        d
    }
}

impl std::fmt::Display for EmitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.origin {
            Some(o) => write!(f, "{o}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for EmitError {}

/// What an emitter makes of the IR: the chunks of its file, or every reason
/// it cannot write them.
type Emitted = Result<Vec<Chunk>, Vec<EmitError>>;

/// Emits every generated file for `ir`, or every error that keeps it from
/// being written.
///
/// The files are independent, so each is built and formatted on a thread of
/// its own.
pub fn emit(ir: &Ir) -> Result<Vec<GeneratedFile>, Vec<EmitError>> {
    let names = rust::check_names(ir);
    if !names.is_empty() {
        return Err(names);
    }
    type Emitter = fn(&Ir) -> Emitted;
    const EMITTERS: [(&str, Emitter); 8] = [
        ("consts.rs", consts::emit),
        ("levels.rs", levels::emit),
        ("resources.rs", resources::emit),
        ("kernel.rs", kernel::emit),
        ("initcalls.rs", initcalls::emit),
        ("pernet.rs", pernet::emit),
        ("tables.rs", tables::emit),
        ("signatures.rs", signatures::emit),
    ];
    let files = std::thread::scope(|s| {
        let handles: Vec<_> = EMITTERS
            .iter()
            .map(|&(name, f)| s.spawn(move || f(ir).and_then(|chunks| file(ir, name, chunks).map_err(|e| vec![e]))))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect::<Vec<_>>()
    });
    all(files)
}

/// Every check line of the `signatures.rs` emitted for `ir` (what `netgen
/// check --rust` maps rustc's errors through).
pub fn signature_sites(ir: &Ir) -> Vec<Site> {
    signatures::sites(ir)
}

/// Every `Ok`, or every error.
pub(crate) fn all<T>(results: impl IntoIterator<Item = Result<T, Vec<EmitError>>>) -> Result<Vec<T>, Vec<EmitError>> {
    let mut oks = Vec::new();
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(t) => oks.push(t),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(oks)
    } else {
        Err(errors)
    }
}

/// A piece of a generated file. Which kind an item is never depends on its
/// contents (see the module docs).
pub(crate) enum Chunk {
    /// Syntax built with `quote!`, formatted by prettyplease.
    Rust(TokenStream),
    /// Items written by a text template, in prettyplease's layout.
    Text(String),
}

/// The doc attribute values of an item: its spec docs, then where it came
/// from. [`docs`] makes them attributes, [`text::write_doc_lines`] `///`
/// lines.
pub(crate) fn doc_values(spec_docs: &[String], origin: &Location, extra: &str) -> Vec<String> {
    let mut lines: Vec<String> = spec_docs.iter().map(|d| format!(" {d}")).collect();
    if !lines.is_empty() {
        lines.push(String::new());
    }
    lines.push(format!(" Spec: `{origin}`.{}{extra}", if extra.is_empty() { "" } else { " " }));
    lines
}

/// The doc attributes of an item, for `quote!`.
pub(crate) fn docs(spec_docs: &[String], origin: &Location, extra: &str) -> TokenStream {
    let lines = doc_values(spec_docs, origin, extra);
    quote::quote! { #(#[doc = #lines])* }
}

/// Writes the `///` lines of an item's docs; a line that cannot be one is
/// an error at the item.
pub(crate) fn write_docs(
    out: &mut String,
    spec_docs: &[String],
    origin: &Location,
    extra: &str,
) -> Result<(), EmitError> {
    text::write_doc_lines(out, 0, &doc_values(spec_docs, origin, extra))
        .map_err(|why| EmitError::at(origin, why, "in the docs of this item"))
}

pub(crate) fn file(ir: &Ir, name: &'static str, chunks: Vec<Chunk>) -> Result<GeneratedFile, EmitError> {
    let header = format!(
        "// @generated by netgen {} from {} (spec sha256 {}).\n\
         // Do not edit: change spec/ and run `cargo run -p netgen -- generate`.\n\n",
        env!("CARGO_PKG_VERSION"),
        ir.root,
        &ir.spec_hash[..16.min(ir.spec_hash.len())]
    );
    let mut body = String::new();
    for chunk in chunks {
        match chunk {
            Chunk::Rust(tokens) => {
                let f = syn::parse2::<syn::File>(tokens).map_err(|e| {
                    EmitError::internal(name, format!("the Rust built for `{name}` does not parse: {e}"))
                })?;
                body.push_str(&prettyplease::unparse(&f));
            }
            Chunk::Text(text) => body.push_str(&text),
        }
    }
    Ok(GeneratedFile { name, contents: header + &space_items(&body) })
}

/// prettyplease packs top-level items together; put a blank line between
/// items (not between the lines of a run of `use`s or of one-line impls) so
/// the file reads like hand-written code.
fn space_items(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut prev: Option<&str> = None;
    for line in text.lines() {
        if let Some(p) = prev {
            let top = !line.is_empty() && !line.starts_with([' ', '}', ')', ']']);
            let prev_ended = !p.starts_with(' ')
                && !p.starts_with("//")
                && (p.ends_with('}') || p.ends_with(';') || p.starts_with("#!"));
            let same_run = (p.starts_with("use ") && line.starts_with("use "))
                || (p.starts_with("impl") && p.ends_with("{}") && line.starts_with("impl") && line.ends_with("{}"));
            if top && prev_ended && !same_run {
                out.push('\n');
            }
            // Inside an `impl` or `mod`: a method or documented item after
            // the end of the previous one.
            let inner = ["    fn ", "    ///", "    #["].iter().any(|s| line.starts_with(s));
            // A comment that ends in `;` ends nothing.
            let inner_prev_ended = p.starts_with("    ")
                && !p.starts_with("     ")
                && !p.trim_start().starts_with("//")
                && (p == "    }" || p.ends_with("{}") || (p.ends_with(';') && !p.starts_with("    use ")));
            if inner && inner_prev_ended {
                out.push('\n');
            }
        }
        out.push_str(line);
        out.push('\n');
        prev = Some(line);
    }
    out
}

/// A file that differs from what the spec generates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stale {
    pub path: PathBuf,
    pub reason: &'static str,
}

/// Writes `files` into `dir`, leaving files whose contents are unchanged
/// untouched (so cargo does not rebuild needlessly). Returns the paths written.
pub fn write(dir: &Path, files: &[GeneratedFile]) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for f in files {
        let path = dir.join(f.name);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(f.contents.as_str()) {
            std::fs::write(&path, &f.contents)?;
            written.push(path);
        }
    }
    Ok(written)
}

/// The files in `dir` that are missing or differ from `files`.
pub fn stale(dir: &Path, files: &[GeneratedFile]) -> Vec<Stale> {
    files
        .iter()
        .filter_map(|f| {
            let path = dir.join(f.name);
            match std::fs::read_to_string(&path) {
                Err(_) => Some(Stale { path, reason: "missing" }),
                Ok(s) if s != f.contents => Some(Stale { path, reason: "differs from what spec/ generates" }),
                Ok(_) => None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    #[test]
    fn tokens_that_do_not_parse_are_an_internal_error_not_output() {
        let ir = Ir {
            spec_hash: "0".repeat(64),
            root: "spec/netgen.ng".into(),
            consts: Vec::new(),
            levels: Vec::new(),
            resources: Vec::new(),
            initcalls: Vec::new(),
            pernet: Vec::new(),
            tables: Default::default(),
            netdevs: Vec::new(),
        };
        let chunks = vec![Chunk::Text("const A: u8 = 1;\n".into()), Chunk::Rust(quote::quote!(pub const X: = 1;))];
        let err = file(&ir, "x.rs", chunks).unwrap_err();
        assert_eq!(err.origin, None);
        assert!(err.message.starts_with("internal error: the Rust built for `x.rs` does not parse"), "{err}");
        // As a diagnostic: at the start of the root file, saying what it is.
        let mut sources = SourceMap::default();
        sources.add(SourceFile::new("spec/netgen.ng", "levels {}\n"));
        let out = err.to_diagnostic(&sources).render(&sources);
        assert!(out.contains("--> spec/netgen.ng:1:1"), "{out}");
        assert!(out.contains("this is a bug in netgen's emitter"), "{out}");
    }
}
