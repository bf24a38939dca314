//! The spec's tokens as the grammar sees them, read without pest: error
//! recovery ([`super::recover`]) needs to find where a broken item ends and
//! which names it mentions, and syntax messages ([`super::syntax`]) which
//! token came before an error and which was found there, in text pest has
//! just rejected.
//!
//! Whitespace and comments are skipped exactly where the grammar skips them
//! (`WHITESPACE` and `COMMENT` in `spec.pest`), so on any text the tokens
//! start where pest's would; a `///` doc comment is a token (the grammar
//! makes it part of an item) and so is a string. Reading does not recurse.

use super::scan::{line_end, string_end};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// A name, keyword or number: a run of ASCII letters, digits and `_`.
    Word,
    /// One ASCII character that is not part of a word (`::` is two).
    Punct(u8),
    /// A string; `closed` is false when a newline or the end of the file
    /// cuts it off (pest rejects it there).
    Str { closed: bool },
    /// A `///` doc comment, to the end of its line.
    Doc,
    /// A `/*` no `*/` closes: pest does not skip it.
    UnclosedComment,
    /// A character outside ASCII (never part of a token of the grammar).
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Token {
    pub kind: Kind,
    /// Byte range in the text.
    pub start: usize,
    pub end: usize,
}

impl Token {
    pub(super) fn text<'a>(&self, text: &'a str) -> &'a str {
        &text[self.start..self.end]
    }
}

/// The tokens of `text` from byte `from` (a character boundary) to its end.
pub(super) struct Tokens<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Tokens<'a> {
    pub(super) fn new(text: &'a str, from: usize) -> Tokens<'a> {
        Tokens { text, pos: from.min(text.len()) }
    }
}

impl Iterator for Tokens<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        let b = self.text.as_bytes();
        let mut i = self.pos;
        // Skip what the grammar skips.
        loop {
            match b.get(i) {
                Some(b' ' | b'\t' | b'\r' | b'\n') => i += 1,
                Some(b'/') if b.get(i + 1) == Some(&b'/') && b.get(i + 2) != Some(&b'/') => i = line_end(b, i),
                Some(b'/') if b.get(i + 1) == Some(&b'*') => match self.text[i + 2..].find("*/") {
                    Some(e) => i = i + 2 + e + 2,
                    None => break,
                },
                _ => break,
            }
        }
        let start = i;
        let c = *b.get(i)?;
        let (kind, end) = match c {
            b'/' if b.get(i + 1) == Some(&b'/') => (Kind::Doc, line_end(b, i)),
            b'/' if b.get(i + 1) == Some(&b'*') => (Kind::UnclosedComment, b.len()),
            b'"' => {
                let (end, closed) = string_end(b, i);
                (Kind::Str { closed }, end)
            }
            c if c.is_ascii_alphanumeric() || c == b'_' => {
                let len = b[i..].iter().position(|&c| !(c.is_ascii_alphanumeric() || c == b'_')).unwrap_or(b.len() - i);
                (Kind::Word, i + len)
            }
            c if c.is_ascii() => (Kind::Punct(c), i + 1),
            _ => (Kind::Other, i + self.text[i..].chars().next().map_or(1, char::len_utf8)),
        };
        // A doc comment's CRLF ending is not part of it.
        let end = if kind == Kind::Doc && end > start && b[end - 1] == b'\r' { end - 1 } else { end };
        self.pos = end;
        Some(Token { kind, start, end })
    }
}

/// The offset where the line holding byte `pos` starts.
pub(super) fn line_start(text: &str, pos: usize) -> usize {
    text[..pos].rfind('\n').map_or(0, |n| n + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(Kind, &str)> {
        Tokens::new(text, 0).map(|t| (t.kind, t.text(text))).collect()
    }

    #[test]
    fn comments_are_skipped_where_the_grammar_skips_them() {
        assert_eq!(
            kinds("a // x {\n/* } */ b;\n/// doc\r\n\"s}\" é"),
            [
                (Kind::Word, "a"),
                (Kind::Word, "b"),
                (Kind::Punct(b';'), ";"),
                (Kind::Doc, "/// doc"),
                (Kind::Str { closed: true }, "\"s}\""),
                (Kind::Other, "é"),
            ]
        );
    }

    #[test]
    fn what_pest_rejects_is_a_token_too() {
        assert_eq!(kinds("x \"ab\ny"), [(Kind::Word, "x"), (Kind::Str { closed: false }, "\"ab"), (Kind::Word, "y")]);
        assert_eq!(kinds("x /* }"), [(Kind::Word, "x"), (Kind::UnclosedComment, "/* }")]);
    }

    #[test]
    fn a_line_starts_after_its_newline() {
        assert_eq!(line_start("ab\ncd", 4), 3);
        assert_eq!(line_start("ab\ncd", 1), 0);
    }
}
