//! The bench's inet protocol handlers: the same small work for every
//! dispatch variant of `benches/dispatch.rs`. Each sums the 8-byte
//! transport header at `skb->data` as an Internet checksum, reads one
//! protocol-specific field, bumps its counters in the namespace's
//! [`Stats`] and queues the packet there (as a receive handler queues it
//! on a socket), so a batch can be dispatched again without allocating.
//! The `*_rcv` functions are out of line: real handlers are too big to
//! inline, so what the variants differ in is the dispatch alone. The
//! `*_body` functions are the same work inline, for variants that call
//! through a method of their own (`dyn`).

use netgen_runtime::netns::Net;
use netgen_runtime::skbuff::SkBuff;
use netgen_runtime::tables::{NetCx, NetRx};
use netgen_runtime::Errno;

use crate::pernet::Pernet;

/// The context the handlers run in.
pub type Cx<'a> = NetCx<'a, Pernet>;

/// Index into [`Counters`]' arrays.
#[derive(Clone, Copy, Debug)]
pub enum Proto {
    Icmp = 0,
    Igmp = 1,
    Tcp = 2,
    Udp = 3,
}

/// What the handlers did, per protocol (indexed by [`Proto`]), and the
/// packets no handler took.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub rcv: [u64; 4],
    pub csum: [u64; 4],
    pub field: [u64; 4],
    pub unknown: u64,
}

impl Counters {
    /// Every packet counted, handled or not.
    pub fn total(&self) -> u64 {
        self.rcv.iter().sum::<u64>() + self.unknown
    }
}

/// Per namespace (`dispatch_stats_ops`): the counters, and the packets
/// handled (or not), in the order they came.
#[derive(Debug, Default)]
pub struct Stats {
    pub counters: Counters,
    pub queue: Vec<SkBuff>,
}

/// `dispatch_stats_ops.init`.
pub fn stats_net_init(_net: &mut Net<Pernet>) -> Result<Stats, Errno> {
    Ok(Stats::default())
}

/// The Internet checksum of an 8-byte transport header.
#[inline(always)]
pub fn hdr_csum(h: &[u8; 8]) -> u16 {
    let mut s = 0u32;
    for w in h.chunks_exact(2) {
        s += u32::from(u16::from_be_bytes([w[0], w[1]]));
    }
    s = (s & 0xffff) + (s >> 16);
    s = (s & 0xffff) + (s >> 16);
    !(s as u16)
}

/// A handler's work: checksum, field, counters, queue. A packet shorter
/// than the header, or a namespace without the counters, is dropped.
#[inline(always)]
fn account(cx: &mut Cx<'_>, p: Proto, skb: SkBuff, field: impl FnOnce(&[u8; 8]) -> u64) -> NetRx {
    let Some(h) = skb.data().first_chunk::<8>() else { return NetRx::Drop };
    let (csum, field) = (hdr_csum(h), field(h));
    let Ok(st) = cx.state_mut::<Stats>() else { return NetRx::Drop };
    let i = p as usize;
    st.counters.rcv[i] += 1;
    st.counters.csum[i] = st.counters.csum[i].wrapping_add(u64::from(csum));
    st.counters.field[i] = st.counters.field[i].wrapping_add(field);
    st.queue.push(skb);
    NetRx::Success
}

/// A protocol without a handler (Linux: ICMP protocol unreachable):
/// counted and queued, inline, the same way in every variant.
#[inline(always)]
pub fn unknown(cx: &mut Cx<'_>, skb: SkBuff) -> NetRx {
    if let Ok(st) = cx.state_mut::<Stats>() {
        st.counters.unknown += 1;
        st.queue.push(skb);
    }
    NetRx::Drop
}

/// [`icmp_rcv`]'s work: the type.
#[inline(always)]
pub fn icmp_body(cx: &mut Cx<'_>, skb: SkBuff) -> NetRx {
    account(cx, Proto::Icmp, skb, |h| u64::from(h[0]))
}

/// [`igmp_rcv`]'s work: the max response time.
#[inline(always)]
pub fn igmp_body(cx: &mut Cx<'_>, skb: SkBuff) -> NetRx {
    account(cx, Proto::Igmp, skb, |h| u64::from(h[1]))
}

/// [`tcp_rcv`]'s work: the destination port.
#[inline(always)]
pub fn tcp_body(cx: &mut Cx<'_>, skb: SkBuff) -> NetRx {
    account(cx, Proto::Tcp, skb, |h| u64::from(u16::from_be_bytes([h[2], h[3]])))
}

/// [`udp_rcv`]'s work: the length.
#[inline(always)]
pub fn udp_body(cx: &mut Cx<'_>, skb: SkBuff) -> NetRx {
    account(cx, Proto::Udp, skb, |h| u64::from(u16::from_be_bytes([h[4], h[5]])))
}

/// `icmp_protocol`'s handler.
#[inline(never)]
pub fn icmp_rcv(cx: &mut Cx<'_>, skb: SkBuff) -> NetRx {
    icmp_body(cx, skb)
}

/// `igmp_protocol`'s handler.
#[inline(never)]
pub fn igmp_rcv(cx: &mut Cx<'_>, skb: SkBuff) -> NetRx {
    igmp_body(cx, skb)
}

/// `tcp_protocol`'s handler.
#[inline(never)]
pub fn tcp_rcv(cx: &mut Cx<'_>, skb: SkBuff) -> NetRx {
    tcp_body(cx, skb)
}

/// `udp_protocol`'s handler.
#[inline(never)]
pub fn udp_rcv(cx: &mut Cx<'_>, skb: SkBuff) -> NetRx {
    udp_body(cx, skb)
}
