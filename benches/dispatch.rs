//! The cost of `inet_protocol` dispatch: handing an IPv4 packet to the
//! handler of its protocol number, as `ip_protocol_deliver_rcu` does
//! through `inet_protos[]`, four ways:
//!
//! * `match`: a hand-written `match proto { 1 => icmp_rcv(..), ... }`;
//! * `dyn_table`: a `[Option<Box<dyn Handler>>; 256]` table (a vtable call,
//!   like Linux's `inet_protos[proto]->handler`);
//! * `fn_table`: a `[Option<fn(..)>; 256]` function-pointer array;
//! * `generated`: the stack's own dispatch, `InetProtos::deliver`
//!   (what `ip_protocol_deliver` calls): one byte load beside the
//!   `inet_protos` slots, then the `ProtoSpec::inet_protocol_rcv` netgen
//!   generates, on the `inet_protos` of a booted kernel whose generated
//!   `inet_init` wrapper registered the entries. The spec is
//!   `benches/dispatch-spec/`: the stack of `spec/` whose four
//!   `inet_protocol`s name the bench's handlers (`netgen check` keeps its
//!   generated code fresh).
//!
//! Every variant calls the same four handlers
//! (`netgen_dispatch_spec::handlers`: icmp = 1, igmp = 2, tcp = 6,
//! udp = 17) with the same arguments, a real `NetCx` of the booted
//! namespace and the packet as an `SkBuff` (`data` at the transport header,
//! as `ip_local_deliver` leaves it). Each sums the 8-byte transport header
//! as an Internet checksum, reads one protocol-specific field, bumps its
//! counters in the namespace's state and queues the packet there; they are
//! out of line (`#[inline(never)]`), as real receive handlers are too big to
//! inline, so what differs is the dispatch alone (direct against indirect
//! calls, and the table loads). A protocol without a handler is counted and
//! queued, inline, the same way in every variant. The queue is the next
//! batch: nothing is allocated while measuring.
//!
//! The batch: 1024 IPv4 packets (64 bytes each: a 20-byte header built with
//! `netgen_stack::frames`, the transport header, a payload) in a fixed
//! pseudo-random order with a realistic mix: 60% TCP, 30% UDP, 6% ICMP, 2%
//! IGMP, 2% other protocols (GRE, ESP, SCTP: no handler). The protocol
//! number of each comes as an argument, as `ip_rcv` hands it on. The tables
//! go through `std::hint::black_box` (so nothing is constant-folded); the
//! dispatch itself does not. Before measuring, every variant's counters for
//! one batch are checked equal to the expected ones.
//!
//! ```text
//! cargo bench --bench dispatch
//! cargo bench --bench dispatch -- --warm-up-time 1 --measurement-time 3   # quicker
//! ```
//!
//! Instruction counts (callgrind): with `NETGEN_CALLGRIND=<id>` (`match`,
//! `dyn_table`, `fn_table`, `generated`) the binary instead runs
//! 1_000_000 dispatches of that variant (976 batches and 576 packets) and
//! exits; `PROGRAM TOTALS` / 1_000_000 is instructions per dispatch,
//! handler included:
//!
//! ```text
//! cargo bench --bench dispatch --no-run      # prints the binary: target/release/deps/dispatch-HASH
//! NETGEN_CALLGRIND=generated valgrind --tool=callgrind --toggle-collect='dispatch::callgrind_run*' \
//!     --callgrind-out-file=/tmp/cg.generated target/release/deps/dispatch-HASH
//! callgrind_annotate /tmp/cg.generated | head -30
//! ```

use std::hint::black_box;
use std::net::Ipv4Addr;

use criterion::{criterion_group, Criterion, Throughput};
use netgen_dispatch_spec::handlers::{self, Counters, Cx, Proto, Stats};
use netgen_dispatch_spec::pernet::Pernet;
use netgen_stack::frames::{Ipv4Header, IPPROTO_ICMP, IPPROTO_IGMP, IPPROTO_TCP, IPPROTO_UDP};
use netgen_stack::runtime::inet::InetProtosState;
use netgen_stack::runtime::netns::{NetNamespaces, NetRef};
use netgen_stack::runtime::skbuff::SkBuff;
use netgen_stack::runtime::tables::{InetRcvFn, NetCx, NetRx};

/// Packets per batch (one criterion iteration).
const BATCH: usize = 1024;
/// Dispatches one callgrind run makes.
const CALLGRIND_DISPATCHES: usize = 1_000_000;
/// Bytes per packet: IPv4 header, transport header, payload.
const PKT_LEN: usize = 64;
/// Where the transport header starts (no IP options).
const L4: usize = 20;

type Pkt = [u8; PKT_LEN];

// ---------------------------------------------------------------------------
// (a) hand-written match

#[inline(always)]
fn match_dispatch(cx: &mut Cx<'_>, skb: SkBuff, protocol: u8) -> NetRx {
    match protocol {
        IPPROTO_ICMP => handlers::icmp_rcv(cx, skb),
        IPPROTO_IGMP => handlers::igmp_rcv(cx, skb),
        IPPROTO_TCP => handlers::tcp_rcv(cx, skb),
        IPPROTO_UDP => handlers::udp_rcv(cx, skb),
        _ => handlers::unknown(cx, skb),
    }
}

fn run_match(cx: &mut Cx<'_>, b: &mut Batch, n: usize) {
    for (skb, &p) in b.skbs.drain(..n).zip(&b.protocols) {
        let _ = match_dispatch(cx, skb, p);
    }
    b.recycle(cx);
}

// ---------------------------------------------------------------------------
// (b) trait-object table

trait Handler {
    fn rcv(&self, cx: &mut Cx<'_>, skb: SkBuff) -> NetRx;
}

struct Icmp;
struct Igmp;
struct Tcp;
struct Udp;

impl Handler for Icmp {
    #[inline(never)]
    fn rcv(&self, cx: &mut Cx<'_>, skb: SkBuff) -> NetRx {
        handlers::icmp_body(cx, skb)
    }
}
impl Handler for Igmp {
    #[inline(never)]
    fn rcv(&self, cx: &mut Cx<'_>, skb: SkBuff) -> NetRx {
        handlers::igmp_body(cx, skb)
    }
}
impl Handler for Tcp {
    #[inline(never)]
    fn rcv(&self, cx: &mut Cx<'_>, skb: SkBuff) -> NetRx {
        handlers::tcp_body(cx, skb)
    }
}
impl Handler for Udp {
    #[inline(never)]
    fn rcv(&self, cx: &mut Cx<'_>, skb: SkBuff) -> NetRx {
        handlers::udp_body(cx, skb)
    }
}

type DynTable = [Option<Box<dyn Handler>>; 256];

fn dyn_table() -> Box<DynTable> {
    let mut t: Box<DynTable> = Box::new(std::array::from_fn(|_| None));
    t[usize::from(IPPROTO_ICMP)] = Some(Box::new(Icmp));
    t[usize::from(IPPROTO_IGMP)] = Some(Box::new(Igmp));
    t[usize::from(IPPROTO_TCP)] = Some(Box::new(Tcp));
    t[usize::from(IPPROTO_UDP)] = Some(Box::new(Udp));
    t
}

fn run_dyn_table(cx: &mut Cx<'_>, b: &mut Batch, n: usize, table: &DynTable) {
    for (skb, &p) in b.skbs.drain(..n).zip(&b.protocols) {
        let _ = match &table[usize::from(p)] {
            Some(h) => h.rcv(cx, skb),
            None => handlers::unknown(cx, skb),
        };
    }
    b.recycle(cx);
}

// ---------------------------------------------------------------------------
// (c) function-pointer array

type FnTable = [Option<InetRcvFn<Pernet>>; 256];

fn fn_table() -> Box<FnTable> {
    let mut t: Box<FnTable> = Box::new([None; 256]);
    t[usize::from(IPPROTO_ICMP)] = Some(handlers::icmp_rcv);
    t[usize::from(IPPROTO_IGMP)] = Some(handlers::igmp_rcv);
    t[usize::from(IPPROTO_TCP)] = Some(handlers::tcp_rcv);
    t[usize::from(IPPROTO_UDP)] = Some(handlers::udp_rcv);
    t
}

fn run_fn_table(cx: &mut Cx<'_>, b: &mut Batch, n: usize, table: &FnTable) {
    for (skb, &p) in b.skbs.drain(..n).zip(&b.protocols) {
        let _ = match table[usize::from(p)] {
            Some(f) => f(cx, skb),
            None => handlers::unknown(cx, skb),
        };
    }
    b.recycle(cx);
}

// ---------------------------------------------------------------------------
// (d) generated: the stack's dispatch through the booted kernel's
// `inet_protos` (registered by the generated `inet_init` wrapper): the byte
// beside the slots, then the generated `match`.

fn run_generated(cx: &mut Cx<'_>, b: &mut Batch, n: usize, protos: &InetProtosState<Pernet>) {
    // The table loaded once per batch, as `ip_list_rcv` does.
    let protos = protos.load();
    for (skb, &p) in b.skbs.drain(..n).zip(&b.protocols) {
        let _ = match protos.deliver(cx, skb, p) {
            Ok(ret) => ret,
            Err(skb) => handlers::unknown(cx, skb),
        };
    }
    b.recycle(cx);
}

// ---------------------------------------------------------------------------
// The batch

/// The packets of one batch as `SkBuff`s, in order, and their protocol
/// numbers.
struct Batch {
    skbs: Vec<SkBuff>,
    protocols: Vec<u8>,
}

impl Batch {
    /// After a batch (or its first part) went through: the packets the
    /// handlers queued, followed by any not dispatched, are the next batch.
    #[inline]
    fn recycle(&mut self, cx: &mut Cx<'_>) {
        let st = cx.state_mut::<Stats>().expect("dispatch_stats_ops keeps the handlers' state");
        st.queue.append(&mut self.skbs);
        std::mem::swap(&mut st.queue, &mut self.skbs);
    }
}

/// xorshift64: a fixed, dependency-free shuffle.
fn xorshift(s: &mut u64) -> u64 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s
}

fn packet(proto: u8, n: usize) -> Pkt {
    let mut p = [0u8; PKT_LEN];
    let ip = Ipv4Header::new(Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2), proto).with_id(n as u16);
    p[..L4].copy_from_slice(&ip.to_bytes(PKT_LEN - L4));
    for (i, b) in p[L4..].iter_mut().enumerate() {
        *b = (n * 37 + i * 11 + usize::from(proto)) as u8;
    }
    p
}

/// 1024 packets: 614 TCP, 307 UDP, 62 ICMP, 20 IGMP, 21 without a handler.
fn packets() -> Vec<Pkt> {
    let mix: [(u8, usize); 7] = [
        (IPPROTO_TCP, 614),
        (IPPROTO_UDP, 307),
        (IPPROTO_ICMP, 62),
        (IPPROTO_IGMP, 20),
        (47, 7),  // GRE
        (50, 7),  // ESP
        (132, 7), // SCTP
    ];
    let mut protos: Vec<u8> = mix.iter().flat_map(|&(p, n)| std::iter::repeat_n(p, n)).collect();
    assert_eq!(protos.len(), BATCH);
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for i in (1..protos.len()).rev() {
        let j = (xorshift(&mut seed) % (i as u64 + 1)) as usize;
        protos.swap(i, j);
    }
    protos.iter().enumerate().map(|(n, &p)| packet(p, n)).collect()
}

/// The packets as `ip_local_deliver` hands them on: the network header
/// set, `data` pulled to the transport header.
fn batch(pkts: &[Pkt]) -> Batch {
    let skbs = pkts
        .iter()
        .map(|p| {
            let mut skb = SkBuff::with_payload(0, p);
            skb.reset_network_header();
            assert!(skb.pull(L4));
            skb.reset_transport_header();
            skb
        })
        .collect();
    Batch { skbs, protocols: pkts.iter().map(|p| p[9]).collect() }
}

/// The counters one batch must produce, computed from the packets without
/// the handlers.
fn expected(pkts: &[Pkt]) -> Counters {
    let mut c = Counters::default();
    for pkt in pkts {
        let (p, field) = match pkt[9] {
            IPPROTO_ICMP => (Proto::Icmp, u64::from(pkt[L4])),
            IPPROTO_IGMP => (Proto::Igmp, u64::from(pkt[L4 + 1])),
            IPPROTO_TCP => (Proto::Tcp, u64::from(u16::from_be_bytes([pkt[L4 + 2], pkt[L4 + 3]]))),
            IPPROTO_UDP => (Proto::Udp, u64::from(u16::from_be_bytes([pkt[L4 + 4], pkt[L4 + 5]]))),
            _ => {
                c.unknown += 1;
                continue;
            }
        };
        let i = p as usize;
        let h: &[u8; 8] = pkt[L4..L4 + 8].try_into().expect("8 bytes");
        c.rcv[i] += 1;
        c.csum[i] = c.csum[i].wrapping_add(u64::from(handlers::hdr_csum(h)));
        c.field[i] = c.field[i].wrapping_add(field);
    }
    c
}

/// The booted kernel of `benches/dispatch-spec/` and its `init_net`.
struct Booted {
    kernel: netgen_dispatch_spec::Kernel,
    net: NetRef<Pernet>,
}

fn boot() -> Booted {
    let kernel = netgen_dispatch_spec::boot().unwrap_or_else(|why| panic!("dispatch-spec boot: {why}"));
    let net = kernel.get::<NetNamespaces<Pernet>>().expect("net_ns_init provides the namespaces").init_net();
    Booted { kernel, net }
}

/// The four variants with their tables, behind one call.
struct Variants<'k> {
    dyn_table: Box<DynTable>,
    fn_table: Box<FnTable>,
    protos: &'k InetProtosState<Pernet>,
}

const IDS: [&str; 4] = ["match", "dyn_table", "fn_table", "generated"];

impl<'k> Variants<'k> {
    fn new(kernel: &'k netgen_dispatch_spec::Kernel) -> Self {
        let protos = kernel.get::<InetProtosState<Pernet>>().expect("inet_init provides inet_protos");
        Variants { dyn_table: dyn_table(), fn_table: fn_table(), protos }
    }

    /// Runs variant `id` over the first `n` packets of `b`; `None` for an
    /// unknown id.
    fn run(&self, id: &str, cx: &mut Cx<'_>, b: &mut Batch, n: usize) -> Option<()> {
        match id {
            "match" => run_match(cx, b, n),
            "dyn_table" => run_dyn_table(cx, b, n, black_box(&self.dyn_table)),
            "fn_table" => run_fn_table(cx, b, n, black_box(&self.fn_table)),
            "generated" => run_generated(cx, b, n, black_box(self.protos)),
            _ => return None,
        }
        Some(())
    }
}

/// The handlers' counters in `cx`'s namespace, reset.
fn take_counters(cx: &mut Cx<'_>) -> Counters {
    std::mem::take(&mut cx.state_mut::<Stats>().expect("dispatch_stats_ops keeps the handlers' state").counters)
}

fn inet_protocol_dispatch(c: &mut Criterion) {
    let pkts = packets();
    let want = expected(&pkts);
    let booted = boot();
    let v = Variants::new(&booted.kernel);
    let mut guard = booted.net.write();
    let mut cx = NetCx::new(&booted.kernel, &mut guard, 0);
    let mut b = batch(&pkts);
    for id in IDS {
        v.run(id, &mut cx, &mut b, BATCH).expect("known id");
        assert_eq!(take_counters(&mut cx), want, "{id} dispatched differently from the expected counters");
        assert_eq!(b.skbs.len(), BATCH, "{id}: a packet went missing");
    }

    let mut group = c.benchmark_group("inet_protocol_dispatch");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("match", |bn| bn.iter(|| run_match(&mut cx, &mut b, BATCH)));
    group.bench_function("dyn_table", |bn| bn.iter(|| run_dyn_table(&mut cx, &mut b, BATCH, black_box(&v.dyn_table))));
    group.bench_function("fn_table", |bn| bn.iter(|| run_fn_table(&mut cx, &mut b, BATCH, black_box(&v.fn_table))));
    group.bench_function("generated", |bn| bn.iter(|| run_generated(&mut cx, &mut b, BATCH, black_box(v.protos))));
    group.finish();
    // Every measured dispatch landed somewhere, and the batch is whole.
    assert_eq!(take_counters(&mut cx).total() % BATCH as u64, 0);
    assert_eq!(b.skbs.len(), BATCH);
}

/// `dispatches` dispatches of variant `id`: whole batches, then a part.
/// Kept out of line: `--toggle-collect='dispatch::callgrind_run*'` counts
/// only it.
#[inline(never)]
fn callgrind_run(v: &Variants<'_>, id: &str, cx: &mut Cx<'_>, b: &mut Batch, dispatches: usize) -> Option<()> {
    let mut left = dispatches;
    while left > 0 {
        let n = left.min(BATCH);
        v.run(id, cx, b, n)?;
        left -= n;
    }
    Some(())
}

criterion_group!(benches, inet_protocol_dispatch);

fn main() {
    let Ok(id) = std::env::var("NETGEN_CALLGRIND") else {
        benches();
        Criterion::default().configure_from_args().final_summary();
        return;
    };
    let pkts = packets();
    let booted = boot();
    let v = Variants::new(&booted.kernel);
    let mut guard = booted.net.write();
    let mut cx = NetCx::new(&booted.kernel, &mut guard, 0);
    let mut b = batch(&pkts);
    if callgrind_run(&v, &id, &mut cx, &mut b, CALLGRIND_DISPATCHES).is_none() {
        eprintln!("dispatch callgrind: NETGEN_CALLGRIND={id}: expected one of {}", IDS.join(", "));
        std::process::exit(2);
    }
    let c = take_counters(&mut cx);
    assert_eq!(c.total(), CALLGRIND_DISPATCHES as u64);
    println!("dispatch callgrind: {id}: {} dispatches ({:?} handled, {} dropped)", c.total(), c.rcv, c.unknown);
}
