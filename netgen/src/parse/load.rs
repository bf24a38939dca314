//! Loading a spec: the root file and, depth first, every file it includes.

use std::path::{Path, PathBuf};

use super::ast::{ItemKind, SpecFile};
use super::parse_file;
use crate::diag::Diagnostic;
use crate::source::{FileId, SourceFile, SourceMap, Span};

/// Every file of a spec, parsed where it could be, and the problems found.
#[derive(Debug, Default)]
pub struct Loaded {
    pub sources: SourceMap,
    /// The parsed files, in include order (an included file comes where its
    /// `include` stands).
    pub files: Vec<(FileId, SpecFile)>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Loads the spec whose root file is `root`. Never fails: an unreadable or
/// malformed file becomes a diagnostic and loading goes on with the rest.
pub fn load(root: &Path) -> Loaded {
    let base = root.parent().and_then(Path::parent).map(Path::to_path_buf).unwrap_or_default();
    let mut loaded = Loaded::default();
    let mut stack = Vec::new();
    match std::fs::read_to_string(root) {
        Ok(text) => load_text(&mut loaded, &base, root, text, &mut stack),
        Err(e) => {
            // No span to point at: report against an empty pseudo-file.
            let id = loaded.sources.add(SourceFile::new(display(&base, root), ""));
            loaded.diagnostics.push(Diagnostic::error(
                format!("cannot read spec file {}: {e}", root.display()),
                Span::new(id, 0, 0),
                "",
            ));
        }
    }
    loaded
}

/// Parses a single in-memory file (no includes are followed): for tests,
/// fuzzing and editors.
pub fn load_str(name: &str, text: &str) -> Loaded {
    let mut loaded = Loaded::default();
    let id = loaded.sources.add(SourceFile::new(name, text));
    match parse_file(id, text) {
        Ok(f) => {
            for item in &f.items {
                if let ItemKind::Include { path_span, .. } = &item.kind {
                    loaded.diagnostics.push(Diagnostic::error(
                        "`include` needs a spec loaded from a file",
                        *path_span,
                        "cannot be followed here",
                    ));
                }
            }
            loaded.files.push((id, f));
        }
        Err(d) => loaded.diagnostics.push(d),
    }
    loaded
}

fn display(base: &Path, path: &Path) -> String {
    path.strip_prefix(base).unwrap_or(path).to_string_lossy().replace('\\', "/")
}

fn load_text(loaded: &mut Loaded, base: &Path, path: &Path, text: String, stack: &mut Vec<PathBuf>) {
    let id = loaded.sources.add(SourceFile::new(display(base, path), text.clone()));
    let file = match parse_file(id, &text) {
        Ok(f) => f,
        Err(d) => {
            loaded.diagnostics.push(d);
            return;
        }
    };
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    stack.push(canonical);
    let includes: Vec<(String, Span)> = file
        .items
        .iter()
        .filter_map(|i| match &i.kind {
            ItemKind::Include { path, path_span } => Some((path.clone(), *path_span)),
            _ => None,
        })
        .collect();
    loaded.files.push((id, file));
    for (inc, span) in includes {
        let target = path.parent().unwrap_or(Path::new(".")).join(&inc);
        let canonical = target.canonicalize().unwrap_or_else(|_| target.clone());
        if let Some(pos) = stack.iter().position(|p| *p == canonical) {
            let chain: Vec<String> = stack[pos..].iter().chain([&canonical]).map(|p| display(base, p)).collect();
            loaded.diagnostics.push(
                Diagnostic::error(
                    format!("include cycle: {}", chain.join(" -> ")),
                    span,
                    "includes a file that includes this one",
                )
                .with_note("each spec file may be included once along any chain of includes"),
            );
            continue;
        }
        if loaded.sources.files().iter().any(|f| base.join(&f.name).canonicalize().ok() == Some(canonical.clone())) {
            loaded.diagnostics.push(Diagnostic::error(format!("`{inc}` is included twice"), span, "already included"));
            continue;
        }
        match std::fs::read_to_string(&target) {
            Ok(text) => load_text(loaded, base, &target, text, stack),
            Err(e) => loaded.diagnostics.push(Diagnostic::error(
                format!("cannot read included file `{inc}`: {e}"),
                span,
                format!("looked for {}", display(base, &target)),
            )),
        }
    }
    stack.pop();
}
