//! The socket layer's boot state (net/socket.c): `net_families`, the sock
//! caches and sockfs, each a separate kernel slot because later initcalls
//! need them separately. `sock_init` also runs `netfilter_init`, whose
//! `netfilter_net_ops` gives each namespace its hook lists
//! ([`crate::netfilter`]).
//!
//! `sock_register` follows Linux 3.19: the table has `NPROTO` (= `AF_MAX`,
//! 46) slots and registration prints "NET: Registered protocol family N".
//!
//! * `struct sock` and each namespace's sockets are in [`crate::sock::sk`].
//! * [`syscalls`]: `socket(2)`, `bind(2)`, ... dispatching through
//!   `sock->ops`.
//! * [`no`]: Linux's `sock_no_*` defaults and the NULL `struct proto`
//!   methods.

pub mod no;
pub mod syscalls;

crate::tables::spec_needs! {
    /// What the socket layer needs of the spec: `struct sock`, the family
    /// table and sockfs, and each namespace's `net.core` sysctls.
    pub trait SocketSpec: crate::sock::SockSpec
        + crate::tables::NetState<crate::sysctl::SysctlCoreNet>
        + crate::kernel::HasState<crate::sysctl::SysctlNetCoreState>
        + crate::kernel::HasState<SockRegistryState<Self>>
        + crate::kernel::HasState<SockfsState>
}

use std::mem::size_of;

use crate::errno::Errno;
use crate::init::InitResult;
use crate::kernel::Kernel;
use crate::skbuff::{skb_init, SkbCacheState};
use crate::slab::{KmemCache, SLAB_HWCACHE_ALIGN, SLAB_MEM_SPREAD, SLAB_PANIC, SLAB_RECLAIM_ACCOUNT};
use crate::sock::SockCacheState;
use crate::tables::{fn_name, Entry, FamilyCreateFn, FamilyDesc, ProtoSpec};

/// Slots in `net_families` (`NPROTO` = `AF_MAX` in Linux 3.19).
pub const NPROTO: usize = 46;

// The address families and socket types live with `struct sock`
// (crate::sock), which every layer above it uses; `socket(2)` takes them
// from there too.
pub use crate::sock::{
    PF_INET, PF_INET6, PF_NETLINK, PF_PACKET, PF_UNIX, PF_UNSPEC, SOCK_CLOEXEC, SOCK_DCCP, SOCK_DGRAM, SOCK_MAX,
    SOCK_NONBLOCK, SOCK_PACKET, SOCK_RAW, SOCK_RDM, SOCK_SEQPACKET, SOCK_STREAM, SOCK_TYPE_MASK,
};

/// `struct net_proto_family`: how `socket(family, ..)` creates a socket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetProtoFamily<S: ProtoSpec> {
    pub family: u16,
    /// The `create` function, by name (`"inet_create"`).
    pub create: &'static str,
    /// The module that owns it (`THIS_MODULE`), by name.
    pub owner: &'static str,
    /// `create` itself: a spec family (dispatched by
    /// [`ProtoSpec::family_create`]) or a [`FamilyCreateFn`].
    pub entry: Entry<FamilyCreateFn<S>>,
}

impl<S: SocketSpec> NetProtoFamily<S> {
    /// Spec family `i`, as its descriptor gives it.
    pub fn spec(desc: &FamilyDesc, i: u16) -> Self {
        NetProtoFamily { family: desc.family, create: fn_name(desc.create), owner: "kernel", entry: Entry::Spec(i) }
    }

    /// A family registered by code outside the spec.
    pub fn dynamic(family: u16, create_name: &'static str, create: FamilyCreateFn<S>) -> Self {
        NetProtoFamily { family, create: create_name, owner: "module", entry: Entry::func(create) }
    }
}

/// `net_families[NPROTO]` (resource `SockRegistry`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SockRegistryState<S: ProtoSpec> {
    net_families: [Option<NetProtoFamily<S>>; NPROTO],
}

impl<S: SocketSpec> SockRegistryState<S> {
    /// `net_families[family]`, if registered.
    pub fn family(&self, family: u16) -> Option<&NetProtoFamily<S>> {
        self.net_families.get(usize::from(family))?.as_ref()
    }

    /// Registered families, by number.
    pub fn families(&self) -> impl Iterator<Item = &NetProtoFamily<S>> {
        self.net_families.iter().flatten()
    }
}

/// `struct socket`: the VFS-facing half of a socket.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Socket {
    /// `socket_state` (`SS_UNCONNECTED` = 1, ...).
    pub state: u8,
    pub type_: u16,
    pub flags: u64,
    /// Inode number in sockfs.
    pub ino: u64,
}

/// `struct sock_common`: the part of every `struct sock` the generic cache
/// sizes its objects by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SockCommon {
    pub skc_family: u16,
    pub skc_state: u8,
    pub skc_reuse: u8,
    pub skc_bound_dev_if: i32,
    pub skc_net_cookie: u64,
}

/// `SOCKFS_MAGIC`: the superblock magic of sockfs.
pub const SOCKFS_MAGIC: u32 = 0x534F_434B;

/// `struct file_system_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileSystemType {
    pub name: &'static str,
    pub fs_flags: u32,
    /// Superblock magic its `mount` (`mount_pseudo`) uses.
    pub magic: u32,
}

/// `struct vfsmount`, as `kern_mount` returns it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VfsMount {
    pub fs_type: &'static str,
    pub magic: u32,
    /// `mnt_count`: references; the kernel's own mount holds one.
    pub mnt_count: u32,
}

/// `file_systems` with sockfs on it, and `sock_mnt` (resource `Sockfs`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SockfsState {
    /// `file_systems`: registered filesystem types, in order.
    pub file_systems: Vec<FileSystemType>,
    /// `sock_mnt`: the kernel-internal mount of sockfs.
    pub sock_mnt: VfsMount,
}

/// `register_filesystem(fs)` (fs/filesystems.c): `EBUSY` if a filesystem
/// with that name is registered.
pub fn register_filesystem(list: &mut Vec<FileSystemType>, fs: FileSystemType) -> Result<(), Errno> {
    if list.iter().any(|f| f.name == fs.name) {
        return Err(Errno::EBUSY);
    }
    list.push(fs);
    Ok(())
}

/// `kern_mount(type)`: mounts a registered filesystem for kernel use;
/// `ENODEV` if it is not registered (as `get_fs_type` failing).
pub fn kern_mount(list: &[FileSystemType], name: &str) -> Result<VfsMount, Errno> {
    let fs = list.iter().find(|f| f.name == name).ok_or(Errno::ENODEV)?;
    Ok(VfsMount { fs_type: fs.name, magic: fs.magic, mnt_count: 1 })
}

/// `sock_register(ops)` (net/socket.c, Linux 3.19): installs a protocol
/// family in `net_families`. As in Linux, `family >= NPROTO` is `ENOBUFS`
/// and a taken slot `EEXIST`. Linux prints the "Registered" line even when
/// the slot was taken; here it is printed only on success.
pub fn sock_register<S: SocketSpec>(k: &mut Kernel<S>, ops: NetProtoFamily<S>) -> Result<(), Errno> {
    let family = ops.family;
    let Some(slot) = k.get_mut::<SockRegistryState<S>>()?.net_families.get_mut(usize::from(family)) else {
        k.printk(format!("protocol {family} >= NPROTO({NPROTO})"));
        return Err(Errno::ENOBUFS);
    };
    if slot.is_some() {
        return Err(Errno::EEXIST);
    }
    *slot = Some(ops);
    k.printk(format!("NET: Registered protocol family {family}"));
    Ok(())
}

/// `sock_unregister(family)`: empties the slot (Linux `BUG_ON`s an
/// out-of-range family; here it is `EINVAL`). `ENOENT` if nothing was there.
pub fn sock_unregister<S: SocketSpec>(k: &mut Kernel<S>, family: u16) -> Result<(), Errno> {
    let slot = k.get_mut::<SockRegistryState<S>>()?.net_families.get_mut(usize::from(family)).ok_or(Errno::EINVAL)?;
    slot.take().ok_or(Errno::ENOENT)?;
    k.printk(format!("NET: Unregistered protocol family {family}"));
    Ok(())
}

/// `sock_init()` (net/socket.c, core_initcall):
/// * `net_families` all empty (the loop in Linux 1.2's `sock_init`);
/// * `sk_init()`: the generic "sock" cache;
/// * `skb_init()`: the sk_buff caches;
/// * `init_inodecache()`: "sock_inode_cache";
/// * `register_filesystem(&sock_fs_type)` and `sock_mnt = kern_mount(..)`;
/// * `netfilter_init()`: its `register_pernet_subsys(&netfilter_net_ops)`
///   is the spec's `pernet netfilter_net_ops`, registered when this
///   returns (resource `NfHooks`: every namespace has its hook lists).
///
/// `net_sysctl_init` is not modelled here: the net sysctl root belongs to
/// the sysctl module, and sock_init does not depend on `init_net`.
pub fn sock_init<S: SocketSpec>(k: &mut Kernel<S>) -> InitResult {
    if k.has::<SockRegistryState<S>>()
        || k.has::<SockCacheState>()
        || k.has::<SkbCacheState>()
        || k.has::<SockfsState>()
    {
        return Err(Errno::EEXIST);
    }
    let registry = SockRegistryState::<S> { net_families: std::array::from_fn(|_| None) };
    let sk_cachep = KmemCache::create("sock", size_of::<SockCommon>(), 0, SLAB_HWCACHE_ALIGN)?;
    let skb = skb_init()?;
    let sock_inode_cachep = KmemCache::create(
        "sock_inode_cache",
        size_of::<Socket>(),
        0,
        SLAB_HWCACHE_ALIGN | SLAB_RECLAIM_ACCOUNT | SLAB_MEM_SPREAD | SLAB_PANIC,
    )?;
    let mut file_systems = Vec::new();
    register_filesystem(
        &mut file_systems,
        // sock_fs_type sets no fs_flags.
        FileSystemType { name: "sockfs", fs_flags: 0, magic: SOCKFS_MAGIC },
    )?;
    let sock_mnt = kern_mount(&file_systems, "sockfs")?;

    k.provide(registry)?;
    k.provide(SockCacheState { sk_cachep, sock_inode_cachep, proto_list: Vec::new(), proto_inuse_idx: 0 })?;
    k.provide(skb)?;
    k.provide(SockfsState { file_systems, sock_mnt })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testspec::TestSpec as T;

    fn booted() -> Kernel<crate::testspec::TestSpec> {
        Kernel::with_initcalls(1, &[sock_init::<T>]).unwrap()
    }

    const INET: NetProtoFamily<T> =
        NetProtoFamily { family: PF_INET, create: "inet_create", owner: "kernel", entry: Entry::Spec(0) };

    #[test]
    fn sock_init_builds_everything_empty() {
        let mut k = booted();
        assert_eq!(k.get::<SockRegistryState<T>>().unwrap().families().count(), 0);
        let c = k.get::<SockCacheState>().unwrap();
        assert_eq!((c.sk_cachep.name, c.sock_inode_cachep.name), ("sock", "sock_inode_cache"));
        assert!(c.proto_list.is_empty());
        assert!(k.has::<SkbCacheState>());
        let fs = k.get::<SockfsState>().unwrap();
        assert_eq!(fs.file_systems[0].name, "sockfs");
        assert_eq!(fs.sock_mnt, VfsMount { fs_type: "sockfs", magic: SOCKFS_MAGIC, mnt_count: 1 });
        assert_eq!(sock_init::<T>(&mut k), Err(Errno::EEXIST));
    }

    #[test]
    fn sock_register_semantics() {
        let mut k = Kernel::<crate::testspec::TestSpec>::new(1);
        assert_eq!(sock_register(&mut k, INET), Err(Errno::ENOENT));
        sock_init::<T>(&mut k).unwrap();
        sock_register(&mut k, INET).unwrap();
        assert_eq!(k.log().last().map(String::as_str), Some("NET: Registered protocol family 2"));
        assert_eq!(k.get::<SockRegistryState<T>>().unwrap().family(PF_INET).map(|f| &f.entry), Some(&Entry::Spec(0)));
        assert_eq!(sock_register(&mut k, INET), Err(Errno::EEXIST));
        let big = NetProtoFamily { family: NPROTO as u16, ..INET };
        assert_eq!(sock_register(&mut k, big), Err(Errno::ENOBUFS));
        assert_eq!(k.log().last().map(String::as_str), Some("protocol 46 >= NPROTO(46)"));
        assert_eq!(k.get::<SockRegistryState<T>>().unwrap().family(PF_INET).map(|f| f.create), Some("inet_create"));
        assert_eq!(k.get::<SockRegistryState<T>>().unwrap().family(500), None);

        sock_unregister::<T>(&mut k, PF_INET).unwrap();
        assert_eq!(sock_unregister::<T>(&mut k, PF_INET), Err(Errno::ENOENT));
        assert_eq!(sock_unregister::<T>(&mut k, 46), Err(Errno::EINVAL));
        sock_register(&mut k, INET).unwrap();
    }

    #[test]
    fn filesystems() {
        let mut list = Vec::new();
        let fs = FileSystemType { name: "sockfs", fs_flags: 0, magic: SOCKFS_MAGIC };
        assert_eq!(kern_mount(&list, "sockfs"), Err(Errno::ENODEV));
        register_filesystem(&mut list, fs).unwrap();
        assert_eq!(register_filesystem(&mut list, fs), Err(Errno::EBUSY));
    }
}
