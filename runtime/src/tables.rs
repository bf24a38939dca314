//! The protocol tables the spec fills, and what the generated crate must
//! implement to dispatch through them.
//!
//! Linux fills `net_families` (`sock_register`), `inet_protos`
//! (`inet_add_protocol`), `inetsw` (`inet_register_protosw`), `proto_list`
//! (`proto_register`) and `ptype_all`/`ptype_base` (`dev_add_pack`) at boot,
//! and every packet and socket call goes through a function pointer found
//! there. Here the spec's entries (spec/protocols.ng) are known when the
//! stack is compiled: netgen emits one `impl ProtoSpec` whose methods are
//! `match`es from an entry's index to a direct call of the function the spec
//! names. The run-time tables still exist — registration, removal and the
//! Linux errors work as in Linux — but a slot holds [`Entry::Spec`]
//! (an index, dispatched by the generated `match`) or [`Entry::Dyn`]
//! (an entry registered by code outside the spec, called through a
//! function pointer on the slow path).
//!
//! Every function the spec names has one of the signatures below; the
//! generated crate does not compile if a spec path does not.

use std::fmt;

use crate::errno::Errno;
use crate::init::InitResult;
use crate::kernel::{HasState, Kernel};
use crate::netns::{Net, PernetSpec, PernetState};
use crate::skbuff::SkBuff;

/// A socket descriptor, per namespace (as if each namespace were one
/// process's fd table).
pub type Fd = i32;

/// `struct sockaddr` in the forms the stack understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SockAddr {
    /// `AF_UNSPEC` (connect to it dissolves an association).
    Unspec,
    /// `struct sockaddr_in`.
    Inet(std::net::SocketAddrV4),
    /// `struct sockaddr_ll`: `sll_protocol` (ethertype, host order) and
    /// `sll_ifindex` (0: any device).
    Packet { protocol: u16, ifindex: i32 },
}

/// `NET_RX_SUCCESS` / `NET_RX_DROP`: what a receive handler did with the
/// packet it was given (it owns it either way).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetRx {
    Success,
    Drop,
}

/// The context every handler and socket call runs in: the namespace, the
/// kernel-wide tables, and the CPU (per-CPU counters).
pub struct NetCx<'a, S: PernetSpec> {
    pub tables: &'a Tables<'a, S>,
    pub net: &'a mut Net<S>,
    pub cpu: usize,
}

/// Runs `f` in namespace `net` on CPU 0, as a system call would: the
/// kernel's tables are looked up once and the namespace's lock is held for
/// the call. `ENOENT` if the tables are not there (boot did not build them).
pub fn with_cx<S: ProtoSpec, R>(
    k: &crate::Kernel<S>,
    net: &crate::netns::NetRef<S>,
    f: impl FnOnce(&mut NetCx<'_, S>) -> R,
) -> Result<R, Errno> {
    let tables = Tables::new(k)?;
    let mut guard = net.write();
    let mut cx = NetCx::new(&tables, &mut guard, 0);
    Ok(f(&mut cx))
}

impl<'a, S: ProtoSpec> NetCx<'a, S> {
    /// A context for `net` on `cpu`.
    pub fn new(tables: &'a Tables<'a, S>, net: &'a mut Net<S>, cpu: usize) -> Self {
        NetCx { tables, net, cpu }
    }

    /// The namespace's state of type `T` (`ENOENT` while the `pernet`
    /// operation keeping it is not registered).
    #[inline]
    pub fn state<T>(&self) -> Result<&T, Errno>
    where
        S: NetState<T>,
    {
        <S as NetState<T>>::state(self.net)
    }

    /// Mutable [`NetCx::state`].
    #[inline]
    pub fn state_mut<T>(&mut self) -> Result<&mut T, Errno>
    where
        S: NetState<T>,
    {
        <S as NetState<T>>::state_mut(self.net)
    }

    /// `*_INC_STATS(net, field)` on this context's CPU; nothing if the
    /// MIBs are not there (`ipv4_mib_ops` unregistered).
    #[inline]
    pub fn mib_inc(&mut self, counter: impl Into<crate::inet::mib::Ipv4Counter>) {
        let cpu = self.cpu;
        if let Ok(m) = self.state_mut::<crate::inet::mib::Ipv4Mib>() {
            m.inc(cpu, counter);
        }
    }

    /// This CPU's MIB counters, for a path that bumps several.
    #[inline]
    pub fn mib_row(&mut self) -> Option<crate::inet::mib::MibRow<'_>> {
        let cpu = self.cpu;
        self.state_mut::<crate::inet::mib::Ipv4Mib>().ok()?.row(cpu)
    }

    /// `*_ADD_STATS(net, field, n)` on this context's CPU.
    #[inline]
    pub fn mib_add(&mut self, counter: impl Into<crate::inet::mib::Ipv4Counter>, n: u64) {
        let cpu = self.cpu;
        if let Ok(m) = self.state_mut::<crate::inet::mib::Ipv4Mib>() {
            m.add(cpu, counter, n);
        }
    }
}

/// References to the kernel-wide tables, taken once per batch (a NAPI poll,
/// a system call) so no packet looks anything up by type in the kernel.
pub struct Tables<'a, S: PernetSpec> {
    pub families: &'a crate::socket::SockRegistryState<S>,
    pub inet_protos: &'a crate::inet::InetProtosState<S>,
    pub inetsw: &'a crate::inet::InetswState<S>,
    pub ptype: &'a crate::dev::PtypeBaseState<S>,
    pub protos: &'a crate::socket::SockCacheState,
}

impl<'a, S: ProtoSpec> Tables<'a, S> {
    /// Takes the references from the booted kernel: `ENOENT` until
    /// `sock_init`, `net_dev_init` and `inet_init` have run.
    pub fn new(k: &'a Kernel<S>) -> Result<Tables<'a, S>, Errno> {
        Ok(Tables { families: k.get()?, inet_protos: k.get()?, inetsw: k.get()?, ptype: k.get()?, protos: k.get()? })
    }
}

/// The per-namespace state of type `T`, for generic code: `S: NetState<T>`
/// is a bound on the spec type, so it can be a supertrait of [`ProtoSpec`]
/// and every function generic over `S: ProtoSpec` may use it without
/// repeating where-clauses.
#[diagnostic::on_unimplemented(
    message = "the packet path needs per-namespace state `{T}`, but no `pernet` operation in the spec keeps it",
    label = "no `pernet` section has `state: {T}`",
    note = "declare one in spec/pernet.ng and run `cargo run -p netgen -- generate`"
)]
pub trait NetState<T>: PernetSpec {
    fn state(net: &Net<Self>) -> Result<&T, Errno>;
    fn state_mut(net: &mut Net<Self>) -> Result<&mut T, Errno>;
}

impl<S: PernetSpec, T: PernetState<S>> NetState<T> for S {
    fn state(net: &Net<S>) -> Result<&T, Errno> {
        net.get::<T>()
    }
    fn state_mut(net: &mut Net<S>) -> Result<&mut T, Errno> {
        net.get_mut::<T>()
    }
}

/// The identity of one run-time registration: what Linux compares when it
/// compares a `struct packet_type *` or `struct net_protocol *`. Every
/// registration made by code outside the spec gets a new one, so two
/// registrations with the same name (or the same function) are two
/// registrations; a copy of a registered value keeps its handle, as a copy
/// of a pointer points at the same struct.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Handle(std::num::NonZeroU64);

impl Handle {
    /// A handle no other registration has.
    pub fn new() -> Handle {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // 2^64 registrations do not happen; should the counter wrap, 0 is
        // skipped rather than reused.
        Handle(std::num::NonZeroU64::new(n).unwrap_or(std::num::NonZeroU64::MIN))
    }
}

impl Default for Handle {
    fn default() -> Handle {
        Handle::new()
    }
}

/// Which registration an entry is: spec entry `i` of its table, or a
/// run-time registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntryId {
    Spec(u16),
    Dyn(Handle),
}

/// An entry of a run-time table: a spec entry (its index in the descriptor
/// array the generated crate declares, dispatched by the generated `match`)
/// or a typed function `F` registered by code outside the spec, with the
/// handle that identifies the registration. A handler of the wrong type
/// does not compile; two entries are equal when they are the same
/// registration.
#[derive(Clone, Copy)]
pub enum Entry<F> {
    Spec(u16),
    Fn(F, Handle),
}

impl<F> Entry<F> {
    /// A run-time entry calling `f`, with a new handle.
    pub fn func(f: F) -> Entry<F> {
        Entry::Fn(f, Handle::new())
    }

    /// Which registration this is.
    #[inline]
    pub fn id(&self) -> EntryId {
        match self {
            Entry::Spec(i) => EntryId::Spec(*i),
            Entry::Fn(_, h) => EntryId::Dyn(*h),
        }
    }
}

impl<F> fmt::Debug for Entry<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entry::Spec(i) => write!(f, "Spec({i})"),
            Entry::Fn(_, h) => write!(f, "Fn({:?})", h.0),
        }
    }
}

impl<F> PartialEq for Entry<F> {
    fn eq(&self, other: &Entry<F>) -> bool {
        self.id() == other.id()
    }
}
impl<F> Eq for Entry<F> {}

/// `packet_type.func`: `ip_rcv`, `arp_rcv`, ... (`skb->data` at the network
/// header, `skb->protocol` set).
pub type PacketRcvFn<S> = fn(&mut NetCx<'_, S>, SkBuff) -> NetRx;
/// `net_protocol.handler`: `udp_rcv`, `icmp_rcv`, ... (`skb->data` at the
/// transport header, the IP header still in the buffer before it).
pub type InetRcvFn<S> = fn(&mut NetCx<'_, S>, SkBuff) -> NetRx;
/// `net_protocol.err_handler`: `udp_err`, ... for an ICMP error about a
/// packet this protocol sent; `skb` holds the quoted IP header and `info`
/// is `(type << 8) | code`.
pub type InetErrFn<S> = fn(&mut NetCx<'_, S>, &SkBuff, u32) -> Result<(), Errno>;
/// `net_proto_family.create`: fills in socket `fd` (already in the
/// namespace's table) with its `ops` and `prot` (`inet_create`,
/// `packet_create`).
pub type FamilyCreateFn<S> = fn(&mut NetCx<'_, S>, Fd, i32, bool) -> Result<(), Errno>;

/// The handler types above are the vtable's signatures
/// ([`netgen_vtables::vtables!`]) less the index: a change of the table
/// that they do not follow fails to compile here.
#[allow(dead_code)]
fn handler_types_follow_the_vtable<S: ProtoSpec>() {
    let _: PacketRcvFn<S> = |cx, skb| S::packet_type_rcv(0, cx, skb);
    let _: InetRcvFn<S> = |cx, skb| S::inet_protocol_rcv(0, cx, skb);
    let _: InetErrFn<S> = |cx, skb, info| S::inet_protocol_err(0, cx, skb, info);
    let _: FamilyCreateFn<S> = |cx, fd, protocol, kern| S::family_create(0, cx, fd, protocol, kern);
}

/// `struct net_proto_family` in the spec (`family NAME { .. }`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FamilyDesc {
    /// The C variable: `inet_family_ops`.
    pub name: &'static str,
    /// `PF_INET`, ...
    pub family: u16,
    /// The create function's path, for listings.
    pub create: &'static str,
    pub registered_by: &'static str,
}

/// `struct net_protocol` in the spec (`inet_protocol NAME { .. }`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InetProtocolDesc {
    /// `udp_protocol`.
    pub name: &'static str,
    /// Its slot in `inet_protos`: `IPPROTO_UDP`.
    pub protocol: u8,
    pub handler: &'static str,
    pub err_handler: Option<&'static str>,
    pub no_policy: bool,
    pub netns_ok: bool,
    pub registered_by: &'static str,
}

/// `struct proto` in the spec (`proto NAME { .. }`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProtoDesc {
    /// The C variable: `udp_prot`.
    pub ident: &'static str,
    /// `prot->name` as /proc/net/protocols shows it: `"UDP"`.
    pub name: &'static str,
    pub obj_size: usize,
    /// `proto_register(prot, alloc_slab)`.
    pub slab: bool,
    /// The methods the spec gives it (Linux: the non-NULL pointers), for
    /// callers that check as Linux does (`if (sk->sk_prot->bind)` is
    /// `desc.methods.bind`).
    pub methods: ProtoMethods,
    pub registered_by: &'static str,
}

/// `struct proto_ops` in the spec (`proto_ops NAME { .. }`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProtoOpsDesc {
    /// `inet_dgram_ops`.
    pub ident: &'static str,
    /// `PF_INET`, ...
    pub family: u16,
    /// The methods the spec gives; the others dispatch to `sock_no_*`.
    pub methods: ProtoOpsMethods,
}

/// `struct inet_protosw` in the spec (`protosw NAME { .. }`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProtoswDesc {
    pub ident: &'static str,
    /// `SOCK_STREAM`, ...
    pub type_: u16,
    /// `IPPROTO_*`; `IPPROTO_IP` (0) is the wildcard.
    pub protocol: u8,
    /// Index into [`ProtoSpec::PROTOS`].
    pub prot: u16,
    /// Index into [`ProtoSpec::PROTO_OPS`].
    pub ops: u16,
    /// `INET_PROTOSW_PERMANENT | INET_PROTOSW_REUSE | INET_PROTOSW_ICSK`.
    pub flags: u8,
    pub registered_by: &'static str,
}

/// `struct packet_type` in the spec (`packet_type NAME { .. }`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketTypeDesc {
    /// `ip_packet_type`.
    pub name: &'static str,
    /// Ethertype, host order; `ETH_P_ALL` for a tap.
    pub type_: u16,
    pub func: &'static str,
    pub registered_by: &'static str,
}

/// The methods of each vtable, from the one table
/// ([`netgen_vtables::vtables!`]): the dispatch trait's methods, the
/// method-presence sets, the run-time `proto_ops` struct and (in
/// [`crate::socket::no`]) the defaults are all written by the macros below
/// from it.
macro_rules! for_each_vtable {
    ($then:ident) => {
        netgen_vtables::vtables! { $then {} }
    };
}
pub(crate) use for_each_vtable;

/// Trait items: one dispatch method per vtable method, taking the entry's
/// index, the context and the method's parameters.
macro_rules! dispatch_methods {
    ($(
        $(#[$tdoc:meta])*
        $table:ident($index:ident) {
            $(
                $(#[$doc:meta])*
                $field:ident => $method:ident($($p:ident: $t:ty),*) $(-> $ret:ty)? = $kind:ident $(($($missing:tt)*))?;
            )*
        }
    )*) => {
        $($(
            #[doc = concat!("`", stringify!($table), ".", stringify!($field), "` of spec entry `", stringify!($index), "`:")]
            $(#[$doc])*
            fn $method($index: u16, cx: &mut NetCx<'_, Self>, $($p: $t),*) $(-> $ret)?;
        )*)*
    };
}

/// A set of method-presence flags per vtable that has optional methods:
/// [`ProtoMethods`] (`struct proto`) and [`ProtoOpsMethods`] (`struct
/// proto_ops`).
macro_rules! method_sets {
    (
        $(#[$fdoc:meta])* family($fi:ident) { $($family:tt)* }
        $(#[$pdoc:meta])* packet_type($pi:ident) { $($packet:tt)* }
        $(#[$idoc:meta])* inet_protocol($ii:ident) { $($inet:tt)* }
        $(#[$odoc:meta])* proto_ops($oi:ident) { $($ops:tt)* }
        $(#[$rdoc:meta])* proto($ri:ident) { $($prot:tt)* }
    ) => {
        method_set!(
            /// Which `struct proto` methods a spec `proto` gives (Linux: which
            /// pointers are not NULL). A misspelt method does not compile.
            ProtoMethods { $($prot)* }
        );
        method_set!(
            /// Which `struct proto_ops` methods a spec `proto_ops` gives; the
            /// others are Linux's `sock_no_*`.
            ProtoOpsMethods { $($ops)* }
        );
    };
}

macro_rules! method_set {
    ($(#[$sdoc:meta])* $name:ident {
        $(
            $(#[$doc:meta])*
            $field:ident => $method:ident($($p:ident: $t:ty),*) $(-> $ret:ty)? = $kind:ident $(($($missing:tt)*))?;
        )*
    }) => {
        $(#[$sdoc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct $name {
            $(
                $(#[$doc])*
                pub $field: bool,
            )*
        }

        impl $name {
            /// No method given.
            pub const NONE: $name = $name { $($field: false),* };
        }
    };
}

for_each_vtable!(method_sets);

/// What netgen generates from the spec's protocol sections. Indices are
/// positions in the descriptor arrays; each dispatch method is a `match`
/// on them calling the spec's function directly. An index out of range
/// (never produced by the tables) is `EINVAL` / a drop.
///
/// `proto_ops` methods an entry does not give dispatch to Linux's
/// `sock_no_*` (crate::socket::no); `proto` methods it does not give to
/// `crate::socket::no::sk_prot_no_*` (callers check [`ProtoMethods`]
/// first where Linux checks for NULL).
pub trait ProtoSpec:
    PernetSpec
    + Copy
    + fmt::Debug
    + Eq
    + Send
    + Sync
    + 'static
    + RuntimeStates
    + NetState<crate::sock::ProtInuseCounters>
    + NetState<crate::dev::NetDevTables>
    + NetState<crate::socket::sock::Sockets<Self>>
    + NetState<crate::dev::ptype::NetPtype<Self>>
    + NetState<crate::inet::arp::NeighTable>
    + NetState<crate::inet::mib::Ipv4Mib>
    + NetState<crate::inet::netns_ipv4::Ipv4Net>
    + NetState<crate::sysctl::SysctlCoreNet>
{
    const FAMILIES: &'static [FamilyDesc];
    const INET_PROTOCOLS: &'static [InetProtocolDesc];
    const PROTOS: &'static [ProtoDesc];
    const PROTO_OPS: &'static [ProtoOpsDesc];
    const PROTOSW: &'static [ProtoswDesc];
    const PACKET_TYPES: &'static [PacketTypeDesc];

    for_each_vtable!(dispatch_methods);
}

/// The kernel-wide states the runtime's subsystems build and read: each is
/// the state of a spec `resource` (`HasState`), so the runtime reaches it
/// as a field of the generated struct.
pub trait RuntimeStates:
    crate::netns::NsKernel
    + HasState<crate::softirq::KsoftirqdState>
    + HasState<crate::socket::SockRegistryState<Self>>
    + HasState<crate::socket::SockCacheState>
    + HasState<crate::skbuff::SkbCacheState>
    + HasState<crate::socket::SockfsState>
    + HasState<crate::socket::NfHooksState>
    + HasState<crate::sock::ProtInuseState>
    + HasState<crate::netpoll::SkbPoolState>
    + HasState<crate::pci::PciBusState>
    + HasState<crate::sock::ProcNetProtocolsState>
    + HasState<crate::dev::PtypeBaseState<Self>>
    + HasState<crate::dev::OffloadBaseState>
    + HasState<crate::dev::SoftnetDataState>
    + HasState<crate::dev::NetSoftirqsState>
    + HasState<crate::dev::NetdevNetState>
    + HasState<crate::dev::LoopbackState>
    + HasState<crate::sysctl::SysctlNetCoreState>
    + HasState<crate::inet::InetProtoListState>
    + HasState<crate::inet::InetFamilyState>
    + HasState<crate::inet::InetProtosState<Self>>
    + HasState<crate::inet::InetswState<Self>>
    + HasState<crate::inet::ArpState>
    + HasState<crate::inet::IpPacketTypeState>
    + HasState<crate::inet::Ipv4OffloadState>
    + HasState<crate::packet::PacketFamilyState>
{
}

impl<S> RuntimeStates for S where
    S: crate::netns::NsKernel
        + HasState<crate::softirq::KsoftirqdState>
        + HasState<crate::socket::SockRegistryState<S>>
        + HasState<crate::socket::SockCacheState>
        + HasState<crate::skbuff::SkbCacheState>
        + HasState<crate::socket::SockfsState>
        + HasState<crate::socket::NfHooksState>
        + HasState<crate::sock::ProtInuseState>
        + HasState<crate::netpoll::SkbPoolState>
        + HasState<crate::pci::PciBusState>
        + HasState<crate::sock::ProcNetProtocolsState>
        + HasState<crate::dev::PtypeBaseState<S>>
        + HasState<crate::dev::OffloadBaseState>
        + HasState<crate::dev::SoftnetDataState>
        + HasState<crate::dev::NetSoftirqsState>
        + HasState<crate::dev::NetdevNetState>
        + HasState<crate::dev::LoopbackState>
        + HasState<crate::sysctl::SysctlNetCoreState>
        + HasState<crate::inet::InetProtoListState>
        + HasState<crate::inet::InetFamilyState>
        + HasState<crate::inet::InetProtosState<S>>
        + HasState<crate::inet::InetswState<S>>
        + HasState<crate::inet::ArpState>
        + HasState<crate::inet::IpPacketTypeState>
        + HasState<crate::inet::Ipv4OffloadState>
        + HasState<crate::packet::PacketFamilyState>
{
}

/// A struct of function pointers per vtable, for entries registered at
/// run time: [`DynProtoOps`].
macro_rules! fn_structs {
    (
        $(#[$fdoc:meta])* family($fi:ident) { $($family:tt)* }
        $(#[$pdoc:meta])* packet_type($pi:ident) { $($packet:tt)* }
        $(#[$idoc:meta])* inet_protocol($ii:ident) { $($inet:tt)* }
        $(#[$odoc:meta])* proto_ops($oi:ident) { $($ops:tt)* }
        $(#[$rdoc:meta])* proto($ri:ident) { $($prot:tt)* }
    ) => {
        fn_struct!(
            /// A `struct proto_ops` registered at run time, for sockets of a
            /// family or protosw outside the spec (its `create` puts it in
            /// `sock.ops`). [`DynProtoOps::no`] fills every method with
            /// Linux's `sock_no_*` default (`release` does nothing).
            DynProtoOps { $($ops)* }
        );
    };
}

macro_rules! fn_struct {
    ($(#[$sdoc:meta])* $name:ident {
        $(
            $(#[$doc:meta])*
            $field:ident => $method:ident($($p:ident: $t:ty),*) $(-> $ret:ty)? = $kind:ident $(($($missing:tt)*))?;
        )*
    }) => {
        $(#[$sdoc])*
        pub struct $name<S: PernetSpec> {
            pub name: &'static str,
            pub family: u16,
            $(
                $(#[$doc])*
                pub $field: fn(&mut NetCx<'_, S>, $($t),*) $(-> $ret)?,
            )*
        }

        impl<S: ProtoSpec> $name<S> {
            /// Every method Linux's default.
            pub fn no(name: &'static str, family: u16) -> Self {
                $name { name, family, $($field: no_method!($kind $(($($missing)*))? else release_nothing::<S>)),* }
            }
        }
    };
}

/// The default of one method: its `sock_no_*`; a required method (only
/// `release`) gets `$required`.
macro_rules! no_method {
    (default($name:ident { $($body:tt)* }) else $required:expr) => {
        crate::socket::no::$name::<S>
    };
    (required else $required:expr) => {
        $required
    };
}

for_each_vtable!(fn_structs);

impl<S: PernetSpec> Clone for DynProtoOps<S> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<S: PernetSpec> Copy for DynProtoOps<S> {}

impl<S: PernetSpec> fmt::Debug for DynProtoOps<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DynProtoOps({}, family {})", self.name, self.family)
    }
}

impl<S: ProtoSpec> DynProtoOps<S> {
    /// This vtable as a table entry (`sock->ops`), a new registration.
    pub fn entry(self) -> Entry<std::sync::Arc<DynProtoOps<S>>> {
        Entry::func(std::sync::Arc::new(self))
    }
}

/// `sock->ops` and `inet_protosw.ops`: a spec `proto_ops` or a run-time one.
pub type OpsEntry<S> = Entry<std::sync::Arc<DynProtoOps<S>>>;

fn release_nothing<S: ProtoSpec>(_: &mut NetCx<'_, S>, _: Fd) -> Result<(), Errno> {
    Ok(())
}

/// The last `::` segment of a spec path: the C function's name
/// (`netgen_runtime::inet::ip_input::ip_rcv` is `ip_rcv`).
pub fn fn_name(path: &'static str) -> &'static str {
    path.rsplit("::").next().unwrap_or(path)
}

/// The index of spec `proto` `ident` (`"packet_proto"`).
pub fn spec_proto<S: ProtoSpec>(ident: &str) -> Option<u16> {
    S::PROTOS.iter().position(|p| p.ident == ident).and_then(|i| u16::try_from(i).ok())
}

/// The index of spec `proto_ops` `ident` (`"packet_ops"`).
pub fn spec_proto_ops<S: ProtoSpec>(ident: &str) -> Option<u16> {
    S::PROTO_OPS.iter().position(|p| p.ident == ident).and_then(|i| u16::try_from(i).ok())
}

/// The spec entries one initcall registers (the entries whose
/// `registered_by` names it), as indices into the descriptor arrays, in
/// spec order. netgen generates one per registering initcall.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SpecEntries {
    pub protos: &'static [u16],
    pub families: &'static [u16],
    pub inet_protocols: &'static [u16],
    pub protosw: &'static [u16],
    pub packet_types: &'static [u16],
}

/// What [`register_spec_entries`] did, to undo on failure.
enum Registered<S: PernetSpec> {
    Proto(crate::sock::ProtoHandle),
    Family(u16),
    InetProtocol(u8, u16),
    Protosw(crate::inet::InetProtosw<S>),
    Pack(crate::dev::PacketType<S>),
}

fn undo<S: ProtoSpec>(k: &mut Kernel<S>, r: Registered<S>) {
    // Each entry was registered by this call and is still there; a
    // failure here would mean someone removed it meanwhile.
    let _ = match r {
        Registered::Proto(h) => crate::sock::proto_unregister(k, h),
        Registered::Family(f) => crate::socket::sock_unregister::<S>(k, f),
        Registered::InetProtocol(nr, i) => crate::inet::protocol::inet_del_protocol_id::<S>(k, EntryId::Spec(i), nr),
        Registered::Protosw(p) => crate::inet::inetsw_remove(k, &p),
        Registered::Pack(pt) => crate::dev::dev_remove_pack(k, &pt),
    };
}

/// The descriptors `indices` name, with their indices.
fn entries<D>(table: &'static [D], indices: &'static [u16]) -> impl DoubleEndedIterator<Item = (u16, &'static D)> {
    indices.iter().filter_map(move |&i| Some((i, table.get(usize::from(i))?)))
}

/// Registers the spec entries `which` names (an initcall's, generated from
/// its `registered_by`), in the order Linux's `inet_init` uses
/// (net/ipv4/af_inet.c): `proto_register` for its `proto`s,
/// `sock_register` for its families, `inet_add_protocol`,
/// `inet_register_protosw`, then `dev_add_pack` for its packet types. The
/// generated wrapper of an initcall calls this right after the initcall's
/// `run`, which created the empty tables.
///
/// As in `inet_init`, a taken `inet_protos` slot is logged ("inet_init:
/// Cannot add icmp_protocol") and boot goes on; any other failure undoes
/// what this call registered, newest first, and is returned.
pub fn register_spec_entries<S: ProtoSpec>(k: &mut Kernel<S>, registrar: &str, which: &SpecEntries) -> InitResult {
    let mut done = Vec::new();
    let r = register_spec_entries_inner::<S>(k, registrar, which, &mut done);
    if r.is_err() {
        while let Some(d) = done.pop() {
            undo(k, d);
        }
    }
    r
}

fn register_spec_entries_inner<S: ProtoSpec>(
    k: &mut Kernel<S>,
    registrar: &str,
    which: &SpecEntries,
    done: &mut Vec<Registered<S>>,
) -> InitResult {
    for (i, p) in entries(S::PROTOS, which.protos) {
        let h = crate::sock::proto_register(k, crate::sock::Proto::spec(p, i), p.slab)?;
        done.push(Registered::Proto(h));
    }
    for (i, f) in entries(S::FAMILIES, which.families) {
        crate::socket::sock_register(k, crate::socket::NetProtoFamily::<S>::spec(f, i))?;
        done.push(Registered::Family(f.family));
    }
    for (i, p) in entries(S::INET_PROTOCOLS, which.inet_protocols) {
        match crate::inet::inet_add_protocol(k, crate::inet::NetProtocol::<S>::spec(p, i), p.protocol) {
            Ok(()) => done.push(Registered::InetProtocol(p.protocol, i)),
            Err(Errno::EBUSY) => k.printk(format!("{registrar}: Cannot add {}", p.name)),
            Err(e) => return Err(e),
        }
    }
    for (i, p) in entries(S::PROTOSW, which.protosw) {
        if usize::from(p.prot) >= S::PROTOS.len() || usize::from(p.ops) >= S::PROTO_OPS.len() {
            return Err(Errno::EINVAL);
        }
        let sw = crate::inet::InetProtosw::<S>::spec(p, i);
        crate::inet::inet_register_protosw(k, sw.clone())?;
        done.push(Registered::Protosw(sw));
    }
    for (i, p) in entries(S::PACKET_TYPES, which.packet_types) {
        let pt = crate::dev::PacketType::<S>::spec(p, i);
        crate::dev::dev_add_pack(k, pt.clone())?;
        done.push(Registered::Pack(pt));
    }
    Ok(())
}

/// Removes the spec entries `which` names, in reverse (`dev_remove_pack`,
/// `inetsw` entries, permanent ones included, `inet_del_protocol`,
/// `sock_unregister`, `proto_unregister`). Entries already gone are
/// skipped; each is removed only if it is still the spec's entry.
pub fn unregister_spec_entries<S: ProtoSpec>(k: &mut Kernel<S>, which: &SpecEntries) {
    for (i, p) in entries(S::PACKET_TYPES, which.packet_types).rev() {
        let _ = crate::dev::dev_remove_pack(k, &crate::dev::PacketType::<S>::spec(p, i));
    }
    for (i, p) in entries(S::PROTOSW, which.protosw).rev() {
        let _ = crate::inet::inetsw_remove(k, &crate::inet::InetProtosw::<S>::spec(p, i));
    }
    for (i, p) in entries(S::INET_PROTOCOLS, which.inet_protocols).rev() {
        let _ = crate::inet::protocol::inet_del_protocol_id::<S>(k, EntryId::Spec(i), p.protocol);
    }
    for (i, f) in entries(S::FAMILIES, which.families).rev() {
        let ours = k
            .get::<crate::socket::SockRegistryState<S>>()
            .ok()
            .and_then(|r| r.family(f.family))
            .is_some_and(|r| r.entry.id() == EntryId::Spec(i));
        if ours {
            let _ = crate::socket::sock_unregister::<S>(k, f.family);
        }
    }
    for (i, _) in entries(S::PROTOS, which.protos).rev() {
        let _ = crate::sock::proto_unregister(k, crate::sock::ProtoHandle::Spec(i));
    }
}
