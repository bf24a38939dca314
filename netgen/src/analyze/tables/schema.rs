//! Each protocol section read against its schema: the fields a kind has,
//! their types and which are required. Values are checked for shape here
//! (a number or constant, a string, `true`/`false`, a Rust path, a name, a
//! list of flags); what they mean is checked in `super::rules`.

use std::collections::{BTreeMap, HashMap};

use super::super::decls::{
    check_case, fields, name_list, named, no_at_or_type, rust_path, table_example, unknown_field, Case, ConstDecl,
    Names,
};
use super::super::suggest::closest;
use crate::diag::Diagnostic;
use crate::ir::{Number, TableKind};
use crate::parse::ast::{Ident, ItemKind, Section, SpecFile, Value, ValueKind};
use crate::source::{FileId, Span};
use crate::vtable::{self, Missing};

/// The flags of an `inet_protocol` (Linux's `net_protocol` bit fields).
pub const INET_PROTOCOL_FLAGS: &[&str] = &["no_policy", "netns_ok"];
/// The flags of a `protosw` (`INET_PROTOSW_*`), in the order the IR lists them.
pub const PROTOSW_FLAGS: &[&str] = &["PERMANENT", "REUSE", "ICSK"];

/// What a field holds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ty {
    /// A number, or the name of a `const`.
    Int,
    Str,
    /// `true` or `false`, written bare.
    Bool,
    /// A full Rust path to a function.
    Fn,
    /// The name of an initcall.
    Initcall,
    /// The name of a section of this kind.
    Section(TableKind),
    /// A list of names from this set.
    Flags(&'static [&'static str]),
    /// One of Linux's names from this set (or, if the set allows it, a
    /// number or a constant).
    Named(NfNames),
    /// The name of a pernet operation.
    Pernet,
}

/// Sets of Linux's names a field may be written as, from `netgen-vtables`
/// (the runtime defines its constants from the same lists).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum NfNames {
    /// `NFPROTO_*`, or a number.
    Proto,
    /// `NF_INET_*`: names only.
    InetHook,
    /// `NF_IP_PRI_*`, or a number or constant up to `i32::MAX`.
    IpPriority,
}

impl NfNames {
    /// The names and their values.
    pub fn list(self) -> Vec<(&'static str, i64)> {
        use netgen_vtables::netfilter as nf;
        match self {
            NfNames::Proto => nf::NFPROTOS.iter().map(|&(n, v)| (n, i64::from(v))).collect(),
            NfNames::InetHook => nf::NF_INET_HOOKS.iter().map(|&(n, v)| (n, i64::from(v))).collect(),
            NfNames::IpPriority => nf::NF_IP_PRIORITIES.iter().map(|&(n, v)| (n, i64::from(v))).collect(),
        }
    }

    /// What the set is, for messages.
    fn what(self) -> &'static str {
        match self {
            NfNames::Proto => "a netfilter protocol family (`NFPROTO_*`)",
            NfNames::InetHook => "a hook point (`NF_INET_*`)",
            NfNames::IpPriority => "a hook priority (`NF_IP_PRI_*`)",
        }
    }

    /// Whether a number is allowed, and the largest.
    fn max_number(self) -> Option<u64> {
        match self {
            NfNames::Proto => Some(u64::from(u8::MAX)),
            NfNames::InetHook => None,
            NfNames::IpPriority => Some(i32::MAX as u64),
        }
    }
}

#[derive(Clone, Copy)]
struct FieldSpec {
    name: &'static str,
    ty: Ty,
    required: bool,
}

const fn req(name: &'static str, ty: Ty) -> FieldSpec {
    FieldSpec { name, ty, required: true }
}

const fn opt(name: &'static str, ty: Ty) -> FieldSpec {
    FieldSpec { name, ty, required: false }
}

/// The fields of `kind`: its data fields, then its function fields
/// (from [`vtable`]).
fn schema(kind: TableKind) -> Vec<FieldSpec> {
    let data: &[FieldSpec] = match kind {
        TableKind::Proto => {
            &[req("name", Ty::Str), req("obj_size", Ty::Int), opt("slab", Ty::Bool), req("registered_by", Ty::Initcall)]
        }
        TableKind::ProtoOps => &[req("family", Ty::Int)],
        TableKind::Family => &[req("family", Ty::Int), req("registered_by", Ty::Initcall)],
        TableKind::InetProtocol => &[
            req("protocol", Ty::Int),
            opt("flags", Ty::Flags(INET_PROTOCOL_FLAGS)),
            req("registered_by", Ty::Initcall),
        ],
        TableKind::Protosw => &[
            req("type", Ty::Int),
            req("protocol", Ty::Int),
            req("prot", Ty::Section(TableKind::Proto)),
            req("ops", Ty::Section(TableKind::ProtoOps)),
            opt("flags", Ty::Flags(PROTOSW_FLAGS)),
            req("registered_by", Ty::Initcall),
        ],
        TableKind::PacketType => &[req("type", Ty::Int), req("registered_by", Ty::Initcall)],
        TableKind::NfHook => &[
            req("pf", Ty::Named(NfNames::Proto)),
            req("hooknum", Ty::Named(NfNames::InetHook)),
            req("priority", Ty::Named(NfNames::IpPriority)),
            req("registered_by", Ty::Pernet),
        ],
    };
    let hooks = vtable::hooks(kind).iter().map(|h| FieldSpec {
        name: h.field,
        ty: Ty::Fn,
        required: h.missing == Missing::Required,
    });
    data.iter().copied().chain(hooks).collect()
}

/// A field's value, its shape checked.
#[derive(Clone, Debug)]
pub enum Field {
    Int {
        value: u64,
        constant: Option<String>,
        span: Span,
    },
    Str(String, Span),
    Bool(bool),
    /// A Rust path and its span.
    Path(String, Span),
    Name(Ident),
    Flags(Vec<Ident>),
    /// A value written as one of Linux's names (`name`) or as a number.
    Named {
        value: i64,
        name: Option<String>,
        span: Span,
    },
}

/// One protocol section.
pub struct Entry {
    pub kind: TableKind,
    pub name: Ident,
    pub docs: Vec<String>,
    /// The fields given with a value of the right shape.
    pub fields: BTreeMap<&'static str, Field>,
}

impl Entry {
    pub fn int(&self, field: &str) -> Option<(u64, Span)> {
        match self.fields.get(field)? {
            Field::Int { value, span, .. } => Some((*value, *span)),
            _ => None,
        }
    }

    pub fn number(&self, field: &str) -> Option<Number> {
        match self.fields.get(field)? {
            Field::Int { value, constant, .. } => Some(Number { value: *value, constant: constant.clone() }),
            _ => None,
        }
    }

    /// `17 (IPPROTO_UDP)` or `17`, for messages.
    pub fn number_text(&self, field: &str) -> String {
        match self.number(field) {
            Some(Number { value, constant: Some(c) }) => format!("{value} (`{c}`)"),
            Some(n) => n.value.to_string(),
            None => String::new(),
        }
    }

    pub fn str(&self, field: &str) -> Option<(&str, Span)> {
        match self.fields.get(field)? {
            Field::Str(s, span) => Some((s, *span)),
            _ => None,
        }
    }

    pub fn bool(&self, field: &str) -> Option<bool> {
        match self.fields.get(field)? {
            Field::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// A path field and where it is written.
    pub fn path_at(&self, field: &str) -> Option<(&str, Span)> {
        match self.fields.get(field)? {
            Field::Path(p, span) => Some((p, *span)),
            _ => None,
        }
    }

    /// A field written as one of Linux's names or a number.
    pub fn named(&self, field: &str) -> Option<(i64, Option<&str>, Span)> {
        match self.fields.get(field)? {
            Field::Named { value, name, span } => Some((*value, name.as_deref(), *span)),
            _ => None,
        }
    }

    /// `0 (`NF_IP_PRI_FILTER`)` or `5`, for messages.
    pub fn named_text(&self, field: &str) -> String {
        match self.named(field) {
            Some((v, Some(n), _)) => format!("{v} (`{n}`)"),
            Some((v, None, _)) => v.to_string(),
            None => String::new(),
        }
    }

    pub fn name_of(&self, field: &str) -> Option<&Ident> {
        match self.fields.get(field)? {
            Field::Name(n) => Some(n),
            _ => None,
        }
    }

    /// Where `flags` lists `flag`, if it does.
    pub fn flag(&self, flag: &str) -> Option<Span> {
        match self.fields.get("flags")? {
            Field::Flags(f) => f.iter().find(|i| i.name == flag).map(|i| i.span),
            _ => None,
        }
    }

    /// `proto tcp_prot`, for messages.
    pub fn title(&self) -> String {
        format!("{} {}", self.kind.keyword(), self.name.name)
    }
}

/// Reads every protocol section of `files`, in spec order. Sections with
/// no name, no body, a badly cased or duplicate name are reported and left
/// out.
pub fn read(files: &[(FileId, SpecFile)], consts: &[ConstDecl], diags: &mut Vec<Diagnostic>) -> Vec<Entry> {
    let mut names: HashMap<TableKind, Names> = HashMap::new();
    let mut entries = Vec::new();
    for (_, file) in files {
        for item in &file.items {
            let ItemKind::Section(s) = &item.kind else {
                continue;
            };
            let Some(kind) = TableKind::from_keyword(&s.keyword.name) else {
                continue;
            };
            let Some(entry) = section(kind, s, item.docs.clone(), consts, diags) else {
                continue;
            };
            let kw = kind.keyword();
            if check_case(&entry.name, Case::Fn, kw, diags)
                && names.entry(kind).or_insert_with(|| Names::new(kw)).declare(&entry.name, diags)
            {
                entries.push(entry);
            }
        }
    }
    entries
}

fn section(
    kind: TableKind,
    s: &Section,
    docs: Vec<String>,
    consts: &[ConstDecl],
    diags: &mut Vec<Diagnostic>,
) -> Option<Entry> {
    let kw = kind.keyword();
    let example = format!("{kw} {} {{ .. }}", table_example(kind));
    let name = named(s, kw, &example, diags)?.clone();
    no_at_or_type(s, kw, diags);
    let Some(body) = &s.body else {
        diags.push(Diagnostic::error(
            format!("{kw} `{}` needs a body", name.name),
            name.span,
            format!("expected `{kw} {} {{ {}: ..; .. }}`", name.name, schema(kind)[0].name),
        ));
        return None;
    };
    let schema = schema(kind);
    let field_names: Vec<&str> = schema.iter().map(|f| f.name).collect();
    let mut entry = Entry { kind, name, docs, fields: BTreeMap::new() };
    let seen = fields(body, diags, |m, value, diags| {
        let Some(spec) = schema.iter().find(|f| f.name == m.name.name) else {
            unknown_field(&m.name.name, kw, &entry.name, &field_names, m, diags);
            return;
        };
        if let Some(v) = field(kind, spec, value, consts, diags) {
            entry.fields.insert(spec.name, v);
        }
    });
    for spec in schema.iter().filter(|f| f.required && !seen.contains_key(f.name)) {
        diags.push(Diagnostic::error(
            format!("{kw} `{}` has no `{}`", entry.name.name, spec.name),
            entry.name.span,
            format!("add `{}: {};`", spec.name, placeholder(spec.ty)),
        ));
    }
    Some(entry)
}

/// What to write for a missing field of type `ty`.
fn placeholder(ty: Ty) -> &'static str {
    match ty {
        Ty::Int => "<number or constant>",
        Ty::Str => "\"<name>\"",
        Ty::Bool => "true",
        Ty::Fn => "path::to::function",
        Ty::Initcall => "<initcall>",
        Ty::Section(TableKind::Proto) => "<proto>",
        Ty::Section(_) => "<proto_ops>",
        Ty::Flags(_) => "[..]",
        Ty::Named(NfNames::Proto) => "NFPROTO_IPV4",
        Ty::Named(NfNames::InetHook) => "NF_INET_LOCAL_IN",
        Ty::Named(NfNames::IpPriority) => "NF_IP_PRI_FILTER",
        Ty::Pernet => "<pernet operation>",
    }
}

fn field(
    kind: TableKind,
    spec: &FieldSpec,
    v: &Value,
    consts: &[ConstDecl],
    diags: &mut Vec<Diagnostic>,
) -> Option<Field> {
    let f = spec.name;
    match spec.ty {
        Ty::Int => int(f, v, consts, diags),
        Ty::Str => match &v.kind {
            ValueKind::Str(s) => Some(Field::Str(s.clone(), v.span)),
            other => {
                diags.push(Diagnostic::error(
                    format!("`{f}` must be a string, found {}", other.describe()),
                    v.span,
                    "expected a string such as `\"UDP\"`",
                ));
                None
            }
        },
        Ty::Bool => match v.kind.as_name() {
            Some("true") => Some(Field::Bool(true)),
            Some("false") => Some(Field::Bool(false)),
            _ => {
                let found = v.kind.as_name().map_or_else(|| v.kind.describe().to_string(), |n| format!("`{n}`"));
                diags.push(Diagnostic::error(
                    format!("`{f}` must be `true` or `false`, found {found}"),
                    v.span,
                    "expected `true` or `false`",
                ));
                None
            }
        },
        Ty::Fn => rust_path(f, v, "netgen_runtime::inet::udp::udp_rcv", diags).map(|(p, span)| Field::Path(p, span)),
        Ty::Initcall => name(
            f,
            v,
            "an initcall",
            "the initcall whose `run` is followed by the registration, such as `inet_init`",
            diags,
        ),
        Ty::Section(target) => {
            let what = format!("a {}", target.keyword());
            let label = format!("expected a `{}` section such as `{}`", target.keyword(), table_example(target));
            name(f, v, &what, &label, diags)
        }
        Ty::Named(names) => linux_named(f, v, names, consts, diags),
        Ty::Pernet => name(
            f,
            v,
            "a pernet operation",
            "the pernet operation whose `init` registers the hook in each namespace, such as `udp_filter_net_ops`",
            diags,
        ),
        Ty::Flags(allowed) => {
            let mut list = name_list(v, "flag", allowed[0], diags);
            list.retain(|flag| {
                let known = allowed.contains(&flag.name.as_str());
                if !known {
                    let mut diag = Diagnostic::error(
                        format!("unknown flag `{}`", flag.name),
                        flag.span,
                        format!("not a flag of `{}`", kind.keyword()),
                    )
                    .with_note(format!(
                        "the flags of `{}` are {}",
                        kind.keyword(),
                        allowed.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")
                    ));
                    if let Some(s) = closest(&flag.name, allowed.iter().copied()) {
                        diag = diag.with_note(format!("did you mean `{s}`?"));
                    }
                    diags.push(diag);
                }
                known
            });
            Some(Field::Flags(list))
        }
    }
}

/// A number, or the name of a constant declared anywhere in the spec.
fn int(f: &str, v: &Value, consts: &[ConstDecl], diags: &mut Vec<Diagnostic>) -> Option<Field> {
    match &v.kind {
        ValueKind::Int(n) => Some(Field::Int { value: *n, constant: None, span: v.span }),
        ValueKind::Path(p) if !p.contains("::") => {
            if let Some(c) = consts.iter().find(|c| c.name.name == *p) {
                return Some(Field::Int { value: c.value, constant: Some(p.clone()), span: v.span });
            }
            let mut diag = Diagnostic::error(format!("unknown constant `{p}`"), v.span, "not declared with `const`")
                .with_note(format!("`{f}` is a number or the name of a constant"))
                .assuming_absent(p);
            if let Some(s) = closest(p, consts.iter().map(|c| c.name.name.as_str())) {
                diag = diag.with_note(format!("did you mean `{s}`?"));
            }
            diags.push(diag);
            None
        }
        other => {
            diags.push(Diagnostic::error(
                format!("`{f}` must be a number or a constant, found {}", other.describe()),
                v.span,
                "expected a number such as `17` or a constant such as `IPPROTO_UDP`",
            ));
            None
        }
    }
}

/// A plain name (of an initcall or a section), resolved later.
fn name(f: &str, v: &Value, what: &str, label: &str, diags: &mut Vec<Diagnostic>) -> Option<Field> {
    match v.kind.as_name() {
        Some(n) => Some(Field::Name(Ident { name: n.to_string(), span: v.span })),
        None => {
            diags.push(Diagnostic::error(
                format!("`{f}` must be {what} name, found {}", v.kind.describe()),
                v.span,
                format!("expected {label}"),
            ));
            None
        }
    }
}

/// One of Linux's names from `names`, or (where the set allows one) a
/// number or a constant of the spec, within range.
fn linux_named(f: &str, v: &Value, names: NfNames, consts: &[ConstDecl], diags: &mut Vec<Diagnostic>) -> Option<Field> {
    let list = names.list();
    let number = |n: u64, name: Option<String>, diags: &mut Vec<Diagnostic>| match names.max_number() {
        Some(max) if n <= max => Some(Field::Named { value: n as i64, name, span: v.span }),
        Some(max) => {
            diags.push(Diagnostic::error(
                format!("`{f}` is {n}, above {max}"),
                v.span,
                format!("{} is at most {max}", names.what()),
            ));
            None
        }
        None => {
            diags.push(
                Diagnostic::error(
                    format!("`{f}` must be {}, found a number", names.what()),
                    v.span,
                    format!("expected one of {}", list_text(&list)),
                )
                .with_note("netgen takes Linux's names here, so the spec reads as the C it models"),
            );
            None
        }
    };
    match &v.kind {
        ValueKind::Int(n) => number(*n, None, diags),
        ValueKind::Path(p) if !p.contains("::") => {
            if let Some(&(_, value)) = list.iter().find(|(n, _)| n == p) {
                return Some(Field::Named { value, name: Some(p.clone()), span: v.span });
            }
            if names.max_number().is_some() {
                if let Some(c) = consts.iter().find(|c| c.name.name == *p) {
                    return number(c.value, Some(p.clone()), diags);
                }
            }
            let mut diag =
                Diagnostic::error(format!("unknown name `{p}` for `{f}`"), v.span, format!("not {}", names.what()))
                    .with_note(format!("`{f}` is one of {}", list_text(&list)))
                    .assuming_absent(p);
            if let Some(s) = closest(p, list.iter().map(|(n, _)| *n)) {
                diag = diag.with_note(format!("did you mean `{s}`?"));
            }
            diags.push(diag);
            None
        }
        other => {
            diags.push(Diagnostic::error(
                format!("`{f}` must be {}, found {}", names.what(), other.describe()),
                v.span,
                format!("expected one of {}", list_text(&list)),
            ));
            None
        }
    }
}

/// `` `A`, `B`, .. `` for a list of names.
fn list_text(list: &[(&str, i64)]) -> String {
    list.iter().map(|(n, _)| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}
