//! TCP (net/ipv4/tcp.c, tcp_ipv4.c, inet_connection_sock.c,
//! inet_hashtables.c) as far as it is built: `tcp_prot` and
//! `inet_stream_ops` are in the tables as in Linux, so stream sockets are
//! created, bound (the bind table refuses a taken port with `EADDRINUSE`)
//! and closed. The state machine is not built: `connect`, `listen`,
//! `accept`, `sendmsg` and `recvmsg` return `EOPNOTSUPP`.
//!
//! Received segments are validated and counted like `tcp_v4_rcv` does
//! (`InSegs`; short, bad data offset: `InErrs`; bad checksum:
//! `InCsumErrors` + `InErrs`) and every other one is dropped and counted
//! in netgen's `TCPNotImplemented` (`ExtMib`), so `InErrs` keeps its
//! Linux meaning. No RST is sent.

use super::af_inet::socks;
use super::mib::{ExtMib, TcpMib};
use super::netns_ipv4::Ipv4Net;
use super::InetSpec;
use super::IPPROTO_TCP;
use crate::checksum::{csum_fold, csum_partial, csum_tcpudp_nofold};
use crate::errno::Errno;
use crate::skbuff::{SkBuff, PACKET_HOST};
use crate::sock::sk::{
    datagram_poll, sk, sk_prot, sock_prot_inuse_add, Sockets, POLLHUP, POLLOUT, TCP_CLOSE, TCP_LISTEN,
};
use crate::tables::{Fd, NetCx, NetRx, ProtoSpec, SockAddr};

/// `sizeof(struct tcphdr)`.
pub const TCP_HLEN: usize = 20;

/// `tcp_v4_init_sock(sk)` → `tcp_init_sock`: counted in
/// `tcp_sockets_allocated`, state `CLOSE`.
pub fn tcp_v4_init_sock<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd) -> Result<(), Errno> {
    sk(cx, fd)?.state = TCP_CLOSE;
    socks(cx)?.tcp_sockets_allocated += 1;
    Ok(())
}

/// `tcp_close(sk, timeout)`: `tcp_set_state(sk, TCP_CLOSE)` (unhash), then
/// `inet_csk_destroy_sock` → `sk->sk_prot->destroy`.
pub fn tcp_close<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd) {
    if let Ok(s) = sk(cx, fd) {
        s.state = TCP_CLOSE;
    }
    if let Ok((p, desc)) = sk_prot(cx, fd) {
        S::prot_unhash(p, cx, fd);
        if desc.methods.destroy {
            S::prot_destroy(p, cx, fd);
        }
    }
    if let Ok(s) = sk(cx, fd) {
        s.purge();
    }
}

/// `tcp_v4_destroy_sock(sk)`: gives the bound port back (`inet_put_port`)
/// and uncounts the socket.
pub fn tcp_v4_destroy_sock<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd) {
    inet_put_port(cx, fd);
    if let Ok(s) = socks(cx) {
        s.tcp_sockets_allocated = s.tcp_sockets_allocated.saturating_sub(1);
    }
}

/// `tcp_v4_connect(sk, uaddr, addr_len)`: not built, `EOPNOTSUPP`.
pub fn tcp_v4_connect<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd, _addr: &SockAddr) -> Result<(), Errno> {
    sk(cx, fd)?;
    Err(Errno::EOPNOTSUPP)
}

/// `tcp_disconnect(sk, flags)`: back to `CLOSE` (nothing to reset).
pub fn tcp_disconnect<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd, _flags: i32) -> Result<(), Errno> {
    let s = sk(cx, fd)?;
    s.state = TCP_CLOSE;
    s.daddr = 0;
    s.dport = 0;
    Ok(())
}

/// `tcp_sendmsg`: not built, `EOPNOTSUPP`.
pub fn tcp_sendmsg<S: InetSpec>(
    cx: &mut NetCx<'_, S>,
    fd: Fd,
    _msg: &[u8],
    _to: Option<&SockAddr>,
    _flags: i32,
) -> Result<usize, Errno> {
    sk(cx, fd)?;
    Err(Errno::EOPNOTSUPP)
}

/// `tcp_recvmsg`: not built, `EOPNOTSUPP`.
pub fn tcp_recvmsg<S: InetSpec>(
    cx: &mut NetCx<'_, S>,
    fd: Fd,
    _buf: &mut [u8],
    _flags: i32,
) -> Result<(usize, Option<SockAddr>), Errno> {
    sk(cx, fd)?;
    Err(Errno::EOPNOTSUPP)
}

/// `inet_hash(sk)`: into the listening hash, which only a listening
/// socket joins; with `listen` not built, nothing.
pub fn inet_hash<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd) -> Result<(), Errno> {
    let s = sk(cx, fd)?;
    if s.state != TCP_LISTEN || s.hashed {
        return Ok(());
    }
    s.hashed = true;
    let idx = s.inuse_idx;
    sock_prot_inuse_add(cx, idx, 1);
    Ok(())
}

/// `inet_unhash(sk)`.
pub fn inet_unhash<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd) {
    let Ok(s) = sk(cx, fd) else { return };
    if !s.hashed {
        return;
    }
    s.hashed = false;
    let idx = s.inuse_idx;
    sock_prot_inuse_add(cx, idx, -1);
}

/// `inet_csk_bind_conflict`: another socket bound to `num` whose device
/// and address overlap `fd`'s, unless both have `SO_REUSEADDR` and it is
/// not listening.
fn inet_csk_bind_conflict<S: ProtoSpec>(socks: &Sockets<S>, fd: Fd, num: u16) -> bool {
    let Some(me) = socks.get(fd) else { return true };
    socks.tcp_bhash.chain(num).iter().any(|&f| {
        let Some(o) = socks.get(f) else { return false };
        f != fd
            && o.num == num
            && (o.bound_dev_if == 0 || me.bound_dev_if == 0 || o.bound_dev_if == me.bound_dev_if)
            && !(me.reuse && o.reuse && o.state != TCP_LISTEN)
            && (o.rcv_saddr == 0 || me.rcv_saddr == 0 || o.rcv_saddr == me.rcv_saddr)
    })
}

/// `inet_csk_get_port(sk, snum)`: port `snum`, or for 0 a free one of
/// `ip_local_port_range`; a conflicting bind is `EADDRINUSE`. The socket
/// joins the bind table (`inet_bind_hash`).
pub fn inet_csk_get_port<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd, snum: u16) -> Result<(), Errno> {
    let (lo, hi) = cx.state::<Ipv4Net>().map_or((32768, 60999), Ipv4Net::local_port_range);
    let socks = socks(cx)?;
    if socks.get(fd).ok_or(Errno::EBADF)?.num != 0 {
        return Err(Errno::EINVAL);
    }
    let snum = if snum == 0 {
        let (lo32, hi32) = (u32::from(lo), u32::from(hi.max(lo)));
        let n = hi32 - lo32 + 1;
        let start = socks.prandom_u32() % n;
        (0..n)
            .map(|i| (lo32 + (start + i) % n) as u16)
            .find(|&p| !inet_csk_bind_conflict(socks, fd, p))
            .ok_or(Errno::EADDRINUSE)?
    } else if inet_csk_bind_conflict(socks, fd, snum) {
        return Err(Errno::EADDRINUSE);
    } else {
        snum
    };
    socks.get_mut(fd).ok_or(Errno::EBADF)?.num = snum;
    socks.tcp_bhash.insert(snum, fd);
    Ok(())
}

/// `inet_put_port(sk)`: out of the bind table, `inet_num` 0.
pub fn inet_put_port<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd) {
    let Ok(socks) = socks(cx) else { return };
    let Some(s) = socks.get_mut(fd) else { return };
    let num = std::mem::take(&mut s.num);
    s.sport = 0;
    if num != 0 {
        socks.tcp_bhash.remove(num, fd);
    }
}

/// `tcp_poll(file, sock, wait)`: a closed socket is writable and hung up.
pub fn tcp_poll<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd) -> Result<u32, Errno> {
    let closed = sk(cx, fd)?.state == TCP_CLOSE;
    let mask = datagram_poll(cx, fd)?;
    Ok(if closed { mask | POLLHUP | POLLOUT } else { mask })
}

fn tcp_drop<S: InetSpec>(cx: &mut NetCx<'_, S>, c: impl Into<super::mib::Ipv4Counter>) -> NetRx {
    cx.mib_inc(c);
    NetRx::Drop
}

/// `tcp_v4_rcv(skb)` (the spec's `tcp_protocol` handler), `data` at the
/// TCP header: a frame not for this host's MAC address is discarded
/// (`TCPNotImplemented`, uncounted in Linux); `InSegs`; shorter than a
/// header or a data offset below 5 or past the segment: `InErrs`; a bad
/// checksum: `InCsumErrors` + `InErrs`; anything else: `TCPNotImplemented`
/// (no socket can take it, no RST is sent). Always a drop.
pub fn tcp_v4_rcv<S: InetSpec>(cx: &mut NetCx<'_, S>, skb: SkBuff) -> NetRx {
    if skb.pkt_type != PACKET_HOST {
        return tcp_drop(cx, ExtMib::TcpNotImplemented);
    }
    cx.mib_inc(TcpMib::InSegs);
    let d = skb.data();
    if d.len() < TCP_HLEN {
        return tcp_drop(cx, TcpMib::InErrs);
    }
    let doff = usize::from(d[12] >> 4) * 4;
    if doff < TCP_HLEN || doff > d.len() {
        return tcp_drop(cx, TcpMib::InErrs);
    }
    let nh = skb.network_header();
    let (saddr, daddr) = match (nh.get(12..16), nh.get(16..20)) {
        (Some(&[a, b, c, e]), Some(&[f, g, h, i])) => {
            (u32::from_be_bytes([a, b, c, e]), u32::from_be_bytes([f, g, h, i]))
        }
        _ => return tcp_drop(cx, TcpMib::InErrs),
    };
    let pseudo = csum_tcpudp_nofold(saddr, daddr, d.len() as u16, IPPROTO_TCP, 0);
    if csum_fold(csum_partial(d, pseudo)) != 0 {
        cx.mib_inc(TcpMib::CsumErrors);
        return tcp_drop(cx, TcpMib::InErrs);
    }
    tcp_drop(cx, ExtMib::TcpNotImplemented)
}

/// `tcp_v4_err(skb, info)`: no connection can have sent the quoted
/// segment; nothing to do.
pub fn tcp_v4_err<S: InetSpec>(_cx: &mut NetCx<'_, S>, _skb: &SkBuff, _info: u32) -> Result<(), Errno> {
    Ok(())
}
