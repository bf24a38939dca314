//! What the packet tests (`packets`, `fragments`, `igb_model`) share:
//! booting the spec's stack with every initcall run, socket addresses, and
//! reading a namespace's IPv4 counters. Each test binary uses a part of it.
#![allow(dead_code)]

use std::net::{Ipv4Addr, SocketAddrV4};

use netgen_runtime::inet::mib::{Ipv4Counter, Ipv4Mib};
use netgen_runtime::init::BootOptions;
use netgen_runtime::tables::SockAddr;
use netgen_stack::{Cx, Kernel};

/// The stack booted on one CPU; no initcall failed or was skipped.
pub fn boot() -> Kernel {
    let (k, report) = netgen_stack::boot(1, &BootOptions::default());
    let (_, failed, skipped, _) = report.counts();
    assert_eq!((failed, skipped), (0, 0), "{:?}", k.log());
    k
}

/// `ip:port` as a socket address.
pub fn sa(ip: Ipv4Addr, port: u16) -> SockAddr {
    SockAddr::Inet(SocketAddrV4::new(ip, port))
}

/// One IPv4 counter of `cx`'s namespace (its per-CPU rows summed).
pub fn mib(cx: &Cx<'_>, c: impl Into<Ipv4Counter>) -> u64 {
    cx.state::<Ipv4Mib>().unwrap().get(c)
}
