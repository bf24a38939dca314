//! A sequence of socket system calls with arbitrary arguments in one fresh
//! namespace (`lo` up, an external `eth0` with 10.0.0.2/24) of a stack booted
//! once per process: `socket`, `bind`, `connect`, `sendto`, `recvfrom`,
//! `setsockopt`, `getsockopt`, `close`, and also `listen`, `accept`,
//! `shutdown`, `getsockname`, `getpeername`, `poll`, `ioctl` and frames
//! moving (`net_rx_action`). Families, types, protocols, addresses, levels,
//! option names and values are drawn from the values the stack knows with a
//! fallback to any number; descriptors are ones the sequence opened or any
//! number.
//!
//! Oracles:
//! * no panic;
//! * every error is a Linux errno (positive, one the errno table names),
//!   and what a call returns stays within its buffer;
//! * receive queues stay bounded: `sk_rmem_alloc` is what is queued and
//!   exceeds the largest `sk_rcvbuf` the socket has had by at most the last
//!   buffer;
//! * after closing every descriptor the namespace has no socket left: no
//!   descriptor, nothing in the UDP, TCP, raw or ping hash tables, no
//!   protocol in-use count, no packet socket hook.
#![no_main]

use std::collections::HashMap;
use std::net::Ipv4Addr;

use libfuzzer_sys::fuzz_target;
use netgen_fuzz::calls::{Addr, Call, FdSel, FAMILIES, FLAGS, IOCTLS, LEVELS, MAX_CALLS, NAMES, PROTOCOLS, TYPES};
use netgen_generated::pernet::Pernet;
use netgen_runtime::dev::ptype::NetPtype;
use netgen_runtime::dev::NetDevTables;
use netgen_runtime::inet::netns_ipv4::Ipv4Net;
use netgen_runtime::sock::sk::Sockets;
use netgen_runtime::sock::{ProtInuseCounters, SockCacheState};
use netgen_runtime::socket::syscalls as sys;
use netgen_runtime::tables::Fd;
use netgen_runtime::Errno;
use netgen_stack::{with_cx, Cx};

/// `NETGEN_FUZZ_TRACE=1`: print each call and what it returned (to read
/// what a crash input does).
fn trace() -> bool {
    static TRACE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *TRACE.get_or_init(|| std::env::var_os("NETGEN_FUZZ_TRACE").is_some())
}

fn known<T: std::fmt::Debug>(r: Result<T, Errno>) -> Option<T> {
    if trace() {
        eprintln!("    -> {r:?}");
    }
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            assert!(e.0 > 0 && e.name().is_some(), "not a Linux errno: {}", e.0);
            None
        }
    }
}

struct Run {
    opened: Vec<Fd>,
    /// The largest `sk_rcvbuf` each open descriptor has had.
    rcvbuf_max: HashMap<Fd, usize>,
}

impl Run {
    fn fd(&self, sel: FdSel) -> Fd {
        match sel {
            FdSel::Opened(i) if !self.opened.is_empty() => self.opened[usize::from(i) % self.opened.len()],
            FdSel::Opened(i) => Fd::from(i),
            FdSel::Any(fd) => fd,
        }
    }

    fn call(&mut self, cx: &mut Cx<'_>, call: &Call) {
        match *call {
            Call::Socket { family, type_, protocol } => {
                let r = sys::sys_socket(cx, family.pick(FAMILIES), type_.pick(TYPES), protocol.pick(PROTOCOLS));
                if let Some(fd) = known(r) {
                    self.opened.push(fd);
                    self.rcvbuf_max.remove(&fd);
                }
            }
            Call::Bind { fd, addr } => {
                known(sys::sys_bind(cx, self.fd(fd), &addr.get()));
            }
            Call::Connect { fd, addr } => {
                known(sys::sys_connect(cx, self.fd(fd), &addr.get()));
            }
            Call::Sendto { fd, ref head, len, byte, to, flags } => {
                let mut buf = head.clone();
                buf.resize(head.len() + usize::from(len), byte);
                let to = to.map(Addr::get);
                if let Some(n) = known(sys::sys_sendto(cx, self.fd(fd), &buf, to.as_ref(), flags.pick(FLAGS))) {
                    assert!(n <= buf.len(), "sendto of {} bytes returned {n}", buf.len());
                }
            }
            Call::Recvfrom { fd, len, flags } => {
                let mut buf = vec![0; usize::from(len)];
                let flags = flags.pick(FLAGS);
                if let Some((n, _)) = known(sys::sys_recvfrom(cx, self.fd(fd), &mut buf, flags)) {
                    // MSG_TRUNC returns the datagram's real length.
                    assert!(n <= buf.len() || flags & 0x20 != 0, "recvfrom into {} bytes returned {n}", buf.len());
                }
            }
            Call::Setsockopt { fd, level, name, ref val } => {
                known(sys::sys_setsockopt(cx, self.fd(fd), level.pick(LEVELS), name.pick(NAMES), &val.bytes()));
            }
            Call::Getsockopt { fd, level, name, len } => {
                let mut buf = vec![0; usize::from(len)];
                if let Some(n) =
                    known(sys::sys_getsockopt(cx, self.fd(fd), level.pick(LEVELS), name.pick(NAMES), &mut buf))
                {
                    assert!(n <= buf.len(), "getsockopt into {} bytes returned {n}", buf.len());
                }
            }
            Call::Close { fd } => {
                let fd = self.fd(fd);
                known(sys::sys_close(cx, fd));
                self.opened.retain(|&f| f != fd);
                self.rcvbuf_max.remove(&fd);
            }
            Call::Listen { fd, backlog } => {
                known(sys::sys_listen(cx, self.fd(fd), backlog));
            }
            Call::Accept { fd, flags } => {
                if let Some(fd) = known(sys::sys_accept(cx, self.fd(fd), flags)) {
                    self.opened.push(fd);
                    self.rcvbuf_max.remove(&fd);
                }
            }
            Call::Shutdown { fd, how } => {
                known(sys::sys_shutdown(cx, self.fd(fd), how));
            }
            Call::Getsockname { fd } => {
                known(sys::sys_getsockname(cx, self.fd(fd)));
            }
            Call::Getpeername { fd } => {
                known(sys::sys_getpeername(cx, self.fd(fd)));
            }
            Call::Poll { fd } => {
                known(sys::sys_poll(cx, self.fd(fd)));
            }
            Call::Ioctl { fd, cmd, arg } => {
                known(sys::sys_ioctl(cx, self.fd(fd), cmd.pick(IOCTLS) as u32, arg));
            }
            Call::Softirq => {
                netgen_runtime::dev::net_rx_action(cx, 300);
            }
        }
    }

    fn check_queues(&mut self, cx: &Cx<'_>) {
        for (fd, s) in cx.state::<Sockets<Pernet>>().unwrap().iter() {
            let max = self.rcvbuf_max.entry(fd).or_insert(0);
            *max = (*max).max(s.rcvbuf);
            let queued: usize = s.receive_queue.iter().map(|b| b.truesize()).sum();
            assert_eq!(s.rmem_alloc, queued, "fd {fd}: sk_rmem_alloc is not what is queued");
            let last = s.receive_queue.iter().map(|b| b.truesize()).max().unwrap_or(0);
            assert!(
                s.rmem_alloc <= *max + last,
                "fd {fd}: {} bytes queued ({} buffers) past sk_rcvbuf {} (at most {} before)",
                s.rmem_alloc,
                s.receive_queue.len(),
                s.rcvbuf,
                max
            );
        }
    }
}

fn no_sockets_left(cx: &Cx<'_>) {
    let socks = cx.state::<Sockets<Pernet>>().unwrap();
    let left: Vec<Fd> = socks.iter().map(|(fd, _)| fd).collect();
    assert!(socks.is_empty() && left.is_empty(), "sockets left after closing every descriptor: {left:?}");
    assert!(socks.udp_table.is_empty(), "UDP hash table not empty: {:?}", socks.udp_table);
    assert!(socks.tcp_bhash.is_empty(), "TCP bind hash not empty: {:?}", socks.tcp_bhash);
    assert!(socks.raw_hash.is_empty(), "raw hash table not empty: {:?}", socks.raw_hash);
    assert!(socks.ping_table.is_empty(), "ping table not empty: {:?}", socks.ping_table);
    assert_eq!(socks.tcp_sockets_allocated, 0, "tcp_sockets_allocated");
    let inuse = cx.state::<ProtInuseCounters>().unwrap();
    for p in &cx.kernel_state::<SockCacheState>().unwrap().proto_list {
        assert_eq!(inuse.get(p.inuse_idx), 0, "{} still counts sockets in use", p.name);
    }
    assert!(cx.state::<NetPtype<Pernet>>().unwrap().is_empty(), "a packet socket hook is left");
}

fuzz_target!(|calls: Vec<Call>| {
    let k = netgen_fuzz::kernel();
    let ns = netgen_stack::namespaces(k).unwrap();
    let net = ns.copy_net_ns().unwrap();
    let ext = with_cx(k, &net, |cx| {
        let t = cx.state_mut::<NetDevTables>().unwrap();
        t.ip_link_set_up("lo").unwrap();
        let ext = t.register_external("eth0", [0x02, 0, 0, 0, 0, 0x0b], 256).unwrap();
        t.ip_link_set_up("eth0").unwrap();
        t.ip_addr_add("eth0", Ipv4Addr::new(10, 0, 0, 2), 24).unwrap();
        // The caller (gid 0) may open ping sockets.
        cx.state_mut::<Ipv4Net>().unwrap().set_ping_group_range(0, 0).unwrap();
        ext
    })
    .unwrap();
    let mut run = Run { opened: Vec::new(), rcvbuf_max: HashMap::new() };
    for call in calls.iter().take(MAX_CALLS) {
        if trace() {
            eprintln!("{call:?}");
        }
        with_cx(k, &net, |cx| {
            run.call(cx, call);
            run.check_queues(cx);
        })
        .unwrap();
        ext.drain_tx();
    }
    with_cx(k, &net, |cx| {
        let fds: Vec<Fd> = cx.state::<Sockets<Pernet>>().unwrap().iter().map(|(fd, _)| fd).collect();
        for fd in fds {
            known(sys::sys_close(cx, fd));
        }
        no_sockets_left(cx);
    })
    .unwrap();
    ns.put_net(net).unwrap();
});
