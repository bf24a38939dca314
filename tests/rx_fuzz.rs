//! Random and mutated frames thrown at the generated stack's receive path:
//! it never panics, and every frame ends in exactly one outcome.
//!
//! The outcome counters are the *terminal* ones, each counter's definition
//! says which ([`RxOutcome`]: the MIB rows, `NetDevStats::rx_outcomes`,
//! `NeighStatistics::rx_outcomes`, `Ipv4Frags::rx_outcomes` for fragments
//! queued, merged into a datagram or discarded with one), plus a datagram
//! queued on a socket.
//! A frame passes other counters on its way (`InReceives`, `InDelivers`,
//! ICMP `InMsgs`, the per-type ICMP counters, `rx_packets`), and a drop
//! may come with details counted beside it (`InCsumErrors` with
//! `InHdrErrors`, `RcvbufErrors` with UDP `InErrors`, `rx_length_errors`
//! with `rx_dropped`, `table_fulls` with `ArpDrops`): those are not
//! outcomes. Output counters (the replies a frame causes) are not either.
//!
//! The oracle, per frame fed alone: the terminal counters move by exactly
//! one in total, and a `NetRx::Drop` is one of the drops. (A frame
//! delivered to several sockets — a broadcast to many, taps, raw sockets
//! beside the protocol — is several outcomes; the host here has one
//! socket and no taps, so that does not arise.)

use std::net::{Ipv4Addr, SocketAddrV4};

use netgen_generated::pernet::Pernet;
use netgen_runtime::dev::{netif_receive_frame, netif_receive_frames, NetDevTables};
use netgen_runtime::inet::arp::NeighTable;
use netgen_runtime::inet::ip_fragment::Ipv4Frags;
use netgen_runtime::init::BootOptions;
use netgen_runtime::netns::NetRef;
use netgen_runtime::skbuff::SkBuff;
use netgen_runtime::sock::sk::Sockets;
use netgen_runtime::socket::syscalls::{sys_bind, sys_socket};
use netgen_runtime::tables::{NetRx, RxOutcome, RxOutcomes, SockAddr};
use netgen_stack::frames::{self, Ipv4Header};
use netgen_stack::Kernel;
use netgen_stack::{with_cx, Cx};
use proptest::prelude::*;

const MAC_A: [u8; 6] = [0x02, 0, 0, 0, 0, 0x0a];
const MAC_B: [u8; 6] = [0x02, 0, 0, 0, 0, 0x0b];
const IP_A: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const IP_B: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);

/// Every terminal counter of the namespace, summed by outcome: the MIBs',
/// every device's, the neighbour table's, and what sockets have queued.
fn outcomes(cx: &Cx<'_>) -> RxOutcomes {
    let mut o = netgen_stack::rx_outcomes(cx);
    let queued: usize = cx.state::<Sockets<Pernet>>().unwrap().iter().map(|(_, s)| s.receive_queue.len()).sum();
    o.add(RxOutcome::Taken, queued as u64);
    o
}

/// Fragments waiting in a queue, counted taken until their datagram ends
/// (`Ipv4Frags::rx_outcomes`), and how many of them ended dropped so far.
fn fragments_released(cx: &Cx<'_>) -> u64 {
    cx.state::<Ipv4Frags>().unwrap().stats.discarded
}

/// Feeds `f` to the host alone and returns what happened to it: the
/// outcome counters' moves, less the queued fragments a failed datagram
/// released from taken to dropped (that frame's drop is `ReasmFails`, one).
fn feed(h: &Host, f: &[u8]) -> (NetRx, RxOutcomes) {
    let (before, rel0) = with_cx(&h.k, &h.net, |cx| (outcomes(cx), fragments_released(cx))).unwrap();
    let rx = with_cx(&h.k, &h.net, |cx| netif_receive_frame(cx, h.ifindex, SkBuff::from_frame(f, h.ifindex))).unwrap();
    let (after, rel1) = with_cx(&h.k, &h.net, |cx| (outcomes(cx), fragments_released(cx))).unwrap();
    let released = rel1.wrapping_sub(rel0);
    let d = RxOutcomes {
        dropped: after.dropped.wrapping_sub(before.dropped).wrapping_sub(released),
        taken: after.taken.wrapping_sub(before.taken).wrapping_add(released),
    };
    (rx, d)
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

/// An ICMP message of `type_`/`code` with `rest` after the first four
/// bytes, its checksum set.
fn icmp(type_: u8, code: u8, rest: &[u8]) -> Vec<u8> {
    let mut m = vec![type_, code, 0, 0];
    m.extend_from_slice(rest);
    let c = frames::internet_checksum(&m);
    m[2..4].copy_from_slice(&c.to_be_bytes());
    m
}

/// An ICMP error quoting a UDP datagram B sent from port `sport` to A:5000.
fn icmp_error_about_udp(type_: u8, code: u8, sport: u16) -> Vec<u8> {
    let udp = frames::udp_datagram(SocketAddrV4::new(IP_B, sport), SocketAddrV4::new(IP_A, 5000), b"sent");
    let mut rest = vec![0; 4];
    rest.extend_from_slice(&Ipv4Header::new(IP_B, IP_A, 17).to_bytes(udp.len()));
    rest.extend_from_slice(&udp[..8]);
    icmp(type_, code, &rest)
}

/// Well-formed frames of every kind the stack handles, to mutate, with
/// what each comes to (checked by [`the_seeds_end_as_linux_would`]).
fn seeds_with_ends() -> Vec<(Vec<u8>, &'static str, &'static str)> {
    let a = SocketAddrV4::new(IP_A, 5000);
    let ip = |proto| Ipv4Header::new(IP_A, IP_B, proto);
    let icmp_frame = |m: &[u8]| frames::ipv4_frame(MAC_A, MAC_B, &ip(1), m);
    let bcast = Ipv4Header::new(IP_A, Ipv4Addr::new(10, 0, 0, 255), 17);
    vec![
        (frames::udp_frame(MAC_A, MAC_B, a, SocketAddrV4::new(IP_B, 7), b"to the bound socket"), "taken", "bound UDP"),
        (frames::udp_frame(MAC_A, MAC_B, a, SocketAddrV4::new(IP_B, 9), b"to a closed port"), "dropped", "closed port"),
        (icmp_frame(&frames::icmp_echo(1, 1, b"ping", false)), "taken", "ping"),
        (frames::ipv4_frame(MAC_A, MAC_B, &ip(6), &[0; 20]), "dropped", "TCP"),
        (frames::ipv4_frame(MAC_A, MAC_B, &ip(2), &[0x11, 0, 0xee, 0xff, 0, 0, 0, 0]), "taken", "IGMP query"),
        (frames::ipv4_frame(MAC_A, MAC_B, &ip(99), b"unknown protocol"), "dropped", "unknown protocol"),
        (frames::arp_frame(frames::ARPOP_REQUEST, MAC_A, IP_A, [0; 6], IP_B), "taken", "ARP request"),
        (frames::arp_frame(frames::ARPOP_REPLY, MAC_A, IP_A, MAC_B, IP_B), "taken", "ARP reply"),
        (frames::arp_frame(frames::ARPOP_REQUEST, MAC_A, Ipv4Addr::UNSPECIFIED, [0; 6], IP_B), "taken", "ARP probe"),
        (frames::arp_frame(frames::ARPOP_REQUEST, MAC_A, IP_B, [0; 6], IP_B), "dropped", "ARP from our address"),
        (icmp_frame(&frames::icmp_echo(1, 1, b"pong", true)), "dropped", "echo reply, no ping socket"),
        (icmp_frame(&icmp(13, 0, &[0; 16])), "taken", "timestamp"),
        (icmp_frame(&icmp_error_about_udp(3, 3, 7)), "taken", "port unreachable for a socket"),
        (icmp_frame(&icmp_error_about_udp(3, 3, 4444)), "dropped", "port unreachable for no socket"),
        (icmp_frame(&icmp_error_about_udp(5, 1, 7)), "taken", "redirect"),
        (icmp_frame(&icmp(9, 0, &[0; 4])), "taken", "router advertisement (discarded)"),
        (
            frames::udp_frame_with(MAC_A, frames::BROADCAST, &bcast, 5000, 7, b"bcast"),
            "taken",
            "broadcast to the socket",
        ),
        (
            frames::udp_frame_with(MAC_A, frames::BROADCAST, &bcast, 5000, 9, b"bcast"),
            "taken",
            "broadcast nobody wants",
        ),
        (
            frames::udp_frame_with(MAC_A, MAC_B, &ip(17).with_frag(false, true, 0).with_id(1), 5000, 7, b"f"),
            "taken",
            "first fragment (queued)",
        ),
        (
            frames::ipv4_frame(MAC_A, MAC_B, &ip(17).with_frag(false, true, 4).with_id(2), b"tiny"),
            "dropped",
            "tiny fragment",
        ),
    ]
}

/// The frames to mutate.
fn seeds() -> Vec<Vec<u8>> {
    seeds_with_ends().into_iter().map(|(f, _, _)| f).collect()
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
    fn every_frame_ends_in_exactly_one_outcome(batch in proptest::collection::vec(frame(), 1..16)) {
        let h = host();
        for f in batch {
            let (rx, d) = feed(&h, &f);
            prop_assert_eq!(d.total(), 1, "{:?} moved {:?}: {:02x?}", rx, d, f);
            if rx == NetRx::Drop {
                prop_assert_eq!(d.dropped, 1, "a NetRx::Drop not counted as a drop: {:02x?}", f);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// The same frames as one NAPI batch (`netif_receive_frames` →
    /// `netif_receive_skb_list` → `ip_list_rcv`): the terminal counters
    /// move by exactly the batch's size, each frame's end counted once
    /// however the list path groups them.
    #[test]
    fn a_batch_ends_in_exactly_one_outcome_per_frame(batch in proptest::collection::vec(frame(), 1..16)) {
        let h = host();
        let before = with_cx(&h.k, &h.net, |cx| outcomes(cx)).unwrap();
        let mut skbs: Vec<SkBuff> = batch.iter().map(|f| SkBuff::from_frame(f, h.ifindex)).collect();
        with_cx(&h.k, &h.net, |cx| netif_receive_frames(cx, h.ifindex, &mut skbs)).unwrap();
        prop_assert!(skbs.is_empty(), "the batch was not consumed");
        let after = with_cx(&h.k, &h.net, |cx| outcomes(cx)).unwrap();
        let moved = after.dropped.wrapping_sub(before.dropped) + after.taken.wrapping_sub(before.taken);
        prop_assert_eq!(moved, batch.len() as u64, "{} frames, {} outcomes", batch.len(), moved);
    }
}

/// The unmutated seeds, each one outcome: the ones a host takes in are
/// taken (queued on the socket, answered, learnt, ignored as Linux
/// ignores them), the others dropped.
#[test]
fn the_seeds_end_as_linux_would() {
    let h = host();
    for (f, want, what) in seeds_with_ends() {
        let got = match feed(&h, &f).1 {
            RxOutcomes { dropped: 0, taken: 1 } => "taken",
            RxOutcomes { dropped: 1, taken: 0 } => "dropped",
            d => panic!("{what}: {d:?}"),
        };
        assert_eq!(got, want, "{what}");
    }
}

/// A fragment of datagram `id` (1 or 2) from A: `units` 8-byte units in,
/// `len` bytes of payload, `MF` as given.
fn fragment() -> impl Strategy<Value = Vec<u8>> {
    (1u16..3, 0u16..24, 0usize..72, any::<bool>(), any::<u8>()).prop_map(|(id, units, len, mf, fill)| {
        let ip = Ipv4Header::new(IP_A, IP_B, 17).with_frag(false, mf, units).with_id(id);
        frames::ipv4_frame(MAC_A, MAC_B, &ip, &vec![fill; len])
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Fragments of two datagrams in any order, overlapping, duplicated,
    /// tiny or unaligned (`ip_frag_queue`): each ends in exactly one
    /// outcome; after `ipfrag_time` (`ip_expire`) nothing is queued and the
    /// outcomes still add up.
    #[test]
    fn fragments_end_in_exactly_one_outcome(batch in proptest::collection::vec(fragment(), 1..24)) {
        let h = host();
        let start = with_cx(&h.k, &h.net, |cx| outcomes(cx)).unwrap();
        for f in &batch {
            let (rx, d) = feed(&h, f);
            prop_assert_eq!(d.total(), 1, "{:?} moved {:?}", rx, d);
            if rx == NetRx::Drop {
                prop_assert_eq!(d.dropped, 1);
            }
        }
        let end = with_cx(&h.k, &h.net, |cx| {
            cx.state_mut::<NeighTable>().unwrap().clock.advance(std::time::Duration::from_secs(31));
            netgen_runtime::inet::ip_fragment::ip_frag_timers(cx);
            let f = cx.state::<Ipv4Frags>().unwrap();
            assert_eq!((f.stats.queued, f.mem(), f.queues().count()), (0, 0, 0));
            outcomes(cx)
        })
        .unwrap();
        prop_assert_eq!(end.total().wrapping_sub(start.total()), batch.len() as u64);
    }
}
