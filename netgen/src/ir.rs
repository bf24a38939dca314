//! Pass 3: the intermediate representation. Plain serde data with names
//! resolved and order decided; the emitter reads nothing else. `netgen ir`
//! prints it as JSON.

use serde::{Deserialize, Serialize};

pub use crate::source::Location;

/// A whole checked spec.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ir {
    /// `sha256` over every spec file's name and text, hex.
    pub spec_hash: String,
    /// The root spec file as users name it (`spec/netgen.ng`).
    pub root: String,
    pub consts: Vec<Const>,
    /// In boot order.
    pub levels: Vec<Level>,
    /// In declaration order.
    pub resources: Vec<Resource>,
    /// In boot order: by level, then topologically, declaration order
    /// breaking ties.
    pub initcalls: Vec<Initcall>,
    /// In registration order: by the boot order of the initcalls that
    /// register them, then in declaration order.
    #[serde(default)]
    pub pernet: Vec<Pernet>,
    /// The protocol tables, each in spec order.
    #[serde(default)]
    pub tables: Tables,
}

/// A Rust path the spec names (a function or a type), as written, and
/// where: what the generated crate's signature checks report a wrong path
/// or signature at (`emit/signatures.rs`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecPath {
    pub path: String,
    /// The start of the path in the spec.
    pub at: Location,
}

impl SpecPath {
    pub fn as_str(&self) -> &str {
        &self.path
    }
}

impl std::ops::Deref for SpecPath {
    type Target = str;

    fn deref(&self) -> &str {
        &self.path
    }
}

impl std::fmt::Display for SpecPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.path)
    }
}

impl PartialEq<str> for SpecPath {
    fn eq(&self, other: &str) -> bool {
        self.path == other
    }
}

impl PartialEq<&str> for SpecPath {
    fn eq(&self, other: &&str) -> bool {
        self.path == *other
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Const {
    pub name: String,
    pub value: u64,
    pub docs: Vec<String>,
    pub origin: Location,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    pub name: String,
    /// The id of Linux's `.initcall<id>.init` section: `"1s"`, `"early"`.
    pub section: String,
    pub docs: Vec<String>,
    pub origin: Location,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    pub name: String,
    pub docs: Vec<String>,
    /// The Rust type of the state its provider builds, if it has one
    /// (`resource SockRegistry: path::to::State;`).
    #[serde(default)]
    pub state: Option<SpecPath>,
    /// The initcall that provides it, and that initcall's level.
    pub provider: String,
    pub level: String,
    pub origin: Location,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Initcall {
    pub name: String,
    pub level: String,
    pub requires: Vec<String>,
    pub provides: Vec<String>,
    /// Rust path of the function that runs it.
    pub run: SpecPath,
    /// The pernet operations it registers after `run` returns, in
    /// registration order.
    #[serde(default)]
    pub registers: Vec<String>,
    /// The protocol-table entries it registers after `run` returns (before
    /// its pernet operations), in Linux's `inet_init` order: protos,
    /// families, inet protocols, protosw entries, packet types, each kind in
    /// spec order.
    #[serde(default)]
    pub table_entries: Vec<TableRegistration>,
    pub docs: Vec<String>,
    pub origin: Location,
}

/// Which list a pernet operation joins: Linux's `register_pernet_subsys`
/// puts it before `first_device`, `register_pernet_device` at the end. In
/// every namespace, subsys operations are initialized before device ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PernetKind {
    Subsys,
    Device,
}

impl PernetKind {
    /// The spec keyword: `subsys` or `device`.
    pub fn keyword(self) -> &'static str {
        match self {
            PernetKind::Subsys => "subsys",
            PernetKind::Device => "device",
        }
    }

    /// The Linux function that registers an operation of this kind.
    pub fn register_fn(self) -> &'static str {
        match self {
            PernetKind::Subsys => "register_pernet_subsys",
            PernetKind::Device => "register_pernet_device",
        }
    }
}

/// A pernet operation (Linux's `struct pernet_operations`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pernet {
    pub name: String,
    pub kind: PernetKind,
    /// The initcall that registers it once its `run` returns.
    pub registered_by: String,
    /// Rust path of the per-namespace state type `init` builds.
    pub state: Option<SpecPath>,
    /// Resources its `init` needs.
    pub requires: Vec<String>,
    /// Pernet operations whose state its `init` reads.
    pub uses: Vec<String>,
    /// Rust paths of its functions, as written in the spec.
    pub init: Option<SpecPath>,
    pub pre_exit: Option<SpecPath>,
    pub exit: Option<SpecPath>,
    pub exit_batch: Option<SpecPath>,
    pub docs: Vec<String>,
    pub origin: Location,
}

impl Ir {
    /// The level record named `name`.
    pub fn level(&self, name: &str) -> Option<&Level> {
        self.levels.iter().find(|l| l.name == name)
    }

    /// The initcall record named `name`.
    pub fn initcall(&self, name: &str) -> Option<&Initcall> {
        self.initcalls.iter().find(|c| c.name == name)
    }
}

// ---- protocol tables (spec/protocols.ng) ---------------------------------

/// The kinds of protocol-table section, in the order an initcall
/// registers them (Linux's `inet_init`: `proto_register`, `sock_register`,
/// `inet_add_protocol`, `inet_register_protosw`, `dev_add_pack`); `proto_ops`
/// vtables are not registered, only named by `protosw`s and families'
/// `create` functions; `nf_hook`s are registered in each namespace by the
/// pernet operation they name (`nf_register_net_hook`). The derived `Ord`
/// is that registration order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TableKind {
    Proto,
    Family,
    InetProtocol,
    Protosw,
    PacketType,
    ProtoOps,
    NfHook,
}

impl TableKind {
    pub const ALL: [TableKind; 7] = [
        TableKind::Proto,
        TableKind::ProtoOps,
        TableKind::Family,
        TableKind::InetProtocol,
        TableKind::Protosw,
        TableKind::PacketType,
        TableKind::NfHook,
    ];

    /// The spec keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            TableKind::Proto => "proto",
            TableKind::ProtoOps => "proto_ops",
            TableKind::Family => "family",
            TableKind::InetProtocol => "inet_protocol",
            TableKind::Protosw => "protosw",
            TableKind::PacketType => "packet_type",
            TableKind::NfHook => "nf_hook",
        }
    }

    pub fn from_keyword(kw: &str) -> Option<TableKind> {
        TableKind::ALL.into_iter().find(|k| k.keyword() == kw)
    }

    /// The Linux function that registers an entry; `None` for `proto_ops`.
    pub fn register_fn(self) -> Option<&'static str> {
        match self {
            TableKind::Proto => Some("proto_register"),
            TableKind::Family => Some("sock_register"),
            TableKind::InetProtocol => Some("inet_add_protocol"),
            TableKind::Protosw => Some("inet_register_protosw"),
            TableKind::PacketType => Some("dev_add_pack"),
            TableKind::NfHook => Some("nf_register_net_hook"),
            TableKind::ProtoOps => None,
        }
    }

    /// The resource holding the table an entry is registered in: its
    /// registrar (for an `nf_hook`, the initcall registering its pernet
    /// operation) must require or provide it.
    pub fn resource(self) -> Option<&'static str> {
        match self {
            TableKind::Proto => Some("SockCache"),
            TableKind::Family => Some("SockRegistry"),
            TableKind::InetProtocol => Some("InetProtos"),
            TableKind::Protosw => Some("Inetsw"),
            TableKind::PacketType => Some("PtypeBase"),
            TableKind::NfHook => Some("NfHooks"),
            TableKind::ProtoOps => None,
        }
    }
}

/// A number as the spec wrote it: a literal, or a constant's name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Number {
    pub value: u64,
    /// The constant it was written as (`IPPROTO_UDP`), if any.
    pub constant: Option<String>,
}

impl Number {
    /// `IPPROTO_UDP`, or the value.
    pub fn written(&self) -> String {
        self.constant.clone().unwrap_or_else(|| self.value.to_string())
    }
}

/// A function field of a vtable section: `bind: path::to::fn;`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodImpl {
    /// The field: `bind`.
    pub method: String,
    /// The Rust path, as written.
    pub path: SpecPath,
}

/// `struct proto` (`proto NAME { .. }`), registered with `proto_register`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proto {
    /// The C variable: `tcp_prot`.
    pub name: String,
    /// `prot->name`: `"TCP"`.
    pub display_name: String,
    pub obj_size: u64,
    /// `proto_register(prot, alloc_slab)`.
    pub slab: bool,
    pub registered_by: String,
    /// The methods the spec gives, in `struct proto` order.
    pub methods: Vec<MethodImpl>,
    pub docs: Vec<String>,
    pub origin: Location,
}

/// `struct proto_ops` (`proto_ops NAME { .. }`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtoOps {
    pub name: String,
    pub family: Number,
    /// The methods the spec gives, in `struct proto_ops` order.
    pub methods: Vec<MethodImpl>,
    pub docs: Vec<String>,
    pub origin: Location,
}

/// `struct net_proto_family` (`family NAME { .. }`), for `sock_register`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Family {
    pub name: String,
    pub family: Number,
    pub create: SpecPath,
    pub registered_by: String,
    pub docs: Vec<String>,
    pub origin: Location,
}

/// `struct net_protocol` (`inet_protocol NAME { .. }`), for `inet_add_protocol`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InetProtocol {
    pub name: String,
    pub protocol: Number,
    pub handler: SpecPath,
    pub err_handler: Option<SpecPath>,
    pub no_policy: bool,
    pub netns_ok: bool,
    pub registered_by: String,
    pub docs: Vec<String>,
    pub origin: Location,
}

/// `struct inet_protosw` (`protosw NAME { .. }`), for `inet_register_protosw`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Protosw {
    pub name: String,
    #[serde(rename = "type")]
    pub type_: Number,
    pub protocol: Number,
    /// The `proto` section it names.
    pub prot: String,
    /// The `proto_ops` section it names.
    pub ops: String,
    /// `PERMANENT`, `REUSE`, `ICSK`, in that order.
    pub flags: Vec<String>,
    pub registered_by: String,
    pub docs: Vec<String>,
    pub origin: Location,
}

/// `struct packet_type` (`packet_type NAME { .. }`), for `dev_add_pack`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PacketType {
    pub name: String,
    #[serde(rename = "type")]
    pub type_: Number,
    pub func: SpecPath,
    /// `list_func`, if the entry takes whole batches (`ip_list_rcv`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_func: Option<SpecPath>,
    pub registered_by: String,
    pub docs: Vec<String>,
    pub origin: Location,
}

/// `struct nf_hook_ops` (`nf_hook NAME { .. }`), registered in every
/// namespace by the pernet operation it names (`nf_register_net_hook`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NfHook {
    pub name: String,
    /// `NFPROTO_IPV4`.
    pub pf: Number,
    /// The point, as Linux names it (`NF_INET_LOCAL_IN`), and its number.
    pub hooknum: Named<u8>,
    /// `NF_IP_PRI_FILTER`, or a number.
    pub priority: Named<i32>,
    pub hook: SpecPath,
    /// The pernet operation whose `init` registers it.
    pub registered_by: String,
    pub docs: Vec<String>,
    pub origin: Location,
}

/// A value written as one of Linux's names (`NF_INET_LOCAL_IN`,
/// `NF_IP_PRI_FILTER`) or as a number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Named<T> {
    pub value: T,
    pub name: Option<String>,
}

impl<T: std::fmt::Display> Named<T> {
    /// The name, or the value.
    pub fn written(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.value.to_string())
    }
}

/// The spec's protocol tables, each in spec order: an entry's index is its
/// position.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tables {
    pub protos: Vec<Proto>,
    pub proto_ops: Vec<ProtoOps>,
    pub families: Vec<Family>,
    pub inet_protocols: Vec<InetProtocol>,
    pub protosw: Vec<Protosw>,
    pub packet_types: Vec<PacketType>,
    #[serde(default)]
    pub nf_hooks: Vec<NfHook>,
}

impl Tables {
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Entries of every kind.
    pub fn len(&self) -> usize {
        self.protos.len()
            + self.proto_ops.len()
            + self.families.len()
            + self.inet_protocols.len()
            + self.protosw.len()
            + self.packet_types.len()
            + self.nf_hooks.len()
    }
}

/// One table entry an initcall registers after its `run`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableRegistration {
    pub kind: TableKind,
    pub name: String,
    /// How Linux writes the call: `inet_add_protocol(&udp_protocol, IPPROTO_UDP)`.
    pub call: String,
}

impl Initcall {
    /// Whether it runs through a generated wrapper (in `pernet.rs`) that
    /// registers what it registers after its `run`.
    pub fn has_wrapper(&self) -> bool {
        !self.registers.is_empty() || !self.table_entries.is_empty()
    }
}

impl Tables {
    /// The function fields of each entry of `kind`, in spec order, as
    /// [`MethodImpl`]s whichever way the IR stores them (a `proto_ops`
    /// keeps a list, a `family` its one `create`, a `packet_type` its
    /// `func` and optional `list_func`); `protosw` has none.
    pub fn function_fields(&self, kind: TableKind) -> Vec<(&str, Vec<MethodImpl>)> {
        let one = |method: &str, path: &SpecPath| MethodImpl { method: method.to_string(), path: path.clone() };
        match kind {
            TableKind::Proto => self.protos.iter().map(|p| (p.name.as_str(), p.methods.clone())).collect(),
            TableKind::ProtoOps => self.proto_ops.iter().map(|o| (o.name.as_str(), o.methods.clone())).collect(),
            TableKind::Family => {
                self.families.iter().map(|f| (f.name.as_str(), vec![one("create", &f.create)])).collect()
            }
            TableKind::InetProtocol => self
                .inet_protocols
                .iter()
                .map(|p| {
                    let mut fns = vec![one("handler", &p.handler)];
                    fns.extend(p.err_handler.as_ref().map(|e| one("err_handler", e)));
                    (p.name.as_str(), fns)
                })
                .collect(),
            TableKind::PacketType => self
                .packet_types
                .iter()
                .map(|p| {
                    let mut fns = vec![one("func", &p.func)];
                    fns.extend(p.list_func.as_ref().map(|l| one("list_func", l)));
                    (p.name.as_str(), fns)
                })
                .collect(),
            TableKind::Protosw => self.protosw.iter().map(|p| (p.name.as_str(), Vec::new())).collect(),
            TableKind::NfHook => self.nf_hooks.iter().map(|h| (h.name.as_str(), vec![one("hook", &h.hook)])).collect(),
        }
    }
}
