//! The cost of `inet_protocol` dispatch: handing an IPv4 packet to the
//! handler of its protocol number, as `ip_local_deliver_finish` does
//! through `inet_protos[]`, four ways:
//!
//! * `match`: a hand-written `match proto { 1 => icmp_rcv(..), ... }`;
//! * `dyn_table`: a `[Option<Box<dyn Handler>>; 256]` table (a vtable call,
//!   like Linux's `inet_protos[proto]->handler`);
//! * `fn_table`: a `[Option<fn(..)>; 256]` function-pointer array;
//! * `generated_shape`: the shape of the stack's generated
//!   `ProtoSpec::inet_protocol_rcv`: a registration slot table
//!   `[Option<u16>; 256]` (protocol number → spec index) looked up, then a
//!   `match` on the index calling each handler directly.
//!
//! Every variant calls the same four handlers (icmp = 1, igmp = 2, tcp = 6,
//! udp = 17). Each sums its packet's 8-byte transport header as an Internet
//! checksum, reads one protocol-specific field and bumps its counters; they
//! are out of line (`#[inline(never)]`), as real receive handlers are too big to
//! inline, so what differs is the dispatch alone (direct against indirect
//! calls, and the table loads). A protocol without a handler is counted as
//! dropped, inline, the same way in every variant.
//!
//! The batch: 1024 IPv4 packets (64 bytes each: a 20-byte header built with
//! `netgen_stack::frames`, the transport header, a payload) in a fixed
//! pseudo-random order with a realistic mix: 60% TCP, 30% UDP, 6% ICMP, 2%
//! IGMP, 2% other protocols (GRE, ESP, SCTP: dropped). The batch and the
//! tables go through `std::hint::black_box` (so nothing is constant-folded);
//! the dispatch itself does not. Before measuring, every variant's counters
//! for one batch are checked equal to the expected ones.
//!
//! ```text
//! cargo bench --bench dispatch
//! cargo bench --bench dispatch -- --warm-up-time 1 --measurement-time 3   # quicker
//! ```
//!
//! Instruction counts (callgrind): with `NETGEN_CALLGRIND=<id>` (`match`,
//! `dyn_table`, `fn_table`, `generated_shape`) the binary instead runs
//! 1_000_000 dispatches of that variant (976 batches and 576 packets) and
//! exits; `PROGRAM TOTALS` / 1_000_000 is instructions per dispatch,
//! handler included:
//!
//! ```text
//! cargo bench --bench dispatch --no-run      # prints the binary: target/release/deps/dispatch-HASH
//! NETGEN_CALLGRIND=fn_table valgrind --tool=callgrind --toggle-collect='dispatch::callgrind_run*' \
//!     --callgrind-out-file=/tmp/cg.fn_table target/release/deps/dispatch-HASH
//! callgrind_annotate /tmp/cg.fn_table | head -30
//! ```

use std::hint::black_box;
use std::net::Ipv4Addr;

use criterion::{criterion_group, Criterion, Throughput};
use netgen_stack::frames::{Ipv4Header, IPPROTO_ICMP, IPPROTO_IGMP, IPPROTO_TCP, IPPROTO_UDP};

/// Packets per batch (one criterion iteration).
const BATCH: usize = 1024;
/// Dispatches one callgrind run makes.
const CALLGRIND_DISPATCHES: usize = 1_000_000;
/// Bytes per packet: IPv4 header, transport header, payload.
const PKT_LEN: usize = 64;
/// Where the transport header starts (no IP options).
const L4: usize = 20;

type Pkt = [u8; PKT_LEN];

/// What the handlers do, per protocol (indexed by [`Proto`]), and the drops.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Stats {
    rcv: [u64; 4],
    csum: [u64; 4],
    field: [u64; 4],
    unknown: u64,
}

/// Index into [`Stats`]' arrays.
#[derive(Clone, Copy)]
enum Proto {
    Icmp = 0,
    Igmp = 1,
    Tcp = 2,
    Udp = 3,
}

/// The Internet checksum of the 8-byte transport header.
#[inline(always)]
fn hdr_csum(pkt: &Pkt) -> u16 {
    let h = &pkt[L4..L4 + 8];
    let mut s = 0u32;
    for w in h.chunks_exact(2) {
        s += u32::from(u16::from_be_bytes([w[0], w[1]]));
    }
    s = (s & 0xffff) + (s >> 16);
    s = (s & 0xffff) + (s >> 16);
    !(s as u16)
}

#[inline(always)]
fn account(st: &mut Stats, p: Proto, pkt: &Pkt, field: u64) {
    let i = p as usize;
    st.rcv[i] += 1;
    st.csum[i] = st.csum[i].wrapping_add(u64::from(hdr_csum(pkt)));
    st.field[i] = st.field[i].wrapping_add(field);
}

// The handlers' bodies, shared by every variant. Each variant calls them
// through one out-of-line function: the `*_rcv` functions (match,
// fn_table, generated_shape) or the `Handler` methods (dyn_table), so no
// variant pays an extra hop.

#[inline(always)]
fn icmp_body(st: &mut Stats, pkt: &Pkt) {
    account(st, Proto::Icmp, pkt, u64::from(pkt[L4])); // type
}

#[inline(always)]
fn igmp_body(st: &mut Stats, pkt: &Pkt) {
    account(st, Proto::Igmp, pkt, u64::from(pkt[L4 + 1])); // max resp time
}

#[inline(always)]
fn tcp_body(st: &mut Stats, pkt: &Pkt) {
    account(st, Proto::Tcp, pkt, u64::from(u16::from_be_bytes([pkt[L4 + 2], pkt[L4 + 3]])));
    // dest port
}

#[inline(always)]
fn udp_body(st: &mut Stats, pkt: &Pkt) {
    account(st, Proto::Udp, pkt, u64::from(u16::from_be_bytes([pkt[L4 + 4], pkt[L4 + 5]])));
    // length
}

#[inline(never)]
fn icmp_rcv(st: &mut Stats, pkt: &Pkt) {
    icmp_body(st, pkt)
}

#[inline(never)]
fn igmp_rcv(st: &mut Stats, pkt: &Pkt) {
    igmp_body(st, pkt)
}

#[inline(never)]
fn tcp_rcv(st: &mut Stats, pkt: &Pkt) {
    tcp_body(st, pkt)
}

#[inline(never)]
fn udp_rcv(st: &mut Stats, pkt: &Pkt) {
    udp_body(st, pkt)
}

/// A protocol number without a handler (Linux: ICMP protocol unreachable).
#[inline(always)]
fn unknown(st: &mut Stats) {
    st.unknown += 1;
}

#[inline(always)]
fn proto_of(pkt: &Pkt) -> usize {
    usize::from(pkt[9])
}

// ---------------------------------------------------------------------------
// (a) hand-written match

#[inline(always)]
fn match_dispatch(st: &mut Stats, pkt: &Pkt) {
    match pkt[9] {
        IPPROTO_ICMP => icmp_rcv(st, pkt),
        IPPROTO_IGMP => igmp_rcv(st, pkt),
        IPPROTO_TCP => tcp_rcv(st, pkt),
        IPPROTO_UDP => udp_rcv(st, pkt),
        _ => unknown(st),
    }
}

fn run_match(st: &mut Stats, batch: &[Pkt]) {
    for pkt in batch {
        match_dispatch(st, pkt);
    }
}

// ---------------------------------------------------------------------------
// (b) trait-object table

trait Handler {
    fn rcv(&self, st: &mut Stats, pkt: &Pkt);
}

struct Icmp;
struct Igmp;
struct Tcp;
struct Udp;

impl Handler for Icmp {
    #[inline(never)]
    fn rcv(&self, st: &mut Stats, pkt: &Pkt) {
        icmp_body(st, pkt)
    }
}
impl Handler for Igmp {
    #[inline(never)]
    fn rcv(&self, st: &mut Stats, pkt: &Pkt) {
        igmp_body(st, pkt)
    }
}
impl Handler for Tcp {
    #[inline(never)]
    fn rcv(&self, st: &mut Stats, pkt: &Pkt) {
        tcp_body(st, pkt)
    }
}
impl Handler for Udp {
    #[inline(never)]
    fn rcv(&self, st: &mut Stats, pkt: &Pkt) {
        udp_body(st, pkt)
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

fn run_dyn_table(st: &mut Stats, batch: &[Pkt], table: &DynTable) {
    for pkt in batch {
        match &table[proto_of(pkt)] {
            Some(h) => h.rcv(st, pkt),
            None => unknown(st),
        }
    }
}

// ---------------------------------------------------------------------------
// (c) function-pointer array

type RcvFn = fn(&mut Stats, &Pkt);
type FnTable = [Option<RcvFn>; 256];

fn fn_table() -> Box<FnTable> {
    let mut t: Box<FnTable> = Box::new([None; 256]);
    t[usize::from(IPPROTO_ICMP)] = Some(icmp_rcv);
    t[usize::from(IPPROTO_IGMP)] = Some(igmp_rcv);
    t[usize::from(IPPROTO_TCP)] = Some(tcp_rcv);
    t[usize::from(IPPROTO_UDP)] = Some(udp_rcv);
    t
}

fn run_fn_table(st: &mut Stats, batch: &[Pkt], table: &FnTable) {
    for pkt in batch {
        match table[proto_of(pkt)] {
            Some(f) => f(st, pkt),
            None => unknown(st),
        }
    }
}

// ---------------------------------------------------------------------------
// (d) generated_shape: what the generated `ProtoSpec::inet_protocol_rcv`
// will be. Registration (`inet_add_protocol`) fills a slot table mapping a
// protocol number to the index of its entry in the spec; dispatch looks the
// slot up and matches on the index, so every handler call is direct. The
// integrating engineer replaces `generated_shape` with a call to the
// generated function (and `generated_slots` with the booted stack's table).

/// Spec indices, in the spec's declaration order.
const SPEC_ICMP: u16 = 0;
const SPEC_UDP: u16 = 1;
const SPEC_TCP: u16 = 2;
const SPEC_IGMP: u16 = 3;

type SlotTable = [Option<u16>; 256];

fn generated_slots() -> Box<SlotTable> {
    let mut t: Box<SlotTable> = Box::new([None; 256]);
    t[usize::from(IPPROTO_ICMP)] = Some(SPEC_ICMP);
    t[usize::from(IPPROTO_UDP)] = Some(SPEC_UDP);
    t[usize::from(IPPROTO_TCP)] = Some(SPEC_TCP);
    t[usize::from(IPPROTO_IGMP)] = Some(SPEC_IGMP);
    t
}

#[inline(always)]
fn generated_shape(st: &mut Stats, pkt: &Pkt, slots: &SlotTable) {
    match slots[proto_of(pkt)] {
        Some(SPEC_ICMP) => icmp_rcv(st, pkt),
        Some(SPEC_UDP) => udp_rcv(st, pkt),
        Some(SPEC_TCP) => tcp_rcv(st, pkt),
        Some(SPEC_IGMP) => igmp_rcv(st, pkt),
        _ => unknown(st),
    }
}

fn run_generated_shape(st: &mut Stats, batch: &[Pkt], slots: &SlotTable) {
    for pkt in batch {
        generated_shape(st, pkt, slots);
    }
}

// ---------------------------------------------------------------------------
// The batch

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
fn batch() -> Vec<Pkt> {
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

/// The counters one batch must produce, computed without the handlers.
fn expected(batch: &[Pkt]) -> Stats {
    let mut st = Stats::default();
    for pkt in batch {
        let (p, field) = match pkt[9] {
            IPPROTO_ICMP => (Proto::Icmp, u64::from(pkt[L4])),
            IPPROTO_IGMP => (Proto::Igmp, u64::from(pkt[L4 + 1])),
            IPPROTO_TCP => (Proto::Tcp, u64::from(u16::from_be_bytes([pkt[L4 + 2], pkt[L4 + 3]]))),
            IPPROTO_UDP => (Proto::Udp, u64::from(u16::from_be_bytes([pkt[L4 + 4], pkt[L4 + 5]]))),
            _ => {
                st.unknown += 1;
                continue;
            }
        };
        account(&mut st, p, pkt, field);
    }
    st
}

/// The four variants with their tables, behind one call.
struct Variants {
    dyn_table: Box<DynTable>,
    fn_table: Box<FnTable>,
    slots: Box<SlotTable>,
}

const IDS: [&str; 4] = ["match", "dyn_table", "fn_table", "generated_shape"];

impl Variants {
    fn new() -> Self {
        Variants { dyn_table: dyn_table(), fn_table: fn_table(), slots: generated_slots() }
    }

    /// Runs variant `id` over `batch`; `None` for an unknown id.
    fn run(&self, id: &str, st: &mut Stats, batch: &[Pkt]) -> Option<()> {
        match id {
            "match" => run_match(st, black_box(batch)),
            "dyn_table" => run_dyn_table(st, black_box(batch), black_box(&self.dyn_table)),
            "fn_table" => run_fn_table(st, black_box(batch), black_box(&self.fn_table)),
            "generated_shape" => run_generated_shape(st, black_box(batch), black_box(&self.slots)),
            _ => return None,
        }
        Some(())
    }
}

fn inet_protocol_dispatch(c: &mut Criterion) {
    let batch = batch();
    let want = expected(&batch);
    let v = Variants::new();
    for id in IDS {
        let mut st = Stats::default();
        v.run(id, &mut st, &batch).expect("known id");
        assert_eq!(st, want, "{id} dispatched differently from the expected counters");
    }

    let mut group = c.benchmark_group("inet_protocol_dispatch");
    group.throughput(Throughput::Elements(BATCH as u64));
    let mut st = Stats::default();
    group.bench_function("match", |b| b.iter(|| run_match(&mut st, black_box(&batch))));
    group
        .bench_function("dyn_table", |b| b.iter(|| run_dyn_table(&mut st, black_box(&batch), black_box(&v.dyn_table))));
    group.bench_function("fn_table", |b| b.iter(|| run_fn_table(&mut st, black_box(&batch), black_box(&v.fn_table))));
    group.bench_function("generated_shape", |b| {
        b.iter(|| run_generated_shape(&mut st, black_box(&batch), black_box(&v.slots)))
    });
    group.finish();
    // Every measured dispatch landed somewhere.
    let total: u64 = st.rcv.iter().sum::<u64>() + st.unknown;
    assert_eq!(total % BATCH as u64, 0);
    black_box(&st);
}

/// `dispatches` dispatches of variant `id`: whole batches, then a part.
/// Kept out of line: `--toggle-collect='dispatch::callgrind_run*'` counts
/// only it.
#[inline(never)]
fn callgrind_run(v: &Variants, id: &str, st: &mut Stats, batch: &[Pkt], dispatches: usize) -> Option<()> {
    let mut left = dispatches;
    while left > 0 {
        let n = left.min(BATCH);
        v.run(id, st, &batch[..n])?;
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
    let batch = batch();
    let v = Variants::new();
    let mut st = Stats::default();
    if callgrind_run(&v, &id, &mut st, &batch, CALLGRIND_DISPATCHES).is_none() {
        eprintln!("dispatch callgrind: NETGEN_CALLGRIND={id}: expected one of {}", IDS.join(", "));
        std::process::exit(2);
    }
    let total: u64 = st.rcv.iter().sum::<u64>() + st.unknown;
    assert_eq!(total, CALLGRIND_DISPATCHES as u64);
    println!("dispatch callgrind: {id}: {total} dispatches ({:?} handled, {} dropped)", st.rcv, st.unknown);
}
