//! IPv4 output (net/ipv4/ip_output.c): build the header, run the netfilter
//! hooks at LOCAL_OUT, count, run those at POST_ROUTING, pick the
//! link-layer destination (loopback, broadcast, multicast, or ARP) and
//! hand the frame to the device. Datagrams larger than the device MTU are
//! refused with `EMSGSIZE` (fragmentation is not built).

use super::arp::neigh_output;
use super::mib::IpMib;
use super::netns_ipv4::Ipv4Net;
use super::route::{Route, RouteKind};
use super::InetSpec;
use crate::checksum::ip_fast_csum;
use crate::dev::{dev_queue_xmit, NetDevTables, ETH_P_IP, IFF_LOOPBACK};
use crate::errno::Errno;
use crate::ethernet::{eth_header, ip_eth_mc_map, ETH_BROADCAST};
use crate::netfilter::{nf_hook, nf_hooks_needed, NfHookResult, NfHooksNeeded, NfInetHook};
use crate::skbuff::SkBuff;
use crate::slab::{KmemCache, SLAB_HWCACHE_ALIGN, SLAB_PANIC};
use crate::tables::NetCx;
use std::mem::size_of;

/// `IP_DF`, `IP_MF`, `IP_OFFSET` (frag_off bits, host order).
pub const IP_DF: u16 = 0x4000;
pub const IP_MF: u16 = 0x2000;
pub const IP_OFFSET: u16 = 0x1fff;
/// The largest IPv4 datagram.
pub const IP_MAX_MTU: usize = 0xffff;
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
    /// Set `IP_DF` (path MTU discovery, `IP_PMTUDISC_WANT`).
    pub df: bool,
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
    ip_local_out(cx, skb, rt)
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
/// `NF_INET_POST_ROUTING` (`ip_output`), checks the device MTU (`EMSGSIZE`,
/// `FragFails`: fragmentation is not built), pushes the Ethernet header
/// and sends: through `lo` for a local route, to the broadcast or
/// multicast MAC address, else through the neighbour (ARP) to `nexthop`.
/// A transmit failure is counted in `OutDiscards`.
pub fn ip_local_out<S: InetSpec>(cx: &mut NetCx<'_, S>, skb: SkBuff, rt: &Route) -> Result<(), Errno> {
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
    let mut skb = match nf_hook_out(cx, nf, NfInetHook::PostRouting, skb, rt.ifindex) {
        Ok(skb) => skb,
        Err(sent) => return sent,
    };
    let (mtu, mac, loopback) = {
        let dev = cx.state::<NetDevTables>()?.get_by_index(rt.ifindex).ok_or(Errno::ENODEV)?;
        (dev.mtu as usize, dev.dev_addr, dev.flags & IFF_LOOPBACK != 0)
    };
    if skb.len() > mtu {
        cx.mib_inc(IpMib::FragFails);
        return Err(Errno::EMSGSIZE);
    }
    skb.protocol = ETH_P_IP;
    skb.ifindex = rt.ifindex;
    let r = if loopback {
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
