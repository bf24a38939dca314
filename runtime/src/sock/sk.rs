//! `struct sock` and a namespace's sockets (include/net/sock.h,
//! include/net/inet_sock.h, net/core/sock.c, net/core/datagram.c).
//!
//! A socket is reached by its descriptor in its namespace's [`Sockets`],
//! the state of the spec's `sock_net_ops`: the fd table (as if each
//! namespace were one process) and the lookup tables the receive path
//! uses, each a Linux hash table of chains indexed by `key & mask` (no
//! hashing of addresses, no allocation per packet):
//!
//! * `udp_table` (net/ipv4/udp.c): chains by local port;
//! * `tcp_bhash` (`tcp_hashinfo.bhash`): bound TCP ports;
//! * `raw_v4_hashinfo` (net/ipv4/raw.c): raw sockets by protocol;
//! * `ping_table` (net/ipv4/ping.c): ICMP echo sockets by identifier;

use super::SockSpec;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::errno::Errno;
use crate::netns::Net;
use crate::skbuff::{SkBuff, SkBuffHead};
use crate::sock::ProtInuseCounters;
use crate::tables::{Entry, Fd, NetCx, OpsEntry, ProtoSpec, SockAddr};

/// `socket_state` (include/uapi/linux/net.h).
pub const SS_FREE: u8 = 0;
pub const SS_UNCONNECTED: u8 = 1;
pub const SS_CONNECTING: u8 = 2;
pub const SS_CONNECTED: u8 = 3;
pub const SS_DISCONNECTING: u8 = 4;

/// `sk->sk_state` (include/net/tcp_states.h); datagram sockets use
/// `TCP_ESTABLISHED` for "connected" and `TCP_CLOSE` otherwise.
pub const TCP_ESTABLISHED: u8 = 1;
pub const TCP_SYN_SENT: u8 = 2;
pub const TCP_SYN_RECV: u8 = 3;
pub const TCP_CLOSE: u8 = 7;
pub const TCP_LISTEN: u8 = 10;

/// `sk->sk_userlocks`: the user bound an address / a port.
pub const SOCK_BINDADDR_LOCK: u8 = 4;
pub const SOCK_BINDPORT_LOCK: u8 = 8;

/// `sk->sk_shutdown` bits.
pub const RCV_SHUTDOWN: u8 = 1;
pub const SEND_SHUTDOWN: u8 = 2;
pub const SHUTDOWN_MASK: u8 = 3;

/// `SOL_SOCKET` and its options (include/uapi/asm-generic/socket.h).
pub const SOL_SOCKET: i32 = 1;
pub const SO_REUSEADDR: i32 = 2;
pub const SO_TYPE: i32 = 3;
pub const SO_ERROR: i32 = 4;
pub const SO_BROADCAST: i32 = 6;
pub const SO_SNDBUF: i32 = 7;
pub const SO_RCVBUF: i32 = 8;
pub const SO_BINDTODEVICE: i32 = 25;
pub const SO_PROTOCOL: i32 = 38;
pub const SO_DOMAIN: i32 = 39;

/// `msg_flags` (include/linux/socket.h).
pub const MSG_OOB: i32 = 1;
pub const MSG_PEEK: i32 = 2;
pub const MSG_TRUNC: i32 = 0x20;
pub const MSG_DONTWAIT: i32 = 0x40;

/// `poll` bits (include/uapi/asm-generic/poll.h).
pub const POLLIN: u32 = 0x1;
pub const POLLOUT: u32 = 0x4;
pub const POLLERR: u32 = 0x8;
pub const POLLHUP: u32 = 0x10;
pub const POLLRDNORM: u32 = 0x40;
pub const POLLWRNORM: u32 = 0x100;
pub const POLLWRBAND: u32 = 0x200;
pub const POLLRDHUP: u32 = 0x2000;

/// `sysctl_rmem_default` / `sysctl_wmem_default` (`SK_RMEM_MAX`): a new
/// socket's `sk_rcvbuf` and `sk_sndbuf`.
pub const SK_RMEM_DEFAULT: usize = 212_992;
pub const SK_WMEM_DEFAULT: usize = 212_992;
/// `sysctl_rmem_max`: the most `SO_RCVBUF` may ask for (before doubling).
pub const SYSCTL_RMEM_MAX: usize = 212_992;
/// `SOCK_MIN_RCVBUF` (Linux 6.0: `TCP_SKB_MIN_TRUESIZE * 2`).
pub const SOCK_MIN_RCVBUF: usize = 4608;
/// `SOCK_MIN_SNDBUF`.
pub const SOCK_MIN_SNDBUF: usize = 4608;

/// The first descriptor a namespace hands out (0..2 are the standard
/// streams of the process it stands for).
pub const FD_BASE: Fd = 3;
/// `RLIMIT_NOFILE` of the process a namespace stands for: `INR_OPEN_CUR`
/// (include/uapi/linux/fs.h), the soft limit every process starts with.
/// `alloc_fd(0, rlimit(RLIMIT_NOFILE), flags)` hands out descriptors below
/// it only, else `EMFILE`: with 0..2 taken by the standard streams, a
/// namespace holds at most `RLIMIT_NOFILE - FD_BASE` (1021) sockets.
pub const RLIMIT_NOFILE: Fd = 1024;

/// `UDP_HTABLE_SIZE_MIN`: chains of `udp_table`.
pub const UDP_HTABLE_SIZE: usize = 256;
/// `INET_BHTABLE_SIZE` kept small: chains of the TCP bind table.
pub const TCP_BHTABLE_SIZE: usize = 256;
/// `RAW_HTABLE_SIZE`: chains of `raw_v4_hashinfo` (one per protocol).
pub const RAW_HTABLE_SIZE: usize = 256;
/// `PING_HTABLE_SIZE`: chains of `ping_table`.
pub const PING_HTABLE_SIZE: usize = 64;

/// `struct sock` with `struct inet_sock`'s fields (and the few of
/// `struct packet_sock` a PF_PACKET socket needs), plus `struct socket`'s
/// `state`, `type` and `ops`.
///
/// Addresses are IPv4 addresses as `u32` in host order and ports in host
/// order (Linux keeps both in network order).
#[derive(Debug)]
pub struct Sock<S: ProtoSpec> {
    /// `sk->sk_family`.
    pub family: u16,
    /// `sk->sk_type`.
    pub type_: u16,
    /// `sk->sk_protocol`.
    pub protocol: u16,
    /// `sock->ops`: a spec `proto_ops` or a run-time `DynProtoOps`.
    pub ops: OpsEntry<S>,
    /// `sk->sk_prot`: the spec `proto`'s index.
    pub prot: Option<u16>,
    /// `sk->sk_prot->inuse_idx`, if the proto is registered.
    pub inuse_idx: Option<usize>,
    /// `sock->state` (`SS_*`).
    pub sock_state: u8,
    /// `sk->sk_state` (`TCP_*`).
    pub state: u8,
    /// `sk->sk_reuse` (`SO_REUSEADDR`; `SK_CAN_REUSE` from the protosw).
    pub reuse: bool,
    /// `SOCK_BROADCAST` (`SO_BROADCAST`).
    pub broadcast: bool,
    /// `sk->sk_userlocks`.
    pub userlocks: u8,
    /// `sk->sk_shutdown`.
    pub shutdown: u8,
    /// `inet->inet_num`: the local port (UDP, TCP), the protocol (raw),
    /// the echo identifier (ping), the ethertype (`po->num`, packet).
    pub num: u16,
    /// `inet->inet_rcv_saddr`: the bound address (0: any).
    pub rcv_saddr: u32,
    /// `inet->inet_saddr`: the source address sends use (0: by route).
    pub saddr: u32,
    /// `inet->inet_sport`.
    pub sport: u16,
    /// `inet->inet_daddr`: the connected peer.
    pub daddr: u32,
    /// `inet->inet_dport`.
    pub dport: u16,
    /// `sk->sk_bound_dev_if` (`po->ifindex` for packet sockets).
    pub bound_dev_if: i32,
    /// `inet->hdrincl` (`IP_HDRINCL`).
    pub hdrincl: bool,
    /// `inet->recverr` (`IP_RECVERR`).
    pub recverr: bool,
    /// `inet->uc_ttl` (`IP_TTL`; `None`: the namespace's default).
    pub ttl: Option<u8>,
    /// `inet->pmtudisc` (`IP_MTU_DISCOVER`): `IP_PMTUDISC_WANT` (1) unless
    /// `inet_create` found `ip_no_pmtu_disc` set (`IP_PMTUDISC_DONT`, 0).
    pub pmtudisc: u8,
    /// Whether the proto's hash table holds the socket.
    pub hashed: bool,
    /// `sk->sk_receive_queue`.
    pub receive_queue: SkBuffHead,
    /// `sk->sk_rmem_alloc`: truesize of what is queued.
    pub rmem_alloc: usize,
    /// `sk->sk_rcvbuf`.
    pub rcvbuf: usize,
    /// `sk->sk_sndbuf`.
    pub sndbuf: usize,
    /// `sk->sk_err`: a pending error (positive errno, 0: none), reported
    /// and cleared by the next send, receive or `SO_ERROR`.
    pub err: i32,
    /// `sk->sk_err_soft`.
    pub err_soft: i32,
    /// `sk->sk_drops`: packets dropped for this socket (receive buffer
    /// full).
    pub drops: u64,
    /// `po->prot_hook` while it is registered (`po->running`): a PF_PACKET
    /// socket's handler on its namespace's packet handler lists.
    pub prot_hook: Option<crate::tables::Handle>,
}

impl<S: ProtoSpec> Sock<S> {
    /// `sk_alloc` + `sock_init_data`: a socket of `family`/`type_` with no
    /// ops yet (the family's `create` sets them).
    pub fn new(family: u16, type_: u16, protocol: u16) -> Sock<S> {
        Sock {
            family,
            type_,
            protocol,
            ops: Entry::Spec(u16::MAX),
            prot: None,
            inuse_idx: None,
            sock_state: SS_UNCONNECTED,
            state: TCP_CLOSE,
            reuse: false,
            broadcast: false,
            userlocks: 0,
            shutdown: 0,
            num: 0,
            rcv_saddr: 0,
            saddr: 0,
            sport: 0,
            daddr: 0,
            dport: 0,
            bound_dev_if: 0,
            hdrincl: false,
            recverr: false,
            ttl: None,
            pmtudisc: 1,
            hashed: false,
            receive_queue: SkBuffHead::new(),
            rmem_alloc: 0,
            rcvbuf: SK_RMEM_DEFAULT,
            sndbuf: SK_WMEM_DEFAULT,
            err: 0,
            err_soft: 0,
            drops: 0,
            prot_hook: None,
        }
    }

    /// `sock_error(sk)`: takes the pending error.
    #[inline]
    pub fn sock_error(&mut self) -> Result<(), Errno> {
        if self.err == 0 {
            return Ok(());
        }
        let e = std::mem::take(&mut self.err);
        Err(Errno(e))
    }

    /// `__sock_queue_rcv_skb(sk, skb)`: queues `skb` unless the receive
    /// buffer is full (`sk_rmem_alloc >= sk_rcvbuf`), in which case it is
    /// freed, `sk_drops` counted and `ENOMEM` returned.
    #[inline(always)] // the tail of every receive path: no call for it
    pub fn queue_rcv_skb(&mut self, skb: SkBuff) -> Result<(), Errno> {
        if self.rmem_alloc >= self.rcvbuf {
            self.drops += 1;
            return Err(Errno::ENOMEM);
        }
        self.rmem_alloc += skb.truesize();
        self.receive_queue.queue_tail(skb);
        Ok(())
    }

    /// `skb_dequeue(&sk->sk_receive_queue)` + `skb_free_datagram`'s
    /// uncharge.
    #[inline]
    pub fn dequeue(&mut self) -> Option<SkBuff> {
        let skb = self.receive_queue.dequeue()?;
        self.rmem_alloc = self.rmem_alloc.saturating_sub(skb.truesize());
        Some(skb)
    }

    /// `skb_recv_datagram` + `skb_copy_datagram_msg` for sockets that hand
    /// the whole queued buffer to the reader (raw, ping): a pending
    /// `sk_err` first; then the oldest datagram copied into `buf`
    /// (truncated; `MSG_TRUNC` returns its real length, `MSG_PEEK` leaves it
    /// queued) with the address `addr` reads off it; 0 after a receive
    /// shutdown; `EAGAIN` when nothing is queued.
    pub fn recv_datagram(
        &mut self,
        buf: &mut [u8],
        flags: i32,
        addr: impl FnOnce(&SkBuff) -> SockAddr,
    ) -> Result<(usize, Option<SockAddr>), Errno> {
        self.sock_error()?;
        let Some(skb) = self.receive_queue.peek() else {
            if self.shutdown & RCV_SHUTDOWN != 0 {
                return Ok((0, None));
            }
            return Err(Errno::EAGAIN);
        };
        let d = skb.data();
        let n = d.len().min(buf.len());
        buf[..n].copy_from_slice(&d[..n]);
        let len = d.len();
        let addr = addr(skb);
        if flags & MSG_PEEK == 0 {
            self.dequeue();
        }
        Ok((if flags & MSG_TRUNC != 0 { len } else { n }, Some(addr)))
    }

    /// `skb_queue_purge(&sk->sk_receive_queue)` with the uncharge.
    pub fn purge(&mut self) {
        self.receive_queue.purge();
        self.rmem_alloc = 0;
    }

    /// The source address `getsockname` shows: `inet_rcv_saddr`, else
    /// `inet_saddr`.
    pub fn local_addr(&self) -> u32 {
        if self.rcv_saddr != 0 {
            self.rcv_saddr
        } else {
            self.saddr
        }
    }
}

/// A Linux socket hash table: `size` chains (a power of two) of
/// descriptors, the chain of a key being `key & (size - 1)`. The chains
/// are allocated on the first insertion, so an unused table costs a
/// namespace nothing.
#[derive(Clone, Debug, Default)]
pub struct PortTable {
    chains: Vec<Vec<Fd>>,
    mask: usize,
    count: usize,
}

impl PortTable {
    /// A table of `size` chains (rounded up to a power of two).
    pub fn new(size: usize) -> Self {
        PortTable { chains: Vec::new(), mask: size.max(1).next_power_of_two() - 1, count: 0 }
    }

    /// The sockets of `key`'s chain (others share it when `key`s collide
    /// under the mask: callers compare).
    #[inline]
    pub fn chain(&self, key: u16) -> &[Fd] {
        self.chains.get(usize::from(key) & self.mask).map_or(&[], Vec::as_slice)
    }

    /// Adds `fd` to `key`'s chain.
    pub fn insert(&mut self, key: u16, fd: Fd) {
        if self.chains.is_empty() {
            self.chains.resize_with(self.mask + 1, Vec::new);
        }
        if let Some(c) = self.chains.get_mut(usize::from(key) & self.mask) {
            c.push(fd);
            self.count += 1;
        }
    }

    /// Removes `fd` from `key`'s chain; `false` if it was not there.
    pub fn remove(&mut self, key: u16, fd: Fd) -> bool {
        let Some(c) = self.chains.get_mut(usize::from(key) & self.mask) else { return false };
        let Some(i) = c.iter().position(|&f| f == fd) else { return false };
        c.remove(i);
        self.count -= 1;
        true
    }

    /// Sockets in the table.
    #[inline]
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Every socket, chain by chain.
    pub fn iter(&self) -> impl Iterator<Item = Fd> + '_ {
        self.chains.iter().flatten().copied()
    }
}

/// Seeds the ephemeral-port generators of new namespaces differently.
static PORT_SEED: AtomicU32 = AtomicU32::new(0x9e37_79b9);

/// A namespace's sockets: the state of `sock_net_ops`.
#[derive(Debug)]
pub struct Sockets<S: ProtoSpec> {
    files: Vec<Option<Sock<S>>>,
    used: usize,
    /// `udp_table`: UDP sockets by local port.
    pub udp_table: PortTable,
    /// `tcp_hashinfo.bhash`: TCP sockets by bound port.
    pub tcp_bhash: PortTable,
    /// `raw_v4_hashinfo`: raw sockets by protocol.
    pub raw_hash: PortTable,
    /// `ping_table`: ICMP echo sockets by identifier.
    pub ping_table: PortTable,
    /// `tcp_sockets_allocated` (sockstat "alloc").
    pub tcp_sockets_allocated: u64,
    /// `prandom` state for ephemeral ports.
    rnd: u32,
    /// `ping_port_rover`.
    pub(crate) ping_port_rover: u16,
}

impl<S: ProtoSpec> Default for Sockets<S> {
    fn default() -> Self {
        Sockets::new()
    }
}

impl<S: ProtoSpec> Sockets<S> {
    /// No sockets; tables unallocated.
    pub fn new() -> Self {
        let seed = PORT_SEED.fetch_add(0x6d2b_79f5, Ordering::Relaxed) | 1;
        Sockets {
            files: Vec::new(),
            used: 0,
            udp_table: PortTable::new(UDP_HTABLE_SIZE),
            tcp_bhash: PortTable::new(TCP_BHTABLE_SIZE),
            raw_hash: PortTable::new(RAW_HTABLE_SIZE),
            ping_table: PortTable::new(PING_HTABLE_SIZE),
            tcp_sockets_allocated: 0,
            rnd: seed,
            ping_port_rover: 0,
        }
    }

    /// The index of `fd` in `files`. A descriptor below `FD_BASE`
    /// (negative ones included) wraps to a huge index that the bounds
    /// check of the lookup refuses: one subtraction, no overflow checks.
    #[inline]
    fn slot(fd: Fd) -> usize {
        (fd as u32).wrapping_sub(FD_BASE as u32) as usize
    }

    /// The socket `fd` names.
    #[inline]
    pub fn get(&self, fd: Fd) -> Option<&Sock<S>> {
        self.files.get(Self::slot(fd))?.as_ref()
    }

    /// Mutable [`Sockets::get`].
    #[inline]
    pub fn get_mut(&mut self, fd: Fd) -> Option<&mut Sock<S>> {
        self.files.get_mut(Self::slot(fd))?.as_mut()
    }

    /// `sock_alloc` + `sock_map_fd`: installs `sock` at the lowest free
    /// descriptor (the family's `create` then fills it in). `EMFILE` when
    /// that descriptor would be [`RLIMIT_NOFILE`] or more
    /// (`get_unused_fd_flags` → `alloc_fd`); nothing is installed then.
    /// (Linux creates the socket first and releases it when
    /// `sock_map_fd` fails; the error is the same.)
    pub fn install(&mut self, sock: Sock<S>) -> Result<Fd, Errno> {
        let i = self.files.iter().position(Option::is_none).unwrap_or(self.files.len());
        let fd = Fd::try_from(i).ok().and_then(|i| i.checked_add(FD_BASE)).filter(|&fd| fd < RLIMIT_NOFILE);
        let fd = fd.ok_or(Errno::EMFILE)?;
        match self.files.get_mut(i) {
            Some(slot) => *slot = Some(sock),
            None => self.files.push(Some(sock)),
        }
        self.used += 1;
        Ok(fd)
    }

    /// Frees descriptor `fd`, returning its socket.
    pub fn remove(&mut self, fd: Fd) -> Option<Sock<S>> {
        let sock = self.files.get_mut(Self::slot(fd))?.take()?;
        self.used -= 1;
        while matches!(self.files.last(), Some(None)) {
            self.files.pop();
        }
        Some(sock)
    }

    /// Sockets in use (sockstat "sockets: used").
    pub fn len(&self) -> usize {
        self.used
    }

    pub fn is_empty(&self) -> bool {
        self.used == 0
    }

    /// Every socket with its descriptor.
    pub fn iter(&self) -> impl Iterator<Item = (Fd, &Sock<S>)> {
        self.files.iter().enumerate().filter_map(|(i, s)| Some((Fd::try_from(i).ok()? + FD_BASE, s.as_ref()?)))
    }

    /// `prandom_u32()`: xorshift32.
    pub(crate) fn prandom_u32(&mut self) -> u32 {
        let mut x = self.rnd;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rnd = x;
        x
    }
}

/// `sock_net_ops.init`: the namespace's empty socket tables.
pub fn sockets_net_init<S: ProtoSpec>(_net: &mut Net<S>) -> Result<Sockets<S>, Errno> {
    Ok(Sockets::new())
}

/// The socket `fd` names in `cx`'s namespace; `EBADF` if none.
#[inline]
pub fn sk<'c, S: SockSpec>(cx: &'c mut NetCx<'_, S>, fd: Fd) -> Result<&'c mut Sock<S>, Errno> {
    cx.state_mut::<Sockets<S>>()?.get_mut(fd).ok_or(Errno::EBADF)
}

/// `sock_prot_inuse_add(net, prot, val)` for the socket's proto, on `cx`'s
/// CPU (clamped to the CPUs the counters have).
pub fn sock_prot_inuse_add<S: SockSpec>(cx: &mut NetCx<'_, S>, inuse_idx: Option<usize>, val: i32) {
    let Some(idx) = inuse_idx else { return };
    let cpu = cx.cpu;
    if let Ok(c) = cx.state_mut::<ProtInuseCounters>() {
        let cpu = cpu.min(c.nr_cpus().saturating_sub(1));
        let _ = c.add(cpu, idx, val);
    }
}

/// The spec `proto` of `fd`'s socket: its index and descriptor
/// (`sk->sk_prot`); `EOPNOTSUPP` for a socket without one.
#[inline]
pub fn sk_prot<S: SockSpec>(cx: &mut NetCx<'_, S>, fd: Fd) -> Result<(u16, &'static crate::tables::ProtoDesc), Errno> {
    let p = sk(cx, fd)?.prot.ok_or(Errno::EOPNOTSUPP)?;
    let desc = S::PROTOS.get(usize::from(p)).ok_or(Errno::EOPNOTSUPP)?;
    Ok((p, desc))
}

/// `sk_common_release(sk)` (net/core/sock.c): `sk->sk_prot->destroy`
/// (if any), `sk->sk_prot->unhash`, and the receive queue purged.
pub fn sk_common_release<S: SockSpec>(cx: &mut NetCx<'_, S>, fd: Fd) {
    if let Ok((p, desc)) = sk_prot(cx, fd) {
        if desc.methods.destroy {
            S::prot_destroy(p, cx, fd);
        }
        S::prot_unhash(p, cx, fd);
    }
    if let Ok(s) = sk(cx, fd) {
        s.state = TCP_CLOSE;
        s.purge();
    }
}

pub(crate) fn int_val(val: &[u8]) -> Result<i32, Errno> {
    let b: [u8; 4] = val.get(..4).and_then(|b| b.try_into().ok()).ok_or(Errno::EINVAL)?;
    Ok(i32::from_ne_bytes(b))
}

pub(crate) fn put_int(val: &mut [u8], v: i32) -> Result<usize, Errno> {
    let out = val.get_mut(..4).ok_or(Errno::EINVAL)?;
    out.copy_from_slice(&v.to_ne_bytes());
    Ok(4)
}

/// `sock_setsockopt(sock, SOL_SOCKET, optname, ..)` (net/core/sock.c):
/// `SO_REUSEADDR`, `SO_BROADCAST`, `SO_RCVBUF` / `SO_SNDBUF` (doubled,
/// capped at `sysctl_[rw]mem_max`, at least `SOCK_MIN_*BUF`),
/// `SO_BINDTODEVICE` (a device name; empty unbinds; `ENODEV` if there is
/// no such device). Integer options take a native-endian `int`; a shorter
/// value is `EINVAL`. Others: `ENOPROTOOPT`.
pub fn sock_setsockopt<S: SockSpec>(cx: &mut NetCx<'_, S>, fd: Fd, name: i32, val: &[u8]) -> Result<(), Errno> {
    if name == SO_BINDTODEVICE {
        let name = val.split(|&b| b == 0).next().unwrap_or(&[]);
        let ifindex = if name.is_empty() {
            0
        } else {
            let name = std::str::from_utf8(name).map_err(|_| Errno::ENODEV)?;
            let devs = cx.state::<crate::dev::NetDevTables>()?;
            devs.get_by_name(name).map(|d| d.ifindex).ok_or(Errno::ENODEV)?
        };
        sk(cx, fd)?.bound_dev_if = ifindex;
        return Ok(());
    }
    let v = int_val(val)?;
    let s = sk(cx, fd)?;
    match name {
        SO_REUSEADDR => s.reuse = v != 0,
        SO_BROADCAST => s.broadcast = v != 0,
        SO_RCVBUF => {
            let v = usize::try_from(v.max(0)).unwrap_or(0).min(SYSCTL_RMEM_MAX);
            s.rcvbuf = (v * 2).max(SOCK_MIN_RCVBUF);
        }
        SO_SNDBUF => {
            let v = usize::try_from(v.max(0)).unwrap_or(0).min(SYSCTL_RMEM_MAX);
            s.sndbuf = (v * 2).max(SOCK_MIN_SNDBUF);
        }
        _ => return Err(Errno::ENOPROTOOPT),
    }
    Ok(())
}

/// `sock_getsockopt(sock, SOL_SOCKET, ..)`: `SO_TYPE`, `SO_ERROR` (takes
/// the pending error), `SO_REUSEADDR`, `SO_BROADCAST`, `SO_RCVBUF`,
/// `SO_SNDBUF`, `SO_PROTOCOL`, `SO_DOMAIN`, `SO_BINDTODEVICE` (as an
/// ifindex here). Returns the bytes written (4).
pub fn sock_getsockopt<S: SockSpec>(cx: &mut NetCx<'_, S>, fd: Fd, name: i32, val: &mut [u8]) -> Result<usize, Errno> {
    let s = sk(cx, fd)?;
    let v = match name {
        SO_TYPE => i32::from(s.type_),
        SO_ERROR => std::mem::take(&mut s.err),
        SO_REUSEADDR => i32::from(s.reuse),
        SO_BROADCAST => i32::from(s.broadcast),
        SO_RCVBUF => i32::try_from(s.rcvbuf).unwrap_or(i32::MAX),
        SO_SNDBUF => i32::try_from(s.sndbuf).unwrap_or(i32::MAX),
        SO_PROTOCOL => i32::from(s.protocol),
        SO_DOMAIN => i32::from(s.family),
        SO_BINDTODEVICE => s.bound_dev_if,
        _ => return Err(Errno::ENOPROTOOPT),
    };
    put_int(val, v)
}

/// `datagram_poll(file, sock, wait)` (net/core/datagram.c): readable when
/// something is queued, an error when `sk_err` is set, hang-up when both
/// directions are shut down; datagram sockets are always writable here.
pub fn datagram_poll<S: SockSpec>(cx: &mut NetCx<'_, S>, fd: Fd) -> Result<u32, Errno> {
    let s = sk(cx, fd)?;
    let mut mask = 0;
    if s.err != 0 {
        mask |= POLLERR;
    }
    if s.shutdown & RCV_SHUTDOWN != 0 {
        mask |= POLLRDHUP | POLLIN | POLLRDNORM;
    }
    if s.shutdown == SHUTDOWN_MASK {
        mask |= POLLHUP;
    }
    if !s.receive_queue.is_empty() {
        mask |= POLLIN | POLLRDNORM;
    }
    mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
    Ok(mask)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_table_chains_by_mask() {
        let mut t = PortTable::new(256);
        assert!(t.chain(53).is_empty());
        t.insert(53, 3);
        t.insert(53 + 256, 4);
        t.insert(54, 5);
        assert_eq!(t.chain(53), [3, 4], "colliding keys share a chain");
        assert_eq!(t.len(), 3);
        assert!(t.remove(53, 3));
        assert!(!t.remove(53, 3));
        assert_eq!(t.iter().collect::<Vec<_>>(), [4, 5]);
        assert_eq!(PortTable::new(0).chain(7), [] as [Fd; 0]);
    }

    #[test]
    fn fd_table_reuses_the_lowest_descriptor() {
        let mut s = Sockets::<crate::testspec::TestSpec>::new();
        let a = s.install(Sock::new(2, 2, 17)).unwrap();
        let b = s.install(Sock::new(2, 2, 17)).unwrap();
        assert_eq!((a, b), (3, 4));
        assert!(s.remove(a).is_some());
        assert!(s.remove(a).is_none());
        assert_eq!(s.install(Sock::new(2, 1, 6)).unwrap(), 3);
        assert_eq!(s.len(), 2);
        assert!(s.get(-1).is_none() && s.get(0).is_none() && s.get(99).is_none());
        assert_eq!(s.iter().map(|(fd, _)| fd).collect::<Vec<_>>(), [3, 4]);
    }

    #[test]
    fn receive_buffer_limit_drops_and_counts() {
        let mut s = Sock::<crate::testspec::TestSpec>::new(2, 2, 17);
        s.rcvbuf = 1;
        s.queue_rcv_skb(SkBuff::from_frame(&[0; 10], 1)).unwrap();
        assert_eq!(s.queue_rcv_skb(SkBuff::from_frame(&[0; 10], 1)), Err(Errno::ENOMEM));
        assert_eq!((s.drops, s.receive_queue.len()), (1, 1));
        assert!(s.dequeue().is_some());
        assert_eq!(s.rmem_alloc, 0);
        s.err = 111;
        assert_eq!(s.sock_error(), Err(Errno::ECONNREFUSED));
        assert_eq!(s.sock_error(), Ok(()));
    }
}
