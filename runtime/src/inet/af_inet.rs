//! PF_INET sockets (net/ipv4/af_inet.c): `inet_create` and the
//! `inet_stream_ops` / `inet_dgram_ops` / `inet_sockraw_ops` methods,
//! which check what is generic and call the socket's `struct proto`.

use std::net::{Ipv4Addr, SocketAddrV4};

use super::arp::{self, arp_init};
use super::ip_output::{ip_init, IpPacketTypeState, IP_PMTUDISC_DONT, IP_PMTUDISC_WANT};
use super::netns_ipv4::Ipv4Net;
use super::protocol::{InetOffloads, InetProtosState, NetOffload, IPPROTO_IP, IPPROTO_RAW, IPPROTO_TCP, IPPROTO_UDP};
use super::route::{ipv4_is_lbcast, ipv4_is_multicast};
use super::InetSpec;
use crate::dev::{dev_add_offload, NetDevTables, OffloadBaseState, PacketOffload, PtypeBaseState, ETH_P_IP};
use crate::errno::Errno;
use crate::init::InitResult;
use crate::kernel::Kernel;
use crate::sock::sk::{
    sk, sk_prot, sock_prot_inuse_add, PortTable, Sock, Sockets, RCV_SHUTDOWN, SHUTDOWN_MASK, SOCK_BINDADDR_LOCK,
    SOCK_BINDPORT_LOCK, SS_CONNECTED, SS_CONNECTING, SS_DISCONNECTING, SS_UNCONNECTED, TCP_CLOSE, TCP_LISTEN,
    TCP_SYN_RECV, TCP_SYN_SENT,
};
use crate::sock::{ProtInuseState, SockCacheState};
use crate::socket::{SockRegistryState, SOCK_MAX};
use crate::socket::{SOCK_RAW, SOCK_STREAM};
use crate::tables::{Entry, EntryId, OpsEntry, ProtoSpec, ProtoswDesc};
use crate::tables::{Fd, NetCx, SockAddr};

/// `SIOCINQ`/`FIONREAD` and `SIOCOUTQ`/`TIOCOUTQ`.
pub const SIOCINQ: u32 = 0x541B;
pub const SIOCOUTQ: u32 = 0x5411;

/// `inet_create(net, sock, protocol, kern)` (the spec's `inet_family_ops`
/// create): `EINVAL` for a protocol outside `0..IPPROTO_MAX`; the
/// `inetsw[type]` lookup exactly as Linux's loop
/// ([`InetswState::lookup`](super::InetswState::lookup):
/// `ESOCKTNOSUPPORT`, `EPROTONOSUPPORT`, the `IPPROTO_IP` wildcard);
/// then the socket gets the entry's `proto_ops` and `proto`, `SK_CAN_REUSE`
/// for a `REUSE` entry, and for `SOCK_RAW` its protocol as `inet_num`
/// (`IPPROTO_RAW` implies `IP_HDRINCL`). The tail (hash, `prot->init`)
/// runs in `sys_socket` once the socket has its descriptor.
/// `CAP_NET_RAW` is not modelled: raw sockets are allowed.
pub fn inet_create<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd, protocol: i32, _kern: bool) -> Result<(), Errno> {
    if !(0..IPPROTO_MAX).contains(&protocol) {
        return Err(Errno::EINVAL);
    }
    let (inetsw, protos) =
        (cx.kernel_state::<super::InetswState<S>>()?, cx.kernel_state::<crate::sock::SockCacheState>()?);
    let no_pmtu_disc = cx.state::<Ipv4Net>().is_ok_and(|n| n.sysctl_ip_no_pmtu_disc != 0);
    let sock = sk(cx, fd)?;
    sock.pmtudisc = if no_pmtu_disc { IP_PMTUDISC_DONT } else { IP_PMTUDISC_WANT };
    sock.sock_state = SS_UNCONNECTED;
    let (answer, proto) = inetsw.lookup(sock.type_, protocol as u8)?;
    sock.ops = answer.ops.clone();
    sock.prot = Some(answer.prot);
    sock.inuse_idx = protos.spec_proto(answer.prot).map(|p| p.inuse_idx);
    sock.protocol = u16::from(proto);
    sock.reuse = answer.flags & INET_PROTOSW_REUSE != 0;
    if sock.type_ == SOCK_RAW {
        sock.num = u16::from(proto);
        sock.sport = sock.num;
        if proto == IPPROTO_RAW {
            sock.hdrincl = true;
        }
    }
    sock.state = TCP_CLOSE;
    Ok(())
}

/// `inet_release(sock)`: `sk->sk_prot->close(sk, timeout)`.
pub fn inet_release<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd) -> Result<(), Errno> {
    if let Ok((p, _)) = sk_prot(cx, fd) {
        S::prot_close(p, cx, fd);
    }
    sk(cx, fd)?.sock_state = SS_UNCONNECTED;
    Ok(())
}

/// `inet_addr_type`-based check of a bind address: 0, a local address, a
/// broadcast or multicast address, or anything with `ip_nonlocal_bind`.
pub(crate) fn inet_addr_valid_or_nonlocal<S: InetSpec>(cx: &NetCx<'_, S>, addr: u32) -> bool {
    if addr == 0 || ipv4_is_multicast(addr) || ipv4_is_lbcast(addr) {
        return true;
    }
    if cx.state::<Ipv4Net>().is_ok_and(|n| n.sysctl_ip_nonlocal_bind != 0) {
        return true;
    }
    cx.state::<NetDevTables>().is_ok_and(|d| {
        d.inet_addr_local(addr).is_some() || d.ifaddrs().iter().any(|a| a.broadcast != 0 && a.broadcast == addr)
    })
}

/// The address and port of a `struct sockaddr_in`; `AF_UNSPEC` counts as
/// `INADDR_ANY` port 0 (Linux accepts it where it accepts `INADDR_ANY`),
/// anything else is `EAFNOSUPPORT`.
pub(crate) fn sockaddr_in(addr: &SockAddr) -> Result<(u32, u16), Errno> {
    match addr {
        SockAddr::Inet(a) => Ok((u32::from(*a.ip()), a.port())),
        SockAddr::Unspec => Ok((0, 0)),
        SockAddr::Packet { .. } => Err(Errno::EAFNOSUPPORT),
    }
}

/// `inet_bind(sock, uaddr, addr_len)`: the proto's own `bind` if it has
/// one (raw, ping), else `__inet_bind`: the address must be one a socket
/// may bind (`EADDRNOTAVAIL`); the socket must be unbound and closed
/// (`EINVAL`); `sk->sk_prot->get_port(sk, snum)` claims the port
/// (`EADDRINUSE` on any failure). Binding a port below
/// `ip_unprivileged_port_start` needs `CAP_NET_BIND_SERVICE` in Linux; the
/// caller is taken to have it.
pub fn inet_bind<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd, addr: &SockAddr) -> Result<(), Errno> {
    let (p, desc) = sk_prot(cx, fd)?;
    if desc.methods.bind {
        return S::prot_bind(p, cx, fd, addr);
    }
    let (a, snum) = sockaddr_in(addr)?;
    if !inet_addr_valid_or_nonlocal(cx, a) {
        return Err(Errno::EADDRNOTAVAIL);
    }
    let s = sk(cx, fd)?;
    if s.state != TCP_CLOSE || s.num != 0 {
        return Err(Errno::EINVAL);
    }
    inet_bind_port(cx, fd, a, bind_saddr(a), snum, |cx, fd, snum| S::prot_get_port(p, cx, fd, snum))
}

/// The source address a bind to `addr` gives (`__inet_bind`, `raw_bind`):
/// none for a multicast or broadcast address ("Use device"), else `addr`.
pub(crate) fn bind_saddr(addr: u32) -> u32 {
    if ipv4_is_multicast(addr) || ipv4_is_lbcast(addr) {
        0
    } else {
        addr
    }
}

/// The tail `__inet_bind` and `ping_bind` share: the socket takes the
/// addresses (`inet_rcv_saddr`, `inet_saddr`), then `get_port(sk, snum)`
/// claims the port (on failure the addresses are cleared again and the
/// error is `EADDRINUSE`); a non-zero address or port is locked
/// (`SOCK_BINDADDR_LOCK`, `SOCK_BINDPORT_LOCK`), `inet_sport` becomes the
/// port and the peer is forgotten.
pub(crate) fn inet_bind_port<S: InetSpec>(
    cx: &mut NetCx<'_, S>,
    fd: Fd,
    rcv_saddr: u32,
    saddr: u32,
    snum: u16,
    get_port: impl FnOnce(&mut NetCx<'_, S>, Fd, u16) -> Result<(), Errno>,
) -> Result<(), Errno> {
    let s = sk(cx, fd)?;
    s.rcv_saddr = rcv_saddr;
    s.saddr = saddr;
    if get_port(cx, fd, snum).is_err() {
        let s = sk(cx, fd)?;
        s.rcv_saddr = 0;
        s.saddr = 0;
        return Err(Errno::EADDRINUSE);
    }
    let s = sk(cx, fd)?;
    if rcv_saddr != 0 {
        s.userlocks |= SOCK_BINDADDR_LOCK;
    }
    if snum != 0 {
        s.userlocks |= SOCK_BINDPORT_LOCK;
    }
    s.sport = s.num;
    s.daddr = 0;
    s.dport = 0;
    Ok(())
}

/// `inet_autobind(sk)`: an unbound socket gets an ephemeral port
/// (`sk->sk_prot->get_port(sk, 0)`); `EAGAIN` if none is free.
pub fn inet_autobind<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd) -> Result<(), Errno> {
    if sk(cx, fd)?.num != 0 {
        return Ok(());
    }
    let (p, _) = sk_prot(cx, fd)?;
    S::prot_get_port(p, cx, fd, 0).map_err(|_| Errno::EAGAIN)?;
    let s = sk(cx, fd)?;
    s.sport = s.num;
    Ok(())
}

/// `inet_dgram_connect(sock, uaddr, addr_len, flags)`: `AF_UNSPEC`
/// dissolves the association (`sk->sk_prot->disconnect`); otherwise an
/// unbound socket is autobound (`EAGAIN`) and `sk->sk_prot->connect` runs.
pub fn inet_dgram_connect<S: InetSpec>(
    cx: &mut NetCx<'_, S>,
    fd: Fd,
    addr: &SockAddr,
    flags: i32,
) -> Result<(), Errno> {
    let (p, _) = sk_prot(cx, fd)?;
    if *addr == SockAddr::Unspec {
        return S::prot_disconnect(p, cx, fd, flags);
    }
    if sk(cx, fd)?.num == 0 {
        inet_autobind(cx, fd)?;
    }
    S::prot_connect(p, cx, fd, addr)
}

/// `inet_stream_connect(sock, uaddr, addr_len, flags)`: `AF_UNSPEC`
/// disconnects; a connected socket is `EISCONN`, a connecting one
/// `EALREADY`; otherwise `sk->sk_prot->connect` (`tcp_v4_connect`, which
/// is `EOPNOTSUPP`: the TCP state machine is not built).
pub fn inet_stream_connect<S: InetSpec>(
    cx: &mut NetCx<'_, S>,
    fd: Fd,
    addr: &SockAddr,
    flags: i32,
) -> Result<(), Errno> {
    let (p, _) = sk_prot(cx, fd)?;
    if *addr == SockAddr::Unspec {
        let r = S::prot_disconnect(p, cx, fd, flags);
        sk(cx, fd)?.sock_state = if r.is_ok() { SS_UNCONNECTED } else { SS_DISCONNECTING };
        return r;
    }
    let s = sk(cx, fd)?;
    match s.sock_state {
        SS_CONNECTED => Err(Errno::EISCONN),
        SS_CONNECTING => Err(Errno::EALREADY),
        SS_UNCONNECTED => {
            if s.state != TCP_CLOSE {
                return Err(Errno::EISCONN);
            }
            S::prot_connect(p, cx, fd, addr)
        }
        _ => Err(Errno::EINVAL),
    }
}

/// `inet_accept(sock, newsock, flags, kern)`: `sk1->sk_prot->accept`,
/// which `tcp_prot` would have as `inet_csk_accept`; with the TCP state
/// machine not built, `EOPNOTSUPP`.
pub fn inet_accept<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd, _flags: i32) -> Result<Fd, Errno> {
    sk(cx, fd)?;
    Err(Errno::EOPNOTSUPP)
}

/// `inet_getname(sock, uaddr, peer)`: the peer (`ENOTCONN` if there is
/// none), or the local address (`inet_rcv_saddr`, else `inet_saddr`) and
/// port.
pub fn inet_getname<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd, peer: bool) -> Result<SockAddr, Errno> {
    let s = sk(cx, fd)?;
    if peer {
        if s.dport == 0 || (s.type_ == SOCK_STREAM && [TCP_CLOSE, TCP_SYN_SENT].contains(&s.state)) {
            return Err(Errno::ENOTCONN);
        }
        return Ok(SockAddr::Inet(SocketAddrV4::new(Ipv4Addr::from(s.daddr), s.dport)));
    }
    Ok(SockAddr::Inet(SocketAddrV4::new(Ipv4Addr::from(s.local_addr()), s.sport)))
}

/// `inet_ioctl(sock, cmd, arg)`: `SIOCINQ` (the size of the next
/// datagram's payload, UDP without its header) and `SIOCOUTQ` (0: nothing
/// waits to be sent); others `ENOTTY`.
pub fn inet_ioctl<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd, cmd: u32, _arg: u64) -> Result<i64, Errno> {
    let s = sk(cx, fd)?;
    match cmd {
        SIOCINQ => {
            let hdr = if s.protocol == u16::from(super::IPPROTO_UDP) && s.type_ != SOCK_RAW { 8 } else { 0 };
            Ok(s.receive_queue.peek().map_or(0, |skb| skb.len().saturating_sub(hdr)) as i64)
        }
        SIOCOUTQ => Ok(0),
        _ => Err(Errno::ENOTTY),
    }
}

/// `inet_listen(sock, backlog)`: `EINVAL` unless an unconnected stream
/// socket in `CLOSE` or `LISTEN`; then `EOPNOTSUPP` (no TCP state
/// machine: `inet_csk_listen_start` is not built).
pub fn inet_listen<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd, _backlog: i32) -> Result<(), Errno> {
    let s = sk(cx, fd)?;
    if s.sock_state != SS_UNCONNECTED || s.type_ != SOCK_STREAM {
        return Err(Errno::EINVAL);
    }
    if s.state != TCP_CLOSE && s.state != TCP_LISTEN {
        return Err(Errno::EINVAL);
    }
    Err(Errno::EOPNOTSUPP)
}

/// `inet_shutdown(sock, how)`: `how` 0..=2 (`EINVAL` otherwise) becomes
/// `RCV_SHUTDOWN`/`SEND_SHUTDOWN`; an unconnected socket is `ENOTCONN`
/// but is shut down all the same (Linux's "hack to wake up other
/// listeners"); a connecting or listening one is disconnected.
pub fn inet_shutdown<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd, how: i32) -> Result<(), Errno> {
    let how = how.wrapping_add(1);
    if how & !i32::from(SHUTDOWN_MASK) != 0 || how == 0 {
        return Err(Errno::EINVAL);
    }
    let how = how as u8;
    let (p, _) = sk_prot(cx, fd)?;
    let s = sk(cx, fd)?;
    if s.sock_state == SS_CONNECTING {
        s.sock_state =
            if [TCP_SYN_SENT, TCP_SYN_RECV, TCP_CLOSE].contains(&s.state) { SS_DISCONNECTING } else { SS_CONNECTED };
    }
    match s.state {
        TCP_CLOSE => {
            s.shutdown |= how;
            Err(Errno::ENOTCONN)
        }
        TCP_LISTEN | TCP_SYN_SENT => {
            if how & RCV_SHUTDOWN == 0 {
                return Ok(());
            }
            let r = S::prot_disconnect(p, cx, fd, crate::socket::SOCK_NONBLOCK);
            sk(cx, fd)?.sock_state = if r.is_ok() { SS_UNCONNECTED } else { SS_DISCONNECTING };
            Ok(())
        }
        _ => {
            s.shutdown |= how;
            Ok(())
        }
    }
}

/// `inet_sendmsg(sock, msg, size)`: `inet_send_prepare` autobinds an
/// unbound socket whose proto has ports (`EAGAIN` if none is free; TCP is
/// `no_autobind`), then `sk->sk_prot->sendmsg`.
pub fn inet_sendmsg<S: InetSpec>(
    cx: &mut NetCx<'_, S>,
    fd: Fd,
    msg: &[u8],
    to: Option<&SockAddr>,
    flags: i32,
) -> Result<usize, Errno> {
    let (p, desc) = sk_prot(cx, fd)?;
    let s = sk(cx, fd)?;
    if s.num == 0 && s.type_ != SOCK_STREAM && desc.methods.get_port {
        inet_autobind(cx, fd)?;
    }
    S::prot_sendmsg(p, cx, fd, msg, to, flags)
}

/// `inet_recvmsg(sock, msg, size, flags)`: `sk->sk_prot->recvmsg`.
pub fn inet_recvmsg<S: InetSpec>(
    cx: &mut NetCx<'_, S>,
    fd: Fd,
    buf: &mut [u8],
    flags: i32,
) -> Result<(usize, Option<SockAddr>), Errno> {
    let (p, _) = sk_prot(cx, fd)?;
    S::prot_recvmsg(p, cx, fd, buf, flags)
}

/// The socket table of `cx`'s namespace (for the protocols' hash
/// functions).
pub(crate) fn socks<'c, S: InetSpec>(cx: &'c mut NetCx<'_, S>) -> Result<&'c mut Sockets<S>, Errno> {
    cx.state_mut::<Sockets<S>>()
}

/// One of the namespace's socket hash tables (`udp_table`, `raw_hash`,
/// `ping_table`).
pub(crate) type SockTable<S> = fn(&mut Sockets<S>) -> &mut PortTable;

/// `sk_add_node(sk, head)` + `sock_prot_inuse_add(net, sk->sk_prot, 1)`:
/// the socket, with `inet_num` `num`, joins `table` under `num` and counts
/// in use. How `udp_lib_get_port` and `ping_get_port` end, and
/// `raw_hash_sk`.
pub(crate) fn sk_hash_into<S: InetSpec>(
    cx: &mut NetCx<'_, S>,
    fd: Fd,
    table: SockTable<S>,
    num: u16,
) -> Result<(), Errno> {
    let socks = cx.state_mut::<Sockets<S>>()?;
    let s = socks.get_mut(fd).ok_or(Errno::EBADF)?;
    s.num = num;
    s.hashed = true;
    let idx = s.inuse_idx;
    table(socks).insert(num, fd);
    sock_prot_inuse_add(cx, idx, 1);
    Ok(())
}

/// `sk_del_node_init(sk)` + `sock_prot_inuse_add(net, sk->sk_prot, -1)`
/// if the socket is hashed: it leaves `table` and is no longer counted in
/// use; then `reset` clears what the protocol's unhash clears
/// (`udp_lib_unhash`: `inet_num`; `ping_unhash`: `inet_num` and
/// `inet_sport`; `raw_unhash_sk`: nothing).
pub(crate) fn sk_unhash_from<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd, table: SockTable<S>, reset: fn(&mut Sock<S>)) {
    let Ok(socks) = cx.state_mut::<Sockets<S>>() else { return };
    let Some(s) = socks.get_mut(fd) else { return };
    if !s.hashed {
        return;
    }
    s.hashed = false;
    let (num, idx) = (s.num, s.inuse_idx);
    reset(s);
    table(socks).remove(num, fd);
    sock_prot_inuse_add(cx, idx, -1);
}

/// `inet_protosw.flags`: a later entry may override this one.
pub const INET_PROTOSW_REUSE: u8 = 0x01;
/// `inet_protosw.flags`: may not be overridden or unregistered.
pub const INET_PROTOSW_PERMANENT: u8 = 0x02;
/// `inet_protosw.flags`: an `inet_connection_sock` protocol.
pub const INET_PROTOSW_ICSK: u8 = 0x04;

/// `IPPROTO_MAX`: protocols `inet_create` accepts are below it.
pub const IPPROTO_MAX: i32 = 256;

/// `struct inet_protosw`: what `inet_create` needs for one (type, protocol).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InetProtosw<S: ProtoSpec> {
    /// `SOCK_STREAM`, ...
    pub type_: u16,
    /// `IPPROTO_*`; `IPPROTO_IP` is a wildcard.
    pub protocol: u8,
    /// The `struct proto`: its index in the spec's `PROTOS`.
    pub prot: u16,
    /// The `struct proto_ops`: a spec index or a run-time `DynProtoOps`.
    pub ops: OpsEntry<S>,
    pub flags: u8,
    /// The entry's name (the spec's `protosw` name, `"udp"`), for listings.
    pub name: &'static str,
    /// Which registration this is: spec `protosw` `i`, or a run-time one
    /// (Linux's `inet_unregister_protosw` unlinks that struct).
    pub id: EntryId,
}

impl<S: InetSpec> InetProtosw<S> {
    /// Spec `protosw` `i`, as its descriptor gives it.
    pub fn spec(p: &ProtoswDesc, i: u16) -> Self {
        InetProtosw {
            type_: p.type_,
            protocol: p.protocol,
            prot: p.prot,
            ops: Entry::Spec(p.ops),
            flags: p.flags,
            name: p.ident,
            id: EntryId::Spec(i),
        }
    }

    /// A protosw registered by code outside the spec: a new registration.
    pub fn new(type_: u16, protocol: u8, prot: u16, ops: OpsEntry<S>, flags: u8, name: &'static str) -> Self {
        InetProtosw { type_, protocol, prot, ops, flags, name, id: EntryId::Dyn(crate::tables::Handle::new()) }
    }
}

/// `inetsw[SOCK_MAX]` (resource `Inetsw`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InetswState<S: ProtoSpec> {
    inetsw: [Vec<InetProtosw<S>>; SOCK_MAX],
}

impl<S: InetSpec> InetswState<S> {
    /// `inetsw[type]`, in lookup order (empty for an invalid type).
    pub fn list(&self, type_: u16) -> &[InetProtosw<S>] {
        self.inetsw.get(usize::from(type_)).map_or(&[], Vec::as_slice)
    }

    /// `inet_create`'s `lookup_protocol` loop over `inetsw[type]` (Linux
    /// 3.19/6.0, exactly): an entry of the asked protocol matches unless
    /// that protocol is `IPPROTO_IP`; asking `IPPROTO_IP` takes the first
    /// entry and its protocol; an `IPPROTO_IP` (wildcard) entry takes any
    /// protocol. The error is `ESOCKTNOSUPPORT` if the list is empty (or the
    /// type invalid), `EPROTONOSUPPORT` once an entry was looked at, so
    /// `socket(AF_INET, SOCK_RAW, 0)` is `EPROTONOSUPPORT`. Returns the
    /// entry and the protocol the socket gets.
    pub fn lookup(&self, type_: u16, protocol: u8) -> Result<(&InetProtosw<S>, u8), Errno> {
        let mut err = Errno::ESOCKTNOSUPPORT;
        for answer in self.list(type_) {
            if protocol == answer.protocol {
                if protocol != IPPROTO_IP {
                    return Ok((answer, protocol));
                }
            } else {
                if protocol == IPPROTO_IP {
                    return Ok((answer, answer.protocol));
                }
                if answer.protocol == IPPROTO_IP {
                    return Ok((answer, protocol));
                }
            }
            err = Errno::EPROTONOSUPPORT;
        }
        Err(err)
    }
}

/// `inet_register_protosw(p)` (Linux 3.19): adds `p` after the last
/// permanent entry of `inetsw[p.type]`, so it overrides reusable entries but
/// never a permanent one. Linux only logs the two failures; here they also
/// return `EINVAL` (bad type) and `EPERM` (permanent protocol).
pub fn inet_register_protosw<S: InetSpec>(k: &mut Kernel<S>, p: InetProtosw<S>) -> Result<(), Errno> {
    let Some(list) = k.get_mut::<InetswState<S>>()?.inetsw.get_mut(usize::from(p.type_)) else {
        k.printk(format!("Ignoring attempt to register invalid socket type {}", p.type_));
        return Err(Errno::EINVAL);
    };
    let mut last_perm = 0;
    for answer in list.iter() {
        if answer.flags & INET_PROTOSW_PERMANENT == 0 {
            break;
        }
        if answer.protocol == p.protocol {
            let proto = p.protocol;
            k.printk(format!("Attempt to override permanent protocol {proto}"));
            return Err(Errno::EPERM);
        }
        last_perm += 1;
    }
    list.insert(last_perm, p);
    Ok(())
}

/// `inet_unregister_protosw(p)`: `EPERM` for a permanent entry (Linux logs
/// "Attempt to unregister permanent protocol"), `ENOENT` if absent.
pub fn inet_unregister_protosw<S: InetSpec>(k: &mut Kernel<S>, p: &InetProtosw<S>) -> Result<(), Errno> {
    if p.flags & INET_PROTOSW_PERMANENT != 0 {
        k.printk(format!("Attempt to unregister permanent protocol {}", p.protocol));
        return Err(Errno::EPERM);
    }
    inetsw_remove(k, p)
}

/// Removes `p` from `inetsw`, permanent or not (what unregistering the
/// spec's entries needs; Linux never removes its permanent ones).
pub fn inetsw_remove<S: InetSpec>(k: &mut Kernel<S>, p: &InetProtosw<S>) -> Result<(), Errno> {
    let list = k.get_mut::<InetswState<S>>()?.inetsw.get_mut(usize::from(p.type_)).ok_or(Errno::EINVAL)?;
    let i = list.iter().position(|a| a.id == p.id).ok_or(Errno::ENOENT)?;
    list.remove(i);
    Ok(())
}

/// `inet_init` ran: the IPv4 protos are registered right after it
/// (resource `InetProtoList`); they themselves are on
/// `SockCacheState::proto_list`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InetProtoListState;

/// `inet_family_ops` is in `net_families[PF_INET]` (resource `InetFamily`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InetFamilyState;

/// `inet_init()` (net/ipv4/af_inet.c, fs_initcall), the part that is
/// not a spec entry, in Linux 3.19's order: the empty `inet_protos`
/// and `inetsw`, `arp_init` (ARP's neighbour-table template), and
/// `ip_init` (the dst and peer caches). The spec's protos (`proto_register`),
/// `inet_family_ops` (`sock_register`), `inet_protos` handlers,
/// `inetsw_array` and the ARP and IP packet types are registered by the
/// generated wrapper right after (`register_spec_entries` with
/// `registered_by::INET_INIT`),
/// then the pernet operations (ARP's neighbour tables, the MIBs, ...).
///
/// The MIB allocation, tcp/udp/raw/ping/icmp init, multicast routing and IP
/// fragment queues are per namespace (pernet operations) or not built.
pub fn inet_init<S: InetSpec>(k: &mut Kernel<S>) -> InitResult {
    // Prerequisites first, so a refusal leaves nothing half-built.
    k.get::<SockRegistryState<S>>()?;
    k.get::<SockCacheState>()?;
    k.get::<ProtInuseState>()?;
    k.get::<PtypeBaseState<S>>()?;
    if k.has::<InetProtoListState>()
        || k.has::<InetProtosState<S>>()
        || k.has::<InetswState<S>>()
        || k.has::<arp::ArpState>()
        || k.has::<IpPacketTypeState>()
    {
        return Err(Errno::EEXIST);
    }
    let (ip_dst_cache, inet_peer_cache) = ip_init()?;
    k.provide(InetProtoListState)?;
    k.provide(InetFamilyState)?;
    k.provide(InetProtosState::<S>::new())?;
    k.provide(InetswState::<S> { inetsw: Default::default() })?;
    arp_init(k)?;
    k.provide(IpPacketTypeState { ip_dst_cache, inet_peer_cache })
}

/// IPv4's offloads (resource `Ipv4Offload`): `inet_offloads` and the
/// `ip_packet_offload` entry in `offload_base`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ipv4OffloadState {
    pub inet_offloads: InetOffloads,
    pub ip_packet_offload: PacketOffload,
}

/// `ip_packet_offload`: IPv4's GRO/GSO entry in `offload_base`.
pub const IP_PACKET_OFFLOAD: PacketOffload = PacketOffload { type_: ETH_P_IP, name: "ip_packet_offload", priority: 0 };

/// `udpv4_offload` and `tcpv4_offload` with their protocol numbers.
pub const IPV4_L4_OFFLOADS: [(NetOffload, u8, &str); 2] = [
    (
        NetOffload {
            name: "udpv4_offload",
            gso_segment: "udp4_ufo_fragment",
            gro_receive: "udp4_gro_receive",
            gro_complete: "udp4_gro_complete",
        },
        IPPROTO_UDP,
        "UDP",
    ),
    (
        NetOffload {
            name: "tcpv4_offload",
            gso_segment: "tcp4_gso_segment",
            gro_receive: "tcp4_gro_receive",
            gro_complete: "tcp4_gro_complete",
        },
        IPPROTO_TCP,
        "TCP",
    ),
];

/// `ipv4_offload_init()` (net/ipv4/af_inet.c, fs_initcall):
/// `udpv4_offload_init` and `tcpv4_offload_init` fill `inet_offloads`
/// (a failure is logged "ipv4_offload_init: Cannot add X protocol offload"
/// and ignored, as in Linux), then `dev_add_offload(&ip_packet_offload)`.
pub fn ipv4_offload_init<S: InetSpec>(k: &mut Kernel<S>) -> InitResult {
    k.get::<OffloadBaseState>()?;
    if k.has::<Ipv4OffloadState>() {
        return Err(Errno::EEXIST);
    }
    let mut inet_offloads = InetOffloads::new();
    for (off, nr, what) in IPV4_L4_OFFLOADS {
        if inet_offloads.add(off, nr).is_err() {
            k.printk(format!("ipv4_offload_init: Cannot add {what} protocol offload"));
        }
    }
    dev_add_offload(k, IP_PACKET_OFFLOAD)?;
    k.provide(Ipv4OffloadState { inet_offloads, ip_packet_offload: IP_PACKET_OFFLOAD })
}
