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
//! (an index, dispatched by the generated `match`) or [`Entry::Fn`] (a
//! typed function registered by code outside the spec, with the
//! [`Handle`] that is its identity).
//!
//! Every function the spec names has one of the signatures below; the
//! generated crate does not compile if a spec path does not.

use std::fmt;

use crate::errno::Errno;
use crate::kernel::{HasState, Kernel, KernelSpec};
use crate::netfilter::{NfHookState, NfVerdict};
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

/// What a counter says about the end of a received frame. The stack's
/// accounting claim is that every frame it receives ends in exactly one
/// outcome: one counter whose outcome is [`RxOutcome::Drop`] or
/// [`RxOutcome::Taken`] moves by one (or the frame is queued on one
/// socket), and no other such counter moves (tests/rx_fuzz.rs). Each
/// counter definition states its outcome (the MIBs' `rx_outcome`,
/// `NetDevStats::rx_outcomes`, `NeighStatistics::rx_outcomes`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RxOutcome {
    /// The frame ends here, dropped.
    Drop,
    /// The frame ends here, taken: handled, answered, forwarded or
    /// deliberately ignored, without a socket to queue it on.
    Taken,
    /// Not an end: output and traffic counters, counters a frame passes
    /// on its way up (`InReceives`, `InDelivers`, `InMsgs`, the per-type
    /// ICMP counters), and details of a drop that is counted under a
    /// `Drop` counter too (`InCsumErrors`, within `InHdrErrors`).
    Neither,
}

/// Sums of the counters that end received frames ([`RxOutcome`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RxOutcomes {
    /// Frames dropped.
    pub dropped: u64,
    /// Frames taken.
    pub taken: u64,
}

impl RxOutcomes {
    /// Every end, dropped or taken.
    pub fn total(self) -> u64 {
        self.dropped.wrapping_add(self.taken)
    }

    /// Adds `n` frames with outcome `o` (nothing for [`RxOutcome::Neither`]).
    pub fn add(&mut self, o: RxOutcome, n: u64) {
        match o {
            RxOutcome::Drop => self.dropped = self.dropped.wrapping_add(n),
            RxOutcome::Taken => self.taken = self.taken.wrapping_add(n),
            RxOutcome::Neither => {}
        }
    }
}

impl std::ops::AddAssign for RxOutcomes {
    fn add_assign(&mut self, o: RxOutcomes) {
        self.dropped = self.dropped.wrapping_add(o.dropped);
        self.taken = self.taken.wrapping_add(o.taken);
    }
}

/// The context every handler and socket call runs in: the kernel (its
/// tables are typed fields, [`NetCx::kernel_state`]), the namespace, and
/// the CPU (per-CPU counters).
pub struct NetCx<'a, S: KernelSpec + PernetSpec> {
    pub kernel: &'a Kernel<S>,
    pub net: &'a mut Net<S>,
    pub cpu: usize,
}

impl<'a, S: KernelSpec + PernetSpec> NetCx<'a, S> {
    /// A context for `net` on `cpu`.
    pub fn new(kernel: &'a Kernel<S>, net: &'a mut Net<S>, cpu: usize) -> Self {
        NetCx { kernel, net, cpu }
    }

    /// Kernel-wide state `T` (a protocol table), for as long as the
    /// context: `ENOENT` if boot did not build it.
    #[inline(always)]
    pub fn kernel_state<T>(&self) -> Result<&'a T, Errno>
    where
        S: HasState<T>,
    {
        self.kernel.get::<T>()
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
/// is `(type << 8) | code`. `Ok` when the protocol took the error (told
/// the socket, or had nothing to tell), `Err` when it refused it, having
/// counted why (`udp_err` with no socket: ICMP `InErrors`, as Linux).
pub type InetErrFn<S> = fn(&mut NetCx<'_, S>, &SkBuff, u32) -> Result<(), Errno>;
/// `net_proto_family.create`: fills in socket `fd` (already in the
/// namespace's table) with its `ops` and `prot` (`inet_create`,
/// `packet_create`).
pub type FamilyCreateFn<S> = fn(&mut NetCx<'_, S>, Fd, i32, bool) -> Result<(), Errno>;
/// `nf_hook_ops.hook` (`nf_hookfn`): the verdict on a packet at a netfilter
/// hook point; the skb goes back in the verdict unless the hook kept
/// (`NF_STOLEN`) or freed (`NF_DROP`) it.
pub type NfHookFn<S> = fn(&mut NetCx<'_, S>, SkBuff, &NfHookState) -> NfVerdict;

/// The handler types above are the vtable's signatures
/// ([`netgen_vtables::vtables!`]) less the index: a change of the table
/// that they do not follow fails to compile here.
#[allow(dead_code)]
fn handler_types_follow_the_vtable<S: ProtoSpec>() {
    let _: PacketRcvFn<S> = |cx, skb| S::packet_type_rcv(0, cx, skb);
    let _: InetRcvFn<S> = |cx, skb| S::inet_protocol_rcv(0, cx, skb);
    let _: InetErrFn<S> = |cx, skb, info| S::inet_protocol_err(0, cx, skb, info);
    let _: FamilyCreateFn<S> = |cx, fd, protocol, kern| S::family_create(0, cx, fd, protocol, kern);
    let _: NfHookFn<S> = |cx, skb, state| S::nf_hookfn(0, cx, skb, state);
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

/// `struct nf_hook_ops` in the spec (`nf_hook NAME { .. }`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NfHookDesc {
    /// The C variable: `udp_filter`.
    pub name: &'static str,
    /// `NFPROTO_IPV4`, ...
    pub pf: u8,
    /// `enum nf_inet_hooks`: `NF_INET_LOCAL_IN`, ...
    pub hooknum: u8,
    /// Lower runs first (`NF_IP_PRI_*`).
    pub priority: i32,
    /// The hook function's path, for listings.
    pub hook: &'static str,
    /// The pernet operation whose `init` registers it in each namespace
    /// (and whose exit unregisters it).
    pub registered_by: &'static str,
}

impl InetProtocolDesc {
    /// Whether an entry of `table` (a spec's `ProtoSpec::INET_PROTOCOLS`)
    /// is for IP protocol `protocol`. A `const fn`, so code outside the
    /// spec can pick at compile time a number the spec leaves free.
    pub const fn claimed(table: &[InetProtocolDesc], protocol: u8) -> bool {
        let mut i = 0;
        while i < table.len() {
            if table[i].protocol == protocol {
                return true;
            }
            i += 1;
        }
        false
    }
}

impl PacketTypeDesc {
    /// Whether an entry of `table` (`ProtoSpec::PACKET_TYPES`) is for
    /// ethertype `type_`; `const`, as [`InetProtocolDesc::claimed`].
    pub const fn claimed(table: &[PacketTypeDesc], type_: u16) -> bool {
        let mut i = 0;
        while i < table.len() {
            if table[i].type_ == type_ {
                return true;
            }
            i += 1;
        }
        false
    }
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

/// `pub trait Name: Bounds {}` with the blanket impl for every type that has
/// the bounds: how a layer says what it needs of the spec (the states it
/// reaches) in one place, so its functions take `S: Name` and no where-clause
/// lists them again.
macro_rules! spec_needs {
    ($(#[$m:meta])* pub trait $name:ident: $($bound:tt)+) => {
        $(#[$m])*
        pub trait $name: $($bound)+ {}

        impl<S> $name for S where S: $($bound)+ {}
    };
}
pub(crate) use spec_needs;

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
        $(#[$ndoc:meta])* nf_hook($ni:ident) { $($nf:tt)* }
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
pub trait ProtoSpec: PernetSpec + KernelSpec + Copy + fmt::Debug + Eq + Send + Sync + 'static {
    const FAMILIES: &'static [FamilyDesc];
    const INET_PROTOCOLS: &'static [InetProtocolDesc];
    const PROTOS: &'static [ProtoDesc];
    const PROTO_OPS: &'static [ProtoOpsDesc];
    const PROTOSW: &'static [ProtoswDesc];
    const PACKET_TYPES: &'static [PacketTypeDesc];
    const NF_HOOKS: &'static [NfHookDesc];

    for_each_vtable!(dispatch_methods);
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
        $(#[$ndoc:meta])* nf_hook($ni:ident) { $($nf:tt)* }
    ) => {
        fn_struct!(
            /// A `struct proto_ops` registered at run time, for sockets of a
            /// family or protosw outside the spec (its `create` puts it in
            /// `sock.ops`). `DynProtoOps::no` (crate::socket::no) fills every
            /// method with Linux's `sock_no_*` default.
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
        pub struct $name<S: ProtoSpec> {
            pub name: &'static str,
            pub family: u16,
            $(
                $(#[$doc])*
                pub $field: fn(&mut NetCx<'_, S>, $($t),*) $(-> $ret)?,
            )*
        }
    };
}

for_each_vtable!(fn_structs);

impl<S: ProtoSpec> Clone for DynProtoOps<S> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<S: ProtoSpec> Copy for DynProtoOps<S> {}

impl<S: ProtoSpec> fmt::Debug for DynProtoOps<S> {
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
