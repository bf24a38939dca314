//! The reference page's model: the IR regrouped the way a reader looks
//! things up (an initcall under its level, a resource with everyone who
//! needs it, pernet operations in `pernet_list` order, each vtable entry
//! with every method it fills or leaves to a default), with every
//! cross-reference a [`Link`] to an anchor the page defines. The templates
//! only lay it out; they decide no order and follow no reference.

use serde::Serialize;

use crate::ir::{Ir, Number, Pernet, PernetKind, TableKind, Tables};
use crate::vtable::{self, Missing};

/// Something the page has a section or a row for: its anchor is made here
/// only, so a link and the item it points at cannot disagree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target<'a> {
    Level(&'a str),
    Initcall(&'a str),
    Resource(&'a str),
    Pernet(&'a str),
    Const(&'a str),
    /// A table's section.
    Table(TableKind),
    /// An entry's row in its table.
    Entry(TableKind, &'a str),
    /// A vtable section (`struct proto_ops`).
    Vtable(TableKind),
    /// One entry's methods in its vtable section.
    VtableEntry(TableKind, &'a str),
}

impl Target<'_> {
    /// The element id: a kind prefix keeps an initcall and a pernet
    /// operation of one name apart (spec names are identifiers, so the id
    /// has no space and needs no escaping).
    pub fn anchor(self) -> String {
        match self {
            Target::Level(n) => format!("level-{n}"),
            Target::Initcall(n) => format!("initcall-{n}"),
            Target::Resource(n) => format!("resource-{n}"),
            Target::Pernet(n) => format!("pernet-{n}"),
            Target::Const(n) => format!("const-{n}"),
            Target::Table(k) => format!("table-{}", k.keyword()),
            Target::Entry(k, n) => format!("{}-{n}", k.keyword()),
            Target::Vtable(k) => format!("vtable-{}", k.keyword()),
            Target::VtableEntry(k, n) => format!("vtable-{}-{n}", k.keyword()),
        }
    }
}

/// A reference to an item of the page, shown as `text`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Link {
    pub text: String,
    /// The id it points at; `None` where the spec names something the page
    /// has no section for (shown as text, never as a dead link).
    pub anchor: Option<String>,
}

impl Link {
    fn to(text: &str, target: Target<'_>) -> Link {
        Link { text: text.to_string(), anchor: Some(target.anchor()) }
    }

    fn text(text: impl Into<String>) -> Link {
        Link { text: text.into(), anchor: None }
    }
}

/// One piece of a table cell: plain text, code, or a link (shown as code).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Span {
    pub text: String,
    pub code: bool,
    pub anchor: Option<String>,
}

impl Span {
    fn plain(text: impl Into<String>) -> Span {
        Span { text: text.into(), code: false, anchor: None }
    }

    fn code(text: impl Into<String>) -> Span {
        Span { text: text.into(), code: true, anchor: None }
    }

    fn link(link: Link) -> Span {
        Span { text: link.text, code: true, anchor: link.anchor }
    }
}

/// A table cell: spans laid out in a row.
pub type Cell = Vec<Span>;

/// The whole reference.
#[derive(Debug, Serialize)]
pub struct SpecDoc {
    /// The root spec file (`spec/netgen.ng`).
    pub root: String,
    pub spec_hash: String,
    /// netgen's version, for the header.
    pub version: &'static str,
    pub consts: Vec<ConstDoc>,
    /// In boot order, each with its initcalls in boot order.
    pub levels: Vec<LevelDoc>,
    /// In declaration order.
    pub resources: Vec<ResourceDoc>,
    /// In `pernet_list` order: the order a new namespace runs `init` in.
    pub pernet: Vec<PernetDoc>,
    /// One per table kind, in [`TableKind::ALL`] order.
    pub tables: Vec<TableDoc>,
    /// One per table kind with a method an entry may leave out.
    pub vtables: Vec<VtableDoc>,
}

#[derive(Debug, Serialize)]
pub struct ConstDoc {
    pub name: String,
    pub anchor: String,
    pub value: u64,
    pub docs: String,
    pub origin: String,
}

#[derive(Debug, Serialize)]
pub struct LevelDoc {
    pub name: String,
    pub anchor: String,
    /// Linux's ELF section: `.initcall1s.init`.
    pub section: String,
    pub docs: String,
    pub origin: String,
    pub initcalls: Vec<InitcallDoc>,
}

#[derive(Debug, Serialize)]
pub struct InitcallDoc {
    pub name: String,
    pub anchor: String,
    pub level: Link,
    pub run: String,
    pub requires: Vec<Link>,
    pub provides: Vec<Link>,
    /// Table entries it registers after `run`, in registration order.
    pub table_entries: Vec<RegistrationDoc>,
    /// Pernet operations it registers after them, in registration order.
    pub registers: Vec<Link>,
    pub docs: String,
    pub origin: String,
}

#[derive(Debug, Serialize)]
pub struct RegistrationDoc {
    pub entry: Link,
    /// How Linux writes the call: `inet_add_protocol(&udp_protocol, IPPROTO_UDP)`.
    pub call: String,
}

#[derive(Debug, Serialize)]
pub struct ResourceDoc {
    pub name: String,
    pub anchor: String,
    pub state: Option<String>,
    pub provider: Link,
    pub level: Link,
    /// Initcalls that require it, in boot order.
    pub required_by: Vec<Link>,
    /// Pernet operations whose `init` requires it, in `pernet_list` order.
    pub required_by_pernet: Vec<Link>,
    /// The tables it holds (`PtypeBase`: `packet_type`).
    pub tables: Vec<Link>,
    pub docs: String,
    pub origin: String,
}

#[derive(Debug, Serialize)]
pub struct PernetDoc {
    /// 1-based position in `pernet_list`.
    pub position: usize,
    pub name: String,
    pub anchor: String,
    /// `subsys` or `device`.
    pub kind: &'static str,
    /// `register_pernet_subsys` or `register_pernet_device`.
    pub register_fn: &'static str,
    pub registered_by: Link,
    pub state: Option<String>,
    pub requires: Vec<Link>,
    pub uses: Vec<Link>,
    /// The functions it has, in the order a namespace's life calls them.
    pub methods: Vec<PernetMethodDoc>,
    pub docs: String,
    pub origin: String,
}

#[derive(Debug, Serialize)]
pub struct PernetMethodDoc {
    /// `init`, `pre_exit`, `exit`, `exit_batch`.
    pub name: &'static str,
    pub path: String,
}

#[derive(Debug, Serialize)]
pub struct TableDoc {
    /// The spec keyword: `inet_protocol`.
    pub keyword: &'static str,
    pub anchor: String,
    /// Linux's structure of an entry: `struct net_protocol`.
    pub structure: &'static str,
    /// The table entries are registered in: `inet_protos[MAX_INET_PROTOS]`.
    pub table: Option<&'static str>,
    /// What registers an entry: `inet_add_protocol`.
    pub register_fn: Option<&'static str>,
    /// The resource holding the table.
    pub resource: Option<Link>,
    pub columns: Vec<&'static str>,
    pub rows: Vec<RowDoc>,
}

#[derive(Debug, Serialize)]
pub struct RowDoc {
    pub name: String,
    pub anchor: String,
    /// One per column but the first (the entry's index) and the name.
    pub cells: Vec<Cell>,
    pub docs: String,
    pub origin: String,
}

#[derive(Debug, Serialize)]
pub struct VtableDoc {
    pub keyword: &'static str,
    pub anchor: String,
    /// `struct proto_ops`.
    pub structure: &'static str,
    /// Every method, in the vtable's order.
    pub methods: Vec<&'static str>,
    pub entries: Vec<VtableEntryDoc>,
}

#[derive(Debug, Serialize)]
pub struct VtableEntryDoc {
    pub name: String,
    pub anchor: String,
    /// The entry's row in its table.
    pub entry: Link,
    /// How many methods it fills, of `methods.len()`.
    pub filled: usize,
    pub methods: Vec<MethodDoc>,
}

/// One method of one vtable entry: the spec's function, or what the
/// dispatch does without one.
#[derive(Debug, Serialize)]
pub struct MethodDoc {
    /// The spec field: `bind`.
    pub field: &'static str,
    /// The dispatch trait's method: `ops_bind`.
    pub method: &'static str,
    /// The function the entry gives.
    pub path: Option<String>,
    /// What runs without it.
    pub fallback: Option<FallbackDoc>,
}

#[derive(Debug, Serialize)]
pub struct FallbackDoc {
    /// `sock_no_bind`, or the value (`Ok(())`).
    pub name: String,
    /// The runtime function's full path; `None` for a value.
    pub path: Option<&'static str>,
}

impl SpecDoc {
    pub fn new(ir: &Ir) -> SpecDoc {
        let pernet_list = pernet_list(&ir.pernet);
        SpecDoc {
            root: ir.root.clone(),
            spec_hash: ir.spec_hash.clone(),
            version: env!("CARGO_PKG_VERSION"),
            consts: ir
                .consts
                .iter()
                .map(|c| ConstDoc {
                    name: c.name.clone(),
                    anchor: Target::Const(&c.name).anchor(),
                    value: c.value,
                    docs: docs(&c.docs),
                    origin: c.origin.to_string(),
                })
                .collect(),
            levels: ir.levels.iter().map(|l| level(ir, l)).collect(),
            resources: ir.resources.iter().map(|r| resource(ir, &pernet_list, r)).collect(),
            pernet: pernet_list.iter().enumerate().map(|(i, p)| pernet(ir, i + 1, p)).collect(),
            tables: TableKind::ALL.iter().map(|&k| table(ir, k)).collect(),
            vtables: TableKind::ALL.iter().filter(|&&k| has_vtable(k)).map(|&k| vtable_doc(&ir.tables, k)).collect(),
        }
    }
}

/// The spec's pernet operations in the order `pernet_list` holds them
/// after boot (net/core/net_namespace.c): `register_pernet_subsys` inserts
/// before `first_device`, `register_pernet_device` appends, so the subsys
/// operations come first in registration order, then the device ones.
pub fn pernet_list(registered: &[Pernet]) -> Vec<&Pernet> {
    let of = |kind: PernetKind| registered.iter().filter(move |p| p.kind == kind);
    of(PernetKind::Subsys).chain(of(PernetKind::Device)).collect()
}

/// Whether the page has a vtable section for `kind`: the kinds with a
/// method an entry may leave out (for the others every entry gives all).
pub fn has_vtable(kind: TableKind) -> bool {
    vtable::hooks(kind).iter().any(|h| h.missing != Missing::Required)
}

/// Doc comment lines as one Markdown text.
fn docs(lines: &[String]) -> String {
    lines.join("\n")
}

fn level_link(ir: &Ir, name: &str) -> Link {
    match ir.level(name) {
        Some(_) => Link::to(name, Target::Level(name)),
        None => Link::text(name),
    }
}

fn initcall_link(ir: &Ir, name: &str) -> Link {
    match ir.initcall(name) {
        Some(_) => Link::to(name, Target::Initcall(name)),
        None => Link::text(name),
    }
}

fn resource_link(ir: &Ir, name: &str) -> Link {
    if ir.resources.iter().any(|r| r.name == name) {
        Link::to(name, Target::Resource(name))
    } else {
        Link::text(name)
    }
}

fn pernet_link(ir: &Ir, name: &str) -> Link {
    if ir.pernet.iter().any(|p| p.name == name) {
        Link::to(name, Target::Pernet(name))
    } else {
        Link::text(name)
    }
}

fn entry_link(tables: &Tables, kind: TableKind, name: &str) -> Link {
    if tables.function_fields(kind).iter().any(|(n, _)| *n == name) {
        Link::to(name, Target::Entry(kind, name))
    } else {
        Link::text(name)
    }
}

fn level(ir: &Ir, l: &crate::ir::Level) -> LevelDoc {
    LevelDoc {
        name: l.name.clone(),
        anchor: Target::Level(&l.name).anchor(),
        section: format!(".initcall{}.init", l.section),
        docs: docs(&l.docs),
        origin: l.origin.to_string(),
        initcalls: ir.initcalls.iter().filter(|c| c.level == l.name).map(|c| initcall(ir, c)).collect(),
    }
}

fn initcall(ir: &Ir, c: &crate::ir::Initcall) -> InitcallDoc {
    InitcallDoc {
        name: c.name.clone(),
        anchor: Target::Initcall(&c.name).anchor(),
        level: level_link(ir, &c.level),
        run: c.run.path.clone(),
        requires: c.requires.iter().map(|r| resource_link(ir, r)).collect(),
        provides: c.provides.iter().map(|r| resource_link(ir, r)).collect(),
        table_entries: c
            .table_entries
            .iter()
            .map(|e| RegistrationDoc { entry: entry_link(&ir.tables, e.kind, &e.name), call: e.call.clone() })
            .collect(),
        registers: c.registers.iter().map(|p| pernet_link(ir, p)).collect(),
        docs: docs(&c.docs),
        origin: c.origin.to_string(),
    }
}

fn resource(ir: &Ir, pernet_list: &[&Pernet], r: &crate::ir::Resource) -> ResourceDoc {
    ResourceDoc {
        name: r.name.clone(),
        anchor: Target::Resource(&r.name).anchor(),
        state: r.state.as_ref().map(|s| s.path.clone()),
        provider: initcall_link(ir, &r.provider),
        level: level_link(ir, &r.level),
        required_by: ir
            .initcalls
            .iter()
            .filter(|c| c.requires.contains(&r.name))
            .map(|c| Link::to(&c.name, Target::Initcall(&c.name)))
            .collect(),
        required_by_pernet: pernet_list
            .iter()
            .filter(|p| p.requires.contains(&r.name))
            .map(|p| Link::to(&p.name, Target::Pernet(&p.name)))
            .collect(),
        tables: TableKind::ALL
            .iter()
            .filter(|k| k.resource() == Some(r.name.as_str()))
            .map(|&k| Link::to(k.keyword(), Target::Table(k)))
            .collect(),
        docs: docs(&r.docs),
        origin: r.origin.to_string(),
    }
}

fn pernet(ir: &Ir, position: usize, p: &Pernet) -> PernetDoc {
    let methods = [("init", &p.init), ("pre_exit", &p.pre_exit), ("exit", &p.exit), ("exit_batch", &p.exit_batch)];
    PernetDoc {
        position,
        name: p.name.clone(),
        anchor: Target::Pernet(&p.name).anchor(),
        kind: p.kind.keyword(),
        register_fn: p.kind.register_fn(),
        registered_by: initcall_link(ir, &p.registered_by),
        state: p.state.as_ref().map(|s| s.path.clone()),
        requires: p.requires.iter().map(|r| resource_link(ir, r)).collect(),
        uses: p.uses.iter().map(|u| pernet_link(ir, u)).collect(),
        methods: methods
            .into_iter()
            .filter_map(|(name, path)| path.as_ref().map(|path| PernetMethodDoc { name, path: path.path.clone() }))
            .collect(),
        docs: docs(&p.docs),
        origin: p.origin.to_string(),
    }
}

/// Linux's structure of an entry of a kind.
fn structure(kind: TableKind) -> &'static str {
    match kind {
        TableKind::Proto => "struct proto",
        TableKind::ProtoOps => "struct proto_ops",
        TableKind::Family => "struct net_proto_family",
        TableKind::InetProtocol => "struct net_protocol",
        TableKind::Protosw => "struct inet_protosw",
        TableKind::PacketType => "struct packet_type",
        TableKind::NfHook => "struct nf_hook_ops",
    }
}

/// Linux's table or list an entry of a kind is registered in; `proto_ops`
/// are only pointed at.
fn registry(kind: TableKind) -> Option<&'static str> {
    match kind {
        TableKind::Proto => Some("proto_list"),
        TableKind::ProtoOps => None,
        TableKind::Family => Some("net_families[NPROTO]"),
        TableKind::InetProtocol => Some("inet_protos[MAX_INET_PROTOS]"),
        TableKind::Protosw => Some("inetsw[SOCK_MAX]"),
        TableKind::PacketType => Some("ptype_base[PTYPE_HASH_SIZE]"),
        TableKind::NfHook => Some("net->nf.hooks_ipv4[NF_INET_NUMHOOKS]"),
    }
}

/// `IPPROTO_UDP` (17), the name linked to the constant, or `17`.
fn number(ir: &Ir, n: &Number) -> Cell {
    written(ir, n, n.value.to_string())
}

/// An ethertype: `ETH_P_IP` (0x0800), or `0x0800`.
fn ethertype(ir: &Ir, n: &Number) -> Cell {
    written(ir, n, format!("{:#06x}", n.value))
}

fn written(ir: &Ir, n: &Number, value: String) -> Cell {
    match &n.constant {
        Some(c) => {
            let link =
                if ir.consts.iter().any(|k| k.name == *c) { Link::to(c, Target::Const(c)) } else { Link::text(c) };
            vec![Span::link(link), Span::plain(format!(" ({value})"))]
        }
        None => vec![Span::plain(value)],
    }
}

/// Links separated by commas.
fn links(links: impl IntoIterator<Item = Link>) -> Cell {
    let mut cell = Vec::new();
    for (i, l) in links.into_iter().enumerate() {
        if i > 0 {
            cell.push(Span::plain(", "));
        }
        cell.push(Span::link(l));
    }
    cell
}

fn words(words: &[&str]) -> Cell {
    if words.is_empty() {
        return Vec::new();
    }
    vec![Span::code(words.join(" | "))]
}

/// The link to an entry's methods in its vtable section, as "N of M".
fn methods_cell(tables: &Tables, kind: TableKind, name: &str) -> Cell {
    let given = tables.function_fields(kind).into_iter().find(|(n, _)| *n == name).map_or(0, |(_, f)| f.len());
    vec![Span {
        text: format!("{given} of {}", vtable::hooks(kind).len()),
        code: false,
        anchor: has_vtable(kind).then(|| Target::VtableEntry(kind, name).anchor()),
    }]
}

fn table(ir: &Ir, kind: TableKind) -> TableDoc {
    let t = &ir.tables;
    let registrar = |name: &str| vec![Span::link(initcall_link(ir, name))];
    let path = |p: &str| vec![Span::code(p)];
    let (columns, rows): (Vec<&'static str>, Vec<RowDoc>) = match kind {
        TableKind::Proto => (
            vec!["prot->name", "obj_size", "slab", "methods", "registered by"],
            t.protos
                .iter()
                .map(|p| {
                    row(
                        kind,
                        &p.name,
                        &p.docs,
                        &p.origin,
                        vec![
                            vec![Span::code(format!("\"{}\"", p.display_name))],
                            vec![Span::plain(p.obj_size.to_string())],
                            vec![Span::plain(if p.slab { "yes" } else { "no" })],
                            methods_cell(t, kind, &p.name),
                            registrar(&p.registered_by),
                        ],
                    )
                })
                .collect(),
        ),
        TableKind::ProtoOps => (
            vec!["family", "methods", "used by protosw"],
            t.proto_ops
                .iter()
                .map(|o| {
                    let users = t.protosw.iter().filter(|s| s.ops == o.name);
                    row(
                        kind,
                        &o.name,
                        &o.docs,
                        &o.origin,
                        vec![
                            number(ir, &o.family),
                            methods_cell(t, kind, &o.name),
                            links(users.map(|s| Link::to(&s.name, Target::Entry(TableKind::Protosw, &s.name)))),
                        ],
                    )
                })
                .collect(),
        ),
        TableKind::Family => (
            vec!["family", "create", "registered by"],
            t.families
                .iter()
                .map(|f| {
                    row(
                        kind,
                        &f.name,
                        &f.docs,
                        &f.origin,
                        vec![number(ir, &f.family), path(&f.create), registrar(&f.registered_by)],
                    )
                })
                .collect(),
        ),
        TableKind::InetProtocol => (
            vec!["protocol", "handler", "err_handler", "flags", "registered by"],
            t.inet_protocols
                .iter()
                .map(|p| {
                    let flags: Vec<&str> = [("no_policy", p.no_policy), ("netns_ok", p.netns_ok)]
                        .into_iter()
                        .filter(|f| f.1)
                        .map(|f| f.0)
                        .collect();
                    row(
                        kind,
                        &p.name,
                        &p.docs,
                        &p.origin,
                        vec![
                            number(ir, &p.protocol),
                            path(&p.handler),
                            p.err_handler.as_deref().map(path).unwrap_or_default(),
                            words(&flags),
                            registrar(&p.registered_by),
                        ],
                    )
                })
                .collect(),
        ),
        TableKind::Protosw => (
            vec!["type", "protocol", "prot", "ops", "flags", "registered by"],
            t.protosw
                .iter()
                .map(|s| {
                    let flags: Vec<&str> = s.flags.iter().map(String::as_str).collect();
                    row(
                        kind,
                        &s.name,
                        &s.docs,
                        &s.origin,
                        vec![
                            number(ir, &s.type_),
                            number(ir, &s.protocol),
                            vec![Span::link(entry_link(t, TableKind::Proto, &s.prot))],
                            vec![Span::link(entry_link(t, TableKind::ProtoOps, &s.ops))],
                            words(&flags),
                            registrar(&s.registered_by),
                        ],
                    )
                })
                .collect(),
        ),
        TableKind::PacketType => (
            vec!["type", "func", "list_func", "registered by"],
            t.packet_types
                .iter()
                .map(|p| {
                    row(
                        kind,
                        &p.name,
                        &p.docs,
                        &p.origin,
                        vec![
                            ethertype(ir, &p.type_),
                            path(&p.func),
                            p.list_func.as_deref().map(path).unwrap_or_default(),
                            registrar(&p.registered_by),
                        ],
                    )
                })
                .collect(),
        ),
        TableKind::NfHook => (
            vec!["pf", "hooknum", "priority", "hook", "registered by (pernet)"],
            t.nf_hooks
                .iter()
                .map(|h| {
                    let named = |written: String, value: String| {
                        if written == value {
                            vec![Span::plain(value)]
                        } else {
                            vec![Span::code(written), Span::plain(format!(" ({value})"))]
                        }
                    };
                    row(
                        kind,
                        &h.name,
                        &h.docs,
                        &h.origin,
                        vec![
                            number(ir, &h.pf),
                            named(h.hooknum.written(), h.hooknum.value.to_string()),
                            named(h.priority.written(), h.priority.value.to_string()),
                            path(&h.hook),
                            vec![Span::link(pernet_link(ir, &h.registered_by))],
                        ],
                    )
                })
                .collect(),
        ),
    };
    TableDoc {
        keyword: kind.keyword(),
        anchor: Target::Table(kind).anchor(),
        structure: structure(kind),
        table: registry(kind),
        register_fn: kind.register_fn(),
        resource: kind.resource().map(|r| resource_link(ir, r)),
        columns,
        rows,
    }
}

fn row(kind: TableKind, name: &str, doc: &[String], origin: &crate::ir::Location, cells: Vec<Cell>) -> RowDoc {
    RowDoc {
        name: name.to_string(),
        anchor: Target::Entry(kind, name).anchor(),
        cells,
        docs: docs(doc),
        origin: origin.to_string(),
    }
}

fn vtable_doc(tables: &Tables, kind: TableKind) -> VtableDoc {
    let hooks = vtable::hooks(kind);
    VtableDoc {
        keyword: kind.keyword(),
        anchor: Target::Vtable(kind).anchor(),
        structure: structure(kind),
        methods: hooks.iter().map(|h| h.field).collect(),
        entries: tables
            .function_fields(kind)
            .into_iter()
            .map(|(name, fns)| {
                let methods: Vec<MethodDoc> = hooks
                    .iter()
                    .map(|h| {
                        let path = fns.iter().find(|f| f.method == h.field).map(|f| f.path.path.clone());
                        let fallback = match (&path, h.missing) {
                            (Some(_), _) | (None, Missing::Required) => None,
                            (None, Missing::Default(full)) => Some(FallbackDoc {
                                name: full.rsplit("::").next().unwrap_or(full).to_string(),
                                path: Some(full.trim_start_matches("::")),
                            }),
                            (None, Missing::Value(v)) => Some(FallbackDoc { name: v.to_string(), path: None }),
                        };
                        MethodDoc { field: h.field, method: h.method, path, fallback }
                    })
                    .collect();
                VtableEntryDoc {
                    name: name.to_string(),
                    anchor: Target::VtableEntry(kind, name).anchor(),
                    entry: Link::to(name, Target::Entry(kind, name)),
                    filled: methods.iter().filter(|m| m.path.is_some()).count(),
                    methods,
                }
            })
            .collect(),
    }
}
