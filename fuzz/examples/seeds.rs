//! Writes the seed corpora under `fuzz/seeds/TARGET/` (checked in):
//!
//! ```sh
//! cargo +nightly run --manifest-path fuzz/Cargo.toml --example seeds
//! ```
//!
//! * `spec_one_file`: each file of `spec/` and the whole spec in one file;
//! * `spec_includes`: the real spec as its six files, the same with the
//!   included files in `spec/sub/`, an include cycle, a missing include, a
//!   file included twice, a slice of a real file;
//! * `rx_frames`: frames built with `netgen_stack::frames` (UDP to the bound
//!   and a closed port, ping, TCP, IGMP, an unknown protocol, ARP request and
//!   reply, a flood of UDP to the bound socket, ARP requests from 16 hosts);
//! * `socket_calls`: UDP over loopback (bind, send, receive), a raw and a
//!   ping socket, packet sockets, socket options, a TCP socket.
//!
//! The structured seeds are decoded again with `arbitrary` and compared, so
//! a seed always means what it says here.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::path::{Path, PathBuf};

use arbitrary::{Arbitrary, Unstructured};
use netgen_fuzz::arb::{encode, Encode};
use netgen_fuzz::calls::{Addr, Call, FdSel, Ip, Num, OptVal, Port};
use netgen_fuzz::includes::{self, Body, File, Form, Include, Input, Name, REAL};
use netgen_fuzz::{encode_rx, RxRecord};
use netgen_stack::frames::{self, Ipv4Header};

fn out(target: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds").join(target);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Writes `v`'s encoding after checking that it decodes to `v`.
fn structured<T>(dir: &Path, name: &str, v: &T)
where
    T: Encode + for<'a> Arbitrary<'a> + PartialEq + std::fmt::Debug,
{
    let bytes = encode(v);
    let back = T::arbitrary_take_rest(Unstructured::new(&bytes)).expect("decodes");
    assert_eq!(&back, v, "seed {name} does not decode to itself");
    std::fs::write(dir.join(name), bytes).unwrap();
}

fn spec_one_file() {
    let d = out("spec_one_file");
    for (name, text) in REAL {
        std::fs::write(d.join(name), text).unwrap();
    }
    // Everything but the root's includes: what `compile_str` accepts whole.
    let whole: String = REAL[1..].iter().map(|(_, t)| *t).collect::<Vec<_>>().join("\n");
    let c = netgen::compile_str("spec/fuzz.ng", &whole);
    assert!(!c.has_errors(), "{}", c.render_diagnostics());
    std::fs::write(d.join("whole.ng"), whole).unwrap();
}

fn file(real: u8, sub: bool, includes: Vec<Include>) -> File {
    File { name: Name::Real(real), sub, body: Body::Real(real), includes }
}

fn inc(target: u8, form: Form) -> Include {
    Include { target, before_line: 0, form }
}

fn spec_includes() {
    let d = out("spec_includes");
    let real = Input { files: (0..6).map(|i| file(i, false, vec![])).collect() };
    // The real spec must compile: the seed reaches the emitter.
    let dir = tempfile::tempdir().unwrap();
    let c = netgen::compile(&includes::write(&real, dir.path()).unwrap());
    assert!(!c.has_errors(), "{}", c.render_diagnostics());
    structured(&d, "real", &real);
    // The root with its own includes removed, including files in sub/.
    let mut root =
        file(0, false, (1..6).map(|t| inc(t, if t % 2 == 0 { Form::DotSlash } else { Form::Relative })).collect());
    root.body = Body::Text("// the root\n".into());
    let sub = Input { files: std::iter::once(root).chain((1..6).map(|i| file(i, true, vec![]))).collect() };
    structured(&d, "sub", &sub);
    let numbered = |n: u8, text: &str, includes| File {
        name: Name::Numbered(n),
        sub: false,
        body: Body::Text(text.into()),
        includes,
    };
    let cycle = Input {
        files: vec![
            numbered(0, "levels { core @ 1; }\n", vec![inc(1, Form::Relative)]),
            numbered(1, "resource R;\n", vec![inc(0, Form::Absolute)]),
        ],
    };
    structured(&d, "cycle", &cycle);
    let missing = Input { files: vec![numbered(0, "const N = 1;\n", vec![inc(0, Form::Raw("missing.ng".into()))])] };
    structured(&d, "missing", &missing);
    let twice = Input {
        files: vec![numbered(0, "", vec![inc(1, Form::Relative), inc(1, Form::DotSlash)]), file(1, false, vec![])],
    };
    structured(&d, "twice", &twice);
    let slice = Input {
        files: vec![File {
            name: Name::Raw("slice.ng".into()),
            sub: false,
            body: Body::RealSlice { which: 5, from: 0, to: 2000 },
            includes: vec![],
        }],
    };
    structured(&d, "slice", &slice);
}

fn rx_frames() {
    let d = out("rx_frames");
    let mac_a = [0x02, 0, 0, 0, 0, 0x0a];
    let mac_b = [0x02, 0, 0, 0, 0, 0x0b];
    let (ip_a, ip_b) = (Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2));
    let a = SocketAddrV4::new(ip_a, 5000);
    let ip = |proto| Ipv4Header::new(ip_a, ip_b, proto);
    let one = |name: &str, f: Vec<u8>| std::fs::write(d.join(name), encode_rx(&[RxRecord::once(f)])).unwrap();
    one("udp_bound", frames::udp_frame(mac_a, mac_b, a, SocketAddrV4::new(ip_b, 7), b"to the bound socket"));
    one("udp_closed", frames::udp_frame(mac_a, mac_b, a, SocketAddrV4::new(ip_b, 9), b"to a closed port"));
    one("ping", frames::ipv4_frame(mac_a, mac_b, &ip(1), &frames::icmp_echo(1, 1, b"ping", false)));
    one("tcp", frames::ipv4_frame(mac_a, mac_b, &ip(6), &[0; 20]));
    one("igmp", frames::ipv4_frame(mac_a, mac_b, &ip(2), &[0x11, 0, 0xee, 0xff, 0, 0, 0, 0]));
    one("unknown_protocol", frames::ipv4_frame(mac_a, mac_b, &ip(99), b"unknown protocol"));
    one("arp_request", frames::arp_frame(frames::ARPOP_REQUEST, mac_a, ip_a, [0; 6], ip_b));
    one("arp_reply", frames::arp_frame(frames::ARPOP_REPLY, mac_a, ip_a, mac_b, ip_b));
    // 256 datagrams to the bound socket, from 256 source MACs (the word at 8
    // is the end of the source MAC: no checksum covers it).
    let flood = RxRecord {
        copies: 256,
        bump_at: 8,
        frame: frames::udp_frame(mac_a, mac_b, a, SocketAddrV4::new(ip_b, 7), &[0x55; 1024]),
    };
    std::fs::write(d.join("udp_flood"), encode_rx(&[flood])).unwrap();
    // ARP requests for 10.0.0.2 from 10.0.0.1, .2, ... (sender address at 28).
    let hosts = RxRecord {
        copies: 16,
        bump_at: 28,
        frame: frames::arp_frame(frames::ARPOP_REQUEST, mac_a, ip_a, [0; 6], ip_b),
    };
    std::fs::write(d.join("arp_hosts"), encode_rx(&[hosts])).unwrap();
    // Every kind in one input.
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&d).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    let mixed: Vec<RxRecord> = paths
        .iter()
        .flat_map(|p| netgen_fuzz::parse_rx(&std::fs::read(p).unwrap()))
        .filter(|r| r.copies == 1)
        .collect();
    std::fs::write(d.join("mixed"), encode_rx(&mixed)).unwrap();
}

fn socket_calls() {
    let d = out("socket_calls");
    let known = |i: u8| Num::Known(i);
    // Indices into the tables of `netgen_fuzz::calls`.
    let (inet, packet) = (known(0), known(1));
    let (dgram, raw, stream) = (known(0), known(1), known(2));
    let socket = |family, type_, protocol| Call::Socket { family, type_, protocol };
    let fd = FdSel::Opened;
    let lo = |port: Port| Addr::Inet(Ip::Loopback, port);
    let (local, neighbour) = (Ipv4Addr::new(10, 0, 0, 2), Ipv4Addr::new(10, 0, 0, 1));
    let echo = frames::icmp_echo(7, 1, b"seed", false);
    let udp = vec![
        socket(inet, dgram, known(0)),
        Call::Bind { fd: fd(0), addr: lo(Port::Echo) },
        socket(inet, dgram, known(0)),
        Call::Sendto { fd: fd(1), head: vec![], len: 64, byte: 0x61, to: Some(lo(Port::Echo)), flags: known(0) },
        Call::Recvfrom { fd: fd(0), len: 128, flags: known(0) },
        Call::Connect { fd: fd(1), addr: lo(Port::Echo) },
        Call::Sendto { fd: fd(1), head: vec![], len: 8, byte: 0x62, to: None, flags: known(0) },
        Call::Getsockname { fd: fd(1) },
        Call::Getpeername { fd: fd(1) },
        Call::Recvfrom { fd: fd(0), len: 4, flags: known(2) },
        Call::Close { fd: fd(0) },
    ];
    structured(&d, "udp_loopback", &udp);
    let raw_ping = vec![
        socket(inet, raw, known(1)),
        socket(inet, dgram, known(1)),
        Call::Sendto { fd: fd(1), head: echo.clone(), len: 0, byte: 0, to: Some(lo(Port::Zero)), flags: known(0) },
        Call::Softirq,
        Call::Recvfrom { fd: fd(0), len: 256, flags: known(0) },
        Call::Recvfrom { fd: fd(1), len: 256, flags: known(0) },
        Call::Setsockopt { fd: fd(0), level: known(1), name: known(1), val: OptVal::Int(1) },
        // IP_HDRINCL: the datagram with its own header.
        Call::Sendto {
            fd: fd(0),
            head: frames::ipv4_frame([0; 6], [0; 6], &Ipv4Header::new(local, neighbour, 1), &echo)[14..].to_vec(),
            len: 0,
            byte: 0,
            to: Some(Addr::Inet(Ip::Neighbour, Port::Zero)),
            flags: known(0),
        },
    ];
    structured(&d, "raw_ping", &raw_ping);
    let packets = vec![
        socket(packet, raw, known(7)),
        socket(packet, dgram, known(9)),
        Call::Bind { fd: fd(0), addr: Addr::Packet { protocol: known(7), ifindex: 2 } },
        socket(inet, dgram, known(0)),
        Call::Sendto {
            fd: fd(2),
            head: vec![],
            len: 32,
            byte: 1,
            to: Some(Addr::Inet(Ip::Neighbour, Port::Echo)),
            flags: known(0),
        },
        // An ARP request as the raw packet socket's frame.
        Call::Sendto {
            fd: fd(0),
            head: frames::arp_frame(frames::ARPOP_REQUEST, [2, 0, 0, 0, 0, 0x0b], local, [0; 6], neighbour),
            len: 0,
            byte: 0,
            to: Some(Addr::Packet { protocol: known(8), ifindex: 2 }),
            flags: known(0),
        },
        Call::Recvfrom { fd: fd(0), len: 1500, flags: known(0) },
    ];
    structured(&d, "packet", &packets);
    let options = vec![
        socket(inet, dgram, known(0)),
        Call::Setsockopt { fd: fd(0), level: known(0), name: known(5), val: OptVal::Known(known(6)) },
        Call::Getsockopt { fd: fd(0), level: known(0), name: known(5), len: 4 },
        Call::Setsockopt { fd: fd(0), level: known(0), name: known(7), val: OptVal::Dev(true) },
        Call::Setsockopt { fd: fd(0), level: known(1), name: known(0), val: OptVal::Int(32) },
        Call::Getsockopt { fd: fd(0), level: known(0), name: known(2), len: 4 },
        Call::Setsockopt { fd: fd(0), level: known(0), name: known(3), val: OptVal::Bytes(vec![1, 0]) },
        Call::Ioctl { fd: fd(0), cmd: known(0), arg: 0 },
        Call::Poll { fd: fd(0) },
    ];
    structured(&d, "options", &options);
    let tcp = vec![
        socket(inet, stream, known(0)),
        Call::Bind { fd: fd(0), addr: Addr::Inet(Ip::Unspecified, Port::Low(0)) },
        socket(inet, stream, known(3)),
        Call::Bind { fd: fd(1), addr: Addr::Inet(Ip::Local, Port::Low(0)) },
        Call::Listen { fd: fd(0), backlog: 8 },
        Call::Accept { fd: fd(0), flags: 0 },
        Call::Connect { fd: fd(1), addr: lo(Port::Low(0)) },
        Call::Shutdown { fd: fd(1), how: 2 },
    ];
    structured(&d, "tcp", &tcp);
}

fn main() {
    spec_one_file();
    spec_includes();
    rx_frames();
    socket_calls();
    println!("seeds written under {}/seeds", env!("CARGO_MANIFEST_DIR"));
}
