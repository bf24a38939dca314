//! net/ipv4/datagram.c: `ip4_datagram_connect`, the `connect` of UDP, raw
//! and ping sockets; and the receive raw and ping sockets share.

use super::InetSpec;
use std::net::{Ipv4Addr, SocketAddrV4};

use super::af_inet::sockaddr_in;
use super::hdr::Iphdr;
use super::route::ip_route_output_dgram;
use crate::errno::Errno;
use crate::sock::sk::{sk, TCP_ESTABLISHED};
use crate::tables::{Fd, NetCx, SockAddr};

/// `__ip4_datagram_connect(sk, uaddr, addr_len)`: an `AF_INET` address is
/// needed (`EAFNOSUPPORT`); the route to it (`ENETUNREACH`, counted
/// `OutNoRoutes`) gives the source address if the socket has none; a
/// broadcast destination needs `SO_BROADCAST` (`EACCES`). The socket is
/// then connected (`TCP_ESTABLISHED`): sends go to the peer and only its
/// datagrams are received (by the exact-match score of the UDP lookup).
pub fn ip4_datagram_connect<S: InetSpec>(cx: &mut NetCx<'_, S>, fd: Fd, addr: &SockAddr) -> Result<(), Errno> {
    let SockAddr::Inet(_) = addr else { return Err(Errno::EAFNOSUPPORT) };
    let (daddr, dport) = sockaddr_in(addr)?;
    let (saddr, oif, bcast_ok) = {
        let s = sk(cx, fd)?;
        (s.saddr, s.bound_dev_if, s.broadcast)
    };
    let rt = ip_route_output_dgram(cx, daddr, saddr, oif, bcast_ok)?;
    let s = sk(cx, fd)?;
    if s.saddr == 0 {
        s.saddr = rt.saddr;
    }
    if s.rcv_saddr == 0 {
        s.rcv_saddr = rt.saddr;
    }
    s.daddr = daddr;
    s.dport = dport;
    s.state = TCP_ESTABLISHED;
    Ok(())
}

/// What `raw_recvmsg` and `ping_recvmsg` share: `skb_recv_datagram` and
/// `skb_copy_datagram_msg` ([`Sock::recv_datagram`](crate::sock::sk::Sock::recv_datagram)),
/// with the source address from the datagram's IP header
/// (`sin->sin_addr.s_addr = ip_hdr(skb)->saddr`, `sin_port` 0). `skb->data`
/// is at the IP header for raw, at the ICMP header for ping: the source is
/// read from the network header either way.
pub fn ip4_recv_datagram<S: InetSpec>(
    cx: &mut NetCx<'_, S>,
    fd: Fd,
    buf: &mut [u8],
    flags: i32,
) -> Result<(usize, Option<SockAddr>), Errno> {
    sk(cx, fd)?.recv_datagram(buf, flags, |skb| {
        let saddr = Iphdr::parse(skb.network_header()).map_or(0, |h| h.saddr);
        SockAddr::Inet(SocketAddrV4::new(Ipv4Addr::from(saddr), 0))
    })
}
