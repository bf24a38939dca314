//! Pass 1, parse: spec text to [`ast`], with spans, via the pest grammar in
//! `spec.pest`; [`load`] follows `include`s from the root file.

// A syntax error ends the parse of its file, so a large `Err` is built at most
// once per file; boxing it would buy nothing.
#![allow(clippy::result_large_err)]

pub mod ast;
mod load;
mod scan;

use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;
use pest::Parser as _;

use crate::diag::Diagnostic;
use crate::source::{FileId, Span};
use ast::*;

pub use load::{load, load_str, Loaded};

#[derive(pest_derive::Parser)]
#[grammar = "parse/spec.pest"]
struct SpecParser;

/// Parses one file's text. A syntax error stops that file (pest does not
/// recover) and comes back as one diagnostic at the failing position; so
/// does text past one of the [`crate::limits`], found before pest runs.
pub fn parse_file(file: FileId, text: &str) -> Result<SpecFile, Diagnostic> {
    scan::check(file, text)?;
    let mut pairs = SpecParser::parse(Rule::spec, text).map_err(|e| syntax_error(file, text, e))?;
    let spec = pairs.next().expect("the spec rule always produces one pair");
    let mut items = Vec::new();
    for pair in spec.into_inner() {
        if pair.as_rule() == Rule::item {
            items.push(item(file, pair)?);
        }
    }
    Ok(SpecFile { items })
}

fn span(file: FileId, pair: &Pair<Rule>) -> Span {
    let s = pair.as_span();
    Span::new(file, s.start(), s.end())
}

fn ident(file: FileId, pair: Pair<Rule>) -> Ident {
    Ident { name: pair.as_str().to_string(), span: span(file, &pair) }
}

fn item(file: FileId, pair: Pair<Rule>) -> Result<Item, Diagnostic> {
    let item_span = span(file, &pair);
    let mut docs = Vec::new();
    let mut kind = None;
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::doc => docs.push(doc_text(p)),
            Rule::include => {
                let s = p.into_inner().find(|p| p.as_rule() == Rule::string).expect("grammar: include has a string");
                kind = Some(ItemKind::Include { path: unescape(&s), path_span: span(file, &s) });
            }
            Rule::constant => {
                let mut name = None;
                let mut value_ = None;
                for c in p.into_inner() {
                    match c.as_rule() {
                        Rule::ident => name = Some(ident(file, c)),
                        Rule::value => value_ = Some(value(file, c)?),
                        _ => {}
                    }
                }
                kind = Some(ItemKind::Const {
                    name: name.expect("grammar: const has a name"),
                    value: value_.expect("grammar: const has a value"),
                });
            }
            Rule::section => kind = Some(ItemKind::Section(section(file, p)?)),
            _ => {}
        }
    }
    Ok(Item { docs, kind: kind.expect("grammar: an item has a kind"), span: item_span })
}

fn doc_text(pair: Pair<Rule>) -> String {
    let text = pair.into_inner().next().map_or("", |p| p.as_str());
    text.strip_prefix(' ').unwrap_or(text).trim_end().to_string()
}

fn section(file: FileId, pair: Pair<Rule>) -> Result<Section, Diagnostic> {
    let mut s = Section { keyword: ident(file, pair.clone()), name: None, at: None, ty: None, body: None };
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::keyword => s.keyword = ident(file, p),
            Rule::ident => s.name = Some(ident(file, p)),
            Rule::at => s.at = Some(at(file, p)?),
            Rule::type_ann => s.ty = Some(type_ann(file, p)),
            Rule::body => s.body = Some(body(file, p)?),
            _ => {}
        }
    }
    Ok(s)
}

fn at(file: FileId, pair: Pair<Rule>) -> Result<Value, Diagnostic> {
    let v = pair.into_inner().find(|p| p.as_rule() == Rule::value).expect("grammar: @ has a value");
    value(file, v)
}

fn type_ann(file: FileId, pair: Pair<Rule>) -> Ident {
    let p = pair.into_inner().find(|p| p.as_rule() == Rule::path).expect("grammar: : has a path");
    ident(file, p)
}

fn body(file: FileId, pair: Pair<Rule>) -> Result<Vec<Member>, Diagnostic> {
    pair.into_inner().filter(|p| p.as_rule() == Rule::member).map(|p| member(file, p)).collect()
}

fn member(file: FileId, pair: Pair<Rule>) -> Result<Member, Diagnostic> {
    let member_span = span(file, &pair);
    let mut docs = Vec::new();
    let (mut name, mut bits_, mut at_, mut value_, mut body_) = (None, None, None, None, None);
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::doc => docs.push(doc_text(p)),
            Rule::ident => name = Some(ident(file, p)),
            Rule::bits => bits_ = Some(bits(file, p)?),
            Rule::at => at_ = Some(at(file, p)?),
            Rule::value => value_ = Some(value(file, p)?),
            Rule::body => body_ = Some(body(file, p)?),
            _ => {}
        }
    }
    Ok(Member {
        docs,
        name: name.expect("grammar: a member has a name"),
        bits: bits_,
        at: at_,
        value: value_,
        body: body_,
        span: member_span,
    })
}

fn bits(file: FileId, pair: Pair<Rule>) -> Result<Bits, Diagnostic> {
    let sp = span(file, &pair);
    let nums: Vec<u64> =
        pair.into_inner().filter(|p| p.as_rule() == Rule::int).map(|p| int(file, &p)).collect::<Result<_, _>>()?;
    let (hi, lo) = match nums[..] {
        [n] => (n, n),
        [hi, lo] => (hi, lo),
        _ => unreachable!("grammar: bits has one or two numbers"),
    };
    if hi < lo {
        return Err(Diagnostic::error(
            format!("bit range `[{hi}:{lo}]` is reversed"),
            sp,
            "write the high bit first, as in `[9:8]`",
        ));
    }
    Ok(Bits { hi, lo, span: sp })
}

fn int(file: FileId, pair: &Pair<Rule>) -> Result<u64, Diagnostic> {
    let text = pair.as_str().replace('_', "");
    let parsed = if let Some(hex) = text.strip_prefix("0x") {
        u64::from_str_radix(hex, 16)
    } else if let Some(bin) = text.strip_prefix("0b") {
        u64::from_str_radix(bin, 2)
    } else {
        text.parse()
    };
    parsed.map_err(|_| Diagnostic::error("number does not fit in 64 bits", span(file, pair), "too large"))
}

fn value(file: FileId, pair: Pair<Rule>) -> Result<Value, Diagnostic> {
    let sp = span(file, &pair);
    let inner = pair.into_inner().next().expect("grammar: a value has one alternative");
    let kind = match inner.as_rule() {
        Rule::list => ValueKind::List(
            inner
                .into_inner()
                .filter(|p| p.as_rule() == Rule::value)
                .map(|p| value(file, p))
                .collect::<Result<_, _>>()?,
        ),
        Rule::string => ValueKind::Str(unescape(&inner)),
        Rule::int => ValueKind::Int(int(file, &inner)?),
        Rule::section_id => ValueKind::SectionId(inner.as_str().to_string()),
        Rule::path => ValueKind::Path(inner.as_str().to_string()),
        r => unreachable!("grammar: unexpected value rule {r:?}"),
    };
    Ok(Value { kind, span: sp })
}

fn unescape(pair: &Pair<Rule>) -> String {
    let raw = pair.clone().into_inner().next().map_or("", |p| p.as_str());
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A pest error as a diagnostic that names tokens the way a user writes them.
fn syntax_error(file: FileId, text: &str, e: pest::error::Error<Rule>) -> Diagnostic {
    let pos = match e.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    // Underline the whole offending word, or the one character.
    let word = text[pos..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').map(char::len_utf8).sum::<usize>();
    let end = pos + if word > 0 { word } else { text[pos..].chars().next().map_or(0, char::len_utf8) };
    let found = match text[pos..].chars().next() {
        None => "end of file".to_string(),
        Some(c) if c.is_whitespace() => "whitespace".to_string(),
        Some(_) => {
            let tok: String = text[pos..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if tok.is_empty() {
                format!("`{}`", text[pos..].chars().next().unwrap_or(' '))
            } else {
                format!("`{tok}`")
            }
        }
    };
    let expected = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            let mut names: Vec<&str> = positives.iter().map(|r| rule_name(*r)).collect();
            names.sort_unstable();
            names.dedup();
            names
        }
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    let label = match expected.len() {
        0 => "unexpected here".to_string(),
        1 => format!("expected {}", expected[0]),
        n => format!("expected {} or {}", expected[..n - 1].join(", "), expected[n - 1]),
    };
    Diagnostic::error(format!("syntax error: unexpected {found}"), Span::new(file, pos, end), label)
}

/// The name a user knows a grammar rule by.
fn rule_name(rule: Rule) -> &'static str {
    match rule {
        Rule::item
        | Rule::include
        | Rule::constant
        | Rule::section
        | Rule::keyword
        | Rule::kw_include
        | Rule::kw_const => "an item (`include`, `const`, `levels`, `resource`, `initcall`, ...)",
        Rule::doc | Rule::doc_text => "a `///` doc comment",
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
        Rule::spec | Rule::WHITESPACE | Rule::COMMENT => "an item",
    }
}
