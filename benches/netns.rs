//! Namespace creation and destruction: netgen's `copy_net_ns` + `put_net`
//! with every operation of the spec, side by side with Linux's own
//! `unshare(CLONE_NEWNET)`, and how the cost grows with the number of
//! registered operations. Also prints the bytes one namespace keeps.
//!
//! ```text
//! cargo bench --bench netns
//! ```
//!
//! The Linux side needs CAP_SYS_ADMIN; without it it is skipped with the
//! reason printed. It is measured two ways:
//! * `linux/unshare_thread`: a dedicated thread calls `unshare(CLONE_NEWNET)`
//!   over and over; each call creates a namespace and drops the thread's
//!   previous one (Linux then tears that down on its `netns` workqueue, so
//!   part of the destruction is not on the measured path).
//! * `linux/forked_unshare_minus_fork`: `unshare --net true` vs
//!   `unshare true` as child processes; the difference is what the
//!   namespace costs a forked child.

use std::alloc::System;
use std::process::Command;
use std::time::{Duration, Instant};

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use netgen_generated::pernet::Pernet;
use netgen_runtime::init::BootOptions;
use netgen_runtime::netns::{GenericData, NetNamespaces, PernetOperations};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn booted() -> netgen_stack::Namespaces {
    let (k, _) = netgen_stack::boot(2, &BootOptions::default());
    netgen_stack::namespaces(&k).expect("boot creates namespaces")
}

fn bytes_per_namespace(ns: &netgen_stack::Namespaces) -> isize {
    let region = Region::new(GLOBAL);
    let net = ns.copy_net_ns().expect("copy_net_ns");
    let c = region.change();
    let live = c.bytes_allocated as isize - c.bytes_deallocated as isize;
    ns.put_net(net).expect("put_net");
    live
}

fn create_destroy(c: &mut Criterion) {
    let ns = booted();
    let ops = ns.pernet_list().len();
    eprintln!("netns: one namespace with the spec's {ops} operations keeps {} bytes", bytes_per_namespace(&ns));
    let mut g = c.benchmark_group("create_destroy");
    g.bench_function("netgen/copy_net_ns+put_net", |b| {
        b.iter(|| ns.put_net(black_box(ns.copy_net_ns().expect("copy_net_ns"))).expect("put_net"))
    });
    // Probe on a throwaway thread so this one keeps its namespace.
    let probe = std::thread::spawn(|| nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET)).join();
    match probe {
        Ok(Ok(())) => {
            g.bench_function("linux/unshare_thread", |b| {
                b.iter_custom(|iters| {
                    std::thread::spawn(move || {
                        let start = Instant::now();
                        for _ in 0..iters {
                            nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET).expect("unshare");
                        }
                        start.elapsed()
                    })
                    .join()
                    .unwrap_or(Duration::ZERO)
                })
            });
            if Command::new("unshare").arg("true").status().is_ok_and(|s| s.success()) {
                g.sample_size(20);
                g.bench_function("linux/forked_unshare_net", |b| {
                    b.iter(|| Command::new("unshare").args(["--net", "true"]).status().expect("unshare --net"))
                });
                g.bench_function("linux/forked_unshare_baseline", |b| {
                    b.iter(|| Command::new("unshare").arg("true").status().expect("unshare"))
                });
            } else {
                eprintln!("netns: skipping the forked Linux side: no unshare(1)");
            }
        }
        Ok(Err(e)) => {
            eprintln!("netns: skipping the Linux side: unshare(CLONE_NEWNET) refused: {e}")
        }
        Err(_) => eprintln!("netns: skipping the Linux side: the probe thread panicked"),
    }
    g.finish();
}

/// A run-time operation with a little state, like most spec operations.
fn op(i: usize) -> PernetOperations<Pernet> {
    PernetOperations::new(format!("bench_ops_{i}"))
        .init(|net| Ok(Some(Box::new([net.cookie(); 4]) as GenericData)))
        .exit(|net| {
            black_box(net.cookie());
        })
}

fn scaling(c: &mut Criterion) {
    let mut g = c.benchmark_group("create_destroy_by_ops");
    for n in [1usize, 10, 100] {
        let ns = NetNamespaces::<Pernet>::new(2);
        for i in 0..n {
            ns.register_pernet_subsys(op(i)).expect("register");
        }
        g.bench_function(format!("{n}_ops"), |b| {
            b.iter(|| ns.put_net(black_box(ns.copy_net_ns().expect("copy_net_ns"))).expect("put_net"))
        });
    }
    g.finish();
}

criterion_group!(benches, create_destroy, scaling);
criterion_main!(benches);
