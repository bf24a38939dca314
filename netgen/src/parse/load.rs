//! Loading a spec: the root file and, depth first, every file it includes.
//!
//! A spec file must be a regular file of at most [`MAX_SPEC_FILE_BYTES`],
//! and a spec may have at most [`MAX_INCLUDES`] includes, nested at most
//! [`MAX_INCLUDE_DEPTH`] deep.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::ast::{ItemKind, SpecFile};
use super::{parse_file, ParsedFile, Unparsed};
use crate::diag::Diagnostic;
use crate::limits::{MAX_INCLUDES, MAX_INCLUDE_DEPTH, MAX_SPEC_FILE_BYTES};
use crate::source::{FileId, SourceFile, SourceMap, Span};

/// Every file of a spec, parsed where it could be, and the problems found.
#[derive(Debug, Default)]
pub struct Loaded {
    pub sources: SourceMap,
    /// The parsed files, in include order (an included file comes where its
    /// `include` stands): in each, the items that parsed.
    pub files: Vec<(FileId, SpecFile)>,
    pub diagnostics: Vec<Diagnostic>,
    /// What the items that did not parse, and the files that could not be
    /// loaded, may declare.
    pub unparsed: Unparsed,
}

/// Loads the spec whose root file is `root`. Never fails: an unreadable file
/// or a malformed item becomes a diagnostic and loading goes on with the
/// rest.
pub fn load(root: &Path) -> Loaded {
    let base = root.parent().and_then(Path::parent).map(Path::to_path_buf).unwrap_or_default();
    let mut loaded = Loaded::default();
    let mut stack = Vec::new();
    let mut includes = 0;
    match read(root) {
        Ok(text) => load_text(&mut loaded, &base, root, text, &mut stack, &mut includes),
        Err(e) => {
            // No span to point at: report against an empty pseudo-file.
            let id = loaded.sources.add(SourceFile::new(display(&base, root), ""));
            let message = match &e {
                ReadError::Io(e) => format!("cannot read spec file {}: {e}", root.display()),
                ReadError::NotAFile(_) | ReadError::TooLarge => format!("{e}: {}", root.display()),
            };
            loaded.diagnostics.push(Diagnostic::error(message, Span::new(id, 0, 0), "").with_note(e.note()));
            loaded.unparsed.anything();
        }
    }
    loaded
}

/// Why a spec file could not be read.
#[derive(Debug)]
enum ReadError {
    /// A directory, device, FIFO or socket: what kind.
    NotAFile(&'static str),
    TooLarge,
    Io(std::io::Error),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::NotAFile(kind) => write!(f, "spec file is not a regular file but {kind}"),
            ReadError::TooLarge => write!(f, "spec file larger than {MAX_SPEC_FILE_BYTES} bytes"),
            ReadError::Io(e) => e.fmt(f),
        }
    }
}

impl ReadError {
    fn note(&self) -> String {
        match self {
            ReadError::NotAFile(_) | ReadError::TooLarge => format!(
                "a spec file is a regular file of at most {MAX_SPEC_FILE_BYTES} bytes \
                 (netgen::limits::MAX_SPEC_FILE_BYTES)"
            ),
            ReadError::Io(_) => String::new(),
        }
    }
}

/// Reads a spec file: a regular file (a device such as `/dev/zero` could
/// be read forever, a FIFO would block) of at most [`MAX_SPEC_FILE_BYTES`],
/// read with that bound whatever its size claims to be.
fn read(path: &Path) -> Result<String, ReadError> {
    let regular = |meta: std::fs::Metadata| if meta.is_file() { Ok(()) } else { Err(ReadError::NotAFile(kind(&meta))) };
    // Before opening: opening a FIFO blocks until someone writes to it.
    regular(std::fs::metadata(path).map_err(ReadError::Io)?)?;
    let file = std::fs::File::open(path).map_err(ReadError::Io)?;
    // Again on what was opened, in case the path changed in between.
    regular(file.metadata().map_err(ReadError::Io)?)?;
    let mut bytes = Vec::new();
    file.take(MAX_SPEC_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(ReadError::Io)?;
    if bytes.len() as u64 > MAX_SPEC_FILE_BYTES {
        return Err(ReadError::TooLarge);
    }
    String::from_utf8(bytes).map_err(|_| {
        ReadError::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, "stream did not contain valid UTF-8"))
    })
}

/// What a file that is not a regular file is, for a diagnostic.
fn kind(meta: &std::fs::Metadata) -> &'static str {
    let ty = meta.file_type();
    if ty.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ty.is_char_device() {
            return "a character device";
        }
        if ty.is_block_device() {
            return "a block device";
        }
        if ty.is_fifo() {
            return "a FIFO";
        }
        if ty.is_socket() {
            return "a socket";
        }
    }
    "something else"
}

/// Parses a single in-memory file (no includes are followed): for tests,
/// fuzzing and editors.
pub fn load_str(name: &str, text: &str) -> Loaded {
    let mut loaded = Loaded::default();
    let id = loaded.sources.add(SourceFile::new(name, text));
    if text.len() as u64 > MAX_SPEC_FILE_BYTES {
        let mut at = MAX_SPEC_FILE_BYTES as usize;
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        loaded.diagnostics.push(
            Diagnostic::error(ReadError::TooLarge.to_string(), Span::new(id, at, at), "this is past the limit")
                .with_note(ReadError::TooLarge.note()),
        );
        loaded.unparsed.anything();
        return loaded;
    }
    let f = add_parsed(&mut loaded, parse_file(id, text));
    for item in &f.items {
        if let ItemKind::Include { path_span, .. } = &item.kind {
            loaded.diagnostics.push(Diagnostic::error(
                "`include` needs a spec loaded from a file",
                *path_span,
                "cannot be followed here",
            ));
            loaded.unparsed.anything();
        }
    }
    loaded.files.push((id, f));
    loaded
}

/// Takes a parsed file's errors and what did not parse into `loaded`;
/// returns its items.
fn add_parsed(loaded: &mut Loaded, parsed: ParsedFile) -> SpecFile {
    loaded.diagnostics.extend(parsed.errors);
    loaded.unparsed.extend(parsed.unparsed);
    parsed.file
}

fn display(base: &Path, path: &Path) -> String {
    path.strip_prefix(base).unwrap_or(path).to_string_lossy().replace('\\', "/")
}

/// Parses `text`, the file at `path`, and loads what it includes;
/// `stack` holds the files including it, `includes` counts the includes
/// met so far in the whole spec.
fn load_text(
    loaded: &mut Loaded,
    base: &Path,
    path: &Path,
    text: String,
    stack: &mut Vec<PathBuf>,
    includes: &mut usize,
) {
    let id = loaded.sources.add(SourceFile::new(display(base, path), text.clone()));
    // The includes of the items that parsed are followed, whatever else in
    // the file did not parse.
    let file = add_parsed(loaded, parse_file(id, &text));
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    stack.push(canonical);
    let file_includes: Vec<(String, Span)> = file
        .items
        .iter()
        .filter_map(|i| match &i.kind {
            ItemKind::Include { path, path_span } => Some((path.clone(), *path_span)),
            _ => None,
        })
        .collect();
    loaded.files.push((id, file));
    for (inc, span) in file_includes {
        *includes += 1;
        if *includes > MAX_INCLUDES {
            // Once: the rest are not followed either.
            if *includes == MAX_INCLUDES + 1 {
                loaded.diagnostics.push(
                    Diagnostic::error(
                        format!("more than {MAX_INCLUDES} includes in one spec"),
                        span,
                        format!("include number {}", MAX_INCLUDES + 1),
                    )
                    .with_note(format!(
                        "a spec may have at most {MAX_INCLUDES} includes, counted over all its files \
                         (netgen::limits::MAX_INCLUDES)"
                    )),
                );
            }
            loaded.unparsed.anything();
            continue;
        }
        // The root file is alone on the stack, its includes at depth 1.
        if stack.len() > MAX_INCLUDE_DEPTH {
            loaded.diagnostics.push(
                Diagnostic::error(
                    format!("includes nested deeper than {MAX_INCLUDE_DEPTH}"),
                    span,
                    format!("this include is at depth {}", stack.len()),
                )
                .with_note(format!(
                    "a chain of includes from the root file may be at most {MAX_INCLUDE_DEPTH} long \
                     (netgen::limits::MAX_INCLUDE_DEPTH)"
                )),
            );
            loaded.unparsed.anything();
            continue;
        }
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
        match read(&target) {
            Ok(text) => load_text(loaded, base, &target, text, stack, includes),
            Err(e) => {
                let d = match e {
                    ReadError::Io(_) => Diagnostic::error(
                        format!("cannot read included file `{inc}`: {e}"),
                        span,
                        format!("looked for {}", display(base, &target)),
                    ),
                    _ => Diagnostic::error(
                        format!("cannot include `{inc}`: {e}"),
                        span,
                        format!("looked for {}", display(base, &target)),
                    )
                    .with_note(e.note()),
                };
                loaded.diagnostics.push(d);
                loaded.unparsed.anything();
            }
        }
    }
    stack.pop();
}
