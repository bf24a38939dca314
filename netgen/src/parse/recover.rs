//! Error recovery: a syntax error ends its item, not its file.
//!
//! pest stops at the first error. So a file is parsed in one run of items
//! (the grammar's `items`) up to the first item that does not parse; from
//! there on, where each item ends is decided from the tokens ([`item_end`]:
//! after its closing `;` or `}`, or, when that is missing, before the next
//! line that starts an item), and each item is parsed alone (`one_item`),
//! for its tree or its syntax error ([`super::syntax`]). Parsing alone keeps
//! the error inside the item, and keeps the cost linear: pest, left to find
//! the end of an item whose `}` is missing, takes the following items as
//! its members, and each later run would read them again. The items before
//! the first error, and every file without one, never reach [`item_end`]:
//! odd layout (a member named `proto` written at the start of a line, which
//! [`item_end`] takes for a new item) matters only after a syntax error.
//!
//! What an item that did not parse declares is unknown. [`Unparsed`] keeps
//! every name such text mentions, so that the driver can drop the semantic
//! diagnostics that may only be consequences of the syntax error (see
//! [`crate::Diagnostic::assuming_absent`]).

use std::collections::HashSet;
use std::ops::Range;

use pest::iterators::Pair;
use pest::Parser as _;

use super::ast::{Bits, Expr, ExprKind, Ident, Item, ItemKind, Member, Params, Section, SpecFile, Value, ValueKind};
use super::tokens::{line_start, Kind, Token, Tokens};
use super::{item, scan, syntax, Rule, SpecParser};
use crate::diag::Diagnostic;
use crate::source::{FileId, Span};

/// One file, parsed as far as it could be.
#[derive(Debug)]
pub struct ParsedFile {
    /// The items that parsed, in file order.
    pub file: SpecFile,
    /// A syntax error per item that did not parse (or whose number does not
    /// fit, whose bit range is reversed), or the one limit the file goes
    /// past (then no item is parsed: see `scan.rs`).
    pub errors: Vec<Diagnostic>,
    /// What the text that did not parse mentions.
    pub unparsed: Unparsed,
}

/// What text that did not parse (or a file that could not be loaded) may
/// declare, for telling a semantic error that a syntax error explains from
/// one it does not.
#[derive(Debug, Default)]
pub struct Unparsed {
    /// Every name such text mentions: whatever it would declare is among
    /// them (a name is declared by writing it).
    names: HashSet<String>,
    /// Whether it may declare anything: it includes a file, or a file could
    /// not be read, so its names are not known.
    anything: bool,
}

impl Unparsed {
    /// Whether `name` may be declared in text that did not parse.
    pub fn may_declare(&self, name: &str) -> bool {
        self.anything || self.names.contains(name)
    }

    /// A file or include could not be loaded: any name may be declared there.
    pub(crate) fn anything(&mut self) {
        self.anything = true;
    }

    pub(crate) fn extend(&mut self, other: Unparsed) {
        self.anything |= other.anything;
        self.names.extend(other.names);
    }

    /// Adds the names in `text[range]`; an `include` among them stands for
    /// every name of the file it would have included.
    fn add(&mut self, text: &str, range: Range<usize>) {
        for t in Tokens::new(text, range.start).take_while(|t| t.start < range.end) {
            let word = t.text(text);
            if t.kind == Kind::Word && !word.starts_with(|c: char| c.is_ascii_digit()) {
                if word == "include" {
                    self.anything = true;
                }
                self.names.insert(word.to_string());
            }
        }
    }
}

/// Parses one file's text: every item that parses, a syntax error for each
/// one that does not. Text past one of the [`crate::limits`], found before
/// pest runs, is one error for the whole file.
pub fn parse_file(file: FileId, text: &str) -> ParsedFile {
    let mut out =
        ParsedFile { file: SpecFile { items: Vec::new() }, errors: Vec::new(), unparsed: Unparsed::default() };
    if let Err(d) = scan::check(file, text) {
        out.errors.push(d);
        out.unparsed.add(text, 0..text.len());
        return out;
    }
    // A file without syntax errors is one run.
    let Some(mut at) = run(file, text, &mut out) else {
        return out;
    };
    // From the first item that does not parse on, the tokens say where each
    // item ends, and each is parsed alone.
    while let Some(start) = Tokens::new(text, at).next().map(|t| t.start) {
        let end = item_end(text, start);
        match SpecParser::parse(Rule::one_item, &text[start..end]) {
            Ok(mut pairs) => {
                let inner = pairs.next().into_iter().flat_map(|p| p.into_inner());
                for pair in inner.filter(|p| p.as_rule() == Rule::item) {
                    add_item(file, text, start, pair, &mut out);
                }
            }
            Err(e) => {
                out.errors.push(syntax::error(file, text, start..end, &e));
                out.unparsed.add(text, start..end);
            }
        }
        at = end;
    }
    out
}

/// Parses the file's items into `out` until one does not parse; returns
/// where that one starts (after the trivia before it), or `None` if every
/// item parsed.
fn run(file: FileId, text: &str, out: &mut ParsedFile) -> Option<usize> {
    // `items` accepts every text (as no items at all, if need be).
    let Some(items) = SpecParser::parse(Rule::items, text).ok().and_then(|mut p| p.next()) else {
        return Some(0);
    };
    let mut end = 0;
    for pair in items.into_inner() {
        match pair.as_rule() {
            Rule::EOI => return None,
            Rule::item => {
                end = pair.as_span().end();
                add_item(file, text, 0, pair, out);
            }
            _ => {}
        }
    }
    Some(Tokens::new(text, end).next().map_or(text.len(), |t| t.start))
}

/// Builds the tree of `pair`, an item pest parsed from `text[base..]`, into
/// `out`, its spans moved to the file's offsets.
fn add_item(file: FileId, text: &str, base: usize, pair: Pair<Rule>, out: &mut ParsedFile) {
    let range = base + pair.as_span().start()..base + pair.as_span().end();
    match item(file, pair) {
        Ok(mut it) => {
            shift_item(&mut it, base);
            out.file.items.push(it);
        }
        // A number too large, a reversed bit range: this item is lost.
        Err(mut d) => {
            shift_diagnostic(&mut d, base);
            out.errors.push(d);
            out.unparsed.add(text, range);
        }
    }
}

/// Where the item starting at `from` ends, for recovery: after the `;` or
/// `}` that ends it, or, if the `;` or `}` is missing, where a line starts
/// another item (see [`starts_item`]), leaving the `///` lines just above
/// that item to it. Always past the item's first token.
fn item_end(text: &str, from: usize) -> usize {
    let mut tokens = Tokens::new(text, from).peekable();
    let mut depth = 0usize;
    // Whether the item's first token, after its doc comments, was read.
    let mut head = false;
    // Where the `///` lines directly above the current line start.
    let mut docs_from = None;
    let mut prev_end = from;
    while let Some(t) = tokens.next() {
        let first_on_line = text[prev_end..t.start].contains('\n');
        prev_end = t.end;
        if t.kind == Kind::Doc {
            if !first_on_line {
                docs_from = None;
            } else if head && docs_from.is_none() {
                docs_from = Some(line_start(text, t.start));
            }
            continue;
        }
        if head && first_on_line && starts_item(text, t, depth, tokens.peek()) {
            return docs_from.unwrap_or_else(|| line_start(text, t.start));
        }
        docs_from = None;
        head = true;
        match t.kind {
            Kind::Punct(b'{') => depth += 1,
            Kind::Punct(b'}') if depth <= 1 => return t.end,
            Kind::Punct(b'}') => depth -= 1,
            Kind::Punct(b';') if depth == 0 => return t.end,
            _ => {}
        }
    }
    text.len()
}

/// Whether `t`, the first token on its line, starts an item: a keyword
/// that is not a member's name (`family: PF_INET;` is a member), at the top
/// level, or, inside a body whose `}` may be missing, at the start of the
/// line (members are indented, items are not).
fn starts_item(text: &str, t: Token, depth: usize, next: Option<&Token>) -> bool {
    t.kind == Kind::Word
        && (depth == 0 || line_start(text, t.start) == t.start)
        && next.is_none_or(|n| n.kind != Kind::Punct(b':'))
        && is_item_keyword(t.text(text))
}

/// Whether `word` is a keyword that starts an item, as the grammar says.
fn is_item_keyword(word: &str) -> bool {
    [Rule::keyword, Rule::kw_include, Rule::kw_const]
        .into_iter()
        .any(|rule| SpecParser::parse(rule, word).is_ok_and(|p| p.as_str().len() == word.len()))
}

// Moving a tree parsed from `text[by..]` to the file's positions. Each
// struct is taken apart whole, so a span added to the tree later does not
// compile until it is moved here too.

fn shift(span: &mut Span, by: usize) {
    span.start += by;
    span.end += by;
}

fn shift_diagnostic(d: &mut Diagnostic, by: usize) {
    for label in std::iter::once(&mut d.primary).chain(d.secondary.iter_mut()) {
        shift(&mut label.span, by);
    }
}

fn shift_item(item: &mut Item, by: usize) {
    let Item { docs: _, kind, span } = item;
    shift(span, by);
    match kind {
        ItemKind::Include { path: _, path_span } => shift(path_span, by),
        ItemKind::Const { name, value } => {
            shift_ident(name, by);
            shift_value(value, by);
        }
        ItemKind::Section(Section { keyword, name, at, ty, body }) => {
            shift_ident(keyword, by);
            name.iter_mut().for_each(|n| shift_ident(n, by));
            at.iter_mut().for_each(|v| shift_value(v, by));
            ty.iter_mut().for_each(|t| shift_ident(t, by));
            body.iter_mut().flatten().for_each(|m| shift_member(m, by));
        }
    }
}

fn shift_ident(ident: &mut Ident, by: usize) {
    let Ident { name: _, span } = ident;
    shift(span, by);
}

fn shift_member(member: &mut Member, by: usize) {
    let Member { docs: _, ty, name, params, bits, at, value, body, span } = member;
    ty.iter_mut().for_each(|t| shift_ident(t, by));
    shift_ident(name, by);
    if let Some(Params { var, space, span }) = params {
        shift_ident(var, by);
        shift_ident(space, by);
        shift(span, by);
    }
    if let Some(Bits { hi: _, lo: _, span }) = bits {
        shift(span, by);
    }
    at.iter_mut().chain(value.iter_mut()).for_each(|v| shift_value(v, by));
    body.iter_mut().flatten().for_each(|m| shift_member(m, by));
    shift(span, by);
}

fn shift_value(value: &mut Value, by: usize) {
    let Value { kind, span } = value;
    shift(span, by);
    match kind {
        ValueKind::List(items) => items.iter_mut().for_each(|v| shift_value(v, by)),
        ValueKind::Expr(e) => shift_expr(e, by),
        ValueKind::Str(_) | ValueKind::Int(_) | ValueKind::SectionId(_) | ValueKind::Path(_) => {}
    }
}

fn shift_expr(e: &mut Expr, by: usize) {
    let Expr { kind, span } = e;
    shift(span, by);
    match kind {
        ExprKind::Int(_) | ExprKind::Name(_) => {}
        ExprKind::Binary(_, a, b) => {
            shift_expr(a, by);
            shift_expr(b, by);
        }
        ExprKind::Cond(c, a, b) => {
            shift_expr(c, by);
            shift_expr(a, by);
            shift_expr(b, by);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The items recovery finds in `text`, as the text of each.
    fn items(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut at = 0;
        while let Some(t) = Tokens::new(text, at).next() {
            let end = item_end(text, t.start);
            out.push(text[t.start..end].trim_end());
            at = end;
        }
        out
    }

    #[test]
    fn an_item_ends_at_its_semicolon_or_closing_brace() {
        assert_eq!(
            items("const A = 1;\ninitcall a @ core { run: x::y; }\n/// doc\nresource B;"),
            ["const A = 1;", "initcall a @ core { run: x::y; }", "/// doc\nresource B;"]
        );
    }

    #[test]
    fn a_missing_semicolon_or_brace_ends_the_item_before_the_next_line_that_starts_one() {
        assert_eq!(items("resource A\n  resource B;"), ["resource A", "resource B;"]);
        assert_eq!(
            items("initcall a @ core {\n    run: x::y;\n/// doc\ninitcall b @ core { }"),
            ["initcall a @ core {\n    run: x::y;", "/// doc\ninitcall b @ core { }"]
        );
    }

    #[test]
    fn a_member_named_like_a_keyword_does_not_start_an_item() {
        // An indented keyword inside a body, or one followed by `:`.
        let text = "proto_ops o {\n    family PF_INET;\n    proto: p;\n}";
        assert_eq!(items(text), [text]);
        assert_eq!(items("family: 2;\nproto p;"), ["family: 2;", "proto p;"]);
    }

    #[test]
    fn every_name_an_unparsed_item_mentions_may_be_declared() {
        let mut u = Unparsed::default();
        let text = "initcall a @ core { provides: [X] /* Y */ \"Z\" 12 }";
        u.add(text, 0..text.len());
        for name in ["initcall", "a", "core", "provides", "X"] {
            assert!(u.may_declare(name), "{name}");
        }
        for name in ["Y", "Z", "12", "b"] {
            assert!(!u.may_declare(name), "{name}");
        }
        u.add("include \"x.ng\"", 0..7);
        assert!(u.may_declare("b"));
    }
}
