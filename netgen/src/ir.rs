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
    /// The NICs the spec describes (`netdev`), with their register maps and
    /// DMA descriptors, in spec order.
    #[serde(default)]
    pub netdevs: Vec<Netdev>,
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

/// A NIC: `netdev igb { rx_queue: 16; .. }` with the `registers igb { .. }`
/// and `descriptors igb { .. }` blocks that describe it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Netdev {
    pub name: String,
    pub docs: Vec<String>,
    pub origin: Location,
    /// What array registers are indexed by (`rx_queue: 16`), in spec order.
    pub index_spaces: Vec<IndexSpace>,
    /// Every register, in spec order (blocks in file order).
    pub registers: Vec<Register>,
    /// 64-bit counters made of two registers (`GORC: [GORCL, GORCH];`).
    pub counters64: Vec<Counter64>,
    pub descriptors: Vec<Descriptor>,
}

impl Netdev {
    pub fn register(&self, name: &str) -> Option<&Register> {
        self.registers.iter().find(|r| r.name == name)
    }

    pub fn index_space(&self, name: &str) -> Option<&IndexSpace> {
        self.index_spaces.iter().find(|s| s.name == name)
    }
}

/// `rx_queue: 16;`: an index runs from 0 to `count - 1`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexSpace {
    pub name: String,
    pub count: u64,
    pub docs: Vec<String>,
    pub origin: Location,
}

/// How software may access a register (the datasheet's RO, RW, WO, W1C,
/// RC, RC/W1C and the mask registers' "write 1 to set"): the register
/// layer's own definition, which the generated code uses too.
pub use netgen_mmio::Access;

/// A register: `RDBAL(n: rx_queue) @ <offset> { access: rw; reset: 0; FIELD [hi:lo]; .. }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Register {
    /// Linux's name without `E1000_`: `RCTL`, `RDBAL`.
    pub name: String,
    pub docs: Vec<String>,
    pub origin: Location,
    pub access: Access,
    /// For an array register, its index and what the index ranges over.
    pub index: Option<RegisterIndex>,
    /// The offset, over the index for an array register.
    pub offset: Expr,
    /// The value after reset, over the index for an array register.
    pub reset: Expr,
    /// Every instance (one for a plain register), in index order, with
    /// its offset and reset value worked out.
    pub instances: Vec<Instance>,
    pub fields: Vec<Field>,
    /// The register whose fields these are (`fields: ICR;`), if copied.
    pub fields_of: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterIndex {
    /// The name the offset uses: `n`.
    pub var: String,
    /// The netdev's index space: `rx_queue`.
    pub space: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    pub index: Option<u64>,
    pub offset: u64,
    pub reset: u64,
}

/// A bit field of a register or of a descriptor word: `BSIZE [17:16] { SZ_2048: 0; .. }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    pub docs: Vec<String>,
    pub origin: Location,
    /// The lowest bit.
    pub lo: u32,
    /// In bits, at least 1.
    pub width: u32,
    /// Named values, in spec order.
    pub values: Vec<NamedValue>,
}

impl Field {
    /// The field's bits in place: `0x3 << 16` for `[17:16]`.
    pub fn mask(&self) -> u64 {
        (u64::MAX >> (64 - self.width)) << self.lo
    }

    /// The highest bit.
    pub fn hi(&self) -> u32 {
        self.lo + self.width - 1
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedValue {
    pub name: String,
    pub value: u64,
    pub docs: Vec<String>,
    pub origin: Location,
}

/// `GORC: [GORCL, GORCH];`: a 64-bit statistics counter kept in two
/// adjacent clear-on-read registers; reading the high half clears both.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counter64 {
    pub name: String,
    pub low: String,
    pub high: String,
    pub docs: Vec<String>,
    pub origin: Location,
}

/// An expression over a register's index (`n`); spec constants are
/// replaced by their values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expr {
    Int(u64),
    /// The register's index.
    Index,
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `cond ? then : else`; `cond` is a comparison.
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
}

impl Expr {
    /// The value at index `n` (checked when the spec was analyzed: no
    /// overflow at any index in range).
    pub fn eval(&self, n: u64) -> Option<u64> {
        Some(match self {
            Expr::Int(v) => *v,
            Expr::Index => n,
            Expr::Binary(op, a, b) => op.apply(a.eval(n)?, b.eval(n)?)?,
            Expr::Cond(c, a, b) => {
                if c.eval(n)? != 0 {
                    a.eval(n)?
                } else {
                    b.eval(n)?
                }
            }
        })
    }

    pub fn uses_index(&self) -> bool {
        match self {
            Expr::Int(_) => false,
            Expr::Index => true,
            Expr::Binary(_, a, b) => a.uses_index() || b.uses_index(),
            Expr::Cond(c, a, b) => c.uses_index() || a.uses_index() || b.uses_index(),
        }
    }
}

/// The operators of offset and reset expressions, as in C.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BinOp {
    Mul,
    Add,
    Sub,
    Shl,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Mul => "*",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Shl => "<<",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
        }
    }

    /// Whether it compares (its value is a truth, 1 or 0).
    pub fn is_comparison(self) -> bool {
        !matches!(self, BinOp::Mul | BinOp::Add | BinOp::Sub | BinOp::Shl)
    }

    /// `a op b` in 64 bits; `None` on overflow, underflow or a shift of
    /// 64 or more.
    pub fn apply(self, a: u64, b: u64) -> Option<u64> {
        match self {
            BinOp::Mul => a.checked_mul(b),
            BinOp::Add => a.checked_add(b),
            BinOp::Sub => a.checked_sub(b),
            BinOp::Shl => u32::try_from(b).ok().filter(|&b| b < 64).and_then(|b| a.checked_mul(1 << b)),
            BinOp::Lt => Some(u64::from(a < b)),
            BinOp::Le => Some(u64::from(a <= b)),
            BinOp::Gt => Some(u64::from(a > b)),
            BinOp::Ge => Some(u64::from(a >= b)),
            BinOp::Eq => Some(u64::from(a == b)),
            BinOp::Ne => Some(u64::from(a != b)),
        }
    }
}

/// A DMA descriptor: `union e1000_adv_rx_desc { size: 16; read { .. } wb { .. } }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Descriptor {
    /// Linux's name: `e1000_adv_rx_desc`.
    pub name: String,
    pub docs: Vec<String>,
    pub origin: Location,
    /// In bytes.
    pub size: u64,
    /// A union of views (`read`, `wb`), or one struct.
    pub union: bool,
    pub members: Vec<DescMember>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DescMember {
    pub name: String,
    pub docs: Vec<String>,
    pub origin: Location,
    pub kind: DescKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DescKind {
    /// A little-endian integer (`__le32`) at a byte offset of the
    /// descriptor, with its named bits.
    Field {
        offset: u64,
        bits: u32,
        fields: Vec<Field>,
    },
    Struct(Vec<DescMember>),
    Union(Vec<DescMember>),
}

impl Descriptor {
    /// Every integer field with its path (`wb.upper.status_error`), in
    /// spec order.
    pub fn leaves(&self) -> Vec<(String, &DescMember)> {
        fn walk<'a>(prefix: &str, members: &'a [DescMember], out: &mut Vec<(String, &'a DescMember)>) {
            for m in members {
                let path = if prefix.is_empty() { m.name.clone() } else { format!("{prefix}.{}", m.name) };
                match &m.kind {
                    DescKind::Field { .. } => out.push((path, m)),
                    DescKind::Struct(inner) | DescKind::Union(inner) => walk(&path, inner, out),
                }
            }
        }
        let mut out = Vec::new();
        walk("", &self.members, &mut out);
        out
    }
}
