//! A TAP device as a net device of the stack: drivers/net/tun.c seen from
//! its other end. Linux's `tun` driver turns what Linux transmits on a TAP
//! interface into frames a process reads from `/dev/net/tun`
//! (`tun_chr_read_iter`), and what the process writes into frames Linux
//! receives (`tun_chr_write_iter` → `tun_get_user`). To the stack the fd is
//! the wire of a NIC: [`TapDev`] is that NIC's driver.
//!
//! * [`Tap`]: the fd, opened with `IFF_TAP | IFF_NO_PI` (whole Ethernet
//!   frames, no packet-information header) and non-blocking.
//! * [`TapDev`]: an external device of the stack
//!   ([`NetDevTables::register_external`]) bound to a [`Tap`]. Its
//!   [`TapDev::napi_poll`] is what a NIC's NAPI poll does (`igb_poll`):
//!   transmitted frames from the device's ring to the fd, then up to a
//!   budget of frames read from the fd and handed, as one batch, to the
//!   stack's batched receive path ([`netif_receive_frames`]).
//! * [`TapWait`]: sleeps until the fd is readable (epoll, through mio).
//! * [`serve`]: the loop of a host whose one NIC is the TAP device: poll,
//!   run the host's applications, sleep when idle.
//!
//! Every frame read has one outcome: longer than the device's MTU allows
//! (`rx_length_errors`, `rx_errors`, `rx_dropped`), or handed to the stack,
//! where it is delivered or counted under one drop counter. Every frame the
//! device transmitted is written, or counted in `tx_errors` and
//! `tx_dropped` when the fd refuses it.

// The ioctl is the tun-tap crate's; this driver needs no `unsafe`.
#![deny(unsafe_code)]

use std::io::{self, ErrorKind};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use netgen_runtime::dev::{netif_receive_frames, DevSpec, ExternalDev, NetDevStats, NetDevTables, ETH_HLEN};
use netgen_runtime::netns::NetRef;
use netgen_runtime::skbuff::SkBuff;
use netgen_runtime::stack::{with_cx, Stack};
use netgen_runtime::tables::NetCx;
use netgen_runtime::{Errno, Kernel};

/// `VLAN_HLEN`: a NIC takes frames of `mtu + ETH_HLEN + VLAN_HLEN` bytes
/// (one 802.1Q tag).
pub const VLAN_HLEN: usize = 4;

/// The largest frame a TAP fd hands out: Linux's tun limits the MTU to
/// `MAX_MTU` (65535) plus the Ethernet header and a tag; a read buffer of
/// this size never truncates a frame.
pub const TAP_MAX_FRAME: usize = 65535 + ETH_HLEN as usize + VLAN_HLEN;

/// Frames [`TapDev::napi_poll`] reads per call by default: `weight_p`, a
/// NAPI instance's budget.
pub const TAP_NAPI_WEIGHT: usize = 64;

/// The transmit ring of a TAP-backed device, in frames: Linux's default
/// `tx_queue_len` for Ethernet devices.
pub const TAP_TX_QUEUE_LEN: usize = 1000;

/// An open TAP device: `/dev/net/tun` attached to interface `name` with
/// `IFF_TAP | IFF_NO_PI`, non-blocking. The interface lives in the
/// network namespace of the thread that opened it and goes away when the
/// fd is closed (it is not made persistent).
#[derive(Debug)]
pub struct Tap {
    iface: tun_tap::Iface,
}

impl Tap {
    /// Creates TAP interface `name` (at most 15 bytes; `%d` picks a free
    /// unit) in the calling thread's network namespace and opens it
    /// non-blocking. Needs `CAP_NET_ADMIN` and `/dev/net/tun`.
    pub fn open(name: &str) -> io::Result<Tap> {
        let iface = tun_tap::Iface::without_packet_info(name, tun_tap::Mode::Tap)?;
        iface.set_non_blocking()?;
        Ok(Tap { iface })
    }

    /// The interface's name as Linux gave it.
    pub fn name(&self) -> &str {
        self.iface.name()
    }

    /// Reads one frame; `WouldBlock` when none is queued.
    pub fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.iface.recv(buf)
    }

    /// Writes one frame (Linux receives it on the interface).
    pub fn write(&self, frame: &[u8]) -> io::Result<usize> {
        self.iface.send(frame)
    }

    /// Why TAP devices cannot be opened here, if they cannot: no
    /// `/dev/net/tun`, or not root. `None` when they can (a check, not a
    /// guarantee: `open` may still fail).
    pub fn unavailable() -> Option<String> {
        if !std::path::Path::new("/dev/net/tun").exists() {
            return Some("/dev/net/tun does not exist (no tun module, or a container without it)".into());
        }
        // Effective uid 0 is how these tests and tools get CAP_NET_ADMIN;
        // /proc/self/status says so without a libc call.
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let euid = status.lines().find(|l| l.starts_with("Uid:")).and_then(|l| l.split_whitespace().nth(2));
        if euid != Some("0") {
            return Some("not running as root (TAP devices and network namespaces need CAP_NET_ADMIN)".into());
        }
        None
    }
}

impl AsRawFd for Tap {
    fn as_raw_fd(&self) -> RawFd {
        self.iface.as_raw_fd()
    }
}

/// What crossed a TAP device's fd, counted by its driver (the device's own
/// `rtnl_link_stats64` are the stack's [`NetDevStats`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TapStats {
    /// Frames read from the fd (what Linux transmitted on its side).
    pub rx_frames: u64,
    pub rx_bytes: u64,
    /// Frames written to the fd (what Linux received on its side).
    pub tx_frames: u64,
    pub tx_bytes: u64,
    /// Frames read that were longer than the device's MTU allows, dropped
    /// (the device counts `rx_length_errors`, `rx_errors`, `rx_dropped`).
    pub rx_oversize: u64,
    /// Writes the fd refused (`EIO` while Linux's side is down, say); the
    /// frame is dropped and the device counts `tx_errors`, `tx_dropped`.
    pub tx_errors: u64,
    /// Calls of [`TapDev::napi_poll`].
    pub polls: u64,
}

/// What one [`TapDev::napi_poll`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TapWork {
    /// Frames read and handed to the stack (or dropped as oversize).
    pub rx: usize,
    /// Frames written to the fd.
    pub tx: usize,
}

impl TapWork {
    /// Whether the poll moved any frame.
    pub fn any(&self) -> bool {
        self.rx + self.tx > 0
    }
}

/// The driver of a TAP-backed device of the stack: the device
/// ([`ExternalDev`]: its receive path and transmit ring) and the fd.
#[derive(Debug)]
pub struct TapDev {
    tap: Tap,
    ext: ExternalDev,
    /// One frame as read from the fd.
    buf: Box<[u8]>,
    /// The frames of one poll, handed to `netif_receive_frames` together.
    batch: Vec<SkBuff>,
    /// A transmitted frame the fd was not ready for.
    pending: Option<SkBuff>,
    stats: TapStats,
    /// Frames kept for a capture, if one is on.
    capture: Option<Capture>,
}

/// Frames a TAP device read and wrote, in order, with the time each
/// crossed the fd (since the Unix epoch): the capture `tcpdump -i eth0`
/// would make on the stack's side.
#[derive(Debug, Default)]
pub struct Capture {
    /// `(time, frame)`, oldest first.
    pub frames: Vec<(Duration, Vec<u8>)>,
    /// The most frames kept; later ones are counted in `missed`.
    pub limit: usize,
    /// Frames past `limit`.
    pub missed: u64,
}

impl Capture {
    fn keep(&mut self, frame: &[u8]) {
        if self.frames.len() >= self.limit {
            self.missed += 1;
            return;
        }
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        self.frames.push((now, frame.to_vec()));
    }
}

impl TapDev {
    /// Registers external device `name` (MAC `mac`, down, a transmit ring
    /// of [`TAP_TX_QUEUE_LEN`] frames) in `tables` and binds it to `tap`
    /// (`register_netdev` in a NIC's probe). Bring it up and give it an
    /// address as for any device.
    pub fn register(tables: &mut NetDevTables, name: &str, mac: [u8; 6], tap: Tap) -> Result<TapDev, Errno> {
        let ext = tables.register_external(name, mac, TAP_TX_QUEUE_LEN)?;
        Ok(TapDev {
            tap,
            ext,
            buf: vec![0; TAP_MAX_FRAME].into_boxed_slice(),
            batch: Vec::with_capacity(TAP_NAPI_WEIGHT),
            pending: None,
            stats: TapStats::default(),
            capture: None,
        })
    }

    /// Starts keeping a copy of every frame read or written, at most
    /// `limit` of them (replacing a capture in progress).
    pub fn start_capture(&mut self, limit: usize) {
        self.capture = Some(Capture { frames: Vec::new(), limit, missed: 0 });
    }

    /// Stops the capture and returns it (empty if none was on).
    pub fn take_capture(&mut self) -> Capture {
        self.capture.take().unwrap_or_default()
    }

    /// The device's ifindex in its namespace.
    pub fn ifindex(&self) -> i32 {
        self.ext.ifindex
    }

    /// The fd.
    pub fn tap(&self) -> &Tap {
        &self.tap
    }

    /// What crossed the fd so far.
    pub fn stats(&self) -> TapStats {
        self.stats
    }

    /// A NAPI poll (`igb_poll`'s order): the transmit ring to the fd
    /// ([`TapDev::xmit`]), then up to `budget` frames from the fd into the
    /// stack ([`TapDev::receive`]). `ENODEV` (as an I/O error) if the
    /// device is gone from its namespace; other errors are the fd's.
    pub fn napi_poll<S: DevSpec>(&mut self, cx: &mut NetCx<'_, S>, budget: usize) -> io::Result<TapWork> {
        self.stats.polls += 1;
        let tx = self.xmit(cx);
        let rx = self.receive(cx, budget)?;
        Ok(TapWork { rx, tx })
    }

    /// Reads up to `budget` frames (until the fd has none) and hands them
    /// to [`netif_receive_frames`] as one batch, as a NIC's
    /// `clean_rx_irq` does before `netif_receive_skb_list`. A frame longer
    /// than `mtu + ETH_HLEN + VLAN_HLEN` is dropped here, as a NIC's
    /// receive filter drops it: `rx_length_errors`, `rx_errors` and
    /// `rx_dropped`. Returns the frames read.
    pub fn receive<S: DevSpec>(&mut self, cx: &mut NetCx<'_, S>, budget: usize) -> io::Result<usize> {
        let ifindex = self.ext.ifindex;
        let dev = cx.state_mut::<NetDevTables>().ok().and_then(|t| t.get_by_index_mut(ifindex));
        let Some(dev) = dev else {
            return Err(io::Error::new(ErrorKind::NotFound, format!("device {ifindex} is not registered")));
        };
        let max_frame = dev.mtu as usize + usize::from(ETH_HLEN) + VLAN_HLEN;
        let mut read = 0;
        let mut oversize = 0;
        let mut err = None;
        while read < budget {
            match self.tap.read(&mut self.buf) {
                Ok(n) => {
                    read += 1;
                    self.stats.rx_frames += 1;
                    self.stats.rx_bytes += n as u64;
                    if let (Some(c), Some(frame)) = (&mut self.capture, self.buf.get(..n)) {
                        c.keep(frame);
                    }
                    match self.buf.get(..n) {
                        Some(frame) if n <= max_frame => self.batch.push(SkBuff::from_frame(frame, ifindex)),
                        _ => oversize += 1,
                    }
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => {
                    err = Some(e);
                    break;
                }
            }
        }
        if oversize > 0 {
            self.stats.rx_oversize += oversize;
            count(cx, ifindex, |s| {
                s.rx_length_errors += oversize;
                s.rx_errors += oversize;
                s.rx_dropped += oversize;
            });
        }
        if !self.batch.is_empty() {
            netif_receive_frames(cx, ifindex, &mut self.batch);
        }
        match err {
            Some(e) if read == 0 => Err(e),
            _ => Ok(read),
        }
    }

    /// Writes every frame waiting in the device's transmit ring to the fd
    /// (the NIC's transmit completion). A frame the fd is not ready for
    /// waits for the next call; one it refuses is dropped and counted
    /// (`tx_errors`, `tx_dropped`). Returns the frames written.
    pub fn xmit<S: DevSpec>(&mut self, cx: &mut NetCx<'_, S>) -> usize {
        let mut written = 0;
        let mut refused = 0;
        while let Some(skb) = self.pending.take().or_else(|| self.ext.pop_tx()) {
            match self.tap.write(skb.data()) {
                Ok(_) => {
                    written += 1;
                    self.stats.tx_frames += 1;
                    self.stats.tx_bytes += skb.len() as u64;
                    if let Some(c) = &mut self.capture {
                        c.keep(skb.data());
                    }
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => self.pending = Some(skb),
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    self.pending = Some(skb);
                    break;
                }
                Err(_) => refused += 1,
            }
        }
        if refused > 0 {
            self.stats.tx_errors += refused;
            count(cx, self.ext.ifindex, |s| {
                s.tx_errors += refused;
                s.tx_dropped += refused;
            });
        }
        written
    }

    /// Whether transmitted frames wait for the fd.
    pub fn tx_pending(&self) -> bool {
        self.pending.is_some() || !self.ext.tx.is_empty()
    }
}

/// Updates the counters of device `ifindex`, if it is still registered.
fn count<S: DevSpec>(cx: &mut NetCx<'_, S>, ifindex: i32, f: impl FnOnce(&mut NetDevStats)) {
    if let Some(dev) = cx.state_mut::<NetDevTables>().ok().and_then(|t| t.get_by_index_mut(ifindex)) {
        f(&mut dev.stats);
    }
}

/// Sleeps until a TAP fd is readable (epoll through mio, edge-triggered:
/// call it only after a read found the fd empty).
#[derive(Debug)]
pub struct TapWait {
    poll: mio::Poll,
    events: mio::Events,
}

impl TapWait {
    /// Watches `tap` for readability.
    pub fn new(tap: &Tap) -> io::Result<TapWait> {
        let poll = mio::Poll::new()?;
        let fd = tap.as_raw_fd();
        poll.registry().register(&mut mio::unix::SourceFd(&fd), mio::Token(0), mio::Interest::READABLE)?;
        Ok(TapWait { poll, events: mio::Events::with_capacity(4) })
    }

    /// Waits until the fd is readable or `timeout` passes; whether it is.
    pub fn wait(&mut self, timeout: Option<Duration>) -> io::Result<bool> {
        match self.poll.poll(&mut self.events, timeout) {
            Ok(()) => Ok(!self.events.is_empty()),
            Err(e) if e.kind() == ErrorKind::Interrupted => Ok(false),
            Err(e) => Err(e),
        }
    }
}

/// How [`serve`] runs: when it stops, and how long it sleeps when idle.
#[derive(Debug)]
pub struct ServeCtl {
    /// Set to stop the loop (after the poll it is in).
    pub stop: AtomicBool,
    /// The longest sleep waiting for the fd; frames another thread sends
    /// meanwhile wait at most this long in the transmit ring.
    pub idle: Duration,
}

impl ServeCtl {
    /// A loop that sleeps at most `idle` at a time.
    pub fn new(idle: Duration) -> ServeCtl {
        ServeCtl { stop: AtomicBool::new(false), idle }
    }

    /// Asks the loop to stop.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Release);
    }

    /// Whether it was asked to.
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }
}

/// The loop of a host whose NIC is `dev`, in namespace `net`: each round,
/// under the namespace's lock, a NAPI poll of `dev` (`budget` frames),
/// then `app` (the host's applications: read their sockets, answer; it
/// returns how much it did), then the device's transmit ring to the fd.
/// When a round moved nothing it sleeps until the fd is readable, at most
/// `ctl.idle`. Returns when `ctl` is stopped (or with the fd's error);
/// what the device transmitted until then is written.
pub fn serve<S: Stack>(
    k: &Kernel<S>,
    net: &NetRef<S>,
    dev: &mut TapDev,
    ctl: &ServeCtl,
    budget: usize,
    mut app: impl FnMut(&mut NetCx<'_, S>) -> usize,
) -> io::Result<()> {
    let mut wait = TapWait::new(dev.tap())?;
    let errno = |e: Errno| io::Error::other(format!("namespace: {e}"));
    while !ctl.stopped() {
        let work = with_cx(k, net, |cx| -> io::Result<usize> {
            let w = dev.napi_poll(cx, budget)?;
            let a = app(cx);
            let tx = dev.xmit(cx);
            Ok(w.rx + w.tx + a + tx)
        })
        .map_err(errno)??;
        if work == 0 && !dev.tx_pending() {
            wait.wait(Some(ctl.idle))?;
        }
    }
    with_cx(k, net, |cx| dev.xmit(cx)).map_err(errno)?;
    Ok(())
}
