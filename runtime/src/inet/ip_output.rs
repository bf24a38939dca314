//! IPv4 output (net/ipv4/ip_output.c): build the header, run the netfilter
//! hooks at LOCAL_OUT, count, run those at POST_ROUTING, pick the
//! link-layer destination (loopback, broadcast, multicast, or ARP) and
//! hand the frame to the device. Datagrams larger than the device MTU are
//! fragmented (`ip_fragment`) unless `DF` is set; what sets `DF` is the
//! socket's `IP_MTU_DISCOVER` ([`ip_sk_df`]).

use super::arp::neigh_output;
use super::hdr::Iphdr;
use super::mib::IpMib;
use super::netns_ipv4::Ipv4Net;
use super::route::{ipv4_mtu, Route, RouteKind};
use super::InetSpec;
use crate::checksum::ip_fast_csum;
use crate::dev::{dev_queue_xmit, NetDevTables, ETH_P_IP, IFF_LOOPBACK};
use crate::errno::Errno;
use crate::ethernet::{eth_header, ip_eth_mc_map, ETH_BROADCAST};
use crate::netfilter::{nf_hook, nf_hooks_needed, NfHookResult, NfHooksNeeded, NfInetHook};
use crate::skbuff::{SkBuff, MAX_HEADER};
use crate::slab::{KmemCache, SLAB_HWCACHE_ALIGN, SLAB_PANIC};
use crate::tables::NetCx;
use std::mem::size_of;

/// `IP_DF`, `IP_MF`, `IP_OFFSET` (frag_off bits, host order).
pub const IP_DF: u16 = 0x4000;
pub const IP_MF: u16 = 0x2000;
pub const IP_OFFSET: u16 = 0x1fff;
/// The largest IPv4 datagram.
pub const IP_MAX_MTU: usize = 0xffff;
/// `IP_PMTUDISC_*` (include/uapi/linux/in.h): `IP_MTU_DISCOVER` values.
/// `DONT`: never set `DF`; `WANT`: set it on datagrams that fit the path
/// (fragment the others); `DO`: always set it (`EMSGSIZE` above the MTU);
/// `PROBE`: set it, ignoring the path MTU; `INTERFACE`, `OMIT`: the
/// device's MTU, `DF` not set (`OMIT` fragments beyond it).
pub const IP_PMTUDISC_DONT: u8 = 0;
pub const IP_PMTUDISC_WANT: u8 = 1;
pub const IP_PMTUDISC_DO: u8 = 2;
pub const IP_PMTUDISC_PROBE: u8 = 3;
pub const IP_PMTUDISC_INTERFACE: u8 = 4;
pub const IP_PMTUDISC_OMIT: u8 = 5;
/// `sizeof(struct iphdr)` without options.
pub const IPV4_HLEN: usize = 20;

/// What goes in the IP header of a locally generated datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpParams {
    pub saddr: u32,
    pub daddr: u32,
    pub protocol: u8,
    /// `None`: the namespace's `ip_default_ttl`.
    pub ttl: Option<u8>,
    pub tos: u8,
    /// Set `IP_DF` ([`ip_sk_df`]).
    pub df: bool,
    /// Fragment to the path MTU, not the device's (`ip_sk_use_pmtu`: the
    /// socket's `IP_MTU_DISCOVER` below `IP_PMTUDISC_PROBE`).
    pub use_pmtu: bool,
}

/// `ip_sk_use_pmtu(sk)`: sockets below `IP_PMTUDISC_PROBE` follow the
/// path MTU; `PROBE`, `INTERFACE` and `OMIT` the device's.
#[inline]
pub fn ip_sk_use_pmtu(pmtudisc: u8) -> bool {
    pmtudisc < IP_PMTUDISC_PROBE
}

/// The MTU a socket's datagram to `daddr` on `rt` is sized against
/// (`__ip_append_data`'s `fragsize`): the path MTU ([`ipv4_mtu`]) if
/// [`ip_sk_use_pmtu`], else the device's; and whether the path MTU is
/// locked. `ENODEV` if the device is gone.
pub fn ip_sk_mtu<S: InetSpec>(cx: &NetCx<'_, S>, rt: &Route, daddr: u32, pmtudisc: u8) -> Result<(usize, bool), Errno> {
    if ip_sk_use_pmtu(pmtudisc) {
        return ipv4_mtu(cx, rt, daddr);
    }
    Ok((ip_dev_mtu(cx, rt)?, false))
}

/// `rt->dst.dev->mtu`: the MTU of the route's device. `ENODEV` if it is
/// gone.
pub fn ip_dev_mtu<S: InetSpec>(cx: &NetCx<'_, S>, rt: &Route) -> Result<usize, Errno> {
    Ok(cx.state::<NetDevTables>()?.get_by_index(rt.ifindex).ok_or(Errno::ENODEV)?.mtu as usize)
}

/// Whether a datagram of `tot_len` bytes (IP header included) from a
/// socket with `inet->pmtudisc` = `pmtudisc` gets `DF`, on a route of
/// MTU `mtu`: `__ip_append_data`'s check, `EMSGSIZE` above the MTU unless
/// the socket lets it be fragmented (`ip_sk_ignore_df`: below
/// `IP_PMTUDISC_DO`, or `IP_PMTUDISC_OMIT`), then `__ip_make_skb`'s rule:
/// `DF` for `DO` and `PROBE`, and for `WANT` when it fits and the path
/// MTU is not `locked` (`ip_dont_fragment`).
pub fn ip_sk_df(pmtudisc: u8, tot_len: usize, mtu: usize, locked: bool) -> Result<bool, Errno> {
    let ignore_df = pmtudisc < IP_PMTUDISC_DO || pmtudisc == IP_PMTUDISC_OMIT;
    if tot_len > mtu && !ignore_df {
        return Err(Errno::EMSGSIZE);
    }
    Ok(matches!(pmtudisc, IP_PMTUDISC_DO | IP_PMTUDISC_PROBE)
        || (tot_len <= mtu && pmtudisc == IP_PMTUDISC_WANT && !locked))
}

/// `ip_select_ident`: the next identification of the namespace
/// ([`Ipv4Net::select_ident`]).
pub fn ip_select_ident<S: InetSpec>(cx: &mut NetCx<'_, S>) -> u16 {
    cx.state_mut::<Ipv4Net>().map_or(0, Ipv4Net::select_ident)
}

/// `ip_build_and_send_pkt` / `ip_push_pending_frames` for a datagram whose
/// transport header and payload `skb` holds (`data` at the transport
/// header): pushes a 20-byte header with `p`'s fields, the next
/// identification and the checksum, and sends it on `rt`
/// ([`ip_local_out`]). `EMSGSIZE` above 65535 bytes.
pub fn ip_build_and_send<S: InetSpec>(
    cx: &mut NetCx<'_, S>,
    mut skb: SkBuff,
    rt: &Route,
    p: IpParams,
) -> Result<(), Errno> {
    let tot_len = skb.len() + IPV4_HLEN;
    if tot_len > IP_MAX_MTU {
        return Err(Errno::EMSGSIZE);
    }
    // The namespace's settings once: its TTL and the next identification
    // (`ip_select_ident`).
    let (ttl, id) = match cx.state_mut::<Ipv4Net>() {
        Ok(n) => (p.ttl.unwrap_or(n.default_ttl()), n.select_ident()),
        Err(_) => (p.ttl.unwrap_or(super::netns_ipv4::IPDEFTTL), 0),
    };
    skb.reset_transport_header();
    let h = skb.push(IPV4_HLEN);
    if h.len() == IPV4_HLEN {
        h[0] = 0x45;
        h[1] = p.tos;
        h[2..4].copy_from_slice(&(tot_len as u16).to_be_bytes());
        h[4..6].copy_from_slice(&id.to_be_bytes());
        h[6..8].copy_from_slice(&(if p.df { IP_DF } else { 0 }).to_be_bytes());
        h[8] = ttl;
        h[9] = p.protocol;
        h[10..12].fill(0);
        h[12..16].copy_from_slice(&p.saddr.to_be_bytes());
        h[16..20].copy_from_slice(&p.daddr.to_be_bytes());
        let c = ip_fast_csum(h);
        h[10..12].copy_from_slice(&c.to_be_bytes());
    }
    skb.reset_network_header();
    ip_local_out(cx, skb, rt, p.use_pmtu)
}

/// `NF_HOOK(NFPROTO_IPV4, hook, ..)` on a locally generated datagram: with
/// no hook at `hook` (one bit of `nf`) the skb comes straight back (`Ok`);
/// the hooks run out of line ([`nf_hook_out_slow`]).
#[inline(always)]
fn nf_hook_out<S: InetSpec>(
    cx: &mut NetCx<'_, S>,
    nf: NfHooksNeeded,
    hook: NfInetHook,
    skb: SkBuff,
    outdev: i32,
) -> Result<SkBuff, Result<(), Errno>> {
    if nf.at(hook) {
        nf_hook_out_slow(cx, nf, hook, skb, outdev)
    } else {
        Ok(skb)
    }
}

/// The hooks at `hook` on a locally generated datagram; `Err` is what the
/// send returns: a hook's drop is counted in `OutDiscards` and its errno
/// returned (`ip_send_skb`); a steal is, for the sender, a datagram sent.
#[cold]
#[inline(never)]
fn nf_hook_out_slow<S: InetSpec>(
    cx: &mut NetCx<'_, S>,
    nf: NfHooksNeeded,
    hook: NfInetHook,
    skb: SkBuff,
    outdev: i32,
) -> Result<SkBuff, Result<(), Errno>> {
    match nf_hook(cx, nf, hook, skb, 0, outdev) {
        NfHookResult::Accept(skb) => Ok(skb),
        NfHookResult::Drop(e) => {
            cx.mib_inc(IpMib::OutDiscards);
            Err(Err(e))
        }
        NfHookResult::Stolen => Err(Ok(())),
    }
}

/// `ip_local_out` → `ip_output` → `ip_finish_output2`: `skb` is a complete
/// IP datagram (`data` at its header). The netfilter hooks at
/// `NF_INET_LOCAL_OUT` run first (`__ip_local_out`), then this counts `OutRequests`/`OutOctets`
/// (and the broadcast/multicast ones), runs the hooks at
/// `NF_INET_POST_ROUTING` (`ip_output`), and sends it
/// ([`ip_finish_output2`]), in fragments if it is larger than the device
/// MTU (`ip_finish_output` → [`ip_fragment`]): the path MTU to its
/// destination if `use_pmtu`, else the device's (`ip_skb_dst_mtu`).
pub fn ip_local_out<S: InetSpec>(cx: &mut NetCx<'_, S>, skb: SkBuff, rt: &Route, use_pmtu: bool) -> Result<(), Errno> {
    let nf = nf_hooks_needed(cx);
    let skb = match nf_hook_out(cx, nf, NfInetHook::LocalOut, skb, rt.ifindex) {
        Ok(skb) => skb,
        Err(sent) => return sent,
    };
    let len = skb.len() as u64;
    if let Some(mut mib) = cx.mib_row() {
        mib.inc(IpMib::OutPkts);
        mib.add(IpMib::OutOctets, len);
        match rt.kind {
            RouteKind::Broadcast => {
                mib.inc(IpMib::OutBcastPkts);
                mib.add(IpMib::OutBcastOctets, len);
            }
            RouteKind::Multicast => {
                mib.inc(IpMib::OutMcastPkts);
                mib.add(IpMib::OutMcastOctets, len);
            }
            _ => {}
        }
    }
    let skb = match nf_hook_out(cx, nf, NfInetHook::PostRouting, skb, rt.ifindex) {
        Ok(skb) => skb,
        Err(sent) => return sent,
    };
    let (mut mtu, mac, loopback) = {
        let dev = cx.state::<NetDevTables>()?.get_by_index(rt.ifindex).ok_or(Errno::ENODEV)?;
        (dev.mtu as usize, dev.dev_addr, dev.flags & IFF_LOOPBACK != 0)
    };
    if use_pmtu && !loopback {
        if let Some(d) = skb.data().get(16..20) {
            let daddr = u32::from_be_bytes([d[0], d[1], d[2], d[3]]);
            if cx.state::<Ipv4Net>().is_ok_and(|n| !n.rt_pmtu.is_empty()) {
                mtu = ipv4_mtu(cx, rt, daddr)?.0;
            }
        }
    }
    let out = L2Out { rt, mac, loopback };
    if skb.len() > mtu {
        return ip_fragment(cx, skb, mtu, &out);
    }
    ip_finish_output2(cx, skb, &out)
}

/// Where [`ip_finish_output2`] sends: the route, the device's address and
/// whether it is `lo`.
struct L2Out<'r> {
    rt: &'r Route,
    mac: [u8; 6],
    loopback: bool,
}

/// `ip_finish_output2(net, sk, skb)`: pushes the Ethernet header and
/// sends: through `lo` for a local route, to the broadcast or multicast
/// MAC address, else through the neighbour (ARP) to `nexthop`. A transmit
/// failure is counted in `OutDiscards`.
#[inline(always)] // ip_local_out's tail, as before fragmentation existed
fn ip_finish_output2<S: InetSpec>(cx: &mut NetCx<'_, S>, mut skb: SkBuff, out: &L2Out<'_>) -> Result<(), Errno> {
    let (rt, mac) = (out.rt, out.mac);
    skb.protocol = ETH_P_IP;
    skb.ifindex = rt.ifindex;
    let r = if out.loopback {
        eth_header(&mut skb, &[0; 6], &mac, ETH_P_IP);
        dev_queue_xmit(cx, skb)
    } else {
        match rt.kind {
            RouteKind::Broadcast => {
                eth_header(&mut skb, &ETH_BROADCAST, &mac, ETH_P_IP);
                dev_queue_xmit(cx, skb)
            }
            RouteKind::Multicast => {
                eth_header(&mut skb, &ip_eth_mc_map(rt.nexthop), &mac, ETH_P_IP);
                dev_queue_xmit(cx, skb)
            }
            RouteKind::Local | RouteKind::Unicast => {
                eth_header(&mut skb, &[0; 6], &mac, ETH_P_IP);
                neigh_output(cx, rt.ifindex, rt.nexthop, skb)
            }
        }
    };
    if r.is_err() {
        cx.mib_inc(IpMib::OutDiscards);
    }
    r
}

/// `ip_fragment(net, sk, skb, mtu, output)`: a datagram larger than `mtu`
/// with `DF` set is `FragFails` and `EMSGSIZE` (Linux also sends the
/// source an ICMP fragmentation needed; the source is this host, which
/// keeps no path MTU yet, so none is sent); otherwise `ip_do_fragment`.
#[inline(never)] // off the path of datagrams that fit
fn ip_fragment<S: InetSpec>(cx: &mut NetCx<'_, S>, skb: SkBuff, mtu: usize, out: &L2Out<'_>) -> Result<(), Errno> {
    match Iphdr::parse(skb.data()) {
        Some(iph) if iph.frag_off & IP_DF == 0 && iph.ihl >= IPV4_HLEN && iph.ihl <= skb.len() => {
            ip_do_fragment(cx, &skb, &iph, mtu, out)
        }
        _ => {
            cx.mib_inc(IpMib::FragFails);
            Err(Errno::EMSGSIZE)
        }
    }
}

/// `ip_do_fragment(net, sk, skb, output)` (its slow path, which copies):
/// the payload cut in pieces of `mtu - ihl` rounded down to 8 bytes, each
/// behind a copy of the header with its offset, `MF` on all but the last
/// (and on the last if the datagram was itself a non-final fragment), its
/// length and checksum, sent in order ([`ip_finish_output2`];
/// `FragCreates` each). `FragOKs` when all went, else `FragFails` and the
/// first error. Options are copied whole into every fragment
/// (`ip_options_fragment` is not built; only `IP_HDRINCL` datagrams carry
/// options, and those are never fragmented: `raw_send_hdrinc` refuses
/// them above the MTU).
fn ip_do_fragment<S: InetSpec>(
    cx: &mut NetCx<'_, S>,
    skb: &SkBuff,
    iph: &Iphdr,
    mtu: usize,
    out: &L2Out<'_>,
) -> Result<(), Errno> {
    let hlen = iph.ihl;
    let d = skb.data();
    let (hdr, payload) = d.split_at(hlen);
    let room = mtu.saturating_sub(hlen) & !7;
    if room < 8 {
        cx.mib_inc(IpMib::FragFails);
        return Err(Errno::EMSGSIZE);
    }
    let base = usize::from(iph.frag_off & IP_OFFSET) << 3;
    let not_last = iph.frag_off & IP_MF;
    let mut off = 0;
    while off < payload.len() {
        let len = room.min(payload.len() - off);
        let more = off + len < payload.len();
        let mut f = SkBuff::alloc(MAX_HEADER, hlen + len);
        {
            let b = f.data_mut();
            b[..hlen].copy_from_slice(hdr);
            b[hlen..].copy_from_slice(&payload[off..off + len]);
            b[2..4].copy_from_slice(&((hlen + len) as u16).to_be_bytes());
            let fo = (((base + off) >> 3) as u16 & IP_OFFSET) | if more { IP_MF } else { not_last };
            b[6..8].copy_from_slice(&fo.to_be_bytes());
            b[10..12].fill(0);
            let c = ip_fast_csum(&b[..hlen]);
            b[10..12].copy_from_slice(&c.to_be_bytes());
        }
        f.reset_network_header();
        if let Err(e) = ip_finish_output2(cx, f, out) {
            cx.mib_inc(IpMib::FragFails);
            return Err(e);
        }
        cx.mib_inc(IpMib::FragCreates);
        off += len;
    }
    cx.mib_inc(IpMib::FragOKs);
    Ok(())
}

/// `struct rtable`: a cached IPv4 route, as far as its size goes.
#[allow(dead_code)] // only sizes ip_dst_cache until routing exists
struct Rtable {
    dst_ifindex: i32,
    rt_gateway: [u8; 4],
    rt_pmtu: u32,
    rt_flags: u32,
    rt_type: u16,
}

/// `struct inet_peer`: long-lived per-peer IPv4 state (IP id, ICMP rate).
#[allow(dead_code)] // only sizes inet_peer_cache until peers exist
struct InetPeer {
    daddr: [u8; 4],
    rate_tokens: u32,
    rate_last: u64,
}

/// The caches `ip_init` creates for the receive path behind
/// `ip_packet_type` (resource `IpPacketType`; the packet type itself is
/// the spec's, registered after `inet_init`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpPacketTypeState {
    /// `ipv4_dst_ops.kmem_cachep`, "ip_dst_cache" (`ip_rt_init`).
    pub ip_dst_cache: KmemCache,
    /// `peer_cachep`, "inet_peer_cache" (`inet_initpeers`).
    pub inet_peer_cache: KmemCache,
}

/// `ip_init()` (net/ipv4/ip_output.c): `ip_rt_init` (the dst cache),
/// `inet_initpeers` (the peer cache); `igmp_mc_init`'s pernet
/// `igmp_net_ops` is the spec's, registered when `inet_init` returns.
/// Returns the caches.
pub(crate) fn ip_init() -> Result<(KmemCache, KmemCache), Errno> {
    let flags = SLAB_HWCACHE_ALIGN | SLAB_PANIC;
    let ip_dst_cache = KmemCache::create("ip_dst_cache", size_of::<Rtable>(), 0, flags)?;
    let inet_peer_cache = KmemCache::create("inet_peer_cache", size_of::<InetPeer>(), 0, flags)?;
    Ok((ip_dst_cache, inet_peer_cache))
}
