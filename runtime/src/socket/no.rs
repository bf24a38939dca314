//! The defaults of the socket vtables.
//!
//! * `sock_no_*` (net/core/sock.c): what a `struct proto_ops` that leaves a
//!   method out gets. Linux fills these in by hand in every vtable that
//!   does not support an operation; the generated dispatch calls them for
//!   every method a spec `proto_ops` does not name. Each is
//!   `EOPNOTSUPP`, except `sock_no_poll`, which reports no events (Linux's
//!   returns 0).
//! * `sk_prot_no_*`: a NULL `struct proto` method. Linux's callers check
//!   for NULL (`if (sk->sk_prot->init)`) and skip the call; here they check
//!   [`ProtoDesc::has`](crate::tables::ProtoDesc::has) first, and the
//!   generated dispatch of a method a spec `proto` leaves out lands here:
//!   the housekeeping methods (`init`, `close`, `destroy`, `hash`,
//!   `unhash`) do nothing, the others are `EOPNOTSUPP` (where Linux would
//!   call through NULL).

use crate::errno::Errno;
use crate::tables::{Fd, NetCx, ProtoSpec, SockAddr};

/// `sock_no_bind`.
pub fn sock_no_bind<S: ProtoSpec>(_cx: &mut NetCx<'_, S>, _fd: Fd, _addr: &SockAddr) -> Result<(), Errno> {
    Err(Errno::EOPNOTSUPP)
}

/// `sock_no_connect`.
pub fn sock_no_connect<S: ProtoSpec>(
    _cx: &mut NetCx<'_, S>,
    _fd: Fd,
    _addr: &SockAddr,
    _flags: i32,
) -> Result<(), Errno> {
    Err(Errno::EOPNOTSUPP)
}

/// `sock_no_accept`.
pub fn sock_no_accept<S: ProtoSpec>(_cx: &mut NetCx<'_, S>, _fd: Fd, _flags: i32) -> Result<Fd, Errno> {
    Err(Errno::EOPNOTSUPP)
}

/// `sock_no_getname`.
pub fn sock_no_getname<S: ProtoSpec>(_cx: &mut NetCx<'_, S>, _fd: Fd, _peer: bool) -> Result<SockAddr, Errno> {
    Err(Errno::EOPNOTSUPP)
}

/// `sock_no_poll`: no events (Linux returns 0).
pub fn sock_no_poll<S: ProtoSpec>(_cx: &mut NetCx<'_, S>, _fd: Fd) -> Result<u32, Errno> {
    Ok(0)
}

/// `sock_no_ioctl`.
pub fn sock_no_ioctl<S: ProtoSpec>(_cx: &mut NetCx<'_, S>, _fd: Fd, _cmd: u32, _arg: u64) -> Result<i64, Errno> {
    Err(Errno::EOPNOTSUPP)
}

/// `sock_no_listen`.
pub fn sock_no_listen<S: ProtoSpec>(_cx: &mut NetCx<'_, S>, _fd: Fd, _backlog: i32) -> Result<(), Errno> {
    Err(Errno::EOPNOTSUPP)
}

/// `sock_no_shutdown`.
pub fn sock_no_shutdown<S: ProtoSpec>(_cx: &mut NetCx<'_, S>, _fd: Fd, _how: i32) -> Result<(), Errno> {
    Err(Errno::EOPNOTSUPP)
}

/// `sock_no_setsockopt`.
pub fn sock_no_setsockopt<S: ProtoSpec>(
    _cx: &mut NetCx<'_, S>,
    _fd: Fd,
    _level: i32,
    _name: i32,
    _val: &[u8],
) -> Result<(), Errno> {
    Err(Errno::EOPNOTSUPP)
}

/// `sock_no_getsockopt`.
pub fn sock_no_getsockopt<S: ProtoSpec>(
    _cx: &mut NetCx<'_, S>,
    _fd: Fd,
    _level: i32,
    _name: i32,
    _val: &mut [u8],
) -> Result<usize, Errno> {
    Err(Errno::EOPNOTSUPP)
}

/// `sock_no_sendmsg`.
pub fn sock_no_sendmsg<S: ProtoSpec>(
    _cx: &mut NetCx<'_, S>,
    _fd: Fd,
    _msg: &[u8],
    _to: Option<&SockAddr>,
    _flags: i32,
) -> Result<usize, Errno> {
    Err(Errno::EOPNOTSUPP)
}

/// `sock_no_recvmsg`.
pub fn sock_no_recvmsg<S: ProtoSpec>(
    _cx: &mut NetCx<'_, S>,
    _fd: Fd,
    _buf: &mut [u8],
    _flags: i32,
) -> Result<(usize, Option<SockAddr>), Errno> {
    Err(Errno::EOPNOTSUPP)
}

/// A NULL `proto->init`: nothing to set up.
pub fn sk_prot_no_init<S: ProtoSpec>(_cx: &mut NetCx<'_, S>, _fd: Fd) -> Result<(), Errno> {
    Ok(())
}

/// A NULL `proto->close`: nothing to do.
pub fn sk_prot_no_close<S: ProtoSpec>(_cx: &mut NetCx<'_, S>, _fd: Fd) {}

/// A NULL `proto->destroy`: nothing to free.
pub fn sk_prot_no_destroy<S: ProtoSpec>(_cx: &mut NetCx<'_, S>, _fd: Fd) {}

/// A NULL `proto->bind`: `inet_bind` takes its generic path instead; called
/// anyway, `EOPNOTSUPP`.
pub fn sk_prot_no_bind<S: ProtoSpec>(_cx: &mut NetCx<'_, S>, _fd: Fd, _addr: &SockAddr) -> Result<(), Errno> {
    Err(Errno::EOPNOTSUPP)
}

/// A NULL `proto->connect`.
pub fn sk_prot_no_connect<S: ProtoSpec>(_cx: &mut NetCx<'_, S>, _fd: Fd, _addr: &SockAddr) -> Result<(), Errno> {
    Err(Errno::EOPNOTSUPP)
}

/// A NULL `proto->disconnect`.
pub fn sk_prot_no_disconnect<S: ProtoSpec>(_cx: &mut NetCx<'_, S>, _fd: Fd, _flags: i32) -> Result<(), Errno> {
    Err(Errno::EOPNOTSUPP)
}

/// A NULL `proto->sendmsg`.
pub fn sk_prot_no_sendmsg<S: ProtoSpec>(
    _cx: &mut NetCx<'_, S>,
    _fd: Fd,
    _msg: &[u8],
    _to: Option<&SockAddr>,
    _flags: i32,
) -> Result<usize, Errno> {
    Err(Errno::EOPNOTSUPP)
}

/// A NULL `proto->recvmsg`.
pub fn sk_prot_no_recvmsg<S: ProtoSpec>(
    _cx: &mut NetCx<'_, S>,
    _fd: Fd,
    _buf: &mut [u8],
    _flags: i32,
) -> Result<(usize, Option<SockAddr>), Errno> {
    Err(Errno::EOPNOTSUPP)
}

/// A NULL `proto->hash`: nothing to hash.
pub fn sk_prot_no_hash<S: ProtoSpec>(_cx: &mut NetCx<'_, S>, _fd: Fd) -> Result<(), Errno> {
    Ok(())
}

/// A NULL `proto->unhash`.
pub fn sk_prot_no_unhash<S: ProtoSpec>(_cx: &mut NetCx<'_, S>, _fd: Fd) {}

/// A NULL `proto->get_port`: no port space, `EOPNOTSUPP`.
pub fn sk_prot_no_get_port<S: ProtoSpec>(_cx: &mut NetCx<'_, S>, _fd: Fd, _snum: u16) -> Result<(), Errno> {
    Err(Errno::EOPNOTSUPP)
}
