//! Raw IPv4 sockets (net/ipv4/raw.c): each gets a copy of every datagram
//! of its protocol addressed to it (the whole datagram, IP header
//! included), and sends datagrams of its protocol, building the IP header
//! unless `IP_HDRINCL`. The ICMP type filter (`ICMP_FILTER`) and the
//! delivery of ICMP errors to raw sockets (`raw_icmp_error`) are not built.

use super::af_inet::{bind_saddr, inet_addr_valid_or_nonlocal, sk_hash_into, sk_unhash_from, sockaddr_in};
use super::datagram::ip4_recv_datagram;
use super::hdr::{icmp_out_count, Iphdr};
use super::ip_output::{
    ip_build_and_send, ip_dev_mtu, ip_local_out, ip_select_ident, ip_sk_df, ip_sk_mtu, ip_sk_use_pmtu, IpParams,
    IPV4_HLEN,
};
use super::route::ip_route_output_dgram;
use super::InetSpec;
use super::IPPROTO_ICMP;
use crate::checksum::ip_fast_csum;
use crate::errno::Errno;
use crate::skbuff::{SkBuff, MAX_HEADER};
use crate::sock::sk::{sk, sk_common_release, Sockets, MSG_OOB, SEND_SHUTDOWN, TCP_CLOSE, TCP_ESTABLISHED};
use crate::tables::{Fd, NetCx, SockAddr};

/// `raw_sk_init(sk)` (`raw_prot.init`): no ICMP filter to clear here.
pub fn raw_sk_init<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd) -> Result<(), Errno> {
    sk(cx, fd).map(|_| ())
}

/// `raw_close(sk, timeout)` → `sk_common_release`.
pub fn raw_close<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd) {
    sk_common_release(cx, fd);
}

/// `raw_destroy(sk)`: nothing corked.
pub fn raw_destroy<S: InetSpec>(_cx: &mut NetCx<'_, S>, _fd: Fd) {}

/// `raw_bind(sk, uaddr, addr_len)`: `EINVAL` unless closed; the address
/// must be one a socket may bind (`EADDRNOTAVAIL`); it becomes the
/// receive address (and source, unless broadcast or multicast). There is
/// no port.
pub fn raw_bind<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd, addr: &SockAddr) -> Result<(), Errno> {
    if sk(cx, fd)?.state != TCP_CLOSE {
        return Err(Errno::EINVAL);
    }
    let (a, _) = sockaddr_in(addr).map_err(|_| Errno::EINVAL)?;
    if !inet_addr_valid_or_nonlocal(cx, a) {
        return Err(Errno::EADDRNOTAVAIL);
    }
    let s = sk(cx, fd)?;
    s.rcv_saddr = a;
    s.saddr = bind_saddr(a);
    Ok(())
}

/// `raw_hash_sk(sk)`: into `raw_v4_hashinfo` by protocol, counted in use.
pub fn raw_hash_sk<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd) -> Result<(), Errno> {
    let s = sk(cx, fd)?;
    if s.hashed {
        return Ok(());
    }
    let num = s.num;
    sk_hash_into(cx, fd, |t| &mut t.raw_hash, num)
}

/// `raw_unhash_sk(sk)`: out of `raw_v4_hashinfo`, no longer in use.
pub fn raw_unhash_sk<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd) {
    sk_unhash_from(cx, fd, |t| &mut t.raw_hash, |_| {});
}

/// `raw_local_deliver(skb, protocol)` → `raw_v4_input`: a clone of the
/// datagram (`data` back at its IP header) to every raw socket of
/// `protocol` whose peer, bound address and device match
/// (`raw_v4_match`); a full receive buffer drops it for that socket
/// (`sk_drops`). Returns whether any socket matched.
pub fn raw_local_deliver<S: InetSpec>(cx: &mut NetCx<'_, S>, skb: &mut SkBuff, protocol: u8) -> bool {
    let Some(iph) = Iphdr::parse(skb.network_header()) else { return false };
    let Ok(socks) = cx.state_mut::<Sockets<S>>() else { return false };
    let key = u16::from(protocol);
    let mut delivered = false;
    let n = socks.raw_hash.chain(key).len();
    for i in 0..n {
        let Some(&fd) = socks.raw_hash.chain(key).get(i) else { break };
        let Some(s) = socks.get_mut(fd) else { continue };
        if s.num != key
            || (s.daddr != 0 && s.daddr != iph.saddr)
            || (s.rcv_saddr != 0 && s.rcv_saddr != iph.daddr)
            || (s.bound_dev_if != 0 && s.bound_dev_if != skb.ifindex)
        {
            continue;
        }
        delivered = true;
        let mut c = skb.skb_clone();
        c.push_to_network_header();
        let _ = s.queue_rcv_skb(c);
    }
    delivered
}

/// `raw_sendmsg(sk, msg, len)`: to `to` (`AF_INET`; `AF_UNSPEC` read as
/// `AF_INET`) or the connected peer (`EDESTADDRREQ`); `EMSGSIZE` above
/// 65535, `EOPNOTSUPP` for `MSG_OOB`, a pending `sk_err`, `EPIPE` after
/// `shutdown(SHUT_WR)`, `ENETUNREACH`, `EACCES` for a broadcast without
/// `SO_BROADCAST`. With `IP_HDRINCL` the message is the datagram
/// (`raw_send_hdrinc`: a header of at least 20 bytes fitting the message,
/// else `EINVAL`; above the device MTU `EMSGSIZE`; above the path MTU
/// fragmented, or with `DF` refused by `ip_fragment`: `FragFails`,
/// `EMSGSIZE`; the source filled in if 0, the length, an
/// identification if 0, and the checksum are the kernel's); otherwise the
/// message is the payload of a datagram of the socket's protocol, `DF`
/// and `EMSGSIZE` as `IP_MTU_DISCOVER` says ([`ip_sk_df`]). ICMP
/// messages are counted (`icmp_out_count`).
pub fn raw_sendmsg<S: InetSpec>(
    cx: &mut NetCx<'_, S>,
    fd: Fd,
    msg: &[u8],
    to: Option<&SockAddr>,
    flags: i32,
) -> Result<usize, Errno> {
    if msg.len() > 0xffff {
        return Err(Errno::EMSGSIZE);
    }
    if flags & MSG_OOB != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    let s = sk(cx, fd)?;
    let daddr = match to {
        Some(a @ (SockAddr::Inet(_) | SockAddr::Unspec)) => sockaddr_in(a)?.0,
        Some(SockAddr::Packet { .. }) => return Err(Errno::EAFNOSUPPORT),
        None => {
            if s.state != TCP_ESTABLISHED {
                return Err(Errno::EDESTADDRREQ);
            }
            s.daddr
        }
    };
    s.sock_error()?;
    if s.shutdown & SEND_SHUTDOWN != 0 {
        return Err(Errno::EPIPE);
    }
    let (saddr, oif, bcast_ok, ttl, hdrincl, protocol, pmtudisc) =
        (s.saddr, s.bound_dev_if, s.broadcast, s.ttl, s.hdrincl, s.num as u8, s.pmtudisc);
    let rt = ip_route_output_dgram(cx, daddr, saddr, oif, bcast_ok)?;
    let (mtu, locked) = ip_sk_mtu(cx, &rt, daddr, pmtudisc)?;
    if hdrincl {
        let ihl = usize::from(msg.first().copied().unwrap_or(0) & 0xf) * 4;
        if msg.len() < IPV4_HLEN || ihl < IPV4_HLEN || ihl > msg.len() {
            return Err(Errno::EINVAL);
        }
        if msg.len() > ip_dev_mtu(cx, &rt)? {
            return Err(Errno::EMSGSIZE);
        }
        let id = ip_select_ident(cx);
        let mut skb = SkBuff::with_payload(MAX_HEADER, msg);
        let h = skb.data_mut();
        if h[12..16] == [0; 4] {
            h[12..16].copy_from_slice(&rt.saddr.to_be_bytes());
        }
        h[2..4].copy_from_slice(&(msg.len() as u16).to_be_bytes());
        if h[4..6] == [0; 2] {
            h[4..6].copy_from_slice(&id.to_be_bytes());
        }
        h[10..12].fill(0);
        let c = ip_fast_csum(&h[..ihl]);
        h[10..12].copy_from_slice(&c.to_be_bytes());
        if h[9] == IPPROTO_ICMP {
            if let Some(&t) = h.get(ihl) {
                icmp_out_count(cx, t);
            }
        }
        skb.reset_network_header();
        ip_local_out(cx, skb, &rt, ip_sk_use_pmtu(pmtudisc))?;
    } else {
        if protocol == IPPROTO_ICMP {
            if let Some(&t) = msg.first() {
                icmp_out_count(cx, t);
            }
        }
        let df = ip_sk_df(pmtudisc, IPV4_HLEN + msg.len(), mtu, locked)?;
        let skb = SkBuff::with_payload(MAX_HEADER, msg);
        let p = IpParams { saddr: rt.saddr, daddr, protocol, ttl, tos: 0, df, use_pmtu: ip_sk_use_pmtu(pmtudisc) };
        ip_build_and_send(cx, skb, &rt, p)?;
    }
    Ok(msg.len())
}

/// `raw_recvmsg(sk, msg, len, flags)`: a pending `sk_err`; then the oldest
/// datagram, IP header included (truncated to `buf`; `MSG_TRUNC` returns
/// its real length, `MSG_PEEK` leaves it), and its source address (port
/// 0). `EAGAIN` when nothing is queued.
pub fn raw_recvmsg<S: InetSpec>(
    cx: &mut NetCx<'_, S>,
    fd: Fd,
    buf: &mut [u8],
    flags: i32,
) -> Result<(usize, Option<SockAddr>), Errno> {
    ip4_recv_datagram(cx, fd, buf, flags)
}
