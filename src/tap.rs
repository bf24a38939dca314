//! The stack and Linux joined by a TAP device: what `examples/tap.rs`, the
//! tests over TAP and the `peers` bench set up alike.
//!
//! Linux's side is a network namespace of its own ([`Netns`]) holding the
//! TAP interface, `198.18.0.1/24` (RFC 2544's range for benchmarking
//! network devices; it never leaves the namespace). The stack's side is a
//! namespace of the stack whose `eth0` is the [`TapDev`] driving that
//! interface's fd, `198.18.0.2/24`.

use std::io;
use std::net::{Ipv4Addr, SocketAddrV4};

use netgen_generated::pernet::Pernet;
use netgen_runtime::dev::NetDevTables;
use netgen_runtime::netns::NetRef;
use netgen_runtime::socket::syscalls::{sys_bind, sys_recvmmsg, sys_sendto, sys_socket, MMsgHdr};
use netgen_runtime::tables::SockAddr;
use netgen_runtime::Errno;
use netgen_tap::{Tap, TapDev};

use crate::linux::Netns;
use crate::{with_cx, Cx, Kernel};

/// Linux's address, on the TAP interface in its namespace.
pub const LINUX_IP: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
/// The stack's address, on its `eth0`.
pub const STACK_IP: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 2);
/// The prefix both addresses are on.
pub const PREFIX_LEN: u8 = 24;
/// The stack's MAC address (locally administered).
pub const STACK_MAC: [u8; 6] = [0x02, 0x6e, 0x67, 0x00, 0x00, 0x02];
/// The name of the TAP interface in Linux's namespace.
pub const TAP_NAME: &str = "ngtap0";
/// The name of the stack's device.
pub const STACK_DEV: &str = "eth0";
/// The UDP echo port (RFC 862).
pub const ECHO_PORT: u16 = 7;

/// A Linux namespace and a namespace of the stack joined by a TAP device.
/// Dropping it closes the fd (Linux removes the interface) and then
/// removes the namespace: the fields drop in this order.
#[derive(Debug)]
pub struct TapLink {
    /// The stack's `eth0`.
    pub dev: TapDev,
    /// Linux's namespace, with [`TAP_NAME`] in it.
    pub ns: Netns,
}

impl TapLink {
    /// Makes Linux's namespace (named `PREFIX-PID-N`), creates the TAP
    /// interface in it with [`LINUX_IP`], and registers the stack's
    /// `eth0` in `net` with [`STACK_IP`]; both up, `lo` of `net` up.
    pub fn new(k: &Kernel, net: &NetRef<Pernet>, prefix: &str) -> io::Result<TapLink> {
        let ns = Netns::create(prefix)?;
        let tap = ns.in_thread(|| Tap::open(TAP_NAME))??;
        let addr = format!("{LINUX_IP}/{PREFIX_LEN}");
        ns.ip(&["addr", "add", &addr, "dev", tap.name()])?;
        ns.ip(&["link", "set", tap.name(), "up"])?;
        let dev = with_cx(k, net, |cx| -> Result<TapDev, Errno> {
            let t = cx.state_mut::<NetDevTables>()?;
            let dev = TapDev::register(t, STACK_DEV, STACK_MAC, tap)?;
            t.ip_link_set_up("lo")?;
            t.ip_link_set_up(STACK_DEV)?;
            t.ip_addr_add(STACK_DEV, STACK_IP, PREFIX_LEN)?;
            Ok(dev)
        })
        .and_then(|r| r)
        .map_err(|e| io::Error::other(format!("stack side: {e}")))?;
        Ok(TapLink { dev, ns })
    }
}

/// A UDP echo server in the stack (RFC 862): every datagram goes back to
/// its sender.
#[derive(Debug)]
pub struct UdpEcho {
    fd: i32,
    bufs: Vec<Vec<u8>>,
    /// Datagrams echoed.
    pub echoed: u64,
    /// Echoes `sendto` refused (`ENOBUFS` from a full transmit ring, say).
    pub send_errors: u64,
}

impl UdpEcho {
    /// Binds `0.0.0.0:PORT`.
    pub fn bind(cx: &mut Cx<'_>, port: u16) -> Result<UdpEcho, Errno> {
        let fd = sys_socket(cx, 2, 2, 0)?;
        sys_bind(cx, fd, &SockAddr::Inet(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, port)))?;
        Ok(UdpEcho { fd, bufs: vec![vec![0; 2048]; 64], echoed: 0, send_errors: 0 })
    }

    /// Echoes what is queued (in batches of 64, `recvmmsg`); returns how
    /// many datagrams.
    pub fn run(&mut self, cx: &mut Cx<'_>) -> usize {
        let mut done = 0;
        loop {
            let mut msgs: Vec<MMsgHdr<'_>> = self.bufs.iter_mut().map(|b| MMsgHdr::new(b)).collect();
            let n = sys_recvmmsg(cx, self.fd, &mut msgs, 0).unwrap_or(0);
            let replies: Vec<(Vec<u8>, Option<SockAddr>)> =
                msgs.iter().take(n).map(|m| (m.buf[..m.msg_len].to_vec(), m.name)).collect();
            drop(msgs);
            for (data, to) in replies {
                match sys_sendto(cx, self.fd, &data, to.as_ref(), 0) {
                    Ok(_) => self.echoed += 1,
                    Err(_) => self.send_errors += 1,
                }
            }
            done += n;
            if n < self.bufs.len() {
                return done;
            }
        }
    }
}
