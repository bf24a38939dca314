//! The syntax tree of a spec file. Nothing here is checked beyond syntax;
//! every node keeps its [`Span`].

use crate::source::Span;

/// A name with its span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// One parsed file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecFile {
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub docs: Vec<String>,
    pub kind: ItemKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ItemKind {
    /// `include "path";`
    Include { path: String, path_span: Span },
    /// `const NAME = VALUE;`
    Const { name: Ident, value: Value },
    /// `KEYWORD [NAME] [@ VALUE] [: TYPE] { .. }` or `... ;`
    Section(Section),
}

/// A section such as `initcall sock_init @ core { .. }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    pub keyword: Ident,
    pub name: Option<Ident>,
    pub at: Option<Value>,
    pub ty: Option<Ident>,
    /// `None` for a section ended by `;`.
    pub body: Option<Vec<Member>>,
}

/// A member of a section body: `provides: [A, B];`, `core @ 1;`, `SPEED [9:8];`,
/// `RDBAL(n: rx_queue) @ .. { .. }`, `u32 status_error @ 8 { .. }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub docs: Vec<String>,
    /// The type written before the name: `u32`, `union`.
    pub ty: Option<Ident>,
    pub name: Ident,
    pub params: Option<Params>,
    pub bits: Option<Bits>,
    pub at: Option<Value>,
    pub value: Option<Value>,
    pub body: Option<Vec<Member>>,
    pub span: Span,
}

/// `(n: rx_queue)`: the index of an array register and the index space it
/// ranges over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Params {
    pub var: Ident,
    pub space: Ident,
    pub span: Span,
}

/// A bit range `[hi:lo]` or a single bit `[n]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bits {
    pub hi: u64,
    pub lo: u64,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Value {
    pub kind: ValueKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValueKind {
    List(Vec<Value>),
    Str(String),
    Int(u64),
    /// A Linux initcall section id with the `s` suffix: `1s`.
    SectionId(String),
    /// `name`, `a::b::c`, or a path ending in generic arguments,
    /// `a::b::<c::D>`. Only a `name` (no `::`) is a plain identifier.
    Path(String),
    /// An expression with at least one operator: `n < 4 ? 0x02800 + n * 0x100 : 0x0C000 + n * 0x40`.
    Expr(Expr),
}

/// An expression as Linux's e1000_regs.h writes register offsets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExprKind {
    Int(u64),
    /// A name: the register's index, or a spec constant.
    Name(String),
    Binary(crate::ir::BinOp, Box<Expr>, Box<Expr>),
    /// `cond ? then : else`.
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
}

impl ValueKind {
    /// The identifier, if the value is a plain name (not a path).
    pub fn as_name(&self) -> Option<&str> {
        match self {
            ValueKind::Path(p) if !p.contains("::") => Some(p),
            _ => None,
        }
    }

    /// What the value is, for "expected X, found Y" messages.
    pub fn describe(&self) -> &'static str {
        match self {
            ValueKind::List(_) => "a list",
            ValueKind::Str(_) => "a string",
            ValueKind::Int(_) => "a number",
            ValueKind::SectionId(_) => "a section id",
            ValueKind::Path(p) if p.contains("::") => "a path",
            ValueKind::Path(_) => "a name",
            ValueKind::Expr(_) => "an expression",
        }
    }
}
