//! Packets through the generated stack: the tables `inet_init` and
//! `packet_init` filled from spec/protocols.ng, sockets with Linux's errors,
//! a UDP echo and a ping between two namespaces joined by an in-memory wire,
//! and a user crate's protocol and packet type receiving frames.

mod common;

use common::{boot, mib, sa};

use std::net::Ipv4Addr;

use netgen_generated::pernet::Pernet;
use netgen_generated::tables::{families, inet_protocols, packet_types, proto_ops, protos};
use netgen_runtime::dev::{self, dev_add_pack, dev_remove_pack, NetDevTables, PacketType, ETH_P_ALL};
use netgen_runtime::errno::Errno;
use netgen_runtime::inet::mib::{IcmpMib, IpMib, UdpMib};
use netgen_runtime::inet::netns_ipv4::Ipv4Net;
use netgen_runtime::inet::{
    inet_add_protocol, inet_register_protosw, inet_unregister_protosw, InetProtosState, InetProtosw, InetswState,
    NetProtocol, INET_PROTOSW_PERMANENT,
};
use netgen_runtime::netns::NetRef;
use netgen_runtime::skbuff::SkBuff;
use netgen_runtime::socket::syscalls::*;
use netgen_runtime::socket::{sock_register, NetProtoFamily, SockRegistryState, NPROTO};
use netgen_runtime::tables::{Entry, NetCx, NetRx, SockAddr};
use netgen_stack::frames::{self, Ipv4Header};
use netgen_stack::Kernel;
use netgen_stack::{settle, with_cx, Cx};
use user_crate::{Seen, ETH_P_EXPERIMENT, IPPROTO_EXPERIMENT, SEEN};

const MAC_A: [u8; 6] = [0x02, 0, 0, 0, 0, 0x0a];
const MAC_B: [u8; 6] = [0x02, 0, 0, 0, 0, 0x0b];
const IP_A: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const IP_B: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);

const PF_INET: i32 = 2;
const PF_PACKET: i32 = 17;
const SOCK_STREAM: i32 = 1;
const SOCK_DGRAM: i32 = 2;
const SOCK_RAW: i32 = 3;

fn recv(cx: &mut Cx<'_>, fd: i32) -> Result<(Vec<u8>, Option<SockAddr>), Errno> {
    let mut buf = [0u8; 2048];
    let (n, from) = sys_recvfrom(cx, fd, &mut buf, 0)?;
    Ok((buf[..n].to_vec(), from))
}

/// Two namespaces joined by veth0 (A, 10.0.0.1/24) — veth1 (B, 10.0.0.2/24).
fn pair(k: &Kernel) -> (NetRef<Pernet>, NetRef<Pernet>) {
    let ns = netgen_stack::namespaces(k).unwrap();
    let (a, b) = (ns.copy_net_ns().unwrap(), ns.copy_net_ns().unwrap());
    dev::veth_pair(&mut a.write(), "veth0", &mut b.write(), "veth1", (MAC_A, MAC_B)).unwrap();
    for (net, name, ip) in [(&a, "veth0", IP_A), (&b, "veth1", IP_B)] {
        with_cx(k, net, |cx| {
            let t = cx.state_mut::<NetDevTables>().unwrap();
            t.ip_link_set_up("lo").unwrap();
            t.ip_link_set_up(name).unwrap();
            t.ip_addr_add(name, ip, 24).unwrap();
        })
        .unwrap();
    }
    (a, b)
}

#[test]
fn boot_fills_the_tables_with_the_spec_entries() {
    let k = boot();
    let protos = k.get::<InetProtosState<Pernet>>().unwrap();
    assert_eq!(protos.get(17).map(|p| p.entry), Some(Entry::Spec(inet_protocols::UDP_PROTOCOL)));
    assert_eq!(protos.get(1).map(|p| p.entry), Some(Entry::Spec(inet_protocols::ICMP_PROTOCOL)));
    assert_eq!(protos.get(6).map(|p| p.handler), Some("tcp_v4_rcv"));
    if let Some(nr) = IPPROTO_EXPERIMENT {
        assert!(matches!(protos.get(nr).map(|p| p.entry), Some(Entry::Fn(..))), "user crate's");
    }
    let fam = k.get::<SockRegistryState<Pernet>>().unwrap();
    assert_eq!(fam.family(2).map(|f| &f.entry), Some(&Entry::Spec(families::INET_FAMILY_OPS)));
    assert_eq!(fam.family(17).map(|f| &f.entry), Some(&Entry::Spec(families::PACKET_FAMILY_OPS)));
    let sw = k.get::<InetswState<Pernet>>().unwrap();
    let dgram: Vec<_> = sw.list(2).iter().map(|p| (p.name, p.prot, p.ops.clone())).collect();
    assert_eq!(
        dgram,
        [
            ("udp", protos::UDP_PROT, Entry::Spec(proto_ops::INET_DGRAM_OPS)),
            ("ping", protos::PING_PROT, Entry::Spec(proto_ops::INET_SOCKRAW_OPS))
        ]
    );
    let ptype = k.get::<dev::PtypeBaseState<Pernet>>().unwrap().load();
    let ip: Vec<_> = ptype.handlers(0x0800).map(|p| p.entry).collect();
    assert_eq!(ip, [Entry::Spec(packet_types::IP_PACKET_TYPE)]);
    let arp: Vec<_> = ptype.handlers(0x0806).map(|p| p.func).collect();
    assert_eq!(arp, ["arp_rcv"]);
}

#[test]
fn socket_creation_follows_inet_create() {
    let k = boot();
    let net = netgen_stack::namespaces(&k).unwrap().init_net();
    with_cx(&k, &net, |cx| {
        assert_eq!(sys_socket(cx, 46, SOCK_DGRAM, 0), Err(Errno::EAFNOSUPPORT), "family >= NPROTO");
        assert_eq!(sys_socket(cx, 1, SOCK_DGRAM, 0), Err(Errno::EAFNOSUPPORT), "PF_UNIX is not registered");
        assert_eq!(sys_socket(cx, PF_INET, 4, 0), Err(Errno::ESOCKTNOSUPPORT), "SOCK_RDM: no inetsw entry");
        assert_eq!(sys_socket(cx, PF_INET, SOCK_DGRAM, 6), Err(Errno::EPROTONOSUPPORT), "TCP is not a dgram proto");
        assert_eq!(sys_socket(cx, PF_INET, SOCK_STREAM, 17), Err(Errno::EPROTONOSUPPORT));
        // Ping sockets need the caller's group in ping_group_range ("1 0":
        // nobody, Linux's default).
        assert_eq!(sys_socket(cx, PF_INET, SOCK_DGRAM, 1), Err(Errno::EACCES));
        cx.state_mut::<Ipv4Net>().unwrap().set_ping_group_range(0, 0).unwrap();
        // IPPROTO_IP picks the first entry of the type; raw's IPPROTO_IP
        // entry is a wildcard that takes any protocol.
        for (ty, proto, want) in [(SOCK_DGRAM, 0, 17), (SOCK_STREAM, 0, 6), (SOCK_DGRAM, 1, 1), (SOCK_RAW, 253, 253)] {
            let fd = sys_socket(cx, PF_INET, ty, proto).unwrap();
            let mut v = [0u8; 4];
            sys_getsockopt(cx, fd, 1, 38, &mut v).unwrap(); // SOL_SOCKET, SO_PROTOCOL
            assert_eq!(i32::from_ne_bytes(v), want, "socket({ty}, {proto})");
            sys_close(cx, fd).unwrap();
        }
        assert_eq!(sys_socket(cx, PF_INET, SOCK_RAW, 0), Err(Errno::EPROTONOSUPPORT), "raw needs a protocol");
        let p = sys_socket(cx, PF_PACKET, SOCK_RAW, i32::from(ETH_P_ALL)).unwrap();
        assert_eq!(sys_connect(cx, p, &SockAddr::Unspec), Err(Errno::EOPNOTSUPP), "packet_ops: sock_no_connect");
        assert_eq!(sys_listen(cx, p, 1), Err(Errno::EOPNOTSUPP), "sock_no_listen");
        let u = sys_socket(cx, PF_INET, SOCK_DGRAM, 0).unwrap();
        assert_eq!(sys_accept(cx, u, 0), Err(Errno::EOPNOTSUPP), "inet_dgram_ops: sock_no_accept");
        assert_eq!(sys_close(cx, u), Ok(()));
        assert_eq!(sys_close(cx, u), Err(Errno::EBADF));
    })
    .unwrap();
}

#[test]
fn tcp_sockets_exist_but_the_state_machine_does_not() {
    let k = boot();
    let net = netgen_stack::namespaces(&k).unwrap().init_net();
    with_cx(&k, &net, |cx| {
        let t = sys_socket(cx, PF_INET, SOCK_STREAM, 0).unwrap();
        sys_bind(cx, t, &sa(Ipv4Addr::UNSPECIFIED, 8080)).unwrap();
        let t2 = sys_socket(cx, PF_INET, SOCK_STREAM, 0).unwrap();
        assert_eq!(sys_bind(cx, t2, &sa(Ipv4Addr::UNSPECIFIED, 8080)), Err(Errno::EADDRINUSE));
        assert_eq!(sys_connect(cx, t2, &sa(IP_B, 80)), Err(Errno::EOPNOTSUPP));
        assert_eq!(sys_listen(cx, t, 16), Err(Errno::EOPNOTSUPP));
        assert_eq!(sys_sendto(cx, t, b"x", None, 0), Err(Errno::EOPNOTSUPP));
        sys_close(cx, t).unwrap();
        sys_bind(cx, t2, &sa(Ipv4Addr::UNSPECIFIED, 8080)).unwrap();
    })
    .unwrap();
}

#[test]
fn run_time_registration_keeps_linux_errors() {
    let mut k = boot();
    fn create(_: &mut NetCx<'_, Pernet>, _: netgen_runtime::tables::Fd, _: i32, _: bool) -> Result<(), Errno> {
        Err(Errno::EPERM)
    }
    fn rcv(_: &mut NetCx<'_, Pernet>, _: SkBuff) -> NetRx {
        NetRx::Success
    }
    let inet = NetProtoFamily::<Pernet>::dynamic(2, "my_create", create);
    assert_eq!(sock_register(&mut k, inet), Err(Errno::EEXIST), "PF_INET is the spec's");
    let big = NetProtoFamily::<Pernet>::dynamic(NPROTO as u16, "my_create", create);
    assert_eq!(sock_register(&mut k, big), Err(Errno::ENOBUFS));
    let udp2 = NetProtocol::<Pernet>::dynamic("my_udp", rcv, None);
    assert_eq!(inet_add_protocol(&k, udp2.clone(), 17), Err(Errno::EBUSY), "udp_protocol holds the slot");
    if let Some(nr) = IPPROTO_EXPERIMENT {
        assert_eq!(inet_add_protocol(&k, udp2, nr), Err(Errno::EBUSY), "the user crate's");
    }

    let sw = k.get::<InetswState<Pernet>>().unwrap().list(2)[0].clone();
    let over = InetProtosw::new(sw.type_, sw.protocol, sw.prot, sw.ops.clone(), 0, "my_udp");
    assert_eq!(inet_register_protosw(&mut k, over), Err(Errno::EPERM), "udp is PERMANENT");
    assert_eq!(inet_unregister_protosw(&mut k, &sw), Err(Errno::EPERM));
    assert!(sw.flags & INET_PROTOSW_PERMANENT != 0);
    // A reusable entry is overridden by a newer one of the same protocol.
    let ping = k.get::<InetswState<Pernet>>().unwrap().list(2)[1].clone();
    inet_unregister_protosw(&mut k, &ping).unwrap();
    assert_eq!(inet_unregister_protosw(&mut k, &ping), Err(Errno::ENOENT));
}

#[test]
fn several_handlers_of_one_type_each_get_the_packet_taps_first() {
    use std::sync::Mutex;
    static ORDER: Mutex<Vec<&str>> = Mutex::new(Vec::new());
    fn tap(_: &mut NetCx<'_, Pernet>, _: SkBuff) -> NetRx {
        ORDER.lock().unwrap().push("tap");
        NetRx::Success
    }
    fn first(_: &mut NetCx<'_, Pernet>, _: SkBuff) -> NetRx {
        ORDER.lock().unwrap().push("first");
        NetRx::Success
    }
    fn second(_: &mut NetCx<'_, Pernet>, _: SkBuff) -> NetRx {
        ORDER.lock().unwrap().push("second");
        NetRx::Success
    }
    let k = boot();
    const TYPE: u16 = 0x88B6;
    let first_pt = PacketType::<Pernet>::dynamic(TYPE, "first", first);
    dev_add_pack(&k, first_pt.clone()).unwrap();
    dev_add_pack(&k, PacketType::<Pernet>::dynamic(TYPE, "second", second)).unwrap();
    dev_add_pack(&k, PacketType::<Pernet>::dynamic(ETH_P_ALL, "tap", tap)).unwrap();
    assert_eq!(dev_add_pack(&k, first_pt.clone()), Err(Errno::EEXIST), "the same registration twice");
    // Same name, same handler: another registration (Linux: another struct).
    let dup = PacketType::<Pernet>::dynamic(TYPE, "first", first);

    let net = netgen_stack::namespaces(&k).unwrap().copy_net_ns().unwrap();
    let ext = with_cx(&k, &net, |cx| {
        let t = cx.state_mut::<NetDevTables>().unwrap();
        let ext = t.register_external("eth0", MAC_B, 16).unwrap();
        t.ip_link_set_up("eth0").unwrap();
        ext
    })
    .unwrap();
    let mut frame = frames::EthHeader { dst: MAC_B, src: MAC_A, ethertype: TYPE }.to_bytes().to_vec();
    frame.extend_from_slice(&[0; 46]);
    assert_eq!(ext.netif_rx_frame(&frame), NetRx::Success);
    settle(&k, &[&net]).unwrap();
    // Linux's list_add_rcu: the newest handler of a type is first.
    assert_eq!(*ORDER.lock().unwrap(), ["tap", "second", "first"]);

    // dev_remove_pack finds the very struct that was added, not a lookalike.
    assert_eq!(dev_remove_pack(&k, &dup), Err(Errno::ENOENT));
    dev_remove_pack(&k, &first_pt).unwrap();
    ORDER.lock().unwrap().clear();
    ext.netif_rx_frame(&frame);
    settle(&k, &[&net]).unwrap();
    assert_eq!(*ORDER.lock().unwrap(), ["tap", "second"]);
}

#[test]
fn udp_echo_between_two_namespaces() {
    let k = boot();
    let (a, b) = pair(&k);
    let srv = with_cx(&k, &b, |cx| {
        let fd = sys_socket(cx, PF_INET, SOCK_DGRAM, 0).unwrap();
        sys_bind(cx, fd, &sa(Ipv4Addr::UNSPECIFIED, 7)).unwrap();
        fd
    })
    .unwrap();
    let cli = with_cx(&k, &a, |cx| {
        let fd = sys_socket(cx, PF_INET, SOCK_DGRAM, 0).unwrap();
        assert_eq!(sys_sendto(cx, fd, b"hello, b", Some(&sa(IP_B, 7)), 0), Ok(8));
        fd
    })
    .unwrap();
    assert!(settle(&k, &[&a, &b]).unwrap() >= 3, "ARP request, reply, datagram");
    with_cx(&k, &b, |cx| {
        let (d, from) = recv(cx, srv).unwrap();
        assert_eq!(d, b"hello, b");
        let Some(SockAddr::Inet(f)) = from else { panic!("{from:?}") };
        assert_eq!(*f.ip(), IP_A);
        assert_eq!(sys_sendto(cx, srv, &d, from.as_ref(), 0), Ok(8));
        assert_eq!(mib(cx, UdpMib::InDatagrams), 1);
    })
    .unwrap();
    settle(&k, &[&a, &b]).unwrap();
    with_cx(&k, &a, |cx| {
        assert_eq!(recv(cx, cli), Ok((b"hello, b".to_vec(), Some(sa(IP_B, 7)))));
        assert_eq!(recv(cx, cli), Err(Errno::EAGAIN));
        assert_eq!((mib(cx, UdpMib::OutDatagrams), mib(cx, UdpMib::InDatagrams)), (1, 1));
    })
    .unwrap();
}

#[test]
fn ping_between_two_namespaces() {
    let k = boot();
    let (a, b) = pair(&k);
    let fd = with_cx(&k, &a, |cx| {
        cx.state_mut::<Ipv4Net>().unwrap().set_ping_group_range(0, 0).unwrap();
        let fd = sys_socket(cx, PF_INET, SOCK_DGRAM, 1).unwrap();
        let req = frames::icmp_echo(0, 1, b"ping!", false);
        assert_eq!(sys_sendto(cx, fd, &req, Some(&sa(IP_B, 0)), 0), Ok(req.len()));
        fd
    })
    .unwrap();
    settle(&k, &[&a, &b]).unwrap();
    with_cx(&k, &a, |cx| {
        let (d, from) = recv(cx, fd).unwrap();
        assert_eq!(from, Some(sa(IP_B, 0)));
        assert_eq!((d[0], &d[8..]), (0, &b"ping!"[..]), "an echo reply with our payload");
        assert_eq!(frames::internet_checksum(&d), 0);
        assert_eq!((mib(cx, IcmpMib::OutEchos), mib(cx, IcmpMib::InEchoReps)), (1, 1));
    })
    .unwrap();
    with_cx(&k, &b, |cx| assert_eq!((mib(cx, IcmpMib::InEchos), mib(cx, IcmpMib::OutEchoReps)), (1, 1))).unwrap();
}

#[test]
fn the_user_crates_protocol_and_packet_type_receive_their_frames() {
    let (Some(nr), Some(ty)) = (IPPROTO_EXPERIMENT, ETH_P_EXPERIMENT) else {
        eprintln!("skipped: the spec claims every experimental IP protocol or ethertype, so the user crate adds none");
        return;
    };
    let k = boot();
    let net = netgen_stack::namespaces(&k).unwrap().copy_net_ns().unwrap();
    let ext = with_cx(&k, &net, |cx| {
        let t = cx.state_mut::<NetDevTables>().unwrap();
        let ext = t.register_external("eth0", MAC_B, 16).unwrap();
        t.ip_link_set_up("eth0").unwrap();
        t.ip_addr_add("eth0", IP_B, 24).unwrap();
        ext
    })
    .unwrap();
    let ip = Ipv4Header::new(IP_A, IP_B, nr);
    let over_ip = format!("over ip {nr}").into_bytes();
    ext.netif_rx_frame(&frames::ipv4_frame(MAC_A, MAC_B, &ip, &over_ip));
    let mut eth = frames::EthHeader { dst: MAC_B, src: MAC_A, ethertype: ty }.to_bytes().to_vec();
    let over_ether = format!("over ethertype {ty:#06x}").into_bytes();
    eth.extend_from_slice(&over_ether);
    ext.netif_rx_frame(&eth);
    assert_eq!(settle(&k, &[&net]).unwrap(), 2);
    let cookie = net.cookie();
    let seen: Vec<Seen> = SEEN.lock().unwrap().iter().filter(|s| s.net == cookie).cloned().collect();
    assert_eq!(
        seen,
        [Seen { via: "ip", net: cookie, data: over_ip }, Seen { via: "ether", net: cookie, data: over_ether },]
    );
    with_cx(&k, &net, |cx| {
        assert_eq!(mib(cx, IpMib::InDelivers), 1);
        assert_eq!(mib(cx, IpMib::InUnknownProtos), 0);
    })
    .unwrap();
}
