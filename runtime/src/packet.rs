//! PF_PACKET sockets (net/packet/af_packet.c): raw access to frames.
//!
//! `packet_init` only checks what it needs; the spec registers
//! `packet_proto` and `packet_family_ops` right after it. A packet socket
//! of protocol P receives a copy of every frame of ethertype P
//! (`ETH_P_ALL`: every frame, and every transmitted one as
//! `PACKET_OUTGOING`) on its bound device or any; `SOCK_RAW` sockets get
//! the Ethernet header, `SOCK_DGRAM` ones start at the network header.
//! As in Linux, each running socket has a `packet_type` (`po->prot_hook`,
//! `register_prot_hook`) on its namespace's handler lists
//! (`net->ptype_all`/`ptype_specific`, [`NetPtype`]), which the device
//! layer calls in `__netif_receive_skb_core` and `dev_queue_xmit_nit`;
//! nothing below this module knows packet sockets. Protocols are
//! ethertypes in host order (Linux takes `htons(ETH_P_ALL)`).
//!
//! Not built: `SOCK_DGRAM` sends (they need `sll_addr`, which
//! [`SockAddr::Packet`] does not carry: `EOPNOTSUPP`), ring buffers,
//! fanout, `PACKET_*` socket options.

use crate::dev::ptype::NetPtype;
use crate::dev::{dev_queue_xmit, NetDevTables, PtypeBaseState};
use crate::errno::Errno;
use crate::ethernet::ETH_HLEN;
use crate::inet::af_inet::{SIOCINQ, SIOCOUTQ};
use crate::init::InitResult;
use crate::kernel::Kernel;
use crate::netns::Net;
use crate::skbuff::{SkBuff, MAX_HEADER};
use crate::sock::sk::{sk, Sock, Sockets};
use crate::sock::SockCacheState;
use crate::socket::{SockRegistryState, SOCK_DGRAM, SOCK_PACKET, SOCK_RAW};
use crate::tables::{spec_proto, spec_proto_ops, Entry, Fd, NetCx, ProtoSpec, SockAddr};

crate::tables::spec_needs! {
    /// What PF_PACKET needs of the spec: the socket layer and its own
    /// kernel state.
    pub trait PacketSpec: crate::socket::SocketSpec + crate::kernel::HasState<PacketFamilyState>
}

/// `PF_PACKET`'s prerequisites are there (resource `PacketFamily`); the
/// family itself is the spec's `packet_family_ops`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketFamilyState;

/// `packet_init()` (net/packet/af_packet.c, module_init = device_initcall):
/// Linux's `proto_register(&packet_proto, 0)` and
/// `sock_register(&packet_family_ops)` are the spec's entries, registered
/// by the generated wrapper right after this returns, and its
/// `packet_net_ops` (/proc/net/packet) then. The netdevice notifier has no
/// counterpart.
pub fn packet_init<S: PacketSpec>(k: &mut Kernel<S>) -> InitResult {
    k.get::<SockRegistryState<S>>()?;
    k.get::<SockCacheState>()?;
    k.get::<PtypeBaseState<S>>()?;
    if k.has::<PacketFamilyState>() {
        return Err(Errno::EEXIST);
    }
    k.provide(PacketFamilyState)
}

/// `packet_net_init(net)`: creates /proc/net/packet.
pub fn packet_net_init<S: ProtoSpec>(net: &mut Net<S>) -> InitResult {
    net.proc_net.proc_create("packet")
}

/// `packet_net_exit(net)`: removes /proc/net/packet.
pub fn packet_net_exit<S: ProtoSpec>(net: &mut Net<S>) {
    net.proc_net.remove_all(&["packet"]);
}

/// `packet_create(net, sock, protocol, kern)` (the spec's
/// `packet_family_ops` create): `SOCK_RAW`, `SOCK_DGRAM` or the obsolete
/// `SOCK_PACKET`, else `ESOCKTNOSUPPORT`; `EINVAL` for a protocol outside
/// 16 bits. The socket gets `packet_ops` and `packet_proto`; with a
/// protocol it runs (`register_prot_hook`) from then on. `CAP_NET_RAW` is
/// not modelled.
pub fn packet_create<S: PacketSpec>(cx: &mut NetCx<'_, S>, fd: Fd, protocol: i32, _kern: bool) -> Result<(), Errno> {
    let protos = cx.kernel_state::<crate::sock::SockCacheState>()?;
    let socks = cx.state_mut::<Sockets<S>>()?;
    let sock = socks.get_mut(fd).ok_or(Errno::EBADF)?;
    if ![SOCK_DGRAM, SOCK_RAW, SOCK_PACKET].contains(&sock.type_) {
        return Err(Errno::ESOCKTNOSUPPORT);
    }
    let proto = u16::try_from(protocol).map_err(|_| Errno::EINVAL)?;
    let ops = spec_proto_ops::<S>("packet_ops").ok_or(Errno::EAFNOSUPPORT)?;
    sock.ops = Entry::Spec(ops);
    sock.prot = spec_proto::<S>("packet_proto");
    sock.inuse_idx = sock.prot.and_then(|p| protos.spec_proto(p)).map(|p| p.inuse_idx);
    sock.protocol = proto;
    sock.num = proto;
    register_prot_hook(cx, fd)
}

/// `register_prot_hook(sk)`: a socket with a protocol starts receiving:
/// its `prot_hook` (protocol `po->num`, device `po->ifindex`) joins the
/// namespace's handler lists. A socket without a protocol has none.
fn register_prot_hook<S: PacketSpec>(cx: &mut NetCx<'_, S>, fd: Fd) -> Result<(), Errno> {
    let s = sk(cx, fd)?;
    if s.num == 0 || s.prot_hook.is_some() {
        return Ok(());
    }
    let (num, dev) = (s.num, s.bound_dev_if);
    let priv_ = usize::try_from(fd).map_err(|_| Errno::EBADF)?;
    let handle = cx.state_mut::<NetPtype<S>>()?.add(num, dev, packet_hook_rcv::<S>, priv_);
    sk(cx, fd)?.prot_hook = Some(handle);
    Ok(())
}

/// `unregister_prot_hook(sk)`: the socket stops receiving.
fn unregister_prot_hook<S: PacketSpec>(cx: &mut NetCx<'_, S>, fd: Fd) {
    let Some(handle) = sk(cx, fd).ok().and_then(|s| s.prot_hook.take()) else { return };
    if let Ok(np) = cx.state_mut::<NetPtype<S>>() {
        // The handle was taken from the socket, so it is registered.
        let _ = np.remove(handle);
    }
}

/// `packet_rcv(skb, dev, pt, orig_dev)` as the namespace calls it: the
/// frame for packet socket `pt->af_packet_priv` (its descriptor); the
/// device layer has matched its protocol and device.
fn packet_hook_rcv<S: PacketSpec>(cx: &mut NetCx<'_, S>, skb: &SkBuff, priv_: usize) -> bool {
    let Ok(fd) = Fd::try_from(priv_) else { return false };
    match sk(cx, fd) {
        Ok(s) => {
            packet_rcv(s, skb);
            true
        }
        Err(_) => false,
    }
}

/// `packet_release(sock)`: the hook unregistered, the queue purged.
pub fn packet_release<S: PacketSpec>(cx: &mut NetCx<'_, S>, fd: Fd) -> Result<(), Errno> {
    unregister_prot_hook(cx, fd);
    sk(cx, fd)?.purge();
    Ok(())
}

/// `packet_bind(sock, uaddr, addr_len)` → `packet_do_bind`: a
/// [`SockAddr::Packet`] (`EINVAL` otherwise); its device must exist
/// (`ENODEV`; 0 is any); its protocol, if not 0, replaces the socket's.
pub fn packet_bind<S: PacketSpec>(cx: &mut NetCx<'_, S>, fd: Fd, addr: &SockAddr) -> Result<(), Errno> {
    let SockAddr::Packet { protocol, ifindex } = *addr else { return Err(Errno::EINVAL) };
    if ifindex != 0 && cx.state::<NetDevTables>()?.get_by_index(ifindex).is_none() {
        return Err(Errno::ENODEV);
    }
    // packet_do_bind: unregister_prot_hook, the new device and protocol,
    // register_prot_hook.
    unregister_prot_hook(cx, fd);
    let s = sk(cx, fd)?;
    s.bound_dev_if = ifindex;
    if protocol != 0 {
        s.num = protocol;
    }
    register_prot_hook(cx, fd)
}

/// `packet_getname(sock, uaddr, peer)`: the protocol and device; a packet
/// socket has no peer (`EOPNOTSUPP`).
pub fn packet_getname<S: PacketSpec>(cx: &mut NetCx<'_, S>, fd: Fd, peer: bool) -> Result<SockAddr, Errno> {
    let s = sk(cx, fd)?;
    if peer {
        return Err(Errno::EOPNOTSUPP);
    }
    Ok(SockAddr::Packet { protocol: s.num, ifindex: s.bound_dev_if })
}

/// `packet_ioctl(sock, cmd, arg)`: `SIOCINQ` (the next frame's length),
/// `SIOCOUTQ` (0); others `ENOTTY`.
pub fn packet_ioctl<S: PacketSpec>(cx: &mut NetCx<'_, S>, fd: Fd, cmd: u32, _arg: u64) -> Result<i64, Errno> {
    let s = sk(cx, fd)?;
    match cmd {
        SIOCINQ => Ok(s.receive_queue.peek().map_or(0, SkBuff::len) as i64),
        SIOCOUTQ => Ok(0),
        _ => Err(Errno::ENOTTY),
    }
}

/// `packet_sendmsg(sock, msg, len)` → `packet_snd`, `SOCK_RAW`: the message
/// is a whole frame (`EINVAL` below an Ethernet header, `EMSGSIZE` above
/// the MTU plus the header) sent on the device of `to` or the bound one
/// (`ENXIO` if none, `ENETDOWN` if down) by `dev_queue_xmit`.
pub fn packet_sendmsg<S: PacketSpec>(
    cx: &mut NetCx<'_, S>,
    fd: Fd,
    msg: &[u8],
    to: Option<&SockAddr>,
    _flags: i32,
) -> Result<usize, Errno> {
    let s = sk(cx, fd)?;
    let (ifindex, proto) = match to {
        Some(SockAddr::Packet { protocol, ifindex }) => (*ifindex, *protocol),
        Some(_) => return Err(Errno::EINVAL),
        None => (s.bound_dev_if, s.num),
    };
    if s.type_ == SOCK_DGRAM {
        return Err(Errno::EOPNOTSUPP);
    }
    let dev = cx.state::<NetDevTables>()?.get_by_index(ifindex).ok_or(Errno::ENXIO)?;
    if !dev.is_up() {
        return Err(Errno::ENETDOWN);
    }
    if msg.len() < ETH_HLEN {
        return Err(Errno::EINVAL);
    }
    if msg.len() > dev.mtu as usize + ETH_HLEN {
        return Err(Errno::EMSGSIZE);
    }
    let mut skb = SkBuff::with_payload(MAX_HEADER, msg);
    skb.reset_mac_header();
    skb.protocol = if proto != 0 { proto } else { u16::from_be_bytes([msg[12], msg[13]]) };
    skb.ifindex = ifindex;
    dev_queue_xmit(cx, skb)?;
    Ok(msg.len())
}

/// `packet_recvmsg(sock, msg, len, flags)`: `skb_recv_datagram` (a
/// pending `sk_err` first, which nothing sets on a packet socket here) and
/// the copy ([`Sock::recv_datagram`]): the oldest frame (from the Ethernet
/// header for `SOCK_RAW`, the network header for `SOCK_DGRAM`; truncated,
/// `MSG_TRUNC` returns its real length, `MSG_PEEK` leaves it) and where
/// it came from (its protocol and device). `EAGAIN` when nothing is
/// queued (packet sockets have no `shutdown`).
pub fn packet_recvmsg<S: PacketSpec>(
    cx: &mut NetCx<'_, S>,
    fd: Fd,
    buf: &mut [u8],
    flags: i32,
) -> Result<(usize, Option<SockAddr>), Errno> {
    sk(cx, fd)?.recv_datagram(buf, flags, |skb| SockAddr::Packet { protocol: skb.protocol, ifindex: skb.ifindex })
}

/// Queues a copy of `skb` (`data` at the network header) on packet socket
/// `s` (`packet_rcv`): `SOCK_RAW` from the MAC header. A full receive
/// buffer drops it (`sk_drops`, Linux's `tp_drops`).
fn packet_rcv<S: ProtoSpec>(s: &mut Sock<S>, skb: &SkBuff) {
    let mut c = skb.clone();
    if s.type_ != SOCK_DGRAM {
        c.push_to_mac_header();
    }
    let _ = s.queue_rcv_skb(c);
}

/// `SOL_PACKET` (include/linux/socket.h).
pub const SOL_PACKET: i32 = 263;

/// `packet_setsockopt(sock, level, optname, optval, optlen)`: a level other
/// than `SOL_PACKET` is `ENOPROTOOPT` (`SOL_SOCKET` never gets here:
/// `__sys_setsockopt` sends it to `sock_setsockopt`); the `PACKET_*`
/// options are not built (`ENOPROTOOPT`, listed in the README).
pub fn packet_setsockopt<S: PacketSpec>(
    _cx: &mut NetCx<'_, S>,
    _fd: Fd,
    _level: i32,
    _name: i32,
    _val: &[u8],
) -> Result<(), Errno> {
    Err(Errno::ENOPROTOOPT)
}

/// `packet_getsockopt`: as [`packet_setsockopt`].
pub fn packet_getsockopt<S: PacketSpec>(
    _cx: &mut NetCx<'_, S>,
    _fd: Fd,
    _level: i32,
    _name: i32,
    _val: &mut [u8],
) -> Result<usize, Errno> {
    Err(Errno::ENOPROTOOPT)
}
