//! Bad input from the wire: Linux's side floods the stack over a TAP
//! device through an AF_PACKET socket in its namespace (1,000,000 frames as
//! fast as it can: `NETGEN_TAP_FLOOD=N` changes the count) with a mix of
//! good UDP datagrams, frames for other MACs, truncated, malformed and
//! oversized frames and an unknown ethertype, while `ping` runs. Checked:
//! every frame the stack read has exactly one outcome (delivered, or one
//! drop counter), what Linux transmitted is what the stack read, memory
//! stays bounded (the peak is printed), and pings are answered during the
//! flood.
//!
//! Needs root, `/dev/net/tun`, iproute2 and `ping`; without them it prints
//! why and passes.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use netgen_generated::pernet::Pernet;
use netgen_runtime::dev::NetDevTables;
use netgen_runtime::inet::arp::NeighTable;
use netgen_runtime::inet::mib::Ipv4Mib;
use netgen_runtime::init::BootOptions;
use netgen_runtime::sock::sk::Sockets;
use netgen_runtime::socket::syscalls::{sys_bind, sys_recvmmsg, sys_socket, MMsgHdr};
use netgen_runtime::tables::{RxOutcome, RxOutcomes, SockAddr};
use netgen_stack::frames::{self, Ipv4Header};
use netgen_stack::linux;
use netgen_stack::tap::{TapLink, LINUX_IP, STACK_IP, STACK_MAC, TAP_NAME};
use netgen_stack::{with_cx, Cx};
use netgen_tap::{serve, ServeCtl, TAP_NAPI_WEIGHT};
use stats_alloc::{StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

/// Bytes allocated and not yet freed by the whole process.
fn live_bytes() -> i64 {
    let s = GLOBAL.stats();
    s.bytes_allocated as i64 - s.bytes_deallocated as i64 + s.bytes_reallocated as i64
}

/// The port the flood's good datagrams go to (a socket drained each round).
const SINK_PORT: u16 = 9;

/// Every terminal counter of the namespace, summed by outcome (as
/// tests/rx_fuzz.rs counts them), plus what the sink drained.
fn outcomes(cx: &Cx<'_>, drained: u64) -> RxOutcomes {
    let mut o = cx.state::<Ipv4Mib>().unwrap().rx_outcomes();
    for d in cx.state::<NetDevTables>().unwrap().devices() {
        o += d.get_stats().rx_outcomes();
    }
    o += cx.state::<NeighTable>().unwrap().stats.rx_outcomes();
    let queued: usize = cx.state::<Sockets<Pernet>>().unwrap().iter().map(|(_, s)| s.receive_queue.len()).sum();
    o.add(RxOutcome::Taken, queued as u64 + drained);
    o
}

/// The frames the flood cycles through: what each is and the frame.
fn flood_frames(linux_mac: [u8; 6]) -> Vec<(&'static str, Vec<u8>)> {
    let from = SocketAddrV4::new(LINUX_IP, 40000);
    let to = SocketAddrV4::new(STACK_IP, SINK_PORT);
    let good = frames::udp_frame(linux_mac, STACK_MAC, from, to, &[0x5a; 64]);
    let mut out = Vec::new();
    for _ in 0..12 {
        out.push(("good UDP", good.clone()));
    }
    out.push(("for another MAC", frames::udp_frame(linux_mac, [0x02, 0, 0, 0, 0, 0x99], from, to, b"not yours")));
    out.push(("truncated IP", good[..20].to_vec()));
    out.push(("truncated UDP", good[..40].to_vec()));
    out.push(("Ethernet header only", good[..14].to_vec()));
    let mut bad_csum = good.clone();
    bad_csum[24] ^= 0xff;
    out.push(("bad IP checksum", bad_csum));
    let mut bad_version = good.clone();
    bad_version[14] = 0x65;
    out.push(("IP version 6 in an IPv4 frame", bad_version));
    let mut bad_udp = good.clone();
    let last = bad_udp.len() - 1;
    bad_udp[last] ^= 0xff;
    out.push(("bad UDP checksum", bad_udp));
    out.push((
        "oversized (3,000 bytes, MTU 1500)",
        frames::ipv4_frame(linux_mac, STACK_MAC, &Ipv4Header::new(LINUX_IP, STACK_IP, 17), &[0; 2986]),
    ));
    let mut unknown = good.clone();
    unknown[12..14].copy_from_slice(&0x9999u16.to_be_bytes());
    out.push(("unknown ethertype", unknown));
    out.push(("closed port", frames::udp_frame(linux_mac, STACK_MAC, from, SocketAddrV4::new(STACK_IP, 4), b"x")));
    out
}

/// What Linux's sender did.
#[derive(Debug, Default)]
struct Sent {
    ok: u64,
    refused: u64,
    elapsed: Duration,
}

#[test]
fn a_flood_of_good_and_bad_frames_ends_counted_and_pings_are_answered() {
    if let Some(why) = linux::unavailable().or_else(|| (!linux::have("ping")).then(|| "`ping` is not installed".into()))
    {
        eprintln!("SKIPPED tap flood test: {why}");
        return;
    }
    let count: u64 = std::env::var("NETGEN_TAP_FLOOD").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let (k, _) = netgen_stack::boot(1, &BootOptions::default());
    let net = netgen_stack::namespaces(&k).unwrap().copy_net_ns().unwrap();
    let mut link = TapLink::new(&k, &net, "netgen-tap-flood").unwrap();
    // Linux's side may send frames up to 9,000 bytes; the stack's MTU is 1500.
    link.ns.ip(&["link", "set", TAP_NAME, "mtu", "9000"]).unwrap();
    let sink = with_cx(&k, &net, |cx| {
        let fd = sys_socket(cx, 2, 2, 0).unwrap();
        sys_bind(cx, fd, &SockAddr::Inet(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, SINK_PORT))).unwrap();
        fd
    })
    .unwrap();

    let ctl = Arc::new(ServeCtl::new(Duration::from_millis(1)));
    let flooding = Arc::new(AtomicBool::new(true));
    let sender = {
        let flooding = flooding.clone();
        link.ns
            .spawn(move || -> Result<Sent, String> {
                let iface = pnet_datalink::interfaces()
                    .into_iter()
                    .find(|i| i.name == TAP_NAME)
                    .ok_or(format!("no {TAP_NAME} in the namespace"))?;
                let linux_mac = iface.mac.map(|m| m.octets()).unwrap_or([2, 0, 0, 0, 0, 1]);
                let config =
                    pnet_datalink::Config { read_timeout: Some(Duration::from_millis(1)), ..Default::default() };
                let mut tx = match pnet_datalink::channel(&iface, config) {
                    Ok(pnet_datalink::Channel::Ethernet(tx, _rx)) => tx,
                    Ok(_) => return Err("not an Ethernet channel".into()),
                    Err(e) => return Err(format!("AF_PACKET socket: {e}")),
                };
                let frames = flood_frames(linux_mac);
                let mut sent = Sent::default();
                let start = Instant::now();
                for i in 0..count {
                    let (_, f) = &frames[(i % frames.len() as u64) as usize];
                    match tx.send_to(f, None) {
                        Some(Ok(())) => sent.ok += 1,
                        _ => sent.refused += 1,
                    }
                }
                sent.elapsed = start.elapsed();
                flooding.store(false, Ordering::Release);
                Ok(sent)
            })
            .unwrap()
    };
    let pinger = {
        let ns = link.ns.name().to_string();
        std::thread::spawn(move || {
            std::process::Command::new("ip")
                .args(["netns", "exec", &ns, "ping", "-n", "-q", "-c", "20", "-i", "0.05", "-W", "2"])
                .arg(STACK_IP.to_string())
                .output()
        })
    };

    let baseline = live_bytes();
    let mut peak = 0i64;
    let mut drained = 0u64;
    let mut bufs = vec![vec![0u8; 2048]; 64];
    let mut quiet_since: Option<Instant> = None;
    let started = Instant::now();
    let ctl2 = ctl.clone();
    serve(&k, &net, &mut link.dev, &ctl, TAP_NAPI_WEIGHT, |cx| {
        let mut msgs: Vec<MMsgHdr<'_>> = bufs.iter_mut().map(|b| MMsgHdr::new(b)).collect();
        let n = sys_recvmmsg(cx, sink, &mut msgs, 0).unwrap_or(0);
        drained += n as u64;
        peak = peak.max(live_bytes() - baseline);
        // Stop once the flood and the pings are over and nothing came for 200 ms.
        if !flooding.load(Ordering::Acquire) && pinger.is_finished() {
            if n == 0 {
                let since = *quiet_since.get_or_insert_with(Instant::now);
                if since.elapsed() > Duration::from_millis(200) {
                    ctl2.stop();
                }
            } else {
                quiet_since = None;
            }
        }
        if started.elapsed() > Duration::from_secs(120) {
            ctl2.stop();
        }
        n
    })
    .unwrap();
    let sent = sender.join().unwrap().unwrap().unwrap();
    let ping = pinger.join().unwrap().unwrap();
    let ping = String::from_utf8_lossy(&ping.stdout).into_owned();
    // Whatever is still in flight, then Linux's counters.
    loop {
        let w = with_cx(&k, &net, |cx| link.dev.napi_poll(cx, TAP_NAPI_WEIGHT)).unwrap().unwrap();
        if !w.any() {
            break;
        }
    }
    let linux_stats = link.ns.link_stats(TAP_NAME).unwrap();
    let tap = link.dev.stats();
    let (o, dev, icmp) = with_cx(&k, &net, |cx| {
        let dev = cx.state::<NetDevTables>().unwrap().get_by_name("eth0").unwrap().get_stats();
        let snmp = netgen_runtime::inet::proc_net_snmp(cx.net).unwrap();
        let icmp: Vec<String> = snmp.lines().filter(|l| l.starts_with("Icmp:")).map(str::to_string).collect();
        (outcomes(cx, drained), dev, icmp)
    })
    .unwrap();
    let secs = sent.elapsed.as_secs_f64().max(1e-9);
    eprintln!(
        "Linux sent {} frames in {:.2} s ({:.0}/s), {} refused by its socket",
        sent.ok,
        secs,
        sent.ok as f64 / secs,
        sent.refused
    );
    eprintln!(
        "Linux {TAP_NAME}: tx {} frames, tx_dropped {} (its queue to the fd was full)",
        linux_stats.tx.packets, linux_stats.tx.dropped
    );
    eprintln!("stack read {} frames: {} taken, {} dropped; sink drained {drained}", tap.rx_frames, o.taken, o.dropped);
    eprintln!("stack eth0: {dev:?}");
    eprintln!("{}", icmp.join("\n"));
    eprintln!("peak live heap during the flood: {:.1} MiB over the start", peak as f64 / (1 << 20) as f64);
    eprintln!("ping during the flood: {}", ping.lines().filter(|l| l.contains("packets")).collect::<String>());

    // Every frame Linux transmitted was read, and every frame read has
    // exactly one outcome.
    assert_eq!(linux_stats.tx.packets, tap.rx_frames, "Linux tx = frames read");
    assert_eq!(o.taken + o.dropped, tap.rx_frames, "one outcome per frame read: {o:?}");
    // What Linux's socket accepted was transmitted or dropped on Linux's
    // side (its TAP queue, counted), plus Linux's own frames (pings, ARP).
    assert!(linux_stats.tx.packets + linux_stats.tx.dropped >= sent.ok, "{linux_stats:?} {sent:?}");
    assert!(sent.ok + sent.refused == count);
    // The bad frames were seen and dropped under their counters.
    assert!(dev.rx_length_errors > 0 && tap.rx_oversize > 0 && dev.rx_otherhost_dropped > 0, "{dev:?}");
    assert!(drained > 0);
    // Memory: the stack holds at most its bounded queues.
    assert!(peak < 64 << 20, "peak live heap {peak} bytes");
    // Pings during the flood were answered.
    let received: u64 =
        ping.split(", ").find_map(|p| p.strip_suffix(" received").and_then(|n| n.trim().parse().ok())).unwrap_or(0);
    assert!(received > 0, "no ping answered during the flood: {ping}");
    // Every echo request that reached the stack was answered (the others
    // were dropped in Linux's full queue to the fd, its tx_dropped).
    let field = |name: &str| -> u64 {
        let (head, vals) = (icmp[0].split_whitespace(), icmp[1].split_whitespace());
        head.zip(vals).find(|(h, _)| *h == name).and_then(|(_, v)| v.parse().ok()).unwrap_or(u64::MAX)
    };
    assert_eq!(field("InEchos"), field("OutEchoReps"));
    assert!(field("InEchos") >= received);
}
