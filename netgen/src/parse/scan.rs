//! A cheap pass over a file's text before pest sees it, for the limits the
//! grammar cannot enforce (see [`crate::limits`]): how deep brackets nest
//! and how long names are.
//!
//! pest and the syntax-tree builder recurse once per level of nesting, so a
//! file nested thousands deep would overflow the stack before any
//! diagnostic; this pass does not recurse. It skips comments, doc comments
//! and strings the way the grammar reads them, so on a file the grammar
//! accepts it sees exactly the grammar's tokens; on a malformed one it may
//! see other tokens than pest would, which only decides whether the first
//! error reported is this pass's or a syntax error.

use crate::diag::Diagnostic;
use crate::limits::{MAX_IDENT_LEN, MAX_NESTING};
use crate::source::{FileId, Span};

/// The first place where `text` goes past a limit, as an error there.
pub(super) fn check(file: FileId, text: &str) -> Result<(), Diagnostic> {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => i = line_end(b, i),
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(b.len(), |e| i + 2 + e + 2);
            }
            b'"' => i = string_end(b, i),
            open @ (b'{' | b'[' | b'<') => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(too_deep(file, i, open));
                }
                i += 1;
            }
            b'}' | b']' | b'>' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            // A name (an identifier, keyword or path segment: ASCII, the
            // grammar says) or, starting with a digit, a number.
            c if c.is_ascii_alphanumeric() || c == b'_' => {
                let len = b[i..].iter().position(|&c| !(c.is_ascii_alphanumeric() || c == b'_')).unwrap_or(b.len() - i);
                if !c.is_ascii_digit() && len > MAX_IDENT_LEN {
                    return Err(too_long(file, i, len));
                }
                i += len;
            }
            _ => i += 1,
        }
    }
    Ok(())
}

/// The offset of the `\n` ending the line that `i` is on, or the end.
fn line_end(b: &[u8], i: usize) -> usize {
    b[i..].iter().position(|&c| c == b'\n').map_or(b.len(), |e| i + e)
}

/// Past the string starting with the `"` at `i`: after its closing `"`, or
/// at the newline or end of file that cuts it off (a syntax error pest
/// reports).
fn string_end(b: &[u8], mut i: usize) -> usize {
    i += 1;
    while i < b.len() {
        match b[i] {
            b'"' => return i + 1,
            // An escape takes the next character whatever it is; the bytes
            // of a multi-byte character after it are never `"`, `\` or `\n`.
            b'\\' => i += 2,
            b'\n' => return i,
            _ => i += 1,
        }
    }
    b.len()
}

fn too_deep(file: FileId, at: usize, open: u8) -> Diagnostic {
    let open = match open {
        b'{' => "{",
        b'[' => "[",
        _ => "<",
    };
    Diagnostic::error(
        format!("nesting deeper than {MAX_NESTING} levels"),
        Span::new(file, at, at + 1),
        format!("this `{open}` opens level {}", MAX_NESTING + 1),
    )
    .with_note(format!(
        "`{{ }}`, `[ ]` and `::< >` may nest at most {MAX_NESTING} deep, counted together \
         (netgen::limits::MAX_NESTING)"
    ))
}

fn too_long(file: FileId, at: usize, len: usize) -> Diagnostic {
    Diagnostic::error(
        format!("name longer than {MAX_IDENT_LEN} characters"),
        Span::new(file, at, at + len),
        format!("this name has {len}"),
    )
    .with_note(format!("names have at most {MAX_IDENT_LEN} characters (netgen::limits::MAX_IDENT_LEN)"))
}
