//! `descriptors igb { .. }`: DMA descriptors as Linux declares them, a
//! union of views (`union e1000_adv_rx_desc { read { .. } wb { .. } }`) or
//! one struct, each member a little-endian integer at a byte offset
//! (`u32 status_error @ 8 { DD [0]; .. }`), a struct of members, or a
//! `union` of them.
//!
//! Checked: every integer naturally aligned and inside the descriptor; the
//! members of a struct apart (a union's may overlap: that is what it is
//! for); each view covering exactly the descriptor's declared size; bit
//! fields within their integer (see `fields.rs`).

use super::expr::{self, Scope};
use super::fields;
use super::{check_lower, Loc};
use crate::analyze::decls::{ConstDecl, Names};
use crate::diag::Diagnostic;
use crate::ir::{self, DescKind, DescMember};
use crate::parse::ast::{Ident, Member};
use crate::source::Span;

/// The largest descriptor, in bytes (the 82576's are 16).
const MAX_DESCRIPTOR_BYTES: u64 = 4096;

/// An integer of a view, for the overlap and coverage checks.
#[derive(Clone)]
struct Leaf {
    path: String,
    start: u64,
    end: u64,
    span: Span,
}

/// A member with the spans its checks point at, alongside its IR.
struct Node {
    ir: DescMember,
    /// The name's span; for an integer, the `@ BYTE` is `at`.
    name: Span,
    at: Option<Span>,
    children: Vec<Node>,
}

/// Reads one `descriptors NETDEV { .. }` block.
pub(super) fn block(
    body: &[Member],
    consts: &[ConstDecl],
    out: &mut Vec<ir::Descriptor>,
    loc: &Loc,
    diags: &mut Vec<Diagnostic>,
) {
    let mut names = Names::new("descriptor");
    for m in body {
        let known = out.iter().any(|d| d.name == m.name.name);
        if let Some(d) = descriptor(m, consts, loc, diags) {
            if known {
                diags.push(Diagnostic::error(
                    format!("duplicate descriptor `{}`", m.name.name),
                    m.name.span,
                    "declared again here (first in another `descriptors` block)",
                ));
            } else if names.declare(&m.name, diags) {
                out.push(d);
            }
        }
    }
}

fn descriptor(m: &Member, consts: &[ConstDecl], loc: &Loc, diags: &mut Vec<Diagnostic>) -> Option<ir::Descriptor> {
    let name = &m.name;
    let union = match m.ty.as_ref().map(|t| t.name.as_str()) {
        None => false,
        Some("union") => true,
        Some(_) => {
            diags.push(Diagnostic::error(
                format!("descriptor `{}` is a struct or a `union`, not an integer", name.name),
                m.ty.as_ref().map_or(name.span, |t| t.span),
                "write `union NAME { .. }` or `NAME { .. }`",
            ));
            return None;
        }
    };
    let lower = check_lower(name, "descriptor", "e1000_adv_rx_desc", diags);
    for (extra, what) in [
        (m.params.as_ref().map(|p| p.span), "an index"),
        (m.bits.as_ref().map(|b| b.span), "a bit range"),
        (m.at.as_ref().map(|a| a.span), "an `@`"),
    ] {
        if let Some(span) = extra {
            diags.push(Diagnostic::error(format!("descriptor `{}` takes no {what}", name.name), span, "remove this"));
        }
    }
    let Some(body) = &m.body else {
        diags.push(Diagnostic::error(
            format!("descriptor `{}` needs a body", name.name),
            m.span,
            "expected `{ size: 16; .. }`",
        ));
        return None;
    };
    let mut size = None;
    let mut nodes = Vec::new();
    let scope = Scope { index: None, consts };
    let mut names = Names::new("member");
    for mm in body {
        if mm.name.name == "size" && mm.ty.is_none() && mm.body.is_none() {
            let Some(v) = mm.value.as_ref() else { continue };
            match expr::number(v, &scope, "the size of a descriptor", diags).and_then(|e| e.eval(0)) {
                Some(s) if (1..=MAX_DESCRIPTOR_BYTES).contains(&s) => size = Some((s, v.span)),
                Some(s) => diags.push(Diagnostic::error(
                    format!("descriptor size {s} is not from 1 to {MAX_DESCRIPTOR_BYTES} bytes"),
                    v.span,
                    "in bytes: the 82576's descriptors have 16",
                )),
                None => {}
            }
            continue;
        }
        if let Some(node) = member(mm, "", consts, loc, diags) {
            if names.declare(&mm.name, diags) {
                nodes.push(node);
            }
        }
    }
    let Some((size, size_span)) = size else {
        diags.push(Diagnostic::error(
            format!("descriptor `{}` has no `size`", name.name),
            name.span,
            "add `size: 16;` (in bytes)",
        ));
        return None;
    };
    let mut ok = lower;
    // Inside the descriptor.
    let all: Vec<Leaf> = nodes.iter().flat_map(|n| leaves(n, &n.ir.name)).collect();
    for l in &all {
        if l.end > size {
            diags.push(
                Diagnostic::error(
                    format!("`{}` ends at byte {}, past the {size}-byte `{}`", l.path, l.end, name.name),
                    l.span,
                    format!("bytes {}..{}", l.start, l.end),
                )
                .with_label(size_span, "the size"),
            );
            ok = false;
        }
    }
    // Structs' members apart, at every level.
    if !union {
        ok &= apart(&nodes, "", &name.name, diags);
    }
    for n in &nodes {
        ok &= nested_apart(n, &n.ir.name, diags);
    }
    // Each view covers the descriptor: each member of a union, or the
    // struct as a whole.
    if ok {
        if union {
            for n in &nodes {
                ok &= covers(&n.ir.name, &leaves(n, &n.ir.name), n.name, size, &name.name, diags);
            }
        } else {
            ok &= covers(&name.name, &all, name.span, size, &name.name, diags);
        }
    }
    // An integer with bit fields becomes a type named after it.
    let mut types = Names::new("descriptor integer with bit fields");
    let mut with_fields = Vec::new();
    for n in &nodes {
        typed(n, &mut with_fields);
    }
    for ident in with_fields {
        ok &= types.declare(&ident, diags);
    }
    ok.then(|| ir::Descriptor {
        name: name.name.clone(),
        docs: m.docs.clone(),
        origin: loc(name.span),
        size,
        union,
        members: nodes.into_iter().map(|n| n.ir).collect(),
    })
}

/// The integers under `n` that have bit fields.
fn typed(n: &Node, out: &mut Vec<Ident>) {
    if let DescKind::Field { fields, .. } = &n.ir.kind {
        if !fields.is_empty() {
            out.push(Ident { name: n.ir.name.clone(), span: n.name });
        }
    }
    for c in &n.children {
        typed(c, out);
    }
}

/// One member: `u32 name @ 8 { BITS }`, `name { .. }` or `union name { .. }`.
fn member(m: &Member, prefix: &str, consts: &[ConstDecl], loc: &Loc, diags: &mut Vec<Diagnostic>) -> Option<Node> {
    check_lower(&m.name, "descriptor member", "status_error", diags);
    let path = if prefix.is_empty() { m.name.name.clone() } else { format!("{prefix}.{}", m.name.name) };
    if let Some(p) = &m.params {
        diags.push(Diagnostic::error(format!("`{path}` takes no index"), p.span, "remove this"));
    }
    if let Some(b) = &m.bits {
        diags.push(
            Diagnostic::error(format!("`{path}` takes no bit range"), b.span, "remove this")
                .with_note("an integer member is `u32 name @ BYTE;`; its bit fields go in its body"),
        );
    }
    if let Some(v) = &m.value {
        diags.push(
            Diagnostic::error(format!("`{path}` takes no value"), v.span, "remove this")
                .with_note("an integer member is `u32 name @ BYTE;`, a group `name { .. }`"),
        );
    }
    let bits = match m.ty.as_ref().map(|t| t.name.as_str()) {
        Some("u8") => 8,
        Some("u16") => 16,
        Some("u32") => 32,
        Some("u64") => 64,
        group => {
            if let Some(at) = &m.at {
                diags.push(
                    Diagnostic::error(format!("group `{path}` takes no `@`"), at.span, "remove this")
                        .with_note("its integers give their own byte offsets"),
                );
            }
            let Some(body) = &m.body else {
                diags.push(Diagnostic::error(
                    format!("`{path}` has no type and no members"),
                    m.name.span,
                    "write `u32 name @ BYTE;` for an integer, or `name { .. }` for a struct of members",
                ));
                return None;
            };
            let mut names = Names::new("member");
            let mut children = Vec::new();
            for mm in body {
                if let Some(x) = member(mm, &path, consts, loc, diags) {
                    if names.declare(&mm.name, diags) {
                        children.push(x);
                    }
                }
            }
            let inner = children.iter().map(|c| c.ir.clone()).collect();
            let kind = if group == Some("union") { DescKind::Union(inner) } else { DescKind::Struct(inner) };
            return Some(Node {
                ir: DescMember { name: m.name.name.clone(), docs: m.docs.clone(), origin: loc(m.name.span), kind },
                name: m.name.span,
                at: None,
                children,
            });
        }
    };
    let Some(at) = &m.at else {
        diags.push(Diagnostic::error(
            format!("`{path}` has no byte offset"),
            m.name.span,
            "write `@ BYTE` after the name: the offset from the descriptor's start",
        ));
        return None;
    };
    let scope = Scope { index: None, consts };
    let offset = expr::number(at, &scope, &format!("the offset of `{path}`"), diags)?.eval(0)?;
    let bytes = u64::from(bits / 8);
    if offset % bytes != 0 {
        diags.push(
            Diagnostic::error(
                format!("`{path}` at byte {offset} is not aligned"),
                at.span,
                format!("a u{bits} sits at a multiple of {bytes} bytes"),
            )
            .with_note(
                "Linux's descriptor structs have no padding and no packed members: each integer is naturally aligned",
            ),
        );
        return None;
    }
    let mut decls = Vec::new();
    for f in m.body.iter().flatten() {
        if f.bits.is_none() {
            diags.push(Diagnostic::error(
                format!("`{}` in `{path}` is not a bit field", f.name.name),
                f.name.span,
                "a bit field needs its bits: `NAME [hi:lo];`",
            ));
            continue;
        }
        if let Some(fd) = fields::field(f, bits, &path, loc, diags) {
            decls.push(fd);
        }
    }
    let fields = fields::no_overlaps(decls, &path, diags).into_iter().map(|f| f.ir).collect();
    Some(Node {
        ir: DescMember {
            name: m.name.name.clone(),
            docs: m.docs.clone(),
            origin: loc(m.name.span),
            kind: DescKind::Field { offset, bits, fields },
        },
        name: m.name.span,
        at: Some(at.span),
        children: Vec::new(),
    })
}

/// The integers under `n`, with paths starting at `path`.
fn leaves(n: &Node, path: &str) -> Vec<Leaf> {
    match &n.ir.kind {
        DescKind::Field { offset, bits, .. } => vec![Leaf {
            path: path.to_string(),
            start: *offset,
            end: offset + u64::from(bits / 8),
            span: n.at.unwrap_or(n.name),
        }],
        DescKind::Struct(_) | DescKind::Union(_) => {
            n.children.iter().flat_map(|c| leaves(c, &format!("{path}.{}", c.ir.name))).collect()
        }
    }
}

/// The members of a struct (`owner`, its path `prefix`) do not share a byte.
fn apart(members: &[Node], prefix: &str, owner: &str, diags: &mut Vec<Diagnostic>) -> bool {
    let path = |n: &Node| if prefix.is_empty() { n.ir.name.clone() } else { format!("{prefix}.{}", n.ir.name) };
    let sets: Vec<Vec<Leaf>> = members.iter().map(|m| leaves(m, &path(m))).collect();
    for (i, a) in sets.iter().enumerate() {
        for b in &sets[..i] {
            for la in a {
                if let Some(lb) = b.iter().find(|lb| lb.start < la.end && la.start < lb.end) {
                    diags.push(
                        Diagnostic::error(
                            format!("`{}` and `{}` of `{owner}` overlap", lb.path, la.path),
                            la.span,
                            format!("bytes {}..{}", la.start, la.end),
                        )
                        .with_label(lb.span, format!("bytes {}..{}", lb.start, lb.end))
                        .with_note("the members of a struct are apart; write `union NAME { .. }` for alternatives"),
                    );
                    return false;
                }
            }
        }
    }
    true
}

/// [`apart`] for every struct nested in `n` (at `path`).
fn nested_apart(n: &Node, path: &str, diags: &mut Vec<Diagnostic>) -> bool {
    let mut ok = match &n.ir.kind {
        DescKind::Field { .. } => return true,
        DescKind::Struct(_) => apart(&n.children, path, path, diags),
        DescKind::Union(_) => true,
    };
    for c in &n.children {
        ok &= nested_apart(c, &format!("{path}.{}", c.ir.name), diags);
    }
    ok
}

/// A view covers every byte of the descriptor.
fn covers(view: &str, leaves: &[Leaf], span: Span, size: u64, desc: &str, diags: &mut Vec<Diagnostic>) -> bool {
    let mut covered = vec![false; size as usize];
    for l in leaves {
        for b in l.start..l.end.min(size) {
            covered[b as usize] = true;
        }
    }
    let Some(first) = covered.iter().position(|c| !c) else { return true };
    let end = covered[first..].iter().position(|c| *c).map_or(size as usize, |e| first + e);
    diags.push(
        Diagnostic::error(
            format!("view `{view}` of `{desc}` leaves bytes {first}..{end} uncovered"),
            span,
            format!("covers {} of the {size} bytes", covered.iter().filter(|c| **c).count()),
        )
        .with_note(format!(
            "each view of a descriptor covers exactly its {size} bytes: declare the bytes it leaves out \
             (as Linux's `__le64 rsvd;`)"
        )),
    );
    false
}
