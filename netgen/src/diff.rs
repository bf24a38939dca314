//! `netgen diff OLD NEW`: what changed in meaning between two specs, one
//! line per change, for reviewing a spec change.
//!
//! It compares the two checked IRs, not the text: comments, doc comments,
//! layout, the file a section lives in and the spelling of a number (`17`
//! or `IPPROTO_UDP`) change nothing. Items are matched by their identity
//! (an initcall, resource, level, constant or pernet operation by its
//! name; a table entry by its kind and name), so a renamed item is one
//! removed and one added.
//!
//! Each change is reported where it is made, not again at everything that
//! follows from it:
//!
//! * An initcall that moves to another level is one line, not also one per
//!   initcall of the levels it moved past; levels that swap are one line,
//!   not one per initcall in them. Boot-order lines are about the order
//!   within a level of the new spec: the initcalls in both specs that
//!   changed places against the others there, as the fewest moves that
//!   explain the new order (the others, a longest common subsequence, kept
//!   their places). An initcall that moved into the level is among them
//!   only if it lands on the other side of one it used to precede or
//!   follow: the level move does not say where in the level it lands. The
//!   initcalls that stayed in the level are preferred as the ones that kept
//!   their places.
//! * `pernet_list` and each table's registration order follow the same
//!   rule. Between operations of different kinds (subsys first) or
//!   registrars, and between entries of different registrars, the order
//!   follows from the kinds and the registrars' boot order, reported as
//!   those change; order lines are about operations of one kind and
//!   registrar, or entries of one registrar, that swapped places.
//! * A constant whose value changes is one line, not also one per entry
//!   that names it.
//! * What an initcall provides or registers shows as the resources'
//!   providers and the operations' and entries' registrars.

use std::collections::HashMap;
use std::fmt;

use crate::ir::{
    Const, Family, InetProtocol, Initcall, Ir, Level, MethodImpl, Named, NfHook, Number, PacketType, Pernet,
    PernetKind, Proto, ProtoOps, Protosw, Resource, TableKind,
};
use crate::vtable::{self, Missing};

/// A spec item, by its identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    Const(String),
    Level(String),
    Resource(String),
    Initcall(String),
    Pernet(String),
    Entry(TableKind, String),
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Item::Const(n) => write!(f, "const {n}"),
            Item::Level(n) => write!(f, "level {n}"),
            Item::Resource(n) => write!(f, "resource {n}"),
            Item::Initcall(n) => write!(f, "initcall {n}"),
            Item::Pernet(n) => write!(f, "pernet {n}"),
            Item::Entry(kind, n) => write!(f, "{} {n}", kind.keyword()),
        }
    }
}

/// A property of an item, named as the spec writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Property {
    /// A constant's value.
    Value,
    /// A level's `.initcall<id>.init` section id.
    Section,
    /// An initcall's level.
    Level,
    Run,
    Requires,
    Uses,
    /// A resource's provider.
    Provider,
    /// A resource's or pernet operation's state type.
    State,
    /// A pernet operation's `subsys` or `device`.
    Kind,
    RegisteredBy,
    /// A pernet operation's `init`, `pre_exit`, `exit` or `exit_batch`.
    Function(&'static str),
    /// A table entry's field that is no function: `obj_size`.
    Field(&'static str),
    /// A table entry's flags (`PERMANENT`, `netns_ok`).
    Flags,
    /// A table entry's function field, a vtable method (`vtable::hooks`).
    Method(&'static str),
}

impl fmt::Display for Property {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Property::Value => "value",
            Property::Section => "section",
            Property::Level => "level",
            Property::Run => "run",
            Property::Requires => "requires",
            Property::Uses => "uses",
            Property::Provider => "provider",
            Property::State => "state",
            Property::Kind => "kind",
            Property::RegisteredBy => "registered_by",
            Property::Flags => "flags",
            Property::Function(name) | Property::Field(name) | Property::Method(name) => name,
        })
    }
}

/// An ordered list of the spec whose order means something.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum List {
    /// The levels, `do_initcalls`' order.
    Levels,
    /// The initcalls of one level (of the new spec), in boot order.
    BootOrder(String),
    /// Every namespace's operations in init order (subsys, then device).
    PernetList,
    /// One table's entries in registration order.
    Table(TableKind),
}

impl fmt::Display for List {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            List::Levels => f.write_str("levels"),
            List::BootOrder(level) => write!(f, "boot order @ {level}"),
            List::PernetList => f.write_str("pernet_list"),
            List::Table(kind) => write!(f, "{} order", kind.register_fn().unwrap_or(kind.keyword())),
        }
    }
}

/// Where a moved item now stands: next to an item that kept its place
/// and that it used to stand on the other side of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Anchor {
    /// Now before this one, which it used to follow.
    Before(String),
    /// Now after this one, which it used to precede.
    After(String),
}

/// One change in meaning.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// In the new spec only; `detail` says where it stands (`@ device`).
    Added { item: Item, detail: String },
    /// In the old spec only; `detail` says where it stood.
    Removed { item: Item, detail: String },
    /// A property of an item in both specs; `None` is a property left out.
    Changed { item: Item, property: Property, old: Option<String>, new: Option<String> },
    /// A member of a list-valued property (`requires`, `uses`, `flags`).
    Member { item: Item, property: Property, member: String, added: bool },
    /// An item in both specs that changed places in `list`.
    Moved { list: List, item: String, now: Anchor },
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Added { item, detail } => write!(f, "{item} added ({detail})"),
            Change::Removed { item, detail } => write!(f, "{item} removed ({detail})"),
            Change::Changed { item, property, old, new } => {
                write!(f, "{item}: {property} ")?;
                match (property, old, new) {
                    (Property::Function(_) | Property::Method(_), None, Some(new)) => write!(f, "filled: {new}"),
                    (Property::Method(method), Some(_), None) => match missing(item, method) {
                        Some(Missing::Default(path)) => {
                            write!(f, "unfilled (now {})", path.rsplit("::").next().unwrap_or(path))
                        }
                        Some(Missing::Value(value)) => write!(f, "unfilled (now returns {value})"),
                        Some(Missing::Required) | None => f.write_str("unfilled"),
                    },
                    (Property::Function(_), Some(_), None) => f.write_str("unfilled"),
                    (_, old, new) => {
                        write!(f, "{} → {}", old.as_deref().unwrap_or("none"), new.as_deref().unwrap_or("none"))
                    }
                }
            }
            Change::Member { item, property, member, added } => {
                write!(f, "{item}: {property} {member} {}", if *added { "added" } else { "removed" })
            }
            Change::Moved { list, item, now: Anchor::After(a) } => write!(f, "{list}: {item} now after {a}"),
            Change::Moved { list, item, now: Anchor::Before(b) } => write!(f, "{list}: {item} now before {b}"),
        }
    }
}

/// What the dispatch of a table entry's `method` does without it (the
/// vtable's `sock_no_*` default or value), if the item is an entry.
fn missing(item: &Item, method: &str) -> Option<Missing> {
    let Item::Entry(kind, _) = item else { return None };
    vtable::hooks(*kind).iter().find(|h| h.field == method).map(|h| h.missing)
}

/// Every change in meaning from `old` to `new`, in a fixed order:
/// constants, levels, resources, initcalls, boot order, pernet operations,
/// `pernet_list`, table entries (by kind), table orders. Within each part,
/// what was removed (in the old spec's order), then what was added or
/// changed (in the new spec's order).
pub fn diff(old: &Ir, new: &Ir) -> Vec<Change> {
    let mut out = Vec::new();
    consts(&mut out, old, new);
    levels(&mut out, old, new);
    resources(&mut out, old, new);
    initcalls(&mut out, old, new);
    boot_order(&mut out, old, new);
    pernet(&mut out, old, new);
    pernet_list_moves(&mut out, old, new);
    for kind in TableKind::ALL {
        entries(&mut out, kind, &table(old, kind), &table(new, kind));
    }
    for kind in TableKind::ALL {
        table_order(&mut out, kind, &table(old, kind), &table(new, kind));
    }
    out
}

/// Adds `Removed` for the items of `old` not in `new`, then, for each item
/// of `new`, `Added` or what `changes` finds between its two versions.
fn items<'a, T>(
    out: &mut Vec<Change>,
    old: &'a [T],
    new: &'a [T],
    name: impl Fn(&T) -> &str,
    item: impl Fn(&str) -> Item,
    detail: impl Fn(&T) -> String,
    mut changes: impl FnMut(&mut Vec<Change>, Item, &'a T, &'a T),
) {
    let old_by: HashMap<&str, &T> = old.iter().map(|x| (name(x), x)).collect();
    let new_by: HashMap<&str, &T> = new.iter().map(|x| (name(x), x)).collect();
    for x in old.iter().filter(|x| !new_by.contains_key(name(x))) {
        out.push(Change::Removed { item: item(name(x)), detail: detail(x) });
    }
    for x in new {
        match old_by.get(name(x)) {
            None => out.push(Change::Added { item: item(name(x)), detail: detail(x) }),
            Some(was) => changes(out, item(name(x)), was, x),
        }
    }
}

/// A `Changed` if `old != new`.
fn scalar(out: &mut Vec<Change>, item: &Item, property: Property, old: Option<&str>, new: Option<&str>) {
    if old != new {
        out.push(Change::Changed {
            item: item.clone(),
            property,
            old: old.map(str::to_owned),
            new: new.map(str::to_owned),
        });
    }
}

/// A `Member` for each member of one list and not the other.
fn members<S: AsRef<str>>(out: &mut Vec<Change>, item: &Item, property: Property, old: &[S], new: &[S]) {
    let has = |list: &[S], m: &str| list.iter().any(|x| x.as_ref() == m);
    for m in old.iter().map(AsRef::as_ref).filter(|m| !has(new, m)) {
        out.push(Change::Member { item: item.clone(), property, member: m.to_owned(), added: false });
    }
    for m in new.iter().map(AsRef::as_ref).filter(|m| !has(old, m)) {
        out.push(Change::Member { item: item.clone(), property, member: m.to_owned(), added: true });
    }
}

fn consts(out: &mut Vec<Change>, old: &Ir, new: &Ir) {
    items(
        out,
        &old.consts,
        &new.consts,
        |c| &c.name,
        |n| Item::Const(n.to_owned()),
        |c| c.value.to_string(),
        |out, item, was, now| {
            let Const { name: _, value, docs: _, origin: _ } = now;
            scalar(out, &item, Property::Value, Some(&was.value.to_string()), Some(&value.to_string()));
        },
    );
}

fn levels(out: &mut Vec<Change>, old: &Ir, new: &Ir) {
    items(
        out,
        &old.levels,
        &new.levels,
        |l| &l.name,
        |n| Item::Level(n.to_owned()),
        |l| format!(".initcall{}.init", l.section),
        |out, item, was, now| {
            let Level { name: _, section, docs: _, origin: _ } = now;
            scalar(out, &item, Property::Section, Some(&was.section), Some(section));
        },
    );
    let old_order: Vec<&str> = old.levels.iter().map(|l| l.name.as_str()).collect();
    let new_order: Vec<(&str, ())> = new.levels.iter().map(|l| (l.name.as_str(), ())).collect();
    moved(out, &old_order, &new_order, |_| true, |_| List::Levels);
}

fn resources(out: &mut Vec<Change>, old: &Ir, new: &Ir) {
    items(
        out,
        &old.resources,
        &new.resources,
        |r| &r.name,
        |n| Item::Resource(n.to_owned()),
        |r| format!("provided by {}", r.provider),
        |out, item, was, now| {
            // `level` is the provider's, reported as the provider's move.
            let Resource { name: _, docs: _, state, provider, level: _, origin: _ } = now;
            scalar(out, &item, Property::Provider, Some(&was.provider), Some(provider));
            scalar(out, &item, Property::State, was.state.as_deref(), state.as_deref());
        },
    );
}

fn initcalls(out: &mut Vec<Change>, old: &Ir, new: &Ir) {
    items(
        out,
        &old.initcalls,
        &new.initcalls,
        |c| &c.name,
        |n| Item::Initcall(n.to_owned()),
        |c| format!("@ {}", c.level),
        |out, item, was, now| {
            // `provides`, `registers` and `table_entries` show as the
            // resources' providers and the registrars of what they name.
            let Initcall {
                name: _,
                level,
                requires,
                provides: _,
                run,
                registers: _,
                table_entries: _,
                docs: _,
                origin: _,
            } = now;
            scalar(out, &item, Property::Level, Some(&was.level), Some(level));
            members(out, &item, Property::Requires, &was.requires, requires);
            scalar(out, &item, Property::Run, Some(&was.run), Some(run));
        },
    );
}

/// Within each level of the new spec, the initcalls that changed places.
fn boot_order(out: &mut Vec<Change>, old: &Ir, new: &Ir) {
    let old_level: HashMap<&str, &str> = old.initcalls.iter().map(|c| (c.name.as_str(), c.level.as_str())).collect();
    let old_order: Vec<&str> = old.initcalls.iter().map(|c| c.name.as_str()).collect();
    let new_order: Vec<(&str, &str)> = new.initcalls.iter().map(|c| (c.name.as_str(), c.level.as_str())).collect();
    let new_level: HashMap<&str, &str> = new_order.iter().copied().collect();
    let stayed = |name: &str| old_level.get(name) == new_level.get(name);
    moved(out, &old_order, &new_order, stayed, |level| List::BootOrder(level.to_string()));
}

fn pernet(out: &mut Vec<Change>, old: &Ir, new: &Ir) {
    items(
        out,
        &old.pernet,
        &new.pernet,
        |p| &p.name,
        |n| Item::Pernet(n.to_owned()),
        |p| format!("{}, registered by {}", p.kind.keyword(), p.registered_by),
        |out, item, was, now| {
            let Pernet {
                name: _,
                kind,
                registered_by,
                state,
                requires,
                uses,
                init,
                pre_exit,
                exit,
                exit_batch,
                docs: _,
                origin: _,
            } = now;
            scalar(out, &item, Property::Kind, Some(was.kind.keyword()), Some(kind.keyword()));
            scalar(out, &item, Property::RegisteredBy, Some(&was.registered_by), Some(registered_by));
            scalar(out, &item, Property::State, was.state.as_deref(), state.as_deref());
            members(out, &item, Property::Requires, &was.requires, requires);
            members(out, &item, Property::Uses, &was.uses, uses);
            for (function, old, new) in [
                ("init", &was.init, init),
                ("pre_exit", &was.pre_exit, pre_exit),
                ("exit", &was.exit, exit),
                ("exit_batch", &was.exit_batch, exit_batch),
            ] {
                scalar(out, &item, Property::Function(function), old.as_deref(), new.as_deref());
            }
        },
    );
}

/// `pernet_list` as every namespace runs it: Linux's
/// `register_pernet_subsys` inserts before `first_device`,
/// `register_pernet_device` appends (net/core/net_namespace.c), so the
/// subsys operations in registration order, then the device ones.
fn pernet_list(ir: &Ir) -> Vec<&Pernet> {
    let of = |kind| ir.pernet.iter().filter(move |p| p.kind == kind);
    of(PernetKind::Subsys).chain(of(PernetKind::Device)).collect()
}

/// The pernet operations of one kind and registrar that swapped places.
fn pernet_list_moves(out: &mut Vec<Change>, old: &Ir, new: &Ir) {
    let old_list = pernet_list(old);
    let old_group: HashMap<&str, (PernetKind, &str)> =
        old_list.iter().map(|p| (p.name.as_str(), (p.kind, p.registered_by.as_str()))).collect();
    let old_order: Vec<&str> = old_list.iter().map(|p| p.name.as_str()).collect();
    let new_order: Vec<(&str, (PernetKind, &str))> =
        pernet_list(new).iter().map(|p| (p.name.as_str(), (p.kind, p.registered_by.as_str()))).collect();
    let new_group: HashMap<&str, (PernetKind, &str)> = new_order.iter().copied().collect();
    moved(out, &old_order, &new_order, |name| old_group.get(name) == new_group.get(name), |_| List::PernetList);
}

/// One table entry seen through what means something: its registrar, its
/// fields, its flags and its functions (the vtable methods it fills).
struct Entry<'a> {
    name: &'a str,
    registered_by: Option<&'a str>,
    fields: Vec<(&'static str, Value<'a>)>,
    flags: Vec<&'a str>,
    methods: Vec<(&'a str, &'a str)>,
}

impl<'a> Entry<'a> {
    /// The function it gives for a vtable `method`.
    fn method(&self, method: &str) -> Option<&'a str> {
        self.methods.iter().find(|m| m.0 == method).map(|m| m.1)
    }
}

/// A field's value.
enum Value<'a> {
    Number(&'a Number),
    Int(u64),
    Bool(bool),
    Str(&'a str),
    /// A name of another spec item.
    Name(&'a str),
    /// One of Linux's names (`NF_IP_PRI_FILTER`) or a number.
    Linux(&'a Named<i32>),
}

impl Value<'_> {
    /// Whether it means the same: a number however it is written, and a
    /// constant's number whatever the constant's value (a changed value
    /// is reported on the constant).
    fn same(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Number(a), Value::Number(b)) => {
                a.value == b.value || (a.constant.is_some() && a.constant == b.constant)
            }
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Str(a), Value::Str(b)) | (Value::Name(a), Value::Name(b)) => a == b,
            (Value::Linux(a), Value::Linux(b)) => a.value == b.value,
            _ => false,
        }
    }
}

impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Number(Number { value, constant: Some(c) }) => write!(f, "{c} ({value})"),
            Value::Number(Number { value, constant: None }) => write!(f, "{value}"),
            Value::Int(n) => write!(f, "{n}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::Name(n) => f.write_str(n),
            Value::Linux(Named { value, name: Some(n) }) => write!(f, "{n} ({value})"),
            Value::Linux(Named { value, name: None }) => write!(f, "{value}"),
        }
    }
}

/// A table's entries, in spec order (their index order).
fn table<'a>(ir: &'a Ir, kind: TableKind) -> Vec<Entry<'a>> {
    let t = &ir.tables;
    let methods = |m: &'a [MethodImpl]| -> Vec<(&'a str, &'a str)> {
        m.iter().map(|x| (x.method.as_str(), x.path.as_str())).collect()
    };
    match kind {
        TableKind::Proto => t
            .protos
            .iter()
            .map(|p| {
                let Proto { name, display_name, obj_size, slab, registered_by, methods: m, docs: _, origin: _ } = p;
                Entry {
                    name,
                    registered_by: Some(registered_by),
                    fields: vec![
                        ("name", Value::Str(display_name)),
                        ("obj_size", Value::Int(*obj_size)),
                        ("slab", Value::Bool(*slab)),
                    ],
                    flags: vec![],
                    methods: methods(m),
                }
            })
            .collect(),
        TableKind::ProtoOps => t
            .proto_ops
            .iter()
            .map(|p| {
                let ProtoOps { name, family, methods: m, docs: _, origin: _ } = p;
                Entry {
                    name,
                    registered_by: None,
                    fields: vec![("family", Value::Number(family))],
                    flags: vec![],
                    methods: methods(m),
                }
            })
            .collect(),
        TableKind::Family => t
            .families
            .iter()
            .map(|p| {
                let Family { name, family, create, registered_by, docs: _, origin: _ } = p;
                Entry {
                    name,
                    registered_by: Some(registered_by),
                    fields: vec![("family", Value::Number(family))],
                    flags: vec![],
                    methods: vec![("create", create)],
                }
            })
            .collect(),
        TableKind::InetProtocol => t
            .inet_protocols
            .iter()
            .map(|p| {
                let InetProtocol {
                    name,
                    protocol,
                    handler,
                    err_handler,
                    no_policy,
                    netns_ok,
                    registered_by,
                    docs: _,
                    origin: _,
                } = p;
                let flags = [("no_policy", *no_policy), ("netns_ok", *netns_ok)];
                Entry {
                    name,
                    registered_by: Some(registered_by),
                    fields: vec![("protocol", Value::Number(protocol))],
                    flags: flags.iter().filter(|f| f.1).map(|f| f.0).collect(),
                    methods: [("handler", Some(handler)), ("err_handler", err_handler.as_ref())]
                        .into_iter()
                        .filter_map(|(m, p)| Some((m, p?.as_str())))
                        .collect(),
                }
            })
            .collect(),
        TableKind::Protosw => t
            .protosw
            .iter()
            .map(|p| {
                let Protosw { name, type_, protocol, prot, ops, flags, registered_by, docs: _, origin: _ } = p;
                Entry {
                    name,
                    registered_by: Some(registered_by),
                    fields: vec![
                        ("type", Value::Number(type_)),
                        ("protocol", Value::Number(protocol)),
                        ("prot", Value::Name(prot)),
                        ("ops", Value::Name(ops)),
                    ],
                    flags: flags.iter().map(String::as_str).collect(),
                    methods: vec![],
                }
            })
            .collect(),
        TableKind::PacketType => t
            .packet_types
            .iter()
            .map(|p| {
                let PacketType { name, type_, func, list_func, registered_by, docs: _, origin: _ } = p;
                Entry {
                    name,
                    registered_by: Some(registered_by),
                    fields: vec![("type", Value::Number(type_))],
                    flags: vec![],
                    methods: [("func", Some(func)), ("list_func", list_func.as_ref())]
                        .into_iter()
                        .filter_map(|(m, p)| Some((m, p?.as_str())))
                        .collect(),
                }
            })
            .collect(),
        TableKind::NfHook => t
            .nf_hooks
            .iter()
            .map(|h| {
                let NfHook { name, pf, hooknum, priority, hook, registered_by, docs: _, origin: _ } = h;
                Entry {
                    name,
                    registered_by: Some(registered_by),
                    fields: vec![
                        ("pf", Value::Number(pf)),
                        ("hooknum", Value::Name(hooknum.name.as_deref().unwrap_or_default())),
                        ("priority", Value::Linux(priority)),
                    ],
                    flags: vec![],
                    methods: vec![("hook", hook)],
                }
            })
            .collect(),
    }
}

/// The entries of one table: removed, added, changed.
fn entries(out: &mut Vec<Change>, kind: TableKind, old: &[Entry], new: &[Entry]) {
    items(
        out,
        old,
        new,
        |e| e.name,
        |n| Item::Entry(kind, n.to_owned()),
        |e| match e.registered_by {
            Some(r) => format!("registered by {r}"),
            None => e.fields.iter().map(|(f, v)| format!("{f} {v}")).collect::<Vec<_>>().join(", "),
        },
        |out, item, was, now| {
            scalar(out, &item, Property::RegisteredBy, was.registered_by, now.registered_by);
            for ((field, a), (_, b)) in was.fields.iter().zip(&now.fields) {
                if !a.same(b) {
                    scalar(out, &item, Property::Field(field), Some(&a.to_string()), Some(&b.to_string()));
                }
            }
            members(out, &item, Property::Flags, &was.flags, &now.flags);
            // In the vtable's order; a method is one of its fields (the
            // analyzer accepts no other).
            for hook in vtable::hooks(kind) {
                scalar(out, &item, Property::Method(hook.field), was.method(hook.field), now.method(hook.field));
            }
        },
    );
}

/// The entries of one registrar that swapped places in a table's
/// registration order.
fn table_order(out: &mut Vec<Change>, kind: TableKind, old: &[Entry], new: &[Entry]) {
    if kind.register_fn().is_none() {
        // `proto_ops` are not registered: their order is only an index.
        return;
    }
    let old_registrar: HashMap<&str, Option<&str>> = old.iter().map(|e| (e.name, e.registered_by)).collect();
    let old_order: Vec<&str> = old.iter().map(|e| e.name).collect();
    let new_order: Vec<(&str, Option<&str>)> = new.iter().map(|e| (e.name, e.registered_by)).collect();
    let new_registrar: HashMap<&str, Option<&str>> = new_order.iter().copied().collect();
    moved(out, &old_order, &new_order, |n| old_registrar.get(n) == new_registrar.get(n), |_| List::Table(kind));
}

/// The items of `new` (each with its group) that are also in `old_order`
/// and changed places against the others of their group: per group, the
/// fewest items whose moves turn the old order into the new one, the ones
/// that `stayed` in the group (rather than joined it) preferred as the
/// ones kept. Groups in the order they first appear, items in new order.
fn moved<G: Eq + std::hash::Hash>(
    out: &mut Vec<Change>,
    old_order: &[&str],
    new: &[(&str, G)],
    stayed: impl Fn(&str) -> bool,
    list: impl Fn(&G) -> List,
) {
    let old_pos: HashMap<&str, usize> = old_order.iter().enumerate().map(|(i, &n)| (n, i)).collect();
    let mut groups: Vec<(&G, Vec<(&str, usize)>)> = Vec::new();
    let mut group_of: HashMap<&G, usize> = HashMap::new();
    for (name, g) in new {
        let Some(&pos) = old_pos.get(name) else { continue };
        let k = *group_of.entry(g).or_insert_with(|| {
            groups.push((g, Vec::new()));
            groups.len() - 1
        });
        groups[k].1.push((name, pos));
    }
    for (g, seq) in groups {
        // Keeping every item that stayed outweighs keeping all that joined.
        let heavy = seq.len() as u64 + 1;
        let weights: Vec<u64> = seq.iter().map(|&(n, _)| if stayed(n) { heavy } else { 1 }).collect();
        let positions: Vec<usize> = seq.iter().map(|&(_, p)| p).collect();
        let kept = heaviest_increasing(&positions, &weights);
        for i in (0..seq.len()).filter(|&i| !kept[i]) {
            // A heaviest chain leaves out no item that fits between its
            // kept neighbours: it is out of order with one of them, the
            // pair of items that swapped, with one that kept its place.
            let next = (i + 1..seq.len()).find(|&j| kept[j]).filter(|&j| positions[i] > positions[j]);
            let prev = (0..i).rev().find(|&j| kept[j]).filter(|&j| positions[i] < positions[j]);
            let now = match (next, prev) {
                (Some(j), _) => Anchor::Before(seq[j].0.to_owned()),
                (None, Some(j)) => Anchor::After(seq[j].0.to_owned()),
                (None, None) => continue,
            };
            out.push(Change::Moved { list: list(g), item: seq[i].0.to_owned(), now });
        }
    }
}

/// Which of `pos` (distinct numbers) to keep so the kept ones increase and
/// their `weight` adds up to the most: a longest increasing subsequence by
/// weight, O(n log n) with a Fenwick tree of the best chain ending below
/// each position.
fn heaviest_increasing(pos: &[usize], weight: &[u64]) -> Vec<bool> {
    let n = pos.len();
    let mut by_pos: Vec<usize> = (0..n).collect();
    by_pos.sort_by_key(|&i| pos[i]);
    let mut rank = vec![0; n];
    for (r, &i) in by_pos.iter().enumerate() {
        rank[i] = r + 1;
    }
    // tree[r]: the heaviest chain (weight, last index) ending at a rank in
    // the Fenwick range of r.
    let mut tree: Vec<Option<(u64, usize)>> = vec![None; n + 1];
    let mut prev: Vec<Option<usize>> = vec![None; n];
    let mut best: Option<(u64, usize)> = None;
    for i in 0..n {
        let mut below = None;
        let mut r = rank[i] - 1;
        while r > 0 {
            below = below.max(tree[r]);
            r &= r - 1;
        }
        let chain = (weight[i] + below.map_or(0, |b| b.0), i);
        prev[i] = below.map(|b| b.1);
        best = best.max(Some(chain));
        let mut r = rank[i];
        while r <= n {
            tree[r] = tree[r].max(Some(chain));
            r += r & r.wrapping_neg();
        }
    }
    let mut kept = vec![false; n];
    let mut at = best.map(|b| b.1);
    while let Some(i) = at {
        kept[i] = true;
        at = prev[i];
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::heaviest_increasing;

    /// Every permutation of `0..n`.
    fn permutations(n: usize) -> Vec<Vec<usize>> {
        if n == 0 {
            return vec![vec![]];
        }
        let mut out = Vec::new();
        for p in permutations(n - 1) {
            for at in 0..=p.len() {
                let mut q = p.clone();
                q.insert(at, n - 1);
                out.push(q);
            }
        }
        out
    }

    /// Against every subset: the kept items increase and weigh the most.
    #[test]
    fn the_heaviest_increasing_subsequence_is_the_heaviest_of_all() {
        for n in 0..=6 {
            let masks: Vec<u32> = if n < 6 { (0..1 << n).collect() } else { vec![0, 0b101101, 0b111111] };
            for pos in permutations(n) {
                for &mask in &masks {
                    let weight: Vec<u64> = (0..n).map(|i| if mask >> i & 1 == 1 { 7 } else { 1 }).collect();
                    let kept = heaviest_increasing(&pos, &weight);
                    let chosen: Vec<usize> = (0..n).filter(|&i| kept[i]).collect();
                    assert!(chosen.windows(2).all(|w| pos[w[0]] < pos[w[1]]), "{pos:?} {kept:?}");
                    let got: u64 = chosen.iter().map(|&i| weight[i]).sum();
                    let best = (0u32..1 << n)
                        .filter(|s| {
                            let idx: Vec<usize> = (0..n).filter(|&i| s >> i & 1 == 1).collect();
                            idx.windows(2).all(|w| pos[w[0]] < pos[w[1]])
                        })
                        .map(|s| (0..n).filter(|&i| s >> i & 1 == 1).map(|i| weight[i]).sum::<u64>())
                        .max()
                        .unwrap_or(0);
                    assert_eq!(got, best, "{pos:?} weights {weight:?}");
                }
            }
        }
    }
}
