//! net/ipv4/datagram.c: `ip4_datagram_connect`, the `connect` of UDP, raw
//! and ping sockets.

use super::af_inet::sockaddr_in;
use super::route::ip_route_output_dgram;
use crate::errno::Errno;
use crate::socket::sock::{sk, TCP_ESTABLISHED};
use crate::tables::{Fd, NetCx, ProtoSpec, SockAddr};

/// `__ip4_datagram_connect(sk, uaddr, addr_len)`: an `AF_INET` address is
/// needed (`EAFNOSUPPORT`); the route to it (`ENETUNREACH`, counted
/// `OutNoRoutes`) gives the source address if the socket has none; a
/// broadcast destination needs `SO_BROADCAST` (`EACCES`). The socket is
/// then connected (`TCP_ESTABLISHED`): sends go to the peer and only its
/// datagrams are received (by the exact-match score of the UDP lookup).
pub fn ip4_datagram_connect<S: ProtoSpec>(cx: &mut NetCx<'_, S>, fd: Fd, addr: &SockAddr) -> Result<(), Errno> {
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
