//! Bit fields of a register or of a descriptor word: `BSIZE [17:16] {
//! SZ_2048: 0; .. }`. Shared by `registers` and `descriptors`: inside the
//! word's width, no two overlapping, each named value fitting its field.

use super::{check_upper, Loc};
use crate::analyze::decls::Names;
use crate::diag::Diagnostic;
use crate::ir;
use crate::parse::ast::{Member, ValueKind};
use crate::source::Span;

/// A checked field with the spans its later checks point at.
pub(super) struct FieldDecl {
    pub ir: ir::Field,
    pub name_span: Span,
    pub bits_span: Span,
}

/// Reads the field `m` (a member with a bit range) of a `width`-bit word
/// called `owner`; `None` when it is not a field at all.
pub(super) fn field(m: &Member, width: u32, owner: &str, loc: &Loc, diags: &mut Vec<Diagnostic>) -> Option<FieldDecl> {
    let bits = m.bits.as_ref()?;
    check_upper(&m.name, "field", "BSIZE", diags);
    for (extra, what) in [
        (m.ty.as_ref().map(|t| t.span), "a type"),
        (m.params.as_ref().map(|p| p.span), "an index"),
        (m.at.as_ref().map(|a| a.span), "an `@`"),
        (m.value.as_ref().map(|v| v.span), "a value"),
    ] {
        if let Some(span) = extra {
            diags.push(
                Diagnostic::error(format!("field `{}` takes no {what}", m.name.name), span, "remove this").with_note(
                    "a field is `NAME [hi:lo];`, or `NAME [hi:lo] { VALUE_NAME: value; .. }` with named values",
                ),
            );
        }
    }
    if bits.hi >= u64::from(width) {
        diags.push(
            Diagnostic::error(
                format!("bit {} of field `{}` is outside the {width}-bit `{owner}`", bits.hi, m.name.name),
                bits.span,
                format!("`{owner}` has bits {} down to 0", width - 1),
            )
            .with_note(format!("`{owner}` is {width} bits wide: its fields lie within `[{}:0]`", width - 1)),
        );
        return None;
    }
    // Within `width` (at most 64), so both fit a u32.
    let (lo, hi) = (bits.lo as u32, bits.hi as u32);
    let width_bits = hi - lo + 1;
    let mut f = ir::Field {
        name: m.name.name.clone(),
        docs: m.docs.clone(),
        origin: loc(m.name.span),
        lo,
        width: width_bits,
        values: Vec::new(),
    };
    let mut names = Names::new("value name");
    let mut seen: Vec<(u64, Span, &str)> = Vec::new();
    for v in m.body.iter().flatten() {
        let Some(value) = named_value(v, &f, diags) else { continue };
        if !names.declare(&v.name, diags) {
            continue;
        }
        if let Some((_, first, first_name)) = seen.iter().find(|(n, _, _)| *n == value) {
            diags.push(
                Diagnostic::error(
                    format!("`{}` and `{first_name}` both name {value} in field `{}`", v.name.name, f.name),
                    v.name.span,
                    "named again here",
                )
                .with_label(*first, "first named here"),
            );
            continue;
        }
        seen.push((value, v.name.span, &v.name.name));
        f.values.push(ir::NamedValue {
            name: v.name.name.clone(),
            value,
            docs: v.docs.clone(),
            origin: loc(v.name.span),
        });
    }
    Some(FieldDecl { ir: f, name_span: m.name.span, bits_span: bits.span })
}

/// `SZ_2048: 0;` in the body of field `f`.
fn named_value(v: &Member, f: &ir::Field, diags: &mut Vec<Diagnostic>) -> Option<u64> {
    let example = "write `NAME: value;`, as in `SZ_2048: 0;`";
    if v.body.is_some() || v.bits.is_some() || v.at.is_some() || v.ty.is_some() || v.params.is_some() {
        diags.push(Diagnostic::error(
            format!("`{}` in field `{}` is not a named value", v.name.name, f.name),
            v.span,
            example,
        ));
        return None;
    }
    check_upper(&v.name, "value", "SZ_2048", diags);
    let Some(value) = &v.value else {
        diags.push(Diagnostic::error(format!("value `{}` has no number", v.name.name), v.name.span, example));
        return None;
    };
    let ValueKind::Int(n) = value.kind else {
        diags.push(Diagnostic::error(
            format!("value `{}` must be a number, found {}", v.name.name, value.kind.describe()),
            value.span,
            example,
        ));
        return None;
    };
    let max = u64::MAX >> (64 - f.width);
    if n > max {
        diags.push(
            Diagnostic::error(
                format!("value {n:#x} of `{}` does not fit field `{}`", v.name.name, f.name),
                value.span,
                format!("`{}` has {} bit{}: at most {max:#x}", f.name, f.width, if f.width == 1 { "" } else { "s" }),
            )
            .with_note("a named value is the field's own value, not shifted into place"),
        );
        return None;
    }
    Some(n)
}

/// Reports every field that overlaps an earlier one, and leaves it out.
pub(super) fn no_overlaps(fields: Vec<FieldDecl>, owner: &str, diags: &mut Vec<Diagnostic>) -> Vec<FieldDecl> {
    let mut names = Names::new("field");
    let mut kept: Vec<FieldDecl> = Vec::new();
    for f in fields {
        if !names.declare(&crate::parse::ast::Ident { name: f.ir.name.clone(), span: f.name_span }, diags) {
            continue;
        }
        if let Some(first) = kept.iter().find(|k| k.ir.mask() & f.ir.mask() != 0) {
            diags.push(
                Diagnostic::error(
                    format!("fields `{}` and `{}` of `{owner}` overlap", first.ir.name, f.ir.name),
                    f.bits_span,
                    format!("bits {}..={} of `{}`", f.ir.lo, f.ir.hi(), f.ir.name),
                )
                .with_label(
                    first.bits_span,
                    format!("bits {}..={} of `{}`", first.ir.lo, first.ir.hi(), first.ir.name),
                ),
            );
            continue;
        }
        kept.push(f);
    }
    kept
}
