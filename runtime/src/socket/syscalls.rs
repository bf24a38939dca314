//! The socket system calls (net/socket.c): each finds the socket by its
//! descriptor and calls through `sock->ops`, a spec `proto_ops` (the
//! generated `match`, [`crate::tables::ProtoSpec::ops_bind`] and friends) or a
//! [`DynProtoOps`] registered at run time. All are non-blocking
//! (`MSG_DONTWAIT` always): a receive with nothing queued is `EAGAIN`.

use super::SocketSpec;
use crate::errno::Errno;
use crate::sock::sk::{sk, sock_getsockopt, sock_setsockopt, Sock, Sockets, SOL_SOCKET};
use crate::socket::{NPROTO, PF_INET, PF_PACKET, SOCK_CLOEXEC, SOCK_MAX, SOCK_NONBLOCK, SOCK_PACKET, SOCK_TYPE_MASK};
use crate::sysctl::{SysctlCoreNet, SOMAXCONN};
use crate::tables::{DynProtoOps, Entry, Fd, NetCx, SockAddr};

/// `sock->ops` of `fd`: a spec index, or (the slow path) the run-time
/// vtable.
#[inline]
fn ops_of<S: SocketSpec>(cx: &mut NetCx<'_, S>, fd: Fd) -> Result<Result<u16, DynProtoOps<S>>, Errno> {
    Ok(match &sk(cx, fd)?.ops {
        Entry::Spec(i) => Ok(*i),
        Entry::Fn(ops, _) => Err(**ops),
    })
}

/// Calls `sock->ops->$method(..)`: the generated `match` for a spec entry,
/// the run-time vtable for a dynamic one.
macro_rules! call_ops {
    ($cx:expr, $fd:expr, $spec:ident, $method:ident $(, $arg:expr)*) => {{
        match ops_of($cx, $fd)? {
            Ok(i) => S::$spec(i, $cx, $fd $(, $arg)*),
            Err(o) => (o.$method)($cx, $fd $(, $arg)*),
        }
    }};
}

/// `socket(family, type, protocol)` (`__sys_socket` →
/// `__sys_socket_create` → `__sock_create`):
///
/// * flag bits of the type (those outside `SOCK_TYPE_MASK`) other than
///   `SOCK_NONBLOCK`/`SOCK_CLOEXEC` are `EINVAL`, checked first, before
///   the family (`__sys_socket_create`); those two are masked off (every
///   socket here is non-blocking);
/// * a family outside `0..NPROTO` or not registered is `EAFNOSUPPORT`;
///   a type outside `0..SOCK_MAX` is `EINVAL`;
/// * `(PF_INET, SOCK_PACKET)` becomes `PF_PACKET`, as in Linux;
/// * `net_families[family]->create(..)` fills in the socket (`inet_create`:
///   `ESOCKTNOSUPPORT`, `EPROTONOSUPPORT`, ...);
/// * once it has its descriptor, the tail of `inet_create` runs: a socket
///   whose `inet_num` is already set (raw) is hashed
///   (`sk->sk_prot->hash`), then `sk->sk_prot->init`; if either fails the
///   socket is released and the error returned.
///
/// For `PF_PACKET` the protocol is the ethertype in host order (Linux
/// takes it in network order, `htons(ETH_P_ALL)`).
pub fn sys_socket<S: SocketSpec>(cx: &mut NetCx<'_, S>, family: i32, type_: i32, protocol: i32) -> Result<Fd, Errno> {
    if (type_ & !SOCK_TYPE_MASK) & !(SOCK_CLOEXEC | SOCK_NONBLOCK) != 0 {
        return Err(Errno::EINVAL);
    }
    let type_ = type_ & SOCK_TYPE_MASK;
    if !(0..NPROTO as i32).contains(&family) {
        return Err(Errno::EAFNOSUPPORT);
    }
    if !(0..SOCK_MAX as i32).contains(&type_) {
        return Err(Errno::EINVAL);
    }
    let mut family = family as u16;
    let type_ = type_ as u16;
    if family == PF_INET && type_ == SOCK_PACKET {
        family = PF_PACKET;
    }
    let pf = cx.kernel_state::<super::SockRegistryState<S>>()?.family(family).ok_or(Errno::EAFNOSUPPORT)?;
    // `sock_alloc`: the socket exists (here: has its descriptor) before the
    // family's `create` fills it in; if `create` fails it is freed without
    // a `release`, as `__sock_create` does with `sock->ops` still NULL.
    let sock = Sock::new(family, type_, protocol.clamp(0, i32::from(u16::MAX)) as u16);
    let fd = cx.state_mut::<Sockets<S>>()?.install(sock)?;
    let created = match pf.entry {
        Entry::Spec(i) => S::family_create(i, cx, fd, protocol, false),
        Entry::Fn(create, _) => create(cx, fd, protocol, false),
    };
    if let Err(e) = created {
        cx.state_mut::<Sockets<S>>()?.remove(fd);
        return Err(e);
    }
    let s = sk(cx, fd)?;
    let (prot, hash_now) = (s.prot, s.num != 0);
    if let Some(p) = prot {
        let desc = S::PROTOS.get(usize::from(p));
        let mut r = Ok(());
        if hash_now && desc.is_some_and(|d| d.methods.hash) {
            r = S::prot_hash(p, cx, fd);
        }
        if r.is_ok() && desc.is_some_and(|d| d.methods.init) {
            r = S::prot_init(p, cx, fd);
        }
        if let Err(e) = r {
            // sk_common_release: what hash did is undone by close.
            let _ = sys_close(cx, fd);
            return Err(e);
        }
    }
    Ok(fd)
}

/// `bind(fd, addr)`: `sock->ops->bind`.
pub fn sys_bind<S: SocketSpec>(cx: &mut NetCx<'_, S>, fd: Fd, addr: &SockAddr) -> Result<(), Errno> {
    call_ops!(cx, fd, ops_bind, bind, addr)
}

/// `connect(fd, addr)`: `sock->ops->connect(.., O_NONBLOCK)`.
pub fn sys_connect<S: SocketSpec>(cx: &mut NetCx<'_, S>, fd: Fd, addr: &SockAddr) -> Result<(), Errno> {
    call_ops!(cx, fd, ops_connect, connect, addr, crate::socket::SOCK_NONBLOCK)
}

/// `listen(fd, backlog)` (`__sys_listen`): `sock->ops->listen`, the
/// backlog capped at the socket's namespace's `net.core.somaxconn`
/// (`if ((unsigned int)backlog > somaxconn) backlog = somaxconn;`, so a
/// negative backlog becomes `somaxconn` too). A namespace without
/// `sysctl_core_ops` state has the default, `SOMAXCONN`.
pub fn sys_listen<S: SocketSpec>(cx: &mut NetCx<'_, S>, fd: Fd, backlog: i32) -> Result<(), Errno> {
    let somaxconn = cx.state::<SysctlCoreNet>().map_or(SOMAXCONN, |c| c.sysctl_somaxconn);
    let backlog = if backlog as u32 > somaxconn { i32::try_from(somaxconn).unwrap_or(i32::MAX) } else { backlog };
    call_ops!(cx, fd, ops_listen, listen, backlog)
}

/// `accept4(fd, flags)`: `sock->ops->accept`.
pub fn sys_accept<S: SocketSpec>(cx: &mut NetCx<'_, S>, fd: Fd, flags: i32) -> Result<Fd, Errno> {
    call_ops!(cx, fd, ops_accept, accept, flags)
}

/// `getsockname(fd)`: `sock->ops->getname(.., 0)`.
pub fn sys_getsockname<S: SocketSpec>(cx: &mut NetCx<'_, S>, fd: Fd) -> Result<SockAddr, Errno> {
    call_ops!(cx, fd, ops_getname, getname, false)
}

/// `getpeername(fd)`: `sock->ops->getname(.., 1)`.
pub fn sys_getpeername<S: SocketSpec>(cx: &mut NetCx<'_, S>, fd: Fd) -> Result<SockAddr, Errno> {
    call_ops!(cx, fd, ops_getname, getname, true)
}

/// `sendto(fd, buf, flags, to)`: `sock->ops->sendmsg`. Then, as Linux
/// runs pending softirqs when a system call re-enables bottom halves, the
/// namespace's receive queues are processed (a datagram to a local address
/// went through `lo` and is delivered before this returns).
pub fn sys_sendto<S: SocketSpec>(
    cx: &mut NetCx<'_, S>,
    fd: Fd,
    buf: &[u8],
    to: Option<&SockAddr>,
    flags: i32,
) -> Result<usize, Errno> {
    let r = call_ops!(cx, fd, ops_sendmsg, sendmsg, buf, to, flags);
    crate::dev::do_softirq(cx);
    r
}

/// `recvfrom(fd, buf, flags)`: `sock->ops->recvmsg`; `EAGAIN` when nothing
/// is queued.
pub fn sys_recvfrom<S: SocketSpec>(
    cx: &mut NetCx<'_, S>,
    fd: Fd,
    buf: &mut [u8],
    flags: i32,
) -> Result<(usize, Option<SockAddr>), Errno> {
    call_ops!(cx, fd, ops_recvmsg, recvmsg, buf, flags)
}

/// One message of [`sys_recvmmsg`] (`struct mmsghdr`): the buffer to fill
/// (`msg_iov`), and what the receive wrote: `msg_len` and the sender
/// (`msg_name`).
#[derive(Debug)]
pub struct MMsgHdr<'b> {
    pub buf: &'b mut [u8],
    pub msg_len: usize,
    pub name: Option<SockAddr>,
}

impl<'b> MMsgHdr<'b> {
    /// A message to receive into `buf`.
    pub fn new(buf: &'b mut [u8]) -> Self {
        MMsgHdr { buf, msg_len: 0, name: None }
    }
}

/// `recvmmsg(fd, msgvec, vlen, flags, NULL)` (`do_recvmmsg`): the socket
/// is looked up once and a pending error (`sock_error`) returned first;
/// then `sock->ops->recvmsg` fills one message after another until all
/// are filled or a receive fails. Returns how many were filled; if none
/// was, the error. An error after the first datagram other than `EAGAIN`
/// is kept as the socket's `sk_err`, for the next call to report, as
/// Linux does.
pub fn sys_recvmmsg<S: SocketSpec>(
    cx: &mut NetCx<'_, S>,
    fd: Fd,
    msgs: &mut [MMsgHdr<'_>],
    flags: i32,
) -> Result<usize, Errno> {
    let ops = ops_of(cx, fd)?;
    sk(cx, fd)?.sock_error()?;
    let mut datagrams = 0;
    let mut err = None;
    for m in msgs.iter_mut() {
        let got = match ops {
            Ok(i) => S::ops_recvmsg(i, cx, fd, m.buf, flags),
            Err(o) => (o.recvmsg)(cx, fd, m.buf, flags),
        };
        match got {
            Ok((len, name)) => {
                m.msg_len = len;
                m.name = name;
                datagrams += 1;
            }
            Err(e) => {
                err = Some(e);
                break;
            }
        }
    }
    match err {
        Some(e) if datagrams == 0 => Err(e),
        Some(e) if e != Errno::EAGAIN => {
            sk(cx, fd)?.err = e.0;
            Ok(datagrams)
        }
        _ => Ok(datagrams),
    }
}

/// `shutdown(fd, how)`: `sock->ops->shutdown`.
pub fn sys_shutdown<S: SocketSpec>(cx: &mut NetCx<'_, S>, fd: Fd, how: i32) -> Result<(), Errno> {
    call_ops!(cx, fd, ops_shutdown, shutdown, how)
}

/// `poll` of one socket: `sock->ops->poll`.
pub fn sys_poll<S: SocketSpec>(cx: &mut NetCx<'_, S>, fd: Fd) -> Result<u32, Errno> {
    call_ops!(cx, fd, ops_poll, poll)
}

/// `ioctl(fd, cmd, arg)`: `sock->ops->ioctl`.
pub fn sys_ioctl<S: SocketSpec>(cx: &mut NetCx<'_, S>, fd: Fd, cmd: u32, arg: u64) -> Result<i64, Errno> {
    call_ops!(cx, fd, ops_ioctl, ioctl, cmd, arg)
}

/// `setsockopt(fd, level, name, val)`: `SOL_SOCKET` goes to
/// `sock_setsockopt`, other levels to `sock->ops->setsockopt`.
pub fn sys_setsockopt<S: SocketSpec>(
    cx: &mut NetCx<'_, S>,
    fd: Fd,
    level: i32,
    name: i32,
    val: &[u8],
) -> Result<(), Errno> {
    if level == SOL_SOCKET {
        return sock_setsockopt(cx, fd, name, val);
    }
    call_ops!(cx, fd, ops_setsockopt, setsockopt, level, name, val)
}

/// `getsockopt(fd, level, name, val)`; returns the bytes written.
pub fn sys_getsockopt<S: SocketSpec>(
    cx: &mut NetCx<'_, S>,
    fd: Fd,
    level: i32,
    name: i32,
    val: &mut [u8],
) -> Result<usize, Errno> {
    if level == SOL_SOCKET {
        return sock_getsockopt(cx, fd, name, val);
    }
    call_ops!(cx, fd, ops_getsockopt, getsockopt, level, name, val)
}

/// `close(fd)` → `sock_close` → `__sock_release`: `sock->ops->release`,
/// then the descriptor is freed (with whatever is still queued). `EBADF`
/// for a descriptor that is not open.
pub fn sys_close<S: SocketSpec>(cx: &mut NetCx<'_, S>, fd: Fd) -> Result<(), Errno> {
    let r = call_ops!(cx, fd, ops_release, release);
    cx.state_mut::<Sockets<S>>()?.remove(fd).ok_or(Errno::EBADF)?;
    r
}
