//! The UDP receive path, frames already in memory → socket queue → the
//! application's buffer: packets per second per core, netgen against
//! smoltcp doing the same checks.
//!
//! Workload: a batch of 64 Ethernet/IPv4/UDP frames from 10.0.0.1:5000 to
//! 10.0.0.2:7, each with a distinct 64-byte payload and valid IPv4 and UDP
//! checksums (built once with `netgen_stack::frames`). One iteration feeds
//! the whole batch to the stack, then receives every datagram from the UDP
//! socket bound to port 7 into a buffer, checking the source and the payload
//! and counting deliveries: a batch that does not deliver all 64 datagrams
//! intact fails the bench, so a path that drops silently cannot win. Before
//! measuring, each side is also fed two frames with intact payloads but a
//! bad UDP and a bad IPv4 header checksum, and must deliver neither: both
//! sides verify the same checksums.
//! Criterion reports time per packet (`Throughput::Elements(64)`).
//!
//! * `udp_rx/smoltcp`: an `Interface` (Ethernet, 02:00:00:00:00:02,
//!   10.0.0.2/24) over a device whose receive token lends the next frame of
//!   the batch (no copy), with default `ChecksumCapabilities` (verify IPv4
//!   and UDP checksums in software); `iface.poll` once per batch, then
//!   `recv_slice` until the socket is empty. The time stamp is a constant:
//!   no clock read is measured.
//! * `udp_rx/netgen`: [`netgen_batch`], the same work through netgen's
//!   own path: per frame `SkBuff::from_frame` (one pooled buffer and one
//!   copy, as a driver's `napi_alloc_skb` + copy; smoltcp's device lends
//!   the frame with neither) and `netif_receive_frame` → `eth_type_trans`
//!   → `netif_receive_skb` → `ip_rcv` → `udp_rcv`, then `sys_recvfrom`
//!   until `EAGAIN`. The kernel's tables and the namespace are taken once
//!   per batch, as a NAPI poll does. If [`netgen_setup`] cannot build the
//!   stack it says why and the id is skipped with that reason printed.
//! * `udp_rx/netgen_igb` (3,204 instructions per packet, README): the whole machine: the software 82576 receives
//!   each frame from the wire (with its FCS, which it checks) and writes it
//!   by DMA into the RX ring's buffers with a descriptor write-back; its
//!   MSI-X message → `igb_irq` (`igb_msix_ring`: `irq_enter`,
//!   `napi_schedule`, `irq_exit` → NET_RX → `net_rx_action`) → `igb_poll`
//!   (weight 64: the whole batch in one poll) → `igb_clean_rx_irq`
//!   (copybreak: a 106-byte frame is copied into a new skb and the buffer
//!   stays in the ring) → `netif_receive_frames` → the UDP socket, then
//!   `recvmmsg` as above. The device model's work (CRC, filters, DMA
//!   through `DmaSpace`) is counted too: hardware would do it.
//!
//! ```text
//! cargo bench --bench udp_rx
//! cargo bench --bench udp_rx -- --warm-up-time 1 --measurement-time 3   # quicker
//! ```
//!
//! Instruction counts (callgrind): with `NETGEN_CALLGRIND=smoltcp` (or
//! `=netgen`) the binary instead pushes 100_000 packets through that side in
//! batches of 64 (the last one 32), checks every delivery, prints the count
//! and exits. `--toggle-collect` limits the counts to the measured function
//! (not the setup), so `PROGRAM TOTALS` divided by 100_000 is instructions
//! per packet:
//!
//! ```text
//! cargo bench --bench udp_rx --no-run        # prints the binary: target/release/deps/udp_rx-HASH
//! NETGEN_CALLGRIND=smoltcp valgrind --tool=callgrind --toggle-collect='udp_rx::callgrind_run*' \
//!     --callgrind-out-file=/tmp/cg.smoltcp target/release/deps/udp_rx-HASH
//! callgrind_annotate /tmp/cg.smoltcp | head -30  # Ir of PROGRAM TOTALS / 100000 = instructions per packet
//! ```
//!
//! Netfilter: the spec's example hook (`nf_hook udp_filter`, LOCAL_IN) is
//! unregistered from the namespace before measuring, so netgen's side runs
//! with netfilter compiled in and no hook at any point: what is measured is
//! `NF_HOOK`'s check alone. `NETGEN_UDP_FILTER=1` keeps the hook (its port
//! unset, so it accepts every datagram).

mod common;

use std::hint::black_box;
use std::net::{Ipv4Addr, SocketAddrV4};

use criterion::{criterion_group, Criterion, Throughput};
use netgen_stack::frames::{self, Mac};
use netgen_stack::generated::pernet::Pernet;
use netgen_stack::generated::tables::{nf_hooks, NF_HOOKS};
use netgen_stack::igb::{probe_82576, Nic};
use netgen_stack::runtime::dev::napi::NetSoftirqs;
use netgen_stack::runtime::dev::{netif_receive_frames, NetDevTables};
use netgen_stack::runtime::init::BootOptions;
use netgen_stack::runtime::netfilter::{nf_unregister_net_hook, NfHookOps};
use netgen_stack::runtime::netns::{Net, NetRef};
use netgen_stack::runtime::page_pool::{PagePool, PagePoolParams};
use netgen_stack::runtime::skbuff::SkBuff;
use netgen_stack::runtime::sock::sk::{MSG_DONTWAIT, SOL_SOCKET, SO_RCVBUF};
use netgen_stack::runtime::socket::syscalls::{sys_bind, sys_recvmmsg, sys_setsockopt, sys_socket, MMsgHdr};
use netgen_stack::runtime::socket::{PF_INET, SOCK_DGRAM, SOCK_NONBLOCK};
use netgen_stack::runtime::tables::{Fd, NetCx, SockAddr};
use netgen_stack::Kernel;

/// Frames per batch (one criterion iteration).
const BATCH: usize = 64;
/// UDP payload bytes per frame.
const PAYLOAD: usize = 64;
/// Packets one callgrind run pushes through.
const CALLGRIND_PACKETS: usize = 100_000;

const HOST_MAC: Mac = [0x02, 0, 0, 0, 0, 0x02];
const PEER_MAC: Mac = [0x02, 0, 0, 0, 0, 0x01];
const HOST_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);
const PEER_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const PEER_PORT: u16 = 5000;
const HOST_PORT: u16 = 7;

/// The batch both sides receive, and the payload each frame must deliver.
struct Workload {
    frames: Vec<Vec<u8>>,
    payloads: Vec<[u8; PAYLOAD]>,
}

fn workload() -> Workload {
    let payloads: Vec<[u8; PAYLOAD]> =
        (0..BATCH).map(|f| std::array::from_fn(|i| (f * 131 + i * 7 + 1) as u8)).collect();
    let (src, dst) = (SocketAddrV4::new(PEER_IP, PEER_PORT), SocketAddrV4::new(HOST_IP, HOST_PORT));
    let frames: Vec<Vec<u8>> = payloads.iter().map(|p| frames::udp_frame(PEER_MAC, HOST_MAC, src, dst, p)).collect();
    for (f, p) in frames.iter().zip(&payloads) {
        assert_eq!(frames::parse_udp_frame(f), Some((src, dst, &p[..])), "frames.rs built a bad frame");
    }
    Workload { frames, payloads }
}

/// Two frames of `w` with their payloads intact but a wrong UDP checksum
/// (frame 0) and a wrong IPv4 header checksum (frame 1): a side that
/// verifies checksums delivers neither.
fn corrupted(w: &Workload) -> Workload {
    let mut frames = w.frames[..2].to_vec();
    frames[0][frames::ETH_HLEN + frames::IPV4_HLEN + 6] ^= 0x01;
    frames[1][frames::ETH_HLEN + 10] ^= 0x01;
    Workload { frames, payloads: w.payloads[..2].to_vec() }
}

// ============================================================================
// smoltcp
// ============================================================================

mod smol {
    use smoltcp::iface::{Config, Interface, SocketHandle, SocketSet};
    use smoltcp::phy::{self, ChecksumCapabilities, DeviceCapabilities, Medium};
    use smoltcp::socket::udp;
    use smoltcp::time::Instant;
    use smoltcp::wire::{EthernetAddress, IpAddress, IpCidr, IpEndpoint};

    use super::*;

    /// A device whose receive queue is the pre-built batch: `receive` lends
    /// frames `next..end` one by one. Transmissions (there should be none)
    /// go to a scratch buffer and are counted.
    struct BatchDevice {
        frames: Vec<Vec<u8>>,
        next: usize,
        end: usize,
        tx_buf: Vec<u8>,
        tx_frames: usize,
    }

    struct Rx<'a>(&'a [u8]);

    impl phy::RxToken for Rx<'_> {
        fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
            f(self.0)
        }
    }

    struct Tx<'a> {
        buf: &'a mut Vec<u8>,
        count: &'a mut usize,
    }

    impl phy::TxToken for Tx<'_> {
        fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
            *self.count += 1;
            self.buf.resize(len, 0);
            f(&mut self.buf[..len])
        }
    }

    impl phy::Device for BatchDevice {
        type RxToken<'a> = Rx<'a>;
        type TxToken<'a> = Tx<'a>;

        fn receive(&mut self, _timestamp: Instant) -> Option<(Rx<'_>, Tx<'_>)> {
            let BatchDevice { frames, next, end, tx_buf, tx_frames } = self;
            if *next >= *end {
                return None;
            }
            let frame = &frames[*next];
            *next += 1;
            Some((Rx(frame), Tx { buf: tx_buf, count: tx_frames }))
        }

        fn transmit(&mut self, _timestamp: Instant) -> Option<Tx<'_>> {
            Some(Tx { buf: &mut self.tx_buf, count: &mut self.tx_frames })
        }

        fn capabilities(&self) -> DeviceCapabilities {
            let mut caps = DeviceCapabilities::default();
            caps.medium = Medium::Ethernet;
            caps.max_transmission_unit = 1514; // Ethernet medium: the frame without FCS
            caps.checksum = ChecksumCapabilities::default(); // verify (and compute) every checksum
            caps
        }
    }

    /// smoltcp's receive side: interface, socket set with one bound UDP
    /// socket, the device, and the application's receive buffer.
    pub struct SmolRx {
        iface: Interface,
        sockets: SocketSet<'static>,
        udp: SocketHandle,
        dev: BatchDevice,
        payloads: Vec<[u8; PAYLOAD]>,
        buf: Vec<u8>,
        peer: IpEndpoint,
    }

    pub fn setup(w: &Workload) -> SmolRx {
        let mut dev = BatchDevice { frames: w.frames.clone(), next: 0, end: 0, tx_buf: Vec::new(), tx_frames: 0 };
        let config = Config::new(EthernetAddress(HOST_MAC).into());
        let mut iface = Interface::new(config, &mut dev, Instant::ZERO);
        iface.update_ip_addrs(|addrs| {
            addrs.push(IpCidr::new(IpAddress::from(HOST_IP), 24)).expect("room for one address");
        });
        // Room for two batches, so a full batch never overflows the queue.
        let rx = udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; 2 * BATCH], vec![0; 2 * BATCH * PAYLOAD]);
        let tx = udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; 1], vec![0; 64]);
        let mut socket = udp::Socket::new(rx, tx);
        socket.bind(HOST_PORT).expect("bind port 7");
        let mut sockets = SocketSet::new(Vec::new());
        let udp = sockets.add(socket);
        let peer = IpEndpoint::new(IpAddress::from(PEER_IP), PEER_PORT);
        SmolRx { iface, sockets, udp, dev, payloads: w.payloads.clone(), buf: vec![0; 2048], peer }
    }

    /// Receives frames `0..n` of the batch and then every datagram the
    /// socket holds; returns how many arrived intact (right source, right
    /// payload, in order).
    pub fn batch(rx: &mut SmolRx, n: usize) -> usize {
        rx.dev.next = 0;
        rx.dev.end = n;
        rx.iface.poll(Instant::ZERO, &mut rx.dev, &mut rx.sockets);
        let socket = rx.sockets.get_mut::<udp::Socket>(rx.udp);
        let mut delivered = 0;
        while let Ok((len, meta)) = socket.recv_slice(&mut rx.buf) {
            let want = rx.payloads.get(delivered).map(|p| &p[..]);
            if meta.endpoint == rx.peer && Some(&rx.buf[..len]) == want {
                delivered += 1;
            }
        }
        delivered
    }

    /// Frames the stack transmitted (receiving must not need any: no ARP).
    pub fn transmitted(rx: &SmolRx) -> usize {
        rx.dev.tx_frames
    }
}

// ============================================================================
// netgen
// ============================================================================

/// netgen's receive side: what [`netgen_setup`] builds and
/// [`netgen_batch`] uses: the booted kernel (`netgen_stack::boot`), the
/// namespace (`init_net`) holding the device standing for the NIC (`eth0`,
/// MAC [`HOST_MAC`], 10.0.0.2/24, up), the UDP socket bound to 0.0.0.0:7
/// (non-blocking, its receive buffer large enough for two batches), the
/// frames of the [`Workload`], the expected payloads and a 2048-byte
/// receive buffer.
struct NetgenRx {
    kernel: Kernel,
    net: NetRef<Pernet>,
    ifindex: i32,
    fd: Fd,
    peer: SocketAddrV4,
    frames: Vec<Vec<u8>>,
    payloads: Vec<[u8; PAYLOAD]>,
    /// How received frames become skbs.
    buffers: Buffers,
    /// The NAPI poll's batch (kept, so its allocation is reused).
    skbs: Vec<SkBuff>,
    /// One receive buffer per message of a `recvmmsg`.
    bufs: Box<[[u8; 2048]; BATCH]>,
}

/// How a frame becomes an skb, as a driver's receive path makes it.
enum Buffers {
    /// `SkBuff::from_frame`: a buffer from the stack's pool and one copy
    /// of the frame (`napi_alloc_skb` + copy, what igb does for a frame
    /// under its copybreak).
    Copy,
    /// The device's own buffers: the frame is written into a buffer of
    /// the ring's page pool (standing for the NIC's DMA write, so the
    /// copy is counted here too), and `SkBuff::build_skb` builds the skb
    /// around that buffer (`napi_build_skb`); freeing the skb at
    /// `recvmmsg` returns the buffer to the pool, where the next frame
    /// takes it. The pool has a ring's worth of buffers.
    PagePool(PagePool),
}

/// Headroom a driver leaves in front of the frame in its buffer
/// (`IGB_SKB_PAD`: `NET_SKB_PAD` + `NET_IP_ALIGN`).
const RX_HEADROOM: usize = 64;

impl Buffers {
    fn copy() -> Buffers {
        Buffers::Copy
    }

    fn page_pool() -> Buffers {
        let params = PagePoolParams { pool_size: 256, buf_len: 2048, max_pages: 256, dma_base: 0 };
        Buffers::PagePool(PagePool::new(params).expect("a ring's worth of 2 KiB buffers"))
    }
}

/// Builds [`NetgenRx`]: boots the stack, registers the NIC as an external
/// device of `init_net` with [`HOST_MAC`] and 10.0.0.2/24, brings it up,
/// creates a UDP socket (`sys_socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK,
/// 0)`), gives it room for two batches (`SO_RCVBUF`), binds it to port 7,
/// and keeps `w`'s frames and payloads. As with smoltcp, nothing needs ARP
/// or a neighbour entry: receiving does not.
fn netgen_setup(w: &Workload, buffers: Buffers) -> Result<NetgenRx, &'static str> {
    let (kernel, report) = netgen_stack::boot(1, &BootOptions::default());
    if !report.all_ok() {
        return Err("boot: an initcall failed or was skipped");
    }
    let ns = netgen_stack::namespaces(&kernel).map_err(|_| "boot: no namespaces (net_ns_init did not run)")?;
    let net = ns.init_net();
    let (ifindex, fd) = {
        let mut guard = net.write();
        unless_udp_filter_asked(&mut guard)?;
        let mut cx = NetCx::new(&kernel, &mut guard, 0);
        let devs = cx.state_mut::<NetDevTables>().map_err(|_| "init_net has no device tables")?;
        let ifindex = devs.register_external("eth0", HOST_MAC, 1000).map_err(|_| "register eth0")?.ifindex;
        devs.inet_addr_add(ifindex, HOST_IP, 24).map_err(|_| "ip addr add 10.0.0.2/24 dev eth0")?;
        devs.dev_open(ifindex).map_err(|_| "ip link set eth0 up")?;
        let fd = sys_socket(&mut cx, i32::from(PF_INET), i32::from(SOCK_DGRAM) | SOCK_NONBLOCK, 0)
            .map_err(|_| "socket(AF_INET, SOCK_DGRAM)")?;
        // Two batches of 2 KiB buffers: SO_RCVBUF is doubled, as in Linux.
        let rcvbuf = i32::try_from(2 * BATCH * 2200).unwrap_or(i32::MAX).to_ne_bytes();
        sys_setsockopt(&mut cx, fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf).map_err(|_| "setsockopt(SO_RCVBUF)")?;
        let any = SockAddr::Inet(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, HOST_PORT));
        sys_bind(&mut cx, fd, &any).map_err(|_| "bind(0.0.0.0:7)")?;
        (ifindex, fd)
    };
    Ok(NetgenRx {
        kernel,
        net,
        ifindex,
        fd,
        peer: SocketAddrV4::new(PEER_IP, PEER_PORT),
        frames: w.frames.clone(),
        payloads: w.payloads.clone(),
        buffers,
        skbs: Vec::with_capacity(BATCH),
        bufs: Box::new([[0; 2048]; BATCH]),
    })
}

/// The same work as `smol::batch`, through netgen's own path, and the same
/// result (datagrams delivered intact, in order).
///
/// The namespace is locked once per batch, as a NAPI poll does; the
/// kernel's tables are fields of the kernel. Each of `rx.frames[..n]` becomes an `SkBuff` as the igb
/// driver's receive path would make it: `SkBuff::from_frame` costs one
/// buffer (from the pool) and one copy, like `napi_alloc_skb` + copy, where
/// smoltcp's device lends the frame with neither. The checksum is left
/// unverified (`CHECKSUM_NONE`), so the IPv4 header and UDP checksums are
/// verified in software, as smoltcp does. `netif_receive_frame` runs
/// `eth_type_trans` and `netif_receive_skb` → `ip_rcv` →
/// `ip_local_deliver` → `udp_rcv`, which queues it on the socket; then
/// `sys_recvfrom(fd, buf, MSG_DONTWAIT)` until `EAGAIN`, checking source
/// and payload of each datagram.
fn netgen_batch(rx: &mut NetgenRx, n: usize) -> usize {
    let mut net = rx.net.write();
    let mut cx = NetCx::new(&rx.kernel, &mut net, 0);
    let (frames, ifindex) = (&rx.frames[..n], rx.ifindex);
    match &rx.buffers {
        Buffers::Copy => rx.skbs.extend(frames.iter().map(|frame| SkBuff::from_frame(frame, ifindex))),
        Buffers::PagePool(pool) => rx.skbs.extend(frames.iter().filter_map(|frame| {
            let mut page = pool.alloc()?;
            page.bytes_mut().get_mut(RX_HEADROOM..RX_HEADROOM + frame.len())?.copy_from_slice(frame);
            SkBuff::build_skb(page, RX_HEADROOM, frame.len(), ifindex)
        })),
    }
    netif_receive_frames(&mut cx, rx.ifindex, &mut rx.skbs);
    receive_all(&mut cx, rx.fd, &mut rx.bufs, &rx.payloads, rx.peer)
}

/// The application's side of a batch: `recvmmsg` of up to [`BATCH`]
/// messages until `EAGAIN`; how many datagrams came from `peer` with the
/// payload expected next (`payloads` in order).
#[inline(always)]
fn receive_all(
    cx: &mut NetCx<'_, Pernet>,
    fd: Fd,
    bufs: &mut [[u8; 2048]; BATCH],
    payloads: &[[u8; PAYLOAD]],
    peer: SocketAddrV4,
) -> usize {
    let mut delivered = 0;
    loop {
        let mut msgs: [MMsgHdr<'_>; BATCH] = bufs.each_mut().map(|b| MMsgHdr::new(&mut b[..]));
        let Ok(got) = sys_recvmmsg(cx, fd, &mut msgs, MSG_DONTWAIT) else { break };
        for m in &msgs[..got] {
            let want = payloads.get(delivered).map(|p| &p[..]);
            if matches!(m.name, Some(SockAddr::Inet(a)) if a == peer) && m.buf.get(..m.msg_len) == want {
                delivered += 1;
            }
        }
    }
    delivered
}

/// Unregisters the spec's example `udp_filter` hook from `net` unless
/// `NETGEN_UDP_FILTER` is set, so netgen's side measures `NF_HOOK`'s check
/// alone (see the header).
fn unless_udp_filter_asked(net: &mut Net<Pernet>) -> Result<(), &'static str> {
    if std::env::var_os("NETGEN_UDP_FILTER").is_some() {
        return Ok(());
    }
    let i = nf_hooks::UDP_FILTER;
    let hook = NF_HOOKS.get(usize::from(i)).and_then(|d| NfHookOps::<Pernet>::spec(d, i));
    let hook = hook.ok_or("the spec has no udp_filter hook")?;
    nf_unregister_net_hook(net, &hook).map_err(|_| "nf_unregister_net_hook(udp_filter)")
}

// ============================================================================
// netgen on the software 82576 and igb
// ============================================================================

/// The igb side: the booted kernel, `eth0` of `init_net` on a software
/// 82576 probed and opened by igb, the UDP socket, the frames as on the
/// wire (FCS appended) and the expected payloads.
struct IgbRx {
    kernel: Kernel,
    net: NetRef<Pernet>,
    nic: Nic,
    fd: Fd,
    peer: SocketAddrV4,
    wire: Vec<Vec<u8>>,
    payloads: Vec<[u8; PAYLOAD]>,
    bufs: Box<[[u8; 2048]; BATCH]>,
}

fn igb_setup(w: &Workload) -> Result<IgbRx, &'static str> {
    use netgen_igb::e1000_82576_model::{with_fcs, ModelOptions};
    let (mut kernel, report) = netgen_stack::boot(1, &BootOptions::default());
    if !report.all_ok() {
        return Err("boot: an initcall failed or was skipped");
    }
    let ns = netgen_stack::namespaces(&kernel).map_err(|_| "boot: no namespaces")?;
    let net = ns.init_net();
    unless_udp_filter_asked(&mut net.write())?;
    let mut nic = probe_82576(&mut kernel, 0, HOST_MAC, &net, ModelOptions::default()).map_err(|_| "igb_probe")?;
    nic.adapter.igb_open(&mut kernel, 256, 256).map_err(|_| "igb_open")?;
    let ifindex = nic.adapter.ifindex;
    let fd = {
        let mut guard = net.write();
        let mut cx = NetCx::new(&kernel, &mut guard, 0);
        let devs = cx.state_mut::<NetDevTables>().map_err(|_| "init_net has no device tables")?;
        devs.inet_addr_add(ifindex, HOST_IP, 24).map_err(|_| "ip addr add 10.0.0.2/24 dev eth0")?;
        let fd = sys_socket(&mut cx, i32::from(PF_INET), i32::from(SOCK_DGRAM) | SOCK_NONBLOCK, 0)
            .map_err(|_| "socket(AF_INET, SOCK_DGRAM)")?;
        let rcvbuf = i32::try_from(2 * BATCH * 2200).unwrap_or(i32::MAX).to_ne_bytes();
        sys_setsockopt(&mut cx, fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf).map_err(|_| "setsockopt(SO_RCVBUF)")?;
        let any = SockAddr::Inet(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, HOST_PORT));
        sys_bind(&mut cx, fd, &any).map_err(|_| "bind(0.0.0.0:7)")?;
        fd
    };
    Ok(IgbRx {
        kernel,
        net,
        nic,
        fd,
        peer: SocketAddrV4::new(PEER_IP, PEER_PORT),
        wire: w.frames.iter().map(|f| with_fcs(f)).collect(),
        payloads: w.payloads.clone(),
        bufs: Box::new([[0; 2048]; BATCH]),
    })
}

/// `n` frames from the wire into the 82576, its interrupt, the NAPI poll,
/// then every datagram out of the socket, checked as in `netgen_batch`.
fn igb_batch(rx: &mut IgbRx, n: usize) -> usize {
    for f in &rx.wire[..n] {
        rx.nic.model.receive_frame(f);
    }
    if rx.nic.adapter.igb_irq(&rx.kernel, 0).is_err() {
        return 0;
    }
    // What the softirq left to ksoftirqd (budget or time out) runs on its
    // thread's turn.
    let _ = NetSoftirqs::new(&rx.kernel).ksoftirqd_run_once(0);
    let mut net = rx.net.write();
    let mut cx = NetCx::new(&rx.kernel, &mut net, 0);
    receive_all(&mut cx, rx.fd, &mut rx.bufs, &rx.payloads, rx.peer)
}

// ============================================================================
// criterion and callgrind
// ============================================================================

fn udp_rx(c: &mut Criterion) {
    let w = workload();
    let mut group = c.benchmark_group("udp_rx");
    group.throughput(Throughput::Elements(BATCH as u64));

    let bad = corrupted(&w);
    assert_eq!(smol::batch(&mut smol::setup(&bad), 2), 0, "smoltcp delivered datagrams with bad checksums");
    let mut smol = smol::setup(&w);
    assert_eq!(smol::batch(&mut smol, BATCH), BATCH, "smoltcp: not every datagram delivered intact");
    group.bench_function("smoltcp", |b| {
        b.iter(|| {
            let delivered = smol::batch(black_box(&mut smol), BATCH);
            assert_eq!(delivered, BATCH, "smoltcp dropped or corrupted datagrams");
        })
    });
    assert_eq!(smol::transmitted(&smol), 0, "smoltcp transmitted while receiving");

    for (id, buffers) in [("netgen", Buffers::copy as fn() -> Buffers), ("netgen_build_skb", Buffers::page_pool)] {
        match netgen_setup(&w, buffers()) {
            Ok(mut ng) => {
                let mut ng_bad = netgen_setup(&bad, buffers()).expect("netgen_setup worked once");
                assert_eq!(netgen_batch(&mut ng_bad, 2), 0, "{id} delivered datagrams with bad checksums");
                drop(ng_bad);
                assert_eq!(netgen_batch(&mut ng, BATCH), BATCH, "{id}: not every datagram delivered intact");
                group.bench_function(id, |b| {
                    b.iter(|| {
                        let delivered = netgen_batch(black_box(&mut ng), BATCH);
                        assert_eq!(delivered, BATCH, "{id} dropped or corrupted datagrams");
                    })
                });
            }
            Err(why) => eprintln!("udp_rx/{id}: skipped: {why}"),
        }
    }
    match (igb_setup(&w), igb_setup(&bad)) {
        (Ok(mut ig), Ok(mut ig_bad)) => {
            assert_eq!(igb_batch(&mut ig_bad, 2), 0, "netgen_igb delivered datagrams with bad checksums");
            assert_eq!(igb_batch(&mut ig, BATCH), BATCH, "netgen_igb: not every datagram delivered intact");
            group.bench_function("netgen_igb", |b| {
                b.iter(|| {
                    let delivered = igb_batch(black_box(&mut ig), BATCH);
                    assert_eq!(delivered, BATCH, "netgen_igb dropped or corrupted datagrams");
                })
            });
        }
        (Err(why), _) | (_, Err(why)) => eprintln!("udp_rx/netgen_igb: skipped: {why}"),
    }
    group.finish();
}

/// Pushes `packets` packets through smoltcp in batches of 64 (the last one
/// shorter); returns how many were delivered intact. Kept out of line, and
/// the setup outside it, so `--toggle-collect='udp_rx::callgrind_run*'`
/// counts exactly the receive work.
#[inline(never)]
fn callgrind_run_smoltcp(rx: &mut smol::SmolRx, packets: usize) -> usize {
    common::in_batches(packets, BATCH, |n| smol::batch(black_box(&mut *rx), n))
}

/// [`callgrind_run_smoltcp`] for netgen.
#[inline(never)]
fn callgrind_run_netgen(rx: &mut NetgenRx, packets: usize) -> usize {
    common::in_batches(packets, BATCH, |n| netgen_batch(black_box(&mut *rx), n))
}

/// [`callgrind_run_smoltcp`] for netgen on the software 82576 and igb.
#[inline(never)]
fn callgrind_run_igb(rx: &mut IgbRx, packets: usize) -> usize {
    common::in_batches(packets, BATCH, |n| igb_batch(black_box(&mut *rx), n))
}

fn callgrind(side: &str) -> Result<usize, String> {
    let w = workload();
    match side {
        "smoltcp" => Ok(callgrind_run_smoltcp(&mut smol::setup(&w), CALLGRIND_PACKETS)),
        "netgen" | "netgen_build_skb" => {
            let buffers = if side == "netgen" { Buffers::Copy } else { Buffers::page_pool() };
            let mut rx = netgen_setup(&w, buffers).map_err(|why| format!("{side}: {why}"))?;
            Ok(callgrind_run_netgen(&mut rx, CALLGRIND_PACKETS))
        }
        "netgen_igb" => {
            let mut rx = igb_setup(&w).map_err(|why| format!("{side}: {why}"))?;
            let n = callgrind_run_igb(&mut rx, CALLGRIND_PACKETS);
            if n != CALLGRIND_PACKETS {
                // Where the rest went: the hardware and driver counters.
                eprintln!("igb: {:?} {:?}", rx.nic.adapter.igb_update_stats(), rx.nic.model.stats());
                eprintln!("igb: {:?}", rx.nic.adapter.ring_stats());
            }
            Ok(n)
        }
        other => {
            Err(format!("NETGEN_CALLGRIND={other}: expected `smoltcp`, `netgen`, `netgen_build_skb` or `netgen_igb`"))
        }
    }
}

criterion_group!(benches, udp_rx);

fn main() {
    common::main("udp_rx", CALLGRIND_PACKETS, "delivered", benches, callgrind);
}
