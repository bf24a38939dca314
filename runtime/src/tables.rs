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

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use crate::errno::Errno;
use crate::init::InitResult;
use crate::kernel::Kernel;
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
pub struct NetCx<'a, S: ProtoSpec> {
    pub tables: &'a Tables<'a>,
    pub net: &'a mut Net<S>,
    pub cpu: usize,
}

/// Runs `f` in namespace `net` on CPU 0, as a system call would: the
/// kernel's tables are looked up once and the namespace's lock is held for
/// the call. `ENOENT` if the tables are not there (boot did not build them).
pub fn with_cx<S: ProtoSpec, R>(
    k: &crate::Kernel,
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
    pub fn new(tables: &'a Tables<'a>, net: &'a mut Net<S>, cpu: usize) -> Self {
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
pub struct Tables<'a> {
    pub families: &'a crate::socket::SockRegistryState,
    pub inet_protos: &'a crate::inet::InetProtosState,
    pub inetsw: &'a crate::inet::InetswState,
    pub ptype: &'a crate::dev::PtypeBaseState,
    pub protos: &'a crate::socket::SockCacheState,
}

impl<'a> Tables<'a> {
    /// Takes the references from the booted kernel: `ENOENT` until
    /// `sock_init`, `net_dev_init` and `inet_init` have run.
    pub fn new(k: &'a Kernel) -> Result<Tables<'a>, Errno> {
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

/// An entry of a run-time table: a spec entry (its index in the
/// descriptor array the generated crate declares) or one registered by code
/// outside the spec.
#[derive(Clone)]
pub enum Entry {
    Spec(u16),
    Dyn(DynFn),
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entry::Spec(i) => write!(f, "Spec({i})"),
            Entry::Dyn(_) => f.write_str("Dyn"),
        }
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Entry) -> bool {
        match (self, other) {
            (Entry::Spec(a), Entry::Spec(b)) => a == b,
            (Entry::Dyn(a), Entry::Dyn(b)) => Arc::ptr_eq(&a.0, &b.0),
            _ => false,
        }
    }
}
impl Eq for Entry {}

/// A function registered at run time, with its spec type erased so the
/// tables need no type parameter: a [`PacketRcvFn<S>`], [`InetRcvFn<S>`],
/// [`InetErrFn<S>`] or [`FamilyCreateFn<S>`]. The slow path downcasts it.
#[derive(Clone)]
pub struct DynFn(pub Arc<dyn Any + Send + Sync>);

impl DynFn {
    pub fn new<F: Any + Send + Sync>(f: F) -> DynFn {
        DynFn(Arc::new(f))
    }
    /// The function, if it was registered as an `F`.
    pub fn get<F: Any>(&self) -> Option<&F> {
        self.0.downcast_ref()
    }
}

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
/// `net_proto_family.create`: fills in a new socket's `ops` and `prot`
/// (`inet_create`, `packet_create`).
pub type FamilyCreateFn<S> = fn(&mut NetCx<'_, S>, &mut crate::socket::sock::Sock, i32, bool) -> Result<(), Errno>;

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
    /// The methods the spec gives it (Linux: the non-NULL pointers).
    pub methods: &'static [&'static str],
    pub registered_by: &'static str,
}

impl ProtoDesc {
    /// Whether the spec gives this proto `method` (Linux's `if (sk->sk_prot->bind)`).
    pub fn has(&self, method: &str) -> bool {
        self.methods.contains(&method)
    }
}

/// `struct proto_ops` in the spec (`proto_ops NAME { .. }`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProtoOpsDesc {
    /// `inet_dgram_ops`.
    pub ident: &'static str,
    /// `PF_INET`, ...
    pub family: u16,
    /// The methods the spec gives; the others dispatch to `sock_no_*`.
    pub methods: &'static [&'static str],
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

/// What netgen generates from the spec's protocol sections. Indices are
/// positions in the descriptor arrays; each dispatch method is a `match`
/// on them calling the spec's function directly. An index out of range
/// (never produced by the tables) is `EINVAL` / a drop.
///
/// `proto_ops` methods an entry does not give dispatch to Linux's
/// `sock_no_*` (crate::socket::no); `proto` methods it does not give to
/// `crate::socket::no::sk_prot_no_*` (callers check [`ProtoDesc::has`]
/// first where Linux checks for NULL).
pub trait ProtoSpec:
    PernetSpec
    + NetState<crate::sock::ProtInuseCounters>
    + NetState<crate::dev::NetDevTables>
    + NetState<crate::socket::sock::Sockets>
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

    /// `net_families[family]->create(..)` for spec family `i`.
    fn family_create(
        i: u16,
        cx: &mut NetCx<'_, Self>,
        sock: &mut crate::socket::sock::Sock,
        protocol: i32,
        kern: bool,
    ) -> Result<(), Errno>;
    /// `pt_prev->func(skb, ..)` for spec packet type `i`.
    fn packet_type_rcv(i: u16, cx: &mut NetCx<'_, Self>, skb: SkBuff) -> NetRx;
    /// `ipprot->handler(skb)` for spec inet protocol `i`.
    fn inet_protocol_rcv(i: u16, cx: &mut NetCx<'_, Self>, skb: SkBuff) -> NetRx;
    /// `ipprot->err_handler(skb, info)` for spec inet protocol `i`; `Ok`
    /// when it has none.
    fn inet_protocol_err(i: u16, cx: &mut NetCx<'_, Self>, skb: &SkBuff, info: u32) -> Result<(), Errno>;

    // `struct proto_ops`, by spec index `ops`.
    fn ops_release(ops: u16, cx: &mut NetCx<'_, Self>, fd: Fd) -> Result<(), Errno>;
    fn ops_bind(ops: u16, cx: &mut NetCx<'_, Self>, fd: Fd, addr: &SockAddr) -> Result<(), Errno>;
    fn ops_connect(ops: u16, cx: &mut NetCx<'_, Self>, fd: Fd, addr: &SockAddr, flags: i32) -> Result<(), Errno>;
    fn ops_accept(ops: u16, cx: &mut NetCx<'_, Self>, fd: Fd, flags: i32) -> Result<Fd, Errno>;
    fn ops_getname(ops: u16, cx: &mut NetCx<'_, Self>, fd: Fd, peer: bool) -> Result<SockAddr, Errno>;
    fn ops_poll(ops: u16, cx: &mut NetCx<'_, Self>, fd: Fd) -> Result<u32, Errno>;
    fn ops_ioctl(ops: u16, cx: &mut NetCx<'_, Self>, fd: Fd, cmd: u32, arg: u64) -> Result<i64, Errno>;
    fn ops_listen(ops: u16, cx: &mut NetCx<'_, Self>, fd: Fd, backlog: i32) -> Result<(), Errno>;
    fn ops_shutdown(ops: u16, cx: &mut NetCx<'_, Self>, fd: Fd, how: i32) -> Result<(), Errno>;
    fn ops_setsockopt(
        ops: u16,
        cx: &mut NetCx<'_, Self>,
        fd: Fd,
        level: i32,
        name: i32,
        val: &[u8],
    ) -> Result<(), Errno>;
    fn ops_getsockopt(
        ops: u16,
        cx: &mut NetCx<'_, Self>,
        fd: Fd,
        level: i32,
        name: i32,
        val: &mut [u8],
    ) -> Result<usize, Errno>;
    fn ops_sendmsg(
        ops: u16,
        cx: &mut NetCx<'_, Self>,
        fd: Fd,
        msg: &[u8],
        to: Option<&SockAddr>,
        flags: i32,
    ) -> Result<usize, Errno>;
    fn ops_recvmsg(
        ops: u16,
        cx: &mut NetCx<'_, Self>,
        fd: Fd,
        buf: &mut [u8],
        flags: i32,
    ) -> Result<(usize, Option<SockAddr>), Errno>;

    // `struct proto`, by spec index `prot`.
    fn prot_init(prot: u16, cx: &mut NetCx<'_, Self>, fd: Fd) -> Result<(), Errno>;
    fn prot_close(prot: u16, cx: &mut NetCx<'_, Self>, fd: Fd);
    fn prot_destroy(prot: u16, cx: &mut NetCx<'_, Self>, fd: Fd);
    fn prot_bind(prot: u16, cx: &mut NetCx<'_, Self>, fd: Fd, addr: &SockAddr) -> Result<(), Errno>;
    fn prot_connect(prot: u16, cx: &mut NetCx<'_, Self>, fd: Fd, addr: &SockAddr) -> Result<(), Errno>;
    fn prot_disconnect(prot: u16, cx: &mut NetCx<'_, Self>, fd: Fd, flags: i32) -> Result<(), Errno>;
    fn prot_sendmsg(
        prot: u16,
        cx: &mut NetCx<'_, Self>,
        fd: Fd,
        msg: &[u8],
        to: Option<&SockAddr>,
        flags: i32,
    ) -> Result<usize, Errno>;
    fn prot_recvmsg(
        prot: u16,
        cx: &mut NetCx<'_, Self>,
        fd: Fd,
        buf: &mut [u8],
        flags: i32,
    ) -> Result<(usize, Option<SockAddr>), Errno>;
    fn prot_hash(prot: u16, cx: &mut NetCx<'_, Self>, fd: Fd) -> Result<(), Errno>;
    fn prot_unhash(prot: u16, cx: &mut NetCx<'_, Self>, fd: Fd);
    fn prot_get_port(prot: u16, cx: &mut NetCx<'_, Self>, fd: Fd, snum: u16) -> Result<(), Errno>;
}

/// A `struct proto_ops` registered at run time, for sockets of a family
/// outside the spec (its `create` puts it in `sock.ops` as
/// [`Entry::Dyn`]). [`DynProtoOps::no`] fills every method with Linux's
/// `sock_no_*` default.
pub struct DynProtoOps<S: ProtoSpec> {
    pub name: &'static str,
    pub family: u16,
    pub release: fn(&mut NetCx<'_, S>, Fd) -> Result<(), Errno>,
    pub bind: fn(&mut NetCx<'_, S>, Fd, &SockAddr) -> Result<(), Errno>,
    pub connect: fn(&mut NetCx<'_, S>, Fd, &SockAddr, i32) -> Result<(), Errno>,
    pub accept: fn(&mut NetCx<'_, S>, Fd, i32) -> Result<Fd, Errno>,
    pub getname: fn(&mut NetCx<'_, S>, Fd, bool) -> Result<SockAddr, Errno>,
    pub poll: fn(&mut NetCx<'_, S>, Fd) -> Result<u32, Errno>,
    pub ioctl: fn(&mut NetCx<'_, S>, Fd, u32, u64) -> Result<i64, Errno>,
    pub listen: fn(&mut NetCx<'_, S>, Fd, i32) -> Result<(), Errno>,
    pub shutdown: fn(&mut NetCx<'_, S>, Fd, i32) -> Result<(), Errno>,
    pub setsockopt: SetsockoptFn<S>,
    pub getsockopt: GetsockoptFn<S>,
    pub sendmsg: SendmsgFn<S>,
    pub recvmsg: RecvmsgFn<S>,
}

/// `proto_ops.setsockopt`: `(cx, fd, level, optname, optval)`.
pub type SetsockoptFn<S> = fn(&mut NetCx<'_, S>, Fd, i32, i32, &[u8]) -> Result<(), Errno>;
/// `proto_ops.getsockopt`: `(cx, fd, level, optname, optval)` → bytes written.
pub type GetsockoptFn<S> = fn(&mut NetCx<'_, S>, Fd, i32, i32, &mut [u8]) -> Result<usize, Errno>;
/// `proto_ops.sendmsg`: `(cx, fd, msg, to, flags)` → bytes sent.
pub type SendmsgFn<S> = fn(&mut NetCx<'_, S>, Fd, &[u8], Option<&SockAddr>, i32) -> Result<usize, Errno>;
/// `proto_ops.recvmsg`: `(cx, fd, buf, flags)` → bytes and source.
pub type RecvmsgFn<S> = fn(&mut NetCx<'_, S>, Fd, &mut [u8], i32) -> Result<(usize, Option<SockAddr>), Errno>;

impl<S: ProtoSpec> Clone for DynProtoOps<S> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<S: ProtoSpec> Copy for DynProtoOps<S> {}

impl<S: ProtoSpec> DynProtoOps<S> {
    /// Every method Linux's `sock_no_*` (release does nothing).
    pub fn no(name: &'static str, family: u16) -> Self {
        use crate::socket::no::*;
        DynProtoOps {
            name,
            family,
            release: release_nothing::<S>,
            bind: sock_no_bind::<S>,
            connect: sock_no_connect::<S>,
            accept: sock_no_accept::<S>,
            getname: sock_no_getname::<S>,
            poll: sock_no_poll::<S>,
            ioctl: sock_no_ioctl::<S>,
            listen: sock_no_listen::<S>,
            shutdown: sock_no_shutdown::<S>,
            setsockopt: sock_no_setsockopt::<S>,
            getsockopt: sock_no_getsockopt::<S>,
            sendmsg: sock_no_sendmsg::<S>,
            recvmsg: sock_no_recvmsg::<S>,
        }
    }

    /// This vtable as a table entry (`sock->ops`).
    pub fn entry(self) -> Entry {
        Entry::Dyn(DynFn::new(self))
    }
}

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

/// What [`register_spec_entries`] did, to undo on failure.
enum Registered {
    Proto(&'static str),
    Family(u16),
    InetProtocol(u8, u16),
    Protosw(crate::inet::InetProtosw),
    Pack(crate::dev::PacketType),
}

fn undo(k: &mut Kernel, r: Registered) {
    // Each entry was registered by this call and is still there; a
    // failure here would mean someone removed it meanwhile.
    let _ = match r {
        Registered::Proto(name) => crate::sock::proto_unregister(k, name),
        Registered::Family(f) => crate::socket::sock_unregister(k, f),
        Registered::InetProtocol(nr, i) => crate::inet::protocol::inet_del_protocol_entry(k, &Entry::Spec(i), nr),
        Registered::Protosw(p) => crate::inet::inetsw_remove(k, &p),
        Registered::Pack(pt) => crate::dev::dev_remove_pack(k, &pt),
    };
}

/// Registers every spec entry whose `registered_by` is `registrar`, in the
/// order Linux's `inet_init` uses (net/ipv4/af_inet.c): `proto_register`
/// for its `proto`s, `sock_register` for its families, `inet_add_protocol`,
/// `inet_register_protosw`, then `dev_add_pack` for its packet types. The
/// generated wrapper of an initcall calls this right after the initcall's
/// `run`, which created the empty tables.
///
/// As in `inet_init`, a taken `inet_protos` slot is logged ("inet_init:
/// Cannot add icmp_protocol") and boot goes on; any other failure undoes
/// what this call registered, newest first, and is returned.
pub fn register_spec_entries<S: ProtoSpec>(k: &mut Kernel, registrar: &str) -> InitResult {
    let mut done = Vec::new();
    let r = register_spec_entries_inner::<S>(k, registrar, &mut done);
    if r.is_err() {
        while let Some(d) = done.pop() {
            undo(k, d);
        }
    }
    r
}

fn register_spec_entries_inner<S: ProtoSpec>(
    k: &mut Kernel,
    registrar: &str,
    done: &mut Vec<Registered>,
) -> InitResult {
    for (i, p) in S::PROTOS.iter().enumerate().filter(|(_, p)| p.registered_by == registrar) {
        let i = u16::try_from(i).map_err(|_| Errno::EINVAL)?;
        crate::sock::proto_register(k, crate::sock::Proto::spec(p, i), p.slab)?;
        done.push(Registered::Proto(p.name));
    }
    for (i, f) in S::FAMILIES.iter().enumerate().filter(|(_, f)| f.registered_by == registrar) {
        let i = u16::try_from(i).map_err(|_| Errno::EINVAL)?;
        let ops = crate::socket::NetProtoFamily {
            family: f.family,
            create: fn_name(f.create),
            owner: "kernel",
            entry: Entry::Spec(i),
        };
        crate::socket::sock_register(k, ops)?;
        done.push(Registered::Family(f.family));
    }
    for (i, p) in S::INET_PROTOCOLS.iter().enumerate().filter(|(_, p)| p.registered_by == registrar) {
        let i = u16::try_from(i).map_err(|_| Errno::EINVAL)?;
        let prot = crate::inet::NetProtocol::spec(p, i);
        match crate::inet::inet_add_protocol(k, prot, p.protocol) {
            Ok(()) => done.push(Registered::InetProtocol(p.protocol, i)),
            Err(Errno::EBUSY) => k.printk(format!("{registrar}: Cannot add {}", p.name)),
            Err(e) => return Err(e),
        }
    }
    for p in S::PROTOSW.iter().filter(|p| p.registered_by == registrar) {
        if usize::from(p.prot) >= S::PROTOS.len() || usize::from(p.ops) >= S::PROTO_OPS.len() {
            return Err(Errno::EINVAL);
        }
        let sw = crate::inet::InetProtosw {
            type_: p.type_,
            protocol: p.protocol,
            prot: p.prot,
            ops: Entry::Spec(p.ops),
            flags: p.flags,
            name: p.ident,
        };
        crate::inet::inet_register_protosw(k, sw.clone())?;
        done.push(Registered::Protosw(sw));
    }
    for (i, p) in S::PACKET_TYPES.iter().enumerate().filter(|(_, p)| p.registered_by == registrar) {
        let i = u16::try_from(i).map_err(|_| Errno::EINVAL)?;
        let pt = crate::dev::PacketType::spec(p, i);
        crate::dev::dev_add_pack(k, pt.clone())?;
        done.push(Registered::Pack(pt));
    }
    Ok(())
}

/// Removes what [`register_spec_entries`] registered for `registrar`, in
/// reverse (`dev_remove_pack`, `inetsw` entries, permanent ones included,
/// `inet_del_protocol`, `sock_unregister`, `proto_unregister`). Entries
/// already gone are skipped.
pub fn unregister_spec_entries<S: ProtoSpec>(k: &mut Kernel, registrar: &str) {
    for (i, p) in S::PACKET_TYPES.iter().enumerate().rev().filter(|(_, p)| p.registered_by == registrar) {
        if let Ok(i) = u16::try_from(i) {
            let _ = crate::dev::dev_remove_pack(k, &crate::dev::PacketType::spec(p, i));
        }
    }
    for p in S::PROTOSW.iter().rev().filter(|p| p.registered_by == registrar) {
        let sw = crate::inet::InetProtosw {
            type_: p.type_,
            protocol: p.protocol,
            prot: p.prot,
            ops: Entry::Spec(p.ops),
            flags: p.flags,
            name: p.ident,
        };
        let _ = crate::inet::inetsw_remove(k, &sw);
    }
    for (i, p) in S::INET_PROTOCOLS.iter().enumerate().rev().filter(|(_, p)| p.registered_by == registrar) {
        if let Ok(i) = u16::try_from(i) {
            let _ = crate::inet::protocol::inet_del_protocol_entry(k, &Entry::Spec(i), p.protocol);
        }
    }
    for (i, f) in S::FAMILIES.iter().enumerate().rev().filter(|(_, f)| f.registered_by == registrar) {
        let ours = k
            .get::<crate::socket::SockRegistryState>()
            .ok()
            .and_then(|r| r.family(f.family))
            .is_some_and(|r| u16::try_from(i).is_ok_and(|i| r.entry == Entry::Spec(i)));
        if ours {
            let _ = crate::socket::sock_unregister(k, f.family);
        }
    }
    for p in S::PROTOS.iter().rev().filter(|p| p.registered_by == registrar) {
        let _ = crate::sock::proto_unregister(k, p.name);
    }
}
