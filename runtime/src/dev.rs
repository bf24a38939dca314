//! The device layer (net/core/dev.c, drivers/net/loopback.c,
//! net/core/net-procfs.c): packet-type and offload lists, per-CPU
//! `softnet_data`, the per-namespace device tables, and `lo`.
//!
//! Packet types and offloads are recorded by name and ethertype; the packet
//! path that calls their handlers is generated and dispatches statically.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::errno::Errno;
use crate::init::InitResult;
use crate::kernel::Kernel;
use crate::netns::{Net, PernetSpec, PernetState};
use crate::skbuff::{SkBuff, SkBuffHead, SkbCacheState};
use crate::softirq::{open_softirq, KsoftirqdState, Softirq, SoftirqAction};

/// Buckets of `ptype_base`.
pub const PTYPE_HASH_SIZE: usize = 16;
/// `PTYPE_HASH_MASK`: a type's bucket is `type & PTYPE_HASH_MASK`.
pub const PTYPE_HASH_MASK: u16 = PTYPE_HASH_SIZE as u16 - 1;

/// Every packet (`ETH_P_ALL`): taps such as AF_PACKET.
pub const ETH_P_ALL: u16 = 0x0003;
pub const ETH_P_IP: u16 = 0x0800;
pub const ETH_P_ARP: u16 = 0x0806;
pub const ETH_P_IPV6: u16 = 0x86DD;

/// `weight_p`: packets the backlog NAPI may process per poll (`dev_weight`).
pub const WEIGHT_P: i32 = 64;
/// `netdev_max_backlog`: longest a CPU's `input_pkt_queue` may grow.
pub const NETDEV_MAX_BACKLOG: i32 = 1000;
/// `netdev_budget`: packets one `net_rx_action` run may process.
pub const NETDEV_BUDGET: i32 = 300;

/// `IFNAMSIZ`: a device name is at most `IFNAMSIZ - 1` bytes.
pub const IFNAMSIZ: usize = 16;
/// `LOOPBACK_IFINDEX`: `lo` is the first device of every namespace.
pub const LOOPBACK_IFINDEX: i32 = 1;

/// `ARPHRD_ETHER`, `ARPHRD_LOOPBACK`: `dev->type`.
pub const ARPHRD_ETHER: u16 = 1;
pub const ARPHRD_LOOPBACK: u16 = 772;

/// `dev->flags` bits (include/uapi/linux/if.h).
pub const IFF_UP: u32 = 0x1;
pub const IFF_BROADCAST: u32 = 0x2;
pub const IFF_LOOPBACK: u32 = 0x8;
pub const IFF_MULTICAST: u32 = 0x1000;

/// `ETH_HLEN`, `ETH_ALEN`, `ETH_DATA_LEN`.
pub const ETH_HLEN: u16 = 14;
pub const ETH_ALEN: u8 = 6;
pub const ETH_DATA_LEN: u32 = 1500;

/// `struct packet_type`: a receive handler for one ethertype (or all).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketType {
    /// `type`, in host order; `ETH_P_ALL` for taps.
    pub type_: u16,
    /// The C variable (`"ip_packet_type"`), which identifies it.
    pub name: &'static str,
    /// The handler, by name (`"ip_rcv"`).
    pub func: &'static str,
}

/// `ptype_all` and `ptype_base[PTYPE_HASH_SIZE]` (resource `PtypeBase`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PtypeBaseState {
    ptype_all: Vec<PacketType>,
    ptype_base: [Vec<PacketType>; PTYPE_HASH_SIZE],
}

impl PtypeBaseState {
    /// Taps that see every packet, newest first.
    pub fn ptype_all(&self) -> &[PacketType] {
        &self.ptype_all
    }

    /// Bucket `i` of `ptype_base`, newest first (empty for `i` out of range).
    pub fn bucket(&self, i: usize) -> &[PacketType] {
        self.ptype_base.get(i).map_or(&[], Vec::as_slice)
    }

    /// `ptype_head(pt)`: the list a packet type of `type_` lives on.
    fn head_mut(&mut self, type_: u16) -> &mut Vec<PacketType> {
        if type_ == ETH_P_ALL {
            &mut self.ptype_all
        } else {
            &mut self.ptype_base[usize::from(type_ & PTYPE_HASH_MASK)]
        }
    }

    /// The handlers `__netif_receive_skb_core` hands a packet of ethertype
    /// `type_` to: every tap, then the exact matches in its bucket.
    pub fn handlers(&self, type_: u16) -> impl Iterator<Item = &PacketType> {
        let bucket = self.bucket(usize::from(type_ & PTYPE_HASH_MASK));
        self.ptype_all.iter().chain(bucket.iter().filter(move |pt| pt.type_ == type_))
    }

    /// Every packet type, taps first, then buckets in order (/proc/net/ptype).
    pub fn iter(&self) -> impl Iterator<Item = &PacketType> {
        self.ptype_all.iter().chain(self.ptype_base.iter().flatten())
    }
}

/// `dev_add_pack(pt)`: adds `pt` at the head of its list (`list_add_rcu`),
/// `ptype_all` for `ETH_P_ALL`, else `ptype_base[type & 15]`. The same
/// `name` on the same list twice is `EEXIST`.
pub fn dev_add_pack(k: &mut Kernel, pt: PacketType) -> Result<(), Errno> {
    let head = k.get_mut::<PtypeBaseState>()?.head_mut(pt.type_);
    if head.iter().any(|p| p.name == pt.name) {
        return Err(Errno::EEXIST);
    }
    head.insert(0, pt);
    Ok(())
}

/// `dev_remove_pack(pt)`. Linux warns "dev_remove_pack: %p not found" for
/// an unknown one; here that is logged and `ENOENT`.
pub fn dev_remove_pack(k: &mut Kernel, pt: &PacketType) -> Result<(), Errno> {
    let head = k.get_mut::<PtypeBaseState>()?.head_mut(pt.type_);
    if let Some(i) = head.iter().position(|p| p.name == pt.name) {
        head.remove(i);
        return Ok(());
    }
    k.printk(format!("dev_remove_pack: {} not found", pt.name));
    Err(Errno::ENOENT)
}

/// `struct packet_offload`: GRO/GSO callbacks for one ethertype.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketOffload {
    pub type_: u16,
    /// The C variable (`"ip_packet_offload"`).
    pub name: &'static str,
    /// Lower comes first in `offload_base`.
    pub priority: u16,
}

/// `offload_base` (resource `OffloadBase`), sorted by priority.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OffloadBaseState {
    offload_base: Vec<PacketOffload>,
}

impl OffloadBaseState {
    pub fn offloads(&self) -> &[PacketOffload] {
        &self.offload_base
    }

    /// `gro_find_receive_by_type`: the first offload for `type_`.
    pub fn find(&self, type_: u16) -> Option<&PacketOffload> {
        self.offload_base.iter().find(|po| po.type_ == type_)
    }
}

/// `dev_add_offload(po)`: inserts before the first entry of higher
/// priority, after equal ones. `EEXIST` if `name` is already there.
pub fn dev_add_offload(k: &mut Kernel, po: PacketOffload) -> Result<(), Errno> {
    let list = &mut k.get_mut::<OffloadBaseState>()?.offload_base;
    if list.iter().any(|p| p.name == po.name) {
        return Err(Errno::EEXIST);
    }
    let at = list.iter().position(|p| po.priority < p.priority).unwrap_or(list.len());
    list.insert(at, po);
    Ok(())
}

/// `dev_remove_offload(po)`; `ENOENT` if it is not there.
pub fn dev_remove_offload(k: &mut Kernel, name: &str) -> Result<(), Errno> {
    let list = &mut k.get_mut::<OffloadBaseState>()?.offload_base;
    let i = list.iter().position(|p| p.name == name).ok_or(Errno::ENOENT)?;
    list.remove(i);
    Ok(())
}

/// `struct napi_struct`, as far as scheduling goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NapiStruct {
    pub name: &'static str,
    /// The `poll` function, by name.
    pub poll: &'static str,
    pub weight: i32,
}

/// One CPU's `struct softnet_data`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Softnet {
    pub cpu: usize,
    /// Packets `netif_rx` queued for this CPU's backlog.
    pub input_pkt_queue: SkBuffHead,
    /// Packets `process_backlog` has taken off `input_pkt_queue`.
    pub process_queue: SkBuffHead,
    /// NAPI instances with work, by name.
    pub poll_list: Vec<&'static str>,
    /// Qdiscs waiting for `net_tx_action`, by name.
    pub output_queue: Vec<&'static str>,
    /// Transmitted packets `net_tx_action` frees.
    pub completion_queue: Vec<SkBuff>,
    /// The per-CPU NAPI that drains `input_pkt_queue`.
    pub backlog: NapiStruct,
    /// /proc/net/softnet_stat columns.
    pub processed: u32,
    pub dropped: u32,
    pub time_squeeze: u32,
}

impl Softnet {
    /// The state `net_dev_init` sets up for `cpu`.
    fn new(cpu: usize) -> Self {
        Softnet {
            cpu,
            input_pkt_queue: SkBuffHead::new(),
            process_queue: SkBuffHead::new(),
            poll_list: Vec::new(),
            output_queue: Vec::new(),
            completion_queue: Vec::new(),
            backlog: NapiStruct { name: "backlog", poll: "process_backlog", weight: WEIGHT_P },
            processed: 0,
            dropped: 0,
            time_squeeze: 0,
        }
    }
}

/// Per-CPU `softnet_data` (resource `SoftnetData`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SoftnetDataState {
    pub per_cpu: Vec<Softnet>,
}

/// `NET_TX_SOFTIRQ` and `NET_RX_SOFTIRQ` are open (resource `NetSoftirqs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NetSoftirqsState;

/// `netdev_net_ops` is registered: every namespace has device tables
/// (resource `NetdevNet`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NetdevNetState;

/// `loopback_net_ops` is registered: every namespace has `lo` (resource
/// `Loopback`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoopbackState;

/// `struct net_device`, as far as registration goes.
#[derive(Clone, Debug, PartialEq, Eq)]
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
            flags: IFF_LOOPBACK,
            mtu: 64 * 1024,
            hard_header_len: ETH_HLEN,
            addr_len: ETH_ALEN,
            tx_queue_len: 0,
            dev_addr: [0; 6],
        }
    }

    /// `alloc_etherdev` (`ether_setup`): an Ethernet device named `name`,
    /// which may be a template such as `"eth%d"`.
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

/// A namespace's device tables: `dev_base_head` in ifindex order,
/// `dev_name_head`, and the `ifindex` counter (`netdev_init`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetDevTables {
    /// `dev_index_head` + `dev_base_head`: devices by ifindex.
    by_index: BTreeMap<i32, NetDevice>,
    /// `dev_name_head`: ifindex by name.
    by_name: BTreeMap<String, i32>,
    /// `net->ifindex`: the last ifindex handed out.
    ifindex: i32,
}

impl NetDevTables {
    /// `for_each_netdev`: devices in ifindex order.
    pub fn devices(&self) -> impl DoubleEndedIterator<Item = &NetDevice> {
        self.by_index.values()
    }

    /// `__dev_get_by_name`.
    pub fn get_by_name(&self, name: &str) -> Option<&NetDevice> {
        self.by_index.get(self.by_name.get(name)?)
    }

    /// `__dev_get_by_index`.
    pub fn get_by_index(&self, ifindex: i32) -> Option<&NetDevice> {
        self.by_index.get(&ifindex)
    }

    /// `dev_new_index`: the next free ifindex after the last one handed out.
    fn new_index(&mut self) -> i32 {
        loop {
            self.ifindex = self.ifindex.checked_add(1).filter(|i| *i > 0).unwrap_or(1);
            if !self.by_index.contains_key(&self.ifindex) {
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
        (0..32768).map(|i| format!("{pre}{i}{post}")).find(|n| !self.by_name.contains_key(n)).ok_or(Errno::ENFILE)
    }

    /// `register_netdevice(dev)`: names it (resolving `%d`), gives it an
    /// ifindex (the one it asks for, if not 0, else `dev_new_index`) and
    /// links it in. `EINVAL` for an invalid name, `EEXIST` if the name is
    /// taken, `EBUSY` if the asked-for ifindex is. Returns the ifindex.
    pub fn register_netdevice(&mut self, mut dev: NetDevice) -> Result<i32, Errno> {
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
        } else if self.by_index.contains_key(&dev.ifindex) {
            return Err(Errno::EBUSY);
        }
        self.by_name.insert(dev.name.clone(), dev.ifindex);
        let ifindex = dev.ifindex;
        self.by_index.insert(ifindex, dev);
        Ok(ifindex)
    }

    /// `unregister_netdevice(dev)`: `ENODEV` if there is no such device.
    pub fn unregister_netdevice(&mut self, name: &str) -> Result<NetDevice, Errno> {
        let ifindex = self.by_name.remove(name).ok_or(Errno::ENODEV)?;
        self.by_index.remove(&ifindex).ok_or(Errno::ENODEV)
    }
}

/// `netdev_init(net)` (`netdev_net_ops.init`): the namespace's empty
/// device tables. Linux's `netdev_exit` only frees the hash heads, which
/// dropping the state does.
pub fn netdev_init<S: PernetSpec>(_net: &mut Net<S>) -> Result<NetDevTables, Errno> {
    Ok(NetDevTables::default())
}

/// `net->loopback_dev`: the state of `loopback_net_ops`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoopbackDev {
    pub ifindex: i32,
}

/// `loopback_net_init(net)` (drivers/net/loopback.c): registers `lo` at
/// `LOOPBACK_IFINDEX`; `EBUSY` if another device holds that index.
pub fn loopback_net_init<S: PernetSpec>(net: &mut Net<S>) -> Result<LoopbackDev, Errno>
where
    NetDevTables: PernetState<S>,
{
    let tables = net.get_mut::<NetDevTables>().map_err(|_| Errno::ENODEV)?;
    let ifindex = tables.register_netdevice(NetDevice::loopback())?;
    Ok(LoopbackDev { ifindex })
}

/// Unregisters `lo` if it is still there. Linux's `loopback_net_ops` has
/// no exit because it is never unregistered; a dying namespace loses `lo`
/// in `default_device_exit_batch`, which runs first. Here the operation can
/// be unregistered at run time, and then `lo` must go with it or
/// registering it again would find the name taken.
pub fn loopback_net_exit<S: PernetSpec>(net: &mut Net<S>)
where
    NetDevTables: PernetState<S>,
{
    if let Ok(tables) = net.get_mut::<NetDevTables>() {
        let _ = tables.unregister_netdevice("lo");
    }
}

/// `default_device_exit_batch(net_list)` (`default_device_ops.exit_batch`):
/// unregisters every device left in the dying namespaces, newest first
/// (`unregister_netdevice_queue` + `unregister_netdevice_many`), `lo` last.
/// Linux first moves devices that may change namespace back to `init_net`
/// (`default_device_exit_net`); devices here never change namespace.
pub fn default_device_exit_batch<S: PernetSpec>(nets: &mut [&mut Net<S>])
where
    NetDevTables: PernetState<S>,
{
    for net in nets.iter_mut() {
        if let Ok(tables) = net.get_mut::<NetDevTables>() {
            let names: Vec<String> = tables.devices().rev().map(|d| d.name.clone()).collect();
            for name in names {
                // Each name was just read from the table.
                let _ = tables.unregister_netdevice(&name);
            }
        }
    }
}

/// `dev_proc_net_init(net)` (`dev_proc_ops.init`, net/core/net-procfs.c):
/// /proc/net/dev, softnet_stat and ptype.
pub fn dev_proc_net_init<S: PernetSpec>(net: &mut Net<S>) -> InitResult {
    net.proc_net.proc_create_all(DEV_PROC_ENTRIES)
}

/// `dev_proc_net_exit(net)`: removes them.
pub fn dev_proc_net_exit<S: PernetSpec>(net: &mut Net<S>) {
    net.proc_net.remove_all(DEV_PROC_ENTRIES);
}

/// `dev_mc_net_init(net)` (`dev_mc_net_ops.init`): /proc/net/dev_mcast.
pub fn dev_mc_net_init<S: PernetSpec>(net: &mut Net<S>) -> InitResult {
    net.proc_net.proc_create("dev_mcast")
}

/// `dev_mc_net_exit(net)`.
pub fn dev_mc_net_exit<S: PernetSpec>(net: &mut Net<S>) {
    net.proc_net.remove_all(&["dev_mcast"]);
}

const DEV_PROC_ENTRIES: &[&str] = &["dev", "softnet_stat", "ptype"];

/// `net_dev_init()` (net/core/dev.c, subsys_initcall), in Linux 3.19's order:
/// empty `ptype_all`, `ptype_base` and `offload_base`; per-CPU
/// `softnet_data` with the backlog NAPI at weight `weight_p`; and
/// `open_softirq` for `NET_TX_SOFTIRQ`/`net_tx_action` and
/// `NET_RX_SOFTIRQ`/`net_rx_action`. Its pernet operations (`dev_proc_ops`
/// and `dev_mc_net_ops` from `dev_proc_init`, `netdev_net_ops`,
/// `loopback_net_ops`, `default_device_ops`) are the spec's, registered in
/// that order when this returns.
///
/// `netdev_kobject_init` (sysfs), the CPU hotplug notifier and `dst_init`
/// have no counterpart here.
pub fn net_dev_init(k: &mut Kernel) -> InitResult {
    // Check every prerequisite first so a failure leaves nothing half-built.
    k.get::<KsoftirqdState>()?;
    k.get::<SkbCacheState>()?;
    if k.has::<PtypeBaseState>()
        || k.has::<OffloadBaseState>()
        || k.has::<SoftnetDataState>()
        || k.has::<NetdevNetState>()
    {
        return Err(Errno::EEXIST);
    }
    k.provide(PtypeBaseState::default())?;
    k.provide(OffloadBaseState::default())?;
    k.provide(NetdevNetState)?;
    let per_cpu = (0..k.nr_cpus()).map(Softnet::new).collect();
    k.provide(SoftnetDataState { per_cpu })?;
    k.provide(LoopbackState)?;
    open_softirq(k, Softirq::NetTx, SoftirqAction::NetTxAction)?;
    open_softirq(k, Softirq::NetRx, SoftirqAction::NetRxAction)?;
    k.provide(NetSoftirqsState)
}

/// Reads /proc/net/ptype of `net` (`ptype_seq_show`): "Type Device
/// Function", one line per packet type, taps ("ALL") first.
pub fn proc_net_ptype<S: PernetSpec>(k: &Kernel, net: &Net<S>) -> Result<String, Errno> {
    if !net.proc_net.contains("ptype") {
        return Err(Errno::ENOENT);
    }
    let mut out = String::from("Type Device      Function\n");
    for pt in k.get::<PtypeBaseState>()?.iter() {
        let ty = if pt.type_ == ETH_P_ALL { "ALL ".to_string() } else { format!("{:04x}", pt.type_) };
        // Writing to a String cannot fail.
        let _ = writeln!(out, "{ty} {:<8} {}", "", pt.func);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::socket::sock_init;
    use crate::softirq::spawn_ksoftirqd;

    fn booted(cpus: usize) -> Kernel {
        Kernel::with_initcalls(cpus, &[spawn_ksoftirqd, sock_init, net_dev_init]).unwrap()
    }

    const IP: PacketType = PacketType { type_: ETH_P_IP, name: "ip_packet_type", func: "ip_rcv" };
    const TAP: PacketType = PacketType { type_: ETH_P_ALL, name: "packet_tap", func: "packet_rcv" };

    #[test]
    fn missing_prerequisites_are_errors() {
        let mut k = Kernel::new(1);
        assert_eq!(net_dev_init(&mut k), Err(Errno::ENOENT));
        sock_init(&mut k).unwrap();
        assert_eq!(net_dev_init(&mut k), Err(Errno::ENOENT));
        assert!(!k.has::<PtypeBaseState>(), "nothing half-built");
        let mut k = booted(1);
        assert_eq!(net_dev_init(&mut k), Err(Errno::EEXIST));
    }

    #[test]
    fn net_dev_init_builds_softnet_and_softirqs() {
        let k = booted(2);
        let sd = &k.get::<SoftnetDataState>().unwrap().per_cpu;
        assert_eq!(sd.len(), 2);
        assert!(sd.iter().all(|s| s.backlog.weight == 64 && s.input_pkt_queue.is_empty() && s.poll_list.is_empty()));
        assert_eq!(sd[1].cpu, 1);

        let softirq = k.get::<KsoftirqdState>().unwrap();
        assert_eq!(softirq.action(Softirq::NetTx), Some(SoftirqAction::NetTxAction));
        assert_eq!(softirq.action(Softirq::NetRx), Some(SoftirqAction::NetRxAction));
        for present in [
            k.has::<NetSoftirqsState>(),
            k.has::<NetdevNetState>(),
            k.has::<LoopbackState>(),
            k.has::<OffloadBaseState>(),
        ] {
            assert!(present);
        }
    }

    #[test]
    fn dev_add_pack_hashes_by_type() {
        let mut k = booted(1);
        dev_add_pack(&mut k, IP).unwrap();
        dev_add_pack(&mut k, TAP).unwrap();
        let arp = PacketType { type_: ETH_P_ARP, name: "arp_packet_type", func: "arp_rcv" };
        dev_add_pack(&mut k, arp).unwrap();
        assert_eq!(dev_add_pack(&mut k, IP), Err(Errno::EEXIST));
        let p = k.get::<PtypeBaseState>().unwrap();
        assert_eq!(p.ptype_all(), [TAP]);
        assert_eq!(p.bucket(usize::from(ETH_P_IP & 15)), [IP]);
        assert_eq!(p.bucket(6), [arp]);
        assert_eq!(p.bucket(99), []);
        let ip_handlers: Vec<_> = p.handlers(ETH_P_IP).map(|pt| pt.func).collect();
        assert_eq!(ip_handlers, ["packet_rcv", "ip_rcv"]);
        // 0x0810 shares bucket 0 with IP but is not delivered to ip_rcv
        assert_eq!(p.handlers(0x0810).count(), 1);

        dev_remove_pack(&mut k, &IP).unwrap();
        assert_eq!(dev_remove_pack(&mut k, &IP), Err(Errno::ENOENT));
        assert_eq!(k.log().last().map(String::as_str), Some("dev_remove_pack: ip_packet_type not found"));
    }

    #[test]
    fn dev_add_pack_adds_at_head() {
        let mut k = booted(1);
        let ip2 = PacketType { name: "ip_packet_type2", ..IP };
        dev_add_pack(&mut k, IP).unwrap();
        dev_add_pack(&mut k, ip2).unwrap();
        assert_eq!(k.get::<PtypeBaseState>().unwrap().bucket(0), [ip2, IP]);
    }

    #[test]
    fn offloads_sorted_by_priority() {
        let mut k = booted(1);
        let po = |name, priority| PacketOffload { type_: ETH_P_IP, name, priority };
        dev_add_offload(&mut k, po("b", 10)).unwrap();
        dev_add_offload(&mut k, po("a", 0)).unwrap();
        dev_add_offload(&mut k, po("c", 10)).unwrap();
        assert_eq!(dev_add_offload(&mut k, po("a", 1)), Err(Errno::EEXIST));
        let names: Vec<_> = k.get::<OffloadBaseState>().unwrap().offloads().iter().map(|p| p.name).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(k.get::<OffloadBaseState>().unwrap().find(ETH_P_IP).map(|p| p.name), Some("a"));
        dev_remove_offload(&mut k, "a").unwrap();
        assert_eq!(dev_remove_offload(&mut k, "a"), Err(Errno::ENOENT));
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
        assert_eq!((lo.ifindex, lo.type_, lo.flags, lo.mtu), (1, ARPHRD_LOOPBACK, IFF_LOOPBACK, 65536));

        t.unregister_netdevice("eth0").unwrap();
        assert_eq!(t.unregister_netdevice("eth0"), Err(Errno::ENODEV));
        // ifindexes are not reused right away; names are
        assert_eq!(t.register_netdevice(NetDevice::ether("eth%d", [5; 6])), Ok(4));
        assert_eq!(t.get_by_name("eth0").map(|d| d.ifindex), Some(4));
    }
}
