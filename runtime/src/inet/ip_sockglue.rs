//! IP-level socket options (net/ipv4/ip_sockglue.c): what the IPv4
//! `proto_ops` `setsockopt`/`getsockopt` do for `SOL_IP` (Linux's
//! `sock_common_*sockopt` → `sk->sk_prot->*sockopt` → `ip_*sockopt`;
//! `SOL_SOCKET` goes to `sock_setsockopt`/`sock_getsockopt`).

use super::ip_output::{IP_PMTUDISC_DONT, IP_PMTUDISC_OMIT};
use super::InetSpec;
use crate::errno::Errno;
use crate::sock::sk::{int_val, put_int, sk};
use crate::tables::{Fd, NetCx};

/// `SOL_IP` and its options (include/uapi/linux/in.h).
pub const SOL_IP: i32 = 0;
pub const IP_TTL: i32 = 2;
pub const IP_HDRINCL: i32 = 3;
pub const IP_MTU_DISCOVER: i32 = 10;
pub const IP_RECVERR: i32 = 11;

/// `sock_common_setsockopt` → `sk->sk_prot->setsockopt` → `ip_setsockopt`
/// (the spec's `proto_ops` name this directly) for `SOL_IP` on an IPv4
/// socket (net/ipv4/ip_sockglue.c): `IP_TTL` (1..=255, -1 for the
/// default; else `EINVAL`), `IP_HDRINCL` (raw sockets only, else
/// `ENOPROTOOPT`), `IP_RECVERR`, `IP_MTU_DISCOVER` (`IP_PMTUDISC_DONT`
/// ..= `IP_PMTUDISC_OMIT`, else `EINVAL`). Anything else: `ENOPROTOOPT`
/// (`SOL_SOCKET` never gets here: `sys_setsockopt` sends it to
/// `sock_setsockopt`, as `__sys_setsockopt` does).
pub fn ip_setsockopt<S: InetSpec>(
    cx: &mut NetCx<'_, S>,
    fd: Fd,
    level: i32,
    name: i32,
    val: &[u8],
) -> Result<(), Errno> {
    let s = sk(cx, fd)?;
    if level != SOL_IP || s.family != crate::socket::PF_INET {
        return Err(Errno::ENOPROTOOPT);
    }
    let v = int_val(val)?;
    match name {
        IP_TTL => {
            s.ttl = match v {
                -1 => None,
                1..=255 => Some(v as u8),
                _ => return Err(Errno::EINVAL),
            }
        }
        IP_HDRINCL => {
            if s.type_ != crate::socket::SOCK_RAW {
                return Err(Errno::ENOPROTOOPT);
            }
            s.hdrincl = v != 0;
        }
        IP_RECVERR => s.recverr = v != 0,
        IP_MTU_DISCOVER => {
            if !(i32::from(IP_PMTUDISC_DONT)..=i32::from(IP_PMTUDISC_OMIT)).contains(&v) {
                return Err(Errno::EINVAL);
            }
            s.pmtudisc = v as u8;
        }
        _ => return Err(Errno::ENOPROTOOPT),
    }
    Ok(())
}

/// `sock_common_getsockopt` → `ip_getsockopt`: `IP_TTL` (the effective
/// TTL), `IP_HDRINCL`, `IP_RECVERR`, `IP_MTU_DISCOVER` (`SOL_SOCKET` is `sys_getsockopt`'s).
pub fn ip_getsockopt<S: InetSpec>(
    cx: &mut NetCx<'_, S>,
    fd: Fd,
    level: i32,
    name: i32,
    val: &mut [u8],
) -> Result<usize, Errno> {
    let default_ttl = cx.state::<super::netns_ipv4::Ipv4Net>().map_or(64, |n| n.default_ttl());
    let s = sk(cx, fd)?;
    if level != SOL_IP || s.family != crate::socket::PF_INET {
        return Err(Errno::ENOPROTOOPT);
    }
    let v = match name {
        IP_TTL => i32::from(s.ttl.unwrap_or(default_ttl)),
        IP_HDRINCL => i32::from(s.hdrincl),
        IP_RECVERR => i32::from(s.recverr),
        IP_MTU_DISCOVER => i32::from(s.pmtudisc),
        _ => return Err(Errno::ENOPROTOOPT),
    };
    put_int(val, v)
}
