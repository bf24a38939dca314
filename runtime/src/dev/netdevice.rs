//! `struct net_device` and a namespace's devices (net/core/dev.c,
//! include/linux/netdevice.h), with the IPv4 addresses configured on them
//! (`struct in_device`'s `ifa_list`, net/ipv4/devinet.c).
//!
//! A device's transmit is an enum `match` on its [`NetDevKind`]
//! (`ndo_start_xmit` without a function pointer). Every device has a
//! receive ring ([`RxQueue`]) that its "hardware" fills: the peer of a veth
//! pair, the loopback transmit, or a driver calling [`RxQueue::netif_rx`];
//! `net_rx_action` drains it. The rings are shared (`Arc<Mutex<..>>`) so a
//! sender in another namespace, or a driver thread, can fill them without
//! the receiving namespace's lock.

use std::collections::{BTreeMap, VecDeque};
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::{
    ARPHRD_ETHER, ARPHRD_LOOPBACK, ETH_ALEN, ETH_DATA_LEN, ETH_HLEN, IFF_BROADCAST, IFF_LOOPBACK, IFF_MULTICAST,
    IFF_NOARP, IFF_RUNNING, IFF_UP, IFNAMSIZ, LOOPBACK_IFINDEX, MAX_NETDEVICES, NETDEV_MAX_BACKLOG,
};
use crate::errno::Errno;
use crate::skbuff::SkBuff;
use crate::tables::{NetRx, RxOutcome, RxOutcomes};

/// `IN_LOOPBACKNET`'s address, `127.0.0.1`, host order.
pub const INADDR_LOOPBACK: u32 = 0x7f00_0001;
/// `INADDR_BROADCAST`, `255.255.255.255`.
pub const INADDR_BROADCAST: u32 = 0xffff_ffff;
/// The smallest MTU IPv4 works with (`IPV4_MIN_MTU`).
pub const IPV4_MIN_MTU: u32 = 68;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The ring a device's received frames wait in (its share of the CPU
/// backlog, `softnet_data.input_pkt_queue`), bounded by
/// `netdev_max_backlog`.
#[derive(Debug)]
pub struct RxRing {
    queue: Mutex<VecDeque<SkBuff>>,
    /// Frames queued, readable without the lock.
    len: AtomicUsize,
    limit: usize,
    /// `IFF_UP` of the device, readable by senders in other namespaces.
    up: AtomicBool,
    /// Frames `netif_rx` refused (ring full or device down): the device's
    /// `rx_dropped` (`dev_core_stats_rx_dropped_inc`).
    dropped: AtomicU64,
}

/// A handle on a device's receive ring; cloning shares it.
#[derive(Clone, Debug)]
pub struct RxQueue(Arc<RxRing>);

impl RxQueue {
    /// An empty ring of at most `limit` frames, device down.
    pub fn new(limit: usize) -> RxQueue {
        RxQueue(Arc::new(RxRing {
            queue: Mutex::new(VecDeque::new()),
            len: AtomicUsize::new(0),
            limit,
            up: AtomicBool::new(false),
            dropped: AtomicU64::new(0),
        }))
    }

    /// `enqueue_to_backlog`: queues `skb` unless the device is down or the
    /// ring full, in which case the frame comes back (the caller counts the
    /// drop where Linux does).
    pub fn enqueue(&self, skb: SkBuff) -> Result<(), SkBuff> {
        if !self.is_up() {
            return Err(skb);
        }
        let mut q = lock(&self.0.queue);
        if q.len() >= self.0.limit {
            return Err(skb);
        }
        q.push_back(skb);
        self.0.len.store(q.len(), Ordering::Release);
        Ok(())
    }

    /// `netif_rx(skb)`: what a driver calls with a received frame (`data`
    /// at the Ethernet header). `NET_RX_DROP`, counted in the device's
    /// `rx_dropped`, when the ring is full or the device down.
    pub fn netif_rx(&self, skb: SkBuff) -> NetRx {
        match self.enqueue(skb) {
            Ok(()) => NetRx::Success,
            Err(_) => {
                self.0.dropped.fetch_add(1, Ordering::Relaxed);
                NetRx::Drop
            }
        }
    }

    /// Frames waiting.
    #[inline]
    pub fn len(&self) -> usize {
        self.0.len.load(Ordering::Acquire)
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the device is up.
    #[inline]
    pub fn is_up(&self) -> bool {
        self.0.up.load(Ordering::Acquire)
    }

    pub(crate) fn set_up(&self, up: bool) {
        self.0.up.store(up, Ordering::Release);
    }

    /// Frames refused so far.
    pub fn dropped(&self) -> u64 {
        self.0.dropped.load(Ordering::Relaxed)
    }

    /// Moves up to `n` frames into `out` under one lock; returns how many.
    pub(crate) fn dequeue_batch(&self, out: &mut Vec<SkBuff>, n: usize) -> usize {
        if self.is_empty() {
            return 0;
        }
        let mut q = lock(&self.0.queue);
        let take = n.min(q.len());
        out.extend(q.drain(..take));
        self.0.len.store(q.len(), Ordering::Release);
        take
    }

    /// Empties the ring (a device going down, `flush_backlog`); returns
    /// how many frames were thrown away.
    pub(crate) fn purge(&self) -> usize {
        let mut q = lock(&self.0.queue);
        let n = q.len();
        q.clear();
        self.0.len.store(0, Ordering::Release);
        n
    }
}

/// Frames an external device transmitted, waiting for its driver (a pcap
/// writer, a TAP fd, a test) to take them; at most `limit`.
#[derive(Debug)]
pub struct TxRing {
    queue: Mutex<VecDeque<SkBuff>>,
    limit: usize,
}

/// A handle on an external device's transmit ring; cloning shares it.
#[derive(Clone, Debug)]
pub struct TxQueue(Arc<TxRing>);

impl TxQueue {
    /// An empty ring of at most `limit` frames.
    pub fn new(limit: usize) -> TxQueue {
        TxQueue(Arc::new(TxRing { queue: Mutex::new(VecDeque::new()), limit }))
    }

    /// Queues a transmitted frame; gives it back when the ring is full.
    pub fn push(&self, skb: SkBuff) -> Result<(), SkBuff> {
        let mut q = lock(&self.0.queue);
        if q.len() >= self.0.limit {
            return Err(skb);
        }
        q.push_back(skb);
        Ok(())
    }

    /// The oldest transmitted frame, if any (`data` at its Ethernet header).
    pub fn pop(&self) -> Option<SkBuff> {
        lock(&self.0.queue).pop_front()
    }

    /// Every frame waiting, oldest first, as bytes on the wire.
    pub fn drain_frames(&self) -> Vec<Vec<u8>> {
        lock(&self.0.queue).drain(..).map(SkBuff::into_frame).collect()
    }

    pub fn len(&self) -> usize {
        lock(&self.0.queue).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a device is, and so what its `ndo_start_xmit` does.
#[derive(Clone, Debug)]
pub enum NetDevKind {
    /// drivers/net/loopback.c: a transmitted frame comes back in through
    /// this device's own ring (`loopback_xmit` → `__netif_rx`).
    Loopback,
    /// drivers/net/veth.c: one end of a pair; a transmitted frame goes to
    /// the peer's ring (`veth_xmit` → `veth_forward_skb`), wherever the
    /// peer's namespace is.
    Veth {
        /// The peer's receive ring.
        peer: RxQueue,
        /// The peer's ifindex in its namespace (`IFLA_LINK`).
        peer_ifindex: i32,
    },
    /// A device whose wire is outside the stack: transmitted frames wait
    /// in `tx` for a driver to take; the driver delivers frames with
    /// [`RxQueue::netif_rx`] on the device's `rx`.
    External { tx: TxQueue },
    /// drivers/net/dummy.c: transmitted frames are counted and freed.
    Dummy,
}

/// `struct rtnl_link_stats64` (/proc/net/dev columns), with the core
/// drop counters of Linux 6.0 (`rx_nohandler`, `rx_otherhost_dropped`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetDevStats {
    pub rx_packets: u64,
    pub tx_packets: u64,
    pub rx_bytes: u64,
    pub tx_bytes: u64,
    pub rx_errors: u64,
    pub tx_errors: u64,
    /// Frames dropped on receive: device down, ring full, runts, no
    /// protocol handler (`dev_core_stats_rx_dropped_inc`).
    pub rx_dropped: u64,
    /// Frames dropped on transmit: device down, peer down or full.
    pub tx_dropped: u64,
    /// Multicast (and broadcast) frames received.
    pub multicast: u64,
    /// Frames shorter than an Ethernet header (`rx_length_errors`).
    pub rx_length_errors: u64,
    /// Frames the hardware had no room for (a driver's count; none of the
    /// devices here counts it). /proc/net/dev adds it to `rx_dropped`.
    pub rx_missed_errors: u64,
    /// Frames no protocol handler took on exact-match delivery
    /// (`dev_core_stats_rx_nohandler_inc` in `__netif_receive_skb_core`,
    /// only when an `rx_handler` returned `RX_HANDLER_EXACT`; no device
    /// here has one). Not shown in /proc/net/dev.
    pub rx_nohandler: u64,
    /// IP frames for another station (`dev_core_stats_rx_otherhost_dropped_inc`).
    pub rx_otherhost_dropped: u64,
}

impl NetDevStats {
    /// The counters that end received frames ([`RxOutcome`]): every
    /// receive drop (`rx_dropped`, `rx_missed_errors`, `rx_nohandler`,
    /// `rx_otherhost_dropped`). `rx_errors` and `rx_length_errors` are
    /// details of a drop counted in `rx_dropped` too; the device takes no
    /// frame for itself.
    pub fn rx_outcomes(&self) -> RxOutcomes {
        let mut o = RxOutcomes::default();
        for n in [self.rx_dropped, self.rx_missed_errors, self.rx_nohandler, self.rx_otherhost_dropped] {
            o.add(RxOutcome::Drop, n);
        }
        o
    }
}

/// `struct net_device`.
#[derive(Debug)]
pub struct NetDevice {
    pub name: String,
    /// 0 until registered.
    pub ifindex: i32,
    /// `ARPHRD_*`.
    pub type_: u16,
    pub flags: u32,
    pub mtu: u32,
    pub hard_header_len: u16,
    pub addr_len: u8,
    pub tx_queue_len: u32,
    pub dev_addr: [u8; 6],
    /// What `ndo_start_xmit` does.
    pub kind: NetDevKind,
    /// Counters updated under the namespace's lock.
    pub stats: NetDevStats,
    /// The receive ring.
    pub rx: RxQueue,
}

impl NetDevice {
    /// `alloc_netdev(0, "lo", .., loopback_setup)`, asking for
    /// `LOOPBACK_IFINDEX` (as Linux 6.2+ does; 6.0 relied on `lo` being
    /// the first device and `BUG_ON`d otherwise).
    pub fn loopback() -> Self {
        NetDevice {
            name: "lo".to_string(),
            ifindex: LOOPBACK_IFINDEX,
            type_: ARPHRD_LOOPBACK,
            flags: IFF_LOOPBACK | IFF_NOARP,
            mtu: 64 * 1024,
            hard_header_len: ETH_HLEN,
            addr_len: ETH_ALEN,
            tx_queue_len: 0,
            dev_addr: [0; 6],
            kind: NetDevKind::Loopback,
            stats: NetDevStats::default(),
            rx: RxQueue::new(NETDEV_MAX_BACKLOG as usize),
        }
    }

    /// `alloc_etherdev` (`ether_setup`): an Ethernet device named `name`,
    /// which may be a template such as `"eth%d"`; it transmits into nothing
    /// ([`NetDevKind::Dummy`]) until given another kind.
    pub fn ether(name: &str, dev_addr: [u8; 6]) -> Self {
        NetDevice {
            name: name.to_string(),
            ifindex: 0,
            type_: ARPHRD_ETHER,
            flags: IFF_BROADCAST | IFF_MULTICAST,
            mtu: ETH_DATA_LEN,
            hard_header_len: ETH_HLEN,
            addr_len: ETH_ALEN,
            tx_queue_len: 1000,
            dev_addr,
            kind: NetDevKind::Dummy,
            stats: NetDevStats::default(),
            rx: RxQueue::new(NETDEV_MAX_BACKLOG as usize),
        }
    }

    /// `netif_running(dev)`: `IFF_UP`.
    #[inline]
    pub fn is_up(&self) -> bool {
        self.flags & IFF_UP != 0
    }

    /// `dev_get_stats(dev)`: the counters with what the ring refused.
    pub fn get_stats(&self) -> NetDevStats {
        let mut s = self.stats;
        s.rx_dropped += self.rx.dropped();
        s
    }

    /// `ndo_start_xmit(skb, dev)`, `data` at the Ethernet header: an enum
    /// `match` per device kind (`loopback_xmit`, `veth_xmit`, `dummy_xmit`,
    /// the external ring). Counts `tx_packets`/`tx_bytes`, or `tx_dropped`
    /// (`rx_dropped` for loopback, whose backlog refused it) and
    /// `ENOBUFS`.
    pub fn start_xmit(&mut self, skb: SkBuff) -> Result<(), Errno> {
        let len = skb.len() as u64;
        let r = match &self.kind {
            NetDevKind::Loopback => self.rx.enqueue(skb).map_err(|_| {
                self.stats.rx_dropped += 1;
            }),
            NetDevKind::Veth { peer, .. } => peer.enqueue(skb).map_err(|_| {
                self.stats.tx_dropped += 1;
            }),
            NetDevKind::External { tx } => tx.push(skb).map_err(|_| {
                self.stats.tx_dropped += 1;
            }),
            NetDevKind::Dummy => Ok(()),
        };
        match r {
            Ok(()) => {
                self.stats.tx_packets += 1;
                self.stats.tx_bytes += len;
                Ok(())
            }
            Err(()) => Err(Errno::ENOBUFS),
        }
    }
}

/// `dev_valid_name(name)`.
pub fn dev_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() < IFNAMSIZ
        && name != "."
        && name != ".."
        && !name.chars().any(|c| c == '/' || c == ':' || c.is_whitespace())
}

/// `struct in_ifaddr`: an IPv4 address on a device (`ip addr add
/// LOCAL/PREFIXLEN dev DEV`). Addresses are host-order `u32`s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InIfaddr {
    /// The device (`ifa_dev->dev->ifindex`).
    pub ifindex: i32,
    /// `ifa_local`.
    pub local: u32,
    /// `ifa_prefixlen`.
    pub prefixlen: u8,
    /// `ifa_mask`.
    pub mask: u32,
    /// `ifa_broadcast` (0 for /31 and /32).
    pub broadcast: u32,
}

impl InIfaddr {
    /// Whether `addr` is on this address's subnet (`inet_ifa_match`).
    #[inline]
    pub fn matches(&self, addr: u32) -> bool {
        (addr ^ self.local) & self.mask == 0
    }
}

/// `inet_make_mask(prefixlen)`.
pub fn inet_make_mask(prefixlen: u8) -> u32 {
    match prefixlen {
        0 => 0,
        p if p >= 32 => u32::MAX,
        p => u32::MAX << (32 - u32::from(p)),
    }
}

/// A namespace's devices: `dev_base_head` in ifindex order,
/// `dev_name_head`, the `ifindex` counter (`netdev_init`), and the IPv4
/// addresses of its devices.
#[derive(Debug, Default)]
pub struct NetDevTables {
    /// `dev_index_head` + `dev_base_head`, sorted by ifindex.
    devs: Vec<NetDevice>,
    /// `dev_name_head`: ifindex by name.
    by_name: BTreeMap<String, i32>,
    /// `net->ifindex`: the last ifindex handed out.
    ifindex: i32,
    /// Every device's `ifa_list`, in the order addresses were added.
    ifaddrs: Vec<InIfaddr>,
    /// The default route (`ip route add default via GW`): gateway and device.
    default_route: Option<(u32, i32)>,
    /// `RTN_LOCAL` routes of the local table: `(address, mask, ifindex)`
    /// for each address of an up device (the whole subnet for a loopback
    /// device), rebuilt when addresses or device states change.
    local: Vec<(u32, u32, i32)>,
    /// `net_rx_action`'s batch buffer, kept to avoid an allocation a poll.
    pub(crate) rx_scratch: Vec<SkBuff>,
}

impl NetDevTables {
    /// `for_each_netdev`: devices in ifindex order.
    pub fn devices(&self) -> impl DoubleEndedIterator<Item = &NetDevice> {
        self.devs.iter()
    }

    /// The `i`-th device in ifindex order (for a poll over every ring).
    pub(crate) fn device_at(&self, i: usize) -> Option<&NetDevice> {
        self.devs.get(i)
    }

    /// `__dev_get_by_name`.
    pub fn get_by_name(&self, name: &str) -> Option<&NetDevice> {
        self.get_by_index(*self.by_name.get(name)?)
    }

    /// Where device `ifindex` sits in `devs`. Ifindexes are handed out in
    /// order from 1, so until devices are unregistered device `i` is at
    /// `i - 1` (Linux's `dev_index_head` hash hits its bucket at once, too);
    /// otherwise a binary search.
    #[inline]
    fn index_of(&self, ifindex: i32) -> Option<usize> {
        let guess = usize::try_from(ifindex).ok()?.wrapping_sub(1);
        if self.devs.get(guess).is_some_and(|d| d.ifindex == ifindex) {
            return Some(guess);
        }
        self.devs.binary_search_by_key(&ifindex, |d| d.ifindex).ok()
    }

    /// `__dev_get_by_index`.
    #[inline]
    pub fn get_by_index(&self, ifindex: i32) -> Option<&NetDevice> {
        self.devs.get(self.index_of(ifindex)?)
    }

    /// Mutable [`NetDevTables::get_by_index`].
    #[inline]
    pub fn get_by_index_mut(&mut self, ifindex: i32) -> Option<&mut NetDevice> {
        let i = self.index_of(ifindex)?;
        self.devs.get_mut(i)
    }

    /// The ifindex of device `name`; `ENODEV` if there is none.
    pub fn ifindex_of(&self, name: &str) -> Result<i32, Errno> {
        self.by_name.get(name).copied().ok_or(Errno::ENODEV)
    }

    /// `dev_new_index`: the next free ifindex after the last one handed out.
    fn new_index(&mut self) -> i32 {
        loop {
            self.ifindex = self.ifindex.checked_add(1).filter(|i| *i > 0).unwrap_or(1);
            if self.get_by_index(self.ifindex).is_none() {
                return self.ifindex;
            }
        }
    }

    /// `dev_alloc_name`: resolves a `"%d"` template to the lowest free unit.
    fn alloc_name(&self, template: &str) -> Result<String, Errno> {
        let Some(p) = template.find('%') else {
            return Ok(template.to_string());
        };
        let (pre, rest) = template.split_at(p);
        // Exactly one "%d" and no other '%', as __dev_alloc_name insists.
        let post = rest.strip_prefix("%d").ok_or(Errno::EINVAL)?;
        if post.contains('%') {
            return Err(Errno::EINVAL);
        }
        (0..MAX_NETDEVICES)
            .map(|i| format!("{pre}{i}{post}"))
            .find(|n| !self.by_name.contains_key(n))
            .ok_or(Errno::ENFILE)
    }

    /// `register_netdevice(dev)`: names it (resolving `%d`), gives it an
    /// ifindex (the one it asks for, if not 0, else `dev_new_index`) and
    /// links it in, down. `ENFILE` if the namespace already holds
    /// [`MAX_NETDEVICES`] devices, `EINVAL` for an invalid name, `EEXIST`
    /// if the name is taken, `EBUSY` if the asked-for ifindex is. Returns
    /// the ifindex.
    pub fn register_netdevice(&mut self, mut dev: NetDevice) -> Result<i32, Errno> {
        if self.devs.len() >= MAX_NETDEVICES {
            return Err(Errno::ENFILE);
        }
        dev.name = self.alloc_name(&dev.name)?;
        if !dev_valid_name(&dev.name) {
            return Err(Errno::EINVAL);
        }
        if self.by_name.contains_key(&dev.name) {
            return Err(Errno::EEXIST);
        }
        if dev.ifindex == 0 {
            dev.ifindex = self.new_index();
        } else if dev.ifindex < 0 {
            return Err(Errno::EINVAL);
        } else if self.get_by_index(dev.ifindex).is_some() {
            return Err(Errno::EBUSY);
        }
        dev.flags &= !(IFF_UP | IFF_RUNNING);
        dev.rx.set_up(false);
        self.by_name.insert(dev.name.clone(), dev.ifindex);
        let ifindex = dev.ifindex;
        let at = self.devs.partition_point(|d| d.ifindex < ifindex);
        self.devs.insert(at, dev);
        Ok(ifindex)
    }

    /// `unregister_netdevice(dev)`: closes it, drops its addresses (and a
    /// default route through it) and unlinks it. `ENODEV` if there is no
    /// such device.
    pub fn unregister_netdevice(&mut self, name: &str) -> Result<NetDevice, Errno> {
        let ifindex = *self.by_name.get(name).ok_or(Errno::ENODEV)?;
        let _ = self.dev_close(ifindex);
        self.by_name.remove(name);
        self.ifaddrs.retain(|a| a.ifindex != ifindex);
        if self.default_route.is_some_and(|(_, i)| i == ifindex) {
            self.default_route = None;
        }
        let i = self.devs.binary_search_by_key(&ifindex, |d| d.ifindex).map_err(|_| Errno::ENODEV)?;
        let dev = self.devs.remove(i);
        self.rebuild_local();
        Ok(dev)
    }

    /// `dev_open(dev)` (`ip link set DEV up`): `IFF_UP | IFF_RUNNING`, the
    /// ring accepts frames. For the loopback device `inetdev_event`'s
    /// `NETDEV_UP` adds `127.0.0.1/8` if it has no address yet.
    pub fn dev_open(&mut self, ifindex: i32) -> Result<(), Errno> {
        let dev = self.get_by_index_mut(ifindex).ok_or(Errno::ENODEV)?;
        dev.flags |= IFF_UP | IFF_RUNNING;
        dev.rx.set_up(true);
        let lo = dev.flags & IFF_LOOPBACK != 0;
        if lo && !self.ifaddrs.iter().any(|a| a.ifindex == ifindex) {
            self.inet_addr_add(ifindex, Ipv4Addr::LOCALHOST, 8)?;
        }
        self.rebuild_local();
        Ok(())
    }

    /// `dev_close(dev)` (`ip link set DEV down`): a down device neither
    /// sends nor receives; what its ring held is dropped and counted.
    pub fn dev_close(&mut self, ifindex: i32) -> Result<(), Errno> {
        let dev = self.get_by_index_mut(ifindex).ok_or(Errno::ENODEV)?;
        dev.flags &= !(IFF_UP | IFF_RUNNING);
        dev.rx.set_up(false);
        let purged = dev.rx.purge();
        dev.stats.rx_dropped += purged as u64;
        self.rebuild_local();
        Ok(())
    }

    /// `ip link set NAME up`.
    pub fn ip_link_set_up(&mut self, name: &str) -> Result<(), Errno> {
        self.dev_open(self.ifindex_of(name)?)
    }

    /// `ip link set NAME down`.
    pub fn ip_link_set_down(&mut self, name: &str) -> Result<(), Errno> {
        self.dev_close(self.ifindex_of(name)?)
    }

    /// `dev_set_mtu(dev, mtu)`: `EINVAL` outside `68..=65535`.
    pub fn dev_set_mtu(&mut self, ifindex: i32, mtu: u32) -> Result<(), Errno> {
        if !(IPV4_MIN_MTU..=65535).contains(&mtu) {
            return Err(Errno::EINVAL);
        }
        self.get_by_index_mut(ifindex).ok_or(Errno::ENODEV)?.mtu = mtu;
        Ok(())
    }

    /// `inet_rtm_newaddr` → `__inet_insert_ifa` (`ip addr add
    /// ADDR/PREFIXLEN dev DEV`): `ENODEV` for no such device, `EINVAL` for
    /// a prefix above 32 or the address 0, `EEXIST` if the device has the
    /// address. The broadcast address is the subnet's (none for /31, /32).
    pub fn inet_addr_add(&mut self, ifindex: i32, addr: Ipv4Addr, prefixlen: u8) -> Result<(), Errno> {
        self.get_by_index(ifindex).ok_or(Errno::ENODEV)?;
        let local = u32::from(addr);
        if prefixlen > 32 || local == 0 {
            return Err(Errno::EINVAL);
        }
        if self.ifaddrs.iter().any(|a| a.ifindex == ifindex && a.local == local) {
            return Err(Errno::EEXIST);
        }
        let mask = inet_make_mask(prefixlen);
        let broadcast = if prefixlen < 31 { local | !mask } else { 0 };
        self.ifaddrs.push(InIfaddr { ifindex, local, prefixlen, mask, broadcast });
        self.rebuild_local();
        Ok(())
    }

    /// `inet_rtm_deladdr` (`ip addr del`): `EADDRNOTAVAIL` if the device
    /// does not have it.
    pub fn inet_addr_del(&mut self, ifindex: i32, addr: Ipv4Addr) -> Result<(), Errno> {
        let local = u32::from(addr);
        let i =
            self.ifaddrs.iter().position(|a| a.ifindex == ifindex && a.local == local).ok_or(Errno::EADDRNOTAVAIL)?;
        self.ifaddrs.remove(i);
        self.rebuild_local();
        Ok(())
    }

    /// `ip addr add ADDR/PREFIXLEN dev NAME`.
    pub fn ip_addr_add(&mut self, name: &str, addr: Ipv4Addr, prefixlen: u8) -> Result<(), Errno> {
        self.inet_addr_add(self.ifindex_of(name)?, addr, prefixlen)
    }

    /// Every configured IPv4 address.
    #[inline]
    pub fn ifaddrs(&self) -> &[InIfaddr] {
        &self.ifaddrs
    }

    /// `ip route add default via GW dev NAME`: `ENODEV` for no device,
    /// `ENETUNREACH` unless the gateway is on one of its subnets.
    pub fn route_add_default(&mut self, gw: Ipv4Addr, ifindex: i32) -> Result<(), Errno> {
        self.get_by_index(ifindex).ok_or(Errno::ENODEV)?;
        let gw = u32::from(gw);
        if !self.ifaddrs.iter().any(|a| a.ifindex == ifindex && a.matches(gw)) {
            return Err(Errno::ENETUNREACH);
        }
        self.default_route = Some((gw, ifindex));
        Ok(())
    }

    /// The default route, if any: `(gateway, ifindex)`.
    pub fn default_route(&self) -> Option<(u32, i32)> {
        self.default_route
    }

    /// Whether `addr` is a local address (`inet_addr_type == RTN_LOCAL`):
    /// an address of an up device, or `127.0.0.0/8` while `lo` has its
    /// address and is up. Returns the device holding it.
    #[inline]
    pub fn inet_addr_local(&self, addr: u32) -> Option<i32> {
        self.local.iter().find(|&&(a, m, _)| (a ^ addr) & m == 0).map(|&(_, _, i)| i)
    }

    /// `fib_add_ifaddr` / `fib_del_ifaddr` for the local table: recomputes
    /// the local routes.
    fn rebuild_local(&mut self) {
        let mut local = std::mem::take(&mut self.local);
        local.clear();
        for a in &self.ifaddrs {
            let Some(dev) = self.get_by_index(a.ifindex) else { continue };
            if !dev.is_up() {
                continue;
            }
            let mask = if dev.flags & IFF_LOOPBACK != 0 { a.mask } else { u32::MAX };
            local.push((a.local & mask, mask, a.ifindex));
        }
        self.local = local;
    }

    /// Whether `addr` is a broadcast address of a subnet on `ifindex`.
    pub fn inet_addr_bcast(&self, ifindex: i32, addr: u32) -> bool {
        self.ifaddrs.iter().any(|a| a.ifindex == ifindex && a.broadcast != 0 && a.broadcast == addr)
    }

    /// `inet_select_addr(dev, dst, scope)`: the device's address on `dst`'s
    /// subnet, else its first (primary) address, else 0.
    pub fn inet_select_addr(&self, ifindex: i32, dst: u32) -> u32 {
        let mut first = 0;
        for a in self.ifaddrs.iter().filter(|a| a.ifindex == ifindex) {
            if a.matches(dst) {
                return a.local;
            }
            if first == 0 {
                first = a.local;
            }
        }
        first
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// At [`MAX_NETDEVICES`] (`max_netdevices`, 8 * PAGE_SIZE) a namespace
    /// takes no more devices: `ENFILE`, as `__dev_alloc_name` past its
    /// units. Removing one makes room again.
    #[test]
    fn devices_per_namespace_are_bounded() {
        let mut t = NetDevTables::default();
        t.register_netdevice(NetDevice::loopback()).unwrap();
        for i in 1..MAX_NETDEVICES {
            t.register_netdevice(NetDevice::ether(&format!("d{i}"), [2; 6])).unwrap();
        }
        assert_eq!(t.devices().count(), MAX_NETDEVICES, "at the limit");
        assert_eq!(t.register_netdevice(NetDevice::ether("one-more", [2; 6])), Err(Errno::ENFILE), "past it");
        assert_eq!(t.register_netdevice(NetDevice::ether("eth%d", [2; 6])), Err(Errno::ENFILE));
        t.unregister_netdevice("d7").unwrap();
        assert!(t.register_netdevice(NetDevice::ether("one-more", [2; 6])).is_ok());
    }

    #[test]
    fn register_netdevice_names_and_indexes() {
        let mut t = NetDevTables::default();
        assert_eq!(t.register_netdevice(NetDevice::loopback()), Ok(LOOPBACK_IFINDEX));
        assert_eq!(t.register_netdevice(NetDevice::ether("eth%d", [2; 6])), Ok(2));
        assert_eq!(t.register_netdevice(NetDevice::ether("eth%d", [3; 6])), Ok(3));
        assert_eq!(t.register_netdevice(NetDevice::ether("eth0", [4; 6])), Err(Errno::EEXIST));
        assert_eq!(t.register_netdevice(NetDevice::ether("bad name", [4; 6])), Err(Errno::EINVAL));
        assert_eq!(t.register_netdevice(NetDevice::ether("a%d%d", [4; 6])), Err(Errno::EINVAL));
        assert_eq!(t.register_netdevice(NetDevice::ether("eth%x", [4; 6])), Err(Errno::EINVAL));
        assert_eq!(t.register_netdevice(NetDevice::ether("waytoolongname00", [4; 6])), Err(Errno::EINVAL));
        let names: Vec<_> = t.devices().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["lo", "eth0", "eth1"]);
        assert_eq!(t.get_by_index(3).map(|d| d.dev_addr), Some([3; 6]));
        let lo = t.get_by_name("lo").unwrap();
        assert_eq!((lo.ifindex, lo.type_, lo.flags & IFF_LOOPBACK, lo.mtu), (1, ARPHRD_LOOPBACK, IFF_LOOPBACK, 65536));

        t.unregister_netdevice("eth0").unwrap();
        assert_eq!(t.unregister_netdevice("eth0").err(), Some(Errno::ENODEV));
        // ifindexes are not reused right away; names are
        assert_eq!(t.register_netdevice(NetDevice::ether("eth%d", [5; 6])), Ok(4));
        assert_eq!(t.get_by_name("eth0").map(|d| d.ifindex), Some(4));
    }

    #[test]
    fn addresses_and_up_down() {
        let mut t = NetDevTables::default();
        t.register_netdevice(NetDevice::loopback()).unwrap();
        let eth = t.register_netdevice(NetDevice::ether("eth0", [2; 6])).unwrap();
        let a = Ipv4Addr::new(10, 0, 0, 1);
        t.inet_addr_add(eth, a, 24).unwrap();
        assert_eq!(t.inet_addr_add(eth, a, 24), Err(Errno::EEXIST));
        assert_eq!(t.inet_addr_add(eth, Ipv4Addr::new(10, 0, 0, 2), 33), Err(Errno::EINVAL));
        assert_eq!(t.inet_addr_add(99, a, 24), Err(Errno::ENODEV));
        assert_eq!(t.ifaddrs()[0].broadcast, u32::from(Ipv4Addr::new(10, 0, 0, 255)));
        assert_eq!(t.inet_addr_local(u32::from(a)), None, "device down");
        t.dev_open(eth).unwrap();
        assert_eq!(t.inet_addr_local(u32::from(a)), Some(eth));
        assert!(t.inet_addr_bcast(eth, 0x0a00_00ff));
        assert_eq!(t.inet_addr_local(INADDR_LOOPBACK), None, "lo is down");
        t.ip_link_set_up("lo").unwrap();
        assert_eq!(t.inet_addr_local(0x7f01_0203), Some(1), "127.0.0.0/8 is local once lo is up");
        assert_eq!(t.inet_select_addr(eth, 0x0a00_0009), u32::from(a));
        t.route_add_default(Ipv4Addr::new(10, 0, 0, 254), eth).unwrap();
        assert_eq!(t.route_add_default(Ipv4Addr::new(10, 9, 0, 254), eth), Err(Errno::ENETUNREACH));
        t.inet_addr_del(eth, a).unwrap();
        assert_eq!(t.inet_addr_del(eth, a), Err(Errno::EADDRNOTAVAIL));
        assert_eq!(t.dev_set_mtu(eth, 67), Err(Errno::EINVAL));
        t.dev_set_mtu(eth, 9000).unwrap();
        t.unregister_netdevice("eth0").unwrap();
        assert_eq!(t.default_route(), None);
    }

    #[test]
    fn rings_bound_and_count() {
        let rx = RxQueue::new(2);
        assert_eq!(rx.netif_rx(SkBuff::default()), NetRx::Drop, "down");
        rx.set_up(true);
        assert_eq!(rx.netif_rx(SkBuff::default()), NetRx::Success);
        assert_eq!(rx.netif_rx(SkBuff::default()), NetRx::Success);
        assert_eq!(rx.netif_rx(SkBuff::default()), NetRx::Drop, "full");
        assert_eq!((rx.len(), rx.dropped()), (2, 2));
        let mut out = Vec::new();
        assert_eq!(rx.dequeue_batch(&mut out, 5), 2);
        assert!(rx.is_empty());

        let tx = TxQueue::new(1);
        tx.push(SkBuff::from_frame(&[1, 2], 0)).unwrap();
        assert!(tx.push(SkBuff::default()).is_err());
        assert_eq!(tx.drain_frames(), [vec![1u8, 2]]);
        assert!(tx.pop().is_none());
    }
}
