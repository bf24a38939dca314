//! The runtime's test spec, as netgen generates it: `runtime/testspec/*.ng`
//! (the stack of `spec/` without its drivers) compiled into the files
//! beside this one, which `netgen check` keeps up to date like
//! `generated/`. The runtime's tests run against this generated code; this
//! file is the hand-written shell around it, as `generated/src/lib.rs` is.

// The generated crate is a library whose items are all public; here the
// tests use what they need of it.
#![allow(dead_code)]

#[rustfmt::skip]
pub mod consts;
#[rustfmt::skip]
pub mod initcalls;
#[rustfmt::skip]
pub mod kernel;
#[rustfmt::skip]
pub mod levels;
#[rustfmt::skip]
pub mod pernet;
#[rustfmt::skip]
pub mod resources;
#[rustfmt::skip]
pub mod signatures;
#[rustfmt::skip]
pub mod tables;

#[cfg(test)]
mod boot_order;

use crate::init::{do_initcalls, BootOptions, Plan};
use crate::kernel::Kernel;
use crate::netns::{NetNamespaces, NetRef};
use crate::tables::NetCx;

/// The spec type the tests instantiate the runtime with.
pub type TestSpec = pernet::Pernet;

/// A booted kernel with the test spec.
pub struct Stack {
    pub k: Kernel<TestSpec>,
    pub ns: NetNamespaces<TestSpec>,
}

/// Boots the test spec's initcalls (the generated table and wrappers) on a
/// two-CPU kernel; every initcall must succeed.
pub fn boot() -> Stack {
    let mut k = Kernel::new(2);
    let plan = Plan::build(levels::LEVELS, initcalls::INITCALLS, &[]);
    let report = do_initcalls(&mut k, &plan, &BootOptions::default());
    assert!(report.all_ok(), "test spec boot failed: {}", report.summary());
    let ns = k.get::<NetNamespaces<TestSpec>>().expect("net_ns_init provides the namespaces").clone();
    Stack { k, ns }
}

impl Stack {
    /// Runs `f` in namespace `net` (its lock held).
    pub fn cx<R>(&self, net: &NetRef<TestSpec>, f: impl FnOnce(&mut NetCx<'_, TestSpec>) -> R) -> R {
        crate::stack::with_cx(&self.k, net, f).expect("the test spec boots every table")
    }

    /// Runs `net_rx_action` in every namespace until no frame moves.
    pub fn settle(&self, nets: &[&NetRef<TestSpec>]) -> usize {
        crate::stack::settle(&self.k, nets).expect("the test spec boots every table")
    }
}
