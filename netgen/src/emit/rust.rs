//! The Rust the emitter writes from spec strings: identifiers and paths,
//! checked before anything is written.
//!
//! A name becomes an identifier only if it is one (ASCII, as the spec
//! grammar writes names, and not a keyword); a path (`run:`, a pernet or
//! table function, a state type) is parsed into [`RustPath`], the one model
//! both the text templates and the `quote!` emitters write paths from.
//! Anything else is an [`EmitError`] at the item it came from.

use std::collections::HashSet;
use std::fmt::Write;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::text::{Breakable, List};
use super::EmitError;
use crate::ir::{Ir, Location};

/// Why `name` is not a Rust identifier, if it is not one.
pub(crate) fn ident_error(name: &str) -> Option<String> {
    let mut chars = name.chars();
    let start_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !start_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Some(format!("`{name}` is not an identifier (a letter or `_`, then letters, digits and `_`)"));
    }
    if name == "_" {
        return Some("`_` is a pattern, not a name".to_string());
    }
    is_keyword(name).then(|| format!("`{name}` is a Rust keyword"))
}

/// The words `syn` refuses as identifiers: Rust's strict and reserved
/// keywords (2021 edition, the generated crate's).
fn is_keyword(s: &str) -> bool {
    matches!(
        s,
        "abstract"
            | "as"
            | "async"
            | "await"
            | "become"
            | "box"
            | "break"
            | "const"
            | "continue"
            | "crate"
            | "do"
            | "dyn"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "final"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "macro"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "override"
            | "priv"
            | "pub"
            | "ref"
            | "return"
            | "Self"
            | "self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "try"
            | "type"
            | "typeof"
            | "unsafe"
            | "unsized"
            | "use"
            | "virtual"
            | "where"
            | "while"
            | "yield"
    )
}

/// Keywords a path may start with when it is not made absolute (a generic
/// argument): `crate::X`, `self::X`, `super::X`, `Self`.
fn path_start_keyword(s: &str) -> bool {
    matches!(s, "crate" | "self" | "super" | "Self")
}

/// Checks every name the emitters write as a Rust identifier: the name of
/// every level, resource, initcall, pernet operation, table entry and
/// constant, and every name one of them refers to (a level, a resource, an
/// operation, a `proto`/`proto_ops` of a `protosw`, a `protosw` flag). A
/// name is reported once, at the first item that has it; declarations come
/// before references, so a bad name is reported where it is declared.
///
/// The emitters run only when this finds nothing, so they write names as
/// identifiers without checking them again.
pub(crate) fn check_names(ir: &Ir) -> Vec<EmitError> {
    let mut check = NameCheck { seen: HashSet::new(), errors: Vec::new() };
    for c in &ir.consts {
        check.name(&c.name, "constant", &c.origin);
    }
    for l in &ir.levels {
        check.name(&l.name, "level", &l.origin);
    }
    for r in &ir.resources {
        check.name(&r.name, "resource", &r.origin);
    }
    for c in &ir.initcalls {
        check.name(&c.name, "initcall", &c.origin);
    }
    for p in &ir.pernet {
        check.name(&p.name, "pernet operation", &p.origin);
    }
    let t = &ir.tables;
    let entries = (t.protos.iter().map(|e| (&e.name, "proto", &e.origin)))
        .chain(t.proto_ops.iter().map(|e| (&e.name, "proto_ops", &e.origin)))
        .chain(t.families.iter().map(|e| (&e.name, "family", &e.origin)))
        .chain(t.inet_protocols.iter().map(|e| (&e.name, "inet_protocol", &e.origin)))
        .chain(t.protosw.iter().map(|e| (&e.name, "protosw", &e.origin)))
        .chain(t.packet_types.iter().map(|e| (&e.name, "packet_type", &e.origin)));
    for (name, what, origin) in entries {
        check.name(name, what, origin);
    }
    // References: in an IR the analyzer built, every one is a name declared
    // above, so these report nothing new.
    for r in &ir.resources {
        check.name(&r.level, "level", &r.origin);
    }
    for c in &ir.initcalls {
        check.name(&c.level, "level", &c.origin);
        for r in c.requires.iter().chain(&c.provides) {
            check.name(r, "resource", &c.origin);
        }
        for o in &c.registers {
            check.name(o, "pernet operation", &c.origin);
        }
    }
    for p in &ir.pernet {
        for r in &p.requires {
            check.name(r, "resource", &p.origin);
        }
    }
    for p in &t.protosw {
        check.name(&p.prot, "proto", &p.origin);
        check.name(&p.ops, "proto_ops", &p.origin);
        for f in &p.flags {
            // Written as `INET_PROTOSW_{f}`.
            if let Some(why) = ident_error(&format!("INET_PROTOSW_{f}")) {
                check.errors.push(EmitError::at(
                    &p.origin,
                    format!("the `protosw` flag `{f}` cannot be written as a Rust constant: {why}"),
                    "the flags of this entry",
                ));
            }
        }
    }
    check.errors
}

struct NameCheck<'a> {
    seen: HashSet<&'a str>,
    errors: Vec<EmitError>,
}

impl<'a> NameCheck<'a> {
    fn name(&mut self, name: &'a str, what: &str, origin: &Location) {
        if !self.seen.insert(name) {
            return;
        }
        if let Some(why) = ident_error(name) {
            self.errors.push(
                EmitError::at(
                    origin,
                    format!("the {what} name `{name}` is not a Rust identifier: {why}"),
                    format!("netgen writes a Rust item named after this {what}"),
                )
                .with_note("rename it; a name in the spec is also a name in the generated crate"),
            );
        }
    }
}

/// A Rust path as the spec grammar writes one: `a::b::c`, optionally ending
/// in generic arguments that are paths themselves (`a::b::<c::D, E>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RustPath {
    segments: Vec<String>,
    args: Vec<RustPath>,
}

impl RustPath {
    /// Parses `text` (a leading `::` is allowed and dropped: the emitter
    /// decides whether a path is absolute). Every segment must be an
    /// identifier; only a generic argument may start with `crate`, `self`,
    /// `super` or `Self`. Spaces are allowed around the arguments.
    pub(crate) fn parse(text: &str) -> Result<RustPath, String> {
        let mut p = Parser { text, pos: 0 };
        p.eat("::");
        let path = p.path(false)?;
        p.skip_spaces();
        if p.pos < text.len() {
            return Err(format!("unexpected `{}` after the path", &text[p.pos..]));
        }
        Ok(path)
    }

    /// `super::pernet::{name}`: a path the emitter makes itself.
    pub(crate) fn local(segments: &[&str]) -> RustPath {
        RustPath { segments: segments.iter().map(|s| s.to_string()).collect(), args: Vec::new() }
    }

    /// The path as prettyplease prints it in an expression, absolute:
    /// `::a::b::<c::D<E>, F>`.
    pub(crate) fn absolute_expr(&self) -> String {
        let mut out = String::new();
        self.write_flat(&mut out, true, true);
        out
    }

    /// The path as prettyplease prints it in a type, absolute:
    /// `::a::B<c::D<E>, F>`.
    pub(crate) fn absolute_type(&self) -> String {
        let mut out = String::new();
        self.write_flat(&mut out, true, false);
        out
    }

    /// Like [`RustPath::absolute_expr`], not made absolute.
    pub(crate) fn relative_expr(&self) -> String {
        let mut out = String::new();
        self.write_flat(&mut out, false, true);
        out
    }

    fn write_flat(&self, out: &mut String, absolute: bool, expr: bool) {
        if absolute {
            out.push_str("::");
        }
        out.push_str(&self.segments.join("::"));
        if !self.args.is_empty() {
            out.push_str(if expr { "::<" } else { "<" });
            for (i, a) in self.args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                a.write_flat(out, false, false);
            }
            out.push('>');
        }
    }

    /// `prefix` and the path in an expression, absolute or not, as a
    /// [`Breakable`]: prettyplease may break its generic arguments one per
    /// line.
    pub(crate) fn expr_breakable(&self, prefix: &str, absolute: bool) -> Breakable {
        let mut head = String::from(prefix);
        if absolute {
            head.push_str("::");
        }
        head.push_str(&self.segments.join("::"));
        self.breakable(head, true)
    }

    fn breakable(&self, mut head: String, expr: bool) -> Breakable {
        if self.args.is_empty() {
            return Breakable::text(head);
        }
        if expr {
            head.push_str("::");
        }
        let items = self.args.iter().map(|a| a.breakable(a.segments.join("::"), false)).collect();
        Breakable { head, list: Some(List { open: "<", items, close: ">" }), tail: String::new() }
    }

    /// The path as tokens in an expression, absolute: `::a::b::<C>`.
    pub(crate) fn absolute_expr_tokens(&self) -> TokenStream {
        let segments = self.segments.iter().map(|s| format_ident!("{s}"));
        let args = self.arg_tokens(true);
        quote! { #(::#segments)* #args }
    }

    /// The path as tokens in a type, absolute: `::a::B<C>`.
    pub(crate) fn absolute_type_tokens(&self) -> TokenStream {
        let segments = self.segments.iter().map(|s| format_ident!("{s}"));
        let args = self.arg_tokens(false);
        quote! { #(::#segments)* #args }
    }

    fn relative_type_tokens(&self) -> TokenStream {
        let segments = self.segments.iter().map(|s| format_ident!("{s}"));
        let args = self.arg_tokens(false);
        quote! { #(#segments)::* #args }
    }

    fn arg_tokens(&self, expr: bool) -> TokenStream {
        if self.args.is_empty() {
            return TokenStream::new();
        }
        let args = self.args.iter().map(RustPath::relative_type_tokens);
        if expr {
            quote! { ::<#(#args),*> }
        } else {
            quote! { <#(#args),*> }
        }
    }
}

impl std::fmt::Display for RustPath {
    /// As the spec writes it: `a::b::<C, D>`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.relative_expr())
    }
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn eat(&mut self, s: &str) -> bool {
        let found = self.rest().starts_with(s);
        if found {
            self.pos += s.len();
        }
        found
    }

    fn skip_spaces(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start_matches([' ', '\t']).len();
    }

    fn segment(&mut self, keyword_ok: bool) -> Result<String, String> {
        let rest = self.rest();
        let len = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
        let word = &rest[..len];
        if word.is_empty() {
            return Err(match rest.chars().next() {
                Some(c) => format!("expected an identifier, found `{c}`"),
                None => "expected an identifier at the end".to_string(),
            });
        }
        if !(keyword_ok && path_start_keyword(word)) {
            if let Some(why) = ident_error(word) {
                return Err(why);
            }
        }
        self.pos += len;
        Ok(word.to_string())
    }

    /// `ident (:: ident)* ((::)?< path (, path)* >)?`; `generic`: the path
    /// is a generic argument, which may start with a path keyword.
    fn path(&mut self, generic: bool) -> Result<RustPath, String> {
        let mut segments = vec![self.segment(generic)?];
        let mut args = Vec::new();
        loop {
            if self.eat("::") {
                if self.eat("<") {
                    args = self.args()?;
                    break;
                }
                segments.push(self.segment(false)?);
            } else if self.eat("<") {
                args = self.args()?;
                break;
            } else {
                break;
            }
        }
        Ok(RustPath { segments, args })
    }

    fn args(&mut self) -> Result<Vec<RustPath>, String> {
        let mut args = Vec::new();
        loop {
            self.skip_spaces();
            args.push(self.path(true)?);
            self.skip_spaces();
            if self.eat(">") {
                return Ok(args);
            }
            if !self.eat(",") {
                return Err(match self.rest().chars().next() {
                    Some(c) => format!("expected `,` or `>` in the generic arguments, found `{c}`"),
                    None => "the generic arguments are not closed with `>`".to_string(),
                });
            }
        }
    }
}

/// Writes `names` as a doc list: `` `a`, `b` ``.
pub(crate) fn code_list<S: AsRef<str>>(names: &[S]) -> String {
    let mut out = String::new();
    for (i, n) in names.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "`{}`", n.as_ref());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse_as_the_grammar_writes_them_and_print_as_prettyplease_does() {
        let p = RustPath::parse("::rt::f::<a::B::<C,D>,  E>").unwrap();
        assert_eq!(p.absolute_expr(), "::rt::f::<a::B<C, D>, E>");
        assert_eq!(p.to_string(), "rt::f::<a::B<C, D>, E>");
        assert_eq!(p.absolute_type(), "::rt::f<a::B<C, D>, E>");
        assert_eq!(RustPath::parse("rt::f::<crate::X, Self>").unwrap().absolute_expr(), "::rt::f::<crate::X, Self>");
        let tokens = p.absolute_type_tokens();
        let ty: syn::Type = syn::parse2(tokens).unwrap();
        assert_eq!(quote!(#ty).to_string(), p.absolute_type_tokens().to_string());
    }

    #[test]
    fn what_is_not_a_path_says_why() {
        for (text, why) in [
            ("rt::fn", "`fn` is a Rust keyword"),
            ("crate::f", "`crate` is a Rust keyword"),
            ("rt::_", "`_` is a pattern, not a name"),
            ("rt::f::<fn>", "`fn` is a Rust keyword"),
            ("rt::f::<A", "the generic arguments are not closed with `>`"),
            ("rt::f::<A;B>", "expected `,` or `>` in the generic arguments, found `;`"),
            ("rt::", "expected an identifier at the end"),
            ("rt::f()", "unexpected `()` after the path"),
            ("rt::f g", "unexpected `g` after the path"),
            ("rt::\u{e9}", "expected an identifier, found `\u{e9}`"),
            ("", "expected an identifier at the end"),
        ] {
            assert_eq!(RustPath::parse(text).unwrap_err(), why, "{text}");
        }
    }

    #[test]
    fn every_keyword_syn_refuses_is_refused() {
        for word in ["fn", "type", "Self", "self", "crate", "super", "async", "try", "dyn", "yield", "_"] {
            assert!(ident_error(word).is_some(), "{word}");
            assert!(syn::parse_str::<syn::Ident>(word).is_err(), "{word}");
        }
        for word in ["union", "macro_rules", "raw", "gen", "r", "x1", "_x", "__"] {
            assert!(ident_error(word).is_none(), "{word}");
            assert!(syn::parse_str::<syn::Ident>(word).is_ok(), "{word}");
        }
    }
}
