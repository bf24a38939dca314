//! Entry points shared by the examples and the end-to-end tests: boot the
//! generated stack with the initcalls of every linked crate.

pub use netgen_generated as generated;
pub use netgen_runtime as runtime;
/// Run a call in a namespace (`with_cx`) and let frames move between
/// namespaces until the wires are quiet (`settle`).
pub use netgen_runtime::stack::{settle, with_cx};

pub mod frames;
pub mod igb;
pub mod linux;
pub mod pcap;
pub mod tap;

use netgen_generated::pernet::Pernet;
use netgen_runtime::dev::NetDevTables;
use netgen_runtime::inet::arp::NeighTable;
use netgen_runtime::inet::ip_fragment::Ipv4Frags;
use netgen_runtime::inet::mib::Ipv4Mib;
use netgen_runtime::init::{do_initcalls, BootOptions, BootReport};
use netgen_runtime::netns::NetNamespaces;
use netgen_runtime::tables::{NetCx, RxOutcomes};
use netgen_runtime::Errno;

/// The kernel of the spec's stack (its kernel states are fields).
pub use netgen_generated::prelude::Kernel;

/// The network namespaces of the spec's stack.
pub type Namespaces = NetNamespaces<Pernet>;

/// The booted kernel's namespaces (`ENOENT` if `net_ns_init` did not run).
/// A clone shares them: threads may create and destroy namespaces on it.
pub fn namespaces(k: &Kernel) -> Result<Namespaces, Errno> {
    k.get::<Namespaces>().cloned()
}

/// Boots a kernel for `nr_cpus` CPUs: the spec's initcalls merged with every
/// initcall collected from linked crates, run level by level.
pub fn boot(nr_cpus: usize, opts: &BootOptions) -> (Kernel, BootReport) {
    let mut kernel = Kernel::new(nr_cpus);
    let plan = netgen_generated::plan();
    let report = do_initcalls(&mut kernel, &plan, opts);
    (kernel, report)
}

/// Parses an example's `--fail NAME=ERRNO` value (`sock_init=ENOMEM`); the
/// examples use it as the option's clap value parser.
pub fn parse_fault(v: &str) -> Result<(String, Errno), String> {
    let (name, errno) = v.split_once('=').ok_or("expected NAME=ERRNO".to_string())?;
    let e = Errno::from_name(errno).ok_or(format!("unknown errno `{errno}`"))?;
    Ok((name.to_string(), e))
}

/// The context a system call or a NAPI poll runs in (`NetCx`) for one
/// namespace of the spec's stack.
pub type Cx<'a> = NetCx<'a, Pernet>;

/// The README's "Boot the stack from your own binary" example,
/// `examples/own_binary.rs`, compiled and run as a doc test (`cargo test
/// --doc`); `tests/boot.rs` checks that the README shows the file as it is.
#[cfg(doctest)]
#[doc = concat!("```\n", include_str!("../examples/own_binary.rs"), "```")]
pub struct OwnBinaryExample;

/// What became of every frame `cx`'s namespace received, by outcome: the
/// receive-path counters of the IPv4 MIBs, of each device, of the
/// neighbour table and of the fragment queues, summed. The tests that
/// check "every frame has exactly one outcome" add these up; a new drop
/// counter is added here, once. (Datagrams still queued on sockets are
/// the caller's to add.)
pub fn rx_outcomes(cx: &Cx<'_>) -> RxOutcomes {
    let mut o = RxOutcomes::default();
    if let Ok(mib) = cx.state::<Ipv4Mib>() {
        o += mib.rx_outcomes();
    }
    if let Ok(devs) = cx.state::<NetDevTables>() {
        for d in devs.devices() {
            o += d.get_stats().rx_outcomes();
        }
    }
    if let Ok(neigh) = cx.state::<NeighTable>() {
        o += neigh.stats.rx_outcomes();
    }
    if let Ok(frags) = cx.state::<Ipv4Frags>() {
        o += frags.rx_outcomes();
    }
    o
}
