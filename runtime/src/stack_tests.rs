//! End-to-end tests of the packet path and the socket layer on the
//! hand-written test spec (`testspec`): Linux's errors, two namespaces
//! joined by a veth pair, malformed input.

use std::cell::RefCell;
use std::net::{Ipv4Addr, SocketAddrV4};

use crate::checksum::{csum_fold, csum_partial, csum_tcpudp_magic, ip_fast_csum};
use crate::dev::{self, dev_add_pack, ExternalDev, NetDevTables, PacketType, ETH_P_ALL, ETH_P_IP};
use crate::errno::Errno;
use crate::inet::arp::{NeighTable, NUD_REACHABLE, NUD_STALE};
use crate::inet::ip_fragment::{ip_frag_timers, IpFragStats, Ipv4Frags};
use crate::inet::mib::{ExtMib, IcmpMib, IpMib, Ipv4Mib, TcpMib, UdpMib};
use crate::inet::netns_ipv4::Ipv4Net;
use crate::inet::{self, InetProtosw, InetswState, NetProtocol, INET_PROTOSW_PERMANENT};
use crate::netns::NetRef;
use crate::skbuff::SkBuff;
use crate::sock::sk::{
    self as sk, Sockets, MSG_PEEK, MSG_TRUNC, SOL_SOCKET, SO_BROADCAST, SO_PROTOCOL, SO_RCVBUF, SO_REUSEADDR,
};
use crate::sock::SockCacheState;
use crate::socket::syscalls::*;
use crate::socket::{self, NetProtoFamily, PF_INET, PF_PACKET, SOCK_DGRAM, SOCK_STREAM};
use crate::stack::{register_spec_entries, unregister_spec_entries};
use crate::tables::*;
use crate::testspec::{boot, Stack, TestSpec};

pub(crate) type Cx<'a> = NetCx<'a, TestSpec>;

pub(crate) const MAC_A: [u8; 6] = [0x02, 0, 0, 0, 0, 0x0a];
pub(crate) const MAC_B: [u8; 6] = [0x02, 0, 0, 0, 0, 0x0b];
pub(crate) const IP_A: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
pub(crate) const IP_B: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);

pub(crate) fn sa(ip: Ipv4Addr, port: u16) -> SockAddr {
    SockAddr::Inet(SocketAddrV4::new(ip, port))
}

pub(crate) fn mib(cx: &Cx<'_>, c: impl Into<inet::mib::Ipv4Counter>) -> u64 {
    cx.state::<Ipv4Mib>().unwrap().get(c)
}

fn dev_stats(cx: &Cx<'_>, name: &str) -> dev::NetDevStats {
    cx.state::<NetDevTables>().unwrap().get_by_name(name).unwrap().get_stats()
}

/// Two namespaces joined by veth0 (A, 10.0.0.1/24) — veth1 (B, 10.0.0.2/24),
/// both ends and `lo` up.
struct Pair {
    st: Stack,
    a: NetRef<TestSpec>,
    b: NetRef<TestSpec>,
}

fn pair() -> Pair {
    let st = boot();
    let a = st.ns.copy_net_ns().unwrap();
    let b = st.ns.copy_net_ns().unwrap();
    {
        let mut na = a.write();
        let mut nb = b.write();
        dev::veth_pair(&mut na, "veth0", &mut nb, "veth1", (MAC_A, MAC_B)).unwrap();
    }
    for (net, name, ip) in [(&a, "veth0", IP_A), (&b, "veth1", IP_B)] {
        st.cx(net, |cx| {
            let t = cx.state_mut::<NetDevTables>().unwrap();
            t.ip_link_set_up("lo").unwrap();
            t.ip_link_set_up(name).unwrap();
            t.ip_addr_add(name, ip, 24).unwrap();
        });
    }
    Pair { st, a, b }
}

impl Pair {
    fn a<R>(&self, f: impl FnOnce(&mut Cx<'_>) -> R) -> R {
        self.st.cx(&self.a, f)
    }
    fn b<R>(&self, f: impl FnOnce(&mut Cx<'_>) -> R) -> R {
        self.st.cx(&self.b, f)
    }
    fn settle(&self) -> usize {
        self.st.settle(&[&self.a, &self.b])
    }
}

pub(crate) fn recv(cx: &mut Cx<'_>, fd: Fd) -> Result<(Vec<u8>, Option<SockAddr>), Errno> {
    let mut buf = [0u8; 2048];
    let (n, from) = sys_recvfrom(cx, fd, &mut buf, 0)?;
    Ok((buf[..n].to_vec(), from))
}

// ---- frame builders -------------------------------------------------------

pub(crate) fn eth(dst: [u8; 6], src: [u8; 6], ty: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&dst);
    f.extend_from_slice(&src);
    f.extend_from_slice(&ty.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

pub(crate) fn ipv4(src: Ipv4Addr, dst: Ipv4Addr, proto: u8, frag_off: u16, payload: &[u8]) -> Vec<u8> {
    let mut h = vec![0x45, 0, 0, 0, 0, 1, 0, 0, 64, proto, 0, 0];
    h[2..4].copy_from_slice(&((20 + payload.len()) as u16).to_be_bytes());
    h[6..8].copy_from_slice(&frag_off.to_be_bytes());
    h.extend_from_slice(&src.octets());
    h.extend_from_slice(&dst.octets());
    let c = ip_fast_csum(&h);
    h[10..12].copy_from_slice(&c.to_be_bytes());
    h.extend_from_slice(payload);
    h
}

pub(crate) fn udp(src: Ipv4Addr, dst: Ipv4Addr, sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let len = (8 + payload.len()) as u16;
    let mut u = Vec::new();
    u.extend_from_slice(&sport.to_be_bytes());
    u.extend_from_slice(&dport.to_be_bytes());
    u.extend_from_slice(&len.to_be_bytes());
    u.extend_from_slice(&[0, 0]);
    u.extend_from_slice(payload);
    let c = csum_tcpudp_magic(u32::from(src), u32::from(dst), len, 17, csum_partial(&u, 0));
    u[6..8].copy_from_slice(&c.to_be_bytes());
    u
}

pub(crate) fn udp_frame(dst_mac: [u8; 6], src: Ipv4Addr, dst: Ipv4Addr, dport: u16, payload: &[u8]) -> Vec<u8> {
    eth(dst_mac, MAC_A, ETH_P_IP, &ipv4(src, dst, 17, 0, &udp(src, dst, 5555, dport, payload)))
}

/// One namespace with an external device eth0 (MAC_B, 10.0.0.2/24), up.
pub(crate) fn external() -> (Stack, NetRef<TestSpec>, ExternalDev) {
    let st = boot();
    let net = st.ns.copy_net_ns().unwrap();
    let ext = st.cx(&net, |cx| {
        let t = cx.state_mut::<NetDevTables>().unwrap();
        let ext = t.register_external("eth0", MAC_B, 64).unwrap();
        t.ip_link_set_up("eth0").unwrap();
        t.ip_link_set_up("lo").unwrap();
        t.ip_addr_add("eth0", IP_B, 24).unwrap();
        ext
    });
    (st, net, ext)
}

// ---- socket(2) and the registration errors ---------------------------------

#[test]
fn socket_errors_follow_linux() {
    let st = boot();
    let net = st.ns.init_net();
    st.cx(&net, |cx| {
        assert_eq!(sys_socket(cx, 99, SOCK_DGRAM.into(), 0), Err(Errno::EAFNOSUPPORT));
        assert_eq!(sys_socket(cx, -1, SOCK_DGRAM.into(), 0), Err(Errno::EAFNOSUPPORT));
        assert_eq!(sys_socket(cx, 30, SOCK_DGRAM.into(), 0), Err(Errno::EAFNOSUPPORT), "not registered");
        assert_eq!(sys_socket(cx, 2, 99, 0), Err(Errno::EINVAL));
        assert_eq!(sys_socket(cx, 2, 5, 0), Err(Errno::ESOCKTNOSUPPORT), "SOCK_SEQPACKET: empty inetsw list");
        assert_eq!(sys_socket(cx, 2, 1, 17), Err(Errno::EPROTONOSUPPORT));
        assert_eq!(sys_socket(cx, 2, 2, 6), Err(Errno::EPROTONOSUPPORT));
        assert_eq!(sys_socket(cx, 2, 3, 0), Err(Errno::EPROTONOSUPPORT), "raw IPPROTO_IP: the loop's quirk");
        assert_eq!(sys_socket(cx, 2, 2, 256), Err(Errno::EINVAL));
        assert_eq!(sys_socket(cx, 2, 2, -1), Err(Errno::EINVAL));
        assert_eq!(sys_socket(cx, 17, 1, 0), Err(Errno::ESOCKTNOSUPPORT), "packet_create");

        let proto = |cx: &mut Cx<'_>, fd| {
            let mut v = [0u8; 4];
            sys_getsockopt(cx, fd, SOL_SOCKET, SO_PROTOCOL, &mut v).unwrap();
            i32::from_ne_bytes(v)
        };
        // The wildcard: protocol 0 takes the first entry and its protocol.
        let u = sys_socket(cx, 2, 2, 0).unwrap();
        assert_eq!(proto(cx, u), 17);
        let t = sys_socket(cx, 2, 1 | socket::SOCK_NONBLOCK, 0).unwrap();
        assert_eq!(proto(cx, t), 6);
        // A wildcard entry (raw, IPPROTO_IP) takes any protocol.
        let r = sys_socket(cx, 2, 3, 89).unwrap();
        assert_eq!(proto(cx, r), 89);
        // SOCK_DGRAM/ICMP is the ping entry, which wants ping_group_range.
        assert_eq!(sys_socket(cx, 2, 2, 1), Err(Errno::EACCES));
        cx.state_mut::<Ipv4Net>().unwrap().set_ping_group_range(0, 0).unwrap();
        let p = sys_socket(cx, 2, 2, 1).unwrap();
        assert_eq!(proto(cx, p), 1);
        // (PF_INET, SOCK_PACKET) is PF_PACKET's.
        let pk = sys_socket(cx, 2, socket::SOCK_PACKET.into(), 0).unwrap();
        assert_eq!(cx.state::<Sockets<TestSpec>>().unwrap().get(pk).map(|s| s.family), Some(PF_PACKET));
        for fd in [u, t, r, p, pk] {
            sys_close(cx, fd).unwrap();
        }
        assert_eq!(sys_close(cx, u), Err(Errno::EBADF));
        assert_eq!(sys_bind(cx, 77, &sa(IP_A, 1)), Err(Errno::EBADF));
        assert!(cx.state::<Sockets<TestSpec>>().unwrap().is_empty());
    });
}

/// `__sys_socket_create` (net/socket.c): `if ((type & ~SOCK_TYPE_MASK) &
/// ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) return -EINVAL;` comes before
/// `__sock_create`'s `family >= NPROTO` (`EAFNOSUPPORT`) and
/// `type >= SOCK_MAX` (`EINVAL`) checks; the two known flags are masked off.
#[test]
fn socket_checks_type_flags_before_family() {
    let st = boot();
    let net = st.ns.init_net();
    st.cx(&net, |cx| {
        let dgram = i32::from(SOCK_DGRAM);
        assert_eq!(sys_socket(cx, 99, dgram | 0x10, 0), Err(Errno::EINVAL), "unknown flag, bad family");
        assert_eq!(sys_socket(cx, -1, dgram | i32::MIN, 0), Err(Errno::EINVAL));
        assert_eq!(sys_socket(cx, 30, dgram | 0o200, 0), Err(Errno::EINVAL), "unknown flag, unregistered family");
        assert_eq!(
            sys_socket(cx, 99, dgram | socket::SOCK_CLOEXEC | socket::SOCK_NONBLOCK, 0),
            Err(Errno::EAFNOSUPPORT),
            "known flags: the family is checked"
        );
        assert_eq!(sys_socket(cx, 2, 11, 0), Err(Errno::EINVAL), "type >= SOCK_MAX");
        let fd = sys_socket(cx, 2, dgram | socket::SOCK_CLOEXEC | socket::SOCK_NONBLOCK, 0).unwrap();
        let mut v = [0u8; 4];
        sys_getsockopt(cx, fd, SOL_SOCKET, sk::SO_TYPE, &mut v).unwrap();
        assert_eq!(i32::from_ne_bytes(v), dgram, "the flags are not part of the type");
        sys_close(cx, fd).unwrap();
    });
}

fn my_create(cx: &mut Cx<'_>, fd: Fd, protocol: i32, _kern: bool) -> Result<(), Errno> {
    if protocol != 0 {
        return Err(Errno::EPROTONOSUPPORT);
    }
    let mut ops = DynProtoOps::<TestSpec>::no("my_ops", 30);
    ops.bind = |_, _, _| Err(Errno::EADDRNOTAVAIL);
    ops.getname = |_, _, _| Ok(SockAddr::Unspec);
    sk::sk(cx, fd)?.ops = ops.entry();
    Ok(())
}

#[test]
fn sock_register_and_dynamic_families() {
    let mut st = boot();
    let inet = NetProtoFamily::<TestSpec> { family: PF_INET, create: "x", owner: "m", entry: Entry::Spec(0) };
    assert_eq!(socket::sock_register(&mut st.k, inet.clone()), Err(Errno::EEXIST));
    let big = NetProtoFamily { family: socket::NPROTO as u16, ..inet };
    assert_eq!(socket::sock_register(&mut st.k, big), Err(Errno::ENOBUFS));
    socket::sock_register(&mut st.k, NetProtoFamily::<TestSpec>::dynamic(30, "my_create", my_create)).unwrap();
    let net = st.ns.init_net();
    st.cx(&net, |cx| {
        assert_eq!(sys_socket(cx, 30, 2, 1), Err(Errno::EPROTONOSUPPORT));
        let fd = sys_socket(cx, 30, 2, 0).unwrap();
        assert_eq!(sys_bind(cx, fd, &SockAddr::Unspec), Err(Errno::EADDRNOTAVAIL), "the dynamic vtable");
        assert_eq!(sys_getsockname(cx, fd), Ok(SockAddr::Unspec));
        assert_eq!(sys_connect(cx, fd, &SockAddr::Unspec), Err(Errno::EOPNOTSUPP), "sock_no_connect");
        assert_eq!(sys_listen(cx, fd, 1), Err(Errno::EOPNOTSUPP));
        assert_eq!(sys_poll(cx, fd), Ok(0), "sock_no_poll");
        sys_close(cx, fd).unwrap();
    });
    socket::sock_unregister::<TestSpec>(&mut st.k, 30).unwrap();
    st.cx(&net, |cx| assert_eq!(sys_socket(cx, 30, 2, 0), Err(Errno::EAFNOSUPPORT)));
}

thread_local! {
    static BACKLOG: std::cell::Cell<i32> = const { std::cell::Cell::new(0) };
}

fn backlog_listen(_cx: &mut Cx<'_>, _fd: Fd, backlog: i32) -> Result<(), Errno> {
    BACKLOG.with(|b| b.set(backlog));
    Ok(())
}

fn backlog_create(cx: &mut Cx<'_>, fd: Fd, _protocol: i32, _kern: bool) -> Result<(), Errno> {
    let mut ops = DynProtoOps::<TestSpec>::no("backlog_ops", 31);
    ops.listen = backlog_listen;
    sk::sk(cx, fd)?.ops = ops.entry();
    Ok(())
}

/// `__sys_listen` (net/socket.c): `somaxconn =
/// READ_ONCE(sock_net(sock->sk)->core.sysctl_somaxconn); if ((unsigned
/// int)backlog > somaxconn) backlog = somaxconn;` before
/// `sock->ops->listen`: the socket's namespace's sysctl, not a constant.
#[test]
fn listen_caps_the_backlog_at_the_namespace_somaxconn() {
    let mut st = boot();
    socket::sock_register(&mut st.k, NetProtoFamily::<TestSpec>::dynamic(31, "backlog_create", backlog_create))
        .unwrap();
    let other = st.ns.copy_net_ns().unwrap();
    let listen = |cx: &mut Cx<'_>, backlog: i32| {
        let fd = sys_socket(cx, 31, 1, 0).unwrap();
        sys_listen(cx, fd, backlog).unwrap();
        sys_close(cx, fd).unwrap();
        BACKLOG.with(|b| b.get())
    };
    let net = st.ns.init_net();
    st.cx(&net, |cx| {
        assert_eq!(listen(cx, 100_000), 4096, "SOMAXCONN");
        cx.state_mut::<crate::sysctl::SysctlCoreNet>().unwrap().sysctl_somaxconn = 16;
        assert_eq!(listen(cx, 100), 16);
        assert_eq!(listen(cx, 5), 5);
        assert_eq!(listen(cx, -1), 16, "(unsigned int)backlog");
    });
    st.cx(&other, |cx| assert_eq!(listen(cx, 100), 100, "another namespace keeps its own"));
}

#[test]
fn spec_entries_register_once_and_roll_back() {
    let mut st = boot();
    let protos = |k: &crate::Kernel<TestSpec>| k.get::<SockCacheState>().unwrap().proto_list.len();
    let before = protos(&st.k);
    // inet_init's entries again: the protos are there, so nothing is left behind.
    assert_eq!(
        register_spec_entries::<TestSpec>(&mut st.k, "inet_init", &crate::testspec::tables::registered_by::INET_INIT),
        Err(Errno::EEXIST)
    );
    assert_eq!(protos(&st.k), before);
    // Unregistering and registering again works; PF_INET goes and comes back.
    unregister_spec_entries::<TestSpec>(&mut st.k, &crate::testspec::tables::registered_by::INET_INIT);
    assert_eq!(protos(&st.k), 1, "PACKET is packet_init's");
    assert!(st.k.get::<socket::SockRegistryState<TestSpec>>().unwrap().family(PF_INET).is_none());
    assert!(st.k.get::<InetswState<TestSpec>>().unwrap().list(SOCK_STREAM).is_empty(), "permanent ones too");
    assert_eq!(st.k.get::<inet::InetProtosState<TestSpec>>().unwrap().iter().count(), 0);
    let net = st.ns.init_net();
    st.cx(&net, |cx| assert_eq!(sys_socket(cx, 2, 2, 0), Err(Errno::EAFNOSUPPORT)));
    register_spec_entries::<TestSpec>(&mut st.k, "inet_init", &crate::testspec::tables::registered_by::INET_INIT)
        .unwrap();
    st.cx(&net, |cx| {
        let fd = sys_socket(cx, 2, 2, 0).unwrap();
        sys_close(cx, fd).unwrap();
    });
    // A slot taken by someone else: logged, not fatal (as inet_init).
    unregister_spec_entries::<TestSpec>(&mut st.k, &crate::testspec::tables::registered_by::INET_INIT);
    let squat = NetProtocol::<TestSpec>::dynamic("squat", |_, _| NetRx::Drop, None);
    inet::inet_add_protocol(&st.k, squat, 17).unwrap();
    register_spec_entries::<TestSpec>(&mut st.k, "inet_init", &crate::testspec::tables::registered_by::INET_INIT)
        .unwrap();
    assert_eq!(st.k.log().last().map(String::as_str), Some("inet_init: Cannot add udp_protocol"));
}

thread_local! {
    static SEEN: RefCell<Vec<&'static str>> = const { RefCell::new(Vec::new()) };
}

fn seen() -> Vec<&'static str> {
    SEEN.with(|s| std::mem::take(&mut *s.borrow_mut()))
}

/// The first IP protocol number, from `from` down, that the spec leaves
/// free.
const fn free_ipproto(from: u8) -> u8 {
    let mut n = from;
    while InetProtocolDesc::claimed(<TestSpec as ProtoSpec>::INET_PROTOCOLS, n) {
        n -= 1;
    }
    n
}

/// The IP protocol the tests below register at run time: RFC 3692's
/// experimental 254, or the next lower number the spec (which includes
/// spec/protocols.ng, a user's file) leaves free, so a user's spec entry
/// on it moves the tests instead of breaking them with `EBUSY`.
const P_EXP: u8 = free_ipproto(254);
/// A second free number: one nobody handles.
const P_NONE: u8 = free_ipproto(P_EXP - 1);

/// An ethertype no `packet_type` of the spec claims: IEEE 802's local
/// experimental 0x88B5, or the next one up the spec leaves free.
const E_EXP: u16 = {
    let mut e = 0x88b5;
    while PacketTypeDesc::claimed(<TestSpec as ProtoSpec>::PACKET_TYPES, e) {
        e += 1;
    }
    e
};

fn proto_exp(_cx: &mut Cx<'_>, skb: SkBuff) -> NetRx {
    SEEN.with(|s| s.borrow_mut().push(if skb.data() == b"xyz" { "proto_exp" } else { "proto_exp?" }));
    NetRx::Success
}

#[test]
fn inet_add_protocol_slots_and_dynamic_handlers() {
    let st = boot();
    let dynp = NetProtocol::<TestSpec>::dynamic("p_exp", proto_exp, None);
    let udp_taken = NetProtocol { name: "udp2", ..dynp.clone() };
    assert_eq!(inet::inet_add_protocol(&st.k, udp_taken, 17), Err(Errno::EBUSY), "slot taken");
    inet::inet_add_protocol(&st.k, dynp.clone(), P_EXP).unwrap();
    assert_eq!(inet::protocol::inet_del_protocol_id::<TestSpec>(&st.k, EntryId::Spec(1), P_EXP), Err(Errno::EBUSY));
    // inet_del_protocol compares the registration (Linux: the pointer):
    // another protocol of the same name and handler is not it, and the
    // slot keeps what it holds.
    let lookalike = NetProtocol::<TestSpec>::dynamic("p_exp", proto_exp, None);
    assert_eq!(inet::inet_del_protocol(&st.k, &lookalike, P_EXP), Err(Errno::EBUSY), "only what is there");
    assert_eq!(inet::inet_add_protocol(&st.k, lookalike, P_EXP), Err(Errno::EBUSY), "slot still taken");

    let net = st.ns.init_net();
    st.cx(&net, |cx| {
        cx.state_mut::<NetDevTables>().unwrap().ip_link_set_up("lo").unwrap();
        // A raw socket of protocol P_EXP sends over lo: the raw socket and
        // the run-time handler both get it.
        let r = sys_socket(cx, 2, 3, i32::from(P_EXP)).unwrap();
        assert_eq!(sys_sendto(cx, r, b"xyz", Some(&sa(Ipv4Addr::LOCALHOST, 0)), 0), Ok(3));
        let (d, from) = recv(cx, r).unwrap();
        assert_eq!((&d[20..], d[9], from), (&b"xyz"[..], P_EXP, Some(sa(Ipv4Addr::LOCALHOST, 0))));
        assert_eq!(mib(cx, IpMib::InDelivers), 1);
        sys_close(cx, r).unwrap();
    });
    assert_eq!(seen(), ["proto_exp"]);
    inet::inet_del_protocol(&st.k, &dynp, P_EXP).unwrap();
    st.cx(&net, |cx| {
        // Now nobody handles P_EXP: protocol unreachable, InUnknownProtos.
        let r = sys_socket(cx, 2, 3, i32::from(P_NONE)).unwrap();
        sys_sendto(cx, r, b"xyz", Some(&sa(Ipv4Addr::LOCALHOST, 0)), 0).unwrap();
        assert_eq!(recv(cx, r).map(|(d, _)| d[9]), Ok(P_NONE), "a raw socket took it");
        let icmp = sys_socket(cx, 2, 3, 1).unwrap();
        let r_exp = {
            let mut h = ipv4(Ipv4Addr::LOCALHOST, Ipv4Addr::LOCALHOST, P_EXP, 0, b"abc");
            h[4] = 0;
            h
        };
        let raw = sys_socket(cx, 2, 3, 255).unwrap();
        sys_sendto(cx, raw, &r_exp, Some(&sa(Ipv4Addr::LOCALHOST, 0)), 0).unwrap();
        assert_eq!(mib(cx, IpMib::InUnknownProtos), 1);
        let (d, _) = recv(cx, icmp).unwrap();
        assert_eq!((d[20], d[21]), (3, 2), "ICMP protocol unreachable");
        assert_eq!(mib(cx, IcmpMib::OutDestUnreachs), 1);
    });
}

#[test]
fn protosw_registered_at_run_time_with_dynamic_ops() {
    let mut st = boot();
    let udp = st.k.get::<InetswState<TestSpec>>().unwrap().list(SOCK_DGRAM)[0].clone();
    let mut ops = DynProtoOps::<TestSpec>::no("lite_ops", 2);
    ops.release = |_, _| Ok(());
    ops.sendmsg = |_, _, m, _, _| Ok(m.len() * 2);
    let lite = InetProtosw::new(udp.type_, 136, udp.prot, ops.entry(), 0, "udplite");
    inet::inet_register_protosw(&mut st.k, lite.clone()).unwrap();
    assert_eq!(inet::inet_register_protosw(&mut st.k, InetProtosw { flags: 0, ..udp.clone() }), Err(Errno::EPERM));
    assert_eq!(inet::inet_unregister_protosw(&mut st.k, &udp), Err(Errno::EPERM));
    assert_eq!(inet::inet_register_protosw(&mut st.k, InetProtosw { type_: 11, ..lite.clone() }), Err(Errno::EINVAL));
    let net = st.ns.init_net();
    st.cx(&net, |cx| {
        let fd = sys_socket(cx, 2, 2, 136).unwrap();
        assert_eq!(sys_sendto(cx, fd, b"ab", None, 0), Ok(4), "the run-time vtable");
        assert_eq!(sys_recvfrom(cx, fd, &mut [0; 4], 0), Err(Errno::EOPNOTSUPP), "sock_no_recvmsg");
        sys_close(cx, fd).unwrap();
    });
    inet::inet_unregister_protosw(&mut st.k, &lite).unwrap();
    st.cx(&net, |cx| assert_eq!(sys_socket(cx, 2, 2, 136), Err(Errno::EPROTONOSUPPORT)));
    let perm = InetProtosw { protocol: 137, flags: INET_PROTOSW_PERMANENT, name: "p", ..udp };
    inet::inet_register_protosw(&mut st.k, perm.clone()).unwrap();
    assert_eq!(inet::inet_unregister_protosw(&mut st.k, &perm), Err(Errno::EPERM));
}

fn tap(_cx: &mut Cx<'_>, skb: SkBuff) -> NetRx {
    SEEN.with(|s| s.borrow_mut().push(if skb.pkt_type == 4 { "tap-out" } else { "tap" }));
    NetRx::Success
}
fn ip_a(_cx: &mut Cx<'_>, skb: SkBuff) -> NetRx {
    // Not the last handler: a clone sharing the frame's bytes with the
    // skb ip_rcv gets next (`skb_clone`, not a copy).
    SEEN.with(|s| s.borrow_mut().push(if skb.cloned() { "ip_a" } else { "ip_a (a copy)" }));
    NetRx::Success
}
fn ip_b(_cx: &mut Cx<'_>, _skb: SkBuff) -> NetRx {
    SEEN.with(|s| s.borrow_mut().push("ip_b"));
    NetRx::Success
}

#[test]
fn dev_add_pack_delivers_taps_first_then_handlers_newest_first() {
    let st = boot();
    let a = PacketType::<TestSpec>::dynamic(ETH_P_IP, "ip_a", ip_a);
    dev_add_pack(&st.k, a.clone()).unwrap();
    dev_add_pack(&st.k, PacketType::<TestSpec>::dynamic(ETH_P_ALL, "tap", tap)).unwrap();
    dev_add_pack(&st.k, PacketType::<TestSpec>::dynamic(ETH_P_IP, "ip_b", ip_b)).unwrap();
    assert_eq!(dev_add_pack(&st.k, a), Err(Errno::EEXIST), "the same registration twice");
    let listing = dev::proc_net_ptype(&st.k, &st.ns.init_net().read()).unwrap();
    assert_eq!(
        listing,
        "Type Device      Function\nALL           tap\n0800          ip_b\n0800          ip_a\n0800          ip_rcv\n0806          arp_rcv\n"
    );
    let (st2, net, ext) = {
        let net = st.ns.copy_net_ns().unwrap();
        let ext = st.cx(&net, |cx| {
            let t = cx.state_mut::<NetDevTables>().unwrap();
            let e = t.register_external("eth0", MAC_B, 8).unwrap();
            t.ip_link_set_up("eth0").unwrap();
            t.ip_addr_add("eth0", IP_B, 24).unwrap();
            e
        });
        (st, net, ext)
    };
    seen();
    ext.netif_rx_frame(&udp_frame(MAC_B, IP_A, IP_B, 9, b"x"));
    ext.netif_rx_frame(&eth(MAC_B, MAC_A, E_EXP, b"local experimental"));
    st2.settle(&[&net]);
    // Linux's lists: taps, then ptype_base[type & 15] newest first; ip_rcv
    // (registered at boot) is last and gets the frame itself.
    // The port unreachable ip_rcv answers needs ARP: the request going out
    // reaches the tap as PACKET_OUTGOING before the second frame comes in.
    assert_eq!(seen(), ["tap", "ip_b", "ip_a", "tap-out", "tap"]);
    st2.cx(&net, |cx| {
        assert_eq!(mib(cx, UdpMib::NoPorts), 1, "ip_rcv saw it too");
        assert_eq!(dev_stats(cx, "eth0").rx_dropped, 0, "the tap took the experimental frame");
    });
    assert_eq!(seen(), [] as [&str; 0]);
    assert_eq!(ext.drain_tx().len(), 1, "the ARP request for the ICMP error");
}

// ---- two namespaces over a veth pair ----------------------------------------

#[test]
fn udp_echo_between_namespaces_resolves_arp() {
    let p = pair();
    let srv = p.b(|cx| {
        let fd = sys_socket(cx, 2, 2, 0).unwrap();
        sys_bind(cx, fd, &sa(Ipv4Addr::UNSPECIFIED, 7)).unwrap();
        fd
    });
    let cli = p.a(|cx| {
        let fd = sys_socket(cx, 2, 2, 0).unwrap();
        assert_eq!(sys_sendto(cx, fd, b"hello", Some(&sa(IP_B, 7)), 0), Ok(5));
        // Unresolved: queued on the INCOMPLETE neighbour, request sent.
        let n = cx.state::<NeighTable>().unwrap();
        assert_eq!(n.lookup(u32::from(IP_B), 2).map(|e| e.arp_queue.len()), Some(1));
        assert_eq!(recv(cx, fd), Err(Errno::EAGAIN));
        fd
    });
    assert!(p.settle() >= 3, "request, reply, datagram");
    let from = p.b(|cx| {
        let (d, from) = recv(cx, srv).unwrap();
        assert_eq!(d, b"hello");
        let Some(SockAddr::Inet(f)) = from else { panic!("{from:?}") };
        assert_eq!(*f.ip(), IP_A);
        assert!((32768..=60999).contains(&f.port()), "autobound from the local port range");
        assert_eq!(sys_sendto(cx, srv, &d, from.as_ref(), 0), Ok(5));
        // B learnt A from A's request (STALE): the reply needs no ARP.
        let n = cx.state::<NeighTable>().unwrap().lookup(u32::from(IP_A), 2).unwrap();
        assert_eq!((n.nud_state, n.ha), (NUD_STALE, MAC_A));
        assert_eq!(cx.state::<NeighTable>().unwrap().stats.rcv_probes_mcast, 1);
        assert_eq!(mib(cx, UdpMib::InDatagrams), 1);
        from
    });
    p.settle();
    p.a(|cx| {
        assert_eq!(recv(cx, cli), Ok((b"hello".to_vec(), Some(sa(IP_B, 7)))));
        let n = cx.state::<NeighTable>().unwrap().lookup(u32::from(IP_B), 2).unwrap();
        assert_eq!((n.nud_state, n.ha, n.arp_queue.len()), (NUD_REACHABLE, MAC_B, 0));
        assert_eq!(mib(cx, UdpMib::OutDatagrams), 1);
        assert_eq!(mib(cx, UdpMib::InDatagrams), 1);
        assert_eq!(mib(cx, IpMib::OutPkts), 1);
        let s = dev_stats(cx, "veth0");
        assert_eq!((s.tx_packets, s.rx_packets), (2, 2), "ARP request + datagram each way");
        // Autobound, unconnected: getsockname shows the wildcard address.
        let Ok(SockAddr::Inet(me)) = sys_getsockname(cx, cli) else { panic!() };
        let Some(SockAddr::Inet(from)) = from else { panic!() };
        assert_eq!((*me.ip(), me.port()), (Ipv4Addr::UNSPECIFIED, from.port()));
        let arp = crate::inet::arp::arp_seq_show(cx.state().unwrap(), cx.state().unwrap());
        assert!(arp.contains("10.0.0.2         0x1         0x2         02:00:00:00:00:0b     *        veth0"), "{arp}");
    });
}

#[test]
fn ping_between_namespaces_with_ping_and_raw_sockets() {
    let p = pair();
    let fd = p.a(|cx| {
        cx.state_mut::<Ipv4Net>().unwrap().set_ping_group_range(0, 10).unwrap();
        let fd = sys_socket(cx, 2, 2, 1).unwrap();
        assert_eq!(sys_sendto(cx, fd, &[8, 0, 0, 0], Some(&sa(IP_B, 0)), 0), Err(Errno::EINVAL), "short");
        assert_eq!(sys_sendto(cx, fd, &[0, 0, 0, 0, 0, 0, 0, 0], Some(&sa(IP_B, 0)), 0), Err(Errno::EINVAL), "type");
        let req = [8, 0, 0, 0, 0, 0, 0, 1, b'p', b'i', b'n', b'g'];
        assert_eq!(sys_sendto(cx, fd, &req, Some(&sa(IP_B, 0)), 0), Ok(12));
        fd
    });
    p.settle();
    p.a(|cx| {
        let (d, from) = recv(cx, fd).unwrap();
        let Ok(SockAddr::Inet(me)) = sys_getsockname(cx, fd) else { panic!() };
        assert_eq!((d[0], &d[4..6], &d[8..]), (0, &me.port().to_be_bytes()[..], &b"ping"[..]), "reply with our id");
        assert_eq!(csum_fold(csum_partial(&d, 0)), 0);
        assert_eq!(from, Some(sa(IP_B, 0)));
        assert_eq!((mib(cx, IcmpMib::OutEchos), mib(cx, IcmpMib::InEchoReps)), (1, 1));
    });
    let r = p.b(|cx| {
        assert_eq!((mib(cx, IcmpMib::InEchos), mib(cx, IcmpMib::OutEchoReps), mib(cx, IcmpMib::InMsgs)), (1, 1, 1));
        // Now B pings A with a raw socket, building the ICMP message itself.
        let r = sys_socket(cx, 2, 3, 1).unwrap();
        let mut req = vec![8, 0, 0, 0, 0x12, 0x34, 0, 1, 1, 2, 3];
        let c = csum_fold(csum_partial(&req, 0));
        req[2..4].copy_from_slice(&c.to_be_bytes());
        assert_eq!(sys_sendto(cx, r, &req, Some(&sa(IP_A, 0)), 0), Ok(11));
        r
    });
    p.settle();
    p.b(|cx| {
        // The raw socket sees the reply (its own request went out).
        let (d, from) = recv(cx, r).unwrap();
        assert_eq!((d[20], &d[24..26], from), (0, &[0x12u8, 0x34][..], Some(sa(IP_A, 0))));
        assert_eq!(mib(cx, IcmpMib::OutEchos), 1, "raw ICMP is counted too");
    });
    // icmp_echo_ignore_all: no reply, counted.
    p.b(|cx| cx.state_mut::<Ipv4Net>().unwrap().sysctl_icmp_echo_ignore_all = true);
    p.a(|cx| sys_sendto(cx, fd, &[8, 0, 0, 0, 0, 0, 0, 2], Some(&sa(IP_B, 0)), 0).unwrap());
    p.settle();
    p.a(|cx| assert_eq!(recv(cx, fd), Err(Errno::EAGAIN)));
    p.b(|cx| assert_eq!(mib(cx, ExtMib::IcmpEchoIgnored), 1));
}

#[test]
fn udp_to_a_closed_port_refuses_the_connected_sender() {
    let p = pair();
    let (conn, unconn) = p.a(|cx| {
        let c = sys_socket(cx, 2, 2, 0).unwrap();
        sys_connect(cx, c, &sa(IP_B, 9)).unwrap();
        assert_eq!(sys_getpeername(cx, c), Ok(sa(IP_B, 9)));
        assert_eq!(sys_sendto(cx, c, b"anyone?", None, 0), Ok(7));
        let u = sys_socket(cx, 2, 2, 0).unwrap();
        assert_eq!(sys_sendto(cx, u, b"anyone?", None, 0), Err(Errno::EDESTADDRREQ));
        sys_sendto(cx, u, b"anyone?", Some(&sa(IP_B, 9)), 0).unwrap();
        (c, u)
    });
    p.settle();
    p.b(|cx| {
        assert_eq!(mib(cx, UdpMib::NoPorts), 2);
        assert_eq!(mib(cx, IcmpMib::OutDestUnreachs), 2);
    });
    p.a(|cx| {
        assert_eq!(mib(cx, IcmpMib::InDestUnreachs), 2);
        assert_eq!(recv(cx, conn), Err(Errno::ECONNREFUSED));
        assert_eq!(recv(cx, conn), Err(Errno::EAGAIN), "reported once");
        assert_eq!(recv(cx, unconn), Err(Errno::EAGAIN), "not connected: not told");
        // The next one is refused at send time.
        sys_sendto(cx, conn, b"again", None, 0).unwrap();
    });
    p.settle();
    p.a(|cx| {
        assert_eq!(sys_sendto(cx, conn, b"again", None, 0), Err(Errno::ECONNREFUSED));
        let mut v = [0u8; 4];
        assert_eq!(sys_getsockopt(cx, conn, SOL_SOCKET, sk::SO_ERROR, &mut v), Ok(4));
        assert_eq!(i32::from_ne_bytes(v), 0);
        // Disconnect (AF_UNSPEC) and the peer is gone.
        sys_connect(cx, conn, &SockAddr::Unspec).unwrap();
        assert_eq!(sys_getpeername(cx, conn), Err(Errno::ENOTCONN));
    });
}

#[test]
fn connected_socket_wins_over_wildcard_and_broadcast_reaches_all() {
    let p = pair();
    let (wild, conn, other) = p.b(|cx| {
        let w = sys_socket(cx, 2, 2, 0).unwrap();
        sys_setsockopt(cx, w, SOL_SOCKET, SO_REUSEADDR, &1i32.to_ne_bytes()).unwrap();
        sys_bind(cx, w, &sa(Ipv4Addr::UNSPECIFIED, 53)).unwrap();
        let c = sys_socket(cx, 2, 2, 0).unwrap();
        assert_eq!(sys_bind(cx, c, &sa(IP_B, 53)), Err(Errno::EADDRINUSE), "overlaps the wildcard");
        sys_setsockopt(cx, c, SOL_SOCKET, SO_REUSEADDR, &1i32.to_ne_bytes()).unwrap();
        sys_bind(cx, c, &sa(IP_B, 53)).unwrap();
        sys_connect(cx, c, &sa(IP_A, 1000)).unwrap();
        let o = sys_socket(cx, 2, 2, 0).unwrap();
        assert_eq!(sys_bind(cx, o, &sa(Ipv4Addr::new(10, 9, 9, 9), 1)), Err(Errno::EADDRNOTAVAIL));
        assert_eq!(sys_bind(cx, o, &SockAddr::Packet { protocol: 0, ifindex: 0 }), Err(Errno::EAFNOSUPPORT));
        sys_bind(cx, o, &sa(Ipv4Addr::UNSPECIFIED, 54)).unwrap();
        assert_eq!(sys_bind(cx, o, &sa(Ipv4Addr::UNSPECIFIED, 55)), Err(Errno::EINVAL), "already bound");
        (w, c, o)
    });
    p.a(|cx| {
        let s = sys_socket(cx, 2, 2, 0).unwrap();
        sys_bind(cx, s, &sa(IP_A, 1000)).unwrap();
        sys_sendto(cx, s, b"to-conn", Some(&sa(IP_B, 53)), 0).unwrap();
        let t = sys_socket(cx, 2, 2, 0).unwrap();
        sys_sendto(cx, t, b"to-wild", Some(&sa(IP_B, 53)), 0).unwrap();
        let bc = sa(Ipv4Addr::new(10, 0, 0, 255), 54);
        assert_eq!(sys_sendto(cx, t, b"bcast", Some(&bc), 0), Err(Errno::EACCES));
        sys_setsockopt(cx, t, SOL_SOCKET, SO_BROADCAST, &1i32.to_ne_bytes()).unwrap();
        sys_sendto(cx, t, b"bcast", Some(&bc), 0).unwrap();
        sys_sendto(cx, t, b"nobody", Some(&sa(Ipv4Addr::BROADCAST, 4444)), 0).unwrap();
    });
    p.settle();
    p.b(|cx| {
        assert_eq!(recv(cx, conn).map(|r| r.0), Ok(b"to-conn".to_vec()));
        assert_eq!(recv(cx, wild).map(|r| r.0), Ok(b"to-wild".to_vec()));
        assert_eq!(recv(cx, other).map(|r| r.0), Ok(b"bcast".to_vec()));
        assert_eq!(mib(cx, UdpMib::IgnoredMulti), 1);
        assert_eq!(mib(cx, UdpMib::NoPorts), 0, "no port unreachable for broadcasts");
        assert_eq!(mib(cx, IpMib::InBcastPkts), 2);
        assert_eq!(dev_stats(cx, "veth1").multicast, 3, "two broadcasts and the ARP request");
    });
}

#[test]
fn full_receive_queue_counts_and_keeps_what_is_queued() {
    let st = boot();
    let net = st.ns.init_net();
    st.cx(&net, |cx| {
        cx.state_mut::<NetDevTables>().unwrap().ip_link_set_up("lo").unwrap();
        let srv = sys_socket(cx, 2, 2, 0).unwrap();
        sys_setsockopt(cx, srv, SOL_SOCKET, SO_RCVBUF, &1i32.to_ne_bytes()).unwrap();
        let mut v = [0u8; 4];
        sys_getsockopt(cx, srv, SOL_SOCKET, SO_RCVBUF, &mut v).unwrap();
        assert_eq!(i32::from_ne_bytes(v), 4608, "SOCK_MIN_RCVBUF");
        sys_bind(cx, srv, &sa(Ipv4Addr::LOCALHOST, 5000)).unwrap();
        let cli = sys_socket(cx, 2, 2, 0).unwrap();
        for i in 0..40u8 {
            sys_sendto(cx, cli, &[i; 200], Some(&sa(Ipv4Addr::LOCALHOST, 5000)), 0).unwrap();
        }
        let dropped = mib(cx, UdpMib::RcvbufErrors);
        assert!(dropped > 0);
        assert_eq!(mib(cx, UdpMib::InErrors), dropped);
        assert_eq!(cx.state::<Sockets<TestSpec>>().unwrap().get(srv).unwrap().drops, dropped);
        let mut got = Vec::new();
        let mut buf = [0u8; 300];
        // MSG_PEEK leaves it; MSG_TRUNC tells the real size.
        assert_eq!(sys_recvfrom(cx, srv, &mut buf, MSG_PEEK).map(|r| r.0), Ok(200));
        assert_eq!(sys_recvfrom(cx, srv, &mut buf[..10], MSG_PEEK | MSG_TRUNC).map(|r| r.0), Ok(200));
        while let Ok((n, _)) = sys_recvfrom(cx, srv, &mut buf, 0) {
            assert_eq!(n, 200);
            got.push(buf[0]);
        }
        assert_eq!(got.len() as u64 + dropped, 40);
        assert_eq!(got, (0..got.len() as u8).collect::<Vec<_>>(), "nothing queued was lost, in order");
        assert_eq!(cx.state::<Sockets<TestSpec>>().unwrap().get(srv).unwrap().rmem_alloc, 0);
    });
}

/// `recvmmsg` (`do_recvmmsg`): fills messages in arrival order until the
/// queue is empty; `EAGAIN` only when it filled none; a pending socket
/// error is reported before any datagram.
#[test]
fn recvmmsg_fills_messages_in_order() {
    let st = boot();
    let net = st.ns.init_net();
    st.cx(&net, |cx| {
        cx.state_mut::<NetDevTables>().unwrap().ip_link_set_up("lo").unwrap();
        let srv = sys_socket(cx, 2, 2, 0).unwrap();
        sys_bind(cx, srv, &sa(Ipv4Addr::LOCALHOST, 5001)).unwrap();
        let cli = sys_socket(cx, 2, 2, 0).unwrap();
        sys_bind(cx, cli, &sa(Ipv4Addr::LOCALHOST, 5002)).unwrap();
        for i in 0..5u8 {
            sys_sendto(cx, cli, &[i; 10], Some(&sa(Ipv4Addr::LOCALHOST, 5001)), 0).unwrap();
        }
        let mut bufs = [[0u8; 32]; 3];
        let mut got = Vec::new();
        let mut calls = Vec::new();
        loop {
            let mut msgs = bufs.each_mut().map(|b| MMsgHdr::new(&mut b[..]));
            match sys_recvmmsg(cx, srv, &mut msgs, 0) {
                Ok(n) => {
                    calls.push(n);
                    for m in &msgs[..n] {
                        assert_eq!(m.msg_len, 10);
                        assert_eq!(m.name, Some(sa(Ipv4Addr::LOCALHOST, 5002)));
                        got.push(m.buf[0]);
                    }
                }
                Err(e) => {
                    assert_eq!(e, Errno::EAGAIN, "an empty queue, and nothing filled");
                    break;
                }
            }
        }
        assert_eq!(calls, [3, 2], "full batches, then the rest");
        assert_eq!(got, [0, 1, 2, 3, 4], "in arrival order");
        assert_eq!(mib(cx, UdpMib::InDatagrams), 5);

        // A pending error comes first, once, before any datagram.
        sys_sendto(cx, cli, b"x", Some(&sa(Ipv4Addr::LOCALHOST, 5001)), 0).unwrap();
        cx.state_mut::<Sockets<TestSpec>>().unwrap().get_mut(srv).unwrap().err = Errno::ENETDOWN.0;
        let mut msgs = bufs.each_mut().map(|b| MMsgHdr::new(&mut b[..]));
        assert_eq!(sys_recvmmsg(cx, srv, &mut msgs, 0), Err(Errno::ENETDOWN));
        let mut msgs = bufs.each_mut().map(|b| MMsgHdr::new(&mut b[..]));
        assert_eq!(sys_recvmmsg(cx, srv, &mut msgs, 0), Ok(1));
        assert_eq!(sys_recvmmsg(cx, 999, &mut msgs, 0), Err(Errno::EBADF));
    });
}

#[test]
fn tcp_sockets_bind_and_close_but_do_not_connect() {
    let st = boot();
    let net = st.ns.init_net();
    st.cx(&net, |cx| {
        cx.state_mut::<NetDevTables>().unwrap().ip_link_set_up("lo").unwrap();
        let a = sys_socket(cx, 2, 1, 0).unwrap();
        sys_bind(cx, a, &sa(Ipv4Addr::UNSPECIFIED, 8080)).unwrap();
        assert_eq!(sys_getsockname(cx, a), Ok(sa(Ipv4Addr::UNSPECIFIED, 8080)));
        let b = sys_socket(cx, 2, 1, 6).unwrap();
        assert_eq!(sys_bind(cx, b, &sa(Ipv4Addr::LOCALHOST, 8080)), Err(Errno::EADDRINUSE));
        assert_eq!(sys_connect(cx, b, &sa(Ipv4Addr::LOCALHOST, 8080)), Err(Errno::EOPNOTSUPP));
        assert_eq!(sys_listen(cx, a, 5), Err(Errno::EOPNOTSUPP));
        assert_eq!(sys_accept(cx, a, 0), Err(Errno::EOPNOTSUPP));
        assert_eq!(sys_sendto(cx, a, b"x", None, 0), Err(Errno::EOPNOTSUPP));
        assert_eq!(sys_recvfrom(cx, a, &mut [0; 4], 0), Err(Errno::EOPNOTSUPP));
        assert_eq!(sys_getpeername(cx, a), Err(Errno::ENOTCONN));
        assert_eq!(sys_shutdown(cx, a, 1), Err(Errno::ENOTCONN));
        assert_eq!(sys_shutdown(cx, a, 7), Err(Errno::EINVAL));
        assert_eq!(cx.state::<Sockets<TestSpec>>().unwrap().tcp_sockets_allocated, 2);
        sys_close(cx, a).unwrap();
        sys_bind(cx, b, &sa(Ipv4Addr::LOCALHOST, 8080)).unwrap();
        sys_close(cx, b).unwrap();
        assert_eq!(cx.state::<Sockets<TestSpec>>().unwrap().tcp_sockets_allocated, 0);
        assert!(cx.state::<Sockets<TestSpec>>().unwrap().tcp_bhash.is_empty());

        // A segment is counted and dropped; a bad one is an error.
        let u = sys_socket(cx, 2, 3, 6).unwrap();
        let mut seg = vec![0u8; 20];
        seg[12] = 5 << 4;
        let c = csum_tcpudp_magic(0x7f00_0001, 0x7f00_0001, 20, 6, csum_partial(&seg, 0));
        seg[16..18].copy_from_slice(&c.to_be_bytes());
        sys_sendto(cx, u, &seg, Some(&sa(Ipv4Addr::LOCALHOST, 0)), 0).unwrap();
        seg[0] ^= 1;
        sys_sendto(cx, u, &seg, Some(&sa(Ipv4Addr::LOCALHOST, 0)), 0).unwrap();
        assert_eq!(mib(cx, TcpMib::InSegs), 2);
        assert_eq!(mib(cx, ExtMib::TcpNotImplemented), 1);
        assert_eq!((mib(cx, TcpMib::InErrs), mib(cx, TcpMib::CsumErrors)), (1, 1));
    });
}

#[test]
fn malformed_frames_are_counted_and_never_panic() {
    let (st, net, ext) = external();
    let good_ip = |payload: &[u8]| ipv4(IP_A, IP_B, 17, 0, payload);
    let frames: Vec<(&str, Vec<u8>)> = vec![
        ("runt", vec![1, 2, 3]),
        ("short ip", eth(MAC_B, MAC_A, ETH_P_IP, &[0x45, 0, 0])),
        ("bad version", {
            let mut h = good_ip(&udp(IP_A, IP_B, 1, 2, b"v"));
            h[0] = 0x65;
            eth(MAC_B, MAC_A, ETH_P_IP, &h)
        }),
        ("ihl < 5", {
            let mut h = good_ip(&udp(IP_A, IP_B, 1, 2, b"i"));
            h[0] = 0x44;
            eth(MAC_B, MAC_A, ETH_P_IP, &h)
        }),
        ("bad checksum", {
            let mut h = good_ip(&udp(IP_A, IP_B, 1, 2, b"c"));
            h[10] ^= 0xff;
            eth(MAC_B, MAC_A, ETH_P_IP, &h)
        }),
        ("truncated", {
            let h = good_ip(&udp(IP_A, IP_B, 1, 2, b"truncated"));
            eth(MAC_B, MAC_A, ETH_P_IP, &h[..h.len() - 4])
        }),
        ("fragment", eth(MAC_B, MAC_A, ETH_P_IP, &ipv4(IP_A, IP_B, 17, 0x2000, &udp(IP_A, IP_B, 1, 2, b"f")))),
        ("later fragment", eth(MAC_B, MAC_A, ETH_P_IP, &ipv4(IP_A, IP_B, 17, 0x0010, b"frag"))),
        ("bad udp checksum", {
            let mut u = udp(IP_A, IP_B, 1, 2, b"u");
            u[6] ^= 0x55;
            eth(MAC_B, MAC_A, ETH_P_IP, &good_ip(&u))
        }),
        ("udp length", {
            let mut u = udp(IP_A, IP_B, 1, 2, b"u");
            u[5] = 200;
            eth(MAC_B, MAC_A, ETH_P_IP, &good_ip(&u))
        }),
        ("other host", udp_frame([2, 0, 0, 0, 0, 0x99], IP_A, IP_B, 2, b"o")),
        ("not for us", udp_frame(MAC_B, IP_A, Ipv4Addr::new(10, 0, 0, 77), 2, b"n")),
        ("martian", udp_frame(MAC_B, Ipv4Addr::new(224, 0, 0, 5), IP_B, 2, b"m")),
        ("no handler", eth(MAC_B, MAC_A, 0x86dd, &[0; 40])),
        ("bad icmp", eth(MAC_B, MAC_A, ETH_P_IP, &ipv4(IP_A, IP_B, 1, 0, &[8, 0, 0, 0]))),
        ("short arp", eth(MAC_B, MAC_A, 0x0806, &[0, 1, 8, 0])),
        ("short igmp", eth(MAC_B, MAC_A, ETH_P_IP, &ipv4(IP_A, IP_B, 2, 0, &[0x11]))),
        ("padded ok", {
            let mut f = udp_frame(MAC_B, IP_A, IP_B, 2, b"padded");
            f.extend_from_slice(&[0xee; 10]);
            f
        }),
    ];
    for (what, f) in &frames {
        assert_eq!(ext.netif_rx_frame(f), NetRx::Success, "{what}");
    }
    st.settle(&[&net]);
    st.cx(&net, |cx| {
        let s = dev_stats(cx, "eth0");
        assert_eq!((s.rx_length_errors, s.rx_errors), (1, 1), "runt");
        assert_eq!(s.rx_otherhost_dropped, 1);
        // `__netif_receive_skb_core`: no handler and no `deliver_exact` is
        // `rx_dropped` (with the runt's), not `rx_nohandler`.
        assert_eq!((s.rx_dropped, s.rx_nohandler), (2, 0), "runt, no handler");
        assert_eq!(mib(cx, IpMib::InHdrErrors), 4, "short, version, ihl, checksum");
        assert_eq!(mib(cx, IpMib::CsumErrors), 1);
        assert_eq!(mib(cx, IpMib::InTruncatedPkts), 1);
        // ip_frag_queue: both fragments (same id) wait in one queue.
        assert_eq!((mib(cx, IpMib::ReasmReqds), mib(cx, IpMib::ReasmFails)), (2, 0));
        assert_eq!(cx.state::<Ipv4Frags>().unwrap().stats.queued, 2);
        // ip_expire after ipfrag_time: one datagram failed, its other
        // fragment discarded with it.
        cx.state_mut::<NeighTable>().unwrap().clock.freeze();
        cx.state_mut::<NeighTable>().unwrap().clock.advance(std::time::Duration::from_secs(31));
        assert_eq!(ip_frag_timers(cx), 1);
        assert_eq!((mib(cx, IpMib::ReasmFails), mib(cx, IpMib::ReasmTimeout)), (1, 1));
        assert_eq!(cx.state::<Ipv4Frags>().unwrap().stats, IpFragStats { discarded: 1, ..Default::default() });
        assert_eq!(mib(cx, IpMib::InAddrErrors), 2, "not for us, martian");
        assert_eq!(mib(cx, UdpMib::CsumErrors), 1);
        assert_eq!(mib(cx, UdpMib::InErrors), 2, "checksum, length");
        assert_eq!(mib(cx, UdpMib::NoPorts), 1, "the padded one (trimmed, valid)");
        assert_eq!((mib(cx, IcmpMib::InErrors), mib(cx, IcmpMib::CsumErrors)), (1, 1));
        assert_eq!(mib(cx, ExtMib::ArpDrops), 1);
        assert_eq!(mib(cx, ExtMib::IgmpDrops), 1);
        let snmp = cx.state::<Ipv4Mib>().unwrap().snmp_seq_show(64, false);
        assert!(snmp.starts_with("Ip: Forwarding DefaultTTL"));
        assert!(cx.state::<Ipv4Mib>().unwrap().netstat_seq_show().contains("ArpDrops"));
    });

    // Random bytes, every length: counted somewhere, never a panic.
    let mut x: u32 = 12345;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x
    };
    for len in 0..300usize {
        let mut f: Vec<u8> = (0..len).map(|_| rnd() as u8).collect();
        if len >= 14 {
            f[..6].copy_from_slice(&MAC_B);
            let ty: [u16; 4] = [ETH_P_IP, 0x0806, 0x86dd, ETH_P_ALL];
            f[12..14].copy_from_slice(&ty[len % 4].to_be_bytes());
        }
        if len >= 34 && len % 3 == 0 {
            f[14] = 0x45;
            let tl = (len - 14) as u16;
            f[16..18].copy_from_slice(&tl.to_be_bytes());
            f[23] = [1u8, 2, 6, 17][len % 4];
            f[24..26].fill(0);
            let c = ip_fast_csum(&f[14..34]);
            f[24..26].copy_from_slice(&c.to_be_bytes());
        }
        ext.netif_rx_frame(&f);
        st.settle(&[&net]);
    }
    while ext.pop_tx().is_some() {}
}

/// `__netif_receive_skb_core` (net/core/dev.c): a frame no packet type
/// takes goes to `drop:`, which counts `dev_core_stats_rx_dropped_inc`
/// unless an `rx_handler` asked for exact delivery (`deliver_exact`, then
/// `rx_nohandler`). /proc/net/dev's "drop" column is `dev_seq_printf_stats`'s
/// `rx_dropped + rx_missed_errors`; `rx_nohandler` and
/// `rx_otherhost_dropped` are not in it.
#[test]
fn unhandled_ethertype_counts_rx_dropped_as_linux() {
    let (st, net, ext) = external();
    ext.netif_rx_frame(&eth(MAC_B, MAC_A, E_EXP, b"nobody takes this"));
    ext.netif_rx_frame(&udp_frame([2, 0, 0, 0, 0, 0x99], IP_A, IP_B, 9, b"other host"));
    st.settle(&[&net]);
    st.cx(&net, |cx| {
        let s = dev_stats(cx, "eth0");
        assert_eq!((s.rx_packets, s.rx_dropped, s.rx_nohandler, s.rx_otherhost_dropped), (2, 1, 0, 1));
        let devs = dev::dev_seq_show(cx.state::<NetDevTables>().unwrap());
        let eth0 = devs.lines().find(|l| l.trim_start().starts_with("eth0:")).unwrap();
        let cols: Vec<&str> = eth0.split_whitespace().collect();
        // face: bytes packets errs drop ...
        assert_eq!(&cols[2..5], ["2", "0", "1"], "{devs}");
    });
}

#[test]
fn arp_queue_overflow_is_counted() {
    let p = pair();
    p.b(|cx| cx.state_mut::<NetDevTables>().unwrap().ip_link_set_down("veth1").unwrap());
    p.a(|cx| {
        let fd = sys_socket(cx, 2, 2, 0).unwrap();
        for _ in 0..60 {
            sys_sendto(cx, fd, &[0; 1400], Some(&sa(IP_B, 9)), 0).unwrap();
        }
        let t = cx.state::<NeighTable>().unwrap();
        assert!(t.stats.unres_discards > 0);
        let n = t.lookup(u32::from(IP_B), 2).unwrap();
        assert_eq!(n.arp_queue.len() as u64 + t.stats.unres_discards, 60);
        assert!(n.arp_queue_len_bytes <= 64 * 1024);
        assert_eq!(n.probes, 1, "the next request waits for retrans_time");
        assert_eq!(dev_stats(cx, "veth0").tx_dropped, 1, "the peer is down");
        assert_eq!(mib(cx, UdpMib::OutDatagrams), 60, "queued is sent, as far as UDP knows");
    });
}

#[test]
fn loopback_udp_and_proc_views() {
    let st = boot();
    let net = st.ns.init_net();
    st.cx(&net, |cx| {
        let fd = sys_socket(cx, 2, 2, 0).unwrap();
        assert_eq!(sys_sendto(cx, fd, b"x", Some(&sa(Ipv4Addr::LOCALHOST, 9)), 0), Err(Errno::ENETUNREACH), "lo down");
        assert_eq!(mib(cx, IpMib::OutNoRoutes), 1);
        cx.state_mut::<NetDevTables>().unwrap().ip_link_set_up("lo").unwrap();
        assert_eq!(sys_bind(cx, fd, &sa(Ipv4Addr::LOCALHOST, 9)), Err(Errno::EINVAL), "autobound by the send");
        sys_close(cx, fd).unwrap();
        let fd = sys_socket(cx, 2, 2, 0).unwrap();
        sys_bind(cx, fd, &sa(Ipv4Addr::LOCALHOST, 9)).unwrap();
        assert_eq!(sys_sendto(cx, fd, b"self", Some(&sa(Ipv4Addr::LOCALHOST, 9)), 0), Ok(4));
        assert_eq!(recv(cx, fd), Ok((b"self".to_vec(), Some(sa(Ipv4Addr::LOCALHOST, 9)))));
        assert_eq!(recv(cx, fd), Err(Errno::EAGAIN));
        assert_eq!(sys_poll(cx, fd), Ok(sk::POLLOUT | sk::POLLWRNORM | sk::POLLWRBAND));
        assert_eq!(sys_ioctl(cx, fd, inet::af_inet::SIOCINQ, 0), Ok(0));
        let ss = crate::inet::proc::sockstat_seq_show(cx.kernel, cx.net);
        assert!(
            ss.starts_with("sockets: used 1\nTCP: inuse 0 orphan 0 tw 0 alloc 0 mem 0\nUDP: inuse 1 mem 0\n"),
            "{ss}"
        );
        let lo = dev_stats(cx, "lo");
        assert_eq!((lo.tx_packets, lo.rx_packets), (1, 1));
        let devs = dev::dev_seq_show(cx.state::<NetDevTables>().unwrap());
        assert!(devs.lines().nth(2).unwrap().trim_start().starts_with("lo:"), "{devs}");
        sys_close(cx, fd).unwrap();
        let ss = crate::inet::proc::sockstat_seq_show(cx.kernel, cx.net);
        assert!(ss.contains("UDP: inuse 0"));
    });
    let snmp = inet::proc_net_snmp(&net.read()).unwrap();
    assert_eq!(snmp.lines().nth(1), Some("Ip: 2 64 1 0 0 0 0 0 1 1 0 1 0 0 0 0 0 0 0"), "{snmp}");
    assert!(snmp.contains("\nUdp: 1 0 0 1 0 0 0 0 0\n"), "{snmp}");
    assert!(inet::proc_net_netstat(&net.read()).unwrap().starts_with("IpExt: InNoRoutes"));
    assert!(inet::proc_net_arp(&net.read()).unwrap().starts_with("IP address"));
    let text = crate::sock::proc_net_protocols(&st.k, &net.read()).unwrap();
    assert!(text.contains("UDP       1088      0   yes  kernel"), "{text}");
    assert!(text.contains("PACKET    1472      0   no   kernel"), "{text}");
}

#[test]
fn packet_sockets_tap_and_send_frames() {
    let (st, net, ext) = external();
    st.cx(&net, |cx| {
        let tap = sys_socket(cx, 17, 3, i32::from(ETH_P_ALL)).unwrap();
        let arp_only = sys_socket(cx, 17, 2, 0x0806).unwrap();
        assert_eq!(sys_bind(cx, arp_only, &SockAddr::Packet { protocol: 0x0806, ifindex: 42 }), Err(Errno::ENODEV));
        assert_eq!(sys_getsockname(cx, tap), Ok(SockAddr::Packet { protocol: ETH_P_ALL, ifindex: 0 }));
        assert_eq!(
            cx.state::<crate::dev::ptype::NetPtype<TestSpec>>().unwrap().ptype_all().len(),
            1,
            "its prot_hook is a namespace tap"
        );
        (tap, arp_only)
    });
    ext.netif_rx_frame(&udp_frame(MAC_B, IP_A, IP_B, 9, b"tapped"));
    st.settle(&[&net]);
    st.cx(&net, |cx| {
        let (tap, arp_only) = (3, 4);
        // In: the datagram; out: the ARP request for the port unreachable.
        let (d, from) = recv(cx, tap).unwrap();
        assert_eq!((&d[..6], from), (&MAC_B[..], Some(SockAddr::Packet { protocol: ETH_P_IP, ifindex: 2 })));
        let (d, _) = recv(cx, tap).unwrap();
        assert_eq!(&d[12..14], &[8, 6], "outgoing ARP request");
        assert_eq!(recv(cx, arp_only), Err(Errno::EAGAIN), "outgoing frames only reach ETH_P_ALL");
        assert_eq!(recv(cx, tap), Err(Errno::EAGAIN));
    });
    // An ARP reply from outside reaches both (and ARP itself).
    let mut arp = vec![0, 1, 8, 0, 6, 4, 0, 2];
    arp.extend_from_slice(&MAC_A);
    arp.extend_from_slice(&IP_A.octets());
    arp.extend_from_slice(&MAC_B);
    arp.extend_from_slice(&IP_B.octets());
    ext.netif_rx_frame(&eth(MAC_B, MAC_A, 0x0806, &arp));
    st.settle(&[&net]);
    st.cx(&net, |cx| {
        let (tap, arp_only) = (3, 4);
        let (d, from) = recv(cx, arp_only).unwrap();
        assert_eq!(
            (d, from),
            (arp.clone(), Some(SockAddr::Packet { protocol: 0x0806, ifindex: 2 })),
            "SOCK_DGRAM: from the network header"
        );
        assert_eq!(recv(cx, tap).map(|(d, _)| d.len()), Ok(42));
        // ARP resolved the neighbour, and the queued port unreachable left.
        let n = cx.state::<NeighTable>().unwrap().lookup(u32::from(IP_A), 2).unwrap();
        assert_eq!(n.nud_state, NUD_REACHABLE);
        let (d, _) = recv(cx, tap).unwrap();
        assert_eq!((&d[..6], d[23], d[34]), (&MAC_A[..], 1, 3), "the ICMP error, seen going out");
        // Send a raw frame out of eth0.
        let f = eth(MAC_A, MAC_B, 0x88b5, b"hi there");
        assert_eq!(sys_sendto(cx, tap, &f, None, 0), Err(Errno::ENXIO), "no device");
        let to = SockAddr::Packet { protocol: 0, ifindex: 2 };
        assert_eq!(sys_sendto(cx, tap, &f, Some(&to), 0), Ok(f.len()));
        assert_eq!(sys_sendto(cx, tap, &f[..10], Some(&to), 0), Err(Errno::EINVAL));
        sys_close(cx, tap).unwrap();
        assert!(
            cx.state::<crate::dev::ptype::NetPtype<TestSpec>>().unwrap().ptype_all().is_empty(),
            "release unregistered the hook"
        );
    });
    let out = ext.drain_tx();
    assert_eq!(out.len(), 3, "ARP request, ICMP error, the raw frame");
    assert_eq!(&out[2][14..], b"hi there");
}

#[test]
fn external_device_round_trip_and_down_device_drops() {
    let (st, net, ext) = external();
    let fd = st.cx(&net, |cx| {
        let fd = sys_socket(cx, 2, 2, 0).unwrap();
        sys_bind(cx, fd, &sa(IP_B, 7)).unwrap();
        fd
    });
    // The peer asks for us, then sends.
    let mut arp = vec![0, 1, 8, 0, 6, 4, 0, 1];
    arp.extend_from_slice(&MAC_A);
    arp.extend_from_slice(&IP_A.octets());
    arp.extend_from_slice(&[0; 6]);
    arp.extend_from_slice(&IP_B.octets());
    ext.netif_rx_frame(&eth([0xff; 6], MAC_A, 0x0806, &arp));
    ext.netif_rx_frame(&udp_frame(MAC_B, IP_A, IP_B, 7, b"from outside"));
    st.settle(&[&net]);
    let reply = ext.drain_tx();
    assert_eq!(reply.len(), 1);
    assert_eq!((&reply[0][..6], &reply[0][12..14], reply[0][21]), (&MAC_A[..], &[8u8, 6][..], 2), "ARP reply");
    st.cx(&net, |cx| {
        assert_eq!(recv(cx, fd), Ok((b"from outside".to_vec(), Some(sa(IP_A, 5555)))));
        sys_sendto(cx, fd, b"back", Some(&sa(IP_A, 5555)), 0).unwrap();
    });
    let out = ext.drain_tx();
    assert_eq!(out.len(), 1, "A was learnt from its request: no ARP needed");
    assert_eq!(&out[0][42..], b"back");
    assert_eq!(csum_fold(csum_partial(&out[0][14..34], 0)), 0);
    st.cx(&net, |cx| cx.state_mut::<NetDevTables>().unwrap().ip_link_set_down("eth0").unwrap());
    assert_eq!(ext.netif_rx_frame(&udp_frame(MAC_B, IP_A, IP_B, 7, b"x")), NetRx::Drop);
    st.cx(&net, |cx| {
        assert_eq!(dev_stats(cx, "eth0").rx_dropped, 1);
        assert_eq!(
            sys_sendto(cx, fd, b"x", Some(&sa(IP_A, 5555)), 0),
            Err(Errno::EINVAL),
            "source gone with the device"
        );
    });
}

#[test]
fn namespaces_with_sockets_and_devices_go_away_cleanly() {
    let p = pair();
    p.a(|cx| {
        let fd = sys_socket(cx, 2, 2, 0).unwrap();
        sys_sendto(cx, fd, b"pending", Some(&sa(IP_B, 9)), 0).unwrap();
    });
    let Pair { st, a, b } = p;
    st.ns.put_net(a).unwrap();
    // B's ring still holds A's ARP request; B processes it and answers into
    // a peer that is gone: counted, no panic.
    st.settle(&[&b]);
    st.cx(&b, |cx| assert_eq!(dev_stats(cx, "veth1").tx_dropped, 1));
    st.ns.put_net(b).unwrap();
    assert_eq!(st.ns.count(), 1);
}

/// The UDP receive path, per packet: frame bytes → `SkBuff::from_frame` →
/// `netif_receive_frame` (eth_type_trans, netif_receive_skb, ip_rcv,
/// udp_rcv, queue) → `sys_recvfrom`. Run with
/// `cargo test -p netgen-runtime --release --lib rx_path_speed -- --ignored --nocapture`.
#[test]
#[ignore]
fn rx_path_speed() {
    let (st, net, ext) = external();
    let frame = udp_frame(MAC_B, IP_A, IP_B, 7, &[0x5a; 64]);
    st.cx(&net, |cx| {
        let fd = sys_socket(cx, 2, 2, 0).unwrap();
        sys_bind(cx, fd, &sa(IP_B, 7)).unwrap();
        let mut buf = [0u8; 2048];
        let n: u64 = std::env::var("NETGEN_RX_ITERS").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000_000);
        let t = std::time::Instant::now();
        for _ in 0..n {
            let skb = SkBuff::from_frame(&frame, ext.ifindex);
            dev::netif_receive_frame(cx, ext.ifindex, skb);
            let r = sys_recvfrom(cx, fd, &mut buf, 0);
            std::hint::black_box(&r);
        }
        let per = t.elapsed().as_nanos() as f64 / n as f64;
        eprintln!("rx path: {per:.1} ns/packet");
        assert_eq!(mib(cx, UdpMib::InDatagrams), n);
    });
}

// ---- ARP: refused senders, duplicate address probes, the table's bounds ----

/// An Ethernet/IPv4 ARP message from `sha`/`sip` about `tip`, broadcast.
fn arp_msg(op: u16, sha: [u8; 6], sip: Ipv4Addr, tip: Ipv4Addr) -> Vec<u8> {
    let mut a = vec![0, 1, 8, 0, 6, 4];
    a.extend_from_slice(&op.to_be_bytes());
    a.extend_from_slice(&sha);
    a.extend_from_slice(&sip.octets());
    a.extend_from_slice(&[0; 6]);
    a.extend_from_slice(&tip.octets());
    eth([0xff; 6], sha, 0x0806, &a)
}

/// One frame straight into `eth0`'s receive path (no ring, no softirq).
fn rx_one(cx: &mut Cx<'_>, ifindex: i32, frame: &[u8]) -> NetRx {
    dev::netif_receive_frame(cx, ifindex, SkBuff::from_frame(frame, ifindex))
}

/// `arp_process` (net/ipv4/arp.c, Linux 6.0) answers a request for a local
/// address only if `ip_route_input_noref(skb, tip, sip, 0, dev)` accepts
/// the sender: `ip_route_input_slow` refuses a multicast, limited
/// broadcast, 0.0.0.0/8 or loopback source (`martian_source`), and
/// `fib_validate_source` a source that is one of our addresses
/// (`accept_local` 0) or, with `rp_filter` set, a broadcast address
/// (`__fib_validate_source`: `res.type != RTN_UNICAST`). Such
/// a request is neither answered nor learnt from; and a multicast or
/// loopback *target* is refused before anything else (`if
/// (ipv4_is_multicast(tip) || (!IN_DEV_ROUTE_LOCALNET(in_dev) &&
/// ipv4_is_loopback(tip))) goto out_free_skb;`). Each is one `ArpDrops`.
#[test]
fn arp_requests_from_senders_linux_refuses_are_dropped_and_counted() {
    let (st, net, ext) = external();
    let refused = [
        ("multicast sender", Ipv4Addr::new(224, 0, 0, 1), IP_B),
        ("limited broadcast sender", Ipv4Addr::BROADCAST, IP_B),
        ("loopback sender", Ipv4Addr::LOCALHOST, IP_B),
        ("subnet broadcast sender", Ipv4Addr::new(10, 0, 0, 255), IP_B),
        ("our own address as sender", IP_B, IP_B),
        ("zeronet sender", Ipv4Addr::new(0, 1, 2, 3), IP_B),
        ("multicast target", IP_A, Ipv4Addr::new(224, 0, 0, 1)),
        ("loopback target", IP_A, Ipv4Addr::LOCALHOST),
    ];
    st.cx(&net, |cx| {
        for (i, (what, sip, tip)) in refused.iter().enumerate() {
            let f = arp_msg(ARP_REQUEST, MAC_A, *sip, *tip);
            assert_eq!(rx_one(cx, ext.ifindex, &f), NetRx::Drop, "{what}");
            assert_eq!(mib(cx, ExtMib::ArpDrops), i as u64 + 1, "{what}");
            let t = cx.state::<NeighTable>().unwrap();
            assert_eq!(t.len(), 0, "{what}: nothing learnt");
            assert_eq!((t.stats.rcv_probes_mcast, t.stats.rcv_probes_ucast), (0, 0), "{what}");
        }
    });
    assert!(ext.drain_tx().is_empty(), "none answered");
    // A reply from one of them is refused too (there is no entry to update).
    st.cx(&net, |cx| {
        let f = arp_msg(2, MAC_A, Ipv4Addr::new(10, 0, 0, 255), IP_B);
        assert_eq!(rx_one(cx, ext.ifindex, &f), NetRx::Drop);
        assert_eq!(mib(cx, ExtMib::ArpDrops), refused.len() as u64 + 1);
        // A well-formed request from a unicast neighbour is still answered.
        assert_eq!(rx_one(cx, ext.ifindex, &arp_msg(ARP_REQUEST, MAC_A, IP_A, IP_B)), NetRx::Success);
        assert_eq!(cx.state::<NeighTable>().unwrap().len(), 1);
    });
    assert_eq!(ext.drain_tx().len(), 1);
}

const ARP_REQUEST: u16 = 1;

/// RFC 5227 probe (sender 0.0.0.0) for one of our addresses: `arp_process`
/// (Linux 6.0) answers it (`if (sip == 0) { if (arp->ar_op ==
/// htons(ARPOP_REQUEST) && inet_addr_type_dev_table(net, dev, tip) ==
/// RTN_LOCAL && !arp_ignore(in_dev, sip, tip)) arp_send_dst(ARPOP_REPLY,
/// ...); goto out_consume_skb; }`), to the prober's hardware address,
/// learning nothing. Answered, it is counted as every answered request
/// is: `rcv_probes_mcast`, or `rcv_probes_ucast` when sent to us alone.
/// A probe for an address not ours is ignored (`ArpDrops`).
#[test]
fn duplicate_address_probe_is_answered_and_counted() {
    let (st, net, ext) = external();
    let probe = arp_msg(ARP_REQUEST, MAC_A, Ipv4Addr::UNSPECIFIED, IP_B);
    let mut unicast = probe.clone();
    unicast[..6].copy_from_slice(&MAC_B);
    let elsewhere = arp_msg(ARP_REQUEST, MAC_A, Ipv4Addr::UNSPECIFIED, Ipv4Addr::new(10, 0, 0, 9));
    st.cx(&net, |cx| {
        assert_eq!(rx_one(cx, ext.ifindex, &probe), NetRx::Success);
        assert_eq!(rx_one(cx, ext.ifindex, &unicast), NetRx::Success);
        let t = cx.state::<NeighTable>().unwrap();
        assert_eq!((t.stats.rcv_probes_mcast, t.stats.rcv_probes_ucast), (1, 1));
        assert!(t.is_empty(), "0.0.0.0 is not learnt");
        assert_eq!(rx_one(cx, ext.ifindex, &elsewhere), NetRx::Drop);
        assert_eq!(mib(cx, ExtMib::ArpDrops), 1);
    });
    let out = ext.drain_tx();
    assert_eq!(out.len(), 2);
    for r in out {
        // To the prober: its MAC, target 0.0.0.0, from our address.
        assert_eq!(
            (&r[..6], &r[20..22], &r[28..32], &r[38..42]),
            (&MAC_A[..], &[0, 2][..], &IP_B.octets()[..], &[0; 4][..])
        );
    }
}

/// The sender of the `i`-th request of a flood: 172.16.0.1 and up.
fn flood_sender(i: usize) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(Ipv4Addr::new(172, 16, 0, 1)) + i as u32)
}

/// `neigh_alloc` (net/core/neighbour.c, Linux 6.0): a new entry with
/// `gc_entries >= gc_thresh3` (or `>= gc_thresh2` and the last flush more
/// than 5 s ago) runs `neigh_forced_gc`; when that frees nothing at
/// `gc_thresh3` the entry is refused (`table_fulls`). `neigh_forced_gc`
/// removes, oldest first, unreferenced entries not updated in the last
/// 5 s, at most `gc_entries - gc_thresh2`; permanent entries are exempt
/// (`exempt_from_gc`). A request for us whose sender finds no room is not
/// answered (`arp_process`: `n = neigh_event_ns(..); if (n) arp_send_dst(..)`),
/// and output to a new next hop fails with `EINVAL` (`ip_finish_output2`).
#[test]
fn neighbour_table_is_bounded_by_gc_thresh3() {
    use crate::inet::arp::{ARP_GC_THRESH2, ARP_GC_THRESH3, NUD_PERMANENT};
    use std::time::Duration;
    let (st, net, ext) = external();
    let flood = ARP_GC_THRESH3 as usize + 100;
    let fixed = u32::from(Ipv4Addr::new(10, 0, 0, 200));
    st.cx(&net, |cx| {
        let t = cx.state_mut::<NeighTable>().unwrap();
        assert_eq!((t.gc_thresh1, t.gc_thresh2, t.gc_thresh3), (128, 512, 1024), "arp_tbl");
        t.clock.freeze();
        t.neigh_add(ext.ifindex, fixed, [2, 0, 0, 0, 0, 0xc8], NUD_PERMANENT).unwrap();
        let mut answered = 0;
        for i in 0..flood {
            let rx = rx_one(cx, ext.ifindex, &arp_msg(ARP_REQUEST, MAC_A, flood_sender(i), IP_B));
            assert_eq!(rx, if i < ARP_GC_THRESH3 as usize { NetRx::Success } else { NetRx::Drop }, "request {i}");
            answered += ext.drain_tx().len();
        }
        assert_eq!(answered, ARP_GC_THRESH3 as usize, "one reply per entry made");
        let t = cx.state::<NeighTable>().unwrap();
        assert_eq!((t.len(), t.gc_entries()), (ARP_GC_THRESH3 as usize + 1, ARP_GC_THRESH3 as usize));
        assert_eq!(t.stats.table_fulls, 100);
        assert_eq!(t.stats.forced_gc_runs, 100, "every refused entry tried a forced GC first");
        assert_eq!(t.stats.rcv_probes_mcast, u64::from(ARP_GC_THRESH3));
        assert_eq!(mib(cx, ExtMib::ArpDrops), 100, "unanswered requests are dropped");
        // Output to a new next hop is refused too, and counted.
        let fd = sys_socket(cx, 2, 2, 0).unwrap();
        assert_eq!(sys_sendto(cx, fd, b"x", Some(&sa(Ipv4Addr::new(10, 0, 0, 77), 9)), 0), Err(Errno::EINVAL));
        assert_eq!(mib(cx, IpMib::OutDiscards), 1);
        assert_eq!(cx.state::<NeighTable>().unwrap().stats.table_fulls, 101);

        // Five seconds on, the flood's entries are stale: the next entry's
        // forced GC frees `gc_entries + 1 - gc_thresh2` of them, oldest first.
        cx.state_mut::<NeighTable>().unwrap().clock.advance(Duration::from_secs(6));
        assert_eq!(sys_sendto(cx, fd, b"x", Some(&sa(Ipv4Addr::new(10, 0, 0, 77), 9)), 0), Ok(1));
        let t = cx.state::<NeighTable>().unwrap();
        let freed = ARP_GC_THRESH3 as usize + 1 - ARP_GC_THRESH2 as usize;
        assert_eq!(t.gc_entries(), ARP_GC_THRESH3 as usize - freed + 1);
        assert_eq!(t.stats.destroys, freed as u64);
        assert!(t.lookup(u32::from(flood_sender(0)), ext.ifindex).is_none(), "oldest first");
        assert!(t.lookup(u32::from(flood_sender(ARP_GC_THRESH3 as usize - 1)), ext.ifindex).is_some());
        assert_eq!(t.lookup(fixed, ext.ifindex).map(|n| n.nud_state), Some(NUD_PERMANENT), "exempt");
        fd
    });
    // The new next hop resolves: request out, reply in, datagram out.
    let out = ext.drain_tx();
    assert_eq!(out.len(), 1);
    assert_eq!((&out[0][12..14], &out[0][38..42]), (&[8u8, 6][..], &[10u8, 0, 0, 77][..]), "who has 10.0.0.77");
    let mac77 = [2, 0, 0, 0, 0, 0x4d];
    let mut reply = arp_msg(2, mac77, Ipv4Addr::new(10, 0, 0, 77), IP_B);
    reply[..6].copy_from_slice(&MAC_B);
    st.cx(&net, |cx| {
        assert_eq!(rx_one(cx, ext.ifindex, &reply), NetRx::Success);
        let n = cx.state::<NeighTable>().unwrap().lookup(u32::from(Ipv4Addr::new(10, 0, 0, 77)), ext.ifindex).unwrap();
        assert_eq!((n.nud_state, n.ha), (NUD_REACHABLE, mac77));
    });
    let out = ext.drain_tx();
    assert_eq!((out.len(), &out[0][..6], out[0][23]), (1, &mac77[..], 17), "the queued datagram");
}

/// The table's clock drives `retrans_time` too: a request is repeated once
/// it has passed, at most `mcast_probes` times, then the entry fails
/// (`res_failed`, what it queued dropped) and starts over.
#[test]
fn arp_retransmits_on_the_table_clock() {
    use std::time::Duration;
    let (st, net, ext) = external();
    let to = sa(Ipv4Addr::new(10, 0, 0, 77), 9);
    st.cx(&net, |cx| {
        cx.state_mut::<NeighTable>().unwrap().clock.freeze();
        let fd = sys_socket(cx, 2, 2, 0).unwrap();
        let mut requests = Vec::new();
        for i in 0..5 {
            if i > 0 {
                cx.state_mut::<NeighTable>().unwrap().clock.advance(Duration::from_millis(1000));
            }
            sys_sendto(cx, fd, b"x", Some(&to), 0).unwrap();
            requests.push(ext.drain_tx().len());
        }
        assert_eq!(requests, [1, 1, 1, 1, 1], "one per retrans_time; the fourth starts over");
        let t = cx.state::<NeighTable>().unwrap();
        assert_eq!((t.stats.res_failed, t.stats.unres_discards), (1, 3));
        let n = t.lookup(u32::from(Ipv4Addr::new(10, 0, 0, 77)), ext.ifindex).unwrap();
        assert_eq!((n.probes, n.arp_queue.len()), (2, 2));
        sys_sendto(cx, fd, b"x", Some(&to), 0).unwrap();
        assert_eq!(ext.drain_tx().len(), 0, "not due: the clock did not move");
    });
}

/// `neigh_output`: a valid entry (here `NUD_PERMANENT`) sends at once with
/// its address, counted as a lookup and a hit (`/proc/net/stat/arp_cache`);
/// one still unresolved is a lookup without a hit and waits for ARP.
#[test]
fn valid_neighbours_send_at_once_and_count_a_hit() {
    use crate::inet::arp::NUD_PERMANENT;
    let (st, net, ext) = external();
    let (known, unknown) = (Ipv4Addr::new(10, 0, 0, 5), Ipv4Addr::new(10, 0, 0, 6));
    st.cx(&net, |cx| {
        let peer = [2, 0, 0, 0, 0, 5];
        cx.state_mut::<NeighTable>().unwrap().neigh_add(ext.ifindex, u32::from(known), peer, NUD_PERMANENT).unwrap();
        let fd = sys_socket(cx, 2, 2, 0).unwrap();
        for _ in 0..2 {
            sys_sendto(cx, fd, b"x", Some(&sa(known, 9)), 0).unwrap();
        }
        let frames = ext.drain_tx();
        assert_eq!(frames.len(), 2);
        assert!(frames.iter().all(|f| f[..6] == peer && f[12..14] == [8, 0]), "to the neighbour's address");
        let stats = cx.state::<NeighTable>().unwrap().stats;
        assert_eq!((stats.lookups, stats.hits), (2, 2));
        sys_sendto(cx, fd, b"x", Some(&sa(unknown, 9)), 0).unwrap();
        let frames = ext.drain_tx();
        assert_eq!((frames.len(), &frames[0][12..14]), (1, &[8, 6][..]), "an ARP request instead");
        let stats = &cx.state::<NeighTable>().unwrap().stats;
        assert_eq!((stats.lookups, stats.hits), (3, 2));
    });
}

/// `ping_rcv` → `ping_queue_rcv_skb` → `sock_queue_rcv_skb` failing: the
/// echo reply is dropped (Linux 6.1+ returns `SKB_DROP_REASON_SOCKET_RCVBUFF`
/// to `icmp_rcv`, which frees it as a drop; 6.0 counted only `sk_drops`).
/// Counted in the socket's `sk_drops` and in `PingRcvbufErrors`, so that
/// the frame ends under one counter.
#[test]
fn ping_socket_with_a_full_receive_buffer_counts_the_drop() {
    let (st, net, ext) = external();
    let reply = |seq: u8| {
        let mut m = vec![0, 0, 0, 0, 0, 77, 0, seq];
        m.extend_from_slice(&[0x5a; 200]);
        let c = csum_fold(csum_partial(&m, 0));
        m[2..4].copy_from_slice(&c.to_be_bytes());
        eth(MAC_B, MAC_A, ETH_P_IP, &ipv4(IP_A, IP_B, 1, 0, &m))
    };
    st.cx(&net, |cx| {
        cx.state_mut::<Ipv4Net>().unwrap().set_ping_group_range(0, 10).unwrap();
        let fd = sys_socket(cx, 2, 2, 1).unwrap();
        sys_setsockopt(cx, fd, SOL_SOCKET, SO_RCVBUF, &1i32.to_ne_bytes()).unwrap();
        sys_bind(cx, fd, &sa(Ipv4Addr::UNSPECIFIED, 77)).unwrap();
        let mut dropped_rx = 0;
        for seq in 0..40 {
            if rx_one(cx, ext.ifindex, &reply(seq)) == NetRx::Drop {
                dropped_rx += 1;
            }
        }
        let dropped = mib(cx, ExtMib::PingRcvbufErrors);
        assert!(dropped > 0);
        assert_eq!(dropped_rx, dropped, "each is a NetRx::Drop");
        let s = cx.state::<Sockets<TestSpec>>().unwrap().get(fd).unwrap();
        assert_eq!((s.drops, s.receive_queue.len() as u64 + dropped), (dropped, 40));
        assert_eq!(mib(cx, ExtMib::IcmpInConsumed), 0, "the queued ones end on the socket");
    });
}

/// A namespace's fd table ends at `RLIMIT_NOFILE` (`INR_OPEN_CUR`, 1024):
/// `socket()` past it is `EMFILE` (`sock_map_fd` → `get_unused_fd_flags`
/// → `alloc_fd`), creates nothing, and a closed descriptor is reused.
#[test]
fn sockets_per_namespace_end_at_rlimit_nofile() {
    use crate::sock::sk::{FD_BASE, RLIMIT_NOFILE};
    let st = boot();
    let net = st.ns.copy_net_ns().unwrap();
    st.cx(&net, |cx| {
        let fds: Vec<Fd> = (FD_BASE..RLIMIT_NOFILE).map(|_| sys_socket(cx, 2, 2, 0).unwrap()).collect();
        assert_eq!(fds.last(), Some(&(RLIMIT_NOFILE - 1)), "at the limit");
        assert_eq!(sys_socket(cx, 2, 2, 0), Err(Errno::EMFILE), "past it");
        assert_eq!(sys_socket(cx, 17, 3, 0x0806), Err(Errno::EMFILE), "whatever the family");
        assert_eq!(cx.state::<Sockets<TestSpec>>().unwrap().len(), (RLIMIT_NOFILE - FD_BASE) as usize);
        let ss = crate::inet::proc::sockstat_seq_show(cx.kernel, cx.net);
        assert!(ss.starts_with("sockets: used 1021\n"), "{ss}");
        sys_close(cx, 500).unwrap();
        assert_eq!(sys_socket(cx, 2, 2, 0), Ok(500));
    });
}
