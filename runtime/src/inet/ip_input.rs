//! IPv4 input (net/ipv4/ip_input.c): `ip_rcv` validates the header as
//! `ip_rcv_core` does, runs the netfilter hooks at PRE_ROUTING, routes
//! (`ip_route_input_noref`), runs those at LOCAL_IN and delivers locally:
//! raw sockets first, then the `inet_protos` handler.
//!
//! Fragments are reassembled before local delivery
//! ([`super::ip_fragment::ip_defrag`]).
//!
//! Not built: forwarding (a datagram for another host is dropped and
//! counted in `InAddrErrors`, as Linux does with forwarding off) and IP
//! options processing (options, `ihl > 5`, are accepted and skipped).

use super::hdr::{Iphdr, ICMP_DEST_UNREACH, ICMP_PROT_UNREACH};
use super::icmp::icmp_send;
use super::ip_fragment::ip_defrag;
use super::ip_output::{IP_MF, IP_OFFSET};
use super::mib::{ExtMib, IpMib};
use super::protocol::{InetProtos, InetProtosState};
use super::raw::raw_local_deliver;
use super::route::ip_route_input;
use super::InetSpec;
use crate::checksum::ip_fast_csum;
use crate::dev::rx::count_drop;
use crate::dev::NetDevTables;
use crate::netfilter::{nf_hook, nf_hooks_needed, NfHookResult, NfHooksNeeded, NfInetHook};
use crate::skbuff::{SkBuff, PACKET_OTHERHOST, RTCF_BROADCAST, RTCF_MULTICAST};
use crate::sock::sk::Sockets;
use crate::tables::{NetCx, NetRx};

#[inline]
fn drop<S: InetSpec>(cx: &mut NetCx<'_, S>, c: IpMib) -> NetRx {
    cx.mib_inc(c);
    NetRx::Drop
}

/// [`drop`] where the datagram ends inside `ip_rcv_core`: nothing goes on.
#[inline]
fn dropped<S: InetSpec, T>(cx: &mut NetCx<'_, S>, c: IpMib) -> Option<T> {
    drop(cx, c);
    None
}

/// The counters every datagram `ip_rcv_core` sees moves: `InReceives`,
/// `InOctets` and its ECN class. Summed over a batch and added once
/// ([`IpInCounts::flush`]), as a list receive takes the per-CPU MIB once.
#[derive(Default)]
struct IpInCounts {
    pkts: u64,
    octets: u64,
    /// `InNoECTPkts`, `InECT1Pkts`, `InECT0Pkts`, `InCEPkts`.
    ecn: [u64; 4],
}

impl IpInCounts {
    fn flush<S: InetSpec>(&self, cx: &mut NetCx<'_, S>) {
        if self.pkts == 0 {
            return;
        }
        if let Some(mut row) = cx.mib_row() {
            row.add(IpMib::InPkts, self.pkts);
            row.add(IpMib::InOctets, self.octets);
            let classes = [IpMib::NoEctPkts, IpMib::Ect1Pkts, IpMib::Ect0Pkts, IpMib::CePkts];
            for (c, n) in classes.into_iter().zip(self.ecn) {
                if n != 0 {
                    row.add(c, n);
                }
            }
        }
    }
}

/// `ip_rcv_core(skb, net)`: the checks every received datagram goes
/// through (see [`ip_rcv`]); the datagram, trimmed to `tot_len`, and its
/// header, or `None` when it was dropped (and counted).
#[inline(always)] // two callers, both hot: ip_rcv and ip_list_rcv
fn ip_rcv_core<S: InetSpec>(
    cx: &mut NetCx<'_, S>,
    mut skb: SkBuff,
    counts: &mut IpInCounts,
) -> Option<(SkBuff, Iphdr)> {
    if skb.pkt_type == PACKET_OTHERHOST {
        count_drop(cx, skb.ifindex, |s| &mut s.rx_otherhost_dropped);
        return None;
    }
    let len = skb.len();
    let d = skb.data();
    // The fixed header read once; `sane`: version 4, `ihl >= 5`.
    let iph = d.first_chunk::<20>().filter(|h| h[0] >> 4 == 4).map(Iphdr::from_array).filter(|h| h.ihl >= 20);
    counts.pkts += 1;
    counts.octets += len as u64;
    let Some(iph) = iph else {
        return dropped(cx, IpMib::InHdrErrors);
    };
    counts.ecn[usize::from(iph.tos & 3)] += 1;
    let Some(hdr) = d.get(..iph.ihl) else {
        return dropped(cx, IpMib::InHdrErrors);
    };
    if ip_fast_csum(hdr) != 0 {
        cx.mib_inc(IpMib::CsumErrors);
        return dropped(cx, IpMib::InHdrErrors);
    }
    if len < iph.tot_len {
        return dropped(cx, IpMib::InTruncatedPkts);
    }
    if iph.tot_len < iph.ihl {
        return dropped(cx, IpMib::InHdrErrors);
    }
    skb.trim(iph.tot_len);
    Some((skb, iph))
}

/// The input route of the last datagram of a batch: the next one with the
/// same addresses and device takes it without a lookup (Linux's list
/// receive groups datagrams by `dst`; the namespace's addresses do not
/// change within a batch).
#[derive(Clone, Copy, PartialEq, Eq)]
struct RouteKey {
    daddr: u32,
    saddr: u32,
    ifindex: i32,
}

/// What a receive batch takes once and its datagrams share: the
/// `inet_protos` of its read-side section (`rcu_read_lock()` around a NAPI
/// poll), the namespace's netfilter mask (the `nf_hooks_needed` static
/// keys) and the input route of the last datagram (the list's `dst`). One
/// reference on the way down instead of three values.
pub struct IpRcvBatch<'p, S: InetSpec> {
    protos: &'p InetProtos<S>,
    nf: NfHooksNeeded,
    route: Option<(RouteKey, u8)>,
}

/// `ip_rcv_finish_core` + `dst_input`: routes the datagram
/// (`ip_route_input_noref`, or `route`'s cached answer for the same
/// addresses), counts broadcasts and multicasts, and delivers it
/// ([`ip_local_deliver`]).
#[inline(always)]
fn ip_rcv_finish<S: InetSpec>(cx: &mut NetCx<'_, S>, mut skb: SkBuff, iph: &Iphdr, b: &mut IpRcvBatch<'_, S>) -> NetRx {
    let key = RouteKey { daddr: iph.daddr, saddr: iph.saddr, ifindex: skb.ifindex };
    let flags = match b.route {
        Some((k, flags)) if k == key => flags,
        _ => {
            let flags = match cx.state::<NetDevTables>() {
                Ok(devs) => match ip_route_input(devs, iph.daddr, iph.saddr, skb.ifindex) {
                    Ok(f) => f,
                    Err(_) => return drop(cx, IpMib::InAddrErrors),
                },
                Err(_) => return drop(cx, IpMib::InDiscards),
            };
            b.route = Some((key, flags));
            flags
        }
    };
    skb.rt_flags = flags;
    if flags & (RTCF_BROADCAST | RTCF_MULTICAST) != 0 {
        let (pkts, octets) = if flags & RTCF_BROADCAST != 0 {
            (IpMib::InBcastPkts, IpMib::InBcastOctets)
        } else {
            (IpMib::InMcastPkts, IpMib::InMcastOctets)
        };
        cx.mib_inc(pkts);
        cx.mib_add(octets, iph.tot_len as u64);
    }
    ip_local_deliver(cx, skb, iph, b)
}

/// `NF_HOOK(NFPROTO_IPV4, hook, ..)` on a received datagram, once the
/// caller's bit test (`nf.at(hook)`, the mask read once per batch) said
/// `hook` has hooks; out of line, so the path without hooks is that test
/// alone. A drop is counted in `NetfilterDrops`, an `NF_STOLEN` in
/// `NetfilterStolen`; after hooks that accepted, the header is read again
/// (a hook may have rewritten it; one that cut it short is `InHdrErrors`).
#[cold]
#[inline(never)]
fn nf_hook_in<S: InetSpec>(
    cx: &mut NetCx<'_, S>,
    nf: NfHooksNeeded,
    hook: NfInetHook,
    skb: SkBuff,
) -> Result<(SkBuff, Iphdr), NetRx> {
    let indev = skb.ifindex;
    match nf_hook(cx, nf, hook, skb, indev, 0) {
        NfHookResult::Accept(skb) => match Iphdr::parse(skb.data()) {
            Some(iph) if iph.ihl >= 20 && iph.ihl <= skb.len() => Ok((skb, iph)),
            _ => Err(drop(cx, IpMib::InHdrErrors)),
        },
        NfHookResult::Drop(_) => {
            cx.mib_inc(ExtMib::NfDrops);
            Err(NetRx::Drop)
        }
        NfHookResult::Stolen => {
            cx.mib_inc(ExtMib::NfStolen);
            Err(NetRx::Success)
        }
    }
}

/// `ip_rcv(skb, dev, pt, orig_dev)` (the spec's `ip_packet_type`), Linux
/// 6.0's `ip_rcv_core` then `ip_rcv_finish`:
///
/// * a frame for another station (`PACKET_OTHERHOST`) is dropped, counted
///   in the device's `rx_otherhost_dropped`;
/// * `InReceives`/`InOctets` count every datagram;
/// * shorter than 20 bytes, version not 4, `ihl < 5`, or shorter than
///   `ihl`: `InHdrErrors`; a bad header checksum: `InCsumErrors` and
///   `InHdrErrors`; shorter than `tot_len`: `InTruncatedPkts`; `tot_len`
///   below `ihl`: `InHdrErrors`; the ECN field is counted
///   (`InNoECTPkts`, ...); bytes past `tot_len` (padding) are trimmed;
/// * the netfilter hooks at `NF_INET_PRE_ROUTING` (`NF_HOOK(..,
///   ip_rcv_finish)`): dropped is `NetfilterDrops`, stolen
///   `NetfilterStolen`;
/// * routing: martian or not for this host: `InAddrErrors`;
///   broadcast/multicast counted (`InBcastPkts`, `InMcastPkts`);
/// * then [`ip_local_deliver`].
#[inline]
pub fn ip_rcv<S: InetSpec>(cx: &mut NetCx<'_, S>, skb: SkBuff) -> NetRx {
    let mut counts = IpInCounts::default();
    let got = ip_rcv_core(cx, skb, &mut counts);
    counts.flush(cx);
    let Some((mut skb, mut iph)) = got else { return NetRx::Drop };
    let Ok(inet_protos) = cx.kernel_state::<InetProtosState<S>>() else { return drop(cx, IpMib::InDiscards) };
    let nf = nf_hooks_needed(cx);
    if nf.at(NfInetHook::PreRouting) {
        (skb, iph) = match nf_hook_in(cx, nf, NfInetHook::PreRouting, skb) {
            Ok(got) => got,
            Err(ret) => return ret,
        };
    }
    ip_rcv_finish(cx, skb, &iph, &mut IpRcvBatch { protos: &inet_protos.load(), nf, route: None })
}

/// `ip_list_rcv(head, pt, orig_dev)` (the spec's `ip_packet_type`
/// `list_func`, Linux 4.18+): a NAPI poll's IPv4 datagrams, each through
/// [`ip_rcv`]'s checks and delivery, in order, with the MIB taken once
/// for the batch's `InReceives`/`InOctets`/ECN counts and the input route
/// looked up once per run of datagrams with the same addresses (Linux's
/// `ip_list_rcv_finish` groups them by `dst`). The namespace's netfilter
/// mask is read once for the batch (`NF_HOOK_LIST` at PRE_ROUTING); a hook
/// registered by a hook during the batch runs from the next one. Takes
/// every frame of `skbs`.
pub fn ip_list_rcv<S: InetSpec>(cx: &mut NetCx<'_, S>, skbs: &mut Vec<SkBuff>) {
    let Ok(inet_protos) = cx.kernel_state::<InetProtosState<S>>() else {
        for _ in skbs.drain(..) {
            drop(cx, IpMib::InDiscards);
        }
        return;
    };
    // One read-side section for the batch, as a NAPI poll runs under
    // `rcu_read_lock()`: a handler removed meanwhile is waited for.
    let protos = inet_protos.load();
    let mut b = IpRcvBatch { protos: &protos, nf: nf_hooks_needed(cx), route: None };
    let mut counts = IpInCounts::default();
    for skb in skbs.drain(..) {
        let Some((mut skb, mut iph)) = ip_rcv_core(cx, skb, &mut counts) else { continue };
        if b.nf.at(NfInetHook::PreRouting) {
            let Ok(got) = nf_hook_in(cx, b.nf, NfInetHook::PreRouting, skb) else { continue };
            (skb, iph) = got;
        }
        ip_rcv_finish(cx, skb, &iph, &mut b);
    }
    counts.flush(cx);
}

/// `ip_local_deliver(skb)` + `ip_local_deliver_finish`: a fragment goes
/// to [`ip_defrag`], and on only as the datagram it completes (a queued
/// fragment is `NetRx::Success`, a refused one `NetRx::Drop`); then the netfilter hooks at `NF_INET_LOCAL_IN` run (`NF_HOOK(..,
/// ip_local_deliver_finish)`; `nf` is the namespace's mask), then the
/// header (options included) is pulled and the datagram handed to
/// [`ip_protocol_deliver`].
#[inline(always)] // one caller on the hot path: no second move of the skb
pub fn ip_local_deliver<S: InetSpec>(
    cx: &mut NetCx<'_, S>,
    mut skb: SkBuff,
    iph: &Iphdr,
    b: &IpRcvBatch<'_, S>,
) -> NetRx {
    let nf = b.nf;
    let (mut ihl, mut protocol) = (iph.ihl, iph.protocol);
    if iph.frag_off & (IP_MF | IP_OFFSET) != 0 {
        let got = match ip_defrag(cx, skb, iph) {
            Ok(got) => got,
            Err(ret) => return ret,
        };
        (skb, ihl, protocol) = (got.0, got.1.ihl, got.1.protocol);
    }
    if nf.at(NfInetHook::LocalIn) {
        let got = match nf_hook_in(cx, nf, NfInetHook::LocalIn, skb) {
            Ok(got) => got,
            Err(ret) => return ret,
        };
        (skb, ihl, protocol) = (got.0, got.1.ihl, got.1.protocol);
    }
    skb.pull(ihl);
    skb.reset_transport_header();
    ip_protocol_deliver(cx, skb, protocol, b.protos)
}

/// `ip_protocol_deliver_rcu(net, skb, protocol)` with `protos` the
/// `inet_protos` its caller's read-side section loaded: raw sockets of the
/// protocol get a clone (`raw_local_deliver`); then `inet_protos[protocol]`
/// ([`InetProtos::deliver`]: a byte load and the generated
/// `match` for a spec protocol, the function for a run-time one) and
/// `InDelivers`. With no handler: if a raw socket took
/// it, delivered (`InDelivers`); else `InUnknownProtos` and an ICMP
/// protocol unreachable.
#[inline(always)] // ip_rcv's tail: no call (and skb move) for it
pub fn ip_protocol_deliver<S: InetSpec>(
    cx: &mut NetCx<'_, S>,
    mut skb: SkBuff,
    protocol: u8,
    protos: &InetProtos<S>,
) -> NetRx {
    let raw =
        cx.state::<Sockets<S>>().is_ok_and(|s| !s.raw_hash.is_empty()) && raw_local_deliver(cx, &mut skb, protocol);
    match protos.deliver(cx, skb, protocol) {
        Ok(ret) => {
            cx.mib_inc(IpMib::InDelivers);
            ret
        }
        Err(_) if raw => {
            cx.mib_inc(IpMib::InDelivers);
            NetRx::Success
        }
        Err(skb) => {
            icmp_send(cx, &skb, ICMP_DEST_UNREACH, ICMP_PROT_UNREACH, 0);
            drop(cx, IpMib::InUnknownProtos)
        }
    }
}
