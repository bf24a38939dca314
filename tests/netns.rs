//! Network namespaces of the full stack: the spec's pernet operations as
//! generated, run by the namespace core, against Linux's rules
//! (net/core/net_namespace.c).

use netgen_generated::pernet::{PernetOp, PERNET_OPS};
use netgen_runtime::dev::{LoopbackDev, NetDevTables, LOOPBACK_IFINDEX};
use netgen_runtime::inet::mib::Ipv4Mib;
use netgen_runtime::inet::netns_ipv4::Ipv4Net;
use netgen_runtime::init::BootOptions;
use netgen_runtime::netns::net_ns_ops::NsCommon;
use netgen_runtime::netns::{Hook, PernetKind, PernetOperations};
use netgen_runtime::sock::{proc_net_protocols, ProtInuseCounters};
use netgen_runtime::sysctl::{proc_sys_net_core, SysctlCoreNet};
use netgen_runtime::Errno;
use netgen_stack::Kernel;
use netgen_stack::Namespaces;

fn boot() -> (Kernel, Namespaces) {
    let (k, report) = netgen_stack::boot(2, &BootOptions::default());
    let (_, failed, skipped, _) = report.counts();
    assert_eq!((failed, skipped), (0, 0), "{:?}", k.log());
    let ns = netgen_stack::namespaces(&k).unwrap();
    (k, ns)
}

/// The spec's operations in the order Linux's `pernet_list` holds them
/// after boot (net/core/net_namespace.c): `register_pernet_subsys` inserts
/// before `first_device`, `register_pernet_device` appends, so the subsys
/// operations in registration order (`PERNET_OPS`'s), then the device ones.
fn expected_pernet_list() -> Vec<&'static str> {
    let of = |kind: PernetKind| PERNET_OPS.iter().filter(move |d| d.kind == kind).map(|d| d.name);
    of(PernetKind::Subsys).chain(of(PernetKind::Device)).collect()
}

fn pernet_names(ns: &Namespaces) -> Vec<String> {
    ns.pernet_list().into_iter().map(|(n, _)| n).collect()
}

#[test]
fn boot_registers_the_spec_operations_subsys_before_device() {
    let (_, ns) = boot();
    let expected = expected_pernet_list();
    assert_eq!(pernet_names(&ns), expected);
    let kinds: Vec<_> = ns.pernet_list().into_iter().map(|(_, k)| k).collect();
    let first_device = kinds.iter().position(|k| *k == PernetKind::Device).unwrap();
    assert!(kinds[first_device..].iter().all(|k| *k == PernetKind::Device));
    assert_eq!(PERNET_OPS.len(), expected.len(), "every spec operation is registered at boot");
}

#[test]
fn every_namespace_gets_lo_counters_and_settings() {
    let (k, ns) = boot();
    let a = ns.copy_net_ns().unwrap();
    for net in [ns.init_net(), a] {
        let n = net.read();
        let devs: Vec<_> = n.get::<NetDevTables>().unwrap().devices().map(|d| (d.ifindex, d.name.clone())).collect();
        assert_eq!(devs, [(LOOPBACK_IFINDEX, "lo".to_string())], "namespace {}", n.cookie());
        assert_eq!(n.get::<LoopbackDev>().map(|l| l.ifindex), Ok(LOOPBACK_IFINDEX));
        assert_eq!(proc_sys_net_core(&k, &n, "somaxconn"), Ok(4096));
        assert_eq!(n.get::<Ipv4Net>().map(|s| s.default_ttl()), Ok(64));
        assert!(n.get::<Ipv4Mib>().is_ok());
        assert!(n.get::<NsCommon>().unwrap().inum >= netgen_runtime::netns::net_ns_ops::PROC_DYNAMIC_FIRST);
        assert_eq!(
            n.proc_net.entries(),
            [
                "netfilter",
                "protocols",
                "dev",
                "softnet_stat",
                "ptype",
                "dev_mcast",
                "arp",
                "igmp",
                "mcfilter",
                "packet"
            ]
        );
        let protocols = proc_net_protocols(&k, &n).unwrap();
        let names: Vec<_> = protocols.lines().skip(1).filter_map(|l| l.split_whitespace().next()).collect();
        assert_eq!(names, ["PACKET", "PING", "RAW", "UDP", "TCP"]);
    }
}

#[test]
fn namespaces_are_independent() {
    let (_, ns) = boot();
    let a = ns.copy_net_ns().unwrap();
    let b = ns.copy_net_ns().unwrap();
    a.write().get_mut::<ProtInuseCounters>().unwrap().add(0, 0, 5).unwrap();
    a.write()
        .get_mut::<NetDevTables>()
        .unwrap()
        .register_netdevice(netgen_runtime::dev::NetDevice::ether("eth%d", [2; 6]))
        .unwrap();
    assert_eq!(a.read().get::<ProtInuseCounters>().unwrap().get(0), 5);
    assert_eq!(b.read().get::<ProtInuseCounters>().unwrap().get(0), 0);
    assert_eq!(b.read().get::<NetDevTables>().unwrap().devices().count(), 1);
    let inums = [&a, &b].map(|n| n.read().get::<NsCommon>().unwrap().inum);
    assert_ne!(inums[0], inums[1]);
    // default_device_ops' exit_batch unregisters eth0 and lo.
    ns.set_tracing(true);
    ns.put_net(a).unwrap();
    let trace = ns.take_trace();
    assert!(trace.iter().any(|e| e.hook == Hook::Exit && e.ops == "default_device_ops"));
    assert_eq!(ns.count(), 2);
    ns.put_net(b).unwrap();
    assert_eq!((ns.count(), ns.nr_net_namespaces()), (1, 0));
}

/// Whether spec operation `name` has something to do at step `hook` (the
/// trace shows only those steps).
fn has(name: &str, hook: Hook) -> bool {
    let d = PERNET_OPS.iter().find(|d| d.name == name).unwrap();
    match hook {
        Hook::Init | Hook::InitFailed(_) => d.methods.init,
        Hook::PreExit => d.methods.pre_exit,
        Hook::Exit => d.methods.exit || d.methods.exit_batch,
        Hook::Free => d.state.is_some(),
    }
}

/// The steps of a failed `copy_net_ns` when `failing` fails: every
/// operation before it initialized, then undone in reverse: all
/// `pre_exit`s, all `exit`s (with `exit_batch`), all frees.
fn expected_undo(before: &[&str], failing: &str, e: Errno) -> Vec<(Hook, String)> {
    let mut t: Vec<(Hook, String)> =
        before.iter().filter(|o| has(o, Hook::Init)).map(|o| (Hook::Init, o.to_string())).collect();
    t.push((Hook::InitFailed(e), failing.to_string()));
    for hook in [Hook::PreExit, Hook::Exit, Hook::Free] {
        t.extend(before.iter().rev().filter(|o| has(o, hook)).map(|o| (hook, o.to_string())));
    }
    t
}

#[test]
fn a_failing_init_in_setup_net_undoes_exactly_what_ran() {
    let (_, ns) = boot();
    let list = expected_pernet_list();
    for (i, failing) in list.iter().enumerate() {
        ns.set_tracing(true);
        ns.inject_init_fault(failing, Errno::ENOMEM, 0);
        assert_eq!(ns.copy_net_ns().err(), Some(Errno::ENOMEM), "{failing}");
        ns.clear_faults();
        let trace: Vec<_> = ns.take_trace().into_iter().map(|e| (e.hook, e.ops)).collect();
        assert_eq!(trace, expected_undo(&list[..i], failing, Errno::ENOMEM), "{failing}");
        assert_eq!((ns.count(), ns.nr_net_namespaces()), (1, 0), "{failing}: nothing visible, nothing counted");
    }
    ns.set_tracing(false);
    let net = ns.copy_net_ns().unwrap();
    assert_eq!(net.read().get::<NetDevTables>().unwrap().devices().count(), 1);
}

#[test]
fn a_failing_late_registration_is_undone_on_the_namespaces_already_done() {
    let (_, ns) = boot();
    let nets: Vec<_> = (0..3).map(|_| ns.copy_net_ns().unwrap()).collect();
    let cookies: Vec<u64> = ns.nets().iter().map(|n| n.cookie()).collect();
    for d in PERNET_OPS {
        // Operations others use cannot go (EBUSY): take their users out first.
        let users: Vec<_> = PERNET_OPS.iter().filter(|u| u.uses.contains(&d.name)).collect();
        for u in &users {
            ns.unregister_spec(u.op).unwrap();
        }
        ns.unregister_spec(d.op).unwrap();
        let before = pernet_names(&ns);
        ns.set_tracing(true);
        // init succeeds on init_net and the first namespace, fails on the second.
        ns.inject_init_fault(d.name, Errno::EIO, 2);
        assert_eq!(ns.register_spec(d.op), Err(Errno::EIO), "{}", d.name);
        ns.clear_faults();
        let trace: Vec<_> = ns.take_trace().into_iter().map(|e| (e.hook, e.ops, e.nets)).collect();
        let done = cookies[..2].to_vec();
        let mut expect: Vec<_> = cookies[..2]
            .iter()
            .filter(|_| has(d.name, Hook::Init))
            .map(|&c| (Hook::Init, d.name.to_string(), vec![c]))
            .collect();
        expect.push((Hook::InitFailed(Errno::EIO), d.name.to_string(), vec![cookies[2]]));
        let undo = [Hook::PreExit, Hook::Exit, Hook::Free].into_iter().filter(|h| has(d.name, *h));
        expect.extend(undo.map(|h| (h, d.name.to_string(), done.clone())));
        assert_eq!(trace, expect, "{}", d.name);
        assert_eq!(pernet_names(&ns), before, "{} left no entry", d.name);
        ns.set_tracing(false);
        ns.register_spec(d.op).unwrap();
        for u in &users {
            ns.register_spec(u.op).unwrap();
        }
    }
    // Everything is back, with working state in every namespace.
    for n in ns.nets() {
        let n = n.read();
        assert_eq!(n.get::<LoopbackDev>().map(|l| l.ifindex), Ok(LOOPBACK_IFINDEX));
        assert!(n.get::<SysctlCoreNet>().is_ok() && n.proc_net.contains("packet"));
    }
    for n in nets {
        ns.put_net(n).unwrap();
    }
}

#[test]
fn a_subsys_registered_after_device_ops_still_runs_before_them() {
    let (_, ns) = boot();
    let ops = |name| PernetOperations::new(name).init(|_| Ok(None)).exit(|_| {});
    ns.register_pernet_subsys(ops("late_subsys_ops")).unwrap();
    ns.register_pernet_device(ops("late_device_ops")).unwrap();
    let names = pernet_names(&ns);
    let pos = |n: &str| names.iter().position(|x| x == n).unwrap();
    assert!(pos("late_subsys_ops") < pos("loopback_net_ops"));
    assert_eq!(names.last().map(String::as_str), Some("late_device_ops"));
    ns.set_tracing(true);
    let net = ns.copy_net_ns().unwrap();
    let inits: Vec<_> = ns.take_trace().into_iter().filter(|e| e.hook == Hook::Init).map(|e| e.ops).collect();
    let late = ["late_subsys_ops", "late_device_ops"];
    let with = |hook| names.iter().filter(|n| late.contains(&n.as_str()) || has(n, hook)).cloned().collect::<Vec<_>>();
    assert_eq!(inits, with(Hook::Init), "a namespace runs init in pernet_list order");
    ns.put_net(net).unwrap();
    let exits: Vec<_> = ns.take_trace().into_iter().filter(|e| e.hook == Hook::Exit).map(|e| e.ops).collect();
    assert_eq!(exits, with(Hook::Exit).into_iter().rev().collect::<Vec<_>>(), "exits in reverse");
}

#[test]
fn bad_requests_are_clear_errors() {
    let (_, ns) = boot();
    assert_eq!(ns.register_spec(PernetOp::loopback_net_ops), Err(Errno::EEXIST));
    assert_eq!(ns.unregister_pernet_subsys(netgen_runtime::netns::PernetId(99)), Err(Errno::ENOENT), "no such handle");
    let dev = ns.register_pernet_device(netgen_runtime::netns::PernetOperations::new("loopback_net_ops")).unwrap();
    assert_eq!(ns.unregister_pernet_subsys(dev), Err(Errno::ENOENT), "it is a device operation");
    ns.unregister_pernet_device(dev).unwrap();
    assert_eq!(ns.unregister_spec(PernetOp::netdev_net_ops), Err(Errno::EBUSY), "lo lives in its tables");
    ns.set_max_net_namespaces(1);
    let a = ns.copy_net_ns().unwrap();
    assert_eq!(ns.copy_net_ns().err(), Some(Errno::ENOSPC));
    ns.put_net(a).unwrap();
    ns.copy_net_ns().unwrap();
}

#[test]
fn threads_create_and_destroy_namespaces_while_operations_come_and_go() {
    let (_, ns) = boot();
    std::thread::scope(|s| {
        for _ in 0..3 {
            let ns = ns.clone();
            s.spawn(move || {
                for _ in 0..50 {
                    let net = ns.copy_net_ns().unwrap();
                    {
                        let n = net.read();
                        assert_eq!(n.get::<LoopbackDev>().map(|l| l.ifindex), Ok(LOOPBACK_IFINDEX));
                    }
                    ns.put_net(net).unwrap();
                }
            });
        }
        let ns2 = ns.clone();
        s.spawn(move || {
            for _ in 0..50 {
                ns2.unregister_spec(PernetOp::packet_net_ops).unwrap();
                ns2.register_spec(PernetOp::packet_net_ops).unwrap();
            }
        });
    });
    assert_eq!((ns.count(), ns.nr_net_namespaces()), (1, 0));
    assert!(ns.init_net().read().proc_net.contains("packet"));
}
