//! `registers igb { .. }`: a NIC's register map.
//!
//! A register is `NAME @ OFFSET { access: ..; reset: ..; FIELD [hi:lo]; .. }`;
//! an array register `NAME(n: rx_queue) @ <expression of n> { .. }`, its
//! offset written as Linux's e1000_regs.h writes it; a 64-bit counter
//! `NAME: [LOW, HIGH];`. Checked here: offsets 4-byte aligned and unique
//! over every instance of every register, reset values within 32 bits and
//! naming one of a field's values where the field names them, fields within
//! the register and apart, a counter's halves adjacent clear-on-read
//! registers.

use std::collections::HashMap;

use super::expr::{self, Scope};
use super::fields::{self, FieldDecl};
use super::{check_upper, Loc};
use crate::analyze::decls::{unknown_field, ConstDecl, Names};
use crate::analyze::suggest::closest;
use crate::diag::Diagnostic;
use crate::ir::{self, Access};
use crate::parse::ast::{Ident, Member, ValueKind};
use crate::source::Span;

/// A register is 32 bits wide.
const REGISTER_BITS: u32 = 32;

/// The largest register offset: the 82576's register BAR is 128 KiB; a
/// window of 32-bit offsets is far beyond any NIC's.
const MAX_OFFSET: u64 = u32::MAX as u64 - 3;

const REGISTER_FIELDS: &[&str] = &["access", "reset", "fields"];

/// The registers of one netdev, as its blocks are read.
#[derive(Default)]
pub(super) struct Map {
    registers: Vec<RegDecl>,
    pairs: Vec<PairDecl>,
}

struct RegDecl {
    ir: ir::Register,
    name_span: Span,
    offset_span: Span,
    reset_span: Span,
    fields: Vec<FieldDecl>,
    fields_of: Option<Ident>,
}

struct PairDecl {
    name: Ident,
    low: Ident,
    high: Ident,
    docs: Vec<String>,
}

/// Reads one `registers NETDEV { .. }` block into `map`.
pub(super) fn block(
    body: &[Member],
    spaces: &[(Ident, ir::IndexSpace)],
    consts: &[ConstDecl],
    map: &mut Map,
    loc: &Loc,
    diags: &mut Vec<Diagnostic>,
) {
    for m in body {
        if m.value.is_some() && m.body.is_none() && m.params.is_none() && m.at.is_none() {
            if let Some(p) = pair(m, diags) {
                map.pairs.push(p);
            }
            continue;
        }
        if let Some(r) = register(m, spaces, consts, loc, diags) {
            map.registers.push(r);
        }
    }
}

/// `GORC: [GORCL, GORCH];`.
fn pair(m: &Member, diags: &mut Vec<Diagnostic>) -> Option<PairDecl> {
    check_upper(&m.name, "counter", "GORC", diags);
    let example = format!("write `{}: [LOW, HIGH];`, as in `GORC: [GORCL, GORCH];`", m.name.name);
    let v = m.value.as_ref()?;
    let halves: Vec<Ident> = match &v.kind {
        ValueKind::List(items) => {
            items.iter().filter_map(|i| i.kind.as_name().map(|n| Ident { name: n.to_string(), span: i.span })).collect()
        }
        _ => Vec::new(),
    };
    let [low, high] = <[Ident; 2]>::try_from(halves).ok().or_else(|| {
        diags.push(
            Diagnostic::error(
                format!("64-bit counter `{}` needs its two halves, low then high", m.name.name),
                v.span,
                example.clone(),
            )
            .with_note("a register is `NAME @ OFFSET { access: ..; }`; `NAME: [LOW, HIGH];` is a 64-bit counter"),
        );
        None
    })?;
    Some(PairDecl { name: m.name.clone(), low, high, docs: m.docs.clone() })
}

fn register(
    m: &Member,
    spaces: &[(Ident, ir::IndexSpace)],
    consts: &[ConstDecl],
    loc: &Loc,
    diags: &mut Vec<Diagnostic>,
) -> Option<RegDecl> {
    let name = &m.name;
    let upper = check_upper(name, "register", "RCTL", diags);
    if let Some(ty) = &m.ty {
        diags.push(
            Diagnostic::error(format!("register `{}` takes no type", name.name), ty.span, "remove this")
                .with_note("every register is 32 bits; types belong to descriptor fields"),
        );
    }
    if let Some(b) = &m.bits {
        diags.push(
            Diagnostic::error(format!("register `{}` takes no bit range", name.name), b.span, "remove this")
                .with_note("bit ranges are its fields': `RCTL @ 0x00100 { access: rw; EN [1]; }`"),
        );
    }
    // The index: `(n: rx_queue)`.
    let mut index = None;
    if let Some(p) = &m.params {
        match spaces.iter().find(|(s, _)| s.name == p.space.name) {
            Some((_, space)) => index = Some((p.var.name.clone(), space.clone())),
            None => {
                let mut d = Diagnostic::error(
                    format!("unknown index space `{}`", p.space.name),
                    p.space.span,
                    "not declared in the `netdev` section",
                )
                .with_note(format!("declare its count in the netdev: `{}: 16;`", p.space.name))
                .assuming_absent(&p.space.name);
                if let Some(s) = closest(&p.space.name, spaces.iter().map(|(s, _)| s.name.as_str())) {
                    d = d.with_note(format!("did you mean `{s}`?"));
                }
                diags.push(d);
                return None;
            }
        }
    }
    let scope = Scope { index: index.as_ref().map(|(v, _)| v.as_str()), consts };
    let Some(at) = &m.at else {
        diags.push(Diagnostic::error(
            format!("register `{}` has no offset", name.name),
            name.span,
            "write `@ 0x00100` (or, indexed, `@ 0x01700 + n * 4`) after the name",
        ));
        return None;
    };
    let offset = expr::number(at, &scope, &format!("the offset of `{}`", name.name), diags);
    let Some(body) = &m.body else {
        diags.push(Diagnostic::error(
            format!("register `{}` needs a body", name.name),
            m.span,
            "expected `{ access: rw; .. }`",
        ));
        return None;
    };
    let (mut access, mut reset, mut fields_of) = (None, None, None);
    let mut field_decls = Vec::new();
    let mut seen: HashMap<&str, Span> = HashMap::new();
    for f in body {
        if f.bits.is_some() {
            if let Some(fd) = fields::field(f, REGISTER_BITS, &name.name, loc, diags) {
                field_decls.push(fd);
            }
            continue;
        }
        if let Some(&first) = seen.get(f.name.name.as_str()) {
            diags.push(
                Diagnostic::error(format!("duplicate field `{}`", f.name.name), f.name.span, "given again here")
                    .with_label(first, "first given here"),
            );
            continue;
        }
        seen.insert(&f.name.name, f.name.span);
        let Some(value) = f.value.as_ref().filter(|_| f.body.is_none()) else {
            if REGISTER_FIELDS.contains(&f.name.name.as_str()) {
                diags.push(Diagnostic::error(
                    format!("`{}` takes a value", f.name.name),
                    f.span,
                    format!("write `{}: ..;`", f.name.name),
                ));
            } else {
                diags.push(
                    Diagnostic::error(
                        format!("`{}` in register `{}` is neither a setting nor a field", f.name.name, name.name),
                        f.name.span,
                        "a field needs its bits: `NAME [hi:lo];`",
                    )
                    .with_note("the settings are `access`, `reset` and `fields`"),
                );
            }
            continue;
        };
        match f.name.name.as_str() {
            "access" => match value.kind.as_name().and_then(Access::from_keyword) {
                Some(a) => access = Some(a),
                None => {
                    let words: Vec<&str> = Access::ALL.iter().map(|a| a.keyword()).collect();
                    let mut d = Diagnostic::error(
                        format!("unknown access `{}`", value.kind.as_name().unwrap_or(value.kind.describe())),
                        value.span,
                        format!("expected one of {}", words.join(", ")),
                    )
                    .with_note(
                        "ro: read only; rw; wo: write only; w1c: write 1 to clear; rc: clear on read; \
                         rc_w1c: both; rw1s: write 1 to set (IMS)",
                    );
                    if let Some(s) = value.kind.as_name().and_then(|n| closest(n, words.iter().copied())) {
                        d = d.with_note(format!("did you mean `{s}`?"));
                    }
                    diags.push(d);
                }
            },
            "reset" => {
                reset = expr::number(value, &scope, &format!("the reset value of `{}`", name.name), diags)
                    .map(|e| (e, value.span))
            }
            "fields" => match value.kind.as_name() {
                Some(n) => fields_of = Some(Ident { name: n.to_string(), span: value.span }),
                None => diags.push(Diagnostic::error(
                    format!("`fields` must name a register, found {}", value.kind.describe()),
                    value.span,
                    "as in `fields: ICR;`: the same bit fields as ICR",
                )),
            },
            other => unknown_field(other, "register", name, REGISTER_FIELDS, f, diags),
        }
    }
    if access.is_none() && !seen.contains_key("access") {
        diags.push(
            Diagnostic::error(format!("register `{}` has no `access`", name.name), name.span, "add `access: rw;`")
                .with_note("ro, rw, wo, w1c, rc, rc_w1c or rw1s, as the datasheet gives it"),
        );
    }
    let field_decls = fields::no_overlaps(field_decls, &name.name, diags);
    if let (Some(of), Some(first)) = (&fields_of, field_decls.first()) {
        diags.push(
            Diagnostic::error(
                format!("register `{}` both copies the fields of `{}` and has its own", name.name, of.name),
                first.name_span,
                "a field of its own",
            )
            .with_label(of.span, "fields copied from here"),
        );
    }
    let (access, offset) = (access?, offset?);
    if !upper {
        return None;
    }
    let (reset, reset_span) = reset.unwrap_or((ir::Expr::Int(0), name.span));
    Some(RegDecl {
        ir: ir::Register {
            name: name.name.clone(),
            docs: m.docs.clone(),
            origin: loc(name.span),
            access,
            index: index.as_ref().map(|(var, s)| ir::RegisterIndex { var: var.clone(), space: s.name.clone() }),
            offset,
            reset,
            instances: Vec::new(),
            fields: Vec::new(),
            fields_of: fields_of.as_ref().map(|f| f.name.clone()),
        },
        name_span: name.span,
        offset_span: at.span,
        reset_span,
        fields: field_decls,
        fields_of,
    })
    .map(|mut r| {
        r.ir.instances = instances(&r, index.as_ref().map(|(_, s)| s.count), diags);
        r
    })
    .filter(|r| !r.ir.instances.is_empty())
}

/// Every instance's offset and reset value, each checked on its own:
/// 4-byte aligned, within the window, a reset value within 32 bits.
fn instances(r: &RegDecl, count: Option<u64>, diags: &mut Vec<Diagnostic>) -> Vec<ir::Instance> {
    let name = &r.ir.name;
    let mut out = Vec::new();
    let indices: Vec<Option<u64>> = match count {
        Some(c) => (0..c).map(Some).collect(),
        None => vec![None],
    };
    for index in indices {
        let n = index.unwrap_or(0);
        let shown = index.map_or(name.clone(), |i| format!("{name}({i})"));
        let Some(offset) = r.ir.offset.eval(n) else {
            diags.push(Diagnostic::error(
                format!("the offset of `{shown}` overflows"),
                r.offset_span,
                "an operation here goes below 0 or past 64 bits",
            ));
            return Vec::new();
        };
        if offset % 4 != 0 || offset > MAX_OFFSET {
            let why = if offset % 4 != 0 { "is not a multiple of 4" } else { "is past the 32-bit register window" };
            diags.push(
                Diagnostic::error(
                    format!("offset 0x{offset:05X} of `{shown}` {why}"),
                    r.offset_span,
                    "offset given here",
                )
                .with_note("registers are 32 bits wide, at 4-byte aligned offsets of the register window"),
            );
            return Vec::new();
        }
        let Some(reset) = r.ir.reset.eval(n) else {
            diags.push(Diagnostic::error(
                format!("the reset value of `{shown}` overflows"),
                r.reset_span,
                "an operation here goes below 0 or past 64 bits",
            ));
            return Vec::new();
        };
        if reset > u64::from(u32::MAX) {
            diags.push(Diagnostic::error(
                format!("reset value {reset:#x} of `{shown}` does not fit in 32 bits"),
                r.reset_span,
                "registers are 32 bits wide",
            ));
            return Vec::new();
        }
        out.push(ir::Instance { index, offset, reset });
    }
    out
}

impl Map {
    /// The checks across registers, then the IR: fields copied with
    /// `fields:`, reset values against named field values, offsets unique
    /// over every instance, 64-bit counters' halves.
    pub(super) fn finish(self, loc: &Loc, diags: &mut Vec<Diagnostic>) -> (Vec<ir::Register>, Vec<ir::Counter64>) {
        let Map { mut registers, pairs } = self;
        let mut names = Names::new("register");
        registers.retain(|r| names.declare(&Ident { name: r.ir.name.clone(), span: r.name_span }, diags));
        // `fields: ICR;`.
        for i in 0..registers.len() {
            let Some(of) = registers[i].fields_of.clone() else {
                registers[i].ir.fields = registers[i].fields.iter().map(|f| f.ir.clone()).collect();
                continue;
            };
            match registers.iter().find(|r| r.ir.name == of.name) {
                None => {
                    let mut d = Diagnostic::error(
                        format!("unknown register `{}`", of.name),
                        of.span,
                        "`fields` names a register of this netdev",
                    )
                    .assuming_absent(&of.name);
                    if let Some(s) = closest(&of.name, registers.iter().map(|r| r.ir.name.as_str())) {
                        d = d.with_note(format!("did you mean `{s}`?"));
                    }
                    diags.push(d);
                }
                Some(src) if src.fields_of.is_some() || src.fields.is_empty() => {
                    let why = match &src.fields_of {
                        Some(f) => format!("`{}` copies its fields from `{}`: name that one", src.ir.name, f.name),
                        None => format!("`{}` has no fields", src.ir.name),
                    };
                    diags.push(Diagnostic::error(why, of.span, "fields copied from here"));
                }
                Some(src) => {
                    let copied: Vec<ir::Field> = src.fields.iter().map(|f| f.ir.clone()).collect();
                    registers[i].ir.fields = copied;
                }
            }
        }
        for r in &registers {
            reset_names_values(r, diags);
        }
        unique_offsets(&registers, diags);
        let counters = counters64(&registers, pairs, loc, diags);
        (registers.into_iter().map(|r| r.ir).collect(), counters)
    }
}

/// A field that names its values has, after reset, one of them (or 0,
/// which a field often leaves unnamed: idle, none, reserved).
fn reset_names_values(r: &RegDecl, diags: &mut Vec<Diagnostic>) {
    for inst in &r.ir.instances {
        for f in r.ir.fields.iter().filter(|f| !f.values.is_empty()) {
            let v = (inst.reset & f.mask()) >> f.lo;
            if v != 0 && !f.values.iter().any(|n| n.value == v) {
                let shown = inst.index.map_or(r.ir.name.clone(), |i| format!("{}({i})", r.ir.name));
                let names: Vec<String> = f.values.iter().map(|n| format!("{} = {}", n.name, n.value)).collect();
                diags.push(
                    Diagnostic::error(
                        format!("the reset value {:#010x} of `{shown}` gives field `{}` the value {v}, which it does not name", inst.reset, f.name),
                        r.reset_span,
                        format!("`{}` is bits {}..={} of this value", f.name, f.lo, f.hi()),
                    )
                    .with_note(format!("`{}` names {}", f.name, names.join(", ")))
                    .with_note("correct the reset value, or name the value in the field"),
                );
                return;
            }
        }
    }
}

/// No two instances, of one register or of two, at one offset.
fn unique_offsets(registers: &[RegDecl], diags: &mut Vec<Diagnostic>) {
    let mut at: HashMap<u64, (usize, Option<u64>)> = HashMap::new();
    for (ri, r) in registers.iter().enumerate() {
        for inst in &r.ir.instances {
            let shown =
                |reg: &RegDecl, i: Option<u64>| i.map_or(reg.ir.name.clone(), |i| format!("{}({i})", reg.ir.name));
            if let Some(&(fi, findex)) = at.get(&inst.offset) {
                let first = &registers[fi];
                diags.push(
                    Diagnostic::error(
                        format!(
                            "`{}` and `{}` are both at offset 0x{:05X}",
                            shown(first, findex),
                            shown(r, inst.index),
                            inst.offset
                        ),
                        r.offset_span,
                        format!("`{}` is here", shown(r, inst.index)),
                    )
                    .with_label(first.offset_span, format!("`{}` is here", shown(first, findex))),
                );
                break;
            }
            at.insert(inst.offset, (ri, inst.index));
        }
    }
}

/// `GORC: [GORCL, GORCH];`: both halves plain clear-on-read registers
/// without fields, the high one right after the low one, each in one
/// counter.
fn counters64(
    registers: &[RegDecl],
    pairs: Vec<PairDecl>,
    loc: &Loc,
    diags: &mut Vec<Diagnostic>,
) -> Vec<ir::Counter64> {
    let mut out = Vec::new();
    let mut used: HashMap<String, Span> = HashMap::new();
    let mut names = Names::new("64-bit counter");
    for p in pairs {
        if !names.declare(&p.name, diags) {
            continue;
        }
        if let Some(r) = registers.iter().find(|r| r.ir.name == p.name.name) {
            diags.push(
                Diagnostic::error(
                    format!("64-bit counter `{}` has a register's name", p.name.name),
                    p.name.span,
                    "this counter",
                )
                .with_label(r.name_span, "the register"),
            );
            continue;
        }
        let mut halves = Vec::new();
        for h in [&p.low, &p.high] {
            let Some(r) = registers.iter().find(|r| r.ir.name == h.name) else {
                let mut d = Diagnostic::error(
                    format!("unknown register `{}`", h.name),
                    h.span,
                    "not in this netdev's registers",
                )
                .assuming_absent(&h.name);
                if let Some(s) = closest(&h.name, registers.iter().map(|r| r.ir.name.as_str())) {
                    d = d.with_note(format!("did you mean `{s}`?"));
                }
                diags.push(d);
                continue;
            };
            if r.ir.index.is_some() || !r.ir.fields.is_empty() || r.ir.access != Access::Rc {
                diags.push(
                    Diagnostic::error(
                        format!("`{}` cannot be half of a 64-bit counter", h.name),
                        h.span,
                        "a half is one clear-on-read register without fields",
                    )
                    .with_label(r.name_span, format!("`{}` declared here", h.name))
                    .with_note("declare it `access: rc;`, with no index and no fields"),
                );
                continue;
            }
            if let Some(&first) = used.get(&h.name) {
                diags.push(
                    Diagnostic::error(format!("`{}` is half of two 64-bit counters", h.name), h.span, "again here")
                        .with_label(first, "first here"),
                );
                continue;
            }
            used.insert(h.name.clone(), h.span);
            halves.push(r);
        }
        let [low, high] = halves[..] else { continue };
        let (lo, hi) = (low.ir.instances[0].offset, high.ir.instances[0].offset);
        if hi != lo + 4 {
            diags.push(
                Diagnostic::error(
                    format!(
                        "the halves of 64-bit counter `{}` are not adjacent: `{}` at 0x{lo:05X}, `{}` at 0x{hi:05X}",
                        p.name.name, low.ir.name, high.ir.name
                    ),
                    p.high.span,
                    format!("expected at 0x{:05X}", lo + 4),
                )
                .with_label(high.offset_span, format!("`{}` is here", high.ir.name))
                .with_note("the high half is the register right after the low one (`GORCH` = `GORCL` + 4)"),
            );
            continue;
        }
        out.push(ir::Counter64 {
            name: p.name.name.clone(),
            low: low.ir.name.clone(),
            high: high.ir.name.clone(),
            docs: p.docs,
            origin: loc(p.name.span),
        });
    }
    out
}
