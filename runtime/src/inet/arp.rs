//! ARP (net/ipv4/arp.c) and the neighbour table (net/core/neighbour.c):
//! each namespace's `arp_tbl` entries are the state of `arp_net_ops`.
//!
//! Output to an unresolved next hop creates an `NUD_INCOMPLETE` entry,
//! queues the packet on it (bounded by `queue_len_bytes`, the oldest
//! dropped and counted in `unres_discards` beyond) and broadcasts a
//! request; the reply (or a request from that host) makes the entry valid
//! and sends what was queued. There are no timers: what Linux's
//! `neigh_timer_handler` does happens when the next packet for the entry
//! is sent — a request is repeated once `retrans_time` has passed since
//! the last, at most `mcast_probes` times; after that, one more
//! `retrans_time` makes the entry fail (`res_failed`): what it queued is
//! dropped (`unres_discards`) and the entry starts over with the packet.
//! Resolved entries do not age. Time is the table's [`NeighClock`].
//!
//! The table is bounded as Linux bounds it (`neigh_alloc`): at
//! `gc_thresh3` entries (1024), or at `gc_thresh2` (512) with the last
//! flush more than 5 s ago, a new entry first runs `neigh_forced_gc`,
//! which removes entries nothing is queued on that were not updated in the
//! last 5 s, oldest first; if that freed nothing at `gc_thresh3`, the entry
//! is not created (`table_fulls`): a request for us goes unanswered
//! (`ArpDrops`), output to a new next hop fails with `EINVAL`.

use super::InetSpec;
use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use crate::dev::{dev_queue_xmit, NetDevTables, ETH_P_ARP, ETH_P_IP, IFF_NOARP};
use crate::errno::Errno;
use crate::ethernet::{eth_header, eth_set_dest, ETH_ALEN, ETH_BROADCAST};
use crate::inet::mib::ExtMib;
use crate::inet::route::{inet_addr_type, ipv4_is_lbcast, ipv4_is_loopback, ipv4_is_multicast, RouteKind};
use crate::kernel::Kernel;
use crate::netns::Net;
use crate::skbuff::{SkBuff, MAX_HEADER, PACKET_HOST, PACKET_LOOPBACK, PACKET_OTHERHOST};
use crate::socket::PF_INET;
use crate::tables::{NetCx, NetRx, ProtoSpec, RxOutcome, RxOutcomes};

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
pub const NUD_DELAY: u8 = 0x08;
pub const NUD_PROBE: u8 = 0x10;
pub const NUD_FAILED: u8 = 0x20;
pub const NUD_NOARP: u8 = 0x40;
pub const NUD_PERMANENT: u8 = 0x80;
/// `NUD_VALID`: states with a usable hardware address.
pub const NUD_VALID: u8 = NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | NUD_DELAY;

/// `ARPOP_REQUEST`, `ARPOP_REPLY`.
pub const ARPOP_REQUEST: u16 = 1;
pub const ARPOP_REPLY: u16 = 2;
/// `ARPHRD_IEEE802`, accepted like Ethernet.
pub const ARPHRD_IEEE802: u16 = 6;
/// An Ethernet/IPv4 ARP message: 8 bytes of header, two MAC and two IPv4
/// addresses (`arp_hdr_len(dev)`).
pub const ARP_HDR_LEN: usize = 28;

/// `struct neighbour`: one resolved (or resolving) address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Neighbour {
    /// `ha`: the hardware address.
    pub ha: [u8; 6],
    pub nud_state: u8,
    /// The device (`n->dev`).
    pub ifindex: i32,
    /// `arp_queue`: packets waiting for the address, their Ethernet header
    /// built but for the destination.
    pub arp_queue: VecDeque<SkBuff>,
    /// `arp_queue_len_bytes`: truesize of what is queued.
    pub arp_queue_len_bytes: usize,
    /// `probes`: requests sent while unresolved.
    pub probes: u32,
    /// When the last request was sent (`n->updated` of the probe timer).
    pub probed_at: Option<Instant>,
    /// `updated`: when the entry was created or last changed state or
    /// address (`__neigh_update` moves it only on a change), on the
    /// table's [`NeighClock`]. `neigh_forced_gc` removes entries not
    /// updated for 5 s.
    pub updated: Instant,
}

/// `struct neigh_statistics` (/proc/net/stat/arp_cache).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NeighStatistics {
    /// Entries created.
    pub allocs: u64,
    /// Entries destroyed.
    pub destroys: u64,
    /// Lookups by the output path.
    pub lookups: u64,
    /// Lookups that found a usable address.
    pub hits: u64,
    /// Resolutions given up.
    pub res_failed: u64,
    /// Requests for us answered that were received broadcast (duplicate
    /// address probes included).
    pub rcv_probes_mcast: u64,
    /// Requests for us answered that were received unicast (duplicate
    /// address probes included).
    pub rcv_probes_ucast: u64,
    /// `neigh_forced_gc` runs (`neigh_alloc` above `gc_thresh3`, or above
    /// `gc_thresh2` with the last flush more than 5 s ago).
    pub forced_gc_runs: u64,
    /// Entries not created because the table was full (`neigh_alloc`: at or
    /// above `gc_thresh3` and `neigh_forced_gc` freed nothing).
    pub table_fulls: u64,
    /// Packets dropped because too much was queued on an unresolved entry.
    pub unres_discards: u64,
    /// Entries refreshed by a received ARP message that was not a request
    /// for us (Linux counts nothing here; counting keeps every accepted ARP
    /// message accounted for).
    pub rcv_updates: u64,
}

impl NeighStatistics {
    /// The counters that end received ARP messages ([`RxOutcome`]): those
    /// ARP took (`rcv_probes_mcast`, `rcv_probes_ucast`, `rcv_updates`).
    /// Its drops are `ArpDrops` in the MIB; `table_fulls` is a detail of
    /// one of them (or of a refused output).
    pub fn rx_outcomes(&self) -> RxOutcomes {
        let mut o = RxOutcomes::default();
        o.add(RxOutcome::Taken, self.rcv_probes_mcast + self.rcv_probes_ucast + self.rcv_updates);
        o
    }
}

/// The clock the neighbour table reads (Linux's `jiffies` in
/// net/core/neighbour.c): the monotonic clock, unless a test froze it,
/// plus however far a test advanced it. Both `retrans_time` and the 5 s of
/// `neigh_forced_gc` and `neigh_alloc` are measured on it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NeighClock {
    frozen: Option<Instant>,
    skew: Duration,
}

impl NeighClock {
    /// The current time (`jiffies`).
    pub fn now(&self) -> Instant {
        let base = self.frozen.unwrap_or_else(Instant::now);
        base.checked_add(self.skew).unwrap_or(base)
    }

    /// Stops the clock: from now on only [`NeighClock::advance`] moves it.
    pub fn freeze(&mut self) {
        self.frozen = Some(self.now());
        self.skew = Duration::ZERO;
    }

    /// Moves the clock forward by `d`.
    pub fn advance(&mut self, d: Duration) {
        self.skew = self.skew.saturating_add(d);
    }
}

/// `arp_tbl.gc_thresh1` (net/ipv4/arp.c): below it the periodic GC leaves
/// the table alone (there is no periodic GC here).
pub const ARP_GC_THRESH1: u32 = 128;
/// `arp_tbl.gc_thresh2`: above it a new entry runs `neigh_forced_gc` if the
/// last flush is more than [`NEIGH_FORCED_GC_AFTER`] old.
pub const ARP_GC_THRESH2: u32 = 512;
/// `arp_tbl.gc_thresh3`: the most entries subject to GC; at it, a new entry
/// runs `neigh_forced_gc` and is refused (`table_fulls`) if that freed
/// nothing.
pub const ARP_GC_THRESH3: u32 = 1024;
/// The `5 * HZ` of `neigh_alloc` (the last flush) and `neigh_forced_gc`
/// (entries not updated for that long are removed).
pub const NEIGH_FORCED_GC_AFTER: Duration = Duration::from_secs(5);

/// `struct neigh_table`: `arp_tbl` of one namespace (Linux has one
/// table whose entries carry their namespace; here each namespace has its
/// own).
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
    /// Entries by (ifindex, IPv4 address in host order).
    entries: BTreeMap<(i32, u32), Neighbour>,
    /// `gc_list`: the entries subject to GC (all but permanent ones) in
    /// creation order, by a sequence number; its length is `gc_entries`.
    gc_list: BTreeMap<u64, (i32, u32)>,
    gc_seq: u64,
    /// `last_flush`: when `neigh_forced_gc` last ran (the table's creation
    /// before that).
    pub last_flush: Instant,
    /// The table's time.
    pub clock: NeighClock,
    pub stats: NeighStatistics,
}

impl NeighTable {
    /// `neigh_lookup(tbl, key, dev)`.
    pub fn lookup(&self, addr: u32, ifindex: i32) -> Option<&Neighbour> {
        self.entries.get(&(ifindex, addr))
    }

    /// Every entry with its (ifindex, address), in that order.
    pub fn iter(&self) -> impl Iterator<Item = (&(i32, u32), &Neighbour)> {
        self.entries.iter()
    }

    /// Entries in the table (`tbl->entries`).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the table has no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// `tbl->gc_entries`: entries subject to GC (not permanent).
    pub fn gc_entries(&self) -> usize {
        self.gc_list.len()
    }

    /// `neigh_flush_dev`: drops every entry of a device (and what is
    /// queued on them).
    pub fn flush_dev(&mut self, ifindex: i32) {
        let before = self.entries.len();
        self.entries.retain(|&(i, _), _| i != ifindex);
        self.gc_list.retain(|_, &mut (i, _)| i != ifindex);
        self.stats.destroys += (before - self.entries.len()) as u64;
    }

    /// `neigh_alloc(tbl, dev, flags, exempt_from_gc)` (net/core/neighbour.c,
    /// Linux 6.0), for an entry subject to GC: with `gc_entries` (this one
    /// not counted) at or above `gc_thresh3`, or at or above `gc_thresh2`
    /// and the last flush more than 5 s ago, `neigh_forced_gc` runs; if it
    /// freed nothing and the table is at `gc_thresh3`, the entry is refused:
    /// `table_fulls`, `ENOBUFS` (what `__neigh_create` returns). Counts
    /// `allocs` otherwise.
    fn neigh_alloc(&mut self, now: Instant) -> Result<(), Errno> {
        let entries = self.gc_entries();
        let (thresh2, thresh3) = (self.gc_thresh2 as usize, self.gc_thresh3 as usize);
        let flush_due = now.saturating_duration_since(self.last_flush) > NEIGH_FORCED_GC_AFTER;
        if entries >= thresh3 || (entries >= thresh2 && flush_due) {
            let shrunk = self.neigh_forced_gc(now);
            if shrunk == 0 && entries >= thresh3 {
                self.stats.table_fulls += 1;
                return Err(Errno::ENOBUFS);
            }
        }
        self.stats.allocs += 1;
        Ok(())
    }

    /// `neigh_forced_gc(tbl)` (Linux 6.0): walks `gc_list` oldest first and
    /// removes each entry nobody references (here: with nothing queued on
    /// it; Linux: `refcnt == 1`) that is `NUD_FAILED`, `NUD_NOARP`, for a
    /// multicast address, or not updated in the last 5 s, until it has
    /// removed `gc_entries - gc_thresh2` (the entry being allocated
    /// counted, as Linux's `gc_entries` already is). Sets `last_flush`;
    /// returns how many it removed.
    fn neigh_forced_gc(&mut self, now: Instant) -> usize {
        self.stats.forced_gc_runs += 1;
        let max_clean = (self.gc_entries() + 1).saturating_sub(self.gc_thresh2 as usize);
        let tref = now.checked_sub(NEIGH_FORCED_GC_AFTER).unwrap_or(now);
        let mut doomed = Vec::new();
        for (&seq, key) in &self.gc_list {
            let Some(n) = self.entries.get(key) else { continue };
            if !n.arp_queue.is_empty() {
                continue;
            }
            let remove = n.nud_state == NUD_FAILED
                || n.nud_state == NUD_NOARP
                || ipv4_is_multicast(key.1)
                || !(tref..=now).contains(&n.updated);
            if remove {
                doomed.push((seq, *key));
            }
            if doomed.len() >= max_clean {
                break;
            }
        }
        for (seq, key) in &doomed {
            self.gc_list.remove(seq);
            self.entries.remove(key);
        }
        self.stats.destroys += doomed.len() as u64;
        self.last_flush = now;
        doomed.len()
    }

    /// Links a new entry in (on `gc_list` unless permanent).
    fn link(&mut self, key: (i32, u32), n: Neighbour) -> &mut Neighbour {
        if n.nud_state & NUD_PERMANENT == 0 {
            self.gc_seq += 1;
            self.gc_list.insert(self.gc_seq, key);
        }
        self.entries.entry(key).or_insert(n)
    }

    /// `__neigh_create(tbl, &addr, dev, ..)` for an entry in `state` with
    /// hardware address `ha`: [`NeighTable::neigh_alloc`]'s bound (a
    /// permanent entry is exempt, `exempt_from_gc`), then linked in.
    fn create(&mut self, ifindex: i32, addr: u32, ha: [u8; 6], state: u8) -> Result<&mut Neighbour, Errno> {
        let now = self.clock.now();
        if state & NUD_PERMANENT == 0 {
            self.neigh_alloc(now)?;
        } else {
            self.stats.allocs += 1;
        }
        let n = Neighbour {
            ha,
            nud_state: state,
            ifindex,
            arp_queue: VecDeque::new(),
            arp_queue_len_bytes: 0,
            probes: 0,
            probed_at: None,
            updated: now,
        };
        Ok(self.link((ifindex, addr), n))
    }

    /// `neigh_add` (`ip neigh add ADDR lladdr HA dev DEV nud STATE`, the
    /// `NLM_F_EXCL` create of rtnetlink): a new entry for `addr` on
    /// `ifindex`. `EEXIST` if there is one; a `NUD_PERMANENT` entry is
    /// exempt from GC and from the table's bound, any other is subject to
    /// both (`ENOBUFS` when full).
    pub fn neigh_add(&mut self, ifindex: i32, addr: u32, ha: [u8; 6], state: u8) -> Result<(), Errno> {
        if self.entries.contains_key(&(ifindex, addr)) {
            return Err(Errno::EEXIST);
        }
        self.create(ifindex, addr, ha, state).map(|_| ())
    }
}

/// `arp_tbl` as Linux initializes it (the values of Linux 3.19 and 6.0).
pub fn arp_tbl() -> NeighTable {
    NeighTable {
        id: "arp_cache",
        family: PF_INET,
        key_len: 4,
        gc_interval_ms: 30_000,
        gc_thresh1: ARP_GC_THRESH1,
        gc_thresh2: ARP_GC_THRESH2,
        gc_thresh3: ARP_GC_THRESH3,
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
        gc_list: BTreeMap::new(),
        gc_seq: 0,
        last_flush: Instant::now(),
        clock: NeighClock::default(),
        stats: NeighStatistics::default(),
    }
}

/// ARP's table template (resource `Arp`); each namespace's table starts as
/// a copy of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArpState {
    pub arp_tbl: NeighTable,
}

/// `arp_init()` (net/ipv4/arp.c), called from `inet_init`:
/// `neigh_table_init(NEIGH_ARP_TABLE, &arp_tbl)`. `dev_add_pack(&arp_packet_type)`
/// is the spec's `arp_packet_type`, registered after `inet_init`, and
/// `arp_proc_init`'s pernet `arp_net_ops` (/proc/net/arp and the table of
/// each namespace) the spec's, registered then too. The sysctl and
/// netdevice-notifier registrations have no counterpart.
pub fn arp_init<S: InetSpec>(k: &mut Kernel<S>) -> Result<(), Errno> {
    if k.has::<ArpState>() {
        return Err(Errno::EEXIST);
    }
    k.provide(ArpState { arp_tbl: arp_tbl() })
}

/// `arp_net_init(net)` (`arp_net_ops.init`): creates /proc/net/arp and
/// returns the namespace's empty neighbour table.
pub fn arp_net_init<S: ProtoSpec>(net: &mut Net<S>) -> Result<NeighTable, Errno> {
    net.proc_net.proc_create("arp")?;
    Ok(arp_tbl())
}

/// `arp_net_exit(net)`: removes /proc/net/arp (the table and what it
/// queued go with the state).
pub fn arp_net_exit<S: ProtoSpec>(net: &mut Net<S>) {
    net.proc_net.remove_all(&["arp"]);
}

/// `__neigh_event_send`'s queueing: appends `skb`, dropping the oldest
/// while over `queue_len_bytes` (counted in `unres_discards`).
fn neigh_enqueue(n: &mut Neighbour, stats: &mut NeighStatistics, limit: usize, skb: SkBuff) {
    let size = skb.truesize();
    while n.arp_queue_len_bytes + size > limit {
        let Some(old) = n.arp_queue.pop_front() else { break };
        n.arp_queue_len_bytes = n.arp_queue_len_bytes.saturating_sub(old.truesize());
        stats.unres_discards += 1;
    }
    if n.arp_queue_len_bytes + size > limit {
        // A single packet larger than the whole queue.
        stats.unres_discards += 1;
        return;
    }
    n.arp_queue_len_bytes += size;
    n.arp_queue.push_back(skb);
}

/// `neigh_resolve_output(n, skb)` / `neigh_output`: `skb` (an IP packet
/// with its Ethernet header pushed, `data` at it, `ifindex` set) goes to
/// `nexthop` on device `ifindex`. With a valid entry the destination is
/// filled in and the frame transmitted; otherwise it is queued on the
/// (possibly new, `NUD_INCOMPLETE`) entry and a request broadcast (see the
/// module's notes on timing). A queued packet is a success, as in Linux.
pub fn neigh_output<S: InetSpec>(
    cx: &mut NetCx<'_, S>,
    ifindex: i32,
    nexthop: u32,
    mut skb: SkBuff,
) -> Result<(), Errno> {
    enum Next {
        Solicit,
        Wait,
    }
    // The fast path, `neigh_output`'s `NUD_CONNECTED` test and
    // `neigh_hh_output`: a valid entry needs one lookup and no clock.
    let valid = {
        let NeighTable { entries, stats, .. } = cx.state_mut::<NeighTable>()?;
        stats.lookups += 1;
        let ha = entries.get(&(ifindex, nexthop)).filter(|n| n.nud_state & NUD_VALID != 0).map(|n| n.ha);
        stats.hits += u64::from(ha.is_some());
        ha
    };
    if let Some(ha) = valid {
        eth_set_dest(&mut skb, &ha);
        return dev_queue_xmit(cx, skb);
    }
    let saddr = skb.network_header().get(12..16).map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
    let next = {
        let tbl = cx.state_mut::<NeighTable>()?;
        let now = tbl.clock.now();
        let limit = tbl.parms.queue_len_bytes as usize;
        let max_probes = tbl.parms.mcast_probes;
        let retrans = Duration::from_millis(u64::from(tbl.parms.retrans_time_ms));
        let key = (ifindex, nexthop);
        if !tbl.entries.contains_key(&key) {
            // ip_finish_output2: `__neigh_create` failed (the table is
            // full): "No header cache and no neighbour!", the packet is
            // freed (SKB_DROP_REASON_NEIGH_CREATEFAIL) and -EINVAL returned.
            if tbl.create(ifindex, nexthop, [0; 6], NUD_INCOMPLETE).is_err() {
                return Err(Errno::EINVAL);
            }
        }
        let NeighTable { entries, stats, .. } = tbl;
        let Some(n) = entries.get_mut(&key) else { return Err(Errno::EINVAL) };
        // Not valid (the fast path took a valid one).
        if n.probes == 0 {
            // Just created: its first request goes out now.
            neigh_enqueue(n, stats, limit, std::mem::take(&mut skb));
            n.probes = 1;
            n.probed_at = Some(now);
            Next::Solicit
        } else {
            let due = n.probed_at.is_none_or(|t| now.saturating_duration_since(t) >= retrans);
            if due && n.probes >= max_probes {
                // neigh_invalidate (what it queued is dropped), and the
                // entry, NUD_FAILED, starts over (`__neigh_event_send`).
                stats.res_failed += 1;
                stats.unres_discards += n.arp_queue.len() as u64;
                n.arp_queue.clear();
                n.arp_queue_len_bytes = 0;
                n.nud_state = NUD_INCOMPLETE;
                n.probes = 1;
                n.probed_at = Some(now);
                n.updated = now;
                neigh_enqueue(n, stats, limit, std::mem::take(&mut skb));
                Next::Solicit
            } else {
                neigh_enqueue(n, stats, limit, std::mem::take(&mut skb));
                if due {
                    n.probes += 1;
                    n.probed_at = Some(now);
                    Next::Solicit
                } else {
                    Next::Wait
                }
            }
        }
    };
    match next {
        Next::Solicit => {
            // A request the device drops is counted there; the packet is queued.
            let _ = arp_solicit(cx, ifindex, nexthop, saddr);
            Ok(())
        }
        Next::Wait => Ok(()),
    }
}

/// `arp_solicit(neigh, skb)`: broadcasts "who has `target`", from the
/// packet's source address if it is local, else the device's address
/// (`inet_select_addr`).
pub fn arp_solicit<S: InetSpec>(cx: &mut NetCx<'_, S>, ifindex: i32, target: u32, saddr: u32) -> Result<(), Errno> {
    let (src_ip, src_hw) = {
        let devs = cx.state::<NetDevTables>()?;
        let dev = devs.get_by_index(ifindex).ok_or(Errno::ENODEV)?;
        let src = if saddr != 0 && devs.inet_addr_local(saddr).is_some() {
            saddr
        } else {
            devs.inet_select_addr(ifindex, target)
        };
        (src, dev.dev_addr)
    };
    arp_send(cx, ARPOP_REQUEST, target, ifindex, src_ip, None, src_hw, [0; 6])
}

/// `arp_send(type, ptype, dest_ip, dev, src_ip, dest_hw, src_hw,
/// target_hw)` → `arp_create` + `arp_xmit`: an ARP message to `dest_hw`
/// (broadcast if `None`).
#[allow(clippy::too_many_arguments)]
pub fn arp_send<S: InetSpec>(
    cx: &mut NetCx<'_, S>,
    op: u16,
    dest_ip: u32,
    ifindex: i32,
    src_ip: u32,
    dest_hw: Option<[u8; 6]>,
    src_hw: [u8; 6],
    target_hw: [u8; 6],
) -> Result<(), Errno> {
    let mut skb = SkBuff::alloc(MAX_HEADER, ARP_HDR_LEN);
    let a = skb.data_mut();
    a[0..2].copy_from_slice(&crate::dev::ARPHRD_ETHER.to_be_bytes());
    a[2..4].copy_from_slice(&ETH_P_IP.to_be_bytes());
    a[4] = ETH_ALEN as u8;
    a[5] = 4;
    a[6..8].copy_from_slice(&op.to_be_bytes());
    a[8..14].copy_from_slice(&src_hw);
    a[14..18].copy_from_slice(&src_ip.to_be_bytes());
    a[18..24].copy_from_slice(&target_hw);
    a[24..28].copy_from_slice(&dest_ip.to_be_bytes());
    skb.reset_network_header();
    eth_header(&mut skb, &dest_hw.unwrap_or(ETH_BROADCAST), &src_hw, ETH_P_ARP);
    skb.protocol = ETH_P_ARP;
    skb.ifindex = ifindex;
    dev_queue_xmit(cx, skb)
}

/// `neigh_update(n, lladdr, new, ..)`: records `ha` for `addr` on
/// `ifindex` in state `state` (creating the entry if `create`, as
/// `neigh_event_ns` does: `ENOBUFS` if the table is full) and, once
/// valid, sends what was queued. `updated` moves only if the state or
/// address changes (`__neigh_update`).
pub fn neigh_update<S: InetSpec>(
    cx: &mut NetCx<'_, S>,
    ifindex: i32,
    addr: u32,
    ha: [u8; 6],
    state: u8,
    create: bool,
) -> Result<(), Errno> {
    let queue = {
        let tbl = cx.state_mut::<NeighTable>()?;
        let now = tbl.clock.now();
        let n = if tbl.entries.contains_key(&(ifindex, addr)) {
            tbl.entries.get_mut(&(ifindex, addr)).ok_or(Errno::ENOENT)?
        } else if create {
            tbl.create(ifindex, addr, ha, state)?
        } else {
            return Ok(());
        };
        if n.nud_state & NUD_PERMANENT != 0 {
            return Ok(());
        }
        if n.nud_state != state || n.ha != ha {
            n.updated = now;
        }
        n.ha = ha;
        n.nud_state = state;
        n.probes = 0;
        n.probed_at = None;
        n.arp_queue_len_bytes = 0;
        std::mem::take(&mut n.arp_queue)
    };
    for mut skb in queue {
        eth_set_dest(&mut skb, &ha);
        // A failed transmit is counted by the device.
        let _ = dev_queue_xmit(cx, skb);
    }
    Ok(())
}

fn be32(b: &[u8]) -> u32 {
    match b {
        [a, b, c, d, ..] => u32::from_be_bytes([*a, *b, *c, *d]),
        _ => 0,
    }
}

fn mac(b: &[u8]) -> [u8; 6] {
    let mut m = [0; 6];
    if let Some(s) = b.get(..6) {
        m.copy_from_slice(s);
    }
    m
}

/// Whether `arp_process` refuses `sip` (not 0.0.0.0, handled first) as
/// the sender of a request: `ip_route_input_noref(skb, tip, sip, 0, dev)`
/// fails for it. `ip_route_input_slow` sends a multicast, limited
/// broadcast, 0.0.0.0/8 or (without `route_localnet`) loopback source to
/// `martian_source`, and `fib_validate_source` refuses one of our
/// addresses (`inet_lookup_ifaddr_rcu`, `accept_local` 0) and, with
/// `rp_filter` set (as most distributions set it; the kernel's default 0
/// checks only for a local address), any source whose type is not
/// `RTN_UNICAST` (`__fib_validate_source`): a broadcast address
/// ([`inet_addr_type`]). This stack takes the `rp_filter` behaviour, which
/// has no sysctl here. Linux then only updates an
/// existing entry for the sender, and none can exist for such an address
/// (a broadcast or multicast neighbour is `NUD_NOARP`, which
/// `neigh_update` leaves alone): the message is dropped here whatever its
/// operation.
fn arp_sip_refused(devs: &NetDevTables, sip: u32) -> bool {
    ipv4_is_multicast(sip)
        || ipv4_is_lbcast(sip)
        || ipv4_is_loopback(sip)
        || matches!(inet_addr_type(devs, sip), RouteKind::Local | RouteKind::Broadcast)
}

/// A request for one of our addresses is answered: counted in
/// `rcv_probes_ucast` if it was sent to us alone (`PACKET_HOST`), else in
/// `rcv_probes_mcast`. (Linux counts these for IPv6 neighbour
/// solicitations in `ndisc_recv_ns`, not for ARP, and not for a DAD
/// probe; here they are the outcome of every request ARP answers,
/// duplicate address probes included, so that each one is counted.)
fn count_answered<S: InetSpec>(cx: &mut NetCx<'_, S>, pkt_type: u8) {
    if let Ok(tbl) = cx.state_mut::<NeighTable>() {
        if pkt_type == PACKET_HOST {
            tbl.stats.rcv_probes_ucast += 1;
        } else {
            tbl.stats.rcv_probes_mcast += 1;
        }
    }
}

fn arp_drop<S: InetSpec>(cx: &mut NetCx<'_, S>) -> NetRx {
    cx.mib_inc(ExtMib::ArpDrops);
    NetRx::Drop
}

/// `arp_rcv(skb, dev, pt, orig_dev)` + `arp_process` (Linux 6.0, the
/// default sysctls: `arp_ignore` 0, `arp_accept` 0). Dropped and counted
/// (`ArpDrops`): frames on a `NOARP` device, for another host or looped
/// back, shorter than an Ethernet/IPv4 ARP message, with other address
/// sizes, hardware type or protocol, an operation other than request and
/// reply, a multicast or loopback target, a sender Linux refuses
/// (`arp_sip_refused`: multicast, broadcast, loopback, 0.0.0.0/8 or one of
/// our addresses), or a request for us whose sender the neighbour table
/// has no room for (`table_fulls`: not answered). A request (or duplicate address probe) for one of our
/// addresses is answered, and its sender learnt (`neigh_event_ns`:
/// `NUD_STALE`); otherwise an existing entry for the sender is updated,
/// `NUD_REACHABLE` for a unicast reply, else `NUD_STALE`. Unsolicited
/// replies create no entry.
pub fn arp_rcv<S: InetSpec>(cx: &mut NetCx<'_, S>, skb: SkBuff) -> NetRx {
    let ifindex = skb.ifindex;
    let (dev_addr, noarp) = match cx.state::<NetDevTables>().ok().and_then(|t| t.get_by_index(ifindex)) {
        Some(d) => (d.dev_addr, d.flags & IFF_NOARP != 0),
        None => return arp_drop(cx),
    };
    if noarp || skb.pkt_type == PACKET_OTHERHOST || skb.pkt_type == PACKET_LOOPBACK {
        return arp_drop(cx);
    }
    let a = skb.data();
    if a.len() < ARP_HDR_LEN {
        return arp_drop(cx);
    }
    let hrd = u16::from_be_bytes([a[0], a[1]]);
    let pro = u16::from_be_bytes([a[2], a[3]]);
    let op = u16::from_be_bytes([a[6], a[7]]);
    if usize::from(a[4]) != ETH_ALEN
        || a[5] != 4
        || (hrd != crate::dev::ARPHRD_ETHER && hrd != ARPHRD_IEEE802)
        || pro != ETH_P_IP
        || (op != ARPOP_REQUEST && op != ARPOP_REPLY)
    {
        return arp_drop(cx);
    }
    let sha = mac(&a[8..14]);
    let sip = be32(&a[14..18]);
    let tip = be32(&a[24..28]);
    // `if (ipv4_is_multicast(tip) || (!IN_DEV_ROUTE_LOCALNET(in_dev) &&
    // ipv4_is_loopback(tip))) goto out_free_skb;`
    if ipv4_is_multicast(tip) || ipv4_is_loopback(tip) {
        return arp_drop(cx);
    }
    let Ok(devs) = cx.state::<NetDevTables>() else { return arp_drop(cx) };
    let tip_local = devs.inet_addr_local(tip).is_some();
    let sip_refused = arp_sip_refused(devs, sip);
    if sip == 0 {
        // RFC 2131/5227 duplicate address detection: answer, learn nothing.
        if op == ARPOP_REQUEST && tip_local {
            count_answered(cx, skb.pkt_type);
            let _ = arp_send(cx, ARPOP_REPLY, sip, ifindex, tip, Some(sha), dev_addr, sha);
            return NetRx::Success;
        }
        return arp_drop(cx);
    }
    if sip_refused {
        return arp_drop(cx);
    }
    if op == ARPOP_REQUEST && tip_local {
        // `n = neigh_event_ns(&arp_tbl, sha, &sip, dev); if (n) { arp_send_dst(ARPOP_REPLY, ..); }`:
        // no entry for the sender (the table is full, `table_fulls`), no reply.
        if neigh_update(cx, ifindex, sip, sha, NUD_STALE, true).is_err() {
            return arp_drop(cx);
        }
        count_answered(cx, skb.pkt_type);
        let _ = arp_send(cx, ARPOP_REPLY, sip, ifindex, tip, Some(sha), dev_addr, sha);
        return NetRx::Success;
    }
    // Not a request for us: only news about a neighbour we already have an
    // entry for is taken (arp_accept = 0); anything else is ignored, and
    // counted here so no frame goes unaccounted.
    if !cx.state::<NeighTable>().is_ok_and(|t| t.lookup(sip, ifindex).is_some()) {
        return arp_drop(cx);
    }
    let state = if op == ARPOP_REPLY && skb.pkt_type == PACKET_HOST { NUD_REACHABLE } else { NUD_STALE };
    let _ = neigh_update(cx, ifindex, sip, sha, state, false);
    if let Ok(tbl) = cx.state_mut::<NeighTable>() {
        tbl.stats.rcv_updates += 1;
    }
    NetRx::Success
}

/// /proc/net/arp (`arp_seq_show`): one line per entry.
pub fn arp_seq_show(tbl: &NeighTable, devs: &NetDevTables) -> String {
    let mut out = String::from("IP address       HW type     Flags       HW address            Mask     Device\n");
    for (&(ifindex, addr), n) in tbl.iter() {
        let ip = std::net::Ipv4Addr::from(addr).to_string();
        let flags = if n.nud_state & NUD_VALID != 0 { 0x2 } else { 0x0 };
        let hw = n.ha.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":");
        let dev = devs.get_by_index(ifindex).map_or("?", |d| d.name.as_str());
        let _ = writeln!(out, "{ip:<16} 0x1         0x{flags:<10x}{hw:<22}*        {dev}");
    }
    out
}
