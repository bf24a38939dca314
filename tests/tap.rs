//! Linux's own tools against the stack over a TAP device: `ping` (100
//! echoes, no loss), `nc -u` (1,000 datagrams echoed intact), ARP both
//! ways, a stack-side UDP client talking to a Linux `nc -u -l` in both
//! directions, the device's counters against what `ip -s link` reports
//! on Linux's side, and the capture from the stack's side decoded by
//! tshark.
//!
//! Needs root, `/dev/net/tun`, iproute2, `ping` (iputils-ping) and `nc`
//! (netcat-openbsd); without them the test prints why and passes
//! (`.ci/run` installs the tools; CI runs as root).

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddrV4;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use netgen_runtime::dev::NetDevTables;
use netgen_runtime::errno::Errno;
use netgen_runtime::init::BootOptions;
use netgen_runtime::socket::syscalls::{sys_recvfrom, sys_sendto, sys_socket};
use netgen_runtime::tables::SockAddr;
use netgen_stack::linux::{self, LinkStats};
use netgen_stack::pcap::{tshark_check, PcapSink};
use netgen_stack::tap::{TapLink, UdpEcho, ECHO_PORT, LINUX_IP, STACK_IP, STACK_MAC, TAP_NAME};
use netgen_stack::with_cx;
use netgen_tap::{serve, ServeCtl, TapDev, TapStats, TAP_NAPI_WEIGHT};

const PINGS: usize = 100;
const ECHOES: usize = 1000;
const CLIENT_DATAGRAMS: usize = 100;
/// The port of Linux's `nc -u -l`.
const LISTEN_PORT: u16 = 9000;

/// Why the test cannot run here, if it cannot.
fn skip_reason() -> Option<String> {
    linux::unavailable().or_else(|| {
        ["ping", "nc", "ss"]
            .iter()
            .find(|p| !linux::have(p))
            .map(|p| format!("`{p}` is not installed (apt-get install iputils-ping netcat-openbsd iproute2)"))
    })
}

/// `ip netns exec NS PROGRAM`.
fn in_ns(ns: &str, program: &str) -> Command {
    let mut c = Command::new("ip");
    c.args(["netns", "exec", ns, program]);
    c
}

/// Kills a child process when dropped (a failed test leaves none behind).
struct Reap(Child);

impl Drop for Reap {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Sets a flag when dropped: the stack's loop stops even if Linux's side
/// panics.
struct StopOnDrop(Arc<ServeCtl>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.stop();
    }
}

/// Lines a child prints, on a channel (read by a thread of their own).
fn lines_of(out: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// What Linux's side saw.
#[derive(Debug, Default)]
struct LinuxSide {
    ping_output: String,
    /// Datagrams `nc -u` got back equal to what it sent.
    echoes_intact: usize,
    echo_failure: Option<String>,
    /// The neighbour entry Linux has for the stack.
    neigh: String,
    /// Lines `nc -u -l` received from the stack's client, in order.
    from_stack: Vec<String>,
}

/// Linux's side of the test, run while the stack serves: ping, the
/// `nc -u` echo, the neighbour table, then `nc -u -l` for the stack's
/// client (`go` tells the stack to send; `replied` counts what the client
/// got back).
fn linux_side(ns: &str, go: &AtomicBool, replied: &AtomicUsize) -> LinuxSide {
    let mut out = LinuxSide::default();
    let stack = STACK_IP.to_string();

    let ping = in_ns(ns, "ping").args(["-n", "-q", "-c", &PINGS.to_string(), "-i", "0.01", "-W", "2", &stack]).output();
    out.ping_output = match ping {
        Ok(o) => String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr),
        Err(e) => format!("ping did not run: {e}"),
    };

    out.neigh = linux::run(Command::new("ip").args(["-n", ns, "neigh", "show", &stack])).unwrap_or_default();

    // 1,000 datagrams through `nc -u`, one at a time: each write is one
    // read of nc's stdin, so one datagram, and its echo one line.
    let nc = in_ns(ns, "nc")
        .args(["-u", &stack, &ECHO_PORT.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn();
    match nc {
        Ok(mut child) => {
            let (mut stdin, stdout) = (child.stdin.take().unwrap(), child.stdout.take().unwrap());
            let _reap = Reap(child);
            let lines = lines_of(stdout);
            for i in 0..ECHOES {
                let msg = format!("datagram {i:04} from Linux nc through the TAP device {}", "x".repeat(i % 64));
                if let Err(e) = stdin.write_all(format!("{msg}\n").as_bytes()).and_then(|()| stdin.flush()) {
                    out.echo_failure = Some(format!("writing to nc: {e}"));
                    break;
                }
                match lines.recv_timeout(Duration::from_secs(5)) {
                    Ok(l) if l == msg => out.echoes_intact += 1,
                    Ok(l) => {
                        out.echo_failure = Some(format!("datagram {i}: sent {msg:?}, got back {l:?}"));
                        break;
                    }
                    Err(_) => {
                        out.echo_failure = Some(format!("datagram {i}: no echo within 5 s"));
                        break;
                    }
                }
            }
        }
        Err(e) => out.echo_failure = Some(format!("nc did not start: {e}")),
    }

    // `nc -u -l`: the stack's client sends to it; nc answers once.
    let listen = in_ns(ns, "nc")
        .args(["-u", "-l", &LINUX_IP.to_string(), &LISTEN_PORT.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn();
    let Ok(mut child) = listen else { return out };
    let (mut stdin, stdout) = (child.stdin.take().unwrap(), child.stdout.take().unwrap());
    let _reap = Reap(child);
    let lines = lines_of(stdout);
    let deadline = Instant::now() + Duration::from_secs(5);
    let filter = format!("sport = :{LISTEN_PORT}");
    while Instant::now() < deadline {
        let bound = linux::run(in_ns(ns, "ss").args(["-H", "-u", "-l", "-n", &filter])).unwrap_or_default();
        if !bound.trim().is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    go.store(true, Ordering::Release);
    while out.from_stack.len() < CLIENT_DATAGRAMS {
        match lines.recv_timeout(Duration::from_secs(5)) {
            Ok(l) => out.from_stack.push(l),
            Err(_) => break,
        }
    }
    // nc -l is connected to the client now: a line on its stdin goes back.
    let _ = stdin.write_all(b"reply from Linux nc -l\n").and_then(|()| stdin.flush());
    let deadline = Instant::now() + Duration::from_secs(5);
    while replied.load(Ordering::Acquire) == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    out
}

/// Frames still in flight read (or written), then Linux's counters: read
/// until a snapshot of Linux's counters is followed by no frame.
fn settle_counters(
    k: &netgen_stack::Kernel,
    net: &netgen_runtime::netns::NetRef<netgen_generated::pernet::Pernet>,
    link: &mut TapLink,
) -> LinkStats {
    let drain = |dev: &mut TapDev| -> usize {
        let mut moved = 0;
        loop {
            let w = with_cx(k, net, |cx| dev.napi_poll(cx, TAP_NAPI_WEIGHT)).unwrap().unwrap();
            if !w.any() {
                return moved;
            }
            moved += w.rx + w.tx;
        }
    };
    drain(&mut link.dev);
    for _ in 0..10 {
        let linux = link.ns.link_stats(TAP_NAME).unwrap();
        if drain(&mut link.dev) == 0 {
            return linux;
        }
    }
    panic!("Linux kept sending after the test ended");
}

#[test]
fn linux_pings_echoes_and_talks_udp_to_the_stack_over_tap() {
    if let Some(why) = skip_reason() {
        eprintln!("SKIPPED tap test: {why}");
        return;
    }
    let started = Instant::now();
    let (k, _) = netgen_stack::boot(1, &BootOptions::default());
    let net = netgen_stack::namespaces(&k).unwrap().copy_net_ns().unwrap();
    let mut link = TapLink::new(&k, &net, "netgen-tap-test").unwrap();
    link.dev.start_capture(100_000);
    let (mut echo, client) = with_cx(&k, &net, |cx| -> Result<_, Errno> {
        let echo = UdpEcho::bind(cx, ECHO_PORT)?;
        let client = sys_socket(cx, 2, 2, 0)?;
        Ok((echo, client))
    })
    .unwrap()
    .unwrap();

    let ctl = Arc::new(ServeCtl::new(Duration::from_millis(1)));
    let go = Arc::new(AtomicBool::new(false));
    let replied = Arc::new(AtomicUsize::new(0));
    let linux = {
        let (ns, ctl, go, replied) = (link.ns.name().to_string(), ctl.clone(), go.clone(), replied.clone());
        std::thread::spawn(move || {
            let _stop = StopOnDrop(ctl);
            linux_side(&ns, &go, &replied)
        })
    };

    let to = SockAddr::Inet(SocketAddrV4::new(LINUX_IP, LISTEN_PORT));
    let mut sent = 0;
    let mut reply = None;
    serve(&k, &net, &mut link.dev, &ctl, TAP_NAPI_WEIGHT, |cx| {
        let mut work = echo.run(cx);
        if go.load(Ordering::Acquire) && sent < CLIENT_DATAGRAMS {
            let msg = format!("datagram {sent:03} from the stack's UDP client\n");
            sys_sendto(cx, client, msg.as_bytes(), Some(&to), 0).unwrap();
            sent += 1;
            work += 1;
        }
        let mut buf = [0u8; 256];
        if let Ok((n, from)) = sys_recvfrom(cx, client, &mut buf, 0) {
            reply = Some((buf[..n].to_vec(), from));
            replied.fetch_add(1, Ordering::Release);
            work += 1;
        }
        work
    })
    .unwrap();
    let seen = linux.join().expect("Linux's side panicked");
    let linux_stats = settle_counters(&k, &net, &mut link);
    let tap: TapStats = link.dev.stats();
    let dev =
        with_cx(&k, &net, |cx| cx.state::<NetDevTables>().unwrap().get_by_name("eth0").unwrap().get_stats()).unwrap();
    eprintln!("ping: {}", seen.ping_output.trim());
    eprintln!("Linux {TAP_NAME} (ip -s link): {linux_stats:?}");
    eprintln!("stack eth0: {dev:?}");
    eprintln!("driver: {tap:?}");

    // ping: every echo answered.
    assert!(
        seen.ping_output.contains(&format!("{PINGS} packets transmitted, {PINGS} received, 0% packet loss")),
        "{}",
        seen.ping_output
    );
    // ARP: Linux learnt the stack's MAC from its reply.
    let mac = STACK_MAC.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":");
    assert!(seen.neigh.contains(&format!("lladdr {mac}")), "Linux's neighbour entry: {:?}", seen.neigh);
    // nc -u: all 1,000 back, intact.
    assert_eq!((seen.echoes_intact, &seen.echo_failure), (ECHOES, &None));
    assert_eq!(echo.echoed, ECHOES as u64);
    // The stack's client to nc -u -l, in order, and nc's answer back.
    let expected: Vec<String> =
        (0..CLIENT_DATAGRAMS).map(|i| format!("datagram {i:03} from the stack's UDP client")).collect();
    assert_eq!(seen.from_stack, expected);
    let (data, from) = reply.expect("nc -l's answer reached the stack's client");
    assert_eq!(data, b"reply from Linux nc -l\n");
    assert_eq!(from, Some(to));

    // Counters: what Linux sent is what the stack received, and back.
    assert_eq!((linux_stats.tx.packets, linux_stats.tx.bytes), (tap.rx_frames, tap.rx_bytes), "Linux tx = read");
    assert_eq!((linux_stats.tx.packets, linux_stats.tx.bytes), (dev.rx_packets, dev.rx_bytes), "Linux tx = eth0 rx");
    assert_eq!((linux_stats.rx.packets, linux_stats.rx.bytes), (tap.tx_frames, tap.tx_bytes), "Linux rx = written");
    assert_eq!((linux_stats.rx.packets, linux_stats.rx.bytes), (dev.tx_packets, dev.tx_bytes), "Linux rx = eth0 tx");
    assert_eq!((linux_stats.tx.dropped, linux_stats.rx.dropped, linux_stats.rx.errors), (0, 0, 0));
    assert_eq!((dev.rx_dropped, dev.tx_dropped, dev.rx_errors, dev.tx_errors), (0, 0, 0, 0));
    let min_frames = (2 * PINGS + 2 * ECHOES + CLIENT_DATAGRAMS + 1) as u64;
    assert!(tap.rx_frames + tap.tx_frames >= min_frames, "{tap:?}");

    // The capture from the stack's side, as tshark decodes it.
    let capture = link.dev.take_capture();
    assert_eq!(capture.missed, 0);
    assert_eq!(capture.frames.len() as u64, tap.rx_frames + tap.tx_frames);
    let dir = tempfile::tempdir().unwrap();
    let path = std::env::var_os("NETGEN_TAP_PCAP").map_or_else(|| dir.path().join("tap.pcap"), Into::into);
    let mut sink = PcapSink::create(&path).unwrap();
    for (ts, f) in &capture.frames {
        sink.write_at(*ts, f).unwrap();
    }
    sink.finish().unwrap();
    match tshark_check(&path) {
        Ok(Some(protos)) => {
            assert_eq!(protos.len(), capture.frames.len());
            for want in ["eth:ethertype:arp", "eth:ethertype:ip:icmp:data", "eth:ethertype:ip:udp:data"] {
                assert!(protos.iter().any(|p| p == want), "no {want} frame in {protos:?}");
            }
            eprintln!("tshark: {} frames, none malformed, no bad checksum", protos.len());
        }
        Ok(None) => eprintln!("SKIPPED tshark check: tshark is not installed (apt-get install tshark)"),
        Err(e) => panic!("tshark on {}: {e}", path.display()),
    }
    eprintln!("took {:?}", started.elapsed());
}
