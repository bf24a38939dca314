//! `ptype_all` and `ptype_base` (net/core/dev.c): the receive handlers
//! `dev_add_pack` registers, one list per ethertype bucket.

use super::DevSpec;
use super::ETH_P_ALL;
use crate::errno::Errno;
use crate::kernel::Kernel;
use crate::rcu::{self, Rcu, RcuRef};
use crate::tables::{fn_name, Entry, PacketRcvFn, PacketTypeDesc, ProtoSpec};

/// Buckets of `ptype_base`.
pub const PTYPE_HASH_SIZE: usize = 16;
/// `PTYPE_HASH_MASK`: a type's bucket is `type & PTYPE_HASH_MASK`.
pub const PTYPE_HASH_MASK: u16 = PTYPE_HASH_SIZE as u16 - 1;

/// `struct packet_type`: a receive handler for one ethertype (or all).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PacketType<S: ProtoSpec> {
    /// `type`, in host order; `ETH_P_ALL` for taps.
    pub type_: u16,
    /// The C variable (`"ip_packet_type"`), for listings; the entry's
    /// identity is `entry` (a spec index or a registration's handle).
    pub name: &'static str,
    /// The handler's name (`"ip_rcv"`), for /proc/net/ptype.
    pub func: &'static str,
    /// `pt->dev`: only frames of this device (0: every device).
    pub dev: i32,
    /// `pt->func`: the spec packet type (dispatched by the generated
    /// [`ProtoSpec::packet_type_rcv`]) or a [`PacketRcvFn`].
    pub entry: Entry<PacketRcvFn<S>>,
}

impl<S: DevSpec> PacketType<S> {
    /// Spec packet type `i`, named from its descriptor.
    pub fn spec(desc: &PacketTypeDesc, i: u16) -> PacketType<S> {
        PacketType { type_: desc.type_, name: desc.name, func: fn_name(desc.func), dev: 0, entry: Entry::Spec(i) }
    }

    /// A handler registered by code outside the spec: a new registration
    /// (its own handle), whatever its name.
    pub fn dynamic(type_: u16, name: &'static str, func: PacketRcvFn<S>) -> PacketType<S> {
        PacketType { type_, name, func: name, dev: 0, entry: Entry::func(func) }
    }
}

/// `ptype_all` and `ptype_base[PTYPE_HASH_SIZE]`, one version of them (see
/// [`PtypeBaseState`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PtypeBase<S: ProtoSpec> {
    ptype_all: Vec<PacketType<S>>,
    ptype_base: [Vec<PacketType<S>>; PTYPE_HASH_SIZE],
}

impl<S: DevSpec> Default for PtypeBase<S> {
    fn default() -> Self {
        PtypeBase { ptype_all: Vec::new(), ptype_base: std::array::from_fn(|_| Vec::new()) }
    }
}

/// The resource `PtypeBase`: [`PtypeBase`] under RCU's rules, as Linux
/// walks `ptype_all` and `ptype_base` with `list_for_each_entry_rcu`
/// ([`crate::rcu`]): a receive batch loads the lists once; `dev_add_pack`
/// publishes a changed copy; `dev_remove_pack` then waits for every batch
/// that could still call the removed handler (`synchronize_net()`, which
/// Linux's `dev_remove_pack` runs). Whether `ptype_all` has a tap is also
/// kept as a flag, so transmitting (`dev_queue_xmit_nit`) pays one load to
/// learn there is none.
#[derive(Debug)]
pub struct PtypeBaseState<S: ProtoSpec> {
    lists: Rcu<PtypeBase<S>>,
    taps: std::sync::atomic::AtomicBool,
}

impl<S: DevSpec> Default for PtypeBaseState<S> {
    fn default() -> Self {
        PtypeBaseState { lists: Rcu::new(PtypeBase::default()), taps: Default::default() }
    }
}

impl<S: DevSpec> PtypeBaseState<S> {
    /// The lists as they are now (`rcu_dereference`), for one batch.
    #[inline]
    pub fn load(&self) -> RcuRef<PtypeBase<S>> {
        self.lists.load()
    }

    /// Whether `ptype_all` has a tap now.
    #[inline]
    pub fn has_taps(&self) -> bool {
        self.taps.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Publishes `change` to the lists; the version it replaced.
    fn update(
        &self,
        change: impl FnOnce(&mut PtypeBase<S>) -> Result<(), Errno>,
    ) -> Result<std::sync::Arc<PtypeBase<S>>, Errno> {
        let ((), old) = self.lists.update(|l| {
            change(l)?;
            self.taps.store(!l.ptype_all.is_empty(), std::sync::atomic::Ordering::Release);
            Ok(())
        })?;
        Ok(old)
    }
}

impl<S: DevSpec> PtypeBase<S> {
    /// Taps that see every packet, newest first.
    #[inline]
    pub fn ptype_all(&self) -> &[PacketType<S>] {
        &self.ptype_all
    }

    /// Bucket `i` of `ptype_base`, newest first (empty for `i` out of range).
    #[inline]
    pub fn bucket(&self, i: usize) -> &[PacketType<S>] {
        self.ptype_base.get(i).map_or(&[], Vec::as_slice)
    }

    /// `ptype_head(pt)`: the list a packet type of `type_` lives on.
    fn head_mut(&mut self, type_: u16) -> Option<&mut Vec<PacketType<S>>> {
        if type_ == ETH_P_ALL {
            Some(&mut self.ptype_all)
        } else {
            self.ptype_base.get_mut(usize::from(type_ & PTYPE_HASH_MASK))
        }
    }

    /// The handlers `__netif_receive_skb_core` hands a packet of ethertype
    /// `type_` to, in delivery order: every tap, then the exact matches in
    /// its bucket.
    pub fn handlers(&self, type_: u16) -> impl Iterator<Item = &PacketType<S>> {
        let bucket = self.bucket(usize::from(type_ & PTYPE_HASH_MASK));
        self.ptype_all.iter().chain(bucket.iter().filter(move |pt| pt.type_ == type_))
    }

    /// Every packet type, taps first, then buckets in order (/proc/net/ptype).
    pub fn iter(&self) -> impl Iterator<Item = &PacketType<S>> {
        self.ptype_all.iter().chain(self.ptype_base.iter().flatten())
    }
}

/// `dev_add_pack(pt)`: adds `pt` at the head of its list (`list_add_rcu`,
/// so the newest handler of a type is delivered to first, as in Linux),
/// `ptype_all` for `ETH_P_ALL`, else `ptype_base[type & 15]`. The same
/// registration on the same list twice is `EEXIST` (Linux would corrupt
/// the list); two packet types of the same name are two registrations.
pub fn dev_add_pack<S: DevSpec>(k: &Kernel<S>, pt: PacketType<S>) -> Result<(), Errno> {
    k.get::<PtypeBaseState<S>>()?.update(|l| {
        let head = l.head_mut(pt.type_).ok_or(Errno::EINVAL)?;
        if head.iter().any(|p| p.entry == pt.entry) {
            return Err(Errno::EEXIST);
        }
        head.insert(0, pt);
        Ok(())
    })?;
    Ok(())
}

/// `dev_remove_pack(pt)`: removes that registration (Linux compares the
/// `struct packet_type` pointer; here its entry: the spec index or the
/// handle). Linux warns "dev_remove_pack: %p not found" for an unknown
/// one; here that is logged and `ENOENT`. Then, as Linux's, it waits
/// (`synchronize_net()`) until no receive batch can still call the
/// handler: once it returns, the handler is neither running nor called.
/// From inside a read-side section (a handler of the batch) it is
/// `EDEADLK` and nothing is removed.
pub fn dev_remove_pack<S: DevSpec>(k: &Kernel<S>, pt: &PacketType<S>) -> Result<(), Errno> {
    // Waiting for readers from inside a read-side section would wait for
    // itself: refused before anything changes.
    if rcu::in_read_side() {
        return Err(Errno::EDEADLK);
    }
    let removed = k.get::<PtypeBaseState<S>>()?.update(|l| {
        let head = l.head_mut(pt.type_).ok_or(Errno::EINVAL)?;
        let i = head.iter().position(|p| p.entry == pt.entry).ok_or(Errno::ENOENT)?;
        head.remove(i);
        Ok(())
    });
    match removed {
        Ok(old) => rcu::synchronize(old),
        Err(Errno::ENOENT) => {
            k.printk(format!("dev_remove_pack: {} not found", pt.name));
            Err(Errno::ENOENT)
        }
        Err(e) => Err(e),
    }
}

/// A receive handler of one namespace: `fn(cx, skb, af_packet_priv)`, handed
/// the frame by reference (it copies what it keeps) and the private value
/// it was registered with; returns whether it took the frame.
pub type NetHookFn<S> = fn(&mut crate::tables::NetCx<'_, S>, &crate::skbuff::SkBuff, usize) -> bool;

/// A `struct packet_type` on a namespace's own lists: what af_packet's
/// `prot_hook` is when bound to no device (Linux 6.9+, `ptype_head`:
/// `&pt->af_packet_net->ptype_all` / `->ptype_specific`).
#[derive(Clone, Copy)]
pub struct NetPacketHook<S: ProtoSpec> {
    /// `ETH_P_ALL` (a tap) or one ethertype, host order.
    pub type_: u16,
    /// Only frames of this device (0: every device).
    pub dev: i32,
    pub func: NetHookFn<S>,
    /// `pt->af_packet_priv`: what the handler is called with (a socket's
    /// descriptor).
    pub priv_: usize,
    /// The registration's identity, which removal takes.
    pub handle: crate::tables::Handle,
}

/// `net->ptype_all` and `net->ptype_specific`: the namespace's own packet
/// handlers (resource of `ptype_net_ops`). Kernel-wide `ptype_all` and
/// `ptype_base` cannot take them: a packet socket exists in one namespace
/// and is created under that namespace's lock, with the kernel's tables
/// shared.
pub struct NetPtype<S: ProtoSpec> {
    ptype_all: Vec<NetPacketHook<S>>,
    ptype_specific: Vec<NetPacketHook<S>>,
}

impl<S: ProtoSpec> Default for NetPtype<S> {
    fn default() -> Self {
        NetPtype { ptype_all: Vec::new(), ptype_specific: Vec::new() }
    }
}

impl<S: ProtoSpec> NetPtype<S> {
    /// `dev_add_pack(pt)` onto the namespace's list for `type_`; returns the
    /// handle [`NetPtype::remove`] takes.
    pub fn add(&mut self, type_: u16, dev: i32, func: NetHookFn<S>, priv_: usize) -> crate::tables::Handle {
        let handle = crate::tables::Handle::new();
        let hook = NetPacketHook { type_, dev, func, priv_, handle };
        if type_ == ETH_P_ALL {
            self.ptype_all.push(hook);
        } else {
            self.ptype_specific.push(hook);
        }
        handle
    }

    /// `dev_remove_pack(pt)`: `ENOENT` if no hook has that handle.
    pub fn remove(&mut self, handle: crate::tables::Handle) -> Result<(), Errno> {
        for list in [&mut self.ptype_all, &mut self.ptype_specific] {
            if let Some(i) = list.iter().position(|h| h.handle == handle) {
                list.remove(i);
                return Ok(());
            }
        }
        Err(Errno::ENOENT)
    }

    /// The namespace's taps.
    #[inline]
    pub fn ptype_all(&self) -> &[NetPacketHook<S>] {
        &self.ptype_all
    }

    /// The namespace's handlers of one ethertype each.
    #[inline]
    pub fn ptype_specific(&self) -> &[NetPacketHook<S>] {
        &self.ptype_specific
    }

    /// Whether the namespace has no handler at all (the receive path's
    /// fast case).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.ptype_all.is_empty() && self.ptype_specific.is_empty()
    }
}

/// `ptype_net_ops.init`: the namespace's empty handler lists (Linux
/// initializes `net->ptype_all`/`ptype_specific` in `netdev_init`).
pub fn ptype_net_init<S: ProtoSpec>(_net: &mut crate::netns::Net<S>) -> Result<NetPtype<S>, Errno> {
    Ok(NetPtype::default())
}
