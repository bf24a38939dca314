//! IPv4 fragments, each behaviour against the Linux function it models:
//! reassembly (net/ipv4/ip_fragment.c: `ip_defrag`, `ip_frag_queue`,
//! `inet_frag_queue_insert`, `ip_frag_reasm`, `ip_expire`, and the 4.16
//! `inet_frag_worker` evictor) fed by hand through an external device, and
//! fragmentation (net/ipv4/ip_output.c: `ip_fragment`, `ip_do_fragment`,
//! `__ip_append_data`/`__ip_make_skb`'s `DF`) between two namespaces on
//! the in-memory wire, reassembled by the peer stack. Time is the
//! namespace's clock, frozen and driven by the tests.
//!
//! Every test also checks the accounting: each frame fed ends in exactly
//! one outcome (the terminal counters, fragments still queued included).

mod common;

use common::{boot, mib, sa};

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use netgen_generated::pernet::Pernet;
use netgen_runtime::dev::{self, ExternalDev, NetDevTables};
use netgen_runtime::errno::Errno;
use netgen_runtime::inet::arp::{NeighTable, NUD_PERMANENT};
use netgen_runtime::inet::ip_fragment::{ip_frag_timers, Ipv4Frags, ICMP_EXC_FRAGTIME};
use netgen_runtime::inet::ip_output::{IP_PMTUDISC_DO, IP_PMTUDISC_DONT, IP_PMTUDISC_PROBE};
use netgen_runtime::inet::ip_sockglue::{IP_MTU_DISCOVER, SOL_IP};
use netgen_runtime::inet::mib::{IcmpMib, IpMib, UdpMib};
use netgen_runtime::inet::netns_ipv4::Ipv4Net;
use netgen_runtime::netns::NetRef;
use netgen_runtime::sock::sk::Sockets;
use netgen_runtime::socket::syscalls::*;
use netgen_runtime::tables::{RxOutcomes, SockAddr};
use netgen_stack::frames::{self, Ipv4Header};
use netgen_stack::Kernel;
use netgen_stack::{settle, with_cx, Cx};

const MAC_A: [u8; 6] = [0x02, 0, 0, 0, 0, 0x0a];
const MAC_B: [u8; 6] = [0x02, 0, 0, 0, 0, 0x0b];
const IP_A: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const IP_B: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);
const PF_INET: i32 = 2;
const SOCK_DGRAM: i32 = 2;
const IP_DF: u16 = 0x4000;
const IP_MF: u16 = 0x2000;

fn frags<'c>(cx: &'c Cx<'_>) -> &'c Ipv4Frags {
    cx.state::<Ipv4Frags>().unwrap()
}

/// `(ReasmReqds, ReasmOKs, ReasmFails, ReasmTimeout, ReasmOverlaps)`.
fn reasm(cx: &Cx<'_>) -> (u64, u64, u64, u64, u64) {
    (
        mib(cx, IpMib::ReasmReqds),
        mib(cx, IpMib::ReasmOKs),
        mib(cx, IpMib::ReasmFails),
        mib(cx, IpMib::ReasmTimeout),
        mib(cx, IpMib::ReasmOverlaps),
    )
}

/// The terminal counters of a namespace (as tests/rx_fuzz.rs sums them).
fn outcomes(cx: &Cx<'_>) -> RxOutcomes {
    netgen_stack::rx_outcomes(cx)
}

/// A UDP datagram from A:5000 to B:7 with `n` bytes of patterned payload.
fn payload(n: usize, seed: u8) -> Vec<u8> {
    (0..n).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

/// One host B (10.0.0.2 on `eth0`, an external device the test plays A
/// on), a UDP socket on port 7, A's MAC known (permanent), the clock
/// frozen.
struct Host {
    k: Kernel,
    net: NetRef<Pernet>,
    ext: ExternalDev,
    fd: i32,
    /// Frames fed so far.
    fed: u64,
    /// Datagrams read off the socket so far.
    read: u64,
    start: RxOutcomes,
}

impl Host {
    fn new() -> Host {
        let k = boot();
        let net = netgen_stack::namespaces(&k).unwrap().copy_net_ns().unwrap();
        let (ext, fd, start) = with_cx(&k, &net, |cx| {
            let t = cx.state_mut::<NetDevTables>().unwrap();
            let ext = t.register_external("eth0", MAC_B, 1 << 16).unwrap();
            t.ip_link_set_up("eth0").unwrap();
            t.ip_addr_add("eth0", IP_B, 24).unwrap();
            let n = cx.state_mut::<NeighTable>().unwrap();
            n.neigh_add(ext.ifindex, u32::from(IP_A), MAC_A, NUD_PERMANENT).unwrap();
            n.clock.freeze();
            let fd = sys_socket(cx, PF_INET, SOCK_DGRAM, 0).unwrap();
            sys_bind(cx, fd, &sa(Ipv4Addr::UNSPECIFIED, 7)).unwrap();
            (ext, fd, outcomes(cx))
        })
        .unwrap();
        Host { k, net, ext, fd, fed: 0, read: 0, start }
    }

    fn cx<R>(&self, f: impl FnOnce(&mut Cx<'_>) -> R) -> R {
        with_cx(&self.k, &self.net, f).unwrap()
    }

    /// Feeds a fragment of datagram `id`: `data` at byte `offset` (a
    /// multiple of 8), `MF` as given.
    fn frag(&mut self, id: u16, offset: usize, mf: bool, data: &[u8]) {
        let ip = Ipv4Header::new(IP_A, IP_B, 17).with_id(id).with_frag(false, mf, (offset / 8) as u16);
        self.ext.netif_rx_frame(&frames::ipv4_frame(MAC_A, MAC_B, &ip, data));
        settle(&self.k, &[&self.net]).unwrap();
        self.fed += 1;
    }

    /// Feeds datagram `d` (IP payload) as fragments covering `pieces`
    /// (start, end) byte ranges, in that order.
    fn pieces(&mut self, id: u16, d: &[u8], pieces: &[(usize, usize)]) {
        for &(s, e) in pieces {
            self.frag(id, s, e < d.len(), &d[s..e]);
        }
    }

    /// The datagrams queued on the socket, drained.
    fn received(&mut self) -> Vec<Vec<u8>> {
        let fd = self.fd;
        let got = self.cx(|cx| {
            let mut got = Vec::new();
            let mut buf = vec![0u8; 70_000];
            while let Ok((n, _)) = sys_recvfrom(cx, fd, &mut buf, 0) {
                got.push(buf[..n].to_vec());
            }
            got
        });
        self.read += got.len() as u64;
        got
    }

    /// Every frame fed so far ended in exactly one outcome (datagrams
    /// still on the socket count as taken).
    fn accounted(&self) {
        let (o, queued) = self.cx(|cx| {
            let q: usize = cx.state::<Sockets<Pernet>>().unwrap().iter().map(|(_, s)| s.receive_queue.len()).sum();
            (outcomes(cx), q as u64)
        });
        let moved = o.total().wrapping_sub(self.start.total());
        assert_eq!(moved + queued + self.read, self.fed, "every frame, one outcome");
    }

    fn advance(&self, secs: u64) -> usize {
        self.cx(|cx| {
            cx.state_mut::<NeighTable>().unwrap().clock.advance(Duration::from_secs(secs));
            ip_frag_timers(cx)
        })
    }
}

fn udp(n: usize, seed: u8) -> (Vec<u8>, Vec<u8>) {
    let p = payload(n, seed);
    (frames::udp_datagram(SocketAddrV4::new(IP_A, 5000), SocketAddrV4::new(IP_B, 7), &p), p)
}

/// `ip_frag_queue` + `ip_frag_reasm`: fragments in order make the
/// datagram, delivered once; the queue and its memory are gone.
#[test]
fn reassembly_in_order() {
    let mut h = Host::new();
    let (d, p) = udp(3000, 1);
    h.pieces(1, &d, &[(0, 1480), (1480, 2960), (2960, d.len())]);
    h.accounted();
    assert_eq!(h.received(), [p]);
    h.cx(|cx| {
        assert_eq!(reasm(cx), (3, 1, 0, 0, 0));
        assert_eq!(mib(cx, UdpMib::InDatagrams), 1);
        assert_eq!((frags(cx).mem(), frags(cx).queues().count()), (0, 0));
    });
}

/// Out of order (`inet_frag_queue_insert`'s rbtree): last first, then
/// shuffled; two datagrams interleaved are told apart by their id
/// (`ip_find`'s key).
#[test]
fn reassembly_out_of_order_and_interleaved() {
    let mut h = Host::new();
    let (d1, p1) = udp(4000, 2);
    let (d2, p2) = udp(2500, 3);
    h.frag(7, 2960, false, &d1[2960..]);
    h.frag(8, 1480, false, &d2[1480..]);
    h.frag(7, 0, true, &d1[..1480]);
    h.frag(8, 0, true, &d2[..1480]);
    h.frag(7, 1480, true, &d1[1480..2960]);
    h.accounted();
    assert_eq!(h.received(), [p2, p1]);
    h.cx(|cx| assert_eq!(reasm(cx), (5, 2, 0, 0, 0)));
}

/// A duplicate (`IPFRAG_DUP`: within data already queued, even spanning two
/// contiguous fragments) is dropped alone; the datagram still completes.
#[test]
fn reassembly_ignores_duplicates() {
    let mut h = Host::new();
    let (d, p) = udp(3000, 4);
    h.pieces(1, &d, &[(0, 1480), (0, 1480), (1480, 2960), (1000, 2000)]);
    h.cx(|cx| assert_eq!(frags(cx).stats.dups, 2));
    h.pieces(1, &d, &[(2960, d.len())]);
    h.accounted();
    assert_eq!(h.received(), [p]);
    h.cx(|cx| assert_eq!(reasm(cx), (5, 1, 0, 0, 0)));
}

/// Overlapping fragments (teardrop; RFC 5722 as `inet_frag_queue_insert`
/// applies it since Linux 4.18): the whole datagram is dropped,
/// `ReasmOverlaps` and one `ReasmFails`; nothing is delivered.
#[test]
fn overlapping_fragments_drop_the_datagram() {
    let mut h = Host::new();
    let (d, _) = udp(3000, 5);
    h.pieces(1, &d, &[(0, 1480), (2960, d.len()), (1472, 2960)]);
    h.accounted();
    assert!(h.received().is_empty());
    h.cx(|cx| {
        assert_eq!(reasm(cx), (3, 0, 1, 0, 1));
        assert_eq!(frags(cx).stats.discarded, 2, "the two queued before it");
        assert_eq!((frags(cx).mem(), frags(cx).queues().count()), (0, 0));
    });
    // The rest of the datagram starts a new queue, which never completes.
    h.pieces(1, &d, &[(1480, 2960)]);
    assert!(h.received().is_empty());
    h.accounted();
}

/// `ip_expire`: after `ipfrag_time` (30 s) a queue goes, `ReasmFails` and
/// `ReasmTimeout`; an ICMP time exceeded (fragment reassembly time
/// exceeded) goes to the source only if the first fragment had come,
/// quoting it, and only once.
#[test]
fn timeout_sends_time_exceeded_once() {
    let mut h = Host::new();
    let (d, _) = udp(3000, 6);
    h.frag(1, 0, true, &d[..1480]); // first fragment seen
    h.frag(2, 1480, true, &d[1480..2960]); // first fragment never seen
    assert_eq!(h.advance(29), 0, "not yet");
    assert!(h.ext.drain_tx().is_empty());
    assert_eq!(h.advance(2), 2);
    h.accounted();
    let tx = h.ext.drain_tx();
    assert_eq!(tx.len(), 1, "one ICMP, for the queue with its first fragment");
    let (ip, icmp) = frames::parse_ipv4_frame(&tx[0]).unwrap();
    assert_eq!((ip.src, ip.dst, ip.protocol), (IP_B, IP_A, 1));
    assert_eq!((icmp[0], icmp[1]), (11, ICMP_EXC_FRAGTIME));
    // The quoted header (cut at 576 bytes with what follows it).
    let id = u16::from_be_bytes([icmp[12], icmp[13]]);
    assert_eq!((id, u16::from_be_bytes([icmp[14], icmp[15]]) & IP_MF), (1, IP_MF), "quotes the first fragment");
    h.cx(|cx| {
        assert_eq!(reasm(cx), (2, 0, 2, 2, 0));
        assert_eq!(mib(cx, IcmpMib::OutTimeExcds), 1);
        assert_eq!((frags(cx).mem(), frags(cx).queues().count()), (0, 0));
    });
    assert_eq!(h.advance(60), 0);
    assert!(h.ext.drain_tx().is_empty(), "sent once");
    // A late fragment of the expired datagram starts over (Linux: a new
    // queue), and is reaped when the next fragment arrives after its time.
    h.frag(1, 1480, true, &d[1480..2960]);
    h.cx(|cx| cx.state_mut::<NeighTable>().unwrap().clock.advance(Duration::from_secs(31)));
    h.frag(3, 0, true, &d[..1480]);
    h.accounted();
    h.cx(|cx| {
        assert_eq!(reasm(cx).3, 3);
        assert_eq!(frags(cx).queues().count(), 1);
    });
}

/// `ipfrag_high_thresh`/`ipfrag_low_thresh` (the 4.16 `inet_frag_worker`):
/// above the high mark the oldest queues are evicted (`ReasmFails`, no
/// `ReasmTimeout`, no ICMP) down to the low mark; memory never exceeds the
/// high mark by more than one fragment. The sysctls are validated as
/// `proc_doulongvec_minmax` with each other as bounds.
#[test]
fn memory_limit_evicts_the_oldest_queues() {
    let mut h = Host::new();
    h.cx(|cx| {
        let f = cx.state_mut::<Ipv4Frags>().unwrap();
        assert_eq!((f.high_thresh(), f.low_thresh(), f.timeout()), (4 << 20, 3 << 20, Duration::from_secs(30)));
        assert_eq!(f.set_high_thresh(1000), Err(Errno::EINVAL), "below low_thresh");
        assert_eq!(f.set_low_thresh(5 << 20), Err(Errno::EINVAL), "above high_thresh");
        assert_eq!(f.set_timeout(-1), Err(Errno::EINVAL));
        f.set_low_thresh(20_000).unwrap();
        f.set_high_thresh(40_000).unwrap();
    });
    let (d, _) = udp(3000, 7);
    let mut max_mem = 0;
    for id in 1..=60u16 {
        h.frag(id, 0, true, &d[..1480]);
        let (mem, one) = h.cx(|cx| {
            let f = frags(cx);
            (f.mem(), f.queues().last().map_or(0, |(_, q)| q.fragments()))
        });
        assert_eq!(one, 1);
        max_mem = max_mem.max(mem);
    }
    h.accounted();
    h.cx(|cx| {
        let f = frags(cx);
        let evicted = f.stats.evicted;
        assert!(evicted > 0, "the limit was reached");
        let per_queue = f.mem() / f.queues().count() as u64;
        assert!(max_mem <= 40_000 + per_queue, "{max_mem} above the high mark by more than a queue");
        let ids: Vec<u16> = f.queues().map(|(k, _)| k.id).collect();
        assert!(ids.contains(&60) && !ids.contains(&1), "the oldest went: {ids:?}");
        assert_eq!(reasm(cx), (60, 0, evicted, 0, 0));
    });
    assert!(h.ext.drain_tx().is_empty(), "no ICMP for an eviction");
    // ipfrag_high_thresh 0: the evictor empties every queue and no
    // fragment is queued (`inet_frag_find`).
    h.cx(|cx| {
        let f = cx.state_mut::<Ipv4Frags>().unwrap();
        f.set_low_thresh(0).unwrap();
        f.set_high_thresh(0).unwrap();
    });
    let (fails, left) = h.cx(|cx| (reasm(cx).2, frags(cx).queues().count() as u64));
    h.frag(99, 0, true, &d[..1480]);
    h.accounted();
    h.cx(|cx| {
        assert_eq!(reasm(cx).2, fails + left + 1, "every queue evicted, then the fragment refused");
        assert_eq!((frags(cx).mem(), frags(cx).queues().count()), (0, 0));
    });
}

/// Bad input refused and counted, as `ip_frag_queue`/`ip_frag_reasm` do:
/// a zero-length fragment, one with `MF` shorter than 8 bytes (nothing is
/// left after rounding down), a last fragment that disagrees with the
/// known end, data beyond the end, and the ping of death (a reassembled
/// length above 65535: `out_oversize`). A non-final fragment whose length
/// is not a multiple of 8 is cut to one (Linux), and the datagram still
/// completes from the next fragment.
#[test]
fn bad_fragments_are_refused_and_counted() {
    let mut h = Host::new();
    let (d, p) = udp(3000, 8);
    h.frag(1, 0, true, &[]);
    h.frag(2, 8, true, &[1, 2, 3, 4, 5]);
    h.cx(|cx| assert_eq!(reasm(cx), (2, 0, 2, 0, 0)));
    // Two different ends.
    h.frag(3, 0, true, &d[..1480]);
    h.frag(3, 2960, false, &d[2960..]);
    h.frag(3, 1480, false, &d[1480..2000]);
    h.cx(|cx| assert_eq!(reasm(cx).2, 3));
    // Beyond the end.
    h.frag(4, 1480, false, &d[1480..2000]);
    h.frag(4, 2000, true, &d[2000..2960]);
    h.cx(|cx| assert_eq!(reasm(cx).2, 4));
    assert!(h.received().is_empty());
    // Unaligned with MF: 1484 bytes kept as 1480, the rest comes after.
    h.frag(5, 0, true, &d[..1484]);
    h.frag(5, 1480, false, &d[1480..]);
    assert_eq!(h.received(), [p]);
    // Ping of death: 8192 units of 8 bytes plus the last fragment's 100.
    let big = vec![0x55u8; 65528 + 100];
    let mut off = 0;
    while off < big.len() {
        let end = (off + 1480).min(big.len());
        h.frag(6, off, end < big.len(), &big[off..end]);
        off = end;
    }
    h.accounted();
    assert!(h.received().is_empty());
    h.cx(|cx| {
        assert_eq!(reasm(cx).2, 5, "one more failure for the whole datagram");
        assert_eq!((frags(cx).mem(), frags(cx).queues().count()), (0, 0));
    });
}

/// Two namespaces joined by veth0 (A, 10.0.0.1/24) — veth1 (B,
/// 10.0.0.2/24), both at `mtu`.
fn pair(k: &Kernel, mtu: u32) -> (NetRef<Pernet>, NetRef<Pernet>) {
    let ns = netgen_stack::namespaces(k).unwrap();
    let (a, b) = (ns.copy_net_ns().unwrap(), ns.copy_net_ns().unwrap());
    dev::veth_pair(&mut a.write(), "veth0", &mut b.write(), "veth1", (MAC_A, MAC_B)).unwrap();
    for (net, name, ip) in [(&a, "veth0", IP_A), (&b, "veth1", IP_B)] {
        with_cx(k, net, |cx| {
            let t = cx.state_mut::<NetDevTables>().unwrap();
            t.ip_link_set_up("lo").unwrap();
            t.ip_link_set_up(name).unwrap();
            t.ip_addr_add(name, ip, 24).unwrap();
            let i = t.get_by_name(name).unwrap().ifindex;
            t.dev_set_mtu(i, mtu).unwrap();
        })
        .unwrap();
    }
    (a, b)
}

fn udp_socket(k: &Kernel, net: &NetRef<Pernet>, port: u16) -> i32 {
    with_cx(k, net, |cx| {
        let fd = sys_socket(cx, PF_INET, SOCK_DGRAM, 0).unwrap();
        sys_bind(cx, fd, &sa(Ipv4Addr::UNSPECIFIED, port)).unwrap();
        fd
    })
    .unwrap()
}

fn recv_one(k: &Kernel, net: &NetRef<Pernet>, fd: i32) -> Option<(Vec<u8>, Option<SockAddr>)> {
    with_cx(k, net, |cx| {
        let mut buf = vec![0u8; 70_000];
        sys_recvfrom(cx, fd, &mut buf, 0).ok().map(|(n, from)| (buf[..n].to_vec(), from))
    })
    .unwrap()
}

/// How many fragments `ip_do_fragment` makes of `tot` bytes (header
/// included) at `mtu`.
fn fragments_of(tot: usize, mtu: usize) -> u64 {
    if tot <= mtu {
        return 0;
    }
    let room = (mtu - 20) & !7;
    (tot - 20).div_ceil(room) as u64
}

/// `ip_fragment` → `ip_do_fragment` on the sender, `ip_defrag` on the
/// peer: UDP datagrams of 1,500 to 65,507 bytes at MTU 576, 1500 and 9000
/// arrive intact both ways (the echo is fragmented by B's stack and
/// reassembled by A's), with `FragOKs`/`FragCreates` on the sender and
/// `ReasmReqds`/`ReasmOKs` on the receiver as Linux counts them.
#[test]
fn udp_datagrams_are_fragmented_and_reassembled_by_the_peer() {
    let sizes = [1500, 1473, 2000, 8000, 9000, 30_000, 65_507];
    for mtu in [576u32, 1500, 9000] {
        let k = boot();
        let (a, b) = pair(&k, mtu);
        let (cli, srv) = (udp_socket(&k, &a, 5000), udp_socket(&k, &b, 7));
        // Resolve the neighbours first (a small datagram and its echo).
        with_cx(&k, &a, |cx| sys_sendto(cx, cli, b"hi", Some(&sa(IP_B, 7)), 0).unwrap()).unwrap();
        settle(&k, &[&a, &b]).unwrap();
        let (hi, from) = recv_one(&k, &b, srv).unwrap();
        with_cx(&k, &b, |cx| sys_sendto(cx, srv, &hi, from.as_ref(), 0).unwrap()).unwrap();
        settle(&k, &[&a, &b]).unwrap();
        assert_eq!(recv_one(&k, &a, cli).map(|r| r.0), Some(b"hi".to_vec()));
        let mut want_frags = 0;
        for (i, &n) in sizes.iter().enumerate() {
            let p = payload(n, i as u8);
            assert_eq!(with_cx(&k, &a, |cx| sys_sendto(cx, cli, &p, Some(&sa(IP_B, 7)), 0)).unwrap(), Ok(n));
            settle(&k, &[&a, &b]).unwrap();
            let (got, from) = recv_one(&k, &b, srv).unwrap_or_else(|| panic!("mtu {mtu}: {n} bytes lost"));
            assert!(got == p, "mtu {mtu}: {n} bytes changed");
            assert_eq!(with_cx(&k, &b, |cx| sys_sendto(cx, srv, &got, from.as_ref(), 0)).unwrap(), Ok(n));
            settle(&k, &[&a, &b]).unwrap();
            let (back, _) = recv_one(&k, &a, cli).unwrap_or_else(|| panic!("mtu {mtu}: echo of {n} lost"));
            assert!(back == p, "mtu {mtu}: echo of {n} changed");
            want_frags += fragments_of(20 + 8 + n, mtu as usize);
        }
        let fragmented = sizes.iter().filter(|&&n| 28 + n > mtu as usize).count() as u64;
        for net in [&a, &b] {
            with_cx(&k, net, |cx| {
                assert_eq!(
                    (mib(cx, IpMib::FragOKs), mib(cx, IpMib::FragCreates), mib(cx, IpMib::FragFails)),
                    (fragmented, want_frags, 0),
                    "mtu {mtu}"
                );
                assert_eq!(reasm(cx), (want_frags, fragmented, 0, 0, 0), "mtu {mtu}");
            })
            .unwrap();
        }
    }
}

/// The frames a host sends on its external device, parsed.
fn sent_ip(ext: &ExternalDev) -> Vec<(Ipv4Header, Vec<u8>)> {
    ext.drain_tx().iter().filter_map(|f| frames::parse_ipv4_frame(f).map(|(h, p)| (h, p.to_vec()))).collect()
}

/// `IP_MTU_DISCOVER` (`__ip_append_data`, `__ip_make_skb`): the default
/// for a UDP socket is `IP_PMTUDISC_WANT` (`ip_no_pmtu_disc` 0): `DF` on a
/// datagram that fits, the others fragmented without it; `DONT` never sets
/// `DF`; `DO` and `PROBE` set it and refuse a datagram above the MTU with
/// `EMSGSIZE` (counted nowhere in the MIB, as in Linux); values above
/// `IP_PMTUDISC_OMIT` are `EINVAL`. With `ip_no_pmtu_disc` set, new
/// sockets start at `DONT`.
#[test]
fn df_follows_ip_mtu_discover() {
    let h = Host::new();
    h.cx(|cx| {
        let fd = h.fd;
        let mut v = [0u8; 4];
        sys_getsockopt(cx, fd, SOL_IP, IP_MTU_DISCOVER, &mut v).unwrap();
        assert_eq!(i32::from_ne_bytes(v), 1, "IP_PMTUDISC_WANT");
        assert_eq!(sys_sendto(cx, fd, &[1; 1472], Some(&sa(IP_A, 9)), 0), Ok(1472));
        assert_eq!(sys_sendto(cx, fd, &[2; 1473], Some(&sa(IP_A, 9)), 0), Ok(1473));
        let sent = sent_ip(&h.ext);
        let flags: Vec<u16> = sent.iter().map(|(ip, _)| ip.frag_off & (IP_DF | IP_MF)).collect();
        assert_eq!(flags, [IP_DF, IP_MF, 0], "fits: DF; too big: two fragments, no DF");
        assert_eq!((mib(cx, IpMib::FragOKs), mib(cx, IpMib::FragCreates)), (1, 2));

        sys_setsockopt(cx, fd, SOL_IP, IP_MTU_DISCOVER, &i32::from(IP_PMTUDISC_DONT).to_ne_bytes()).unwrap();
        sys_sendto(cx, fd, &[3; 100], Some(&sa(IP_A, 9)), 0).unwrap();
        assert_eq!(sent_ip(&h.ext)[0].0.frag_off & IP_DF, 0, "DONT: no DF");

        for mode in [IP_PMTUDISC_DO, IP_PMTUDISC_PROBE] {
            sys_setsockopt(cx, fd, SOL_IP, IP_MTU_DISCOVER, &i32::from(mode).to_ne_bytes()).unwrap();
            assert_eq!(sys_sendto(cx, fd, &[4; 1473], Some(&sa(IP_A, 9)), 0), Err(Errno::EMSGSIZE));
            assert!(h.ext.drain_tx().is_empty());
            sys_sendto(cx, fd, &[5; 1472], Some(&sa(IP_A, 9)), 0).unwrap();
            assert_eq!(sent_ip(&h.ext)[0].0.frag_off & IP_DF, IP_DF);
        }
        assert_eq!(mib(cx, IpMib::FragFails), 0);
        assert_eq!(sys_setsockopt(cx, fd, SOL_IP, IP_MTU_DISCOVER, &6i32.to_ne_bytes()), Err(Errno::EINVAL));

        cx.state_mut::<Ipv4Net>().unwrap().sysctl_ip_no_pmtu_disc = 1;
        let fd2 = sys_socket(cx, PF_INET, SOCK_DGRAM, 0).unwrap();
        sys_getsockopt(cx, fd2, SOL_IP, IP_MTU_DISCOVER, &mut v).unwrap();
        assert_eq!(i32::from_ne_bytes(v), 0, "IP_PMTUDISC_DONT");
    });
}

/// Ping sockets go through `ip_append_data` with the socket's
/// `IP_PMTUDISC_WANT` as Linux's do: an echo request that fits carries
/// `DF`; a 2,000-byte one is fragmented, and the peer's reply (fragmented
/// by its `icmp_reply`, which never sets `DF`) is reassembled.
#[test]
fn ping_sockets_send_with_df() {
    let h = Host::new();
    h.cx(|cx| {
        cx.state_mut::<Ipv4Net>().unwrap().set_ping_group_range(0, 0).unwrap();
        let fd = sys_socket(cx, PF_INET, SOCK_DGRAM, 1).unwrap();
        let req = frames::icmp_echo(0, 1, &[7; 56], false);
        sys_sendto(cx, fd, &req, Some(&sa(IP_A, 0)), 0).unwrap();
        let sent = sent_ip(&h.ext);
        assert_eq!((sent.len(), sent[0].0.protocol, sent[0].0.frag_off), (1, 1, IP_DF));
        let big = frames::icmp_echo(0, 2, &[8; 2000], false);
        sys_sendto(cx, fd, &big, Some(&sa(IP_A, 0)), 0).unwrap();
        let flags: Vec<u16> = sent_ip(&h.ext).iter().map(|(ip, _)| ip.frag_off & (IP_DF | IP_MF)).collect();
        assert_eq!(flags, [IP_MF, 0]);
    });

    // Between two stacks: a 2,000-byte ping and its reply, both fragmented.
    let k = boot();
    let (a, b) = pair(&k, 1500);
    let fd = with_cx(&k, &a, |cx| {
        cx.state_mut::<Ipv4Net>().unwrap().set_ping_group_range(0, 0).unwrap();
        let fd = sys_socket(cx, PF_INET, SOCK_DGRAM, 1).unwrap();
        let req = frames::icmp_echo(0, 1, &[9; 2000], false);
        assert_eq!(sys_sendto(cx, fd, &req, Some(&sa(IP_B, 0)), 0), Ok(req.len()));
        fd
    })
    .unwrap();
    settle(&k, &[&a, &b]).unwrap();
    let (reply, _) = recv_one(&k, &a, fd).expect("the reply");
    assert_eq!((reply[0], reply.len()), (0, 8 + 2000));
    assert!(reply[8..].iter().all(|&x| x == 9));
    with_cx(&k, &b, |cx| {
        assert_eq!((mib(cx, IcmpMib::InEchos), mib(cx, IpMib::ReasmOKs), mib(cx, IpMib::FragOKs)), (1, 1, 1))
    })
    .unwrap();
}

/// An ICMP fragmentation needed from A with next-hop MTU `mtu`, quoting
/// the first 28 bytes of `sent` (an IPv4 packet B sent).
fn frag_needed(sent: &[u8], mtu: u16) -> Vec<u8> {
    let mut m = vec![3, 4, 0, 0, 0, 0];
    m.extend_from_slice(&mtu.to_be_bytes());
    m.extend_from_slice(&sent[..28]);
    let c = frames::internet_checksum(&m);
    m[2..4].copy_from_slice(&c.to_be_bytes());
    frames::ipv4_frame(MAC_A, MAC_B, &Ipv4Header::new(IP_A, IP_B, 1), &m)
}

/// Path MTU discovery (`icmp_unreach` → `udp_err` →
/// `ipv4_sk_update_pmtu` → `__ip_rt_update_pmtu`): a fragmentation needed
/// quoting a datagram the socket sent lowers the MTU of the route to its
/// destination: later datagrams are fragmented to it (or refused by an
/// `IP_PMTUDISC_DO` socket); a larger MTU never raises it; below
/// `ip_rt_min_pmtu` (552) it is 552 and locked (no `DF`); it expires after
/// `ip_rt_mtu_expires` (10 min); `ip_no_pmtu_disc` 2 ignores the message.
/// A raw `IP_HDRINCL` datagram with `DF` above the path MTU (but within
/// the device's) reaches `ip_fragment`: `FragFails`, `EMSGSIZE`.
#[test]
fn path_mtu_is_learned_from_fragmentation_needed() {
    let mut h = Host::new();
    let to_a = sa(IP_A, 9);
    let fd = h.fd;
    let sent = h.cx(|cx| {
        sys_sendto(cx, fd, &[1; 1400], Some(&to_a), 0).unwrap();
        sent_ip(&h.ext)
    });
    assert_eq!((sent.len(), sent[0].0.frag_off), (1, IP_DF));
    let mut quoted = sent[0].0.to_bytes(sent[0].1.len()).to_vec();
    quoted.extend_from_slice(&sent[0].1);
    h.ext.netif_rx_frame(&frag_needed(&quoted, 1000));
    settle(&h.k, &[&h.net]).unwrap();
    h.fed += 1;
    h.accounted();
    let sizes = |h: &Host, n: usize| {
        h.cx(|cx| sys_sendto(cx, fd, &vec![2; n], Some(&to_a), 0).unwrap());
        sent_ip(&h.ext).iter().map(|(ip, p)| (20 + p.len(), ip.frag_off & (IP_DF | IP_MF))).collect::<Vec<_>>()
    };
    assert_eq!(sizes(&h, 1400), [(996, IP_MF), (20 + 1408 - 976, 0)], "fragmented to 1000");
    assert_eq!(sizes(&h, 900), [(928, IP_DF)], "fits: DF");
    h.cx(|cx| {
        let do_ = i32::from(IP_PMTUDISC_DO).to_ne_bytes();
        let s = sys_socket(cx, PF_INET, SOCK_DGRAM, 0).unwrap();
        sys_setsockopt(cx, s, SOL_IP, IP_MTU_DISCOVER, &do_).unwrap();
        assert_eq!(sys_sendto(cx, s, &[3; 1000], Some(&to_a), 0), Err(Errno::EMSGSIZE));
        assert_eq!(sys_sendto(cx, s, &[3; 972], Some(&to_a), 0), Ok(972));
        // IP_PMTUDISC_PROBE sizes against the device, not the path.
        let probe = i32::from(IP_PMTUDISC_PROBE).to_ne_bytes();
        sys_setsockopt(cx, s, SOL_IP, IP_MTU_DISCOVER, &probe).unwrap();
        assert_eq!(sys_sendto(cx, s, &[3; 1400], Some(&to_a), 0), Ok(1400));
        h.ext.drain_tx();
        // IP_HDRINCL with DF above the path MTU: ip_fragment refuses it.
        let raw = sys_socket(cx, PF_INET, 3, 255).unwrap();
        let mut d = Ipv4Header::new(IP_B, IP_A, 17).to_bytes(1180).to_vec();
        d.extend_from_slice(&[4; 1180]);
        assert_eq!(sys_sendto(cx, raw, &d, Some(&to_a), 0), Err(Errno::EMSGSIZE));
        assert_eq!(mib(cx, IpMib::FragFails), 1);
        let mut big = Ipv4Header::new(IP_B, IP_A, 17).to_bytes(1581).to_vec();
        big.extend_from_slice(&[4; 1581]);
        assert_eq!(sys_sendto(cx, raw, &big, Some(&to_a), 0), Err(Errno::EMSGSIZE), "above the device MTU");
        assert_eq!(mib(cx, IpMib::FragFails), 1, "raw_send_hdrinc, before ip_fragment");
    });
    assert!(h.ext.drain_tx().is_empty());
    // A larger MTU does not raise it.
    h.ext.netif_rx_frame(&frag_needed(&quoted, 1400));
    settle(&h.k, &[&h.net]).unwrap();
    assert_eq!(sizes(&h, 1400).len(), 2);
    // Below ip_rt_min_pmtu: 552, locked, so no DF even on what fits.
    h.ext.netif_rx_frame(&frag_needed(&quoted, 300));
    settle(&h.k, &[&h.net]).unwrap();
    assert_eq!(sizes(&h, 500), [(528, 0)]);
    assert_eq!(sizes(&h, 600).len(), 2, "fragmented to 552");
    // Expired after 10 minutes: the device's MTU again.
    h.cx(|cx| cx.state_mut::<NeighTable>().unwrap().clock.advance(Duration::from_secs(601)));
    assert_eq!(sizes(&h, 1400), [(1428, IP_DF)]);
    // ip_no_pmtu_disc 2: fragmentation needed is ignored.
    h.cx(|cx| cx.state_mut::<Ipv4Net>().unwrap().sysctl_ip_no_pmtu_disc = 2);
    h.ext.netif_rx_frame(&frag_needed(&quoted, 1000));
    settle(&h.k, &[&h.net]).unwrap();
    assert_eq!(sizes(&h, 1400), [(1428, IP_DF)]);
    h.fed += 3;
    h.accounted();
}
