//! The boot side: `net_ns_init` creates the namespaces, and the generated
//! crate registers the spec's operations from the initcalls the spec names.

use std::mem::size_of;

use super::{Net, NetNamespaces, PernetId, PernetOperations, PernetSpec};
use crate::errno::Errno;
use crate::init::InitResult;
use crate::kernel::{HasState, Kernel};
use crate::slab::{KmemCache, SLAB_PANIC, SMP_CACHE_BYTES};

/// A spec whose kernel keeps the namespaces (resource `InitNet`) and their
/// cache (`NetCache`): what `net_ns_init` and pernet registration need.
pub trait NsKernel: PernetSpec + HasState<NetNamespaces<Self>> + HasState<NetCacheState> {}

impl<S: PernetSpec + HasState<NetNamespaces<S>> + HasState<NetCacheState>> NsKernel for S {}

/// `net_cachep`: the slab cache namespaces come from (resource `NetCache`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetCacheState {
    pub net_cachep: KmemCache,
}

/// `net_ns_init()` (net/core/net_namespace.c, pure_initcall): creates
/// `net_cachep` ("net_namespace") and `init_net`, set up with the operations
/// registered so far (none), and provides the namespaces for the spec `S`.
/// Linux's `register_pernet_subsys(&net_ns_ops)` at its end is the spec's
/// `pernet net_ns_ops`, which the generated wrapper registers once this
/// returns.
///
/// `netns_wq`, the cleanup workqueue, has no thread of its own: the thread
/// dropping a namespace's last reference runs `cleanup_net`.
pub fn net_ns_init<S: NsKernel>(k: &mut Kernel<S>) -> InitResult {
    if k.has::<NetNamespaces<S>>() || k.has::<NetCacheState>() {
        return Err(Errno::EEXIST);
    }
    let net_cachep = KmemCache::create("net_namespace", size_of::<Net<S>>(), SMP_CACHE_BYTES, SLAB_PANIC)?;
    k.provide(NetCacheState { net_cachep })?;
    k.provide(NetNamespaces::<S>::new(k.nr_cpus()))
}

/// Registers spec operations in order (what the generated wrapper of an
/// initcall calls after the initcall's own function). If one fails, the
/// ones this call registered are unregistered again, in reverse, and the
/// error returned: a failed initcall leaves no operation behind.
pub fn register_spec_ops<S: NsKernel>(k: &mut Kernel<S>, ops: &[S::Op]) -> InitResult {
    let ns = k.get::<NetNamespaces<S>>()?.clone();
    for (i, &op) in ops.iter().enumerate() {
        if let Err(e) = ns.register_spec(op) {
            for &done in ops[..i].iter().rev() {
                // Each was registered just above and nothing registered
                // since uses it, so unregistering cannot fail.
                let _ = ns.unregister_spec(done);
            }
            return Err(e);
        }
        if let Some(d) = S::desc(op) {
            k.printk(format!("netns: registered pernet {} {}", d.kind.as_str(), d.name));
        }
    }
    Ok(())
}

/// `register_pernet_subsys(ops)` from an initcall outside the spec: `ENOENT`
/// before `net_ns_init`.
pub fn register_pernet_subsys<S: NsKernel>(k: &mut Kernel<S>, ops: PernetOperations<S>) -> Result<PernetId, Errno> {
    k.get::<NetNamespaces<S>>()?.register_pernet_subsys(ops)
}

/// `register_pernet_device(ops)` from an initcall outside the spec.
pub fn register_pernet_device<S: NsKernel>(k: &mut Kernel<S>, ops: PernetOperations<S>) -> Result<PernetId, Errno> {
    k.get::<NetNamespaces<S>>()?.register_pernet_device(ops)
}
