//! The main job: boot the stack netgen generated from `spec/`, on the
//! built-in simulated machine (no root needed), and print what Linux would
//! print with `initcall_debug`, then the tables boot built.
//!
//! ```text
//! cargo run --release --example boot
//! cargo run --release --example boot -- --cpus 4 --initcall_blacklist netpoll_init --fail sock_init=ENOMEM
//! ```

use std::process::ExitCode;

use netgen_runtime::init::BootOptions;
use netgen_runtime::{dev, sock, socket, Errno, Kernel};

// Link the example user crate so its `#[subsys_initcall]`s join the boot.
use user_crate as _;

const USAGE: &str = "usage: boot [--cpus N] [--initcall_blacklist a,b] [--fail NAME=ERRNO]... [--quiet]";

struct Args {
    cpus: usize,
    opts: BootOptions,
    quiet: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args { cpus: 2, opts: BootOptions::default(), quiet: false };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value\n{USAGE}"));
        match a.as_str() {
            "--cpus" => {
                let v = value("--cpus")?;
                args.cpus = v.parse().ok().filter(|&n| n > 0).ok_or(format!("--cpus: `{v}` is not a CPU count"))?;
            }
            "--initcall_blacklist" => {
                args.opts.blacklist.extend(value("--initcall_blacklist")?.split(',').map(str::to_string))
            }
            "--fail" => {
                let (name, e) = netgen_stack::parse_fault(&value("--fail")?)?;
                args.opts.inject.insert(name, e);
            }
            "--quiet" => args.quiet = true,
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let (kernel, report) = netgen_stack::boot(args.cpus, &args.opts);
    if !args.quiet {
        for line in kernel.log() {
            println!("{line}");
        }
    }
    print_tables(&kernel);
    let (_, failed, skipped, _) = report.counts();
    if failed + skipped > 0 || !report.rejected.is_empty() {
        println!("\nboot finished with {failed} failed and {skipped} skipped initcalls");
    }
    ExitCode::SUCCESS
}

/// The tables after boot, in the style of /proc/net.
fn print_tables(k: &Kernel) {
    println!("\n# net_families (sock_register)");
    match k.get::<socket::SockRegistryState>() {
        Ok(reg) => {
            for f in reg.families() {
                println!("  {:>3}  {}", f.family, f.create);
            }
        }
        Err(e) => println!("  unavailable: {e}"),
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

fn print_view(v: Result<String, Errno>) {
    match v {
        Ok(text) => text.lines().for_each(|l| println!("  {l}")),
        Err(e) => println!("  unavailable: {e}"),
    }
}
