//! The UDP transmit path, the application's buffer → socket → IP output →
//! the device's transmit ring: packets per second per core, netgen against
//! smoltcp doing the same work.
//!
//! Workload: a batch of 64 datagrams, each with a distinct 64-byte payload,
//! sent from 10.0.0.2:7 (the socket bound to port 7) to 10.0.0.1:5000, a
//! neighbour whose MAC address both stacks already know (no ARP is sent or
//! measured). Both sides compute the IPv4 header and UDP checksums in
//! software. After sending the batch, the driver's side takes every frame
//! off the device and checks it with `netgen_stack::frames` (a parser that
//! is neither stack's code): Ethernet addresses, a valid IPv4 header and
//! header checksum, source and destination address and port, a UDP
//! checksum that is there (not 0) and right, and the payload, in order. A
//! batch that does not put all 64 frames on the device intact fails the
//! bench, so a path that drops or skips work cannot win. Before measuring,
//! the check is shown to refuse a frame with one payload bit flipped.
//! Criterion reports time per packet (`Throughput::Elements(64)`).
//!
//! * `udp_tx/smoltcp`: an `Interface` (Ethernet, 02:00:00:00:00:02,
//!   10.0.0.2/24) whose neighbour cache learnt 10.0.0.1 from an ARP reply
//!   fed in at setup (smoltcp has no other way to fill it; the time stamp
//!   is a constant, so the entry never expires and no clock read is
//!   measured), default `ChecksumCapabilities` (compute every checksum),
//!   a UDP socket bound to port 7 with room for a batch; `send_slice` for
//!   each datagram, then one `iface.poll`, which writes the frames into
//!   the device's ring of preallocated 1536-byte buffers (no allocation,
//!   no zeroing).
//! * `udp_tx/netgen`: [`netgen_batch`]: `sys_sendto` for each datagram
//!   (`inet_sendmsg` → `udp_sendmsg` → `ip_build_and_send` →
//!   `ip_local_out` → `neigh_output` → `dev_queue_xmit` → the external
//!   device's ring), the namespace locked once per batch; a permanent
//!   neighbour entry for 10.0.0.1 (`ip neigh add .. nud permanent`). The
//!   driver then pops each `SkBuff` off the ring and frees it after the
//!   check (its buffer goes back to the pool, as a driver's
//!   `dev_kfree_skb` on transmit completion). If [`netgen_setup`] cannot
//!   build the stack it says why and the id is skipped.
//!
//! ```text
//! cargo bench --bench udp_tx
//! cargo bench --bench udp_tx -- --warm-up-time 1 --measurement-time 3   # quicker
//! ```
//!
//! Instruction counts (callgrind): with `NETGEN_CALLGRIND=smoltcp` (or
//! `=netgen`) the binary instead sends 100_000 packets through that side in
//! batches of 64 (the last one 32), checks every frame, prints the count
//! and exits. `--toggle-collect` limits the counts to the measured function
//! (not the setup), so `PROGRAM TOTALS` divided by 100_000 is instructions
//! per packet (the frame check included, the same code on both sides):
//!
//! ```text
//! cargo bench --bench udp_tx --no-run        # prints the binary: target/release/deps/udp_tx-HASH
//! NETGEN_CALLGRIND=netgen valgrind --tool=callgrind --toggle-collect='udp_tx::callgrind_run*' \
//!     --callgrind-out-file=/tmp/cg.netgen target/release/deps/udp_tx-HASH
//! callgrind_annotate --inclusive=yes /tmp/cg.netgen | head -40
//! ```

mod common;

use std::hint::black_box;
use std::net::{Ipv4Addr, SocketAddrV4};

use criterion::{criterion_group, Criterion, Throughput};
use netgen_stack::frames::{self, Mac};
use netgen_stack::generated::pernet::Pernet;
use netgen_stack::runtime::dev::{ExternalDev, NetDevTables};
use netgen_stack::runtime::inet::arp::NUD_PERMANENT;
use netgen_stack::runtime::inet::NeighTable;
use netgen_stack::runtime::init::BootOptions;
use netgen_stack::runtime::netns::NetRef;
use netgen_stack::runtime::socket::syscalls::{sys_bind, sys_sendto, sys_socket};
use netgen_stack::runtime::socket::{PF_INET, SOCK_DGRAM, SOCK_NONBLOCK};
use netgen_stack::runtime::tables::{Fd, NetCx, SockAddr};
use netgen_stack::Kernel;

/// Datagrams per batch (one criterion iteration).
const BATCH: usize = 64;
/// UDP payload bytes per datagram.
const PAYLOAD: usize = 64;
/// Packets one callgrind run sends.
const CALLGRIND_PACKETS: usize = 100_000;

const HOST_MAC: Mac = [0x02, 0, 0, 0, 0, 0x02];
const PEER_MAC: Mac = [0x02, 0, 0, 0, 0, 0x01];
const HOST_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);
const PEER_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const PEER_PORT: u16 = 5000;
const HOST_PORT: u16 = 7;

/// Where the UDP checksum is in a frame (Ethernet, IPv4 without options).
const UDP_CSUM: usize = frames::ETH_HLEN + frames::IPV4_HLEN + 6;

/// The payloads of one batch.
fn payloads() -> Vec<[u8; PAYLOAD]> {
    (0..BATCH).map(|f| std::array::from_fn(|i| (f * 131 + i * 7 + 1) as u8)).collect()
}

/// Whether `frame` is the datagram carrying `payload` from the host to
/// the peer, intact: Ethernet addresses, IPv4 header and its checksum,
/// addresses and ports, a UDP checksum that was computed (not 0) and is
/// right, the payload.
#[inline(never)]
fn intact(frame: &[u8], payload: &[u8]) -> bool {
    let Some((eth, _)) = frames::parse_eth(frame) else { return false };
    let src = SocketAddrV4::new(HOST_IP, HOST_PORT);
    let dst = SocketAddrV4::new(PEER_IP, PEER_PORT);
    eth.src == HOST_MAC
        && eth.dst == PEER_MAC
        && frame.get(UDP_CSUM..UDP_CSUM + 2).is_some_and(|c| c != [0, 0])
        && frames::parse_udp_frame(frame) == Some((src, dst, payload))
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

    /// Bytes per transmit buffer (a NIC ring's, room for a full frame).
    const TX_BUF: usize = 1536;

    /// A device whose transmit ring is `BATCH` preallocated buffers:
    /// `transmit` lends the next free one (none when all are used), and
    /// `lens` records each frame's length. `rx` is a frame to receive
    /// once (the ARP reply at setup).
    struct RingDevice {
        bufs: Vec<[u8; TX_BUF]>,
        lens: Vec<usize>,
        rx: Option<Vec<u8>>,
    }

    struct Rx(Vec<u8>);

    impl phy::RxToken for Rx {
        fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
            f(&self.0)
        }
    }

    struct Tx<'a> {
        buf: &'a mut [u8; TX_BUF],
        lens: &'a mut Vec<usize>,
    }

    impl phy::TxToken for Tx<'_> {
        fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
            self.lens.push(len);
            f(&mut self.buf[..len.min(TX_BUF)])
        }
    }

    impl RingDevice {
        fn tx(&mut self) -> Option<Tx<'_>> {
            let RingDevice { bufs, lens, .. } = self;
            let buf = bufs.get_mut(lens.len())?;
            Some(Tx { buf, lens })
        }
    }

    impl phy::Device for RingDevice {
        type RxToken<'a> = Rx;
        type TxToken<'a> = Tx<'a>;

        fn receive(&mut self, _timestamp: Instant) -> Option<(Rx, Tx<'_>)> {
            let frame = self.rx.take()?;
            Some((Rx(frame), self.tx()?))
        }

        fn transmit(&mut self, _timestamp: Instant) -> Option<Tx<'_>> {
            self.tx()
        }

        fn capabilities(&self) -> DeviceCapabilities {
            let mut caps = DeviceCapabilities::default();
            caps.medium = Medium::Ethernet;
            caps.max_transmission_unit = 1514; // Ethernet medium: the frame without FCS
            caps.checksum = ChecksumCapabilities::default(); // compute (and verify) every checksum
            caps
        }
    }

    /// smoltcp's send side: interface, socket set with one bound UDP
    /// socket, the device, the payloads and the peer.
    pub struct SmolTx {
        iface: Interface,
        sockets: SocketSet<'static>,
        udp: SocketHandle,
        dev: RingDevice,
        payloads: Vec<[u8; PAYLOAD]>,
        peer: IpEndpoint,
    }

    pub fn setup(payloads: &[[u8; PAYLOAD]]) -> SmolTx {
        let mut dev = RingDevice { bufs: vec![[0; TX_BUF]; BATCH], lens: Vec::new(), rx: None };
        let config = Config::new(EthernetAddress(HOST_MAC).into());
        let mut iface = Interface::new(config, &mut dev, Instant::ZERO);
        iface.update_ip_addrs(|addrs| {
            addrs.push(IpCidr::new(IpAddress::from(HOST_IP), 24)).expect("room for one address");
        });
        let rx = udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; 1], vec![0; 64]);
        let tx = udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; BATCH], vec![0; BATCH * PAYLOAD]);
        let mut socket = udp::Socket::new(rx, tx);
        socket.bind(HOST_PORT).expect("bind port 7");
        let mut sockets = SocketSet::new(Vec::new());
        let udp = sockets.add(socket);
        // The neighbour: an ARP reply from 10.0.0.1 fills the cache.
        dev.rx = Some(frames::arp_frame(frames::ARPOP_REPLY, PEER_MAC, PEER_IP, HOST_MAC, HOST_IP));
        iface.poll(Instant::ZERO, &mut dev, &mut sockets);
        assert!(dev.rx.is_none() && dev.lens.is_empty(), "smoltcp took the ARP reply without answering");
        let peer = IpEndpoint::new(IpAddress::from(PEER_IP), PEER_PORT);
        SmolTx { iface, sockets, udp, dev, payloads: payloads.to_vec(), peer }
    }

    /// Sends datagrams `0..n` of the batch, polls once, and checks what
    /// the device got; returns how many frames were intact, in order.
    pub fn batch(tx: &mut SmolTx, n: usize) -> usize {
        tx.dev.lens.clear();
        let socket = tx.sockets.get_mut::<udp::Socket>(tx.udp);
        for p in &tx.payloads[..n] {
            if socket.send_slice(p, tx.peer).is_err() {
                break;
            }
        }
        tx.iface.poll(Instant::ZERO, &mut tx.dev, &mut tx.sockets);
        let mut sent = 0;
        for (i, &len) in tx.dev.lens.iter().enumerate() {
            if tx.payloads.get(i).is_some_and(|p| intact(&tx.dev.bufs[i][..len], p)) {
                sent += 1;
            }
        }
        sent
    }

    /// Frame `i` of the last batch, as bytes.
    pub fn last_frame(tx: &SmolTx, i: usize) -> Option<Vec<u8>> {
        Some(tx.dev.bufs.get(i)?[..*tx.dev.lens.get(i)?].to_vec())
    }
}

// ============================================================================
// netgen
// ============================================================================

/// netgen's send side: what [`netgen_setup`] builds and [`netgen_batch`]
/// uses: the booted kernel (`netgen_stack::boot`), the namespace
/// (`init_net`) holding the device standing for the NIC (`eth0`, MAC
/// [`HOST_MAC`], 10.0.0.2/24, up, a transmit ring of a batch) with a
/// permanent neighbour entry for 10.0.0.1, the UDP socket bound to
/// 0.0.0.0:7, the driver's handle on the device, and the payloads.
struct NetgenTx {
    kernel: Kernel,
    net: NetRef<Pernet>,
    dev: ExternalDev,
    fd: Fd,
    peer: SockAddr,
    payloads: Vec<[u8; PAYLOAD]>,
}

/// Builds [`NetgenTx`]: boots the stack, registers the NIC as an external
/// device of `init_net` (ring of [`BATCH`] frames) with [`HOST_MAC`] and
/// 10.0.0.2/24, brings it up, adds 10.0.0.1 → [`PEER_MAC`] to the
/// neighbour table (`NUD_PERMANENT`), creates a UDP socket
/// (`sys_socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)`) and binds it to
/// port 7.
fn netgen_setup(payloads: &[[u8; PAYLOAD]]) -> Result<NetgenTx, &'static str> {
    let (kernel, report) = netgen_stack::boot(1, &BootOptions::default());
    if !report.all_ok() {
        return Err("boot: an initcall failed or was skipped");
    }
    let ns = netgen_stack::namespaces(&kernel).map_err(|_| "boot: no namespaces (net_ns_init did not run)")?;
    let net = ns.init_net();
    let (dev, fd) = {
        let mut guard = net.write();
        let mut cx = NetCx::new(&kernel, &mut guard, 0);
        let devs = cx.state_mut::<NetDevTables>().map_err(|_| "init_net has no device tables")?;
        let dev = devs.register_external("eth0", HOST_MAC, BATCH).map_err(|_| "register eth0")?;
        devs.inet_addr_add(dev.ifindex, HOST_IP, 24).map_err(|_| "ip addr add 10.0.0.2/24 dev eth0")?;
        devs.dev_open(dev.ifindex).map_err(|_| "ip link set eth0 up")?;
        cx.state_mut::<NeighTable>()
            .map_err(|_| "init_net has no neighbour table")?
            .neigh_add(dev.ifindex, u32::from(PEER_IP), PEER_MAC, NUD_PERMANENT)
            .map_err(|_| "ip neigh add 10.0.0.1 lladdr 02:00:00:00:00:01 dev eth0 nud permanent")?;
        let fd = sys_socket(&mut cx, i32::from(PF_INET), i32::from(SOCK_DGRAM) | SOCK_NONBLOCK, 0)
            .map_err(|_| "socket(AF_INET, SOCK_DGRAM)")?;
        let any = SockAddr::Inet(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, HOST_PORT));
        sys_bind(&mut cx, fd, &any).map_err(|_| "bind(0.0.0.0:7)")?;
        (dev, fd)
    };
    Ok(NetgenTx {
        kernel,
        net,
        dev,
        fd,
        peer: SockAddr::Inet(SocketAddrV4::new(PEER_IP, PEER_PORT)),
        payloads: payloads.to_vec(),
    })
}

/// The same work as `smol::batch`, through netgen's own path, and the same
/// result (frames on the device intact, in order).
///
/// The namespace is locked once per batch; `sys_sendto(fd, payload, 0,
/// 10.0.0.1:5000)` for each datagram puts its frame on `eth0`'s transmit
/// ring. Then the driver's side (no lock needed) pops each frame, checks
/// it and frees it.
fn netgen_batch(tx: &mut NetgenTx, n: usize) -> usize {
    {
        let mut net = tx.net.write();
        let mut cx = NetCx::new(&tx.kernel, &mut net, 0);
        for p in &tx.payloads[..n] {
            if sys_sendto(&mut cx, tx.fd, p, Some(&tx.peer), 0) != Ok(PAYLOAD) {
                break;
            }
        }
    }
    let mut sent = 0;
    let mut i = 0;
    while let Some(skb) = tx.dev.pop_tx() {
        if tx.payloads.get(i).is_some_and(|p| intact(skb.data(), p)) {
            sent += 1;
        }
        i += 1;
    }
    sent
}

// ============================================================================
// criterion and callgrind
// ============================================================================

fn udp_tx(c: &mut Criterion) {
    let payloads = payloads();
    let mut group = c.benchmark_group("udp_tx");
    group.throughput(Throughput::Elements(BATCH as u64));

    let mut smol = smol::setup(&payloads);
    assert_eq!(smol::batch(&mut smol, BATCH), BATCH, "smoltcp: not every frame transmitted intact");
    // The check refuses a frame with one payload bit flipped, even when
    // told to expect the flipped payload: it verifies the UDP checksum.
    let mut bad = smol::last_frame(&smol, 0).expect("smoltcp sent frame 0");
    assert!(intact(&bad, &payloads[0]), "the check takes smoltcp's frame");
    *bad.last_mut().expect("a frame") ^= 1;
    let flipped = bad[bad.len() - PAYLOAD..].to_vec();
    assert!(!intact(&bad, &payloads[0]) && !intact(&bad, &flipped), "the check sees a flipped bit");
    group.bench_function("smoltcp", |b| {
        b.iter(|| {
            let sent = smol::batch(black_box(&mut smol), BATCH);
            assert_eq!(sent, BATCH, "smoltcp dropped or corrupted frames");
        })
    });

    match netgen_setup(&payloads) {
        Ok(mut ng) => {
            assert_eq!(netgen_batch(&mut ng, BATCH), BATCH, "netgen: not every frame transmitted intact");
            group.bench_function("netgen", |b| {
                b.iter(|| {
                    let sent = netgen_batch(black_box(&mut ng), BATCH);
                    assert_eq!(sent, BATCH, "netgen dropped or corrupted frames");
                })
            });
        }
        Err(why) => eprintln!("udp_tx/netgen: skipped: {why}"),
    }
    group.finish();
}

/// Sends `packets` packets through smoltcp in batches of 64 (the last one
/// shorter); returns how many were transmitted intact. Kept out of line,
/// and the setup outside it, so `--toggle-collect='udp_tx::callgrind_run*'`
/// counts exactly the send work.
#[inline(never)]
fn callgrind_run_smoltcp(tx: &mut smol::SmolTx, packets: usize) -> usize {
    common::in_batches(packets, BATCH, |n| smol::batch(black_box(&mut *tx), n))
}

/// [`callgrind_run_smoltcp`] for netgen.
#[inline(never)]
fn callgrind_run_netgen(tx: &mut NetgenTx, packets: usize) -> usize {
    common::in_batches(packets, BATCH, |n| netgen_batch(black_box(&mut *tx), n))
}

fn callgrind(side: &str) -> Result<usize, String> {
    let payloads = payloads();
    match side {
        "smoltcp" => Ok(callgrind_run_smoltcp(&mut smol::setup(&payloads), CALLGRIND_PACKETS)),
        "netgen" => Ok(callgrind_run_netgen(
            &mut netgen_setup(&payloads).map_err(|why| format!("netgen: {why}"))?,
            CALLGRIND_PACKETS,
        )),
        other => Err(format!("NETGEN_CALLGRIND={other}: expected `smoltcp` or `netgen`")),
    }
}

criterion_group!(benches, udp_tx);

fn main() {
    common::main("udp_tx", CALLGRIND_PACKETS, "transmitted", benches, callgrind);
}
