//! Pass 1, parse: spec text to [`ast`], with spans, via the pest grammar in
//! `spec.pest`; `recover` parses a file item by item so that a syntax error
//! costs only its item, `syntax` words syntax errors, [`load`] follows
//! `include`s from the root file.

// A malformed item ends the building of that item, so a large `Err` is built
// at most once per item; boxing it would buy nothing.
#![allow(clippy::result_large_err)]

pub mod ast;
mod load;
mod recover;
mod scan;
mod syntax;
mod tokens;

use pest::iterators::Pair;

use crate::diag::Diagnostic;
use crate::ir::BinOp;
use crate::source::{FileId, Span};
use ast::*;

pub use load::{load, load_str, Loaded};
pub use recover::{parse_file, ParsedFile, Unparsed};

#[derive(pest_derive::Parser)]
#[grammar = "parse/spec.pest"]
struct SpecParser;

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
    let (mut ty, mut params_) = (None, None);
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::doc => docs.push(doc_text(p)),
            Rule::member_type => ty = Some(ident(file, p)),
            Rule::params => params_ = Some(params(file, p)),
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
        ty,
        name: name.expect("grammar: a member has a name"),
        params: params_,
        bits: bits_,
        at: at_,
        value: value_,
        body: body_,
        span: member_span,
    })
}

fn params(file: FileId, pair: Pair<Rule>) -> Params {
    let sp = span(file, &pair);
    let mut names = pair.into_inner().filter(|p| p.as_rule() == Rule::ident).map(|p| ident(file, p));
    let var = names.next().expect("grammar: params have a name");
    let space = names.next().expect("grammar: params have an index space");
    Params { var, space, span: sp }
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
        Rule::expr => {
            let t = inner.into_inner().next().expect("grammar: an expression is a ternary");
            ValueKind::Expr(expr(file, t)?)
        }
        r => unreachable!("grammar: unexpected value rule {r:?}"),
    };
    Ok(Value { kind, span: sp })
}

/// One of the expression rules (`ternary` down to `operand`) as an [`Expr`].
/// Binary operators of one level associate to the left, as in C.
fn expr(file: FileId, pair: Pair<Rule>) -> Result<Expr, Diagnostic> {
    let sp = span(file, &pair);
    let rule = pair.as_rule();
    let mut inner = pair.into_inner().filter(|p| !matches!(p.as_rule(), Rule::lparen | Rule::rparen));
    match rule {
        Rule::operand => {
            let p = inner.next().expect("grammar: an operand has one part");
            match p.as_rule() {
                Rule::int => Ok(Expr { kind: ExprKind::Int(int(file, &p)?), span: sp }),
                Rule::ident => Ok(Expr { kind: ExprKind::Name(p.as_str().to_string()), span: sp }),
                _ => expr(file, p),
            }
        }
        Rule::ternary => {
            let cond = expr(file, inner.next().expect("grammar: a ternary has a condition"))?;
            let rest: Vec<Pair<Rule>> =
                inner.filter(|p| !matches!(p.as_rule(), Rule::question | Rule::colon)).collect();
            match <[_; 2]>::try_from(rest) {
                Ok([a, b]) => Ok(Expr {
                    kind: ExprKind::Cond(Box::new(cond), Box::new(expr(file, a)?), Box::new(expr(file, b)?)),
                    span: sp,
                }),
                Err(_) => Ok(cond),
            }
        }
        _ => {
            let mut acc = expr(file, inner.next().expect("grammar: an operation has a first operand"))?;
            while let (Some(op), Some(rhs)) = (inner.next(), inner.next()) {
                let op = match op.as_str() {
                    "*" => BinOp::Mul,
                    "+" => BinOp::Add,
                    "-" => BinOp::Sub,
                    "<<" => BinOp::Shl,
                    "<" => BinOp::Lt,
                    "<=" => BinOp::Le,
                    ">" => BinOp::Gt,
                    ">=" => BinOp::Ge,
                    "==" => BinOp::Eq,
                    "!=" => BinOp::Ne,
                    o => unreachable!("grammar: unexpected operator {o}"),
                };
                let rhs = expr(file, rhs)?;
                let span = Span::new(file, acc.span.start, rhs.span.end);
                acc = Expr { kind: ExprKind::Binary(op, Box::new(acc), Box::new(rhs)), span };
            }
            Ok(acc)
        }
    }
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
