//! Nothing leaks: failed and successful namespace creation, failed late
//! registration and refused requests give back every byte they allocated.
//! One test in its own binary, so the process-wide allocation counters see
//! only its own work.

use std::alloc::System;

use netgen_generated::pernet::PERNET_OPS;
use netgen_runtime::init::BootOptions;
use netgen_runtime::Errno;
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Bytes allocated and not freed while `f` ran (stats_alloc counts a
/// `realloc`'s growth as allocated and its shrinking as freed).
fn retained(f: impl FnOnce()) -> isize {
    let region = Region::new(GLOBAL);
    f();
    let c = region.change();
    c.bytes_allocated as isize - c.bytes_deallocated as isize
}

#[test]
fn namespaces_and_failures_leave_nothing_behind() {
    let (k, _) = netgen_stack::boot(2, &BootOptions::default());
    let ns = netgen_stack::namespaces(&k).unwrap();
    // Warm up: the first namespace grows lists that stay allocated.
    let net = ns.copy_net_ns().unwrap();
    ns.put_net(net).unwrap();

    assert_eq!(retained(|| ns.put_net(ns.copy_net_ns().unwrap()).unwrap()), 0, "create + destroy");

    for d in PERNET_OPS {
        ns.inject_init_fault(d.name, Errno::ENOMEM, 0);
        let leaked = retained(|| assert_eq!(ns.copy_net_ns().err(), Some(Errno::ENOMEM)));
        ns.clear_faults();
        assert_eq!(leaked, 0, "setup_net failing in {}", d.name);
    }

    let nets: Vec<_> = (0..2).map(|_| ns.copy_net_ns().unwrap()).collect();
    let packet = PERNET_OPS.iter().find(|d| d.name == "packet_net_ops").unwrap();
    ns.unregister_spec(packet.op).unwrap();
    ns.inject_init_fault(packet.name, Errno::EIO, 1);
    let leaked = retained(|| assert_eq!(ns.register_spec(packet.op), Err(Errno::EIO)));
    ns.clear_faults();
    assert_eq!(leaked, 0, "late registration failing on the second namespace");
    ns.register_spec(packet.op).unwrap();

    let leaked = retained(|| {
        assert_eq!(ns.register_spec(packet.op), Err(Errno::EEXIST));
        assert_eq!(ns.unregister_pernet_device(netgen_runtime::netns::PernetId(99)), Err(Errno::ENOENT));
    });
    assert_eq!(leaked, 0, "refused requests");

    ns.set_max_net_namespaces(2);
    let leaked = retained(|| assert_eq!(ns.copy_net_ns().err(), Some(Errno::ENOSPC)));
    assert_eq!(leaked, 0, "over the namespace limit");
    for n in nets {
        ns.put_net(n).unwrap();
    }
}
