//! `socket_calls`' input: a sequence of socket system calls whose
//! arguments are drawn from the values the stack knows, with a fallback to
//! any number.

use std::net::{Ipv4Addr, SocketAddrV4};

use arbitrary::Arbitrary;
use netgen_runtime::tables::SockAddr;

use crate::arb::{Enc, Encode};

/// Calls past this many are not made.
pub const MAX_CALLS: usize = 64;

/// A number: one of a table of values the stack knows ([`Num::pick`]) or
/// any value.
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Num {
    Known(u8),
    Any(i32),
}

impl Num {
    pub fn pick(self, known: &[i32]) -> i32 {
        match self {
            Num::Known(i) => known[usize::from(i) % known.len()],
            Num::Any(v) => v,
        }
    }
}

// The tables: known values first (families PF_INET, PF_PACKET; types
// SOCK_DGRAM, SOCK_RAW, ...; levels SOL_SOCKET, SOL_IP, SOL_PACKET, ...;
// option names SO_* and IP_*; MSG_* flags; ioctls), then neighbours and
// out-of-range values.
pub const FAMILIES: &[i32] = &[2, 17, 0, 1, 10, 16, 45, 46];
pub const TYPES: &[i32] = &[2, 3, 1, 10, 5, 4, 6, 2 | 0o4000, 3 | 0o2000000, 0, 11, 16];
pub const PROTOCOLS: &[i32] = &[0, 1, 17, 6, 2, 255, 99, 3, 0x0800, 0x0806, 136, 256, -1, 0x10000];
pub const LEVELS: &[i32] = &[1, 0, 263, 255, 17, 6, 41, -1];
pub const NAMES: &[i32] = &[2, 3, 4, 6, 7, 8, 11, 25, 38, 39, 1, 0, 50, -1];
pub const FLAGS: &[i32] = &[0, 0x2, 0x20, 0x40, 0x1, 0x22, 0x8, -1];
pub const IOCTLS: &[i32] = &[0x541b, 0x5411, 0x8915, 0x8933, 0];

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FdSel {
    /// The n-th descriptor `socket` returned (modulo how many).
    Opened(u8),
    Any(i32),
}

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ip {
    Unspecified,
    Loopback,
    Local,
    Neighbour,
    Broadcast,
    SubnetBroadcast,
    Multicast,
    OffLink,
    Any(u32),
}

impl Ip {
    pub fn addr(self) -> Ipv4Addr {
        match self {
            Ip::Unspecified => Ipv4Addr::UNSPECIFIED,
            Ip::Loopback => Ipv4Addr::LOCALHOST,
            Ip::Local => Ipv4Addr::new(10, 0, 0, 2),
            Ip::Neighbour => Ipv4Addr::new(10, 0, 0, 1),
            Ip::Broadcast => Ipv4Addr::BROADCAST,
            Ip::SubnetBroadcast => Ipv4Addr::new(10, 0, 0, 255),
            Ip::Multicast => Ipv4Addr::new(224, 0, 0, 1),
            Ip::OffLink => Ipv4Addr::new(192, 0, 2, 1),
            Ip::Any(v) => Ipv4Addr::from(v),
        }
    }
}

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Port {
    Zero,
    Echo,
    Low(u8),
    Any(u16),
}

impl Port {
    pub fn get(self) -> u16 {
        match self {
            Port::Zero => 0,
            Port::Echo => 7,
            Port::Low(p) => u16::from(p % 4) + 5000,
            Port::Any(p) => p,
        }
    }
}

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Addr {
    Unspec,
    Inet(Ip, Port),
    Packet { protocol: Num, ifindex: i32 },
}

impl Addr {
    pub fn get(self) -> SockAddr {
        match self {
            Addr::Unspec => SockAddr::Unspec,
            Addr::Inet(ip, port) => SockAddr::Inet(SocketAddrV4::new(ip.addr(), port.get())),
            Addr::Packet { protocol, ifindex } => {
                SockAddr::Packet { protocol: protocol.pick(PROTOCOLS) as u16, ifindex: ifindex % 4 }
            }
        }
    }
}

#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub enum OptVal {
    Int(i32),
    Known(Num),
    Dev(bool),
    Bytes(Vec<u8>),
}

impl OptVal {
    pub fn bytes(&self) -> Vec<u8> {
        match self {
            OptVal::Int(v) => v.to_ne_bytes().to_vec(),
            OptVal::Known(n) => {
                n.pick(&[0, 1, -1, 64, 255, 256, 4608, 1 << 20, i32::MAX, i32::MIN]).to_ne_bytes().to_vec()
            }
            OptVal::Dev(eth) => {
                if *eth {
                    b"eth0\0".to_vec()
                } else {
                    b"lo\0".to_vec()
                }
            }
            OptVal::Bytes(b) => b.clone(),
        }
    }
}

#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub enum Call {
    Socket {
        family: Num,
        type_: Num,
        protocol: Num,
    },
    Bind {
        fd: FdSel,
        addr: Addr,
    },
    Connect {
        fd: FdSel,
        addr: Addr,
    },
    /// The payload is `head`, then `len` times `byte`.
    Sendto {
        fd: FdSel,
        head: Vec<u8>,
        len: u16,
        byte: u8,
        to: Option<Addr>,
        flags: Num,
    },
    Recvfrom {
        fd: FdSel,
        len: u16,
        flags: Num,
    },
    Setsockopt {
        fd: FdSel,
        level: Num,
        name: Num,
        val: OptVal,
    },
    Getsockopt {
        fd: FdSel,
        level: Num,
        name: Num,
        len: u8,
    },
    Close {
        fd: FdSel,
    },
    Listen {
        fd: FdSel,
        backlog: i32,
    },
    Accept {
        fd: FdSel,
        flags: i32,
    },
    Shutdown {
        fd: FdSel,
        how: i32,
    },
    Getsockname {
        fd: FdSel,
    },
    Getpeername {
        fd: FdSel,
    },
    Poll {
        fd: FdSel,
    },
    Ioctl {
        fd: FdSel,
        cmd: Num,
        arg: u64,
    },
    /// `net_rx_action`: what the wires and `lo` queued moves.
    Softirq,
}

// The encoding of a call sequence, for seed corpora (fields in declaration
// order, variants numbered in declaration order).

impl Encode for Num {
    fn encode(&self, e: &mut Enc) {
        match self {
            Num::Known(i) => {
                e.variant(0, 2);
                i.encode(e);
            }
            Num::Any(v) => {
                e.variant(1, 2);
                v.encode(e);
            }
        }
    }
}

impl Encode for FdSel {
    fn encode(&self, e: &mut Enc) {
        match self {
            FdSel::Opened(i) => {
                e.variant(0, 2);
                i.encode(e);
            }
            FdSel::Any(v) => {
                e.variant(1, 2);
                v.encode(e);
            }
        }
    }
}

impl Encode for Ip {
    fn encode(&self, e: &mut Enc) {
        let k = match self {
            Ip::Unspecified => 0,
            Ip::Loopback => 1,
            Ip::Local => 2,
            Ip::Neighbour => 3,
            Ip::Broadcast => 4,
            Ip::SubnetBroadcast => 5,
            Ip::Multicast => 6,
            Ip::OffLink => 7,
            Ip::Any(_) => 8,
        };
        e.variant(k, 9);
        if let Ip::Any(v) = self {
            v.encode(e);
        }
    }
}

impl Encode for Port {
    fn encode(&self, e: &mut Enc) {
        match self {
            Port::Zero => e.variant(0, 4),
            Port::Echo => e.variant(1, 4),
            Port::Low(p) => {
                e.variant(2, 4);
                p.encode(e);
            }
            Port::Any(p) => {
                e.variant(3, 4);
                p.encode(e);
            }
        }
    }
}

impl Encode for Addr {
    fn encode(&self, e: &mut Enc) {
        match self {
            Addr::Unspec => e.variant(0, 3),
            Addr::Inet(ip, port) => {
                e.variant(1, 3);
                ip.encode(e);
                port.encode(e);
            }
            Addr::Packet { protocol, ifindex } => {
                e.variant(2, 3);
                protocol.encode(e);
                ifindex.encode(e);
            }
        }
    }
}

impl Encode for OptVal {
    fn encode(&self, e: &mut Enc) {
        match self {
            OptVal::Int(v) => {
                e.variant(0, 4);
                v.encode(e);
            }
            OptVal::Known(n) => {
                e.variant(1, 4);
                n.encode(e);
            }
            OptVal::Dev(eth) => {
                e.variant(2, 4);
                eth.encode(e);
            }
            OptVal::Bytes(b) => {
                e.variant(3, 4);
                b.encode(e);
            }
        }
    }
}

impl Encode for Call {
    fn encode(&self, e: &mut Enc) {
        const N: u32 = 16;
        match self {
            Call::Socket { family, type_, protocol } => {
                e.variant(0, N);
                family.encode(e);
                type_.encode(e);
                protocol.encode(e);
            }
            Call::Bind { fd, addr } => {
                e.variant(1, N);
                fd.encode(e);
                addr.encode(e);
            }
            Call::Connect { fd, addr } => {
                e.variant(2, N);
                fd.encode(e);
                addr.encode(e);
            }
            Call::Sendto { fd, head, len, byte, to, flags } => {
                e.variant(3, N);
                fd.encode(e);
                head.encode(e);
                len.encode(e);
                byte.encode(e);
                to.encode(e);
                flags.encode(e);
            }
            Call::Recvfrom { fd, len, flags } => {
                e.variant(4, N);
                fd.encode(e);
                len.encode(e);
                flags.encode(e);
            }
            Call::Setsockopt { fd, level, name, val } => {
                e.variant(5, N);
                fd.encode(e);
                level.encode(e);
                name.encode(e);
                val.encode(e);
            }
            Call::Getsockopt { fd, level, name, len } => {
                e.variant(6, N);
                fd.encode(e);
                level.encode(e);
                name.encode(e);
                len.encode(e);
            }
            Call::Close { fd } => {
                e.variant(7, N);
                fd.encode(e);
            }
            Call::Listen { fd, backlog } => {
                e.variant(8, N);
                fd.encode(e);
                backlog.encode(e);
            }
            Call::Accept { fd, flags } => {
                e.variant(9, N);
                fd.encode(e);
                flags.encode(e);
            }
            Call::Shutdown { fd, how } => {
                e.variant(10, N);
                fd.encode(e);
                how.encode(e);
            }
            Call::Getsockname { fd } => {
                e.variant(11, N);
                fd.encode(e);
            }
            Call::Getpeername { fd } => {
                e.variant(12, N);
                fd.encode(e);
            }
            Call::Poll { fd } => {
                e.variant(13, N);
                fd.encode(e);
            }
            Call::Ioctl { fd, cmd, arg } => {
                e.variant(14, N);
                fd.encode(e);
                cmd.encode(e);
                arg.encode(e);
            }
            Call::Softirq => e.variant(15, N),
        }
    }
}
