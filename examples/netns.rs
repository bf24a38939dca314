//! Network namespaces on the booted stack: creates some, shows each one's
//! devices and counters, destroys them, and prints every pernet step that
//! ran (what `setup_net` and `cleanup_net` did), Linux's order included.
//!
//! ```text
//! cargo run --example netns
//! cargo run --example netns -- --count 3 --max 2            # the third is refused (ENOSPC)
//! cargo run --example netns -- --fail sysctl_core_ops=ENOMEM  # setup_net rolls back
//! cargo run --example netns -- --help
//! ```

use std::process::ExitCode;

use clap::Parser;
use netgen_generated::pernet::Pernet;
use netgen_runtime::dev::NetDevTables;
use netgen_runtime::inet::mib::{Ipv4Mib, UdpMib};
use netgen_runtime::inet::netns_ipv4::Ipv4Net;
use netgen_runtime::init::BootOptions;
use netgen_runtime::netns::net_ns_ops::NsCommon;
use netgen_runtime::netns::{Net, TraceEvent};
use netgen_runtime::sock::ProtInuseCounters;
use netgen_runtime::Errno;

/// Boots the stack, creates network namespaces, shows each one's devices,
/// settings and counters, destroys them, and prints every pernet step
/// `setup_net` and `cleanup_net` ran.
#[derive(Parser)]
#[command(name = "netns", args_override_self = true)]
struct Args {
    /// Namespaces to create.
    #[arg(long, value_name = "N", default_value_t = 2)]
    count: usize,
    /// `user.max_net_namespaces`: past it `copy_net_ns` fails with ENOSPC.
    #[arg(long, value_name = "N")]
    max: Option<usize>,
    /// Pernet operation OPS's `init` fails with ERRNO (`sysctl_core_ops=ENOMEM`):
    /// watch `setup_net` roll back.
    #[arg(long, value_name = "OPS=ERRNO", value_parser = netgen_stack::parse_fault)]
    fail: Option<(String, Errno)>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let (kernel, _) = netgen_stack::boot(2, &BootOptions::default());
    let ns = match netgen_stack::namespaces(&kernel) {
        Ok(ns) => ns,
        Err(e) => {
            eprintln!("netns: boot did not create namespaces: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(max) = args.max {
        ns.set_max_net_namespaces(max);
    }
    if let Some((ops, e)) = &args.fail {
        if !ns.pernet_list().iter().any(|(n, _)| n == ops) {
            eprintln!("netns: --fail: no pernet operation `{ops}`");
            return ExitCode::from(2);
        }
        ns.inject_init_fault(ops, *e, 0);
    }
    println!("# pernet_list");
    for (name, kind) in ns.pernet_list() {
        println!("  {:<6}  {name}", kind.as_str());
    }

    ns.set_tracing(true);
    let mut nets = Vec::new();
    for _ in 0..args.count {
        match ns.copy_net_ns() {
            Ok(net) => {
                println!("\n# copy_net_ns -> net {}", net.cookie());
                print_trace(&ns.take_trace());
                nets.push(net);
            }
            Err(e) => {
                println!("\n# copy_net_ns failed: {e} ({})", e.name().unwrap_or("?"));
                print_trace(&ns.take_trace());
            }
        }
    }

    for net in ns.nets() {
        show(&net.read());
    }

    if let Some(first) = nets.first() {
        // Count a UDP datagram and a socket in the first new namespace only.
        let mut n = first.write();
        if let Ok(mib) = n.get_mut::<Ipv4Mib>() {
            mib.inc(0, UdpMib::InDatagrams);
        }
        if let Ok(inuse) = n.get_mut::<ProtInuseCounters>() {
            let _ = inuse.add(0, 0, 1);
        }
    }
    println!("\n# after counting one UDP datagram in the first new namespace");
    for net in ns.nets() {
        let n = net.read();
        let udp = n.get::<Ipv4Mib>().map_or(0, |m| m.get(UdpMib::InDatagrams));
        println!("  net {}: Udp InDatagrams {udp}", n.cookie());
    }

    for net in nets {
        let cookie = net.cookie();
        if let Err(e) = ns.put_net(net) {
            println!("put_net({cookie}): {e}");
        }
        println!("\n# put_net -> cleanup_net of net {cookie}");
        print_trace(&ns.take_trace());
    }
    println!("\n# {} namespace(s) left: init_net", ns.count());
    ExitCode::SUCCESS
}

fn show(n: &Net<Pernet>) {
    println!("\n# net {}{}", n.cookie(), if n.is_init_net() { " (init_net)" } else { "" });
    if let Ok(c) = n.get::<NsCommon>() {
        println!("  ns inum      {}", c.inum);
    }
    if let Ok(t) = n.get::<NetDevTables>() {
        let devs: Vec<String> = t.devices().map(|d| format!("{}:{}", d.ifindex, d.name)).collect();
        println!("  devices      {}", devs.join(" "));
    }
    if let Ok(s) = n.get::<Ipv4Net>() {
        let (lo, hi) = s.local_port_range();
        println!("  ip_default_ttl {}  ip_local_port_range {lo} {hi}", s.default_ttl());
    }
    println!("  /proc/net    {}", n.proc_net.entries().join(" "));
}

fn print_trace(trace: &[TraceEvent]) {
    for e in trace {
        let nets: Vec<String> = e.nets.iter().map(u64::to_string).collect();
        println!("  {:<16} {:<20} net {}", format!("{:?}", e.hook), e.ops, nets.join(","));
    }
}
