//! Syntax errors in the user's words: what was found, what can follow at
//! that point (as the grammar's rules say, named the way a user writes
//! them) and, when a token is missing at the end of a line, a caret where it
//! belongs rather than on the next line's token.

use std::ops::Range;

use pest::error::{ErrorVariant, InputLocation};

use super::tokens::{Kind, Token, Tokens};
use super::Rule;
use crate::diag::Diagnostic;
use crate::source::{FileId, Span};

/// The diagnostic for `e`, pest's error on the item at `item` (a byte
/// range of `text`, where pest's positions start), parsed alone.
pub(super) fn error(file: FileId, text: &str, item: Range<usize>, e: &pest::error::Error<Rule>) -> Diagnostic {
    let at = match e.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let pos = (item.start + at).min(text.len());
    // The tokens of the item up to the error: the last one that ends before
    // it, or one pest could not read at all.
    let mut prev_end = None;
    for t in Tokens::new(text, item.start).take_while(|t| t.start <= pos) {
        if let Some(d) = unclosed(file, t) {
            return d;
        }
        if t.end <= pos {
            prev_end = Some(t.end);
        }
    }
    let (found, found_at) = found(text, pos, item.end);
    let found_span = Span::new(file, found_at.start, found_at.end);
    let expected = expected(&e.variant);
    if expected.is_empty() {
        return Diagnostic::error(format!("syntax error: unexpected {found}"), found_span, "unexpected here");
    }
    let list = one_of(&expected);
    let message = format!("syntax error: expected {list}, found {found}");
    // A token missing at the end of a line is missing there, not where the
    // next line starts: rustc's "expected `;`" points the same way.
    match prev_end.filter(|&end| text[end..found_at.start].contains('\n')) {
        Some(end) => {
            let d = Diagnostic::error(message, Span::new(file, end, end), format!("expected {list}"));
            if found_at.start == text.len() {
                d
            } else {
                d.with_label(found_span, format!("unexpected {found}"))
            }
        }
        None => Diagnostic::error(message, found_span, format!("expected {list}")),
    }
}

/// A string or comment pest cannot read, as an error of its own: "expected
/// a value, found a string" would say nothing useful.
fn unclosed(file: FileId, t: Token) -> Option<Diagnostic> {
    match t.kind {
        Kind::Str { closed: false } => Some(
            Diagnostic::error(
                "syntax error: unclosed string",
                Span::new(file, t.start, t.start + 1),
                "this `\"` is not closed on its line",
            )
            .with_note("a string ends on the line it starts on; write `\\n` for a newline"),
        ),
        Kind::UnclosedComment => Some(Diagnostic::error(
            "syntax error: unclosed comment",
            Span::new(file, t.start, t.start + 2),
            "no `*/` closes this `/*`",
        )),
        _ => None,
    }
}

/// What pest found at `pos` and where: the token there, or, where an item
/// was cut off at `cut` to be parsed alone, the next token after it.
fn found(text: &str, pos: usize, cut: usize) -> (String, Range<usize>) {
    // Inside a token (a path is one: `a::< b >`) whitespace is an error.
    if pos < cut {
        if let Some(c) = text[pos..].chars().next().filter(|c| c.is_whitespace()) {
            let what = if c == '\n' || c == '\r' { "end of line" } else { "whitespace" };
            return (what.to_string(), pos..pos + c.len_utf8());
        }
    }
    // Past the cut, the next item starts: name its first token, not the
    // doc comments above it.
    let next = Tokens::new(text, pos).find(|t| pos < cut || t.kind != Kind::Doc);
    match next {
        None => ("end of file".to_string(), text.len()..text.len()),
        Some(t) => {
            let what = match t.kind {
                Kind::Str { .. } => "a string".to_string(),
                Kind::Doc => "a `///` doc comment".to_string(),
                _ => format!("`{}`", t.text(text)),
            };
            (what, t.start..t.end)
        }
    }
}

/// What could follow, in the user's words, sorted, each once.
fn expected(variant: &ErrorVariant<Rule>) -> Vec<&'static str> {
    let ErrorVariant::ParsingError { positives, .. } = variant else {
        return Vec::new();
    };
    // After a number or a name, an operator could always continue it into
    // an expression; listing every operator would bury what is missing
    // (`;`), so they are named only when nothing else could follow.
    let is_operator = |r: &Rule| {
        matches!(r, Rule::operator | Rule::cmp_op | Rule::shl_op | Rule::add_op | Rule::mul_op | Rule::question)
    };
    let others = positives.iter().any(|r| !is_operator(r));
    let mut names: Vec<&str> =
        positives.iter().filter(|r| !(others && is_operator(r))).filter_map(|r| rule_name(*r)).collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// `a`, `a or b`, `a, b or c`.
fn one_of(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The name a user knows a grammar rule by; `None` for a doc comment, which
/// may come before any item or member but is never what is missing.
fn rule_name(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::item
        | Rule::include
        | Rule::constant
        | Rule::section
        | Rule::keyword
        | Rule::kw_include
        | Rule::kw_const
        | Rule::items
        | Rule::one_item
        | Rule::WHITESPACE
        | Rule::COMMENT => "an item (`include`, `const`, `levels`, `resource`, `initcall`, ...)",
        Rule::doc | Rule::doc_text => return None,
        Rule::member => "a member name",
        Rule::ident | Rule::ident_char | Rule::reserved => "a name",
        Rule::path => "a name or path",
        Rule::value => "a value",
        Rule::list => "a list `[..]`",
        Rule::int => "a number",
        Rule::section_id => "a section id such as `1s`",
        Rule::string | Rule::string_inner => "a string",
        Rule::at => "`@`",
        Rule::type_ann => "`:`",
        Rule::body => "`{`",
        Rule::bits => "a bit range `[hi:lo]`",
        Rule::member_type => "a type (`u8`, `u16`, `u32`, `u64`, `union`)",
        Rule::params => "`(`",
        Rule::expr | Rule::ternary | Rule::comparison | Rule::shift | Rule::sum | Rule::product | Rule::operand => {
            "an expression"
        }
        Rule::operator => "an operator",
        Rule::cmp_op => "a comparison (`<`, `<=`, `==`, ...)",
        Rule::shl_op => "`<<`",
        Rule::add_op => "`+` or `-`",
        Rule::mul_op => "`*`",
        Rule::lparen => "`(`",
        Rule::rparen => "`)`",
        Rule::question => "`?`",
        Rule::semi => "`;`",
        Rule::eq => "`=`",
        Rule::comma => "`,`",
        Rule::colon => "`:`",
        Rule::at_sign => "`@`",
        Rule::lbrace => "`{`",
        Rule::rbrace => "`}`",
        Rule::lbracket => "`[`",
        Rule::rbracket => "`]`",
        Rule::EOI => "end of file",
    })
}
