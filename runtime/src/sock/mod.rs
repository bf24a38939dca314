//! Generic socket state (net/core/sock.c): `proto_register` and
//! `proto_list`, the per-namespace "sockets in use" counters
//! (`net_inuse_init`) and /proc/net/protocols (`proto_init`); [`sk`]:
//! `struct sock` and each namespace's sockets. The address families and
//! socket types (include/linux/socket.h, net.h) are here too, below every
//! layer that names them.

pub mod sk;

crate::tables::spec_needs! {
    /// What `struct sock` needs of the spec: the device layer, each
    /// namespace's sockets and in-use counters, and `proto_list`.
    pub trait SockSpec: crate::dev::DevSpec
        + crate::tables::NetState<sk::Sockets<Self>>
        + crate::tables::NetState<ProtInuseCounters>
        + crate::kernel::HasState<SockCacheState>
        + crate::kernel::HasState<ProtInuseState>
        + crate::kernel::HasState<ProcNetProtocolsState>
}

use std::fmt::Write as _;

use crate::errno::Errno;
use crate::init::InitResult;
use crate::kernel::Kernel;
use crate::netns::{Net, PernetState};
use crate::slab::{KmemCache, SLAB_HWCACHE_ALIGN};
use crate::tables::{ProtoDesc, ProtoSpec};

pub const PF_UNSPEC: u16 = 0;
pub const PF_UNIX: u16 = 1;
pub const PF_INET: u16 = 2;
pub const PF_INET6: u16 = 10;
pub const PF_NETLINK: u16 = 16;
pub const PF_PACKET: u16 = 17;

/// `socket(2)`'s type flags (include/linux/net.h), masked off the type.
pub const SOCK_NONBLOCK: i32 = 0o4000;
pub const SOCK_CLOEXEC: i32 = 0o2000000;
/// The bits of `socket(2)`'s type argument that are the type; the others
/// are flags (include/linux/net.h).
pub const SOCK_TYPE_MASK: i32 = 0xf;

/// `SOCK_STREAM` and friends (include/linux/net.h, `enum sock_type`).
pub const SOCK_STREAM: u16 = 1;
pub const SOCK_DGRAM: u16 = 2;
pub const SOCK_RAW: u16 = 3;
pub const SOCK_RDM: u16 = 4;
pub const SOCK_SEQPACKET: u16 = 5;
pub const SOCK_DCCP: u16 = 6;
pub const SOCK_PACKET: u16 = 10;
/// Number of socket types: `SOCK_PACKET + 1`.
pub const SOCK_MAX: usize = SOCK_PACKET as usize + 1;

/// The caches sockets come from (resource `SockCache`): the generic
/// "sock" cache (`sk_init`), "sock_inode_cache" (`init_inodecache`), and
/// `proto_list`, where `proto_register` keeps each protocol and its cache.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SockCacheState {
    pub sk_cachep: KmemCache,
    pub sock_inode_cachep: KmemCache,
    /// `proto_list` (net/core/sock.c), in registration order.
    pub proto_list: Vec<Proto>,
    /// `proto_inuse_idx`: which `prot_inuse` slots protocols hold.
    pub(crate) proto_inuse_idx: u64,
}

impl SockCacheState {
    /// The registered `struct proto` called `name`.
    pub fn proto(&self, name: &str) -> Option<&Proto> {
        self.proto_list.iter().find(|p| p.name == name)
    }

    /// The registered `struct proto` that is spec `proto` `i`.
    pub fn spec_proto(&self, i: u16) -> Option<&Proto> {
        self.proto_list.iter().find(|p| p.id == crate::tables::EntryId::Spec(i))
    }
}

/// Slots in `struct prot_inuse` (`PROTO_INUSE_NR`); the last is never
/// handed out, so at most 63 protocols can be registered.
pub const PROTO_INUSE_NR: usize = 64;

/// `struct proto`: a transport protocol's socket implementation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proto {
    /// `"TCP"`, `"UDP"`, ... as /proc/net/protocols shows it.
    pub name: &'static str,
    /// `obj_size`: bytes of the protocol's sock (`sizeof(struct tcp_sock)`).
    pub obj_size: usize,
    /// The module that owns it, by name (`"kernel"` for built-in).
    pub owner: &'static str,
    /// `prot->slab`: the cache `proto_register(prot, 1)` creates.
    pub slab: Option<KmemCache>,
    /// `prot->inuse_idx`: this protocol's slot in `prot_inuse`.
    pub inuse_idx: usize,
    /// Which `struct proto` this is: the spec's `proto` (its index in
    /// `ProtoSpec::PROTOS`) or one registered at run time (Linux compares
    /// the pointer in `proto_unregister`).
    pub id: ProtoHandle,
}

/// The identity of a registered `struct proto`.
pub type ProtoHandle = crate::tables::EntryId;

impl Proto {
    /// A protocol not yet registered (no slab, no inuse slot), a new
    /// registration whatever its name.
    pub fn new(name: &'static str, obj_size: usize) -> Proto {
        let id = ProtoHandle::Dyn(crate::tables::Handle::new());
        Proto { name, obj_size, owner: "kernel", slab: None, inuse_idx: 0, id }
    }

    /// Spec `proto` `i`, as its descriptor gives it.
    pub fn spec(desc: &ProtoDesc, i: u16) -> Proto {
        Proto { id: ProtoHandle::Spec(i), ..Proto::new(desc.name, desc.obj_size) }
    }

    /// The spec `proto` it is, if any.
    pub fn spec_index(&self) -> Option<u16> {
        match self.id {
            ProtoHandle::Spec(i) => Some(i),
            ProtoHandle::Dyn(_) => None,
        }
    }
}

/// `proto_register(prot, alloc_slab)`: gives `prot` an in-use slot and,
/// if `alloc_slab`, a slab cache named after it, then adds it at the head
/// of `proto_list` (Linux `list_add`, so newest first).
///
/// Returns its handle, which [`proto_unregister`] takes.
///
/// `EEXIST` if a protocol of that name is registered (Linux does not check,
/// but /proc/net/protocols and the slab caches are named after it);
/// `ENOSPC` once `PROTO_INUSE_NR - 1` slots are taken, as `assign_proto_idx`
/// fails in Linux 6.0; `ENOENT` before `sock_init`.
pub fn proto_register<S: SockSpec>(k: &mut Kernel<S>, mut prot: Proto, alloc_slab: bool) -> Result<ProtoHandle, Errno> {
    let cache = k.get_mut::<SockCacheState>()?;
    if cache.proto(prot.name).is_some() || cache.proto_list.iter().any(|p| p.id == prot.id) {
        return Err(Errno::EEXIST);
    }
    let idx = (!cache.proto_inuse_idx).trailing_zeros() as usize;
    if idx >= PROTO_INUSE_NR - 1 {
        k.printk("PROTO_INUSE_NR exhausted");
        return Err(Errno::ENOSPC);
    }
    if alloc_slab {
        prot.slab = Some(KmemCache::create(prot.name, prot.obj_size, 0, SLAB_HWCACHE_ALIGN)?);
    }
    prot.inuse_idx = idx;
    cache.proto_inuse_idx |= 1 << idx;
    let id = prot.id;
    cache.proto_list.insert(0, prot);
    Ok(id)
}

/// `proto_unregister(prot)`: removes that registration from `proto_list`
/// and frees its in-use slot; `ENOENT` if it is not registered.
pub fn proto_unregister<S: SockSpec>(k: &mut Kernel<S>, prot: ProtoHandle) -> Result<(), Errno> {
    let cache = k.get_mut::<SockCacheState>()?;
    let i = cache.proto_list.iter().position(|p| p.id == prot).ok_or(Errno::ENOENT)?;
    let prot = cache.proto_list.remove(i);
    cache.proto_inuse_idx &= !(1 << prot.inuse_idx);
    Ok(())
}

/// `net->core.inuse`: per CPU, sockets in use per protocol slot
/// (`struct prot_inuse`, one per possible CPU).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtInuseCounters {
    per_cpu: Vec<[i32; PROTO_INUSE_NR]>,
}

impl ProtInuseCounters {
    /// `alloc_percpu(struct prot_inuse)`: zeroed counters for `nr_cpus` CPUs.
    pub fn new(nr_cpus: usize) -> Self {
        ProtInuseCounters { per_cpu: vec![[0; PROTO_INUSE_NR]; nr_cpus] }
    }

    /// CPUs the counters are kept for.
    pub fn nr_cpus(&self) -> usize {
        self.per_cpu.len()
    }

    /// `sock_prot_inuse_add(net, prot, val)` on `cpu`. `EINVAL` for a CPU
    /// or slot out of range.
    pub fn add(&mut self, cpu: usize, inuse_idx: usize, val: i32) -> Result<(), Errno> {
        let slot = self.per_cpu.get_mut(cpu).and_then(|c| c.get_mut(inuse_idx)).ok_or(Errno::EINVAL)?;
        *slot += val;
        Ok(())
    }

    /// `sock_prot_inuse_get(net, prot)`: the sum over CPUs, never negative
    /// (a socket may be freed on another CPU than it was counted on).
    pub fn get(&self, inuse_idx: usize) -> i32 {
        let sum: i32 = self.per_cpu.iter().filter_map(|c| c.get(inuse_idx)).sum();
        sum.max(0)
    }
}

/// `net_inuse_ops` is registered: every namespace has its counters
/// (resource `ProtInuse`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProtInuseState;

/// `proto_net_ops` is registered: every namespace has /proc/net/protocols
/// (resource `ProcNetProtocols`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProcNetProtocolsState;

/// `net_inuse_init()` (net/core/sock.c, core_initcall). Its
/// `register_pernet_subsys(&net_inuse_ops)` is the spec's
/// `pernet net_inuse_ops`, registered when this returns.
pub fn net_inuse_init<S: SockSpec>(k: &mut Kernel<S>) -> InitResult {
    k.provide(ProtInuseState)
}

/// `sock_inuse_init_net(net)` (`net_inuse_ops.init`): the namespace's
/// `alloc_percpu(struct prot_inuse)`. Linux's `sock_inuse_exit_net` frees
/// it, which dropping the state does.
pub fn sock_inuse_init_net<S: ProtoSpec>(net: &mut Net<S>) -> Result<ProtInuseCounters, Errno> {
    Ok(ProtInuseCounters::new(net.nr_cpus()))
}

/// `proto_init()` (net/core/sock.c, subsys_initcall); the spec registers
/// its `proto_net_ops` when this returns.
pub fn proto_init<S: SockSpec>(k: &mut Kernel<S>) -> InitResult {
    k.provide(ProcNetProtocolsState)
}

/// `proto_init_net(net)`: creates /proc/net/protocols.
pub fn proto_init_net<S: ProtoSpec>(net: &mut Net<S>) -> InitResult {
    net.proc_net.proc_create("protocols")
}

/// `proto_exit_net(net)`: removes /proc/net/protocols.
pub fn proto_exit_net<S: ProtoSpec>(net: &mut Net<S>) {
    net.proc_net.remove_all(&["protocols"]);
}

/// Reads /proc/net/protocols of `net` (`proto_seq_show`): one line per
/// registered protocol, newest first, with the columns this model has.
/// `ENOENT` if the file or `proto_list` does not exist yet.
pub fn proc_net_protocols<S: SockSpec>(k: &Kernel<S>, net: &Net<S>) -> Result<String, Errno>
where
    ProtInuseCounters: PernetState<S>,
{
    if !net.proc_net.contains("protocols") {
        return Err(Errno::ENOENT);
    }
    let mut out = String::from("protocol  size sockets  slab module\n");
    let inuse = net.get::<ProtInuseCounters>().ok();
    for p in &k.get::<SockCacheState>()?.proto_list {
        let sockets = inuse.map_or(0, |c| c.get(p.inuse_idx));
        let slab = if p.slab.is_some() { "yes" } else { "no" };
        // Writing to a String cannot fail.
        let _ = writeln!(out, "{:<9} {:>4} {:>6}   {:<3}  {}", p.name, p.obj_size, sockets, slab, p.owner);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::socket::sock_init;

    fn booted() -> Kernel<crate::testspec::TestSpec> {
        Kernel::with_initcalls(2, &[sock_init::<crate::testspec::TestSpec>]).unwrap()
    }

    #[test]
    fn proto_register_semantics() {
        let mut k = Kernel::<crate::testspec::TestSpec>::new(1);
        assert_eq!(proto_register(&mut k, Proto::new("TCP", 2048), true), Err(Errno::ENOENT));
        let mut k = booted();
        let tcp = proto_register(&mut k, Proto::new("TCP", 2048), true).unwrap();
        proto_register(&mut k, Proto::new("PACKET", 1400), false).unwrap();
        assert_eq!(proto_register(&mut k, Proto::new("TCP", 1), false), Err(Errno::EEXIST));
        let c = k.get::<SockCacheState>().unwrap();
        let names: Vec<_> = c.proto_list.iter().map(|p| p.name).collect();
        assert_eq!(names, ["PACKET", "TCP"]);
        let tcp_prot = c.proto("TCP").unwrap();
        assert_eq!((tcp_prot.inuse_idx, tcp_prot.slab.as_ref().map(|s| s.name)), (0, Some("TCP")));
        assert_eq!(c.proto("PACKET").map(|p| (p.inuse_idx, p.slab.is_none())), Some((1, true)));

        proto_unregister(&mut k, tcp).unwrap();
        assert_eq!(proto_unregister(&mut k, tcp), Err(Errno::ENOENT), "a handle unregisters once");
        proto_register(&mut k, Proto::new("UDP", 1024), true).unwrap();
        assert_eq!(k.get::<SockCacheState>().unwrap().proto("UDP").map(|p| p.inuse_idx), Some(0));
    }

    #[test]
    fn inuse_slots_run_out() {
        let mut k = booted();
        for i in 0..PROTO_INUSE_NR - 1 {
            let name: &'static str = Box::leak(format!("P{i}").into_boxed_str());
            proto_register(&mut k, Proto::new(name, 8), false).unwrap();
        }
        assert_eq!(proto_register(&mut k, Proto::new("LAST", 8), false), Err(Errno::ENOSPC));
        assert_eq!(k.log().last().map(String::as_str), Some("PROTO_INUSE_NR exhausted"));
    }

    #[test]
    fn inuse_counters_fold_over_cpus() {
        let mut c = ProtInuseCounters::new(2);
        c.add(0, 3, 2).unwrap();
        c.add(1, 3, -1).unwrap();
        c.add(1, 4, -1).unwrap();
        assert_eq!((c.get(3), c.get(4)), (1, 0));
        assert_eq!(c.add(2, 0, 1), Err(Errno::EINVAL));
        assert_eq!(c.add(0, PROTO_INUSE_NR, 1), Err(Errno::EINVAL));
    }
}
