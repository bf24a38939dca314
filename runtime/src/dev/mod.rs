//! The device layer (net/core/dev.c, net/core/net-procfs.c): packet-type
//! and offload lists, per-CPU `softnet_data`, the per-namespace devices,
//! and the receive and transmit paths.
//!
//! * [`ptype`]: `ptype_all`/`ptype_base` and `dev_add_pack`.
//! * [`netdevice`]: `struct net_device`, device kinds, rings, addresses.
//! * [`rx`]: `netif_rx`, the per-namespace ring poll, `netif_receive_skb`.
//! * [`napi`]: NAPI, `net_rx_action` and `net_tx_action` (the NET_RX and
//!   NET_TX softirqs) over each CPU's `softnet_data`.
//! * [`xmit`]: the transmit path, `dev_queue_xmit`.
//! * [`loopback`]: `lo` (drivers/net/loopback.c).
//! * [`veth`]: veth pairs (drivers/net/veth.c) and external devices.

pub mod loopback;
pub mod napi;
pub mod netdevice;
pub mod ptype;
pub mod rx;
pub mod veth;
pub mod xmit;

use crate::tables::ProtoSpec;

crate::tables::spec_needs! {
    /// What the device layer needs of the spec: the dispatch through the
    /// spec's tables, the kernel's packet-type and softnet state, and each
    /// namespace's devices and handler lists.
    pub trait DevSpec: ProtoSpec
        + crate::netns::NsKernel
        + crate::tables::NetState<NetDevTables>
        + crate::tables::NetState<ptype::NetPtype<Self>>
        + crate::kernel::HasState<PtypeBaseState<Self>>
        + crate::kernel::HasState<OffloadBaseState>
        + crate::kernel::HasState<SoftnetDataState<Self>>
        + crate::kernel::HasState<NetSoftirqsState>
        + crate::kernel::HasState<NetdevNetState>
        + crate::kernel::HasState<LoopbackState>
        + crate::kernel::HasState<crate::softirq::KsoftirqdState>
        + crate::kernel::HasState<crate::skbuff::SkbCacheState>
}
use std::fmt::Write as _;

pub use loopback::{loopback_net_exit, loopback_net_init, LoopbackDev};
pub use netdevice::{
    dev_valid_name, inet_make_mask, InIfaddr, NetDevKind, NetDevStats, NetDevTables, NetDevice, RxQueue, TxQueue,
};
pub use ptype::{
    dev_add_pack, dev_remove_pack, PacketType, PtypeBase, PtypeBaseState, PTYPE_HASH_MASK, PTYPE_HASH_SIZE,
};
pub use rx::{
    do_softirq, net_rx_action, netif_receive_frame, netif_receive_frames, netif_receive_skb, netif_receive_skb_list,
    netif_rx,
};
pub use veth::{veth_pair, veth_pair_tables, ExternalDev};
pub use xmit::dev_queue_xmit;

use crate::errno::Errno;
use crate::init::InitResult;
use crate::kernel::Kernel;
use crate::netns::{Net, PernetSpec, PernetState};
use crate::skbuff::{SkBuff, SkBuffHead, SkbCacheState};
use crate::softirq::{open_softirq, KsoftirqdState, Softirq, SoftirqAction};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

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
/// `netdev_budget_usecs` (`2 * USEC_PER_SEC / HZ` at HZ=1000): how long one
/// `net_rx_action` run may poll.
pub const NETDEV_BUDGET_USECS: i32 = 2000;

/// `IFNAMSIZ`: a device name is at most `IFNAMSIZ - 1` bytes.
pub const IFNAMSIZ: usize = 16;
/// `max_netdevices` (net/core/dev.c, `8 * PAGE_SIZE`): the most units
/// `__dev_alloc_name` hands out for one `"%d"` template, past which
/// `register_netdevice` fails with `ENFILE`. Linux sets no other bound on
/// the devices of a namespace (memory and the ifindex space); here it is
/// also the most devices one namespace holds, `lo` included: a device
/// past it is refused with the same `ENFILE`.
pub const MAX_NETDEVICES: usize = 8 * 4096;
/// `LOOPBACK_IFINDEX`: `lo` is the first device of every namespace.
pub const LOOPBACK_IFINDEX: i32 = 1;

/// `ARPHRD_ETHER`, `ARPHRD_LOOPBACK`: `dev->type`.
pub const ARPHRD_ETHER: u16 = 1;
pub const ARPHRD_LOOPBACK: u16 = 772;

/// `dev->flags` bits (include/uapi/linux/if.h).
pub const IFF_UP: u32 = 0x1;
pub const IFF_BROADCAST: u32 = 0x2;
pub const IFF_LOOPBACK: u32 = 0x8;
pub const IFF_RUNNING: u32 = 0x40;
pub const IFF_NOARP: u32 = 0x80;
pub const IFF_MULTICAST: u32 = 0x1000;

/// `ETH_HLEN`, `ETH_ALEN`, `ETH_DATA_LEN`.
pub const ETH_HLEN: u16 = 14;
pub const ETH_ALEN: u8 = 6;
pub const ETH_DATA_LEN: u32 = 1500;

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
pub fn dev_add_offload<S: DevSpec>(k: &mut Kernel<S>, po: PacketOffload) -> Result<(), Errno> {
    let list = &mut k.get_mut::<OffloadBaseState>()?.offload_base;
    if list.iter().any(|p| p.name == po.name) {
        return Err(Errno::EEXIST);
    }
    let at = list.iter().position(|p| po.priority < p.priority).unwrap_or(list.len());
    list.insert(at, po);
    Ok(())
}

/// `dev_remove_offload(po)`; `ENOENT` if it is not there.
pub fn dev_remove_offload<S: DevSpec>(k: &mut Kernel<S>, name: &str) -> Result<(), Errno> {
    let list = &mut k.get_mut::<OffloadBaseState>()?.offload_base;
    let i = list.iter().position(|p| p.name == name).ok_or(Errno::ENOENT)?;
    list.remove(i);
    Ok(())
}

/// The per-CPU backlog NAPI (`softnet_data.backlog`): its name, poll
/// function and weight. Its poll, `process_backlog`, is what
/// [`rx::net_rx_action`] does in each namespace: the devices' rings that
/// `netif_rx` fills are the backlog here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BacklogNapi {
    pub name: &'static str,
    /// The `poll` function, by name.
    pub poll: &'static str,
    pub weight: i32,
}

/// One CPU's `struct softnet_data`.
pub struct Softnet<S: ProtoSpec> {
    pub cpu: usize,
    /// Packets `netif_rx` queued for this CPU's backlog.
    pub input_pkt_queue: SkBuffHead,
    /// Packets `process_backlog` has taken off `input_pkt_queue`.
    pub process_queue: SkBuffHead,
    /// `sd->poll_list`: the NAPIs scheduled on this CPU, in polling order.
    /// The mutex is this CPU's `local_irq_save`: held only to add or splice.
    pub(crate) poll_list: Mutex<VecDeque<napi::Napi<S>>>,
    /// Qdiscs waiting for `net_tx_action`, by name.
    pub output_queue: Vec<&'static str>,
    /// `sd->completion_queue`: buffers `dev_kfree_skb_irq` left for
    /// `net_tx_action` to free.
    pub(crate) completion_queue: Mutex<Vec<SkBuff>>,
    /// The per-CPU NAPI that drains `input_pkt_queue`.
    pub backlog: BacklogNapi,
    /// /proc/net/softnet_stat columns.
    pub processed: u32,
    pub dropped: u32,
    /// `sd->time_squeeze`: `net_rx_action` runs that stopped with work
    /// left because the budget or the time ran out.
    pub(crate) time_squeeze: AtomicU32,
}

impl<S: ProtoSpec> Softnet<S> {
    /// The state `net_dev_init` sets up for `cpu`.
    fn new(cpu: usize) -> Self {
        Softnet {
            cpu,
            input_pkt_queue: SkBuffHead::new(),
            process_queue: SkBuffHead::new(),
            poll_list: Mutex::new(VecDeque::new()),
            output_queue: Vec::new(),
            completion_queue: Mutex::new(Vec::new()),
            backlog: BacklogNapi { name: "backlog", poll: "process_backlog", weight: WEIGHT_P },
            processed: 0,
            dropped: 0,
            time_squeeze: AtomicU32::new(0),
        }
    }

    /// `sd->time_squeeze` (/proc/net/softnet_stat's third column).
    pub fn time_squeeze(&self) -> u32 {
        self.time_squeeze.load(Ordering::SeqCst)
    }

    /// How many NAPIs are on the poll list.
    pub fn poll_list_len(&self) -> usize {
        self.poll_list.lock().map_or_else(|e| e.into_inner().len(), |l| l.len())
    }

    /// How many buffers wait on `completion_queue`.
    pub fn completion_queue_len(&self) -> usize {
        self.completion_queue.lock().map_or_else(|e| e.into_inner().len(), |l| l.len())
    }
}

/// Per-CPU `softnet_data` and the globals of net/core/dev.c that
/// `net_rx_action` reads (resource `SoftnetData`).
pub struct SoftnetDataState<S: ProtoSpec> {
    pub per_cpu: Vec<Softnet<S>>,
    /// `netdev_budget` (net.core.netdev_budget): work one `net_rx_action`
    /// run may do, shared by every NAPI of the CPU.
    pub netdev_budget: i32,
    /// `netdev_budget_usecs` (net.core.netdev_budget_usecs): how long one
    /// `net_rx_action` run may poll.
    pub netdev_budget_usecs: i32,
    /// `netif_napi_add_weight`'s `netdev_err_once` has printed.
    pub(crate) napi_weight_warned: bool,
    /// What softirq context printed (`__napi_poll`'s warnings):
    /// [`Kernel::printk`] needs the kernel to itself.
    pub(crate) log: Mutex<Vec<String>>,
}

impl<S: ProtoSpec> SoftnetDataState<S> {
    /// The warnings printed from softirq context, oldest first.
    pub fn softirq_log(&self) -> Vec<String> {
        self.log.lock().map_or_else(|e| e.into_inner().clone(), |l| l.clone())
    }
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

/// `netdev_init(net)` (`netdev_net_ops.init`): the namespace's empty
/// device tables. Linux's `netdev_exit` only frees the hash heads, which
/// dropping the state does.
pub fn netdev_init<S: PernetSpec>(_net: &mut Net<S>) -> Result<NetDevTables, Errno> {
    Ok(NetDevTables::default())
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
pub fn net_dev_init<S: DevSpec>(k: &mut Kernel<S>) -> InitResult {
    // Check every prerequisite first so a failure leaves nothing half-built.
    k.get::<KsoftirqdState>()?;
    k.get::<SkbCacheState>()?;
    if k.has::<PtypeBaseState<S>>()
        || k.has::<OffloadBaseState>()
        || k.has::<SoftnetDataState<S>>()
        || k.has::<NetdevNetState>()
    {
        return Err(Errno::EEXIST);
    }
    k.provide(PtypeBaseState::<S>::default())?;
    k.provide(OffloadBaseState::default())?;
    k.provide(NetdevNetState)?;
    let per_cpu = (0..k.nr_cpus()).map(Softnet::new).collect();
    k.provide(SoftnetDataState::<S> {
        per_cpu,
        netdev_budget: NETDEV_BUDGET,
        netdev_budget_usecs: NETDEV_BUDGET_USECS,
        napi_weight_warned: false,
        log: Mutex::new(Vec::new()),
    })?;
    k.provide(LoopbackState)?;
    open_softirq(k, Softirq::NetTx, SoftirqAction::NetTxAction)?;
    open_softirq(k, Softirq::NetRx, SoftirqAction::NetRxAction)?;
    k.provide(NetSoftirqsState)
}

/// Reads /proc/net/ptype of `net` (`ptype_seq_show`): "Type Device
/// Function", one line per packet type, taps ("ALL") first.
pub fn proc_net_ptype<S: DevSpec>(k: &Kernel<S>, net: &Net<S>) -> Result<String, Errno> {
    if !net.proc_net.contains("ptype") {
        return Err(Errno::ENOENT);
    }
    let mut out = String::from("Type Device      Function\n");
    for pt in k.get::<PtypeBaseState<S>>()?.load().iter() {
        let ty = if pt.type_ == ETH_P_ALL { "ALL ".to_string() } else { format!("{:04x}", pt.type_) };
        // Writing to a String cannot fail.
        let _ = writeln!(out, "{ty} {:<8} {}", "", pt.func);
    }
    Ok(out)
}

/// /proc/net/dev of `net` (`dev_seq_show`): per device the receive and
/// transmit counters. `ENOENT` if the file or the device tables do not
/// exist.
pub fn proc_net_dev<S: PernetSpec>(net: &Net<S>) -> Result<String, Errno>
where
    NetDevTables: PernetState<S>,
{
    if !net.proc_net.contains("dev") {
        return Err(Errno::ENOENT);
    }
    Ok(dev_seq_show(net.get::<NetDevTables>()?))
}

/// The text of /proc/net/dev for `tables`: `dev_seq_show` →
/// `dev_seq_printf_stats` (net/core/net-procfs.c) over `dev_get_stats`.
/// The "drop" column is `rx_dropped + rx_missed_errors`; `rx_nohandler`
/// and `rx_otherhost_dropped` are not printed there (`ip -s link` shows
/// them). The "frame" column is `rx_length_errors` (the other errors it
/// adds are not counted here).
pub fn dev_seq_show(tables: &NetDevTables) -> String {
    let mut out = String::from(
        "Inter-|   Receive                                                |  Transmit\n \
         face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n",
    );
    for d in tables.devices() {
        let s = d.get_stats();
        let _ = writeln!(
            out,
            "{:>6}: {:>7} {:>7} {:>4} {:>4} {:>4} {:>5} {:>10} {:>9} {:>8} {:>7} {:>4} {:>4} {:>4} {:>5} {:>7} {:>10}",
            d.name,
            s.rx_bytes,
            s.rx_packets,
            s.rx_errors,
            s.rx_dropped + s.rx_missed_errors,
            0,
            s.rx_length_errors,
            0,
            s.multicast,
            s.tx_bytes,
            s.tx_packets,
            s.tx_errors,
            s.tx_dropped,
            0,
            0,
            0,
            0
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::socket::sock_init;
    use crate::softirq::spawn_ksoftirqd;
    use crate::testspec::TestSpec as T;

    fn booted(cpus: usize) -> Kernel<crate::testspec::TestSpec> {
        Kernel::with_initcalls(cpus, &[spawn_ksoftirqd, sock_init::<T>, net_dev_init::<T>]).unwrap()
    }

    use crate::tables::Entry;

    const IP: PacketType<T> =
        PacketType { type_: ETH_P_IP, name: "ip_packet_type", func: "ip_rcv", dev: 0, entry: Entry::Spec(1) };
    const TAP: PacketType<T> =
        PacketType { type_: ETH_P_ALL, name: "packet_tap", func: "packet_rcv", dev: 0, entry: Entry::Spec(2) };

    #[test]
    fn missing_prerequisites_are_errors() {
        let mut k = Kernel::<crate::testspec::TestSpec>::new(1);
        assert_eq!(net_dev_init::<T>(&mut k), Err(Errno::ENOENT));
        sock_init::<T>(&mut k).unwrap();
        assert_eq!(net_dev_init::<T>(&mut k), Err(Errno::ENOENT));
        assert!(!k.has::<PtypeBaseState<T>>(), "nothing half-built");
        let mut k = booted(1);
        assert_eq!(net_dev_init::<T>(&mut k), Err(Errno::EEXIST));
    }

    #[test]
    fn net_dev_init_builds_softnet_and_softirqs() {
        let k = booted(2);
        let sd = &k.get::<SoftnetDataState<T>>().unwrap().per_cpu;
        assert_eq!(sd.len(), 2);
        assert!(sd.iter().all(|s| s.backlog.weight == 64 && s.input_pkt_queue.is_empty() && s.poll_list_len() == 0));
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
        let k = booted(1);
        dev_add_pack(&k, IP).unwrap();
        dev_add_pack(&k, TAP).unwrap();
        let arp =
            PacketType { type_: ETH_P_ARP, name: "arp_packet_type", func: "arp_rcv", entry: Entry::Spec(0), ..IP };
        dev_add_pack(&k, arp.clone()).unwrap();
        assert_eq!(dev_add_pack(&k, IP), Err(Errno::EEXIST));
        let p = k.get::<PtypeBaseState<T>>().unwrap().load();
        assert_eq!(p.ptype_all(), [TAP]);
        assert_eq!(p.bucket(usize::from(ETH_P_IP & 15)), [IP]);
        assert_eq!(p.bucket(6), [arp]);
        assert_eq!(p.bucket(99), []);
        let ip_handlers: Vec<_> = p.handlers(ETH_P_IP).map(|pt| pt.func).collect();
        assert_eq!(ip_handlers, ["packet_rcv", "ip_rcv"]);
        // 0x0810 shares bucket 0 with IP but is not delivered to ip_rcv
        assert_eq!(p.handlers(0x0810).count(), 1);
        // Removing while this thread reads the lists would wait for itself.
        assert_eq!(dev_remove_pack(&k, &IP), Err(Errno::EDEADLK));
        drop(p);

        dev_remove_pack(&k, &IP).unwrap();
        assert_eq!(dev_remove_pack(&k, &IP), Err(Errno::ENOENT));
        assert_eq!(k.log().last().map(String::as_str), Some("dev_remove_pack: ip_packet_type not found"));
    }

    #[test]
    fn dev_add_pack_adds_at_head() {
        let k = booted(1);
        let ip2 = PacketType { name: "ip_packet_type2", entry: Entry::Spec(3), ..IP };
        dev_add_pack(&k, IP).unwrap();
        dev_add_pack(&k, ip2.clone()).unwrap();
        assert_eq!(k.get::<PtypeBaseState<T>>().unwrap().load().bucket(0), [ip2, IP]);
    }

    fn rcv(_: &mut crate::tables::NetCx<'_, T>, _: crate::skbuff::SkBuff) -> crate::tables::NetRx {
        crate::tables::NetRx::Success
    }

    #[test]
    fn packet_types_are_registrations_not_names() {
        // Linux's dev_remove_pack compares the struct packet_type pointer:
        // two run-time packet types of one name and handler are two
        // registrations, and removing one leaves the other.
        let k = booted(1);
        let a = PacketType::<T>::dynamic(0x88b5, "exp", rcv);
        let b = PacketType::<T>::dynamic(0x88b5, "exp", rcv);
        dev_add_pack(&k, a.clone()).unwrap();
        dev_add_pack(&k, b.clone()).unwrap();
        assert_eq!(dev_add_pack(&k, a.clone()), Err(Errno::EEXIST), "the same registration twice");
        assert_eq!(k.get::<PtypeBaseState<T>>().unwrap().load().handlers(0x88b5).count(), 2);
        dev_remove_pack(&k, &a).unwrap();
        assert_eq!(dev_remove_pack(&k, &a), Err(Errno::ENOENT), "a handle removes once");
        assert_eq!(k.get::<PtypeBaseState<T>>().unwrap().load().bucket(usize::from(0x88b5_u16 & 15)), [b]);
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
}
