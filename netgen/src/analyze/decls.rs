//! Reads every section against its schema and builds the symbol tables:
//! constants, levels, resources, initcalls and pernet operations, each name
//! declared once.

use std::collections::HashMap;

use super::suggest::closest;
use crate::diag::Diagnostic;
use crate::ir::{PernetKind, TableKind};
use crate::parse::ast::{Ident, ItemKind, Member, Section, SpecFile, Value, ValueKind};
use crate::source::{FileId, Span};

pub struct ConstDecl {
    pub name: Ident,
    pub value: u64,
    pub docs: Vec<String>,
    pub span: Span,
}

pub struct LevelDecl {
    pub name: Ident,
    pub section: String,
    pub docs: Vec<String>,
}

pub struct ResourceDecl {
    pub name: Ident,
    pub docs: Vec<String>,
    /// `resource Name: path::to::State;`: the type of the state its provider
    /// builds (none: an ordering point only).
    pub state: Option<Ident>,
}

pub struct InitcallDecl {
    pub name: Ident,
    /// The level as written after `@` (span of the name), checked to exist.
    pub level: Ident,
    /// Index into `Decls::levels`, when the level exists.
    pub level_index: Option<usize>,
    pub requires: Vec<Ident>,
    pub provides: Vec<Ident>,
    pub run: Option<(String, Span)>,
    pub docs: Vec<String>,
}

impl InitcallDecl {
    /// Where this initcall lists `resource` in `provides` (its name if it
    /// does not), for labels pointing at a provider.
    pub fn provides_span(&self, resource: &str) -> Span {
        self.provides.iter().find(|q| q.name == resource).map_or(self.name.span, |q| q.span)
    }
}

/// A `pernet NAME: KIND { .. }` section, its fields read but not resolved
/// (see `super::pernet`).
pub struct PernetDecl {
    pub name: Ident,
    /// `subsys` or `device` and the span of the `: TYPE`; `None` when it is
    /// missing or unknown (reported).
    pub kind: Option<(PernetKind, Span)>,
    /// The initcall named in `registered_by`, unresolved.
    pub registered_by: Option<Ident>,
    /// Rust path of the per-namespace state type.
    pub state: Option<(String, Span)>,
    pub requires: Vec<Ident>,
    /// Names of pernet operations, unresolved.
    pub uses: Vec<Ident>,
    pub init: Option<(String, Span)>,
    pub pre_exit: Option<(String, Span)>,
    pub exit: Option<(String, Span)>,
    pub exit_batch: Option<(String, Span)>,
    pub docs: Vec<String>,
}

#[derive(Default)]
pub struct Decls {
    pub consts: Vec<ConstDecl>,
    pub levels: Vec<LevelDecl>,
    pub resources: Vec<ResourceDecl>,
    pub initcalls: Vec<InitcallDecl>,
    /// In declaration order.
    pub pernet: Vec<PernetDecl>,
    pub resource_index: HashMap<String, usize>,
}

/// One namespace of names: reports the second declaration of a name.
pub(super) struct Names<'a> {
    what: &'a str,
    seen: HashMap<String, Span>,
}

impl<'a> Names<'a> {
    pub(super) fn new(what: &'a str) -> Self {
        Names { what, seen: HashMap::new() }
    }

    /// Whether `name` is new; reports it when it is not.
    pub(super) fn declare(&mut self, name: &Ident, diags: &mut Vec<Diagnostic>) -> bool {
        if let Some(&first) = self.seen.get(&name.name) {
            diags.push(
                Diagnostic::error(format!("duplicate {} `{}`", self.what, name.name), name.span, "declared again here")
                    .with_label(first, "first declared here"),
            );
            return false;
        }
        self.seen.insert(name.name.clone(), name.span);
        true
    }
}

pub fn collect(files: &[(FileId, SpecFile)], diags: &mut Vec<Diagnostic>) -> Decls {
    let mut d = Decls::default();
    let mut const_names = Names::new("constant");
    let mut level_names = Names::new("level");
    let mut resource_names = Names::new("resource");
    let mut initcall_names = Names::new("initcall");
    let mut pernet_names = Names::new("pernet operation");
    let mut levels_block: Option<Span> = None;
    let mut initcall_sections = Vec::new();
    let mut pernet_sections = Vec::new();

    for (_, file) in files {
        for item in &file.items {
            match &item.kind {
                ItemKind::Include { .. } => {}
                ItemKind::Const { name, value } => {
                    let Some(v) = const_value(value, &d.consts, diags) else {
                        continue;
                    };
                    if const_names.declare(name, diags) {
                        d.consts.push(ConstDecl {
                            name: name.clone(),
                            value: v,
                            docs: item.docs.clone(),
                            span: item.span,
                        });
                    }
                }
                ItemKind::Section(s) => match s.keyword.name.as_str() {
                    "levels" => {
                        if let Some(first) = levels_block {
                            diags.push(
                                Diagnostic::error(
                                    "a second `levels` block",
                                    s.keyword.span,
                                    "levels are declared once",
                                )
                                .with_label(first, "first `levels` block"),
                            );
                            continue;
                        }
                        levels_block = Some(s.keyword.span);
                        levels(s, &mut level_names, &mut d, diags);
                    }
                    "resource" => {
                        if let Some(at) = &s.at {
                            diags.push(Diagnostic::error("`resource` takes no `@`", at.span, "remove this"));
                        }
                        if let Some(m) = s.body.as_ref().and_then(|b| b.first()) {
                            diags.push(Diagnostic::error(
                                "`resource` takes no members",
                                m.span,
                                "write `resource Name;` or `resource Name: path::to::State;`",
                            ));
                        }
                        if let Some(name) = named(s, "resource", "resource SockRegistry;", diags) {
                            if check_case(name, Case::Type, "resource", diags) && resource_names.declare(name, diags) {
                                d.resource_index.insert(name.name.clone(), d.resources.len());
                                d.resources.push(ResourceDecl {
                                    name: name.clone(),
                                    docs: item.docs.clone(),
                                    state: s.ty.clone(),
                                });
                            }
                        }
                    }
                    "initcall" => initcall_sections.push((s, item.docs.clone())),
                    "pernet" => pernet_sections.push((s, item.docs.clone())),
                    // Protocol tables: read by `super::tables` once every
                    // constant and initcall is known.
                    kw if TableKind::from_keyword(kw).is_some() => {}
                    // NICs: read by `super::netdev` once every constant is known.
                    "netdev" | "registers" | "descriptors" => {}
                    kw => diags.push(Diagnostic::error(
                        format!("internal error: no pass reads `{kw}` sections"),
                        s.keyword.span,
                        "the grammar accepts this keyword",
                    )),
                },
            }
        }
    }
    if levels_block.is_none() && files.iter().any(|(_, f)| !f.items.is_empty()) {
        if let Some(first) = initcall_sections.first() {
            diags.push(
                Diagnostic::error(
                    "the spec declares no levels",
                    first.0.keyword.span,
                    "this initcall has no level to run at",
                )
                .with_note("add a `levels { early @ early; pure @ 0; .. }` block, usually in spec/levels.ng")
                // A `levels` block that did not parse says `levels`.
                .assuming_absent("levels"),
            );
        }
    }
    // Initcalls last, so levels and resources declared anywhere are known.
    for (s, docs) in initcall_sections {
        if let Some(c) = initcall(s, docs, &d, diags) {
            if check_case(&c.name, Case::Fn, "initcall", diags) && initcall_names.declare(&c.name, diags) {
                d.initcalls.push(c);
            }
        }
    }
    for (s, docs) in pernet_sections {
        if let Some(op) = pernet(s, docs, &d, diags) {
            if check_case(&op.name, Case::Fn, "pernet operation", diags) && pernet_names.declare(&op.name, diags) {
                d.pernet.push(op);
            }
        }
    }
    d
}

fn const_value(v: &Value, consts: &[ConstDecl], diags: &mut Vec<Diagnostic>) -> Option<u64> {
    match &v.kind {
        ValueKind::Int(n) => Some(*n),
        ValueKind::Path(p) if !p.contains("::") => match consts.iter().find(|c| c.name.name == *p) {
            Some(c) => Some(c.value),
            None => {
                diags.push(
                    Diagnostic::error(format!("unknown constant `{p}`"), v.span, "not declared before this line")
                        .assuming_absent(p),
                );
                None
            }
        },
        other => {
            diags.push(Diagnostic::error(
                format!("a constant must be a number, found {}", other.describe()),
                v.span,
                "expected a number such as `46` or `0x0800`",
            ));
            None
        }
    }
}

fn levels(s: &Section, names: &mut Names, d: &mut Decls, diags: &mut Vec<Diagnostic>) {
    if let Some(n) = &s.name {
        diags.push(Diagnostic::error("the `levels` block takes no name", n.span, "remove this name"));
    }
    no_at_or_type(s, "levels", diags);
    let Some(body) = &s.body else {
        diags.push(Diagnostic::error(
            "`levels` needs a body",
            s.keyword.span,
            "expected `levels { early @ early; .. }`",
        ));
        return;
    };
    for m in body {
        no_member_extras(m, diags);
        if m.value.is_some() || m.body.is_some() {
            diags.push(Diagnostic::error(
                format!("level `{}` takes only a section id", m.name.name),
                m.span,
                "write it as `core @ 1;`",
            ));
        }
        let section = match &m.at {
            None => {
                diags.push(Diagnostic::error(
                    format!("level `{}` has no section id", m.name.name),
                    m.name.span,
                    "write it as `core @ 1;` (the id of Linux's `.initcall1.init`)",
                ));
                continue;
            }
            Some(Value { kind: ValueKind::Int(n), .. }) => n.to_string(),
            Some(Value { kind: ValueKind::SectionId(sid), .. }) => sid.clone(),
            Some(Value { kind: ValueKind::Path(p), .. }) if !p.contains("::") => p.clone(),
            Some(v) => {
                diags.push(Diagnostic::error(
                    format!("a section id must be a number, `<n>s` or a name, found {}", v.kind.describe()),
                    v.span,
                    "as in `core @ 1;`, `core_sync @ 1s;`, `early @ early;`",
                ));
                continue;
            }
        };
        if check_case(&m.name, Case::Fn, "level", diags) && names.declare(&m.name, diags) {
            d.levels.push(LevelDecl { name: m.name.clone(), section, docs: m.docs.clone() });
        }
    }
}

const INITCALL_FIELDS: &[&str] = &["requires", "provides", "run"];

fn initcall(s: &Section, docs: Vec<String>, d: &Decls, diags: &mut Vec<Diagnostic>) -> Option<InitcallDecl> {
    let name = named(s, "initcall", "initcall sock_init @ core { .. }", diags)?.clone();
    if let Some(ty) = &s.ty {
        diags.push(Diagnostic::error("an initcall takes no `: type`", ty.span, "remove this"));
    }
    let level = match &s.at {
        Some(Value { kind: ValueKind::Path(p), span }) if !p.contains("::") => Ident { name: p.clone(), span: *span },
        Some(v) => {
            diags.push(Diagnostic::error(
                format!("an initcall's level is a name, found {}", v.kind.describe()),
                v.span,
                "expected a level such as `core`",
            ));
            return None;
        }
        None => {
            diags.push(Diagnostic::error(
                format!("initcall `{}` has no level", name.name),
                name.span,
                format!("write `initcall {} @ <level> {{ .. }}`", name.name),
            ));
            return None;
        }
    };
    let level_index = d.levels.iter().position(|l| l.name.name == level.name);
    if level_index.is_none() && !d.levels.is_empty() {
        let mut diag =
            Diagnostic::error(format!("unknown level `{}`", level.name), level.span, "not declared in `levels { .. }`")
                .assuming_absent(&level.name);
        if let Some(s) = closest(&level.name, d.levels.iter().map(|l| l.name.name.as_str())) {
            diag = diag.with_note(format!("did you mean `{s}`?"));
        }
        diags.push(diag);
    }
    let mut c = InitcallDecl { name, level, level_index, requires: Vec::new(), provides: Vec::new(), run: None, docs };
    let Some(body) = &s.body else {
        diags.push(Diagnostic::error(
            format!("initcall `{}` needs a body", c.name.name),
            c.name.span,
            "expected `{ requires: [..]; provides: [..]; run: path::to::fn; }`",
        ));
        return None;
    };
    let seen = fields(body, diags, |m, value, diags| match m.name.name.as_str() {
        "requires" => c.requires = resource_list(value, d, diags),
        "provides" => c.provides = resource_list(value, d, diags),
        "run" => c.run = rust_path("run", value, "netgen_runtime::socket::sock_init", diags),
        other => unknown_field(other, "initcall", &c.name, INITCALL_FIELDS, m, diags),
    });
    if c.run.is_none() && !seen.contains_key("run") {
        diags.push(Diagnostic::error(
            format!("initcall `{}` has no `run`", c.name.name),
            c.name.span,
            "add `run: path::to::function;`",
        ));
    }
    Some(c)
}

const PERNET_FIELDS: &[&str] =
    &["registered_by", "state", "requires", "uses", "init", "pre_exit", "exit", "exit_batch"];

/// The example path in messages about a pernet function field.
const FN_EXAMPLE: &str = "netgen_runtime::dev::netdev_init";

/// `pernet NAME: subsys|device { .. }`: Linux's `struct pernet_operations`.
fn pernet(s: &Section, docs: Vec<String>, d: &Decls, diags: &mut Vec<Diagnostic>) -> Option<PernetDecl> {
    let name = named(s, "pernet", "pernet netdev_net_ops: subsys { .. }", diags)?.clone();
    if let Some(at) = &s.at {
        diags.push(
            Diagnostic::error("a pernet operation takes no `@`", at.span, "remove this")
                .with_note("the initcall named in `registered_by` decides when it is registered"),
        );
    }
    let kind = match &s.ty {
        None => {
            diags.push(
                Diagnostic::error(
                    format!("pernet operation `{}` has no kind", name.name),
                    name.span,
                    format!("write `pernet {}: subsys {{ .. }}` or `pernet {}: device {{ .. }}`", name.name, name.name),
                )
                .with_note(
                    "`subsys` is registered with `register_pernet_subsys`, `device` with `register_pernet_device`",
                ),
            );
            None
        }
        Some(ty) => match ty.name.as_str() {
            "subsys" => Some((PernetKind::Subsys, ty.span)),
            "device" => Some((PernetKind::Device, ty.span)),
            other => {
                let mut diag = Diagnostic::error(
                    format!("unknown pernet kind `{other}`"),
                    ty.span,
                    "expected `subsys` or `device`",
                )
                .with_note(
                    "`subsys` is registered with `register_pernet_subsys`, `device` with `register_pernet_device`",
                );
                if let Some(s) = closest(other, ["subsys", "device"]) {
                    diag = diag.with_note(format!("did you mean `{s}`?"));
                }
                diags.push(diag);
                None
            }
        },
    };
    let Some(body) = &s.body else {
        diags.push(Diagnostic::error(
            format!("pernet operation `{}` needs a body", name.name),
            name.span,
            "expected `{ registered_by: <initcall>; init: path::to::fn; .. }`",
        ));
        return None;
    };
    let mut op = PernetDecl {
        name,
        kind,
        registered_by: None,
        state: None,
        requires: Vec::new(),
        uses: Vec::new(),
        init: None,
        pre_exit: None,
        exit: None,
        exit_batch: None,
        docs,
    };
    let seen = fields(body, diags, |m, value, diags| match m.name.name.as_str() {
        "registered_by" => match value.kind.as_name() {
            Some(n) => op.registered_by = Some(Ident { name: n.to_string(), span: value.span }),
            None => diags.push(Diagnostic::error(
                format!("`registered_by` must be an initcall name, found {}", value.kind.describe()),
                value.span,
                "expected the initcall whose `run` registers it, such as `net_dev_init`",
            )),
        },
        "state" => op.state = rust_path("state", value, "netgen_runtime::dev::NetdevNet", diags),
        "requires" => op.requires = resource_list(value, d, diags),
        "uses" => op.uses = name_list(value, "pernet operation", "netdev_net_ops", diags),
        "init" => op.init = rust_path("init", value, FN_EXAMPLE, diags),
        "pre_exit" => op.pre_exit = rust_path("pre_exit", value, FN_EXAMPLE, diags),
        "exit" => op.exit = rust_path("exit", value, FN_EXAMPLE, diags),
        "exit_batch" => op.exit_batch = rust_path("exit_batch", value, FN_EXAMPLE, diags),
        other => unknown_field(other, "pernet", &op.name, PERNET_FIELDS, m, diags),
    });
    if !seen.contains_key("registered_by") {
        diags.push(
            Diagnostic::error(
                format!("pernet operation `{}` has no `registered_by`", op.name.name),
                op.name.span,
                "add `registered_by: <initcall>;`",
            )
            .with_note("`registered_by` names the initcall whose `run` registers it, as `net_dev_init` registers `netdev_net_ops`"),
        );
    }
    Some(op)
}

/// Reads the `name: value;` members of a section body: reports duplicate
/// fields and members that are not `name: value;`, hands each value to
/// `field`, and returns every field name given.
pub(super) fn fields<'a>(
    body: &'a [Member],
    diags: &mut Vec<Diagnostic>,
    mut field: impl FnMut(&'a Member, &'a Value, &mut Vec<Diagnostic>),
) -> HashMap<&'a str, Span> {
    let mut seen: HashMap<&str, Span> = HashMap::new();
    for m in body {
        no_member_extras(m, diags);
        if let Some(&first) = seen.get(m.name.name.as_str()) {
            diags.push(
                Diagnostic::error(format!("duplicate field `{}`", m.name.name), m.name.span, "given again here")
                    .with_label(first, "first given here"),
            );
            continue;
        }
        seen.insert(&m.name.name, m.name.span);
        let Some(value) = field_value(m, diags) else {
            continue;
        };
        field(m, value, diags);
    }
    seen
}

/// "unknown field `x` in initcall `y`", listing the fields of `kw`.
pub(super) fn unknown_field(
    field: &str,
    kw: &str,
    owner: &Ident,
    fields: &[&str],
    m: &Member,
    diags: &mut Vec<Diagnostic>,
) {
    let what = if kw == "pernet" { "pernet operation" } else { kw };
    let mut diag = Diagnostic::error(
        format!("unknown field `{field}` in {what} `{}`", owner.name),
        m.name.span,
        format!("not a field of `{kw}`"),
    )
    .with_note(format!("the fields are {}", fields_list(fields)));
    if let Some(s) = closest(field, fields.iter().copied()) {
        diag = diag.with_note(format!("did you mean `{s}`?"));
    }
    diags.push(diag);
}

/// A full Rust path (with `::`, maybe ending in generic arguments): a
/// function or type of the runtime or a user crate.
pub(super) fn rust_path(field: &str, v: &Value, example: &str, diags: &mut Vec<Diagnostic>) -> Option<(String, Span)> {
    match &v.kind {
        ValueKind::Path(p) if p.contains("::") => Some((p.clone(), v.span)),
        other => {
            diags.push(Diagnostic::error(
                format!("`{field}` must be a full Rust path, found {}", other.describe()),
                v.span,
                format!("expected a path such as `{example}`"),
            ));
            None
        }
    }
}

/// A list of plain names of `what` (resolved later); duplicates are reported.
pub(super) fn name_list(v: &Value, what: &str, example: &str, diags: &mut Vec<Diagnostic>) -> Vec<Ident> {
    let ValueKind::List(items) = &v.kind else {
        diags.push(Diagnostic::error(
            format!("expected a list of {what}s, found {}", v.kind.describe()),
            v.span,
            format!("write `[{example}]`"),
        ));
        return Vec::new();
    };
    let mut out: Vec<Ident> = Vec::new();
    for item in items {
        let Some(name) = item.kind.as_name() else {
            diags.push(Diagnostic::error(
                format!("expected a {what} name, found {}", item.kind.describe()),
                item.span,
                format!("{what}s are names such as `{example}`"),
            ));
            continue;
        };
        if let Some(first) = out.iter().find(|o| o.name == name) {
            diags.push(
                Diagnostic::error(format!("`{name}` is listed twice"), item.span, "listed again here")
                    .with_label(first.span, "first listed here"),
            );
            continue;
        }
        out.push(Ident { name: name.to_string(), span: item.span });
    }
    out
}

fn fields_list(fields: &[&str]) -> String {
    fields.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")
}

fn field_value<'a>(m: &'a Member, diags: &mut Vec<Diagnostic>) -> Option<&'a Value> {
    if m.body.is_some() {
        diags.push(Diagnostic::error(
            format!("field `{}` takes a value, not a block", m.name.name),
            m.span,
            "write `name: value;`",
        ));
        return None;
    }
    if m.value.is_none() {
        diags.push(Diagnostic::error(
            format!("field `{}` has no value", m.name.name),
            m.name.span,
            "write `name: value;`",
        ));
    }
    m.value.as_ref()
}

/// A list of resource names; duplicates and unknown names are reported
/// and left out.
fn resource_list(v: &Value, d: &Decls, diags: &mut Vec<Diagnostic>) -> Vec<Ident> {
    let mut out = name_list(v, "resource", "SockRegistry", diags);
    out.retain(|r| {
        let known = d.resource_index.contains_key(&r.name);
        if !known {
            let name = &r.name;
            let mut diag =
                Diagnostic::error(format!("unknown resource `{name}`"), r.span, "not declared with `resource`")
                    .with_note(format!("declare it with `resource {name};` (usually in spec/resources.ng)"))
                    .assuming_absent(name);
            if let Some(s) = closest(name, d.resources.iter().map(|r| r.name.name.as_str())) {
                diag = diag.with_note(format!("did you mean `{s}`?"));
            }
            diags.push(diag);
        }
        known
    });
    out
}

pub(super) fn named<'a>(s: &'a Section, kw: &str, example: &str, diags: &mut Vec<Diagnostic>) -> Option<&'a Ident> {
    if s.name.is_none() {
        diags.push(Diagnostic::error(format!("`{kw}` needs a name"), s.keyword.span, format!("as in `{example}`")));
    }
    s.name.as_ref()
}

pub(super) fn no_at_or_type(s: &Section, kw: &str, diags: &mut Vec<Diagnostic>) {
    if let Some(at) = &s.at {
        diags.push(Diagnostic::error(format!("`{kw}` takes no `@`"), at.span, "remove this"));
    }
    if let Some(ty) = &s.ty {
        diags.push(Diagnostic::error(format!("`{kw}` takes no `: type`"), ty.span, "remove this"));
    }
}

fn no_member_extras(m: &Member, diags: &mut Vec<Diagnostic>) {
    if let Some(b) = &m.bits {
        diags.push(Diagnostic::error("bit ranges belong to register fields", b.span, "not allowed here"));
    }
}

#[derive(Clone, Copy)]
pub(super) enum Case {
    /// Rust type names: `SockRegistry`.
    Type,
    /// C function and level names: `sock_init`, `core_sync`.
    Fn,
}

/// A name of a section of `kind`, for messages.
pub(super) fn table_example(kind: TableKind) -> &'static str {
    match kind {
        TableKind::Proto => "udp_prot",
        TableKind::ProtoOps => "inet_dgram_ops",
        TableKind::Family => "inet_family_ops",
        TableKind::InetProtocol => "udp_protocol",
        TableKind::Protosw => "udp",
        TableKind::PacketType => "ip_packet_type",
        TableKind::NfHook => "udp_filter",
    }
}

pub(super) fn check_case(name: &Ident, case: Case, what: &str, diags: &mut Vec<Diagnostic>) -> bool {
    let first = name.name.chars().next().unwrap_or('_');
    let ok = match case {
        Case::Type => first.is_ascii_uppercase(),
        // A letter, so the name stays a name when uppercased (`_` is not).
        Case::Fn => {
            name.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                && name.name.chars().any(|c| c.is_ascii_lowercase())
        }
    };
    if !ok {
        let (rule, example) = match case {
            Case::Type => ("start with an uppercase letter, like Rust types", "SockRegistry"),
            Case::Fn if what == "pernet operation" => {
                ("are lowercase, like the C structs they model", "netdev_net_ops")
            }
            Case::Fn => match TableKind::from_keyword(what) {
                Some(kind) => ("are lowercase, like the C variables they model", table_example(kind)),
                None => ("are lowercase, like the C functions and levels they model", "sock_init"),
            },
        };
        diags.push(Diagnostic::error(
            format!("{what} name `{}` is not allowed", name.name),
            name.span,
            format!("{what} names {rule}, e.g. `{example}`"),
        ));
    }
    ok
}

/// A resource's state type is its key in the kernel (`Kernel::get::<T>()`
/// finds the one field of that type), so two resources cannot share one.
pub fn check_resource_states(d: &Decls, diags: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<String, &ResourceDecl> = HashMap::new();
    for r in &d.resources {
        let Some(state) = &r.state else { continue };
        let key: String = state.name.chars().filter(|c| !c.is_whitespace()).collect();
        match seen.get(&key) {
            Some(first) => diags.push(
                Diagnostic::error(
                    format!("resources `{}` and `{}` have the same state type `{key}`", first.name.name, r.name.name),
                    state.span,
                    format!("state of `{}`", r.name.name),
                )
                .with_label(
                    first.state.as_ref().map_or(first.name.span, |s| s.span),
                    format!("also the state of `{}`", first.name.name),
                )
                .with_note(
                    "kernel state is reached by its type, so each resource needs a type of its own (a newtype will do)",
                ),
            ),
            None => {
                seen.insert(key, r);
            }
        }
    }
}
