//! The main job: boot the stack netgen generated from `spec/`, on the
//! built-in simulated machine (no root needed), and print what Linux would
//! print with `initcall_debug`, then the tables boot built.
//!
//! ```text
//! cargo run --release --example boot
//! cargo run --release --example boot -- --cpus 4 --initcall_blacklist netpoll_init --fail sock_init=ENOMEM
//! cargo run --release --example boot -- --help
//! cargo run --release --example boot -- --device veth
//! ```
//!
//! Packets move between two namespaces through `eth0` in each, a software
//! Intel 82576 (8086:10C9) on the PCI bus that igb probes, the two devices
//! joined by an in-memory wire (`--device veth`: a veth pair instead).

use std::process::ExitCode;

use clap::Parser;
use netgen_generated::pernet::Pernet;
use netgen_runtime::init::BootOptions;
use netgen_runtime::tables::Entry;
use netgen_runtime::{dev, inet, sock, socket, Errno};
use netgen_stack::Kernel;

// Link the example user crate so its `#[subsys_initcall]`s join the boot.
use user_crate as _;

/// Boots the stack netgen generated from `spec/` on the simulated machine,
/// prints what Linux prints with `initcall_debug`, then the tables boot
/// built, then moves packets between two namespaces.
#[derive(Parser)]
#[command(name = "boot", args_override_self = true)]
struct Args {
    /// CPUs of the simulated machine.
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = cpu_count)]
    cpus: usize,
    /// Initcalls not to run (Linux's `initcall_blacklist=` boot parameter);
    /// comma-separated, and the option may be repeated.
    #[arg(long = "initcall_blacklist", value_name = "a,b", value_delimiter = ',')]
    initcall_blacklist: Vec<String>,
    /// Fault injection: initcall NAME returns -ERRNO instead of running
    /// (`sock_init=ENOMEM`); may be repeated.
    #[arg(long, value_name = "NAME=ERRNO", value_parser = netgen_stack::parse_fault)]
    fail: Vec<(String, Errno)>,
    /// Do not print the boot log.
    #[arg(long)]
    quiet: bool,
    /// The devices joining the two namespaces: `igb` (a software 82576 in
    /// each, probed by igb, joined by a wire) or `veth` (a veth pair).
    #[arg(long, value_name = "igb|veth", default_value = "igb", value_parser = ["igb", "veth"])]
    device: String,
}

/// `--cpus`: a CPU count, at least 1.
fn cpu_count(v: &str) -> Result<usize, String> {
    v.parse().ok().filter(|&n| n > 0).ok_or(format!("`{v}` is not a CPU count"))
}

fn main() -> ExitCode {
    let args = Args::parse();
    let opts = BootOptions {
        blacklist: args.initcall_blacklist.into_iter().collect(),
        inject: args.fail.into_iter().collect(),
    };
    let (mut kernel, report) = netgen_stack::boot(args.cpus, &opts);
    if !args.quiet {
        for line in kernel.log() {
            println!("{line}");
        }
    }
    print_tables(&kernel);
    if let Err(e) = move_packets(&mut kernel, args.device == "igb") {
        println!("\n# packets: {e}");
    }
    let (_, failed, skipped, _) = report.counts();
    if failed + skipped > 0 || !report.rejected.is_empty() {
        println!("\nboot finished with {failed} failed and {skipped} skipped initcalls");
    }
    ExitCode::SUCCESS
}

/// The tables after boot, in the style of /proc/net.
fn print_tables(k: &Kernel) {
    println!("\n# net_families (sock_register)");
    match k.get::<socket::SockRegistryState<Pernet>>() {
        Ok(reg) => {
            for f in reg.families() {
                println!("  {:>3}  {}", f.family, f.create);
            }
        }
        Err(e) => println!("  unavailable: {e}"),
    }
    println!("\n# inet_protos (inet_add_protocol)");
    if let Ok(protos) = k.get::<inet::InetProtosState<Pernet>>() {
        for (nr, p) in protos.iter() {
            let how = match p.entry {
                Entry::Spec(_) => "spec: generated match",
                Entry::Fn(..) => "run time: function pointer",
            };
            println!("  {nr:>3}  {:<22} {:<20} {how}", p.name, p.handler);
        }
    }
    println!("\n# inetsw (inet_register_protosw)");
    if let Ok(sw) = k.get::<inet::InetswState<Pernet>>() {
        for ty in 0..socket::SOCK_MAX as u16 {
            for p in sw.list(ty) {
                let perm = if p.flags & inet::INET_PROTOSW_PERMANENT != 0 { "permanent" } else { "" };
                println!("  type {ty} protocol {:>3}  {:<5} {perm}", p.protocol, p.name);
            }
        }
    }
    let Ok(namespaces) = netgen_stack::namespaces(k) else {
        println!("\n# init_net unavailable: net_ns_init did not run");
        return;
    };
    let init_net = namespaces.init_net();
    let net = init_net.read();
    println!("\n# /proc/net/protocols");
    print_view(sock::proc_net_protocols(k, &net));
    println!("\n# /proc/net/ptype");
    print_view(dev::proc_net_ptype(k, &net));
    println!("\n# pernet_list (init order)");
    for (name, kind) in namespaces.pernet_list() {
        println!("  {:<6}  {name}", kind.as_str());
    }
    println!("\n# /proc/net/netfilter/nf_hooks (init_net)");
    print_view(nf_hooks(&net));
    println!("\n# devices in init_net");
    match net.get::<dev::NetDevTables>() {
        Ok(t) => {
            for d in t.devices() {
                println!("  {:>2}: {}", d.ifindex, d.name);
            }
        }
        Err(e) => println!("  unavailable: {e}"),
    }
}

/// Two namespaces joined by two software 82576s and a wire (`igb`) or by
/// a veth pair: a UDP echo and a ping from A to B (ARP resolves B first),
/// then each side's counters.
fn move_packets(k: &mut Kernel, igb: bool) -> Result<(), Errno> {
    use netgen_runtime::socket::syscalls::{sys_bind, sys_recvfrom, sys_sendto, sys_socket};
    use netgen_runtime::tables::SockAddr;
    use netgen_stack::{settle, with_cx};
    use std::net::{Ipv4Addr, SocketAddrV4};

    let ns = netgen_stack::namespaces(k)?;
    let (a, b) = (ns.copy_net_ns()?, ns.copy_net_ns()?);
    let (ip_a, ip_b) = (Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2));
    let (mac_a, mac_b) = ([0, 0x1b, 0x21, 0, 0, 0xa], [0, 0x1b, 0x21, 0, 0, 0xb]);
    let nics = if igb {
        use netgen_igb::e1000_82576_model::{ModelOptions, Wire};
        use netgen_stack::igb::probe_82576;
        let mut na = probe_82576(k, 0, mac_a, &a, ModelOptions::default())?;
        let mut nb = probe_82576(k, 1, mac_b, &b, ModelOptions::default())?;
        na.adapter.igb_open(k, 256, 256)?;
        nb.adapter.igb_open(k, 256, 256)?;
        let wire = Wire { a: na.model.clone(), b: nb.model.clone() };
        Some((na, nb, wire))
    } else {
        dev::veth_pair(&mut a.write(), "veth0", &mut b.write(), "veth1", (mac_a, mac_b))?;
        None
    };
    let (name_a, name_b) = if igb { ("eth0", "eth0") } else { ("veth0", "veth1") };
    let k: &Kernel = k;
    for (net, name, ip) in [(&a, name_a, ip_a), (&b, name_b, ip_b)] {
        with_cx(k, net, |cx| {
            let t = cx.state_mut::<dev::NetDevTables>()?;
            t.ip_link_set_up(name)?;
            t.ip_addr_add(name, ip, 24)
        })??;
    }
    let settle = |k: &Kernel, nets: &[&netgen_runtime::netns::NetRef<Pernet>]| -> Result<usize, Errno> {
        match &nics {
            Some((na, nb, wire)) => netgen_stack::igb::pump(k, &[na, nb], wire, nets),
            None => settle(k, nets),
        }
    };
    let to = |ip, port| SockAddr::Inet(SocketAddrV4::new(ip, port));
    let srv = with_cx(k, &b, |cx| -> Result<i32, Errno> {
        let fd = sys_socket(cx, 2, 2, 0)?;
        sys_bind(cx, fd, &to(Ipv4Addr::UNSPECIFIED, 7))?;
        Ok(fd)
    })??;
    let (cli, ping) = with_cx(k, &a, |cx| -> Result<(i32, i32), Errno> {
        cx.state_mut::<inet::netns_ipv4::Ipv4Net>()?.set_ping_group_range(0, 0)?;
        let cli = sys_socket(cx, 2, 2, 0)?;
        sys_sendto(cx, cli, b"hello from A", Some(&to(ip_b, 7)), 0)?;
        let ping = sys_socket(cx, 2, 2, 1)?;
        sys_sendto(cx, ping, &[8, 0, 0, 0, 0, 0, 0, 1, b'h', b'i'], Some(&to(ip_b, 0)), 0)?;
        Ok((cli, ping))
    })??;
    settle(k, &[&a, &b])?;
    with_cx(k, &b, |cx| -> Result<(), Errno> {
        let mut buf = [0u8; 64];
        let (n, from) = sys_recvfrom(cx, srv, &mut buf, 0)?;
        sys_sendto(cx, srv, &buf[..n], from.as_ref(), 0)?;
        Ok(())
    })??;
    settle(k, &[&a, &b])?;
    match &nics {
        Some((na, nb, _)) => println!(
            "\n# packets: A (eth0 10.0.0.1, igb {}) <-> wire <-> B (eth0 10.0.0.2, igb {})",
            na.adapter.pci_name, nb.adapter.pci_name
        ),
        None => println!("\n# packets: A (veth0 10.0.0.1) <-> B (veth1 10.0.0.2)"),
    }
    with_cx(k, &a, |cx| -> Result<(), Errno> {
        let mut buf = [0u8; 64];
        let (n, from) = sys_recvfrom(cx, cli, &mut buf, 0)?;
        println!("  A: UDP echo {:?} from {from:?}", String::from_utf8_lossy(&buf[..n]));
        let (n, from) = sys_recvfrom(cx, ping, &mut buf, 0)?;
        println!("  A: ICMP echo reply ({n} bytes) from {from:?}");
        Ok(())
    })??;
    for (who, net) in [("A", &a), ("B", &b)] {
        let net = net.read();
        println!("  {who}: /proc/net/dev");
        print_view(dev::proc_net_dev(&net).map(|t| t.lines().map(|l| format!("  {l}\n")).collect()));
        println!("  {who}: /proc/net/snmp (Udp)");
        let snmp = inet::proc_net_snmp(&net)?;
        print_view(Ok(snmp.lines().filter(|l| l.starts_with("Udp:")).map(|l| format!("  {l}\n")).collect()));
    }
    udp_filter_demo(k, &a, &b, ip_b, &settle)?;
    if let Some((mut na, mut nb, _)) = nics {
        println!("\n# igb: hardware counters (igb_update_stats)");
        for (who, n) in [("A", &mut na), ("B", &mut nb)] {
            let s = n.adapter.igb_update_stats();
            println!(
                "  {who}: gprc {} gptc {} gorc {} gotc {} mpc {} crcerrs {}",
                s.gprc, s.gptc, s.gorc, s.gotc, s.mpc, s.crcerrs
            );
            n.adapter.igb_close()?;
        }
    }
    ns.put_net(a)?;
    ns.put_net(b)
}

/// Runs the machine until the namespaces are quiet: `settle` for veth,
/// `netgen_stack::igb::pump` for the 82576s.
type Settle<'a> = dyn Fn(&Kernel, &[&netgen_runtime::netns::NetRef<Pernet>]) -> Result<usize, Errno> + 'a;

/// The namespace's netfilter hooks, as `nf_hooks_seq_show` lists them.
fn nf_hooks(net: &netgen_runtime::netns::Net<netgen_stack::generated::pernet::Pernet>) -> Result<String, Errno> {
    Ok(netgen_runtime::netfilter::nf_hooks_seq_show(net.get::<netgen_runtime::netfilter::NetNf<_>>()?))
}

/// The spec's `udp_filter` hook (LOCAL_IN): B sets
/// `net.netfilter.udp_drop_port` to 9; a datagram from A to port 9 is
/// dropped and counted (`NetfilterDrops`), one to port 10 delivered.
fn udp_filter_demo(
    k: &Kernel,
    a: &netgen_runtime::netns::NetRef<netgen_stack::generated::pernet::Pernet>,
    b: &netgen_runtime::netns::NetRef<netgen_stack::generated::pernet::Pernet>,
    ip_b: std::net::Ipv4Addr,
    settle: &Settle<'_>,
) -> Result<(), Errno> {
    use netgen_runtime::inet::mib::{ExtMib, Ipv4Mib, UdpMib};
    use netgen_runtime::netfilter::udp_filter::UdpFilterNet;
    use netgen_runtime::socket::syscalls::{sys_bind, sys_recvfrom, sys_sendto, sys_socket};
    use netgen_runtime::tables::SockAddr;
    use netgen_stack::with_cx;
    use std::net::{Ipv4Addr, SocketAddrV4};

    let to = |ip, port| SockAddr::Inet(SocketAddrV4::new(ip, port));
    let (blocked, open) = with_cx(k, b, |cx| -> Result<(i32, i32), Errno> {
        cx.state_mut::<UdpFilterNet>()?.set_drop_port(9)?; // sysctl -w net.netfilter.udp_drop_port=9
        let blocked = sys_socket(cx, 2, 2, 0)?;
        sys_bind(cx, blocked, &to(Ipv4Addr::UNSPECIFIED, 9))?;
        let open = sys_socket(cx, 2, 2, 0)?;
        sys_bind(cx, open, &to(Ipv4Addr::UNSPECIFIED, 10))?;
        Ok((blocked, open))
    })??;
    with_cx(k, a, |cx| -> Result<(), Errno> {
        let fd = sys_socket(cx, 2, 2, 0)?;
        sys_sendto(cx, fd, b"to the blocked port", Some(&to(ip_b, 9)), 0)?;
        sys_sendto(cx, fd, b"to another port", Some(&to(ip_b, 10)), 0)?;
        Ok(())
    })??;
    settle(k, &[a, b])?;
    println!("\n# netfilter: B sets net.netfilter.udp_drop_port = 9 (spec nf_hook udp_filter, LOCAL_IN)");
    with_cx(k, b, |cx| -> Result<(), Errno> {
        let mut buf = [0u8; 64];
        match sys_recvfrom(cx, blocked, &mut buf, 0) {
            Ok((n, _)) => println!("  B: port 9 received {:?} (not filtered!)", String::from_utf8_lossy(&buf[..n])),
            Err(e) => println!("  B: port 9 received nothing ({})", e.name().unwrap_or("?")),
        }
        let (n, from) = sys_recvfrom(cx, open, &mut buf, 0)?;
        println!("  B: port 10 received {:?} from {from:?}", String::from_utf8_lossy(&buf[..n]));
        let mib = cx.state::<Ipv4Mib>()?;
        println!("  B: NetfilterDrops {}, Udp InDatagrams {}", mib.get(ExtMib::NfDrops), mib.get(UdpMib::InDatagrams));
        Ok(())
    })??;
    println!("  B: /proc/net/netfilter/nf_hooks");
    print_view(nf_hooks(&b.read()).map(|t| t.lines().map(|l| format!("  {l}\n")).collect()));
    Ok(())
}

fn print_view(v: Result<String, Errno>) {
    match v {
        Ok(text) => text.lines().for_each(|l| println!("  {l}")),
        Err(e) => println!("  unavailable: {e}"),
    }
}
