//! pcap in and out of a device: frames read from a capture are received by
//! an external device, the stack answers, and what the device transmitted is
//! written to a capture. Where `tshark` is installed, it decodes the stack's
//! output and must find every frame well formed with correct checksums.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use netgen_runtime::dev::NetDevTables;
use netgen_runtime::init::BootOptions;
use netgen_runtime::socket::syscalls::{sys_bind, sys_recvfrom, sys_sendto, sys_socket};
use netgen_runtime::tables::SockAddr;
use netgen_stack::frames::{self, Ipv4Header};
use netgen_stack::pcap::{read_frames, tshark_check, PcapSink};
use netgen_stack::{settle, with_cx};

const MAC_A: [u8; 6] = [0x02, 0, 0, 0, 0, 0x0a];
const MAC_B: [u8; 6] = [0x02, 0, 0, 0, 0, 0x0b];
const IP_A: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const IP_B: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);

/// What host A sends host B: ARP for B, a ping, a datagram to B's echo
/// socket, one to a closed port, and an IP packet of an unknown protocol.
fn input_capture(path: &std::path::Path) {
    let a = SocketAddrV4::new(IP_A, 40000);
    let mut sink = PcapSink::create(path).unwrap();
    let frames = [
        frames::arp_frame(frames::ARPOP_REQUEST, MAC_A, IP_A, [0; 6], IP_B),
        frames::ipv4_frame(MAC_A, MAC_B, &Ipv4Header::new(IP_A, IP_B, 1), &frames::icmp_echo(7, 1, b"ping", false)),
        frames::udp_frame(MAC_A, MAC_B, a, SocketAddrV4::new(IP_B, 7), b"echo me"),
        frames::udp_frame(MAC_A, MAC_B, a, SocketAddrV4::new(IP_B, 9), b"nobody home"),
        frames::ipv4_frame(MAC_A, MAC_B, &Ipv4Header::new(IP_A, IP_B, 99), b"protocol 99"),
    ];
    for (i, f) in frames.iter().enumerate() {
        sink.write_at(Duration::from_millis(i as u64), f).unwrap();
    }
    sink.finish().unwrap();
}

#[test]
fn a_capture_in_a_capture_out_and_tshark_finds_nothing_malformed() {
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in.pcap"), dir.path().join("out.pcap"));
    input_capture(&input);

    let (k, _) = netgen_stack::boot(1, &BootOptions::default());
    let net = netgen_stack::namespaces(&k).unwrap().copy_net_ns().unwrap();
    let (ext, echo) = with_cx(&k, &net, |cx| {
        let t = cx.state_mut::<NetDevTables>().unwrap();
        let ext = t.register_external("eth0", MAC_B, 64).unwrap();
        t.ip_link_set_up("eth0").unwrap();
        t.ip_addr_add("eth0", IP_B, 24).unwrap();
        let fd = sys_socket(cx, 2, 2, 0).unwrap();
        sys_bind(cx, fd, &SockAddr::Inet(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 7))).unwrap();
        (ext, fd)
    })
    .unwrap();

    for (_, f) in read_frames(&input).unwrap() {
        ext.netif_rx_frame(&f);
    }
    settle(&k, &[&net]).unwrap();
    with_cx(&k, &net, |cx| {
        let mut buf = [0u8; 64];
        let (n, from) = sys_recvfrom(cx, echo, &mut buf, 0).unwrap();
        assert_eq!(&buf[..n], b"echo me");
        sys_sendto(cx, echo, &buf[..n], from.as_ref(), 0).unwrap();
    })
    .unwrap();

    let out = ext.drain_tx();
    let mut sink = PcapSink::create(&output).unwrap();
    for f in &out {
        sink.write(f).unwrap();
    }
    sink.finish().unwrap();

    // ARP reply, echo reply, port unreachable, protocol unreachable, the echo.
    let back = read_frames(&output).unwrap();
    assert_eq!(back.len(), 5, "{out:02x?}");
    let arp = frames::parse_arp_frame(&back[0].1).expect("an ARP reply");
    assert_eq!((arp.op, arp.sha, arp.spa, arp.tpa), (frames::ARPOP_REPLY, MAC_B, IP_B, IP_A));
    let reply = frames::parse_icmp_echo_frame(&back[1].1).expect("an echo reply");
    assert_eq!((reply.id, reply.seq, reply.payload, reply.reply), (7, 1, &b"ping"[..], true));
    let (src, dst, data) = frames::parse_udp_frame(&back[4].1).expect("the echo");
    assert_eq!((src, dst, data), (SocketAddrV4::new(IP_B, 7), SocketAddrV4::new(IP_A, 40000), &b"echo me"[..]));

    let protos = match tshark_check(&output) {
        Ok(Some(protos)) => protos,
        Ok(None) => {
            eprintln!("SKIPPED tshark check: tshark is not installed (apt-get install tshark)");
            return;
        }
        Err(e) => panic!("{e}"),
    };
    assert_eq!(
        protos,
        [
            "eth:ethertype:arp",
            "eth:ethertype:ip:icmp:data",
            "eth:ethertype:ip:icmp:ip:udp:data",
            "eth:ethertype:ip:icmp:ip:data",
            "eth:ethertype:ip:udp:echo"
        ],
        "{protos:?}"
    );
}
