//! IPv4 input (net/ipv4/ip_input.c): `ip_rcv` validates the header as
//! `ip_rcv_core` does, routes (`ip_route_input_noref`), and delivers
//! locally: raw sockets first, then the `inet_protos` handler.
//!
//! Not built: forwarding (a datagram for another host is dropped and
//! counted in `InAddrErrors`, as Linux does with forwarding off),
//! reassembly (a fragment, `MF` set or a non-zero offset, is dropped and
//! counted in `ReasmReqds` and `ReasmFails`), and IP options processing
//! (options, `ihl > 5`, are accepted and skipped).

use super::hdr::{Iphdr, ICMP_DEST_UNREACH, ICMP_PROT_UNREACH};
use super::icmp::icmp_send;
use super::ip_output::{IP_MF, IP_OFFSET};
use super::mib::IpMib;
use super::raw::raw_local_deliver;
use super::route::ip_route_input;
use super::InetSpec;
use crate::checksum::ip_fast_csum;
use crate::dev::rx::count_drop;
use crate::dev::NetDevTables;
use crate::skbuff::{SkBuff, PACKET_OTHERHOST, RTCF_BROADCAST, RTCF_MULTICAST};
use crate::sock::sk::Sockets;
use crate::tables::{NetCx, NetRx};

#[inline]
fn drop<S: InetSpec>(cx: &mut NetCx<'_, S>, c: IpMib) -> NetRx {
    cx.mib_inc(c);
    NetRx::Drop
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
/// * routing: martian or not for this host: `InAddrErrors`;
///   broadcast/multicast counted (`InBcastPkts`, `InMcastPkts`);
/// * then [`ip_local_deliver`].
#[inline]
pub fn ip_rcv<S: InetSpec>(cx: &mut NetCx<'_, S>, mut skb: SkBuff) -> NetRx {
    if skb.pkt_type == PACKET_OTHERHOST {
        count_drop(cx, skb.ifindex, |s| &mut s.rx_otherhost_dropped);
        return NetRx::Drop;
    }
    let len = skb.len();
    let d = skb.data();
    // The fixed header read once; `sane`: version 4, `ihl >= 5`.
    let iph = d.first_chunk::<20>().filter(|h| h[0] >> 4 == 4).map(Iphdr::from_array).filter(|h| h.ihl >= 20);
    if let Some(mut row) = cx.mib_row() {
        row.inc(IpMib::InPkts);
        row.add(IpMib::InOctets, len as u64);
        row.inc(match iph {
            Some(h) => match h.tos & 3 {
                0 => IpMib::NoEctPkts,
                1 => IpMib::Ect1Pkts,
                2 => IpMib::Ect0Pkts,
                _ => IpMib::CePkts,
            },
            None => IpMib::InHdrErrors,
        });
    }
    let Some(iph) = iph else { return NetRx::Drop };
    let Some(hdr) = d.get(..iph.ihl) else {
        return drop(cx, IpMib::InHdrErrors);
    };
    if ip_fast_csum(hdr) != 0 {
        cx.mib_inc(IpMib::CsumErrors);
        return drop(cx, IpMib::InHdrErrors);
    }
    if len < iph.tot_len {
        return drop(cx, IpMib::InTruncatedPkts);
    }
    if iph.tot_len < iph.ihl {
        return drop(cx, IpMib::InHdrErrors);
    }
    skb.trim(iph.tot_len);

    // ip_rcv_finish: the input route.
    let flags = match cx.state::<NetDevTables>() {
        Ok(devs) => match ip_route_input(devs, iph.daddr, iph.saddr, skb.ifindex) {
            Ok(f) => f,
            Err(_) => return drop(cx, IpMib::InAddrErrors),
        },
        Err(_) => return drop(cx, IpMib::InDiscards),
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
    ip_local_deliver(cx, skb, &iph)
}

/// `ip_local_deliver(skb)` + `ip_local_deliver_finish`: a fragment is
/// dropped (`ReasmReqds`, `ReasmFails`: reassembly is not built);
/// otherwise the header (options included) is pulled and the datagram
/// handed to [`ip_protocol_deliver`].
#[inline(always)] // one caller on the hot path: no second move of the skb
pub fn ip_local_deliver<S: InetSpec>(cx: &mut NetCx<'_, S>, mut skb: SkBuff, iph: &Iphdr) -> NetRx {
    if iph.frag_off & (IP_MF | IP_OFFSET) != 0 {
        cx.mib_inc(IpMib::ReasmReqds);
        return drop(cx, IpMib::ReasmFails);
    }
    skb.pull(iph.ihl);
    skb.reset_transport_header();
    ip_protocol_deliver(cx, skb, iph.protocol)
}

/// `ip_protocol_deliver_rcu(net, skb, protocol)`: raw sockets of the
/// protocol get a clone (`raw_local_deliver`); then `inet_protos[protocol]`
/// ([`super::InetProtosState::deliver`]: a byte load and the generated
/// `match` for a spec protocol, the function for a run-time one) and
/// `InDelivers`. With no handler: if a raw socket took
/// it, delivered (`InDelivers`); else `InUnknownProtos` and an ICMP
/// protocol unreachable.
#[inline(always)] // ip_rcv's tail: no call (and skb move) for it
pub fn ip_protocol_deliver<S: InetSpec>(cx: &mut NetCx<'_, S>, skb: SkBuff, protocol: u8) -> NetRx {
    let raw = cx.state::<Sockets<S>>().is_ok_and(|s| !s.raw_hash.is_empty()) && raw_local_deliver(cx, &skb, protocol);
    let Ok(inet_protos) = cx.kernel_state::<super::InetProtosState<S>>() else { return drop(cx, IpMib::InDiscards) };
    match inet_protos.deliver(cx, skb, protocol) {
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
