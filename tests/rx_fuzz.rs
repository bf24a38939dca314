//! Random and mutated frames thrown at the generated stack's receive path:
//! it never panics, and every frame is accounted for — delivered, or
//! dropped under a named counter. A `NetRx::Drop` is always counted.

use std::net::{Ipv4Addr, SocketAddrV4};

use netgen_generated::pernet::Pernet;
use netgen_runtime::dev::{netif_receive_frame, NetDevTables};
use netgen_runtime::inet::arp::NeighTable;
use netgen_runtime::inet::mib::{ExtMib, IcmpMib, IpMib, Ipv4Mib, TcpMib, UdpMib};
use netgen_runtime::init::BootOptions;
use netgen_runtime::netns::NetRef;
use netgen_runtime::skbuff::SkBuff;
use netgen_runtime::socket::syscalls::{sys_bind, sys_socket};
use netgen_runtime::tables::{NetRx, SockAddr};
use netgen_stack::frames::{self, Ipv4Header};
use netgen_stack::Kernel;
use netgen_stack::{with_cx, Cx};
use proptest::prelude::*;

const MAC_A: [u8; 6] = [0x02, 0, 0, 0, 0, 0x0a];
const MAC_B: [u8; 6] = [0x02, 0, 0, 0, 0, 0x0b];
const IP_A: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const IP_B: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);

/// Every counter a receive-path drop bumps.
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

struct Host {
    k: Kernel,
    net: NetRef<Pernet>,
    ifindex: i32,
}

fn host() -> Host {
    let (k, _) = netgen_stack::boot(1, &BootOptions::default());
    let net = netgen_stack::namespaces(&k).unwrap().copy_net_ns().unwrap();
    let ifindex = with_cx(&k, &net, |cx| {
        let t = cx.state_mut::<NetDevTables>().unwrap();
        let ext = t.register_external("eth0", MAC_B, 1 << 16).unwrap();
        t.ip_link_set_up("eth0").unwrap();
        t.ip_addr_add("eth0", IP_B, 24).unwrap();
        let fd = sys_socket(cx, 2, 2, 0).unwrap();
        sys_bind(cx, fd, &SockAddr::Inet(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 7))).unwrap();
        ext.ifindex
    })
    .unwrap();
    Host { k, net, ifindex }
}

/// Well-formed frames of every kind the stack handles, to mutate.
fn seeds() -> Vec<Vec<u8>> {
    let a = SocketAddrV4::new(IP_A, 5000);
    let ip = |proto| Ipv4Header::new(IP_A, IP_B, proto);
    vec![
        frames::udp_frame(MAC_A, MAC_B, a, SocketAddrV4::new(IP_B, 7), b"to the bound socket"),
        frames::udp_frame(MAC_A, MAC_B, a, SocketAddrV4::new(IP_B, 9), b"to a closed port"),
        frames::ipv4_frame(MAC_A, MAC_B, &ip(1), &frames::icmp_echo(1, 1, b"ping", false)),
        frames::ipv4_frame(MAC_A, MAC_B, &ip(6), &[0; 20]),
        frames::ipv4_frame(MAC_A, MAC_B, &ip(2), &[0x11, 0, 0xee, 0xff, 0, 0, 0, 0]),
        frames::ipv4_frame(MAC_A, MAC_B, &ip(99), b"unknown protocol"),
        frames::arp_frame(frames::ARPOP_REQUEST, MAC_A, IP_A, [0; 6], IP_B),
        frames::arp_frame(frames::ARPOP_REPLY, MAC_A, IP_A, MAC_B, IP_B),
    ]
}

fn frame() -> impl Strategy<Value = Vec<u8>> {
    let random = proptest::collection::vec(any::<u8>(), 0..200);
    let mutated = (0..seeds().len(), proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6), any::<usize>())
        .prop_map(|(i, flips, cut)| {
            let mut f = seeds()[i].clone();
            for (at, v) in flips {
                let n = f.len();
                f[at % n] = v;
            }
            if cut % 4 == 0 {
                f.truncate(cut % (f.len() + 1));
            }
            f
        });
    prop_oneof![1 => random, 4 => mutated]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn every_frame_is_delivered_or_counted(batch in proptest::collection::vec(frame(), 1..16)) {
        let h = host();
        for f in batch {
            let (before, got_before) = with_cx(&h.k, &h.net, |cx| (drops(cx), delivered(cx))).unwrap();
            let rx = with_cx(&h.k, &h.net, |cx| netif_receive_frame(cx, h.ifindex, SkBuff::from_frame(&f, h.ifindex))).unwrap();
            let (after, got_after) = with_cx(&h.k, &h.net, |cx| (drops(cx), delivered(cx))).unwrap();
            if rx == NetRx::Drop {
                prop_assert!(after > before, "dropped without a counter: {f:02x?}");
            }
            prop_assert!(after > before || got_after > got_before, "frame vanished: {rx:?} {f:02x?}");
        }
    }
}

/// The unmutated seeds: the ones a host takes in are delivered, the others
/// (closed port, TCP, IGMP, unknown protocol) are counted drops.
#[test]
fn the_seeds_are_delivered_or_counted_as_linux_would() {
    let h = host();
    let mut outcome = Vec::new();
    for f in seeds() {
        let (d0, g0) = with_cx(&h.k, &h.net, |cx| (drops(cx), delivered(cx))).unwrap();
        with_cx(&h.k, &h.net, |cx| netif_receive_frame(cx, h.ifindex, SkBuff::from_frame(&f, h.ifindex))).unwrap();
        let (d1, g1) = with_cx(&h.k, &h.net, |cx| (drops(cx), delivered(cx))).unwrap();
        outcome.push((g1 > g0, d1 > d0));
    }
    let delivered = (true, false);
    let counted = (true, true); // delivered to the protocol, which then counts a drop
    assert_eq!(
        outcome,
        [delivered, counted, delivered, counted, counted, (false, true), delivered, delivered],
        "bound UDP, closed port, ping, TCP, IGMP, unknown protocol, ARP request, ARP reply"
    );
}
