//! Network namespaces (net/core/net_namespace.c, include/net/net_namespace.h).
//!
//! `net_ns_init` creates `init_net`, the only namespace at boot, and the
//! `pernet_list` that subsystems register their per-namespace operations on.
//! Per-namespace state that later initcalls create (device tables, in-use
//! counters, /proc/net entries, sysctls) lives in [`Net`] itself, as it does
//! in Linux's `struct net`.

use std::mem::size_of;

use crate::dev::NetDevTables;
use crate::errno::Errno;
use crate::init::InitResult;
use crate::kernel::Kernel;
use crate::slab::{KmemCache, SLAB_PANIC, SMP_CACHE_BYTES};
use crate::sock::ProtInuseCounters;

/// `INITIAL_NET_GEN_PTRS`: slots `net_alloc_generic` starts `net->gen` with.
pub const INITIAL_NET_GEN_PTRS: usize = 13;

/// `struct net_generic`: per-namespace data of pernet ops that have an `id`,
/// `ptr[id - 1]` holding the `ops->size` zeroed bytes allocated for it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetGeneric {
    pub ptr: Vec<Option<Vec<u8>>>,
}

impl NetGeneric {
    /// `net_alloc_generic()`: `max_gen_ptrs` empty slots.
    pub fn alloc(len: usize) -> Self {
        NetGeneric { ptr: vec![None; len] }
    }

    /// `net_generic(net, id)`: the data of pernet id `id` (ids start at 1).
    pub fn get(&self, id: usize) -> Option<&[u8]> {
        self.ptr.get(id.checked_sub(1)?)?.as_deref()
    }
}

/// A `/proc/net` directory: the names of its entries, in creation order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProcDir {
    entries: Vec<&'static str>,
}

impl ProcDir {
    /// `proc_create(name, ..., net->proc_net, ...)`. A name already present
    /// is `EEXIST` (Linux warns and returns NULL).
    pub fn proc_create(&mut self, name: &'static str) -> Result<(), Errno> {
        if self.contains(name) {
            return Err(Errno::EEXIST);
        }
        self.entries.push(name);
        Ok(())
    }

    /// `remove_proc_entry(name, net->proc_net)`; `ENOENT` if absent.
    pub fn remove_proc_entry(&mut self, name: &str) -> Result<(), Errno> {
        let i = self.entries.iter().position(|e| *e == name).ok_or(Errno::ENOENT)?;
        self.entries.remove(i);
        Ok(())
    }

    pub fn contains(&self, name: &str) -> bool {
        self.entries.contains(&name)
    }

    pub fn entries(&self) -> &[&'static str] {
        &self.entries
    }
}

/// `struct netns_core`: per-namespace core networking state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetCore {
    /// `net.core.somaxconn`, set by `sysctl_core_net_init` (0 until then).
    pub sysctl_somaxconn: u32,
    /// `net->core.inuse`: per-CPU socket counters, from `sock_inuse_init_net`.
    pub inuse: Option<ProtInuseCounters>,
}

/// One network namespace (`struct net`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Net {
    /// `net->net_cookie`: a boot-unique id, 1 for `init_net`.
    pub net_cookie: u64,
    /// `net->count`: references held on the namespace.
    pub count: u32,
    /// `net->gen`: data of pernet ops with an id.
    pub gen: NetGeneric,
    pub core: NetCore,
    /// `net->proc_net`: this namespace's /proc/net.
    pub proc_net: ProcDir,
    /// `dev_base_head`, `dev_name_head`, `dev_index_head` and `ifindex`,
    /// allocated by `netdev_net_ops` (`None` before `net_dev_init`).
    pub dev: Option<NetDevTables>,
    /// `net->loopback_dev`: the ifindex of `lo`, once `loopback_net_ops` ran.
    pub loopback_dev: Option<i32>,
}

/// Whether pernet ops run for every namespace (subsys) or per device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PernetKind {
    /// `register_pernet_subsys`: initialized before any device ops.
    Subsys,
    /// `register_pernet_device`: initialized after all subsys ops.
    Device,
}

/// A registered `struct pernet_operations`, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PernetOperations {
    pub name: &'static str,
    pub kind: PernetKind,
}

/// `init_net`, `net_namespace_list` and `pernet_list` (resource `InitNet`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InitNetState {
    init_net: Net,
    /// Namespaces other than `init_net`; none exist at boot.
    others: Vec<Net>,
    /// `pernet_list`, in the order ops are initialized.
    pernet_list: Vec<PernetOperations>,
    /// `first_device`: index in `pernet_list` of the first device ops
    /// (`pernet_list.len()` when there are none).
    first_device: usize,
}

impl InitNetState {
    /// `&init_net`.
    pub fn init_net(&self) -> &Net {
        &self.init_net
    }

    pub fn init_net_mut(&mut self) -> &mut Net {
        &mut self.init_net
    }

    /// `for_each_net`: every namespace on `net_namespace_list`, `init_net` first.
    pub fn nets(&self) -> impl Iterator<Item = &Net> {
        std::iter::once(&self.init_net).chain(&self.others)
    }

    /// The namespace with `net_cookie == cookie`.
    pub fn net_by_cookie(&self, cookie: u64) -> Option<&Net> {
        self.nets().find(|n| n.net_cookie == cookie)
    }

    fn nets_mut(&mut self) -> impl Iterator<Item = &mut Net> {
        std::iter::once(&mut self.init_net).chain(&mut self.others)
    }

    /// `pernet_list` in initialization order: subsys ops, then device ops.
    pub fn pernet_list(&self) -> &[PernetOperations] {
        &self.pernet_list
    }

    /// The ops `first_device` points at, if any device ops are registered.
    pub fn first_device(&self) -> Option<&PernetOperations> {
        self.pernet_list.get(self.first_device)
    }

    fn insert(&mut self, ops: PernetOperations) -> Result<(), Errno> {
        if self.pernet_list.iter().any(|o| o.name == ops.name) {
            return Err(Errno::EEXIST);
        }
        match ops.kind {
            // list_add_tail(&ops->list, first_device): just before the devices.
            PernetKind::Subsys => {
                self.pernet_list.insert(self.first_device, ops);
                self.first_device += 1;
            }
            // list_add_tail(&ops->list, &pernet_list); first_device is already
            // the end if this is the first device ops, so it now points here.
            PernetKind::Device => self.pernet_list.push(ops),
        }
        Ok(())
    }

    fn remove(&mut self, name: &str, kind: PernetKind) -> Result<(), Errno> {
        let i =
            self.pernet_list.iter().position(|o| o.name == name && o.kind == kind).ok_or(Errno::ENOENT)?;
        self.pernet_list.remove(i);
        // Removing before first_device shifts it down; removing the first
        // device itself leaves the index on the next one (`first_device->next`).
        if i < self.first_device {
            self.first_device -= 1;
        }
        Ok(())
    }
}

/// `net_cachep`: the slab cache namespaces other than `init_net` come from
/// (resource `NetCache`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetCacheState {
    pub net_cachep: KmemCache,
}

/// `register_pernet_operations`: adds `ops` and runs `init` for every
/// existing namespace; if `init` fails for one, the ops are removed again
/// and the error returned, as `__register_pernet_operations` undoes itself.
fn register_pernet_operations(
    k: &mut Kernel,
    ops: PernetOperations,
    mut init: impl FnMut(&mut Net) -> InitResult,
) -> InitResult {
    let netns = k.get_mut::<InitNetState>()?;
    netns.insert(ops)?;
    let result = netns.nets_mut().try_for_each(&mut init);
    if result.is_err() {
        netns.remove(ops.name, ops.kind)?;
    }
    result
}

/// `register_pernet_subsys(ops)` for ops with no per-namespace `init`:
/// records `name` before the first device ops. `EEXIST` if `name` is
/// registered, `ENOENT` before `net_ns_init`.
pub fn register_pernet_subsys(k: &mut Kernel, name: &'static str) -> InitResult {
    register_pernet_subsys_init(k, name, |_| Ok(()))
}

/// `register_pernet_device(ops)` for ops with no per-namespace `init`:
/// records `name` after every registered ops.
pub fn register_pernet_device(k: &mut Kernel, name: &'static str) -> InitResult {
    register_pernet_device_init(k, name, |_| Ok(()))
}

/// `register_pernet_subsys` with `ops->init`: `init` runs for every namespace.
pub fn register_pernet_subsys_init(
    k: &mut Kernel,
    name: &'static str,
    init: impl FnMut(&mut Net) -> InitResult,
) -> InitResult {
    register_pernet_operations(k, PernetOperations { name, kind: PernetKind::Subsys }, init)
}

/// `register_pernet_device` with `ops->init`: `init` runs for every namespace.
pub fn register_pernet_device_init(
    k: &mut Kernel,
    name: &'static str,
    init: impl FnMut(&mut Net) -> InitResult,
) -> InitResult {
    register_pernet_operations(k, PernetOperations { name, kind: PernetKind::Device }, init)
}

/// `unregister_pernet_subsys(ops)`; `ENOENT` if not registered as subsys.
pub fn unregister_pernet_subsys(k: &mut Kernel, name: &str) -> InitResult {
    k.get_mut::<InitNetState>()?.remove(name, PernetKind::Subsys)
}

/// `unregister_pernet_device(ops)`; `ENOENT` if not registered as device.
pub fn unregister_pernet_device(k: &mut Kernel, name: &str) -> InitResult {
    k.get_mut::<InitNetState>()?.remove(name, PernetKind::Device)
}

/// `net_ns_init()` (net/core/net_namespace.c, pure_initcall):
/// creates `net_cachep` ("net_namespace"), allocates `init_net.gen`,
/// runs `setup_net(&init_net)` (one reference, the first cookie), puts
/// `init_net` on `net_namespace_list` and registers `net_ns_ops`.
///
/// `netns_wq`, the cleanup workqueue, has no counterpart: namespaces are
/// never torn down asynchronously here.
pub fn net_ns_init(k: &mut Kernel) -> InitResult {
    if k.has::<InitNetState>() || k.has::<NetCacheState>() {
        return Err(Errno::EEXIST);
    }
    let net_cachep = KmemCache::create("net_namespace", size_of::<Net>(), SMP_CACHE_BYTES, SLAB_PANIC)?;
    let init_net =
        Net { net_cookie: 1, count: 1, gen: NetGeneric::alloc(INITIAL_NET_GEN_PTRS), ..Net::default() };
    k.provide(NetCacheState { net_cachep })?;
    k.provide(InitNetState { init_net, others: Vec::new(), pernet_list: Vec::new(), first_device: 0 })?;
    register_pernet_subsys(k, "net_ns_ops")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn booted() -> Kernel {
        Kernel::with_initcalls(1, &[net_ns_init]).unwrap()
    }

    fn names(k: &Kernel) -> Vec<&'static str> {
        k.get::<InitNetState>().unwrap().pernet_list().iter().map(|o| o.name).collect()
    }

    #[test]
    fn init_net_exists_once() {
        let mut k = booted();
        let ns = k.get::<InitNetState>().unwrap();
        assert_eq!(ns.nets().count(), 1);
        assert_eq!(ns.init_net().net_cookie, 1);
        assert_eq!(ns.init_net().gen.ptr.len(), INITIAL_NET_GEN_PTRS);
        assert_eq!(ns.net_by_cookie(1).map(|n| n.count), Some(1));
        assert_eq!(k.get::<NetCacheState>().unwrap().net_cachep.name, "net_namespace");
        assert_eq!(names(&k), ["net_ns_ops"]);
        assert_eq!(net_ns_init(&mut k), Err(Errno::EEXIST));
    }

    #[test]
    fn subsys_ops_go_before_device_ops() {
        let mut k = booted();
        register_pernet_device(&mut k, "loopback_net_ops").unwrap();
        register_pernet_subsys(&mut k, "proto_net_ops").unwrap();
        register_pernet_device(&mut k, "default_device_ops").unwrap();
        register_pernet_subsys(&mut k, "sysctl_core_ops").unwrap();
        assert_eq!(
            names(&k),
            ["net_ns_ops", "proto_net_ops", "sysctl_core_ops", "loopback_net_ops", "default_device_ops"]
        );
        let ns = k.get::<InitNetState>().unwrap();
        assert_eq!(ns.first_device().map(|o| o.name), Some("loopback_net_ops"));

        unregister_pernet_device(&mut k, "loopback_net_ops").unwrap();
        let ns = k.get::<InitNetState>().unwrap();
        assert_eq!(ns.first_device().map(|o| o.name), Some("default_device_ops"));
        unregister_pernet_subsys(&mut k, "proto_net_ops").unwrap();
        register_pernet_subsys(&mut k, "late_subsys").unwrap();
        assert_eq!(names(&k), ["net_ns_ops", "sysctl_core_ops", "late_subsys", "default_device_ops"]);
    }

    #[test]
    fn duplicates_and_missing_are_errors() {
        let mut k = Kernel::new(1);
        assert_eq!(register_pernet_subsys(&mut k, "x"), Err(Errno::ENOENT));
        net_ns_init(&mut k).unwrap();
        assert_eq!(register_pernet_subsys(&mut k, "net_ns_ops"), Err(Errno::EEXIST));
        assert_eq!(register_pernet_device(&mut k, "net_ns_ops"), Err(Errno::EEXIST));
        assert_eq!(unregister_pernet_device(&mut k, "net_ns_ops"), Err(Errno::ENOENT));
    }

    #[test]
    fn failing_init_unregisters() {
        let mut k = booted();
        let rc = register_pernet_subsys_init(&mut k, "bad_ops", |_| Err(Errno::ENOMEM));
        assert_eq!(rc, Err(Errno::ENOMEM));
        assert_eq!(names(&k), ["net_ns_ops"]);
        register_pernet_device_init(&mut k, "good_ops", |net| net.proc_net.proc_create("good")).unwrap();
        assert!(k.get::<InitNetState>().unwrap().init_net().proc_net.contains("good"));
    }

    #[test]
    fn proc_dir_and_generic() {
        let mut d = ProcDir::default();
        d.proc_create("dev").unwrap();
        assert_eq!(d.proc_create("dev"), Err(Errno::EEXIST));
        d.remove_proc_entry("dev").unwrap();
        assert_eq!(d.remove_proc_entry("dev"), Err(Errno::ENOENT));
        let g = NetGeneric::alloc(2);
        assert_eq!((g.get(0), g.get(1), g.get(3)), (None, None, None));
    }
}
