//! A cheap pass over a file's text before pest sees it, for the limits the
//! grammar cannot enforce (see [`crate::limits`]): how deep brackets nest
//! and how long names are; and which characters doc comments and strings
//! may hold, as their text reaches the generated Rust.
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
    // How many of the open levels are `::<`.
    let mut generics = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let end = line_end(b, i);
                if b.get(i + 2) == Some(&b'/') {
                    // A CRLF line ending is the one carriage return allowed.
                    let text_end = if end > i + 3 && b[end - 1] == b'\r' && end < b.len() { end - 1 } else { end };
                    bad_chars(file, text, i + 3, text_end, "a doc comment")?;
                }
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(b.len(), |e| i + 2 + e + 2);
            }
            b'"' => {
                let (end, closed) = string_end(b, i);
                // An unclosed string is a syntax error, for pest to report.
                if closed {
                    bad_chars(file, text, i + 1, end - 1, "a string")?;
                }
                i = end;
            }
            // `<` opens a level only in a path's `::<`; elsewhere it is a
            // comparison, and a `>` closes a level only while a `::<` is open.
            open @ (b'{' | b'[' | b'(' | b'<') if open != b'<' || (i >= 2 && &b[i - 2..i] == b"::") => {
                depth += 1;
                if open == b'<' {
                    generics += 1;
                }
                if depth > MAX_NESTING {
                    return Err(too_deep(file, i, open));
                }
                i += 1;
            }
            b'>' if generics > 0 => {
                generics -= 1;
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'}' | b']' | b')' => {
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
pub(super) fn line_end(b: &[u8], i: usize) -> usize {
    b[i..].iter().position(|&c| c == b'\n').map_or(b.len(), |e| i + e)
}

/// Past the string starting with the `"` at `i`: after its closing `"`
/// (and `true`), or at the newline or end of file that cuts it off (and
/// `false`: a syntax error pest reports).
pub(super) fn string_end(b: &[u8], mut i: usize) -> (usize, bool) {
    i += 1;
    while i < b.len() {
        match b[i] {
            b'"' => return (i + 1, true),
            // An escape takes the next character whatever it is; the bytes
            // of a multi-byte character after it are never `"`, `\` or `\n`.
            b'\\' => i += 2,
            b'\n' => return (i, false),
            _ => i += 1,
        }
    }
    (b.len(), false)
}

/// The first character of `text[start..end]`, the text of a doc comment or
/// string, that the generated Rust cannot hold, as an error there: a
/// control character other than tab (rustc rejects a bare carriage return
/// in a doc comment; the others are invisible) or one that changes the
/// direction of text (rustc rejects those in doc comments, and they make
/// the spec read other than it parses).
fn bad_chars(file: FileId, text: &str, start: usize, end: usize, place: &str) -> Result<(), Diagnostic> {
    let Some((at, c)) = text[start..end].char_indices().find(|&(_, c)| forbidden(c)) else {
        return Ok(());
    };
    let what = match c {
        '\r' => "carriage return (U+000D)".to_string(),
        c if c.is_control() => format!("control character U+{:04X}", u32::from(c)),
        c => format!("text-direction character U+{:04X}", u32::from(c)),
    };
    let start = start + at;
    let note = if place == "a doc comment" {
        "doc comments are copied into the generated Rust; they may hold tab, but no other control character \
         (a carriage return only in a CRLF line ending) and no text-direction character"
    } else {
        "strings may hold tab, but no other control character and no text-direction character; \
         write `\\n` or `\\t` for a newline or a tab"
    };
    Err(Diagnostic::error(
        format!("{what} in {place}"),
        Span::new(file, start, start + c.len_utf8()),
        "not allowed here",
    )
    .with_note(note))
}

fn forbidden(c: char) -> bool {
    (c.is_control() && c != '\t') || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn too_deep(file: FileId, at: usize, open: u8) -> Diagnostic {
    let open = match open {
        b'{' => "{",
        b'[' => "[",
        b'(' => "(",
        _ => "<",
    };
    Diagnostic::error(
        format!("nesting deeper than {MAX_NESTING} levels"),
        Span::new(file, at, at + 1),
        format!("this `{open}` opens level {}", MAX_NESTING + 1),
    )
    .with_note(format!(
        "`{{ }}`, `[ ]`, `( )` and `::< >` may nest at most {MAX_NESTING} deep, counted together \
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
