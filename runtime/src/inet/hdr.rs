//! The IPv4 and ICMP headers (include/uapi/linux/ip.h, icmp.h) and what
//! every IPv4 protocol shares about ICMP messages: their types and codes,
//! the errno an error means to a socket (`icmp_err_convert`), the output
//! counters and the checksum. A leaf of `inet`: ICMP, ping, raw sockets,
//! UDP and the IP input path all read it, and it reads none of them.

use super::mib::IcmpMib;
use super::InetSpec;
use crate::checksum::{csum_fold, csum_partial};
use crate::errno::Errno;
use crate::tables::NetCx;

/// The IPv4 header fields the input path reads, host order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Iphdr {
    pub ihl: usize,
    pub tos: u8,
    pub tot_len: usize,
    pub id: u16,
    pub frag_off: u16,
    pub ttl: u8,
    pub protocol: u8,
    pub saddr: u32,
    pub daddr: u32,
}

impl Iphdr {
    /// Reads the header at the start of `b` (no validation beyond length).
    #[inline]
    pub fn parse(b: &[u8]) -> Option<Iphdr> {
        b.first_chunk::<20>().map(Iphdr::from_array)
    }

    /// Reads a header (no validation).
    #[inline]
    pub(crate) fn from_array(h: &[u8; 20]) -> Iphdr {
        Iphdr {
            ihl: usize::from(h[0] & 0xf) * 4,
            tos: h[1],
            tot_len: usize::from(u16::from_be_bytes([h[2], h[3]])),
            id: u16::from_be_bytes([h[4], h[5]]),
            frag_off: u16::from_be_bytes([h[6], h[7]]),
            ttl: h[8],
            protocol: h[9],
            saddr: u32::from_be_bytes([h[12], h[13], h[14], h[15]]),
            daddr: u32::from_be_bytes([h[16], h[17], h[18], h[19]]),
        }
    }
}

pub const ICMP_ECHOREPLY: u8 = 0;
pub const ICMP_DEST_UNREACH: u8 = 3;
pub const ICMP_SOURCE_QUENCH: u8 = 4;
pub const ICMP_REDIRECT: u8 = 5;
pub const ICMP_ECHO: u8 = 8;
pub const ICMP_TIME_EXCEEDED: u8 = 11;
pub const ICMP_PARAMETERPROB: u8 = 12;
pub const ICMP_TIMESTAMP: u8 = 13;
pub const ICMP_TIMESTAMPREPLY: u8 = 14;
pub const ICMP_INFO_REQUEST: u8 = 15;
pub const ICMP_INFO_REPLY: u8 = 16;
pub const ICMP_ADDRESS: u8 = 17;
pub const ICMP_ADDRESSREPLY: u8 = 18;
/// `NR_ICMP_TYPES`: the highest type `icmp_rcv` knows.
pub const NR_ICMP_TYPES: u8 = 18;

/// Codes of `ICMP_DEST_UNREACH`.
pub const ICMP_NET_UNREACH: u8 = 0;
pub const ICMP_HOST_UNREACH: u8 = 1;
pub const ICMP_PROT_UNREACH: u8 = 2;
pub const ICMP_PORT_UNREACH: u8 = 3;
pub const ICMP_FRAG_NEEDED: u8 = 4;
/// `NR_ICMP_UNREACH`: the highest code `icmp_err_convert` has.
pub const NR_ICMP_UNREACH: u8 = 15;

/// `sizeof(struct icmphdr)`.
pub const ICMP_HLEN: usize = 8;

/// `icmp_pointers[type].error`: whether `type_` is an error message.
pub fn icmp_is_error(type_: u8) -> bool {
    matches!(type_, ICMP_DEST_UNREACH | ICMP_SOURCE_QUENCH | ICMP_REDIRECT | ICMP_TIME_EXCEEDED | ICMP_PARAMETERPROB)
}

/// `icmp_err_convert[code]`: the errno a destination-unreachable code
/// means to a socket, and whether it is fatal (`harderr`).
pub fn icmp_err_convert(code: u8) -> (Errno, bool) {
    match code {
        0 => (Errno::ENETUNREACH, false),
        1 => (Errno::EHOSTUNREACH, false),
        2 => (Errno::ENOPROTOOPT, true),
        3 => (Errno::ECONNREFUSED, true),
        4 => (Errno::EMSGSIZE, false),
        5 => (Errno::EOPNOTSUPP, false),
        6 => (Errno::ENETUNREACH, true),
        7 => (Errno::EHOSTDOWN, true),
        8 => (Errno::ENONET, true),
        9 => (Errno::ENETUNREACH, true),
        10 => (Errno::EHOSTUNREACH, true),
        11 => (Errno::ENETUNREACH, false),
        12 => (Errno::EHOSTUNREACH, false),
        _ => (Errno::EHOSTUNREACH, true),
    }
}

/// What an ICMP error of `type_`/`code` does to the socket that sent the
/// quoted datagram (the `switch` of `udp_err`/`ping_err`): `Some((errno,
/// harderr))`, or `None` when the socket is left alone (source quench,
/// redirect). `ICMP_FRAG_NEEDED` is `EMSGSIZE`, fatal (path MTU discovery
/// on).
pub fn icmp_sk_err(type_: u8, code: u8) -> Option<(Errno, bool)> {
    match type_ {
        ICMP_SOURCE_QUENCH | ICMP_REDIRECT => None,
        ICMP_PARAMETERPROB => Some((Errno::EPROTO, true)),
        ICMP_DEST_UNREACH if code == ICMP_FRAG_NEEDED => Some((Errno::EMSGSIZE, true)),
        ICMP_DEST_UNREACH if code <= NR_ICMP_UNREACH => Some(icmp_err_convert(code)),
        _ => Some((Errno::EHOSTUNREACH, false)),
    }
}

/// `icmp_out_count(net, type)`: `OutMsgs` and the per-type counter.
pub fn icmp_out_count<S: InetSpec>(cx: &mut NetCx<'_, S>, type_: u8) {
    cx.mib_inc(IcmpMib::OutMsgs);
    if let Some(c) = IcmpMib::msg_out(type_) {
        cx.mib_inc(c);
    }
}

/// Fills the checksum of the ICMP message `m` (its field zeroed first).
pub fn icmp_set_csum(m: &mut [u8]) {
    if let Some(c) = m.get_mut(2..4) {
        c.fill(0);
    }
    let sum = csum_fold(csum_partial(m, 0));
    if let Some(c) = m.get_mut(2..4) {
        c.copy_from_slice(&sum.to_be_bytes());
    }
}
