//! igb on the software 82576: two namespaces, each with its own device
//! probed through the PCI bus, joined by an in-memory wire. Ping, UDP echo,
//! ring wrap-around, full rings, reset and link faults, and the hardware
//! counters against what was sent and received: every frame has exactly
//! one outcome.

mod common;

use common::sa;

use std::net::{Ipv4Addr, SocketAddrV4};

use netgen_generated::pernet::Pernet;
use netgen_igb::dma::DmaCounts;
use netgen_igb::e1000_82576_model::{with_fcs, ModelOptions, Wire};
use netgen_igb::igb_main::NetdevTx;
use netgen_igb::IgbDriverState;
use netgen_runtime::dev::NetDevTables;
use netgen_runtime::inet::mib::{IcmpMib, Ipv4Mib, UdpMib};
use netgen_runtime::inet::netns_ipv4::Ipv4Net;
use netgen_runtime::netns::NetRef;
use netgen_runtime::skbuff::SkBuff;
use netgen_runtime::socket::syscalls::*;
use netgen_runtime::Errno;
use netgen_stack::frames;
use netgen_stack::igb::Nic;
use netgen_stack::{settle, with_cx, Kernel};

const MAC_A: [u8; 6] = [0x00, 0x1b, 0x21, 0, 0, 0x0a];
const MAC_B: [u8; 6] = [0x00, 0x1b, 0x21, 0, 0, 0x0b];
const IP_A: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const IP_B: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);

fn boot() -> Kernel {
    let k = common::boot();
    assert!(k.has::<IgbDriverState>(), "igb_init_module ran at boot");
    k
}

/// Two namespaces, eth0 in each on its own 82576, one wire between them.
fn pair(k: &mut Kernel, rxd: usize, txd: usize) -> (NetRef<Pernet>, NetRef<Pernet>, Nic, Nic, Wire) {
    let ns = netgen_stack::namespaces(k).unwrap();
    let (a, b) = (ns.copy_net_ns().unwrap(), ns.copy_net_ns().unwrap());
    let mut na = probe(k, 0, MAC_A, &a, ModelOptions::default()).unwrap();
    let mut nb = probe(k, 1, MAC_B, &b, ModelOptions::default()).unwrap();
    na.adapter.igb_open(k, rxd, txd).unwrap();
    nb.adapter.igb_open(k, rxd, txd).unwrap();
    for (net, ip) in [(&a, IP_A), (&b, IP_B)] {
        with_cx(k, net, |cx| {
            let t = cx.state_mut::<NetDevTables>().unwrap();
            t.ip_link_set_up("lo").unwrap();
            assert!(t.get_by_name("eth0").unwrap().is_up(), "igb_open brought eth0 up");
            t.ip_addr_add("eth0", ip, 24).unwrap();
        })
        .unwrap();
    }
    let wire = Wire { a: na.model.clone(), b: nb.model.clone() };
    (a, b, na, nb, wire)
}

fn pump(k: &Kernel, nics: &[&Nic], wire: &Wire, nets: &[&NetRef<Pernet>]) {
    netgen_stack::igb::pump(k, nics, wire, nets).expect("the wire goes quiet");
}

fn probe(k: &mut Kernel, slot: u8, mac: [u8; 6], net: &NetRef<Pernet>, opts: ModelOptions) -> Result<Nic, Errno> {
    netgen_stack::igb::probe_82576(k, slot, mac, net, opts)
}

#[test]
fn probe_reads_the_mac_from_rar0_or_the_eeprom() {
    let mut k = boot();
    let net = netgen_stack::namespaces(&k).unwrap().copy_net_ns().unwrap();
    let nic = probe(&mut k, 0, MAC_A, &net, ModelOptions::default()).unwrap();
    assert_eq!(nic.adapter.mac, MAC_A);
    let eerd = probe(&mut k, 1, MAC_B, &net, ModelOptions { no_mac_autoload: true, ..Default::default() }).unwrap();
    assert_eq!(eerd.adapter.mac, MAC_B, "through EERD");
    with_cx(&k, &net, |cx| {
        let t = cx.state::<NetDevTables>().unwrap();
        assert_eq!(t.get_by_name("eth0").unwrap().dev_addr, MAC_A);
        assert_eq!(t.get_by_name("eth1").unwrap().dev_addr, MAC_B);
    })
    .unwrap();
    assert_eq!(nic.adapter.napi().weight(), 64);
}

#[test]
fn ping_and_udp_echo_between_two_namespaces() {
    let mut k = boot();
    let (a, b, mut na, mut nb, wire) = pair(&mut k, 256, 256);
    let nets = [&a, &b];
    // ping A -> B
    let ping = with_cx(&k, &a, |cx| {
        cx.state_mut::<Ipv4Net>().unwrap().set_ping_group_range(0, 0).unwrap();
        let fd = sys_socket(cx, 2, 2, 1).unwrap();
        let req = frames::icmp_echo(0, 1, b"ping!", false);
        assert_eq!(sys_sendto(cx, fd, &req, Some(&sa(IP_B, 0)), 0), Ok(req.len()));
        fd
    })
    .unwrap();
    pump(&k, &[&na, &nb], &wire, &nets);
    with_cx(&k, &a, |cx| {
        let mut buf = [0u8; 128];
        let (n, from) = sys_recvfrom(cx, ping, &mut buf, 0).unwrap();
        assert_eq!(from, Some(sa(IP_B, 0)));
        assert_eq!((buf[0], &buf[8..n]), (0, &b"ping!"[..]), "an echo reply");
        assert_eq!(cx.state::<Ipv4Mib>().unwrap().get(IcmpMib::InEchoReps), 1);
    })
    .unwrap();

    // UDP echo: A:5000 -> B:7, B sends it back.
    let echo = with_cx(&k, &b, |cx| {
        let fd = sys_socket(cx, 2, 2, 0).unwrap();
        sys_bind(cx, fd, &sa(Ipv4Addr::UNSPECIFIED, 7)).unwrap();
        fd
    })
    .unwrap();
    let client = with_cx(&k, &a, |cx| {
        let fd = sys_socket(cx, 2, 2, 0).unwrap();
        sys_bind(cx, fd, &sa(IP_A, 5000)).unwrap();
        fd
    })
    .unwrap();
    let payloads: Vec<Vec<u8>> = (0..50u32).map(|i| vec![i as u8; if i % 2 == 0 { 18 } else { 1200 }]).collect();
    for p in &payloads {
        with_cx(&k, &a, |cx| sys_sendto(cx, client, p, Some(&sa(IP_B, 7)), 0).unwrap()).unwrap();
        pump(&k, &[&na, &nb], &wire, &nets);
        with_cx(&k, &b, |cx| {
            let mut buf = [0u8; 2048];
            let (n, from) = sys_recvfrom(cx, echo, &mut buf, 0).unwrap();
            sys_sendto(cx, echo, &buf[..n], from.as_ref(), 0).unwrap();
        })
        .unwrap();
        pump(&k, &[&na, &nb], &wire, &nets);
        with_cx(&k, &a, |cx| {
            let mut buf = [0u8; 2048];
            let (n, _) = sys_recvfrom(cx, client, &mut buf, 0).unwrap();
            assert_eq!(&buf[..n], &p[..]);
        })
        .unwrap();
    }
    let rs = na.adapter.ring_stats();
    let ld = |c: &std::sync::atomic::AtomicU64| c.load(std::sync::atomic::Ordering::Relaxed);
    assert!(ld(&rs.rx_copybreak) > 0 && ld(&rs.rx_build_skb) == 25, "small frames copied, 1200-byte ones lent");

    // Hardware counters: what one sent, the other received; no drops.
    let (sa_, sb) = (na.adapter.igb_update_stats(), nb.adapter.igb_update_stats());
    assert_eq!(sa_.gptc, sb.gprc);
    assert_eq!(sb.gptc, sa_.gprc);
    assert_eq!(sa_.gotc, sb.gorc);
    assert_eq!(sb.gotc, sa_.gorc);
    assert_eq!((sa_.tpt, sb.tpr), (sa_.gptc, sb.gprc));
    assert_eq!(sa_.mpc + sb.mpc + sa_.crcerrs + sb.crcerrs + sa_.rnbc + sb.rnbc, 0);
    assert!(sa_.gptc >= 52, "ARP + ping + 50 datagrams: {sa_:?}");
    assert_eq!(ld(&rs.tx_packets), sa_.gptc, "every frame put on the ring was sent and reclaimed");
    assert_eq!(ld(&rs.rx_packets), sa_.gprc, "every frame received went up");
    let dev =
        with_cx(&k, &a, |cx| cx.state::<NetDevTables>().unwrap().get_by_name("eth0").unwrap().get_stats()).unwrap();
    assert_eq!((dev.rx_packets, dev.tx_packets), (sa_.gprc, sa_.gptc));

    na.adapter.igb_close().unwrap();
    nb.adapter.igb_close().unwrap();
    for n in [&na, &nb] {
        assert_eq!(n.dma.counts(), DmaCounts::default(), "nothing left mapped after close");
    }
}

#[test]
fn ring_wrap_around_over_100000_frames() {
    let mut k = boot();
    let (a, b, mut na, mut nb, wire) = pair(&mut k, 64, 64);
    let nets = [&a, &b];
    let server = with_cx(&k, &b, |cx| {
        let fd = sys_socket(cx, 2, 2, 0).unwrap();
        sys_bind(cx, fd, &sa(Ipv4Addr::UNSPECIFIED, 9)).unwrap();
        fd
    })
    .unwrap();
    let client = with_cx(&k, &a, |cx| sys_socket(cx, 2, 2, 0).unwrap()).unwrap();
    // Resolve ARP first: the neighbour queue keeps only the last frames
    // sent to an unresolved address (`unres_qlen`).
    with_cx(&k, &a, |cx| sys_sendto(cx, client, b"warm-up", Some(&sa(IP_B, 10)), 0).unwrap()).unwrap();
    pump(&k, &[&na, &nb], &wire, &nets);
    const N: u32 = 100_000;
    let mut next = 0u32;
    let mut got = 0u32;
    while next < N {
        with_cx(&k, &a, |cx| {
            for _ in 0..32 {
                let len = if next.is_multiple_of(7) { 600 } else { 64 };
                let mut p = vec![0u8; len];
                p[..4].copy_from_slice(&next.to_be_bytes());
                sys_sendto(cx, client, &p, Some(&sa(IP_B, 9)), 0).unwrap();
                next += 1;
            }
        })
        .unwrap();
        pump(&k, &[&na, &nb], &wire, &nets);
        with_cx(&k, &b, |cx| {
            let mut buf = [0u8; 2048];
            while let Ok((n, _)) = sys_recvfrom(cx, server, &mut buf, 0x40) {
                assert_eq!(u32::from_be_bytes(buf[..4].try_into().unwrap()), got, "in order");
                assert_eq!(n, if got.is_multiple_of(7) { 600 } else { 64 });
                got += 1;
            }
        })
        .unwrap();
    }
    assert_eq!(got, N, "every datagram arrived");
    let (sa_, sb) = (na.adapter.igb_update_stats(), nb.adapter.igb_update_stats());
    assert_eq!(sb.gprc, sa_.gptc);
    assert!(sb.gprc > u64::from(N), "ARP too");
    assert_eq!(sb.mpc, 0);
    with_cx(&k, &b, |cx| assert_eq!(cx.state::<Ipv4Mib>().unwrap().get(UdpMib::InDatagrams), u64::from(N))).unwrap();
    na.adapter.igb_close().unwrap();
    nb.adapter.igb_close().unwrap();
}

#[test]
fn a_full_ring_drops_and_counts_every_frame() {
    let mut k = boot();
    let (a, b, mut na, nb, _wire) = pair(&mut k, 16, 16);
    // RX: 40 frames arrive while nobody polls; 15 descriptors are free
    // (one stays unused, igb_desc_unused); the rest are missed.
    let f = frames::udp_frame(MAC_B, MAC_A, SocketAddrV4::new(IP_B, 1), SocketAddrV4::new(IP_A, 9), &[7; 18]);
    let taken = (0..40).filter(|_| na.model.receive_frame(&with_fcs(&f))).count();
    assert_eq!(taken, 15);
    // Bad frames: a broken FCS, a runt.
    let mut bad = with_fcs(&f);
    *bad.last_mut().unwrap() ^= 1;
    assert!(!na.model.receive_frame(&bad));
    assert!(!na.model.receive_frame(&with_fcs(&f[..20])));
    assert!(na.adapter.irq_pending());
    na.adapter.igb_irq(&k, 0).unwrap();
    settle(&k, &[&a, &b]).unwrap();
    let s = na.adapter.igb_update_stats();
    assert_eq!((s.gprc, s.mpc, s.rnbc, s.crcerrs, s.ruc, s.tpr), (15, 25, 25, 1, 1, 42));
    let dev =
        with_cx(&k, &a, |cx| cx.state::<NetDevTables>().unwrap().get_by_name("eth0").unwrap().get_stats()).unwrap();
    assert_eq!((dev.rx_packets, dev.rx_missed_errors), (15, 25));

    // TX: nobody cleans the ring; igb_xmit_frame is busy past 16 - 4.
    let mut busy = 0;
    for _ in 0..20 {
        let skb = SkBuff::from_frame(&f, na.adapter.ifindex);
        match na.adapter.napi().poll_state().igb_xmit_frame(skb) {
            NetdevTx::Ok => {}
            NetdevTx::Busy(skb) => {
                assert_eq!(skb.len(), f.len(), "the frame comes back whole");
                busy += 1;
            }
        }
    }
    assert_eq!(busy, 8);
    assert_eq!(na.adapter.ring_stats().tx_busy.load(std::sync::atomic::Ordering::Relaxed), 8);
    assert_eq!(na.model.take_wire_frames().len(), 12);
    drop(nb);
}

#[test]
fn a_device_that_never_finishes_reset_fails_probe_and_is_counted() {
    let mut k = boot();
    let net = netgen_stack::namespaces(&k).unwrap().copy_net_ns().unwrap();
    let r = probe(&mut k, 0, MAC_A, &net, ModelOptions { never_finish_reset: true, ..Default::default() });
    assert_eq!(r.err(), Some(Errno::EIO));
    assert_eq!(k.get::<IgbDriverState>().unwrap().reset_timeouts, 1);
    assert!(k.log().iter().any(|l| l.contains("Hardware Initialization Failure")));
    with_cx(&k, &net, |cx| assert!(cx.state::<NetDevTables>().unwrap().get_by_name("eth0").is_none())).unwrap();
}

#[test]
fn a_link_that_never_comes_up_fails_open_and_is_counted() {
    let mut k = boot();
    let net = netgen_stack::namespaces(&k).unwrap().copy_net_ns().unwrap();
    let mut nic = probe(&mut k, 0, MAC_A, &net, ModelOptions { link_never_up: true, ..Default::default() }).unwrap();
    assert_eq!(nic.adapter.igb_open(&mut k, 64, 64), Err(Errno::EIO));
    assert_eq!(k.get::<IgbDriverState>().unwrap().link_timeouts, 1);
    assert_eq!(nic.dma.counts(), DmaCounts::default(), "rings and buffers freed");
    with_cx(&k, &net, |cx| assert!(!cx.state::<NetDevTables>().unwrap().get_by_name("eth0").unwrap().is_up())).unwrap();
    // Frames arriving on a device that is down are dropped by the model.
    let f = frames::udp_frame(MAC_B, MAC_A, SocketAddrV4::new(IP_B, 1), SocketAddrV4::new(IP_A, 9), &[0; 18]);
    assert!(!nic.model.receive_frame(&with_fcs(&f)));
    assert_eq!(nic.model.stats().rx_filtered, 1);
    assert_eq!(nic.adapter.igb_close(), Err(Errno::EINVAL), "not open");
}
