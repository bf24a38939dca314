//! netgen: the spec compiler of the netgen network stack.
//!
//! A pipeline of named passes, each in its own module:
//!
//! 1. [`parse`]: spec text to a syntax tree with spans (pest).
//! 2. [`analyze`]: every semantic error at once, each with a span.
//! 3. [`ir`]: plain serde data, the only thing the emitter sees.
//! 4. [`emit`]: Rust source for the `generated/` crate (text templates in
//!    prettyplease's layout, quote and prettyplease); what it cannot write
//!    as Rust is an error located in the spec, like the analyzer's.
//!
//! The CLI (`src/main.rs`), the tests and the benchmarks all call [`compile`]
//! (and [`Compiled::emit`] or [`emit::emit`]).

#![forbid(unsafe_code)]

pub mod analyze;
pub mod contract;
pub mod diag;
pub mod diff;
pub mod doc;
pub mod emit;
pub mod graph;
pub mod ir;
pub mod limits;
pub mod parse;
pub mod rustc;
pub mod show;
pub mod source;
pub mod synthetic;
pub mod vtable;

use std::path::Path;

pub use diag::Diagnostic;
pub use source::SourceMap;

/// The result of compiling a spec: the IR if there were no errors, and every
/// diagnostic (errors and warnings) with the sources to render them against.
pub struct Compiled {
    pub sources: SourceMap,
    pub ir: Option<ir::Ir>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Compiled {
    /// All diagnostics rendered as text, with a closing count line.
    pub fn render_diagnostics(&self) -> String {
        diag::render_all(&self.diagnostics, &self.sources)
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Emits the generated files ([`emit::emit`]), or every reason they
    /// cannot be written as a diagnostic located in the spec: the spec's
    /// errors if it has any, else what the emitter cannot write as Rust.
    pub fn emit(&self) -> Result<Vec<emit::GeneratedFile>, Vec<Diagnostic>> {
        let Some(ir) = &self.ir else {
            return Err(self.diagnostics.iter().filter(|d| d.is_error()).cloned().collect());
        };
        emit::emit(ir).map_err(|errors| errors.iter().map(|e| e.to_diagnostic(&self.sources)).collect())
    }
}

impl Compiled {
    /// Emits the register layer of the spec's netdev `name`
    /// ([`emit::netdev::emit`]), or every reason it cannot be written, as
    /// diagnostics located in the spec. `None` when the spec has no such
    /// netdev.
    pub fn emit_netdev(&self, name: &str) -> Option<Result<Vec<emit::GeneratedFile>, Vec<Diagnostic>>> {
        let Some(ir) = &self.ir else {
            return Some(Err(self.diagnostics.iter().filter(|d| d.is_error()).cloned().collect()));
        };
        let netdev = ir.netdevs.iter().find(|n| n.name == name)?;
        Some(
            emit::netdev::emit(ir, netdev)
                .map_err(|errors| errors.iter().map(|e| e.to_diagnostic(&self.sources)).collect()),
        )
    }
}

/// Parses and analyzes the spec rooted at `root` (e.g. `spec/netgen.ng`).
pub fn compile(root: &Path) -> Compiled {
    finish(parse::load(root))
}

/// Compiles one in-memory spec file (no includes).
pub fn compile_str(name: &str, text: &str) -> Compiled {
    finish(parse::load_str(name, text))
}

fn finish(loaded: parse::Loaded) -> Compiled {
    let mut diagnostics = loaded.diagnostics;
    // Analysis runs on every item that parsed, in every file, the broken
    // ones included: an item that parsed is whole, so its own checks hold,
    // and removing the items that did not parse can make a check between
    // items go wrong only by making a name look undeclared (a dropped item
    // declares nothing, and adds no edge, duplicate or slot conflict). The
    // diagnostics that rest on a name being undeclared say so
    // (`Diagnostic::assumes_absent`); those whose name text that did not
    // parse mentions are dropped: they may be mere consequences of the
    // syntax error, and they come back, if real, once it is fixed. A
    // duplicate of a broken item is reported only then, too.
    let (ir, more) = analyze::analyze(&loaded.sources, &loaded.files);
    diagnostics
        .extend(more.into_iter().filter(|d| !d.assumes_absent.iter().any(|name| loaded.unparsed.may_declare(name))));
    let ir = if diagnostics.iter().any(Diagnostic::is_error) { None } else { ir };
    Compiled { sources: loaded.sources, ir, diagnostics }
}
