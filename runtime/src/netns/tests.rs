//! The namespace core against Linux's rules, with a small hand-written spec
//! (what netgen would generate for three operations).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use super::*;
use crate::errno::Errno;
use crate::init::{InitResult, Origin};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    /// subsys, state `Counter`, init + exit
    Counter,
    /// subsys, no state, init + pre_exit
    Proc,
    /// device, no state, exit_batch; uses `Counter`
    Dev,
}

#[derive(Debug)]
struct Counter(u64);

#[derive(Default)]
struct States {
    counter: Option<Counter>,
}

struct Spec;

const ORIGIN: Origin = Origin { file: "test", line: 1, column: 1 };

impl PernetSpec for Spec {
    type Op = Op;
    type States = States;
    const OPS: &'static [PernetDesc<Op>] = &[
        PernetDesc {
            op: Op::Counter,
            name: "counter_ops",
            kind: PernetKind::Subsys,
            registered_by: "t",
            uses: &[],
            state: Some("Counter"),
            methods: PernetMethods { init: true, pre_exit: false, exit: true, exit_batch: false },
            origin: ORIGIN,
        },
        PernetDesc {
            op: Op::Proc,
            name: "proc_ops",
            kind: PernetKind::Subsys,
            registered_by: "t",
            uses: &[],
            state: None,
            methods: PernetMethods { init: true, pre_exit: true, exit: false, exit_batch: false },
            origin: ORIGIN,
        },
        PernetDesc {
            op: Op::Dev,
            name: "dev_ops",
            kind: PernetKind::Device,
            registered_by: "t",
            uses: &["counter_ops"],
            state: None,
            methods: PernetMethods { init: true, pre_exit: false, exit: false, exit_batch: true },
            origin: ORIGIN,
        },
    ];

    fn init(op: Op, net: &mut Net<Self>) -> InitResult {
        match op {
            Op::Counter => {
                let state = Counter(net.cookie() * 10);
                net.states.counter = Some(state);
                Ok(())
            }
            Op::Proc => net.proc_net.proc_create("proc_ops"),
            Op::Dev => net.get::<Counter>().map(|_| ()),
        }
    }
    fn pre_exit(op: Op, net: &mut Net<Self>) {
        if op == Op::Proc {
            let _ = net.proc_net.remove_proc_entry("proc_ops");
        }
    }
    fn exit(op: Op, net: &mut Net<Self>) {
        if op == Op::Counter {
            assert!(net.states.counter.is_some(), "exit runs before free");
        }
    }
    fn exit_batch(_: Op, _: &mut [&mut Net<Self>]) {}
    fn free(op: Op, net: &mut Net<Self>) {
        if op == Op::Counter {
            net.states.counter = None;
        }
    }
}

impl PernetState<Spec> for Counter {
    fn slot(s: &States) -> &Option<Self> {
        &s.counter
    }
    fn slot_mut(s: &mut States) -> &mut Option<Self> {
        &mut s.counter
    }
}

fn ns() -> NetNamespaces<Spec> {
    let ns = NetNamespaces::<Spec>::new(2);
    ns.set_tracing(true);
    ns
}

/// The trace as `hook ops nets` lines.
fn trace(ns: &NetNamespaces<Spec>) -> Vec<String> {
    ns.take_trace()
        .into_iter()
        .map(|e| {
            let nets: Vec<String> = e.nets.iter().map(u64::to_string).collect();
            format!("{:?} {} [{}]", e.hook, e.ops, nets.join(","))
        })
        .collect()
}

fn names(ns: &NetNamespaces<Spec>) -> Vec<String> {
    ns.pernet_list().into_iter().map(|(n, _)| n).collect()
}

#[test]
fn subsys_runs_before_device_whatever_the_registration_order() {
    let ns = ns();
    let dev = |name| PernetOperations::new(name).init(|_| Ok(None)).exit(|_| {});
    ns.register_pernet_device(dev("dev_a")).unwrap();
    ns.register_spec(Op::Counter).unwrap();
    ns.register_pernet_device(dev("dev_b")).unwrap();
    ns.register_spec(Op::Proc).unwrap();
    assert_eq!(names(&ns), ["counter_ops", "proc_ops", "dev_a", "dev_b"]);
    trace(&ns);

    let net = ns.copy_net_ns().unwrap();
    assert_eq!(trace(&ns), ["Init counter_ops [2]", "Init proc_ops [2]", "Init dev_a [2]", "Init dev_b [2]"]);
    assert_eq!(net.read().get::<Counter>().map(|c| c.0), Ok(20));
    assert!(net.read().proc_net.contains("proc_ops"));

    ns.put_net(net).unwrap();
    // cleanup_net: pre_exit for all in reverse, then exit, then free; only
    // the operations with that method (or state) show.
    assert_eq!(
        trace(&ns),
        [
            "PreExit proc_ops [2]",
            "Exit dev_b [2]",
            "Exit dev_a [2]",
            "Exit counter_ops [2]",
            "Free dev_b [2]",
            "Free dev_a [2]",
            "Free counter_ops [2]",
        ]
    );
    assert_eq!(ns.count(), 1);
}

#[test]
fn setup_net_failure_undoes_what_ran_and_shows_nothing() {
    let ns = ns();
    for op in [Op::Counter, Op::Proc, Op::Dev] {
        ns.register_spec(op).unwrap();
    }
    trace(&ns);
    ns.inject_init_fault("dev_ops", Errno::ENOMEM, 0);
    assert_eq!(ns.copy_net_ns().err(), Some(Errno::ENOMEM));
    assert_eq!(
        trace(&ns),
        [
            "Init counter_ops [2]",
            "Init proc_ops [2]",
            "InitFailed(ENOMEM) dev_ops [2]",
            "PreExit proc_ops [2]",
            "Exit counter_ops [2]",
            "Free counter_ops [2]",
        ]
    );
    assert_eq!((ns.count(), ns.nr_net_namespaces()), (1, 0), "no half-built namespace visible or counted");
    ns.clear_faults();
    let net = ns.copy_net_ns().unwrap();
    assert_eq!(net.cookie(), 3, "the failed namespace used cookie 2");
}

#[test]
fn late_registration_runs_init_everywhere_and_undoes_on_failure() {
    let ns = ns();
    ns.register_spec(Op::Counter).unwrap();
    let nets: Vec<_> = (0..3).map(|_| ns.copy_net_ns().unwrap()).collect();
    trace(&ns);
    // Fails on the third namespace (init_net, 2, then 3).
    ns.inject_init_fault("proc_ops", Errno::EIO, 2);
    assert_eq!(ns.register_spec(Op::Proc), Err(Errno::EIO));
    assert_eq!(
        trace(&ns),
        ["Init proc_ops [1]", "Init proc_ops [2]", "InitFailed(EIO) proc_ops [3]", "PreExit proc_ops [1,2]",]
    );
    assert_eq!(names(&ns), ["counter_ops"]);
    assert!(ns.nets().iter().all(|n| !n.read().proc_net.contains("proc_ops")), "nothing left behind");
    ns.clear_faults();
    ns.register_spec(Op::Proc).unwrap();
    assert!(ns.nets().iter().all(|n| n.read().proc_net.contains("proc_ops")));

    // Unregistering runs the exits on every live namespace.
    trace(&ns);
    ns.unregister_spec(Op::Proc).unwrap();
    assert_eq!(trace(&ns), ["PreExit proc_ops [1,2,3,4]"]);
    for n in nets {
        ns.put_net(n).unwrap();
    }
}

#[test]
fn bad_requests_are_errors_and_leak_nothing() {
    let ns = ns();
    ns.register_spec(Op::Counter).unwrap();
    assert_eq!(ns.register_spec(Op::Counter), Err(Errno::EEXIST));
    // A run-time operation of the same name is another registration (Linux
    // tells them apart by pointer, not by name).
    let same_name = ns.register_pernet_subsys(PernetOperations::new("counter_ops")).unwrap();
    assert_eq!(ns.unregister_pernet_device(same_name), Err(Errno::ENOENT), "registered as subsys");
    ns.unregister_pernet_subsys(same_name).unwrap();
    assert_eq!(ns.unregister_pernet_subsys(same_name), Err(Errno::ENOENT), "a handle unregisters once");
    assert_eq!(ns.generic_ids_in_use(), 0, "the id is given back");
    assert_eq!(ns.unregister_pernet_subsys(PernetId(99)), Err(Errno::ENOENT));
    assert_eq!(names(&ns), ["counter_ops"], "the spec operation of that name is untouched");
    ns.register_spec(Op::Dev).unwrap();
    assert_eq!(ns.unregister_spec(Op::Counter), Err(Errno::EBUSY), "dev_ops uses its state");
    ns.unregister_spec(Op::Dev).unwrap();
    ns.unregister_spec(Op::Counter).unwrap();

    ns.set_max_net_namespaces(2);
    let a = ns.copy_net_ns().unwrap();
    let b = ns.copy_net_ns().unwrap();
    assert_eq!(ns.copy_net_ns().err(), Some(Errno::ENOSPC));
    assert_eq!(ns.count(), 3);
    assert_eq!(ns.put_net(ns.init_net()), Err(Errno::EINVAL), "init_net is never destroyed");
    let a2 = ns.get_net(&a);
    ns.put_net(a).unwrap();
    assert_eq!(ns.count(), 3, "a reference is left");
    ns.put_net(a2).unwrap();
    ns.put_net(b).unwrap();
    assert_eq!((ns.count(), ns.nr_net_namespaces()), (1, 0));
    ns.copy_net_ns().unwrap();
}

#[test]
fn state_of_unregistered_ops_is_enoent() {
    let ns = ns();
    let init = ns.init_net();
    assert_eq!(init.read().get::<Counter>().err(), Some(Errno::ENOENT));
    ns.register_spec(Op::Counter).unwrap();
    assert_eq!(init.read().get::<Counter>().map(|c| c.0), Ok(10));
    init.write().get_mut::<Counter>().unwrap().0 += 1;
    assert_eq!(init.read().get::<Counter>().map(|c| c.0), Ok(11));
    ns.unregister_spec(Op::Counter).unwrap();
    assert_eq!(init.read().get::<Counter>().err(), Some(Errno::ENOENT));
}

#[test]
fn runtime_ops_keep_data_in_net_generic_and_batch_exits() {
    let ns = ns();
    let batches = Arc::new(AtomicUsize::new(0));
    let b = Arc::clone(&batches);
    let id = ns
        .register_pernet_subsys(
            PernetOperations::new("user_ops")
                .init(|net| Ok(Some(Box::new(net.cookie() + 100) as GenericData)))
                .exit_batch(move |nets| {
                    b.fetch_add(nets.len(), Ordering::SeqCst);
                }),
        )
        .unwrap();
    assert_eq!(ns.init_net().read().net_generic::<u64>(id), Some(&101));
    let net = ns.copy_net_ns().unwrap();
    assert_eq!(net.read().net_generic::<u64>(id), Some(&102));
    assert_eq!(net.read().net_generic::<u32>(id), None, "wrong type");
    ns.put_net(net).unwrap();
    assert_eq!(batches.load(Ordering::SeqCst), 1);
    ns.unregister_pernet_subsys(id).unwrap();
    assert_eq!(ns.init_net().read().generic_live(), 0);
    assert_eq!(ns.generic_ids_in_use(), 0);
}

/// `register_pernet_operations` (net/core/net_namespace.c) takes ids with
/// `ida_alloc_min(&net_generic_ids, MIN_PERNET_OPS_ID, ..)`: the first is
/// 3, never 0 (the slots `struct net_generic`'s header overlays), and a
/// freed id is reused.
#[test]
fn runtime_pernet_ids_start_at_min_pernet_ops_id() {
    let ns = ns();
    let data = |v: u64| move |_: &mut Net<Spec>| Ok(Some(Box::new(v) as GenericData));
    let a = ns.register_pernet_subsys(PernetOperations::new("a_ops").init(data(1))).unwrap();
    let b = ns.register_pernet_device(PernetOperations::new("b_ops").init(data(2))).unwrap();
    assert_eq!((a, b), (PernetId(3), PernetId(4)));
    assert_eq!(MIN_PERNET_OPS_ID, 3);
    let init = ns.init_net();
    assert_eq!((init.read().net_generic::<u64>(a), init.read().net_generic::<u64>(b)), (Some(&1), Some(&2)));
    assert_eq!(init.read().net_generic::<u64>(PernetId(0)), None);
    ns.unregister_pernet_subsys(a).unwrap();
    let c = ns.register_pernet_subsys(PernetOperations::new("c_ops").init(data(3))).unwrap();
    assert_eq!(c, PernetId(3), "the smallest free id at or above the minimum");
    assert_eq!(init.read().net_generic::<u64>(c), Some(&3));
}

/// Threads create and destroy namespaces while others register and
/// unregister operations. Every operation counts its inits and exits per
/// namespace; at the end every (operation, namespace) pair was initialized
/// exactly as often as it was torn down, and never twice at once.
#[test]
fn concurrent_create_destroy_and_register_keep_init_and_exit_paired() {
    use std::collections::HashMap;
    use std::sync::Mutex;

    let (creators, rounds, registrars) = if cfg!(miri) { (2, 3, 1) } else { (4, 200, 2) };
    let ns = NetNamespaces::<Spec>::new(1);
    ns.register_spec(Op::Counter).unwrap();
    // (ops name, cookie) -> live count; every init and exit checks it.
    type Ledger = Mutex<HashMap<(String, u64), i64>>;
    let ledger: Arc<Ledger> = Arc::default();
    let violations = Arc::new(AtomicUsize::new(0));
    let ops = |name: String, ledger: Arc<Ledger>, violations: Arc<AtomicUsize>| {
        let (l2, v2, n2) = (Arc::clone(&ledger), Arc::clone(&violations), name.clone());
        PernetOperations::<Spec>::new(name.clone())
            .init(move |net| {
                let mut l = ledger.lock().unwrap();
                let c = l.entry((name.clone(), net.cookie())).or_default();
                *c += 1;
                if *c != 1 {
                    violations.fetch_add(1, Ordering::SeqCst);
                }
                Ok(None)
            })
            .exit(move |net| {
                let mut l = l2.lock().unwrap();
                let c = l.entry((n2.clone(), net.cookie())).or_default();
                *c -= 1;
                if *c != 0 {
                    v2.fetch_add(1, Ordering::SeqCst);
                }
            })
    };
    std::thread::scope(|s| {
        for _ in 0..creators {
            let ns = ns.clone();
            s.spawn(move || {
                for _ in 0..rounds {
                    let a = ns.copy_net_ns().unwrap();
                    let b = ns.copy_net_ns().unwrap();
                    assert!(a.read().get::<Counter>().is_ok(), "a visible namespace is fully set up");
                    ns.put_net(a).unwrap();
                    ns.put_net(b).unwrap();
                }
            });
        }
        for r in 0..registrars {
            let (ns, ledger, violations) = (ns.clone(), Arc::clone(&ledger), Arc::clone(&violations));
            s.spawn(move || {
                for i in 0..rounds {
                    let name = format!("ops_{r}_{i}");
                    let o = ops(name.clone(), Arc::clone(&ledger), Arc::clone(&violations));
                    if i % 2 == 0 {
                        let id = ns.register_pernet_subsys(o).unwrap();
                        ns.unregister_pernet_subsys(id).unwrap();
                    } else {
                        let id = ns.register_pernet_device(o).unwrap();
                        ns.unregister_pernet_device(id).unwrap();
                    }
                }
            });
        }
    });
    assert_eq!(violations.load(Ordering::SeqCst), 0, "an init or exit ran twice");
    let l = ledger.lock().unwrap();
    assert!(
        l.values().all(|&c| c == 0),
        "unpaired init/exit: {:?}",
        l.iter().filter(|(_, &c)| c != 0).collect::<Vec<_>>()
    );
    assert!(!l.is_empty(), "the operations ran on some namespaces");
    assert_eq!((ns.count(), ns.nr_net_namespaces(), ns.generic_ids_in_use()), (1, 0, 0));
}

#[test]
fn proc_dir_create_all_unwinds_on_failure() {
    let mut d = ProcDir::default();
    d.proc_create("ptype").unwrap();
    assert_eq!(d.proc_create_all(&["dev", "softnet_stat", "ptype"]), Err(Errno::EEXIST));
    assert_eq!(d.entries(), ["ptype"], "dev and softnet_stat were removed again");
    d.remove_all(&["ptype", "absent"]);
    assert!(d.entries().is_empty());
    assert_eq!(d.remove_proc_entry("ptype"), Err(Errno::ENOENT));
}
