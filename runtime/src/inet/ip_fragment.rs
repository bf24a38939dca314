//! IPv4 reassembly (net/ipv4/ip_fragment.c over net/ipv4/inet_fragment.c):
//! each namespace's fragment queues (`net->ipv4.fqdir`), the state of
//! `ip4_frags_ops`.
//!
//! A fragment (`MF` set or a non-zero offset) reaching `ip_local_deliver`
//! goes to [`ip_defrag`]: it is queued by (saddr, daddr, id, protocol,
//! vif) as `ip_find` keys it, checked as `ip_frag_queue` checks it, and
//! when the queue holds the whole datagram `ip_frag_reasm` rebuilds it,
//! which then goes on as any datagram. As Linux since 4.18
//! (`inet_frag_queue_insert`, RFC 5722 style): a fragment overlapping
//! another drops the whole datagram (`ReasmOverlaps`, `ReasmFails`); one
//! lying within data already queued is a duplicate, dropped alone.
//!
//! Time is the namespace's neighbour-table clock ([`NeighClock`], Linux's
//! `jiffies` for both): a queue expires `ipfrag_time` (30 s) after it was
//! created (`ip_expire`: `ReasmFails`, `ReasmTimeout`, and an ICMP time
//! exceeded, code 1, if the first fragment was seen). There is no timer
//! wheel: expired queues are reaped when the next fragment arrives and
//! when [`ip_frag_timers`] is called (what the timer softirq would do).
//!
//! Memory is bounded by `ipfrag_high_thresh` as Linux 3.17–4.16 bounds it
//! (`inet_frag_find` scheduling `inet_frag_worker`, whose evictor runs
//! `ip_expire` on the oldest queues): a fragment arriving with more than
//! `ipfrag_high_thresh` bytes queued first evicts the oldest queues until
//! at most `ipfrag_low_thresh` remain, each a `ReasmFails` (no timeout, no
//! ICMP). The worker runs here at once, where Linux defers it; Linux 4.17+
//! instead refuses fragments above `high_thresh` and ignores `low_thresh`.
//!
//! Accounting: every fragment ends in exactly one outcome. Linux counts
//! `ReasmFails` once per datagram, so the fragments of a failed datagram
//! beyond one are counted in [`IpFragStats::discarded`], those of a
//! reassembled one beyond the datagram in [`IpFragStats::merged`], a
//! duplicate in [`IpFragStats::dups`], and a fragment still queued in
//! [`IpFragStats::queued`] (none of these is a Linux counter).

use std::collections::BTreeMap;
use std::mem::size_of;
use std::time::{Duration, Instant};

use super::hdr::{Iphdr, ICMP_TIME_EXCEEDED};
use super::icmp::icmp_send;
use super::ip_output::{IP_DF, IP_MAX_MTU, IP_MF, IP_OFFSET};
use super::mib::IpMib;
use super::{jiffies, InetSpec};
use crate::checksum::ip_fast_csum;
use crate::dev::ETH_P_IP;
use crate::errno::Errno;
use crate::netns::{Net, PernetSpec};
use crate::skbuff::{SkBuff, MAX_HEADER};
use crate::tables::{NetCx, NetRx, RxOutcome, RxOutcomes};

/// `ICMP_EXC_FRAGTIME`: time exceeded code "fragment reassembly time
/// exceeded".
pub const ICMP_EXC_FRAGTIME: u8 = 1;
/// `ipfrag_high_thresh` default (`ipv4_frags_init_net`, Linux 4.17+: 4 MB).
pub const IPFRAG_HIGH_THRESH: u64 = 4 * 1024 * 1024;
/// `ipfrag_low_thresh` default (3 MB).
pub const IPFRAG_LOW_THRESH: u64 = 3 * 1024 * 1024;
/// `IP_FRAG_TIME`: `ipfrag_time` default, 30 s.
pub const IP_FRAG_TIME: Duration = Duration::from_secs(30);

/// `INET_FRAG_FIRST_IN`, `INET_FRAG_LAST_IN`.
const INET_FRAG_FIRST_IN: u8 = 1;
const INET_FRAG_LAST_IN: u8 = 2;

/// `struct frag_v4_compare_key` without `user` (only
/// `IP_DEFRAG_LOCAL_DELIVER` reassembles here). `vif` is
/// `l3mdev_master_ifindex` of the receiving device: 0, as there are no VRF
/// devices, so fragments arriving on different devices join one queue as
/// in Linux.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FragKey {
    pub saddr: u32,
    pub daddr: u32,
    pub id: u16,
    pub protocol: u8,
    pub vif: i32,
}

/// One queued fragment: `skb` from its IP header, trimmed to the header
/// and `end - offset` bytes of payload.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Frag {
    end: usize,
    ihl: usize,
    skb: SkBuff,
}

/// `struct ipq` (its `struct inet_frag_queue q`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ipq {
    /// `q.flags`: `INET_FRAG_FIRST_IN`, `INET_FRAG_LAST_IN`.
    flags: u8,
    /// `q.len`: the datagram's payload length as known so far.
    len: usize,
    /// `q.meat`: payload bytes queued.
    meat: usize,
    /// `q.rb_fragments`, by offset.
    frags: BTreeMap<usize, Frag>,
    /// When `q.timer` fires (`jiffies + fqdir->timeout` at creation).
    expires: Instant,
    /// `q.max_size`, `max_df_size`: the largest fragment, and the
    /// largest with `DF` set.
    max_size: usize,
    max_df_size: usize,
    /// Truesize charged to the namespace (`q.fqdir->mem`), the queue
    /// itself included.
    mem: u64,
    /// Creation order, for the evictor.
    seq: u64,
}

impl Ipq {
    /// Fragments queued.
    pub fn fragments(&self) -> usize {
        self.frags.len()
    }

    /// `inet_frag_queue_insert(q, skb, offset, end)`: a fragment lying
    /// within a run of contiguous queued data is a duplicate
    /// (`IPFRAG_DUP`); one that intersects queued data otherwise overlaps
    /// (`IPFRAG_OVERLAP`).
    fn insert_check(&self, offset: usize, end: usize) -> Result<(), FragInsert> {
        let mut run: Option<(usize, usize)> = None;
        let mut hit = None;
        let mut hits = 0;
        let mut close = |r: (usize, usize)| {
            if r.0 < end && offset < r.1 {
                hits += 1;
                hit = Some(r);
            }
        };
        for (&o, f) in &self.frags {
            run = match run {
                Some((s, e)) if e == o => Some((s, f.end)),
                Some(r) => {
                    close(r);
                    Some((o, f.end))
                }
                None => Some((o, f.end)),
            };
        }
        if let Some(r) = run {
            close(r);
        }
        match (hits, hit) {
            (0, _) => Ok(()),
            (1, Some((s, e))) if s <= offset && end <= e => Err(FragInsert::Dup),
            _ => Err(FragInsert::Overlap),
        }
    }
}

enum FragInsert {
    Dup,
    Overlap,
}

/// Counts that keep every received fragment accounted for (Linux has none
/// of them; see the module's accounting note).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IpFragStats {
    /// Fragments queued now.
    pub queued: u64,
    /// Fragments that went into a reassembled datagram, but one per
    /// datagram (the datagram's own outcome counts that one).
    pub merged: u64,
    /// Fragments of failed datagrams, but one per datagram (`ReasmFails`).
    pub discarded: u64,
    /// Duplicates dropped (`SKB_DROP_REASON_DUP_FRAG`).
    pub dups: u64,
    /// Queues the evictor removed (each also a `ReasmFails`).
    pub evicted: u64,
}

/// `struct fqdir` of a namespace: the IPv4 fragment queues and their
/// sysctls (`net.ipv4.ipfrag_*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ipv4Frags {
    high_thresh: u64,
    low_thresh: u64,
    timeout: Duration,
    /// `fqdir->mem`: truesize of what is queued.
    mem: u64,
    queues: BTreeMap<FragKey, Ipq>,
    /// Queues by creation order (`seq`), oldest first.
    lru: BTreeMap<u64, FragKey>,
    seq: u64,
    pub stats: IpFragStats,
}

impl Default for Ipv4Frags {
    fn default() -> Self {
        Ipv4Frags {
            high_thresh: IPFRAG_HIGH_THRESH,
            low_thresh: IPFRAG_LOW_THRESH,
            timeout: IP_FRAG_TIME,
            mem: 0,
            queues: BTreeMap::new(),
            lru: BTreeMap::new(),
            seq: 0,
            stats: IpFragStats::default(),
        }
    }
}

/// `ipv4_frags_init_net(net)`: a namespace's fragment queues with Linux's
/// defaults (`ipfrag_high_thresh` 4 MB, `ipfrag_low_thresh` 3 MB,
/// `ipfrag_time` 30 s).
pub fn ipv4_frags_init_net<S: PernetSpec>(_net: &mut Net<S>) -> Result<Ipv4Frags, Errno> {
    Ok(Ipv4Frags::default())
}

impl Ipv4Frags {
    /// `ipfrag_high_thresh`, in bytes.
    pub fn high_thresh(&self) -> u64 {
        self.high_thresh
    }

    /// `ipfrag_low_thresh`, in bytes.
    pub fn low_thresh(&self) -> u64 {
        self.low_thresh
    }

    /// `ipfrag_time`.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Writing sysctl `ipfrag_high_thresh` (`proc_doulongvec_minmax`,
    /// `extra1 = &low_thresh`): `EINVAL` below `ipfrag_low_thresh`.
    pub fn set_high_thresh(&mut self, v: i64) -> Result<(), Errno> {
        let v = u64::try_from(v).map_err(|_| Errno::EINVAL)?;
        if v < self.low_thresh {
            return Err(Errno::EINVAL);
        }
        self.high_thresh = v;
        Ok(())
    }

    /// Writing sysctl `ipfrag_low_thresh` (`extra1 = 0`, `extra2 =
    /// &high_thresh`): `EINVAL` outside `0..=ipfrag_high_thresh`.
    pub fn set_low_thresh(&mut self, v: i64) -> Result<(), Errno> {
        let v = u64::try_from(v).map_err(|_| Errno::EINVAL)?;
        if v > self.high_thresh {
            return Err(Errno::EINVAL);
        }
        self.low_thresh = v;
        Ok(())
    }

    /// Writing sysctl `ipfrag_time` in seconds (`proc_dointvec_jiffies`;
    /// a negative value is `EINVAL` here, where Linux would store a
    /// timeout already past).
    pub fn set_timeout(&mut self, secs: i64) -> Result<(), Errno> {
        let s = u64::try_from(secs).ok().filter(|&s| s <= i32::MAX as u64).ok_or(Errno::EINVAL)?;
        self.timeout = Duration::from_secs(s);
        Ok(())
    }

    /// `frag_mem_limit(fqdir)`: bytes charged to the queues.
    pub fn mem(&self) -> u64 {
        self.mem
    }

    /// The queues (`fqdir->rhashtable`).
    pub fn queues(&self) -> impl Iterator<Item = (&FragKey, &Ipq)> {
        self.queues.iter()
    }

    /// The outcomes of received fragments ([`RxOutcome`]): queued and
    /// merged ones taken, discarded and duplicate ones dropped (with
    /// `ReasmFails` in the MIB, one per failed datagram).
    pub fn rx_outcomes(&self) -> RxOutcomes {
        let mut o = RxOutcomes::default();
        o.add(RxOutcome::Taken, self.stats.queued + self.stats.merged);
        o.add(RxOutcome::Drop, self.stats.discarded + self.stats.dups);
        o
    }

    /// `inet_frag_kill` + `inet_frag_destroy`: unlinks a queue and frees
    /// its memory.
    fn kill(&mut self, key: &FragKey) -> Option<Ipq> {
        let q = self.queues.remove(key)?;
        self.lru.remove(&q.seq);
        self.mem = self.mem.saturating_sub(q.mem);
        self.stats.queued = self.stats.queued.saturating_sub(q.frags.len() as u64);
        Some(q)
    }

    /// The oldest queue, if any.
    fn oldest(&self) -> Option<FragKey> {
        self.lru.values().next().copied()
    }
}

/// `ip_expire(t)` for every queue whose timer has fired by the
/// namespace's clock: `ReasmFails` and `ReasmTimeout`, and, if the first
/// fragment had come, an ICMP time exceeded (`ICMP_EXC_FRAGTIME`) quoting
/// it. Returns how many queues expired.
pub fn ip_frag_timers<S: InetSpec>(cx: &mut NetCx<'_, S>) -> usize {
    let now = jiffies(cx);
    let Ok(f) = cx.state_mut::<Ipv4Frags>() else { return 0 };
    if f.queues.is_empty() {
        return 0;
    }
    let due: Vec<FragKey> = f.queues.iter().filter(|(_, q)| q.expires <= now).map(|(k, _)| *k).collect();
    let mut dead = Vec::with_capacity(due.len());
    for k in &due {
        if let Some(q) = f.kill(k) {
            f.stats.discarded += (q.frags.len() as u64).saturating_sub(1);
            dead.push(q);
        }
    }
    let n = dead.len();
    for mut q in dead {
        cx.mib_inc(IpMib::ReasmFails);
        cx.mib_inc(IpMib::ReasmTimeout);
        if q.flags & INET_FRAG_FIRST_IN != 0 {
            if let Some(head) = q.frags.remove(&0) {
                icmp_send(cx, &head.skb, ICMP_TIME_EXCEEDED, ICMP_EXC_FRAGTIME, 0);
            }
        }
    }
    n
}

/// `inet_frag_worker` → `inet_evict_bucket` → `ip_expire` of an evicted
/// queue: with more than `ipfrag_high_thresh` queued, the oldest queues go
/// until at most `ipfrag_low_thresh` remain; each is a `ReasmFails`
/// (`inet_frag_evicting`: no `ReasmTimeout`, no ICMP).
fn inet_frag_evictor<S: InetSpec>(cx: &mut NetCx<'_, S>) {
    let mut failed = 0;
    if let Ok(f) = cx.state_mut::<Ipv4Frags>() {
        if f.mem <= f.high_thresh {
            return;
        }
        while f.mem > f.low_thresh {
            let Some(k) = f.oldest() else { break };
            if let Some(q) = f.kill(&k) {
                f.stats.discarded += (q.frags.len() as u64).saturating_sub(1);
                f.stats.evicted += 1;
                failed += 1;
            }
        }
    }
    cx.mib_add(IpMib::ReasmFails, failed);
}

/// What `ip_frag_queue` made of a fragment.
enum Queued {
    /// Waiting for more (`-EINPROGRESS`).
    InProgress,
    /// Dropped alone: a duplicate.
    Dup,
    /// The datagram failed (`discard_qp`: `inet_frag_kill`, `ReasmFails`);
    /// `overlap` also counts `ReasmOverlaps`.
    Failed { overlap: bool },
    /// Every fragment is in: the queue, unlinked, for `ip_frag_reasm`.
    Complete(Ipq),
}

/// `ip_frag_queue(qp, skb)` on the queue of `key` (created by `ip_find` if
/// new): positions the fragment, refuses what Linux refuses, and says
/// whether the datagram is complete.
fn ip_frag_queue(f: &mut Ipv4Frags, key: FragKey, mut skb: SkBuff, iph: &Iphdr, now: Instant) -> Queued {
    let offset = usize::from(iph.frag_off & IP_OFFSET) << 3;
    let ihl = iph.ihl;
    let mut end = offset + skb.len().saturating_sub(ihl);
    let timeout = f.timeout;
    let seq = f.seq;
    let q = f.queues.entry(key).or_insert_with(|| Ipq {
        flags: 0,
        len: 0,
        meat: 0,
        frags: BTreeMap::new(),
        expires: now.checked_add(timeout).unwrap_or(now),
        max_size: 0,
        max_df_size: 0,
        mem: size_of::<Ipq>() as u64,
        seq,
    });
    if q.seq == seq {
        // Created now (`inet_frag_create`): charged and on the LRU.
        f.seq += 1;
        f.mem += q.mem;
        f.lru.insert(seq, key);
    }
    let bad = 'check: {
        if iph.frag_off & IP_MF == 0 {
            // The last fragment: nothing may lie beyond it, nor may it
            // disagree with a last fragment already seen.
            if end < q.len || (q.flags & INET_FRAG_LAST_IN != 0 && end != q.len) {
                break 'check Some(false);
            }
            q.flags |= INET_FRAG_LAST_IN;
            q.len = end;
        } else {
            // Not the last: its payload is a multiple of 8 (a shorter
            // tail is cut off, as Linux does).
            end &= !7;
            if end > q.len {
                if q.flags & INET_FRAG_LAST_IN != 0 {
                    break 'check Some(false);
                }
                q.len = end;
            }
        }
        // Nothing left: a zero-length or tiny fragment.
        if end == offset {
            break 'check Some(false);
        }
        match q.insert_check(offset, end) {
            Ok(()) => None,
            Err(FragInsert::Dup) => {
                f.stats.dups += 1;
                return Queued::Dup;
            }
            Err(FragInsert::Overlap) => Some(true),
        }
    };
    if let Some(overlap) = bad {
        if let Some(q) = f.kill(&key) {
            f.stats.discarded += q.frags.len() as u64;
        }
        return Queued::Failed { overlap };
    }
    skb.trim(ihl + (end - offset));
    skb.reset_network_header();
    let truesize = skb.truesize() as u64;
    let fragsize = skb.len();
    q.meat += end - offset;
    q.mem += truesize;
    if offset == 0 {
        q.flags |= INET_FRAG_FIRST_IN;
    }
    q.max_size = q.max_size.max(fragsize);
    if iph.frag_off & IP_DF != 0 {
        q.max_df_size = q.max_df_size.max(fragsize);
    }
    q.frags.insert(offset, Frag { end, ihl, skb });
    let complete = q.flags == INET_FRAG_FIRST_IN | INET_FRAG_LAST_IN && q.meat == q.len;
    f.mem += truesize;
    f.stats.queued += 1;
    if complete {
        match f.kill(&key) {
            Some(q) => Queued::Complete(q),
            None => Queued::Failed { overlap: false },
        }
    } else {
        Queued::InProgress
    }
}

/// `ip_frag_reasm(qp, skb, prev_tail, dev)`: the datagram, the first
/// fragment's header (options included) before the payloads in order, its
/// total length and checksum set, `DF` if every fragment had it at the
/// largest size (`max_df_size == max_size`). `None` if it would exceed
/// 65535 bytes (ping of death: `out_oversize`). `last` gives the device,
/// packet type and route flags (Linux morphs the last fragment into the
/// head).
fn ip_frag_reasm(q: &Ipq, last: (i32, u8, u8)) -> Option<(SkBuff, Iphdr)> {
    let head = q.frags.get(&0)?;
    let ihl = head.ihl;
    let tot = ihl + q.len;
    if tot > IP_MAX_MTU {
        return None;
    }
    let mut skb = SkBuff::alloc(MAX_HEADER, tot);
    {
        let d = skb.data_mut();
        d.get_mut(..ihl)?.copy_from_slice(head.skb.data().get(..ihl)?);
        for (&o, fr) in &q.frags {
            let p = fr.skb.data().get(fr.ihl..)?;
            d.get_mut(ihl + o..ihl + fr.end)?.copy_from_slice(p);
        }
        let h = d.get_mut(..ihl)?;
        h[2..4].copy_from_slice(&(tot as u16).to_be_bytes());
        let frag_off = if q.max_df_size == q.max_size { IP_DF } else { 0 };
        h[6..8].copy_from_slice(&frag_off.to_be_bytes());
        h[10..12].fill(0);
        let c = ip_fast_csum(h);
        h[10..12].copy_from_slice(&c.to_be_bytes());
    }
    (skb.ifindex, skb.pkt_type, skb.rt_flags) = last;
    skb.protocol = ETH_P_IP;
    skb.reset_network_header();
    let iph = Iphdr::parse(skb.data())?;
    Some((skb, iph))
}

/// `ip_defrag(net, skb, IP_DEFRAG_LOCAL_DELIVER)`: `skb` (from its IP
/// header, trimmed to `tot_len`) is a fragment, counted in `ReasmReqds`.
/// Expired queues are reaped first ([`ip_frag_timers`]) and the evictor
/// runs above `ipfrag_high_thresh` ([`inet_frag_evictor`]); with
/// `ipfrag_high_thresh` 0 (or still above it) the fragment is refused
/// (`ip_find` finds no queue: `ReasmFails`). Otherwise [`ip_frag_queue`]:
/// `Ok` with the reassembled datagram and its header (`ReasmOKs`), or
/// `Err` with what `ip_local_deliver` returns: `NetRx::Success` for a
/// queued fragment, `NetRx::Drop` for a refused one.
#[inline(never)] // keeps ip_local_deliver's inlined body small
pub fn ip_defrag<S: InetSpec>(cx: &mut NetCx<'_, S>, skb: SkBuff, iph: &Iphdr) -> Result<(SkBuff, Iphdr), NetRx> {
    cx.mib_inc(IpMib::ReasmReqds);
    ip_frag_timers(cx);
    inet_frag_evictor(cx);
    let now = jiffies(cx);
    let key = FragKey { saddr: iph.saddr, daddr: iph.daddr, id: iph.id, protocol: iph.protocol, vif: 0 };
    let last = (skb.ifindex, skb.pkt_type, skb.rt_flags);
    let got = match cx.state_mut::<Ipv4Frags>() {
        Ok(f) if f.high_thresh != 0 && f.mem <= f.high_thresh => ip_frag_queue(f, key, skb, iph, now),
        _ => Queued::Failed { overlap: false },
    };
    match got {
        Queued::InProgress => Err(NetRx::Success),
        Queued::Dup => Err(NetRx::Drop),
        Queued::Failed { overlap } => {
            if overlap {
                cx.mib_inc(IpMib::ReasmOverlaps);
            }
            cx.mib_inc(IpMib::ReasmFails);
            Err(NetRx::Drop)
        }
        Queued::Complete(q) => {
            let n = q.frags.len() as u64;
            let done = ip_frag_reasm(&q, last);
            if let Ok(f) = cx.state_mut::<Ipv4Frags>() {
                if done.is_some() {
                    f.stats.merged += n.saturating_sub(1);
                } else {
                    f.stats.discarded += n.saturating_sub(1);
                }
            }
            match done {
                Some(d) => {
                    cx.mib_inc(IpMib::ReasmOKs);
                    Ok(d)
                }
                None => {
                    cx.mib_inc(IpMib::ReasmFails);
                    Err(NetRx::Drop)
                }
            }
        }
    }
}
