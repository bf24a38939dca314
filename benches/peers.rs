//! Side by side, in one run on one machine: a UDP echo round trip from a
//! Linux socket to
//!
//! * netgen, over a TAP device ([`netgen_tap::TapDev`], served by
//!   [`netgen_tap::serve`]: epoll wait, NAPI poll, recvmmsg + sendto),
//! * smoltcp 0.14, over its own TAP device (`phy::TunTapInterface`,
//!   `Interface::poll`, `phy::wait`),
//! * Linux's own stack, over a veth pair between two namespaces,
//!
//! and one-way UDP receive throughput over TAP for the two userspace
//! stacks (a Linux socket sends as fast as it can; the stack counts what
//! its socket received). Every server is in a namespace of its own; the
//! Linux clients run in threads that entered the client's namespace.
//! Prints a table: packets per second, round-trip p50/p99, and the
//! ratios netgen/smoltcp.
//!
//! ```text
//! cargo bench --bench peers                       # needs root and /dev/net/tun
//! NETGEN_PEERS_RTTS=20000 NETGEN_PEERS_SECS=5 cargo bench --bench peers
//! ```
//!
//! Without root or /dev/net/tun it prints why and exits 0.

use std::net::{SocketAddrV4, UdpSocket};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use netgen_runtime::init::BootOptions;
use netgen_runtime::socket::syscalls::{sys_bind, sys_recvmmsg, sys_socket, MMsgHdr};
use netgen_runtime::tables::SockAddr;
use netgen_stack::linux::{self, Netns};
use netgen_stack::tap::{TapLink, UdpEcho, ECHO_PORT, LINUX_IP, PREFIX_LEN, STACK_IP};
use netgen_stack::with_cx;
use netgen_tap::{serve, ServeCtl, TAP_NAPI_WEIGHT};

/// The port the throughput runs send to.
const SINK_PORT: u16 = 9;
/// UDP payload of every datagram.
const PAYLOAD: usize = 64;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Round trips from a Linux socket: sorted samples and how many were lost.
#[derive(Debug, Default)]
struct Rtt {
    samples: Vec<Duration>,
    lost: usize,
}

impl Rtt {
    fn pct(&self, p: f64) -> Duration {
        if self.samples.is_empty() {
            return Duration::ZERO;
        }
        let i = ((self.samples.len() - 1) as f64 * p).round() as usize;
        self.samples[i]
    }

    fn pps(&self) -> f64 {
        let total: Duration = self.samples.iter().sum();
        if total.is_zero() {
            return 0.0;
        }
        self.samples.len() as f64 / total.as_secs_f64()
    }
}

/// `n` echoes, one at a time (after 200 not measured), from the calling
/// thread's namespace to `server`.
fn rtt_client(server: SocketAddrV4, n: usize) -> std::io::Result<Rtt> {
    let s = UdpSocket::bind("0.0.0.0:0")?;
    s.set_read_timeout(Some(Duration::from_millis(500)))?;
    s.connect(server)?;
    let msg = [0x42u8; PAYLOAD];
    let mut buf = [0u8; 2048];
    let mut out = Rtt::default();
    for i in 0..n + 200 {
        let t = Instant::now();
        s.send(&msg)?;
        match s.recv(&mut buf) {
            Ok(m) if buf[..m] == msg => {
                if i >= 200 {
                    out.samples.push(t.elapsed());
                }
            }
            _ => out.lost += 1,
        }
    }
    out.samples.sort();
    Ok(out)
}

/// Sends to `server` as fast as it can for `secs` (after 0.2 s not
/// measured); the server's count of received datagrams over the window,
/// per second.
fn flood_client(server: SocketAddrV4, secs: f64, received: &AtomicU64) -> std::io::Result<f64> {
    let s = UdpSocket::bind("0.0.0.0:0")?;
    s.connect(server)?;
    let msg = [0x17u8; PAYLOAD];
    let warm = Instant::now() + Duration::from_millis(200);
    while Instant::now() < warm {
        let _ = s.send(&msg);
    }
    let (c0, t0) = (received.load(Ordering::Acquire), Instant::now());
    let end = t0 + Duration::from_secs_f64(secs);
    while Instant::now() < end {
        // ENOBUFS when Linux's queue is full: keep sending.
        let _ = s.send(&msg);
    }
    let (c1, t1) = (received.load(Ordering::Acquire), Instant::now());
    Ok((c1 - c0) as f64 / (t1 - t0).as_secs_f64())
}

/// One row of the table.
struct Row {
    name: &'static str,
    rtt: Rtt,
    rx_pps: Option<f64>,
}

/// netgen over TAP: the stack serves in this thread; the clients run in
/// threads inside Linux's namespace.
fn netgen_row(rtts: usize, secs: f64) -> Result<Row, String> {
    let (k, _) = netgen_stack::boot(1, &BootOptions::default());
    let net = netgen_stack::namespaces(&k).and_then(|n| n.copy_net_ns()).map_err(|e| e.to_string())?;
    let mut link = TapLink::new(&k, &net, "netgen-peers").map_err(|e| e.to_string())?;
    let (mut echo, sink) = with_cx(&k, &net, |cx| {
        let echo = UdpEcho::bind(cx, ECHO_PORT)?;
        let sink = sys_socket(cx, 2, 2, 0)?;
        sys_bind(cx, sink, &SockAddr::Inet(SocketAddrV4::new(std::net::Ipv4Addr::UNSPECIFIED, SINK_PORT)))?;
        Ok::<_, netgen_runtime::Errno>((echo, sink))
    })
    .map_err(|e| e.to_string())?
    .map_err(|e| e.to_string())?;
    let ctl = Arc::new(ServeCtl::new(Duration::from_millis(20)));
    let received = Arc::new(AtomicU64::new(0));
    let client = {
        let (ctl, received) = (ctl.clone(), received.clone());
        link.ns
            .spawn(move || {
                let r = rtt_client(SocketAddrV4::new(STACK_IP, ECHO_PORT), rtts)
                    .and_then(|rtt| Ok((rtt, flood_client(SocketAddrV4::new(STACK_IP, SINK_PORT), secs, &received)?)));
                ctl.stop();
                r
            })
            .map_err(|e| e.to_string())?
    };
    let mut bufs = vec![vec![0u8; 2048]; 64];
    serve(&k, &net, &mut link.dev, &ctl, TAP_NAPI_WEIGHT, |cx| {
        let mut work = echo.run(cx);
        loop {
            let mut msgs: Vec<MMsgHdr<'_>> = bufs.iter_mut().map(|b| MMsgHdr::new(b)).collect();
            let n = sys_recvmmsg(cx, sink, &mut msgs, 0).unwrap_or(0);
            received.fetch_add(n as u64, Ordering::Release);
            work += n;
            if n < 64 {
                break;
            }
        }
        work
    })
    .map_err(|e| e.to_string())?;
    let (rtt, pps) =
        client.join().map_err(|_| "client panicked")?.map_err(|e| e.to_string())?.map_err(|e| e.to_string())?;
    // Every measured round trip was the stack's echo, not anyone else's.
    if echo.echoed < (rtt.samples.len() + 200 - rtt.lost) as u64 {
        return Err(format!("netgen echoed {} datagrams for {} round trips", echo.echoed, rtt.samples.len()));
    }
    if std::env::var_os("NETGEN_PEERS_VERBOSE").is_some() {
        eprintln!("netgen: echoed {}, driver {:?}", echo.echoed, link.dev.stats());
        if let Ok(snmp) = netgen_runtime::inet::proc_net_snmp(&net.read()) {
            snmp.lines().filter(|l| l.starts_with("Udp:")).for_each(|l| eprintln!("{l}"));
        }
    }
    Ok(Row { name: "netgen over TAP", rtt, rx_pps: Some(pps) })
}

/// smoltcp over its own TAP device, served by a thread inside a
/// namespace of its own (smoltcp's `TunTapInterface` creates the device
/// in the namespace of the thread that opens it and is not `Send`).
fn smoltcp_row(rtts: usize, secs: f64) -> Result<Row, String> {
    use smoltcp::iface::{Config, Interface, SocketSet};
    use smoltcp::phy::{wait as phy_wait, Medium, TunTapInterface};
    use smoltcp::socket::udp;
    use smoltcp::wire::{EthernetAddress, IpAddress, IpCidr};

    let ns = Netns::create("netgen-peers-smol").map_err(|e| e.to_string())?;
    let stop = Arc::new(AtomicBool::new(false));
    let received = Arc::new(AtomicU64::new(0));
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<(), String>>();
    let server = {
        let (stop, received) = (stop.clone(), received.clone());
        ns.spawn(move || -> Result<(), String> {
            let mut device = match TunTapInterface::new("ngsmol0", Medium::Ethernet) {
                Ok(d) => d,
                Err(e) => {
                    let _ = ready_tx.send(Err(e.to_string()));
                    return Err(e.to_string());
                }
            };
            let fd = device.as_raw_fd();
            let config = Config::new(EthernetAddress([0x02, 0x73, 0x6d, 0, 0, 2]).into());
            let now = smoltcp::time::Instant::now;
            let mut iface = Interface::new(config, &mut device, now());
            iface.update_ip_addrs(|a| {
                let o = STACK_IP.octets();
                let _ = a.push(IpCidr::new(IpAddress::v4(o[0], o[1], o[2], o[3]), PREFIX_LEN));
            });
            let buf = || udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; 256], vec![0; 256 * 2048]);
            let mut echo = udp::Socket::new(buf(), buf());
            echo.bind(ECHO_PORT).map_err(|e| e.to_string())?;
            let mut sink = udp::Socket::new(buf(), buf());
            sink.bind(SINK_PORT).map_err(|e| e.to_string())?;
            let mut sockets = SocketSet::new(vec![]);
            let (he, hs) = (sockets.add(echo), sockets.add(sink));
            let _ = ready_tx.send(Ok(()));
            let mut data = [0u8; 2048];
            while !stop.load(Ordering::Acquire) {
                iface.poll(now(), &mut device, &mut sockets);
                let s = sockets.get_mut::<udp::Socket>(he);
                while let Ok((d, meta)) = s.recv() {
                    let n = d.len();
                    data[..n].copy_from_slice(d);
                    let _ = s.send_slice(&data[..n], meta.endpoint);
                }
                let s = sockets.get_mut::<udp::Socket>(hs);
                let mut n = 0;
                while s.recv().is_ok() {
                    n += 1;
                }
                received.fetch_add(n, Ordering::Release);
                iface.poll(now(), &mut device, &mut sockets);
                let delay = iface.poll_delay(now(), &sockets).map(Into::into).unwrap_or(Duration::from_millis(20));
                let delay = delay.min(Duration::from_millis(20));
                phy_wait(fd, Some(delay.into())).map_err(|e| e.to_string())?;
            }
            Ok(())
        })
        .map_err(|e| e.to_string())?
    };
    ready_rx.recv().map_err(|_| "smoltcp's thread died".to_string())??;
    let addr = format!("{LINUX_IP}/{PREFIX_LEN}");
    ns.ip(&["addr", "add", &addr, "dev", "ngsmol0"]).map_err(|e| e.to_string())?;
    ns.ip(&["link", "set", "ngsmol0", "up"]).map_err(|e| e.to_string())?;
    let r = {
        let received = received.clone();
        ns.in_thread(move || {
            rtt_client(SocketAddrV4::new(STACK_IP, ECHO_PORT), rtts)
                .and_then(|rtt| Ok((rtt, flood_client(SocketAddrV4::new(STACK_IP, SINK_PORT), secs, &received)?)))
        })
    };
    stop.store(true, Ordering::Release);
    let served = server.join().map_err(|_| "smoltcp's thread panicked")?.map_err(|e| e.to_string())?;
    served?;
    let (rtt, pps) = r.map_err(|e| e.to_string())?.map_err(|e| e.to_string())?;
    Ok(Row { name: "smoltcp 0.14 over TAP", rtt, rx_pps: Some(pps) })
}

/// Linux's own stack: an echo server in namespace B, the client in A,
/// joined by a veth pair.
fn linux_row(rtts: usize) -> Result<Row, String> {
    let a = Netns::create("netgen-peers-a").map_err(|e| e.to_string())?;
    let b = Netns::create("netgen-peers-b").map_err(|e| e.to_string())?;
    let e = |e: std::io::Error| e.to_string();
    a.ip(&["link", "add", "veth0", "type", "veth", "peer", "name", "veth1", "netns", b.name()]).map_err(e)?;
    a.ip(&["addr", "add", &format!("{LINUX_IP}/{PREFIX_LEN}"), "dev", "veth0"]).map_err(e)?;
    b.ip(&["addr", "add", &format!("{STACK_IP}/{PREFIX_LEN}"), "dev", "veth1"]).map_err(e)?;
    a.ip(&["link", "set", "veth0", "up"]).map_err(e)?;
    b.ip(&["link", "set", "veth1", "up"]).map_err(e)?;
    let stop = Arc::new(AtomicBool::new(false));
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let server = {
        let stop = stop.clone();
        b.spawn(move || -> std::io::Result<()> {
            let s = UdpSocket::bind(SocketAddrV4::new(STACK_IP, ECHO_PORT))?;
            s.set_read_timeout(Some(Duration::from_millis(20)))?;
            let _ = ready_tx.send(());
            let mut buf = [0u8; 2048];
            while !stop.load(Ordering::Acquire) {
                if let Ok((n, from)) = s.recv_from(&mut buf) {
                    s.send_to(&buf[..n], from)?;
                }
            }
            Ok(())
        })
        .map_err(e)?
    };
    ready_rx.recv().map_err(|_| "the echo server did not start".to_string())?;
    let rtt = a.in_thread(move || rtt_client(SocketAddrV4::new(STACK_IP, ECHO_PORT), rtts));
    stop.store(true, Ordering::Release);
    let _ = server.join();
    let rtt = rtt.map_err(e)?.map_err(e)?;
    Ok(Row { name: "Linux over veth", rtt, rx_pps: None })
}

/// A row over the rounds: (min, median, max) of each figure.
struct Summary {
    name: &'static str,
    pps: (f64, f64, f64),
    p50: (Duration, Duration, Duration),
    p99: (Duration, Duration, Duration),
    lost: usize,
    rx_pps: Option<(f64, f64, f64)>,
}

fn spread<T: Copy + PartialOrd>(mut v: Vec<T>) -> (T, T, T) {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    (v[0], v[v.len() / 2], v[v.len() - 1])
}

impl Summary {
    fn of(rows: &[Row]) -> Summary {
        Summary {
            name: rows[0].name,
            pps: spread(rows.iter().map(|r| r.rtt.pps()).collect()),
            p50: spread(rows.iter().map(|r| r.rtt.pct(0.5)).collect()),
            p99: spread(rows.iter().map(|r| r.rtt.pct(0.99)).collect()),
            lost: rows.iter().map(|r| r.rtt.lost).sum(),
            rx_pps: rows[0].rx_pps.map(|_| spread(rows.iter().map(|r| r.rx_pps.unwrap_or(0.0)).collect())),
        }
    }
}

fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

fn main() {
    // `cargo bench` passes `--bench`; a filter that is not ours skips.
    if std::env::args().skip(1).any(|a| !a.starts_with('-') && !"peers".contains(a.as_str())) {
        return;
    }
    if let Some(why) = linux::unavailable() {
        println!("peers: SKIPPED: {why}");
        return;
    }
    let rtts = env("NETGEN_PEERS_RTTS", 10_000) as usize;
    let secs = env("NETGEN_PEERS_SECS", 2) as f64;
    let rounds = env("NETGEN_PEERS_ROUNDS", 3).max(1);
    // The rows take turns, `rounds` times; each figure is the median over
    // the rounds (wake-up latencies on a shared 2-core machine swing by
    // 10× from one run to the next).
    let mut all: Vec<Vec<Row>> = Vec::new();
    for _ in 0..rounds {
        for (i, r) in [netgen_row(rtts, secs), smoltcp_row(rtts, secs), linux_row(rtts)].into_iter().enumerate() {
            match r {
                Ok(row) => {
                    if all.len() <= i {
                        all.resize_with(i + 1, Vec::new);
                    }
                    all[i].push(row);
                }
                Err(e) => println!("peers: a row failed: {e}"),
            }
        }
    }
    let rows: Vec<Summary> = all.iter().filter(|r| !r.is_empty()).map(|r| Summary::of(r)).collect();
    println!("\nUDP echo, {PAYLOAD}-byte payload, {rtts} round trips one at a time from a Linux socket; receive: {secs} s of one-way flood; median of {rounds} rounds (range)\n");
    println!("| stack | echo round trips/s | RTT p50 | RTT p99 | lost | UDP receive, packets/s |");
    println!("|---|---|---|---|---|---|");
    for r in &rows {
        let rx = r.rx_pps.map_or("n/a".to_string(), |p| format!("{:.0} ({:.0}–{:.0})", p.1, p.0, p.2));
        println!(
            "| {} | {:.0} | {} ({}–{}) | {} ({}–{}) | {} | {} |",
            r.name,
            r.pps.1,
            us(r.p50.1),
            us(r.p50.0),
            us(r.p50.2),
            us(r.p99.1),
            us(r.p99.0),
            us(r.p99.2),
            r.lost,
            rx
        );
    }
    let find = |n: &str| rows.iter().find(|r| r.name.starts_with(n));
    if let (Some(ng), Some(sm)) = (find("netgen"), find("smoltcp")) {
        let p50 = ng.p50.1.as_secs_f64() / sm.p50.1.as_secs_f64().max(1e-12);
        let p99 = ng.p99.1.as_secs_f64() / sm.p99.1.as_secs_f64().max(1e-12);
        let rx = ng.rx_pps.map_or(0.0, |p| p.1) / sm.rx_pps.map_or(1.0, |p| p.1).max(1e-12);
        println!("\nnetgen / smoltcp: RTT p50 {p50:.2}×, p99 {p99:.2}× (target ≤ 1.2×); receive throughput {rx:.2}× (target ≥ 1.5×)");
    }
    if let (Some(ng), Some(lx)) = (find("netgen"), find("Linux")) {
        let p50 = ng.p50.1.as_secs_f64() / lx.p50.1.as_secs_f64().max(1e-12);
        println!("netgen / Linux over veth: RTT p50 {p50:.2}×");
    }
    println!("instructions per packet: not measured here (callgrind cannot follow the TAP fd's other end; see benches/udp_rx.rs and udp_tx.rs)");
}
