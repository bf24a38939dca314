//! Receiving on two threads into one namespace while a third changes what
//! receives: registers and removes a run-time IP protocol handler
//! (`inet_add_protocol` / `inet_del_protocol`) and creates and closes
//! sockets. What must hold, as in Linux, where `inet_del_protocol`'s
//! callers run `synchronize_net()` before the handler's module goes away:
//!
//! * no crash;
//! * every datagram to the socket that stays open arrives exactly once;
//! * once `inet_del_protocol` returned, the removed handler is not running
//!   and is not called again (the handler checks a flag the remover sets
//!   right after removal returned);
//! * the counters are exact: `InDelivers` is what reached the socket plus
//!   what the handler took, `InUnknownProtos` is every frame of the
//!   handler's protocol that arrived while it was not registered.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use netgen_generated::pernet::Pernet;
use netgen_runtime::dev::{dev_add_pack, dev_remove_pack, netif_receive_frames, NetDevTables, PacketType};
use netgen_runtime::inet::mib::{IpMib, Ipv4Mib, UdpMib};
use netgen_runtime::inet::{inet_add_protocol, inet_del_protocol, NetProtocol};
use netgen_runtime::init::BootOptions;
use netgen_runtime::skbuff::SkBuff;
use netgen_runtime::sock::sk::{MSG_DONTWAIT, SOL_SOCKET, SO_RCVBUF};
use netgen_runtime::socket::syscalls::{sys_bind, sys_close, sys_recvmmsg, sys_setsockopt, sys_socket, MMsgHdr};
use netgen_runtime::socket::{PF_INET, SOCK_DGRAM, SOCK_NONBLOCK};
use netgen_runtime::tables::{InetProtocolDesc, NetCx, NetRx, PacketTypeDesc, ProtoSpec, SockAddr};
use netgen_stack::frames::{self, Ipv4Header, Mac};

const HOST_MAC: Mac = [0x02, 0, 0, 0, 0, 0x02];
const PEER_MAC: Mac = [0x02, 0, 0, 0, 0, 0x01];
const HOST_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);
const PEER_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const PORT: u16 = 7;

/// Batches each receiving thread feeds, and datagrams per batch (plus one
/// frame of the run-time protocol per batch).
const BATCHES: usize = 300;
const PER_BATCH: usize = 16;

/// An IP protocol number the spec leaves free (experimental, RFC 3692),
/// picked at compile time, so a spec edit claiming one cannot break this.
const PROTO: u8 = if !InetProtocolDesc::claimed(<Pernet as ProtoSpec>::INET_PROTOCOLS, 254) { 254 } else { 253 };

/// An ethertype the spec leaves free (IEEE 802's local experimental ones).
const ETH_P_EXP: u16 =
    if !PacketTypeDesc::claimed(<Pernet as ProtoSpec>::PACKET_TYPES, 0x88b5) { 0x88b5 } else { 0x88b6 };

/// Set right after `inet_del_protocol` returned, cleared before the next
/// `inet_add_protocol`.
static REMOVED: AtomicBool = AtomicBool::new(true);
/// Calls of the handler, and calls after its removal had returned.
static CALLS: AtomicU64 = AtomicU64::new(0);
static CALLS_AFTER_REMOVAL: AtomicU64 = AtomicU64::new(0);

fn exp_rcv(_cx: &mut NetCx<'_, Pernet>, _skb: SkBuff) -> NetRx {
    CALLS.fetch_add(1, Ordering::SeqCst);
    if REMOVED.load(Ordering::SeqCst) {
        CALLS_AFTER_REMOVAL.fetch_add(1, Ordering::SeqCst);
        return NetRx::Success;
    }
    // Long enough for a remover that did not wait to have returned
    // meanwhile: then the check below, made after it, sees the flag.
    for _ in 0..2_000 {
        std::hint::spin_loop();
    }
    if REMOVED.load(Ordering::SeqCst) {
        CALLS_AFTER_REMOVAL.fetch_add(1, Ordering::SeqCst);
    }
    NetRx::Success
}

/// `dev_remove_pack`'s counterparts of `REMOVED`, `CALLS` and
/// `CALLS_AFTER_REMOVAL`.
static PT_REMOVED: AtomicBool = AtomicBool::new(true);
static PT_CALLS: AtomicU64 = AtomicU64::new(0);
static PT_CALLS_AFTER_REMOVAL: AtomicU64 = AtomicU64::new(0);

fn exp_pack_rcv(_cx: &mut NetCx<'_, Pernet>, _skb: SkBuff) -> NetRx {
    PT_CALLS.fetch_add(1, Ordering::SeqCst);
    if PT_REMOVED.load(Ordering::SeqCst) {
        PT_CALLS_AFTER_REMOVAL.fetch_add(1, Ordering::SeqCst);
        return NetRx::Success;
    }
    for _ in 0..2_000 {
        std::hint::spin_loop();
    }
    if PT_REMOVED.load(Ordering::SeqCst) {
        PT_CALLS_AFTER_REMOVAL.fetch_add(1, Ordering::SeqCst);
    }
    NetRx::Success
}

/// The datagram `seq` of thread `t`: its payload names both.
fn payload(t: usize, seq: usize) -> [u8; 8] {
    let mut p = [0u8; 8];
    p[..4].copy_from_slice(&(t as u32).to_be_bytes());
    p[4..].copy_from_slice(&(seq as u32).to_be_bytes());
    p
}

#[test]
fn two_receivers_and_a_registrar_share_one_namespace() {
    let (kernel, report) = netgen_stack::boot(2, &BootOptions::default());
    assert!(report.all_ok(), "{:?}", kernel.log());
    let ns = netgen_stack::namespaces(&kernel).expect("namespaces");
    let net = ns.init_net();
    let (ifindex, fd) = {
        let mut guard = net.write();
        let mut cx = NetCx::new(&kernel, &mut guard, 0);
        let devs = cx.state_mut::<NetDevTables>().expect("device tables");
        let ifindex = devs.register_external("eth0", HOST_MAC, 1000).expect("eth0").ifindex;
        devs.inet_addr_add(ifindex, HOST_IP, 24).expect("address");
        devs.dev_open(ifindex).expect("up");
        let fd = sys_socket(&mut cx, i32::from(PF_INET), i32::from(SOCK_DGRAM) | SOCK_NONBLOCK, 0).expect("socket");
        let rcvbuf = (1i32 << 24).to_ne_bytes();
        sys_setsockopt(&mut cx, fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf).expect("SO_RCVBUF");
        sys_bind(&mut cx, fd, &SockAddr::Inet(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, PORT))).expect("bind");
        (ifindex, fd)
    };
    let exp_frame = frames::ipv4_frame(PEER_MAC, HOST_MAC, &Ipv4Header::new(PEER_IP, HOST_IP, PROTO), &[0; 8]);
    let mut pack_frame = [0u8; 60];
    pack_frame[..6].copy_from_slice(&HOST_MAC);
    pack_frame[6..12].copy_from_slice(&PEER_MAC);
    pack_frame[12..14].copy_from_slice(&ETH_P_EXP.to_be_bytes());
    let pack_frame = &pack_frame;
    let received = Mutex::new(Vec::<[u8; 8]>::new());
    let receivers_done = AtomicU64::new(0);
    // Receivers start once the registrar is at work, so the two overlap.
    let registrar_started = AtomicBool::new(false);
    let (mut registrations, mut sockets) = (0u64, 0u64);

    std::thread::scope(|s| {
        for t in 0..2 {
            let (kernel, net, received, done, exp_frame) = (&kernel, &net, &received, &receivers_done, &exp_frame);
            let started = &registrar_started;
            s.spawn(move || {
                while !started.load(Ordering::SeqCst) {
                    std::thread::yield_now();
                }
                let (src, dst) = (SocketAddrV4::new(PEER_IP, 5000 + t as u16), SocketAddrV4::new(HOST_IP, PORT));
                let mut skbs = Vec::new();
                let mut bufs = vec![[0u8; 64]; PER_BATCH + 1];
                let mut got = Vec::new();
                for b in 0..BATCHES {
                    for i in 0..PER_BATCH {
                        let f = frames::udp_frame(PEER_MAC, HOST_MAC, src, dst, &payload(t, b * PER_BATCH + i));
                        skbs.push(SkBuff::from_frame(&f, ifindex));
                    }
                    skbs.push(SkBuff::from_frame(exp_frame, ifindex));
                    skbs.push(SkBuff::from_frame(pack_frame, ifindex));
                    let mut guard = net.write();
                    let mut cx = NetCx::new(kernel, &mut guard, t);
                    netif_receive_frames(&mut cx, ifindex, &mut skbs);
                    // Read on this core too: whatever is queued, from
                    // either thread.
                    loop {
                        let mut msgs: Vec<MMsgHdr<'_>> = bufs.iter_mut().map(|b| MMsgHdr::new(&mut b[..])).collect();
                        let Ok(n) = sys_recvmmsg(&mut cx, fd, &mut msgs, MSG_DONTWAIT) else { break };
                        got.extend(msgs[..n].iter().map(|m| {
                            assert_eq!(m.msg_len, 8, "datagram length");
                            <[u8; 8]>::try_from(&m.buf[..8]).expect("8 bytes")
                        }));
                    }
                }
                received.lock().expect("no panic while holding it").extend(got);
                done.fetch_add(1, Ordering::SeqCst);
            });
        }
        // The registrar: handler in and out, sockets made and closed,
        // until both receivers are done.
        let prot = NetProtocol::<Pernet>::dynamic("exp_protocol", exp_rcv, None);
        let pack = PacketType::<Pernet>::dynamic(ETH_P_EXP, "exp_packet_type", exp_pack_rcv);
        while receivers_done.load(Ordering::SeqCst) < 2 {
            REMOVED.store(false, Ordering::SeqCst);
            inet_add_protocol(&kernel, prot.clone(), PROTO).expect("slot free");
            registrar_started.store(true, Ordering::SeqCst);
            std::thread::yield_now();
            inet_del_protocol(&kernel, &prot, PROTO).expect("still ours");
            REMOVED.store(true, Ordering::SeqCst);
            PT_REMOVED.store(false, Ordering::SeqCst);
            dev_add_pack(&kernel, pack.clone()).expect("not registered yet");
            std::thread::yield_now();
            dev_remove_pack(&kernel, &pack).expect("registered");
            PT_REMOVED.store(true, Ordering::SeqCst);
            registrations += 1;
            let mut guard = net.write();
            let mut cx = NetCx::new(&kernel, &mut guard, 0);
            let other = sys_socket(&mut cx, i32::from(PF_INET), i32::from(SOCK_DGRAM), 0).expect("socket");
            sys_bind(&mut cx, other, &SockAddr::Inet(SocketAddrV4::new(HOST_IP, 9000))).expect("bind 9000");
            sys_close(&mut cx, other).expect("close");
            sockets += 1;
        }
    });

    let total = 2 * BATCHES * PER_BATCH;
    let mut got = received.into_inner().expect("receivers did not panic");
    got.sort_unstable();
    let mut want: Vec<[u8; 8]> = (0..2).flat_map(|t| (0..BATCHES * PER_BATCH).map(move |i| payload(t, i))).collect();
    want.sort_unstable();
    assert_eq!(got.len(), total, "every datagram once, none lost or duplicated");
    assert_eq!(got, want);
    assert_eq!(CALLS_AFTER_REMOVAL.load(Ordering::SeqCst), 0, "the handler ran after inet_del_protocol returned");
    assert_eq!(PT_CALLS_AFTER_REMOVAL.load(Ordering::SeqCst), 0, "the packet type ran after dev_remove_pack returned");
    assert!(registrations > 0 && sockets > 0, "the registrar ran ({registrations} registrations, {sockets} sockets)");

    let calls = CALLS.load(Ordering::SeqCst);
    let guard = net.read();
    let mibs = guard.get::<Ipv4Mib>().expect("MIB");
    let mib = |c: IpMib| mibs.get(c);
    let exp_frames = (2 * BATCHES) as u64;
    assert_eq!(mib(IpMib::InPkts), total as u64 + exp_frames);
    assert_eq!(mib(IpMib::InDelivers), total as u64 + calls, "datagrams delivered plus the handler's frames");
    assert_eq!(mib(IpMib::InUnknownProtos), exp_frames - calls, "the handler's frames that found no handler");
    assert_eq!(mibs.get(UdpMib::InDatagrams), total as u64);
    let pt_calls = PT_CALLS.load(Ordering::SeqCst);
    let devs = guard.get::<NetDevTables>().expect("device tables");
    let eth0 = devs.get_by_index(ifindex).expect("eth0");
    assert_eq!(eth0.stats.rx_dropped, exp_frames - pt_calls, "the packet type's frames that found no handler");
    eprintln!(
        "{total} datagrams delivered once each; handler called {calls} times of {exp_frames}, packet type \
         {pt_calls}; {registrations} registrations of each and {sockets} sockets meanwhile"
    );
}
