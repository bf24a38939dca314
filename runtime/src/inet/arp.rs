//! ARP (net/ipv4/arp.c, net/core/neighbour.c): `arp_tbl` and the ARP
//! packet type `arp_init` installs.

use std::collections::BTreeMap;

use crate::dev::{dev_add_pack, PacketType, ETH_P_ARP};
use crate::errno::Errno;
use crate::kernel::Kernel;
use crate::netns::{Net, PernetSpec};
use crate::socket::PF_INET;

/// `NEIGH_VAR_*` of a neighbour table's default `neigh_parms`, in
/// milliseconds where Linux uses jiffies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NeighParms {
    pub mcast_probes: u32,
    pub ucast_probes: u32,
    pub retrans_time_ms: u32,
    pub base_reachable_time_ms: u32,
    pub delay_probe_time_ms: u32,
    pub gc_staletime_ms: u32,
    pub queue_len_bytes: u32,
    pub proxy_qlen: u32,
    pub anycast_delay_ms: u32,
    pub proxy_delay_ms: u32,
    pub locktime_ms: u32,
}

/// `NUD_*` states of a neighbour entry.
pub const NUD_INCOMPLETE: u8 = 0x01;
pub const NUD_REACHABLE: u8 = 0x02;
pub const NUD_STALE: u8 = 0x04;
pub const NUD_PERMANENT: u8 = 0x80;

/// `struct neighbour`: one resolved (or resolving) address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Neighbour {
    /// `ha`: the hardware address.
    pub ha: [u8; 6],
    pub nud_state: u8,
    /// The device it was learnt on.
    pub ifindex: i32,
}

/// `struct neigh_table`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NeighTable {
    /// `id`, also the name of its /proc/net/stat file (`"arp_cache"`).
    pub id: &'static str,
    pub family: u16,
    pub key_len: usize,
    pub gc_interval_ms: u32,
    pub gc_thresh1: u32,
    pub gc_thresh2: u32,
    pub gc_thresh3: u32,
    pub parms: NeighParms,
    /// Entries by IPv4 address (network order bytes).
    pub entries: BTreeMap<[u8; 4], Neighbour>,
}

impl NeighTable {
    /// `neigh_lookup(tbl, key, dev)`.
    pub fn lookup(&self, key: [u8; 4], ifindex: i32) -> Option<&Neighbour> {
        self.entries.get(&key).filter(|n| n.ifindex == ifindex)
    }
}

/// `arp_tbl` as Linux 3.19 initializes it.
fn arp_tbl() -> NeighTable {
    NeighTable {
        id: "arp_cache",
        family: PF_INET,
        key_len: 4,
        gc_interval_ms: 30_000,
        gc_thresh1: 128,
        gc_thresh2: 512,
        gc_thresh3: 1024,
        parms: NeighParms {
            mcast_probes: 3,
            ucast_probes: 3,
            retrans_time_ms: 1000,
            base_reachable_time_ms: 30_000,
            delay_probe_time_ms: 5000,
            gc_staletime_ms: 60_000,
            queue_len_bytes: 64 * 1024,
            proxy_qlen: 64,
            anycast_delay_ms: 1000,
            proxy_delay_ms: 800,
            locktime_ms: 1000,
        },
        entries: BTreeMap::new(),
    }
}

/// `arp_packet_type`: ARP frames go to `arp_rcv`.
pub const ARP_PACKET_TYPE: PacketType = PacketType { type_: ETH_P_ARP, name: "arp_packet_type", func: "arp_rcv" };

/// ARP's table and packet type (resource `Arp`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArpState {
    pub arp_tbl: NeighTable,
}

/// `arp_init()` (net/ipv4/arp.c), called from `inet_init`:
/// `neigh_table_init(NEIGH_ARP_TABLE, &arp_tbl)`, `dev_add_pack(&arp_packet_type)`
/// and `arp_proc_init`, whose pernet `arp_net_ops` (/proc/net/arp) is the
/// spec's, registered when `inet_init` returns. The sysctl and
/// netdevice-notifier registrations have no counterpart yet.
pub fn arp_init(k: &mut Kernel) -> Result<(), Errno> {
    if k.has::<ArpState>() {
        return Err(Errno::EEXIST);
    }
    dev_add_pack(k, ARP_PACKET_TYPE)?;
    k.provide(ArpState { arp_tbl: arp_tbl() })
}

/// `arp_net_init(net)` (`arp_net_ops.init`): creates /proc/net/arp.
pub fn arp_net_init<S: PernetSpec>(net: &mut Net<S>) -> Result<(), Errno> {
    net.proc_net.proc_create("arp")
}

/// `arp_net_exit(net)`: removes /proc/net/arp.
pub fn arp_net_exit<S: PernetSpec>(net: &mut Net<S>) {
    net.proc_net.remove_all(&["arp"]);
}
