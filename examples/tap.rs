//! The stack as a real peer of Linux: boots the stack, creates a network
//! namespace for Linux's side with a TAP device in it, gives both sides an
//! address, serves ARP, ICMP echo and a UDP echo (port 7) until Ctrl-C,
//! and prints counters. Needs root (CAP_NET_ADMIN) and `/dev/net/tun`.
//!
//! ```text
//! sudo cargo run --release --example tap
//! sudo cargo run --release --example tap -- --seconds 10 --pcap /tmp/stack.pcap
//! ```
//!
//! Traffic stays inside the namespace it creates (and the TAP device in
//! it); the namespace is removed when it ends, on Ctrl-C, SIGTERM or an
//! error too.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use netgen_runtime::dev::{dev_seq_show, NetDevTables};
use netgen_runtime::init::BootOptions;
use netgen_runtime::socket::syscalls::{sys_bind, sys_recvfrom, sys_sendto, sys_socket};
use netgen_runtime::tables::SockAddr;
use netgen_stack::pcap::PcapSink;
use netgen_stack::tap::{TapLink, UdpEcho, ECHO_PORT, LINUX_IP, STACK_DEV, STACK_IP, TAP_NAME};
use netgen_stack::with_cx;
use netgen_tap::{serve, ServeCtl, TAP_NAPI_WEIGHT};

/// Serves Linux over a TAP device: ping and `nc -u` the stack from the
/// namespace it creates.
#[derive(Parser)]
#[command(name = "tap")]
struct Args {
    /// Stop after this many seconds (default: run until Ctrl-C).
    #[arg(long, value_name = "N")]
    seconds: Option<u64>,
    /// Write what crossed the TAP device, from the stack's side, to this
    /// pcap file when it ends.
    #[arg(long, value_name = "FILE")]
    pcap: Option<std::path::PathBuf>,
    /// Print counters every N seconds (0: only at the end).
    #[arg(long, value_name = "N", default_value_t = 5)]
    every: u64,
    /// Also run a UDP "hello" client in the stack: one datagram to Linux's
    /// 198.18.0.1:PORT every second (listen with `nc -u -l PORT` there).
    #[arg(long, value_name = "PORT")]
    hello: Option<u16>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tap: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    if let Some(why) = netgen_stack::linux::unavailable() {
        return Err(format!("cannot run here: {why}"));
    }
    let (k, report) = netgen_stack::boot(1, &BootOptions::default());
    let (_, failed, skipped, _) = report.counts();
    if failed + skipped > 0 {
        return Err(format!("boot: {failed} initcalls failed, {skipped} skipped"));
    }
    let net = netgen_stack::namespaces(&k).and_then(|ns| ns.copy_net_ns()).map_err(|e| format!("namespace: {e}"))?;
    // From here on `link` removes the namespace when it goes out of scope,
    // whichever way this function returns.
    let mut link = TapLink::new(&k, &net, "netgen-tap").map_err(|e| format!("setting up: {e}"))?;
    if args.pcap.is_some() {
        link.dev.start_capture(1_000_000);
    }
    let ctl = Arc::new(ServeCtl::new(Duration::from_millis(20)));
    {
        let ctl = ctl.clone();
        ctrlc::set_handler(move || ctl.stop()).map_err(|e| format!("Ctrl-C handler: {e}"))?;
    }
    let (mut echo, hello) = with_cx(&k, &net, |cx| -> Result<_, netgen_runtime::Errno> {
        let echo = UdpEcho::bind(cx, ECHO_PORT)?;
        let hello = match args.hello {
            Some(_) => {
                let fd = sys_socket(cx, 2, 2, 0)?;
                sys_bind(cx, fd, &SockAddr::Inet(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0)))?;
                Some(fd)
            }
            None => None,
        };
        Ok((echo, hello))
    })
    .and_then(|r| r)
    .map_err(|e| format!("sockets: {e}"))?;

    let ns = link.ns.name().to_string();
    println!("The stack is {STACK_IP} on {STACK_DEV}; Linux is {LINUX_IP} on {TAP_NAME} in namespace {ns}.");
    println!("It answers ARP and ping, and echoes UDP on port {ECHO_PORT}. Try, in another terminal:");
    println!("    sudo ip netns exec {ns} ping {STACK_IP}");
    println!("    sudo ip netns exec {ns} nc -u {STACK_IP} {ECHO_PORT}");
    println!("    sudo ip -n {ns} -s link show {TAP_NAME}");
    if let Some(port) = args.hello {
        println!(
            "    sudo ip netns exec {ns} nc -u -l {LINUX_IP} {port}     (the stack's client says hello every second)"
        );
    }
    println!("Ctrl-C stops it and removes the namespace.");

    let start = Instant::now();
    let (mut last_print, mut last_hello) = (start, start);
    let every = Duration::from_secs(args.every);
    let deadline = args.seconds.map(|s| start + Duration::from_secs(s));
    let mut hellos = 0u64;
    let result = serve(&k, &net, &mut link.dev, &ctl, TAP_NAPI_WEIGHT, |cx| {
        let mut work = echo.run(cx);
        let now = Instant::now();
        if let (Some(fd), Some(port)) = (hello, args.hello) {
            if now.duration_since(last_hello) >= Duration::from_secs(1) {
                last_hello = now;
                hellos += 1;
                let msg = format!("hello {hellos} from the netgen stack\n");
                let to = SockAddr::Inet(SocketAddrV4::new(LINUX_IP, port));
                if let Err(e) = sys_sendto(cx, fd, msg.as_bytes(), Some(&to), 0) {
                    println!("hello: sendto: {e}");
                }
                work += 1;
            }
            let mut buf = [0u8; 2048];
            while let Ok((n, from)) = sys_recvfrom(cx, fd, &mut buf, 0) {
                println!("hello client got {:?} from {from:?}", String::from_utf8_lossy(&buf[..n]).trim_end());
                work += 1;
            }
        }
        if args.every > 0 && now.duration_since(last_print) >= every {
            last_print = now;
            if let Ok(t) = cx.state::<NetDevTables>() {
                if let Some(d) = t.get_by_name(STACK_DEV) {
                    let s = d.get_stats();
                    println!(
                        "[{:>4}s] {STACK_DEV}: rx {} frames, tx {} frames, rx_dropped {}; UDP echoed {}",
                        start.elapsed().as_secs(),
                        s.rx_packets,
                        s.tx_packets,
                        s.rx_dropped,
                        echo.echoed
                    );
                }
            }
        }
        if deadline.is_some_and(|d| now >= d) {
            ctl.stop();
        }
        work
    });
    println!("\nstopping after {:.1} s", start.elapsed().as_secs_f64());
    print_counters(&k, &net, &link);
    if let Some(path) = &args.pcap {
        let capture = link.dev.take_capture();
        let mut sink = PcapSink::create(path).map_err(|e| e.to_string())?;
        for (ts, f) in &capture.frames {
            sink.write_at(*ts, f).map_err(|e| e.to_string())?;
        }
        sink.finish().map_err(|e| e.to_string())?;
        println!("wrote {} frames to {} ({} not kept)", capture.frames.len(), path.display(), capture.missed);
    }
    result.map_err(|e| format!("serving: {e}"))?;
    println!("removing namespace {ns}");
    Ok(())
}

/// The stack's /proc/net/dev and UDP and ICMP counters, the driver's, and
/// what Linux reports for its side.
fn print_counters(
    k: &netgen_stack::Kernel,
    net: &netgen_runtime::netns::NetRef<netgen_generated::pernet::Pernet>,
    link: &TapLink,
) {
    let _ = with_cx(k, net, |cx| {
        if let Ok(t) = cx.state::<NetDevTables>() {
            println!("# the stack's /proc/net/dev");
            print!("{}", dev_seq_show(t));
        }
    });
    if let Ok(snmp) = netgen_runtime::inet::proc_net_snmp(&net.read()) {
        println!("# the stack's /proc/net/snmp (Icmp, Udp)");
        for l in snmp.lines().filter(|l| l.starts_with("Icmp:") || l.starts_with("Udp:")) {
            println!("{l}");
        }
    }
    println!("# the driver: {:?}", link.dev.stats());
    match link.ns.ip(&["-s", "link", "show", TAP_NAME]) {
        Ok(text) => print!("# Linux: ip -s link show {TAP_NAME}\n{text}"),
        Err(e) => println!("# Linux: ip -s link: {e}"),
    }
}
