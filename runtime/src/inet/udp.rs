//! UDP (net/ipv4/udp.c, Linux 6.0): `udp_rcv` and the methods of
//! `udp_prot`. Sockets are found in `udp_table` (chains by local port,
//! see [`Sockets`]); the lookup scores candidates as `compute_score`
//! does, so a connected socket wins over a wildcard one.
//!
//! Checksums are verified as the datagram arrives (Linux defers it to
//! `recvmsg`; the counters are the same). Datagrams larger than the
//! device MTU are fragmented by IP, or refused with `EMSGSIZE` when the
//! socket's `IP_MTU_DISCOVER` forbids it (`udp_sendmsg`).

use super::InetSpec;
use std::net::{Ipv4Addr, SocketAddrV4};

use super::af_inet::{sk_hash_into, sk_unhash_from, sockaddr_in};
use super::hdr::{icmp_sk_err, Iphdr, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, ICMP_PORT_UNREACH};
use super::icmp::icmp_send;
use super::ip_output::{ip_build_and_send, ip_sk_df, ip_sk_mtu, ip_sk_use_pmtu, IpParams, IPV4_HLEN, IP_PMTUDISC_DONT};
use super::mib::{IcmpMib, UdpMib};
use super::netns_ipv4::Ipv4Net;
use super::route::{ip_route_output_dgram, ipv4_update_pmtu};
use super::IPPROTO_UDP;
use crate::checksum::{csum_fold, csum_partial, csum_tcpudp_magic, csum_tcpudp_nofold};
use crate::errno::Errno;
use crate::skbuff::{SkBuff, MAX_HEADER, RTCF_BROADCAST, RTCF_MULTICAST};
use crate::sock::sk::{
    datagram_poll, sk, sk_common_release, sk_prot, Sock, Sockets, MSG_OOB, MSG_PEEK, MSG_TRUNC, RCV_SHUTDOWN,
    SEND_SHUTDOWN, SOCK_BINDADDR_LOCK, SOCK_BINDPORT_LOCK, TCP_CLOSE, TCP_ESTABLISHED,
};
use crate::socket::PF_INET;
use crate::tables::{Fd, NetCx, NetRx, ProtoSpec, SockAddr};

/// `sizeof(struct udphdr)`.
pub const UDP_HLEN: usize = 8;

#[inline]
fn be16(b: &[u8], at: usize) -> u16 {
    match b.get(at..at + 2) {
        Some(&[x, y]) => u16::from_be_bytes([x, y]),
        _ => 0,
    }
}

/// `compute_score(sk, net, saddr, sport, daddr, hnum, dif, sdif)`: -1 if
/// `sk` does not take a datagram from `saddr:sport` to `daddr:hnum` on
/// device `dif`; otherwise higher for each bound or connected field.
#[inline]
fn compute_score<S: ProtoSpec>(sk: &Sock<S>, saddr: u32, sport: u16, daddr: u32, hnum: u16, dif: i32) -> i32 {
    if sk.num != hnum || !sk.hashed {
        return -1;
    }
    let mut score = if sk.family == PF_INET { 2 } else { 1 };
    if sk.rcv_saddr != 0 {
        if sk.rcv_saddr != daddr {
            return -1;
        }
        score += 4;
    }
    if sk.daddr != 0 {
        if sk.daddr != saddr {
            return -1;
        }
        score += 4;
    }
    if sk.dport != 0 {
        if sk.dport != sport {
            return -1;
        }
        score += 4;
    }
    if sk.bound_dev_if != 0 {
        if sk.bound_dev_if != dif {
            return -1;
        }
        score += 4;
    }
    score
}

/// `__udp4_lib_lookup(net, saddr, sport, daddr, dport, dif, ..)`: the best
/// scoring socket of `dport`'s chain (the first of equal scores).
#[inline]
pub fn udp4_lib_lookup<S: ProtoSpec>(
    socks: &Sockets<S>,
    saddr: u32,
    sport: u16,
    daddr: u32,
    dport: u16,
    dif: i32,
) -> Option<Fd> {
    let mut best = None;
    let mut best_score = -1;
    for &fd in socks.udp_table.chain(dport) {
        let Some(sk) = socks.get(fd) else { continue };
        let score = compute_score(sk, saddr, sport, daddr, dport, dif);
        if score > best_score {
            best = Some(fd);
            best_score = score;
        }
    }
    best
}

fn rcv_error<S: InetSpec>(cx: &mut NetCx<'_, S>, csum: bool) -> NetRx {
    if csum {
        cx.mib_inc(UdpMib::CsumErrors);
    }
    cx.mib_inc(UdpMib::InErrors);
    NetRx::Drop
}

/// `udp_rcv(skb)` → `__udp4_lib_rcv` (the spec's `udp_protocol` handler),
/// `data` at the UDP header: shorter than a header, or than its length
/// field, or a length below 8: `InErrors`; bytes past the length are
/// trimmed; a non-zero checksum that is wrong: `InCsumErrors` +
/// `InErrors`. A broadcast or multicast goes to every matching socket
/// (`IgnoredMulti` if none). Otherwise the best socket
/// ([`udp4_lib_lookup`]) queues it — a full receive buffer is
/// `RcvbufErrors` + `InErrors` and the socket's drop count — or, with no
/// socket, `NoPorts` and an ICMP port unreachable.
#[inline]
pub fn udp_rcv<S: InetSpec>(cx: &mut NetCx<'_, S>, mut skb: SkBuff) -> NetRx {
    // The header as one fixed-size read; the length checks first, then
    // the checksum over exactly `ulen` bytes (the trim comes after).
    let d = skb.data();
    let Some(&[s0, s1, d0, d1, l0, l1, c0, c1]) = d.first_chunk::<UDP_HLEN>() else {
        return rcv_error(cx, false);
    };
    let (sport, dport) = (u16::from_be_bytes([s0, s1]), u16::from_be_bytes([d0, d1]));
    let ulen = usize::from(u16::from_be_bytes([l0, l1]));
    let check = u16::from_be_bytes([c0, c1]);
    let Some(datagram) = d.get(..ulen).filter(|_| ulen >= UDP_HLEN) else {
        return rcv_error(cx, false);
    };
    let (saddr, daddr) = iph_addrs(skb.network_header());
    if check != 0 {
        let sum = csum_partial(datagram, csum_tcpudp_nofold(saddr, daddr, ulen as u16, IPPROTO_UDP, 0));
        if csum_fold(sum) != 0 {
            return rcv_error(cx, true);
        }
    }
    skb.trim(ulen);
    if skb.rt_flags & (RTCF_BROADCAST | RTCF_MULTICAST) != 0 {
        return udp4_lib_mcast_deliver(cx, skb, saddr, sport, daddr, dport);
    }
    let ifindex = skb.ifindex;
    let Ok(socks) = cx.state_mut::<Sockets<S>>() else { return rcv_error(cx, false) };
    let sk = udp4_lib_lookup(socks, saddr, sport, daddr, dport, ifindex).and_then(|fd| socks.get_mut(fd));
    match sk {
        Some(sk) => match sk.queue_rcv_skb(skb) {
            Ok(()) => NetRx::Success,
            Err(_) => {
                cx.mib_inc(UdpMib::RcvbufErrors);
                rcv_error(cx, false)
            }
        },
        None => {
            cx.mib_inc(UdpMib::NoPorts);
            icmp_send(cx, &skb, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0);
            NetRx::Drop
        }
    }
}

/// `ip_hdr(skb)->saddr, daddr` (host order) of the IPv4 header `nh`
/// starts with; zeros if it is shorter than a header.
#[inline]
fn iph_addrs(nh: &[u8]) -> (u32, u32) {
    match nh.first_chunk::<20>() {
        Some(h) => (u32::from_be_bytes([h[12], h[13], h[14], h[15]]), u32::from_be_bytes([h[16], h[17], h[18], h[19]])),
        None => (0, 0),
    }
}

/// `__udp4_lib_mcast_deliver`: a clone to every socket of the port that
/// takes the datagram (`__udp_is_mcast_sock`); none: `IgnoredMulti`.
fn udp4_lib_mcast_deliver<S: InetSpec>(
    cx: &mut NetCx<'_, S>,
    mut skb: SkBuff,
    saddr: u32,
    sport: u16,
    daddr: u32,
    dport: u16,
) -> NetRx {
    let ifindex = skb.ifindex;
    let Ok(socks) = cx.state_mut::<Sockets<S>>() else { return NetRx::Drop };
    let mut delivered = 0;
    let mut full = 0;
    let n = socks.udp_table.chain(dport).len();
    for i in 0..n {
        let Some(&fd) = socks.udp_table.chain(dport).get(i) else { break };
        let Some(s) = socks.get_mut(fd) else { continue };
        let takes = s.num == dport
            && s.hashed
            && (s.daddr == 0 || s.daddr == saddr)
            && (s.dport == 0 || s.dport == sport)
            && (s.rcv_saddr == 0 || s.rcv_saddr == daddr)
            && (s.bound_dev_if == 0 || s.bound_dev_if == ifindex);
        if takes {
            delivered += 1;
            if s.queue_rcv_skb(skb.skb_clone()).is_err() {
                full += 1;
            }
        }
    }
    if delivered == 0 {
        cx.mib_inc(UdpMib::IgnoredMulti);
        return NetRx::Success;
    }
    for _ in 0..full {
        cx.mib_inc(UdpMib::RcvbufErrors);
        cx.mib_inc(UdpMib::InErrors);
    }
    NetRx::Success
}

/// `udp_err(skb, info)` → `__udp4_lib_err` (the spec's `udp_protocol`
/// error handler): `skb` holds the quoted header of a datagram this host
/// sent. The socket that sent it is looked up (none: `Icmp InErrors`,
/// `ENOENT`); the error (`icmp_sk_err`: port unreachable is
/// `ECONNREFUSED`) is set as `sk_err` on a connected socket when fatal,
/// or on any socket with `IP_RECVERR`; the next send, receive or
/// `SO_ERROR` reports it. A fragmentation needed first lowers the path
/// MTU to the quoted destination (`ipv4_sk_update_pmtu`) and is no error
/// for an `IP_PMTUDISC_DONT` socket.
pub fn udp_err<S: InetSpec>(cx: &mut NetCx<'_, S>, skb: &SkBuff, info: u32) -> Result<(), Errno> {
    let quoted = Iphdr::parse(skb.data()).and_then(|iph| Some((iph, skb.data().get(iph.ihl..iph.ihl + UDP_HLEN)?)));
    let Some((iph, uh)) = quoted else {
        // icmp_unreach checked the quoted headers; refused, and counted so.
        cx.mib_inc(IcmpMib::InErrors);
        return Err(Errno::EINVAL);
    };
    let (source, dest) = (be16(uh, 0), be16(uh, 2));
    let type_ = (info >> 8) as u8;
    let code = info as u8;
    let socks = cx.state_mut::<Sockets<S>>()?;
    let Some(fd) = udp4_lib_lookup(socks, iph.daddr, dest, iph.saddr, source, skb.ifindex) else {
        cx.mib_inc(IcmpMib::InErrors);
        return Err(Errno::ENOENT);
    };
    if type_ == ICMP_DEST_UNREACH && code == ICMP_FRAG_NEEDED {
        // Path MTU discovery: learned whatever the socket's setting; an
        // error only unless it is IP_PMTUDISC_DONT.
        ipv4_update_pmtu(cx, iph.daddr, info >> 16);
        if sk(cx, fd)?.pmtudisc == IP_PMTUDISC_DONT {
            return Ok(());
        }
    }
    let Some((err, harderr)) = icmp_sk_err(type_, code) else { return Ok(()) };
    let s = sk(cx, fd)?;
    if !s.recverr && (!harderr || s.state != TCP_ESTABLISHED) {
        return Ok(());
    }
    s.err = err.0;
    Ok(())
}

/// `udp_lib_init_sock` (`udp_prot.init`): nothing to set up here.
pub fn udp_init_sock<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd) -> Result<(), Errno> {
    sk(cx, fd).map(|_| ())
}

/// `udp_lib_close(sk, timeout)` → `sk_common_release`.
pub fn udp_lib_close<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd) {
    sk_common_release(cx, fd);
}

/// `udp_destroy_sock(sk)`: nothing is corked, nothing to free.
pub fn udp_destroy_sock<S: InetSpec>(_cx: &mut NetCx<'_, S>, _fd: Fd) {}

/// `__udp_disconnect(sk, flags)` (also raw's and ping's): closed, no peer,
/// no device; the source address is forgotten unless bound explicitly,
/// and the port (the socket unhashed) unless bound explicitly.
pub fn udp_disconnect<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd, _flags: i32) -> Result<(), Errno> {
    let s = sk(cx, fd)?;
    s.state = TCP_CLOSE;
    s.daddr = 0;
    s.dport = 0;
    s.bound_dev_if = 0;
    if s.userlocks & SOCK_BINDADDR_LOCK == 0 {
        s.rcv_saddr = 0;
        s.saddr = 0;
    }
    if s.userlocks & SOCK_BINDPORT_LOCK == 0 {
        let (p, _) = sk_prot(cx, fd)?;
        S::prot_unhash(p, cx, fd);
        sk(cx, fd)?.sport = 0;
    }
    Ok(())
}

/// `udp_lib_lport_inuse`: whether another socket holds port `num` in a
/// way that conflicts with `fd` (addresses overlap — equal or either a
/// wildcard —, devices compatible, not both `SO_REUSEADDR`).
fn udp_lib_lport_inuse<S: ProtoSpec>(socks: &Sockets<S>, num: u16, fd: Fd) -> bool {
    let Some(me) = socks.get(fd) else { return true };
    socks.udp_table.chain(num).iter().any(|&fd2| {
        let Some(o) = socks.get(fd2) else { return false };
        fd2 != fd
            && o.num == num
            && (!o.reuse || !me.reuse)
            && (o.bound_dev_if == 0 || me.bound_dev_if == 0 || o.bound_dev_if == me.bound_dev_if)
            && (o.rcv_saddr == 0 || me.rcv_saddr == 0 || o.rcv_saddr == me.rcv_saddr)
    })
}

/// Picks a free port of `local_port_range` starting at a random one
/// (`inet_get_local_port_range` + the search of `udp_lib_get_port`).
fn ephemeral_port<S: ProtoSpec>(
    socks: &mut Sockets<S>,
    lo: u16,
    hi: u16,
    inuse: impl Fn(&Sockets<S>, u16) -> bool,
) -> Option<u16> {
    let (lo, hi) = (u32::from(lo), u32::from(hi.max(lo)));
    let remaining = hi - lo + 1;
    let start = socks.prandom_u32() % remaining;
    (0..remaining).map(|i| (lo + (start + i) % remaining) as u16).find(|&p| !inuse(socks, p))
}

/// `udp_v4_get_port(sk, snum)` → `udp_lib_get_port`: port `snum`, or an
/// ephemeral one for 0; `EADDRINUSE` if taken (or none is free). The
/// socket is hashed into `udp_table` and counted in use.
pub fn udp_v4_get_port<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd, snum: u16) -> Result<(), Errno> {
    let (lo, hi) = cx.state::<Ipv4Net>().map_or((32768, 60999), Ipv4Net::local_port_range);
    let socks = cx.state_mut::<Sockets<S>>()?;
    let snum = if snum == 0 {
        ephemeral_port(socks, lo, hi, |s, p| udp_lib_lport_inuse(s, p, fd)).ok_or(Errno::EADDRINUSE)?
    } else if udp_lib_lport_inuse(socks, snum, fd) {
        return Err(Errno::EADDRINUSE);
    } else {
        snum
    };
    let s = socks.get_mut(fd).ok_or(Errno::EBADF)?;
    if s.hashed {
        let old = s.num;
        s.num = snum;
        socks.udp_table.remove(old, fd);
        socks.udp_table.insert(snum, fd);
        return Ok(());
    }
    sk_hash_into(cx, fd, |t| &mut t.udp_table, snum)
}

/// `udp_lib_hash`: Linux's is `BUG()` — UDP hashes in `get_port`. Nothing.
pub fn udp_lib_hash<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd) -> Result<(), Errno> {
    sk(cx, fd).map(|_| ())
}

/// `udp_lib_unhash(sk)`: out of `udp_table`, `inet_num` 0, no longer in use.
pub fn udp_lib_unhash<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd) {
    sk_unhash_from(cx, fd, |t| &mut t.udp_table, |s| s.num = 0);
}

/// `udp_poll` = `datagram_poll`.
pub fn udp_poll<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd) -> Result<u32, Errno> {
    datagram_poll(cx, fd)
}

/// `udp_sendmsg(sk, msg, len)`: the destination is `to` (`AF_INET`, or
/// `AF_UNSPEC` read as `AF_INET` like Linux; port 0 is `EINVAL`) or the
/// connected peer (`EDESTADDRREQ` if none). Errors: `EMSGSIZE` above
/// 65507 bytes, or above the device MTU with `IP_MTU_DISCOVER` at
/// `IP_PMTUDISC_DO` or above ([`ip_sk_df`]; the default, `WANT`, sets `DF`
/// on datagrams that fit and fragments the others), `EOPNOTSUPP` for `MSG_OOB`, a pending
/// `sk_err` (reported once), `EPIPE` after `shutdown(SHUT_WR)`,
/// `ENETUNREACH` (`OutNoRoutes`), `EACCES` for a broadcast without
/// `SO_BROADCAST`. The datagram gets its header and checksum and goes to
/// IP (`OutDatagrams`); one the device drops (ring full, peer down) is
/// `SndbufErrors` and, as in Linux, still a success without `IP_RECVERR`.
pub fn udp_sendmsg<S: InetSpec>(
    cx: &mut NetCx<'_, S>,
    fd: Fd,
    msg: &[u8],
    to: Option<&SockAddr>,
    flags: i32,
) -> Result<usize, Errno> {
    if msg.len() > 0xffff - IPV4_HLEN - UDP_HLEN {
        return Err(Errno::EMSGSIZE);
    }
    if flags & MSG_OOB != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    let s = sk(cx, fd)?;
    let (daddr, dport) = match to {
        Some(a @ (SockAddr::Inet(_) | SockAddr::Unspec)) => {
            let (d, p) = sockaddr_in(a)?;
            if p == 0 {
                return Err(Errno::EINVAL);
            }
            (d, p)
        }
        Some(SockAddr::Packet { .. }) => return Err(Errno::EAFNOSUPPORT),
        None => {
            if s.state != TCP_ESTABLISHED {
                return Err(Errno::EDESTADDRREQ);
            }
            (s.daddr, s.dport)
        }
    };
    s.sock_error()?;
    if s.shutdown & SEND_SHUTDOWN != 0 {
        return Err(Errno::EPIPE);
    }
    let (saddr, sport, oif, bcast_ok, ttl, recverr, pmtudisc) =
        (s.saddr, s.sport, s.bound_dev_if, s.broadcast, s.ttl, s.recverr, s.pmtudisc);
    let rt = ip_route_output_dgram(cx, daddr, saddr, oif, bcast_ok)?;
    let (mtu, locked) = ip_sk_mtu(cx, &rt, daddr, pmtudisc)?;
    let df = ip_sk_df(pmtudisc, IPV4_HLEN + UDP_HLEN + msg.len(), mtu, locked)?;
    let saddr = rt.saddr;
    let ulen = UDP_HLEN + msg.len();
    let mut skb = SkBuff::with_payload(MAX_HEADER, msg);
    let h = skb.push(UDP_HLEN);
    if h.len() == UDP_HLEN {
        h[0..2].copy_from_slice(&sport.to_be_bytes());
        h[2..4].copy_from_slice(&dport.to_be_bytes());
        h[4..6].copy_from_slice(&(ulen as u16).to_be_bytes());
        h[6..8].fill(0);
    }
    let c = csum_tcpudp_magic(saddr, daddr, ulen as u16, IPPROTO_UDP, csum_partial(skb.data(), 0));
    let c = if c == 0 { 0xffff } else { c };
    if let Some(f) = skb.data_mut().get_mut(6..8) {
        f.copy_from_slice(&c.to_be_bytes());
    }
    let p = IpParams { saddr, daddr, protocol: IPPROTO_UDP, ttl, tos: 0, df, use_pmtu: ip_sk_use_pmtu(pmtudisc) };
    match ip_build_and_send(cx, skb, &rt, p) {
        Ok(()) => {
            cx.mib_inc(UdpMib::OutDatagrams);
            Ok(msg.len())
        }
        // udp_send_skb: a datagram the device dropped (NET_XMIT_DROP,
        // -ENOBUFS) is `SndbufErrors`, and not an error for the caller
        // unless it asked for errors (`IP_RECVERR`).
        Err(Errno::ENOBUFS) if !recverr => {
            cx.mib_inc(UdpMib::SndbufErrors);
            Ok(msg.len())
        }
        Err(e) => Err(e),
    }
}

/// `udp_recvmsg(sk, msg, len, flags)`: a pending `sk_err` first (reported
/// once); then the oldest datagram's payload (truncated to `buf`;
/// `MSG_TRUNC` returns its real length, `MSG_PEEK` leaves it queued) and
/// its source (`InDatagrams` unless peeking). `EAGAIN` when nothing is
/// queued, `Ok(0)` after `shutdown(SHUT_RD)`.
#[inline]
pub fn udp_recvmsg<S: InetSpec>(
    cx: &mut NetCx<'_, S>,
    fd: Fd,
    buf: &mut [u8],
    flags: i32,
) -> Result<(usize, Option<SockAddr>), Errno> {
    let s = sk(cx, fd)?;
    s.sock_error()?;
    // Without MSG_PEEK the datagram is taken off the queue at once (one
    // queue operation, not a peek and then a dequeue).
    let peeked;
    let taken;
    let skb = if flags & MSG_PEEK != 0 {
        peeked = s.receive_queue.peek();
        peeked
    } else {
        taken = s.dequeue();
        taken.as_ref()
    };
    let Some(skb) = skb else {
        if s.shutdown & RCV_SHUTDOWN != 0 {
            return Ok((0, None));
        }
        return Err(Errno::EAGAIN);
    };
    let d = skb.data();
    let payload = d.get(UDP_HLEN..).unwrap_or(&[]);
    let copied = payload.len().min(buf.len());
    if let (Some(dst), Some(src)) = (buf.get_mut(..copied), payload.get(..copied)) {
        dst.copy_from_slice(src);
    }
    let ulen = payload.len();
    let (saddr, _) = iph_addrs(skb.network_header());
    let sport = be16(d, 0);
    let addr = SockAddr::Inet(SocketAddrV4::new(Ipv4Addr::from(saddr), sport));
    if flags & MSG_PEEK == 0 {
        cx.mib_inc(UdpMib::InDatagrams);
    }
    Ok((if flags & MSG_TRUNC != 0 { ulen } else { copied }, Some(addr)))
}
