//! Protocol tables and vtables (spec/protocols.ng): `proto`, `proto_ops`,
//! `family`, `inet_protocol`, `protosw` and `packet_type` sections, and
//! netfilter's `nf_hook` sections (spec/netfilter.ng).
//!
//! [`schema`] reads each section against the fields of its kind, [`rules`]
//! checks what Linux checks when it fills the tables at boot, and
//! [`Checked::lower`] turns the entries into the IR: each table in spec
//! order (an entry's index is its position), and what each initcall
//! registers, in Linux's `inet_init` order.

mod rules;
mod schema;

use super::decls::Decls;
use crate::diag::Diagnostic;
use crate::ir::{self, Location, MethodImpl, TableKind, TableRegistration};
use crate::parse::ast::SpecFile;
use crate::source::{FileId, Span};
use crate::vtable;
use schema::{Entry, INET_PROTOCOL_FLAGS, PROTOSW_FLAGS};

/// The checked protocol sections.
pub struct Checked {
    entries: Vec<Entry>,
    /// Each entry's registrar, an index into `Decls::initcalls` (for an
    /// `nf_hook`, the initcall registering its pernet operation).
    registrar: Vec<Option<usize>>,
}

/// Reads and checks every protocol section of `files`.
pub fn check(files: &[(FileId, SpecFile)], d: &Decls, boot_order: &[usize], diags: &mut Vec<Diagnostic>) -> Checked {
    let entries = schema::read(files, &d.consts, diags);
    let registrar = rules::check(&entries, d, boot_order, diags);
    Checked { entries, registrar }
}

impl Checked {
    fn of(&self, kind: TableKind) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(move |e| e.kind == kind)
    }

    /// The tables as IR, each in spec order. Call only when the spec has no
    /// errors: a field a check needed is then present.
    pub fn lower(&self, loc: &dyn Fn(Span) -> Location) -> ir::Tables {
        let text = |e: &Entry, f: &str| spec_path(e, f, loc);
        let number = |e: &Entry, f: &str| e.number(f).unwrap_or(ir::Number { value: 0, constant: None });
        let by = |e: &Entry| e.name_of("registered_by").map(|b| b.name.clone()).unwrap_or_default();
        let name = |e: &Entry| e.name.name.clone();
        let has = |e: &Entry, flag: &str| e.flag(flag).is_some();
        ir::Tables {
            protos: self
                .of(TableKind::Proto)
                .map(|e| ir::Proto {
                    name: name(e),
                    display_name: e.str("name").map(|(s, _)| s.to_string()).unwrap_or_default(),
                    obj_size: e.int("obj_size").map_or(0, |(v, _)| v),
                    slab: e.bool("slab").unwrap_or(false),
                    registered_by: by(e),
                    methods: methods(e, loc),
                    docs: e.docs.clone(),
                    origin: loc(e.name.span),
                })
                .collect(),
            proto_ops: self
                .of(TableKind::ProtoOps)
                .map(|e| ir::ProtoOps {
                    name: name(e),
                    family: number(e, "family"),
                    methods: methods(e, loc),
                    docs: e.docs.clone(),
                    origin: loc(e.name.span),
                })
                .collect(),
            families: self
                .of(TableKind::Family)
                .map(|e| ir::Family {
                    name: name(e),
                    family: number(e, "family"),
                    create: text(e, "create").unwrap_or_else(|| missing(e, loc)),
                    registered_by: by(e),
                    docs: e.docs.clone(),
                    origin: loc(e.name.span),
                })
                .collect(),
            inet_protocols: self
                .of(TableKind::InetProtocol)
                .map(|e| ir::InetProtocol {
                    name: name(e),
                    protocol: number(e, "protocol"),
                    handler: text(e, "handler").unwrap_or_else(|| missing(e, loc)),
                    err_handler: text(e, "err_handler"),
                    no_policy: has(e, INET_PROTOCOL_FLAGS[0]),
                    netns_ok: has(e, INET_PROTOCOL_FLAGS[1]),
                    registered_by: by(e),
                    docs: e.docs.clone(),
                    origin: loc(e.name.span),
                })
                .collect(),
            protosw: self
                .of(TableKind::Protosw)
                .map(|e| ir::Protosw {
                    name: name(e),
                    type_: number(e, "type"),
                    protocol: number(e, "protocol"),
                    prot: e.name_of("prot").map(|n| n.name.clone()).unwrap_or_default(),
                    ops: e.name_of("ops").map(|n| n.name.clone()).unwrap_or_default(),
                    flags: PROTOSW_FLAGS.iter().filter(|f| has(e, f)).map(|f| f.to_string()).collect(),
                    registered_by: by(e),
                    docs: e.docs.clone(),
                    origin: loc(e.name.span),
                })
                .collect(),
            packet_types: self
                .of(TableKind::PacketType)
                .map(|e| ir::PacketType {
                    name: name(e),
                    type_: number(e, "type"),
                    func: text(e, "func").unwrap_or_else(|| missing(e, loc)),
                    list_func: text(e, "list_func"),
                    registered_by: by(e),
                    docs: e.docs.clone(),
                    origin: loc(e.name.span),
                })
                .collect(),
            nf_hooks: self
                .of(TableKind::NfHook)
                .map(|e| {
                    let named = |f: &str| e.named(f).map_or((0, None), |(v, n, _)| (v, n.map(str::to_string)));
                    let (pf, pf_name) = named("pf");
                    let (hooknum, hook_name) = named("hooknum");
                    let (priority, priority_name) = named("priority");
                    ir::NfHook {
                        name: name(e),
                        pf: ir::Number { value: pf as u64, constant: pf_name },
                        hooknum: ir::Named { value: hooknum as u8, name: hook_name },
                        priority: ir::Named { value: priority as i32, name: priority_name },
                        hook: text(e, "hook").unwrap_or_else(|| missing(e, loc)),
                        registered_by: by(e),
                        docs: e.docs.clone(),
                        origin: loc(e.name.span),
                    }
                })
                .collect(),
        }
    }

    /// What initcall `initcall` registers after its `run`: by kind in
    /// Linux's `inet_init` order (protos, families, inet protocols,
    /// protosw entries, packet types), each kind in spec order. Its pernet
    /// operations register `nf_hook`s, not the initcall.
    pub fn registrations(&self, initcall: usize) -> Vec<TableRegistration> {
        let mut mine: Vec<(TableKind, usize)> = (0..self.entries.len())
            .filter(|&i| self.registrar[i] == Some(initcall) && self.entries[i].kind != TableKind::NfHook)
            .map(|i| (self.entries[i].kind, i))
            .collect();
        mine.sort();
        mine.into_iter()
            .map(|(kind, i)| {
                let e = &self.entries[i];
                let register = kind.register_fn().unwrap_or_default();
                let name = &e.name.name;
                let call = match kind {
                    TableKind::Proto => {
                        format!("{register}(&{name}, {})", u8::from(e.bool("slab").unwrap_or(false)))
                    }
                    TableKind::InetProtocol => format!(
                        "{register}(&{name}, {})",
                        e.number("protocol").map_or_else(String::new, |n| n.written())
                    ),
                    _ => format!("{register}(&{name})"),
                };
                TableRegistration { kind, name: name.clone(), call }
            })
            .collect()
    }
}

/// A path field of an entry, with where the spec writes it.
fn spec_path(e: &Entry, field: &str, loc: &dyn Fn(Span) -> Location) -> Option<ir::SpecPath> {
    e.path_at(field).map(|(path, span)| ir::SpecPath { path: path.to_string(), at: loc(span) })
}

/// A required path the spec left out: only in an IR no one sees (the
/// analyzer reported it, so `analyze` returns no IR).
fn missing(e: &Entry, loc: &dyn Fn(Span) -> Location) -> ir::SpecPath {
    ir::SpecPath { path: String::new(), at: loc(e.name.span) }
}

/// The function fields an entry gives, in the order of the C struct.
fn methods(e: &Entry, loc: &dyn Fn(Span) -> Location) -> Vec<MethodImpl> {
    vtable::hooks(e.kind)
        .iter()
        .filter_map(|h| Some(MethodImpl { method: h.field.to_string(), path: spec_path(e, h.field, loc)? }))
        .collect()
}
