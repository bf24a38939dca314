//! Frames received on an external device of a booted stack (booted once per
//! process; each input gets a fresh namespace, destroyed after it). The
//! namespace has `eth0` (10.0.0.2/24) and open UDP (0.0.0.0:7, 10.0.0.2:53),
//! raw (ICMP, protocol 99), ping, and packet (`ETH_P_ALL` raw, `ETH_P_ARP`
//! dgram) sockets. The input is records of frames, each received once or
//! as a flood of up to 2,048 copies (`netgen_fuzz::parse_rx`).
//!
//! Oracles, after every frame:
//! * no panic;
//! * every frame has an outcome, as `tests/rx_fuzz.rs` checks: a
//!   `NET_RX_DROP` bumps a drop counter (device, IP, UDP, ICMP, TCP, IGMP,
//!   ARP), and any frame bumps a drop or a delivery counter (IP
//!   `InDelivers`, ARP probes and updates); a frame of an ethertype the
//!   stack has no handler for (not IPv4 or ARP) may instead be taken by a
//!   packet socket only (queued or counted in its `sk_drops`);
//! * socket receive queues are bounded: `sk_rmem_alloc` is the truesize of
//!   what is queued and exceeds `sk_rcvbuf` by at most the last buffer;
//! * the ARP table is bounded (`gc_thresh3` entries) and learns no martian
//!   sender (multicast, limited broadcast, loopback, 0.0.0.0/8), which
//!   `ip_route_input` refuses in Linux's `arp_process`;
//! * what the device transmits (ARP and ICMP replies) is drained.
//!
//! After the input every socket is drained with `recvfrom` (each error a
//! known errno, the queue and `sk_rmem_alloc` then empty) and closed.
#![no_main]

use std::net::{Ipv4Addr, SocketAddrV4};

use libfuzzer_sys::fuzz_target;
use netgen_generated::pernet::Pernet;
use netgen_runtime::dev::veth::ExternalDev;
use netgen_runtime::dev::{netif_receive_frame, NetDevTables};
use netgen_runtime::inet::arp::NeighTable;
use netgen_runtime::inet::mib::{ExtMib, IcmpMib, IpMib, Ipv4Mib, TcpMib, UdpMib};
use netgen_runtime::inet::netns_ipv4::Ipv4Net;
use netgen_runtime::skbuff::SkBuff;
use netgen_runtime::sock::sk::Sockets;
use netgen_runtime::socket::syscalls::{sys_bind, sys_close, sys_recvfrom, sys_socket};
use netgen_runtime::tables::{Fd, NetRx, SockAddr};
use netgen_runtime::Errno;
use netgen_stack::{with_cx, Cx};

const MAC_B: [u8; 6] = [0x02, 0, 0, 0, 0, 0x0b];
const IP_B: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);
const PF_INET: i32 = 2;
const PF_PACKET: i32 = 17;
const SOCK_DGRAM: i32 = 2;
const SOCK_RAW: i32 = 3;

/// Every counter a receive-path drop bumps (`tests/rx_fuzz.rs`).
fn drops(cx: &Cx<'_>) -> u64 {
    let m = cx.state::<Ipv4Mib>().unwrap();
    let mibs = [
        m.get(IpMib::InHdrErrors),
        m.get(IpMib::InAddrErrors),
        m.get(IpMib::InUnknownProtos),
        m.get(IpMib::InDiscards),
        m.get(IpMib::InTruncatedPkts),
        m.get(IpMib::CsumErrors),
        m.get(IpMib::ReasmFails),
        m.get(UdpMib::InErrors),
        m.get(UdpMib::NoPorts),
        m.get(UdpMib::RcvbufErrors),
        m.get(UdpMib::CsumErrors),
        m.get(IcmpMib::InErrors),
        m.get(IcmpMib::CsumErrors),
        m.get(TcpMib::InErrs),
        m.get(TcpMib::CsumErrors),
        m.get(ExtMib::TcpNotImplemented),
        m.get(ExtMib::PingNoSocket),
        m.get(ExtMib::IcmpEchoIgnored),
        m.get(ExtMib::IgmpDrops),
        m.get(ExtMib::IgmpIgnored),
        m.get(ExtMib::ArpDrops),
    ];
    let d = cx.state::<NetDevTables>().unwrap().get_by_name("eth0").unwrap().get_stats();
    mibs.iter().sum::<u64>() + d.rx_dropped + d.rx_errors + d.rx_otherhost_dropped
}

/// Counters of what the stack took in: IP deliveries and ARP processing.
fn delivered(cx: &Cx<'_>) -> u64 {
    let m = cx.state::<Ipv4Mib>().unwrap();
    let n = &cx.state::<NeighTable>().unwrap().stats;
    m.get(IpMib::InDelivers) + n.rcv_probes_mcast + n.rcv_probes_ucast + n.rcv_updates
}

/// What packet sockets took: queued plus dropped (`sk_drops`).
fn packet_taken(cx: &Cx<'_>) -> u64 {
    let socks = cx.state::<Sockets<Pernet>>().unwrap();
    socks
        .iter()
        .filter(|(_, s)| s.family == PF_PACKET as u16)
        .map(|(_, s)| s.receive_queue.len() as u64 + s.drops)
        .sum()
}

fn check_queues(cx: &Cx<'_>) {
    for (fd, s) in cx.state::<Sockets<Pernet>>().unwrap().iter() {
        let queued: usize = s.receive_queue.iter().map(SkBuff::truesize).sum();
        assert_eq!(s.rmem_alloc, queued, "fd {fd}: sk_rmem_alloc is not what is queued");
        let last = s.receive_queue.iter().map(SkBuff::truesize).max().unwrap_or(0);
        assert!(
            s.rmem_alloc <= s.rcvbuf + last,
            "fd {fd}: {} bytes queued ({} buffers) past sk_rcvbuf {}",
            s.rmem_alloc,
            s.receive_queue.len(),
            s.rcvbuf
        );
    }
}

fn martian(ip: u32) -> bool {
    let ip = Ipv4Addr::from(ip);
    ip.is_multicast() || ip.is_broadcast() || ip.is_loopback() || ip.octets()[0] == 0
}

fn check_arp(cx: &Cx<'_>, frame: &[u8]) {
    let t = cx.state::<NeighTable>().unwrap();
    assert!(
        t.len() <= t.gc_thresh3 as usize,
        "ARP table has {} entries, past gc_thresh3 {} (last frame {frame:02x?})",
        t.len(),
        t.gc_thresh3
    );
    for (&(ifindex, ip), _) in t.iter() {
        assert!(!martian(ip), "ARP learnt martian sender {} on {ifindex} from {frame:02x?}", Ipv4Addr::from(ip));
    }
}

fn known(e: Errno) -> Errno {
    assert!(e.0 > 0 && e.name().is_some(), "not a Linux errno: {}", e.0);
    e
}

struct Host {
    net: netgen_runtime::netns::NetRef<Pernet>,
    ext: ExternalDev,
    fds: Vec<Fd>,
}

fn host() -> Host {
    let k = netgen_fuzz::kernel();
    let net = netgen_stack::namespaces(k).unwrap().copy_net_ns().unwrap();
    let (ext, fds) = with_cx(k, &net, |cx| {
        let t = cx.state_mut::<NetDevTables>().unwrap();
        let ext = t.register_external("eth0", MAC_B, 1 << 16).unwrap();
        t.ip_link_set_up("eth0").unwrap();
        t.ip_addr_add("eth0", IP_B, 24).unwrap();
        // The caller (gid 0) may open ping sockets.
        cx.state_mut::<Ipv4Net>().unwrap().set_ping_group_range(0, 0).unwrap();
        let udp = |cx: &mut Cx<'_>, ip, port| {
            let fd = sys_socket(cx, PF_INET, SOCK_DGRAM, 0).unwrap();
            sys_bind(cx, fd, &SockAddr::Inet(SocketAddrV4::new(ip, port))).unwrap();
            fd
        };
        let fds = vec![
            udp(cx, Ipv4Addr::UNSPECIFIED, 7),
            udp(cx, IP_B, 53),
            sys_socket(cx, PF_INET, SOCK_RAW, 1).unwrap(),
            sys_socket(cx, PF_INET, SOCK_RAW, 99).unwrap(),
            sys_socket(cx, PF_INET, SOCK_DGRAM, 1).unwrap(),
            sys_socket(cx, PF_PACKET, SOCK_RAW, 0x0003).unwrap(),
            sys_socket(cx, PF_PACKET, SOCK_DGRAM, 0x0806).unwrap(),
        ];
        (ext, fds)
    })
    .unwrap();
    Host { net, ext, fds }
}

fn receive(h: &Host, frame: &[u8]) {
    let k = netgen_fuzz::kernel();
    with_cx(k, &h.net, |cx| {
        let (d0, g0, p0) = (drops(cx), delivered(cx), packet_taken(cx));
        let rx = netif_receive_frame(cx, h.ext.ifindex, SkBuff::from_frame(frame, h.ext.ifindex));
        let (d1, g1, p1) = (drops(cx), delivered(cx), packet_taken(cx));
        if rx == NetRx::Drop {
            assert!(d1 > d0, "dropped without a counter: {frame:02x?}");
        }
        let l3 = frame.len() >= 14 && matches!(u16::from_be_bytes([frame[12], frame[13]]), 0x0800 | 0x0806);
        assert!(
            d1 > d0 || g1 > g0 || (!l3 && p1 > p0),
            "frame vanished ({rx:?}; no drop, delivery or packet socket counted it): {frame:02x?}"
        );
        check_queues(cx);
        check_arp(cx, frame);
    })
    .unwrap();
    h.ext.drain_tx();
}

fn finish(h: Host) {
    let k = netgen_fuzz::kernel();
    with_cx(k, &h.net, |cx| {
        let mut buf = vec![0u8; 1 << 16];
        for &fd in &h.fds {
            let queued = cx.state::<Sockets<Pernet>>().unwrap().get(fd).unwrap().receive_queue.len();
            // Each call takes a datagram or reports a pending error (once);
            // then EAGAIN.
            for _ in 0..=queued + 2 {
                match sys_recvfrom(cx, fd, &mut buf, 0) {
                    Ok((n, _)) => assert!(n <= buf.len()),
                    Err(e) if known(e) == Errno::EAGAIN => break,
                    Err(_) => {}
                }
            }
            let s = cx.state::<Sockets<Pernet>>().unwrap().get(fd).unwrap();
            assert!(
                s.receive_queue.is_empty() && s.rmem_alloc == 0,
                "fd {fd}: {} bytes left after draining",
                s.rmem_alloc
            );
        }
        for &fd in &h.fds {
            if let Err(e) = sys_close(cx, fd) {
                known(e);
            }
        }
        assert!(cx.state::<Sockets<Pernet>>().unwrap().is_empty(), "sockets left after closing every one");
    })
    .unwrap();
    h.ext.drain_tx();
    netgen_stack::namespaces(k).unwrap().put_net(h.net).unwrap();
}

fuzz_target!(|data: &[u8]| {
    let records = netgen_fuzz::parse_rx(data);
    let h = host();
    for r in &records {
        for i in 0..r.copies {
            receive(&h, &r.copy(i));
        }
    }
    finish(h);
});
