//! ICMP echo ("ping") sockets (net/ipv4/ping.c): `SOCK_DGRAM` sockets of
//! protocol `IPPROTO_ICMP` that send echo requests with the socket's
//! identifier and receive the replies to it, without raw-socket
//! privileges. Creating one needs the caller's group in
//! `ping_group_range`; the caller here is taken to be in group 0 (root),
//! which the default range (`1 0`, nobody) excludes, as in Linux.

use super::af_inet::{inet_bind_port, sk_hash_into, sk_unhash_from, sockaddr_in};
use super::datagram::ip4_recv_datagram;
use super::hdr::{
    icmp_out_count, icmp_set_csum, icmp_sk_err, Iphdr, ICMP_DEST_UNREACH, ICMP_ECHO, ICMP_FRAG_NEEDED, ICMP_HLEN,
};
use super::ip_output::{ip_build_and_send, ip_sk_df, ip_sk_mtu, ip_sk_use_pmtu, IpParams, IPV4_HLEN, IP_PMTUDISC_DONT};
use super::mib::ExtMib;
use super::netns_ipv4::Ipv4Net;
use super::route::{ip_route_output_dgram, ipv4_update_pmtu};
use super::InetSpec;
use super::IPPROTO_ICMP;
use crate::dev::NetDevTables;
use crate::errno::Errno;
use crate::skbuff::{SkBuff, MAX_HEADER};
use crate::sock::sk::{sk, sk_common_release, Sockets, MSG_OOB, SEND_SHUTDOWN, TCP_ESTABLISHED};
use crate::tables::{Fd, NetCx, ProtoSpec, SockAddr};

/// The group the caller is taken to be in (`current_gid()`).
pub const CURRENT_GID: u32 = 0;

/// `ping_init_sock(sk)`: `EACCES` unless the caller's group is in
/// `ping_group_range`.
pub fn ping_init_sock<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd) -> Result<(), Errno> {
    sk(cx, fd)?;
    if cx.state::<Ipv4Net>().is_ok_and(|n| n.ping_group_contains(CURRENT_GID)) {
        Ok(())
    } else {
        Err(Errno::EACCES)
    }
}

/// `ping_close(sk, timeout)` → `sk_common_release`.
pub fn ping_close<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd) {
    sk_common_release(cx, fd);
}

/// `ping_bind(sk, uaddr, addr_len)`: `ping_check_bind_addr` (an
/// `AF_INET` address, or `AF_UNSPEC` as any: else `EAFNOSUPPORT`; 0 or a
/// local address: else `EADDRNOTAVAIL`), `EINVAL` if already bound, then
/// the identifier (the port; 0 picks one) through `ping_get_port`
/// (`EADDRINUSE`).
pub fn ping_bind<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd, addr: &SockAddr) -> Result<(), Errno> {
    let (a, ident) = sockaddr_in(addr)?;
    if a != 0 && cx.state::<NetDevTables>().map_or(true, |d| d.inet_addr_local(a).is_none()) {
        return Err(Errno::EADDRNOTAVAIL);
    }
    if sk(cx, fd)?.num != 0 {
        return Err(Errno::EINVAL);
    }
    // ping_set_saddr: inet_rcv_saddr = inet_saddr = the address.
    inet_bind_port(cx, fd, a, a, ident, ping_get_port)
}

/// `ping_get_port(sk, ident)`: identifier `ident`, or for 0 the next free
/// one after `ping_port_rover`; taken (by a socket not both
/// `SO_REUSEADDR`) is `EADDRINUSE`. The socket joins `ping_table`.
pub fn ping_get_port<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd, ident: u16) -> Result<(), Errno> {
    let socks = cx.state_mut::<Sockets<S>>()?;
    let reuse = socks.get(fd).ok_or(Errno::EBADF)?.reuse;
    let taken = |socks: &Sockets<S>, id: u16| {
        socks
            .ping_table
            .chain(id)
            .iter()
            .any(|&f| f != fd && socks.get(f).is_some_and(|o| o.num == id && o.hashed && (!o.reuse || !reuse)))
    };
    let ident = if ident == 0 {
        let mut found = None;
        for _ in 0..u16::MAX {
            socks.ping_port_rover = socks.ping_port_rover.wrapping_add(1);
            if socks.ping_port_rover == 0 {
                socks.ping_port_rover = 1;
            }
            if !taken(socks, socks.ping_port_rover) {
                found = Some(socks.ping_port_rover);
                break;
            }
        }
        found.ok_or(Errno::EADDRINUSE)?
    } else if taken(socks, ident) {
        return Err(Errno::EADDRINUSE);
    } else {
        ident
    };
    if socks.get(fd).ok_or(Errno::EBADF)?.hashed {
        return Err(Errno::EINVAL);
    }
    sk_hash_into(cx, fd, |t| &mut t.ping_table, ident)
}

/// `ping_hash(sk)`: Linux's is `BUG()` ("call get_port() instead").
pub fn ping_hash<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd) -> Result<(), Errno> {
    sk(cx, fd).map(|_| ())
}

/// `ping_unhash(sk)`: out of `ping_table`, identifier 0.
pub fn ping_unhash<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd) {
    sk_unhash_from(cx, fd, |t| &mut t.ping_table, |s| (s.num, s.sport) = (0, 0));
}

/// `ping_lookup(net, skb, ident)`: the socket with identifier `ident`
/// bound to `daddr` or any address, on the device or any.
fn ping_lookup<S: ProtoSpec>(socks: &Sockets<S>, ident: u16, daddr: u32, dif: i32) -> Option<Fd> {
    socks.ping_table.chain(ident).iter().copied().find(|&fd| {
        socks.get(fd).is_some_and(|s| {
            s.num == ident
                && s.hashed
                && (s.rcv_saddr == 0 || s.rcv_saddr == daddr)
                && (s.bound_dev_if == 0 || s.bound_dev_if == dif)
        })
    })
}

/// `ping_rcv(skb)`: an echo reply (`data` at the ICMP header) to the
/// socket of its identifier; with none, `PingNoSocket` and dropped. A
/// full receive buffer drops it: the socket's `sk_drops` and
/// `PingRcvbufErrors` (Linux 6.1+ hands `icmp_rcv` the drop reason
/// `SOCKET_RCVBUFF`).
pub fn ping_rcv<S: InetSpec>(cx: &mut NetCx<'_, S>, skb: SkBuff) -> bool {
    let ident = match skb.data().get(4..6) {
        Some(&[a, b]) => u16::from_be_bytes([a, b]),
        _ => return false,
    };
    let daddr = Iphdr::parse(skb.network_header()).map_or(0, |h| h.daddr);
    let ifindex = skb.ifindex;
    let Ok(socks) = cx.state_mut::<Sockets<S>>() else { return false };
    match ping_lookup(socks, ident, daddr, ifindex).and_then(|fd| socks.get_mut(fd)) {
        Some(s) => match s.queue_rcv_skb(skb) {
            Ok(()) => true,
            Err(_) => {
                cx.mib_inc(ExtMib::PingRcvbufErrors);
                false
            }
        },
        None => {
            cx.mib_inc(ExtMib::PingNoSocket);
            false
        }
    }
}

/// `ping_err(skb, offset, info)`: an ICMP error about an echo request a
/// ping socket sent (`skb` at the quoted IP header): sets `sk_err` like
/// `udp_err` (fatal errors on a connected socket, any with `IP_RECVERR`);
/// a fragmentation needed lowers the path MTU first
/// (`ipv4_sk_update_pmtu`), and is no error for `IP_PMTUDISC_DONT`.
pub fn ping_err<S: InetSpec>(cx: &mut NetCx<'_, S>, skb: &SkBuff, info: u32) {
    let Some(iph) = Iphdr::parse(skb.data()) else { return };
    let ident = match skb.data().get(iph.ihl + 4..iph.ihl + 6) {
        Some(&[a, b]) => u16::from_be_bytes([a, b]),
        _ => return,
    };
    let (type_, code) = ((info >> 8) as u8, info as u8);
    let Some((err, harderr)) = icmp_sk_err(type_, code) else { return };
    let Ok(socks) = cx.state_mut::<Sockets<S>>() else { return };
    let Some(fd) = ping_lookup(socks, ident, iph.saddr, 0) else { return };
    if type_ == ICMP_DEST_UNREACH && code == ICMP_FRAG_NEEDED {
        ipv4_update_pmtu(cx, iph.daddr, info >> 16);
    }
    let Ok(socks) = cx.state_mut::<Sockets<S>>() else { return };
    let Some(s) = socks.get_mut(fd) else { return };
    if type_ == ICMP_DEST_UNREACH && code == ICMP_FRAG_NEEDED && s.pmtudisc == IP_PMTUDISC_DONT {
        return;
    }
    if !s.recverr && (!harderr || s.state != TCP_ESTABLISHED) {
        return;
    }
    s.err = err.0;
}

/// `ping_v4_sendmsg(sk, msg, len)`: the message is an ICMP echo request
/// (header and data; `EINVAL` if shorter than a header or not type 8 code
/// 0, `EMSGSIZE` above 65535). The destination is `to` (`AF_INET`, else
/// `EAFNOSUPPORT`) or the connected peer (`EDESTADDRREQ`). The kernel
/// sets the identifier to the socket's and computes the checksum; the
/// request is counted (`OutMsgs`, `OutEchos`). `DF` and `EMSGSIZE` follow
/// `IP_MTU_DISCOVER` as for UDP ([`ip_sk_df`]: by default `DF` on a
/// request that fits the MTU, a larger one fragmented, as Linux's
/// `ip_append_data` does for ping sockets). Same errors as UDP for
/// routing, shutdown and pending errors.
pub fn ping_v4_sendmsg<S: InetSpec>(
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
    if msg.len() < ICMP_HLEN || msg[0] != ICMP_ECHO || msg[1] != 0 {
        return Err(Errno::EINVAL);
    }
    let s = sk(cx, fd)?;
    let daddr = match to {
        Some(SockAddr::Inet(a)) => u32::from(*a.ip()),
        Some(_) => return Err(Errno::EAFNOSUPPORT),
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
    let (saddr, oif, bcast_ok, ttl, ident, pmtudisc) = (s.saddr, s.bound_dev_if, s.broadcast, s.ttl, s.num, s.pmtudisc);
    let rt = ip_route_output_dgram(cx, daddr, saddr, oif, bcast_ok)?;
    let (mtu, locked) = ip_sk_mtu(cx, &rt, daddr, pmtudisc)?;
    let df = ip_sk_df(pmtudisc, IPV4_HLEN + msg.len(), mtu, locked)?;
    let mut skb = SkBuff::with_payload(MAX_HEADER, msg);
    let m = skb.data_mut();
    m[4..6].copy_from_slice(&ident.to_be_bytes());
    icmp_set_csum(m);
    icmp_out_count(cx, ICMP_ECHO);
    let p = IpParams {
        saddr: rt.saddr,
        daddr,
        protocol: IPPROTO_ICMP,
        ttl,
        tos: 0,
        df,
        use_pmtu: ip_sk_use_pmtu(pmtudisc),
    };
    ip_build_and_send(cx, skb, &rt, p)?;
    Ok(msg.len())
}

/// `ping_recvmsg(sk, msg, len, flags)`: the oldest echo reply, ICMP header
/// included, and its source address (port 0); pending `sk_err` first;
/// `EAGAIN` when nothing is queued.
pub fn ping_recvmsg<S: InetSpec>(
    cx: &mut NetCx<'_, S>,
    fd: Fd,
    buf: &mut [u8],
    flags: i32,
) -> Result<(usize, Option<SockAddr>), Errno> {
    ip4_recv_datagram(cx, fd, buf, flags)
}
