//! ICMP (net/ipv4/icmp.c, Linux 6.0): `icmp_rcv` and its handlers (echo,
//! timestamp, errors handed to the protocol that sent the quoted
//! datagram), `icmp_send` for the errors this host generates, and the
//! errno an error means to a socket (`icmp_err_convert`).
//!
//! Not built: rate limiting (`icmp_ratelimit`, `icmp_global_allow`),
//! redirects and path MTU updates (both are accepted and ignored), and
//! `IP_RECVERR` error queues (errors only set `sk_err`).

use super::hdr::*;
use super::ip_output::{ip_build_and_send, IpParams, IP_OFFSET};
use super::mib::{ExtMib, IcmpMib};
use super::netns_ipv4::Ipv4Net;
use super::ping::{ping_err, ping_rcv};
use super::route::ip_route_output_cx;
use super::InetSpec;
use super::IPPROTO_ICMP;
use crate::checksum::{csum_fold, csum_partial};
use crate::dev::NetDevTables;
use crate::errno::Errno;
use crate::skbuff::{SkBuff, MAX_HEADER, PACKET_HOST, RTCF_BROADCAST, RTCF_LOCAL, RTCF_MULTICAST};
use crate::tables::{Entry, NetCx, NetRx};

fn in_error<S: InetSpec>(cx: &mut NetCx<'_, S>) -> NetRx {
    cx.mib_inc(IcmpMib::InErrors);
    NetRx::Drop
}

/// A message handled that no other counter ends: `IcmpInConsumed`.
fn consumed<S: InetSpec>(cx: &mut NetCx<'_, S>) -> bool {
    cx.mib_inc(ExtMib::IcmpInConsumed);
    true
}

/// A message a handler cannot read (shorter than it needs): `InErrors`.
fn bad<S: InetSpec>(cx: &mut NetCx<'_, S>) -> bool {
    cx.mib_inc(IcmpMib::InErrors);
    false
}

/// `icmp_rcv(skb)` (the spec's `icmp_protocol` handler), `data` at the
/// ICMP header: `InMsgs`; a bad checksum is `InCsumErrors` + `InErrors`,
/// a message shorter than its header or of a type above 18 `InErrors`;
/// the per-type `In*` counter; a broadcast or multicast echo or timestamp
/// request is ignored when `icmp_echo_ignore_broadcasts` (`InErrors`), as
/// is any other type so addressed but address mask messages. Then the
/// type's handler: echo reply → ping sockets, echo → [`icmp_echo`],
/// timestamp → [`icmp_timestamp`], errors → [`icmp_unreach`], the others
/// discarded (`icmp_discard`, counted `IcmpInConsumed`). Every message
/// ends under one counter: a drop, a socket's queue, or one the handler
/// counts when it consumes the message (`IcmpInConsumed`,
/// `IcmpEchoIgnored`).
pub fn icmp_rcv<S: InetSpec>(cx: &mut NetCx<'_, S>, skb: SkBuff) -> NetRx {
    cx.mib_inc(IcmpMib::InMsgs);
    if csum_fold(csum_partial(skb.data(), 0)) != 0 {
        cx.mib_inc(IcmpMib::CsumErrors);
        return in_error(cx);
    }
    let Some(&type_) = skb.data().first() else { return in_error(cx) };
    if skb.len() < ICMP_HLEN {
        return in_error(cx);
    }
    if let Some(c) = IcmpMib::msg_in(type_) {
        cx.mib_inc(c);
    }
    if type_ > NR_ICMP_TYPES {
        return in_error(cx);
    }
    if skb.rt_flags & (RTCF_BROADCAST | RTCF_MULTICAST) != 0 {
        let ignore = cx.state::<Ipv4Net>().map_or(true, |n| n.sysctl_icmp_echo_ignore_broadcasts);
        if (type_ == ICMP_ECHO || type_ == ICMP_TIMESTAMP) && ignore {
            return in_error(cx);
        }
        if !matches!(type_, ICMP_ECHO | ICMP_TIMESTAMP | ICMP_ADDRESS | ICMP_ADDRESSREPLY) {
            return in_error(cx);
        }
    }
    let ok = match type_ {
        ICMP_ECHOREPLY => ping_rcv(cx, skb),
        ICMP_DEST_UNREACH | ICMP_SOURCE_QUENCH | ICMP_TIME_EXCEEDED | ICMP_PARAMETERPROB | ICMP_REDIRECT => {
            icmp_unreach(cx, skb)
        }
        ICMP_ECHO => icmp_echo(cx, skb),
        ICMP_TIMESTAMP => icmp_timestamp(cx, skb),
        _ => consumed(cx),
    };
    if ok {
        NetRx::Success
    } else {
        NetRx::Drop
    }
}

/// `icmp_unreach(skb)` → `icmp_socket_deliver(skb, info)`: the quoted
/// header must be a whole IPv4 header (else `InErrors`) followed by 8
/// bytes of its transport header (else `InErrors`, ignored); then
/// `inet_protos[protocol]->err_handler(skb, info)` with `data` at the
/// quoted IP header and `info = mtu << 16 | type << 8 | code` (`mtu`: the
/// next-hop MTU of a fragmentation needed, as `icmp_unreach` reads it per
/// `ip_no_pmtu_disc`; else 0). Redirects are accepted
/// and ignored. An error the protocol takes (or that no protocol has a
/// handler for) is `IcmpInConsumed`; one it refuses it counts itself.
pub fn icmp_unreach<S: InetSpec>(cx: &mut NetCx<'_, S>, mut skb: SkBuff) -> bool {
    let (type_, code) = match skb.data() {
        [t, c, ..] => (*t, *c),
        _ => return bad(cx),
    };
    if type_ == ICMP_REDIRECT {
        return consumed(cx);
    }
    // Path MTU discovery: the next hop's MTU travels in the upper bits of
    // `info` when `ip_no_pmtu_disc` is 0; 2 and 3 ignore the message (no
    // protocol here asks for strict tag validation); 1 passes 0.
    let mut mtu = 0;
    if type_ == ICMP_DEST_UNREACH && code & 15 == ICMP_FRAG_NEEDED {
        match cx.state::<Ipv4Net>().map_or(0, |n| n.sysctl_ip_no_pmtu_disc) {
            0 => mtu = skb.data().get(6..8).map_or(0, |m| u32::from(u16::from_be_bytes([m[0], m[1]]))),
            2 | 3 => return consumed(cx),
            _ => {}
        }
    }
    skb.pull(ICMP_HLEN);
    let Some(inner) = Iphdr::parse(skb.data()) else {
        cx.mib_inc(IcmpMib::InErrors);
        return false;
    };
    if inner.ihl < 20 {
        cx.mib_inc(IcmpMib::InErrors);
        return false;
    }
    if skb.len() < inner.ihl + 8 {
        cx.mib_inc(IcmpMib::InErrors);
        return true;
    }
    let info = (mtu << 16) | (u32::from(type_) << 8) | u32::from(code);
    let Ok(inet_protos) = cx.kernel_state::<super::InetProtosState<S>>() else { return consumed(cx) };
    // Held across the call: the handler is not removed while it runs.
    let protos = inet_protos.load();
    let taken = match protos.get(inner.protocol).and_then(|p| p.err_entry) {
        Some(Entry::Spec(i)) => S::inet_protocol_err(i, cx, &skb, info).is_ok(),
        Some(Entry::Fn(f, _)) => f(cx, &skb, info).is_ok(),
        None => true,
    };
    if taken {
        consumed(cx);
    }
    true
}

/// `icmp_err(skb, info)` (the spec's `icmp_protocol` error handler): an
/// error quoting an ICMP message this host sent; unless that was an echo
/// reply it goes to the ping socket (`ping_err`).
pub fn icmp_err<S: InetSpec>(cx: &mut NetCx<'_, S>, skb: &SkBuff, info: u32) -> Result<(), Errno> {
    let Some(inner_type) = Iphdr::parse(skb.data()).and_then(|iph| skb.data().get(iph.ihl).copied()) else {
        cx.mib_inc(IcmpMib::InErrors);
        return Err(Errno::EINVAL);
    };
    if inner_type != ICMP_ECHOREPLY {
        ping_err(cx, skb, info);
    }
    Ok(())
}

/// `icmp_echo(skb)` → `icmp_reply`: answers an echo request, unless
/// `icmp_echo_ignore_all` (counted `IcmpEchoIgnored`). The request's
/// buffer becomes the reply: type 0, checksum redone, a new IP header to
/// the sender from the address it was sent to (the device's for a
/// broadcast), no allocation.
pub fn icmp_echo<S: InetSpec>(cx: &mut NetCx<'_, S>, mut skb: SkBuff) -> bool {
    if cx.state::<Ipv4Net>().is_ok_and(|n| n.sysctl_icmp_echo_ignore_all) {
        cx.mib_inc(ExtMib::IcmpEchoIgnored);
        return true;
    }
    let Some(iph) = Iphdr::parse(skb.network_header()) else { return bad(cx) };
    if let Some(t) = skb.data_mut().first_mut() {
        *t = ICMP_ECHOREPLY;
    }
    icmp_set_csum(skb.data_mut());
    icmp_reply(cx, skb, &iph, ICMP_ECHOREPLY)
}

/// `icmp_reply(icmp_param, skb)`: sends the ICMP message `skb` holds
/// (`data` at it) back to the sender of `iph`. The request is consumed
/// (`IcmpInConsumed`) whether or not the answer could be sent (`OutErrors`).
fn icmp_reply<S: InetSpec>(cx: &mut NetCx<'_, S>, mut skb: SkBuff, iph: &Iphdr, type_: u8) -> bool {
    consumed(cx);
    let unicast = skb.rt_flags & RTCF_LOCAL != 0 && skb.rt_flags & (RTCF_BROADCAST | RTCF_MULTICAST) == 0;
    let saddr = if unicast { iph.daddr } else { 0 };
    let rt = match ip_route_output_cx(cx, iph.saddr, saddr, 0) {
        Ok(rt) => rt,
        Err(_) => {
            cx.mib_inc(IcmpMib::OutErrors);
            return true;
        }
    };
    skb.rt_flags = 0;
    skb.pkt_type = PACKET_HOST;
    icmp_out_count(cx, type_);
    let p = IpParams {
        saddr: rt.saddr,
        daddr: iph.saddr,
        protocol: IPPROTO_ICMP,
        ttl: None,
        tos: iph.tos,
        df: false,
        use_pmtu: true,
    };
    if ip_build_and_send(cx, skb, &rt, p).is_err() {
        cx.mib_inc(IcmpMib::OutErrors);
    }
    true
}

/// `inet_current_timestamp()`: milliseconds since midnight UT.
fn inet_current_timestamp() -> u32 {
    let ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis());
    (ms % 86_400_000) as u32
}

/// `icmp_timestamp(skb)`: answers a timestamp request (at least the
/// 4-byte originate timestamp after the header, else `InErrors`) with
/// the originate time and the current time as receive and transmit times.
pub fn icmp_timestamp<S: InetSpec>(cx: &mut NetCx<'_, S>, skb: SkBuff) -> bool {
    let d = skb.data();
    let Some(orig) = d.get(ICMP_HLEN..ICMP_HLEN + 4) else { return bad(cx) };
    let Some(iph) = Iphdr::parse(skb.network_header()) else { return bad(cx) };
    let now = inet_current_timestamp().to_be_bytes();
    let mut m = [0u8; ICMP_HLEN + 12];
    m[..ICMP_HLEN].copy_from_slice(&d[..ICMP_HLEN]);
    m[0] = ICMP_TIMESTAMPREPLY;
    m[1] = 0;
    m[8..12].copy_from_slice(orig);
    m[12..16].copy_from_slice(&now);
    m[16..20].copy_from_slice(&now);
    icmp_set_csum(&mut m);
    let mut reply = SkBuff::with_payload(MAX_HEADER, &m);
    reply.rt_flags = skb.rt_flags;
    icmp_reply(cx, reply, &iph, ICMP_TIMESTAMPREPLY)
}

/// `__icmp_send(skb_in, type, code, info)`: sends an ICMP error about
/// `skb_in` (its network header is the offending datagram) to its
/// source. Nothing is sent for a datagram not addressed to this host's
/// MAC address (`pkt_type != PACKET_HOST`), a broadcast or multicast, a
/// fragment other than the first, or an ICMP error (RFC 1122 3.2.2). The
/// error quotes as much of the datagram as fits in 576 bytes; it comes
/// from the address the datagram was sent to (if local) and carries
/// `info` in its second word.
pub fn icmp_send<S: InetSpec>(cx: &mut NetCx<'_, S>, skb_in: &SkBuff, type_: u8, code: u8, info: u32) {
    let nh = skb_in.network_header();
    let Some(iph) = Iphdr::parse(nh) else { return };
    if skb_in.pkt_type != PACKET_HOST || skb_in.rt_flags & (RTCF_BROADCAST | RTCF_MULTICAST) != 0 {
        return;
    }
    if iph.frag_off & IP_OFFSET != 0 {
        return;
    }
    if icmp_is_error(type_) && iph.protocol == IPPROTO_ICMP {
        match nh.get(iph.ihl) {
            Some(&t) if t <= NR_ICMP_TYPES && !icmp_is_error(t) => {}
            _ => return,
        }
    }
    let saddr = if skb_in.rt_flags & RTCF_LOCAL != 0 { iph.daddr } else { 0 };
    let rt = match ip_route_output_cx(cx, iph.saddr, saddr, 0) {
        Ok(rt) => rt,
        Err(_) => {
            cx.mib_inc(IcmpMib::OutErrors);
            return;
        }
    };
    let mtu = cx.state::<NetDevTables>().ok().and_then(|t| t.get_by_index(rt.ifindex)).map_or(576, |d| d.mtu as usize);
    let room = mtu.min(576).saturating_sub(20 + ICMP_HLEN);
    let quoted = &nh[..nh.len().min(room)];
    let mut skb = SkBuff::alloc(MAX_HEADER, ICMP_HLEN + quoted.len());
    let m = skb.data_mut();
    m[0] = type_;
    m[1] = code;
    m[4..8].copy_from_slice(&info.to_be_bytes());
    m[ICMP_HLEN..].copy_from_slice(quoted);
    icmp_set_csum(m);
    icmp_out_count(cx, type_);
    let tos = (iph.tos & 0x1e) | 0xc0;
    let p = IpParams {
        saddr: rt.saddr,
        daddr: iph.saddr,
        protocol: IPPROTO_ICMP,
        ttl: None,
        tos,
        df: false,
        use_pmtu: true,
    };
    if ip_build_and_send(cx, skb, &rt, p).is_err() {
        cx.mib_inc(IcmpMib::OutErrors);
    }
}
