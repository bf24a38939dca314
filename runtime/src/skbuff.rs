//! Socket buffers (net/core/skbuff.c): the `sk_buff` caches `skb_init`
//! creates and the `sk_buff_head` queues the rest of the stack is built from.
//!
//! `sk_buff` carries one data buffer with headroom, the header offsets
//! and the fields the receive path dispatches on.

use std::mem::size_of;
use std::sync::Arc;

use crate::errno::Errno;
use crate::page_pool::Page;
use crate::slab::{KmemCache, SLAB_HWCACHE_ALIGN, SLAB_PANIC};

/// `skb->pkt_type` (include/uapi/linux/if_packet.h): to us.
pub const PACKET_HOST: u8 = 0;
/// To all (Ethernet broadcast).
pub const PACKET_BROADCAST: u8 = 1;
/// To a group (Ethernet multicast).
pub const PACKET_MULTICAST: u8 = 2;
/// To someone else (another station's MAC address).
pub const PACKET_OTHERHOST: u8 = 3;
/// Outgoing, of any type (what taps see of transmitted frames).
pub const PACKET_OUTGOING: u8 = 4;
/// Looped back (`PACKET_LOOPBACK`).
pub const PACKET_LOOPBACK: u8 = 5;

/// `skb_rtable(skb)->rt_flags` as the input route sets them, reduced to
/// what the receive path asks: `RTCF_LOCAL`.
pub const RTCF_LOCAL: u8 = 0x1;
/// `RTCF_BROADCAST`: a limited or directed broadcast.
pub const RTCF_BROADCAST: u8 = 0x2;
/// `RTCF_MULTICAST`.
pub const RTCF_MULTICAST: u8 = 0x4;

/// Headroom output paths reserve for the headers they push in front of a
/// payload (`MAX_HEADER`: Ethernet, an IPv4 header with options, and the
/// largest transport header this stack builds), rounded to 16 bytes.
pub const MAX_HEADER: usize = 96;

/// Buffers a thread keeps for reuse (at most).
pub const SKB_POOL_MAX: usize = 512;
/// The smallest buffer handed out (Linux's receive buffers are 2 KiB
/// fragments): one size fits an Ethernet frame, so buffers recycle.
pub const SKB_MIN_ALLOC: usize = 2048;
/// Buffers above this size are freed, not kept.
const SKB_POOL_BUF_MAX: usize = 16 * 1024;

/// What an [`SkBuff`] points to: the data buffer (`skb->head..end`) and
/// the offsets into it (`data`, `tail`, the three headers). Linux passes
/// `struct sk_buff *` from layer to layer; keeping the bulk of the buffer's
/// state behind one pointer makes the `SkBuff` a handler takes by value
/// two words, so handing a packet on (a dozen times on the receive path,
/// queueing included) moves 16 bytes instead of 56.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct SkbHead {
    buf: SkbData,
    data: u32,
    tail: u32,
    mac_header: u32,
    network_header: u32,
    transport_header: u32,
}

/// An skb's data buffer (`skb->head`): a pooled `Vec` of the stack's own
/// (its length is the bytes in use), a device's receive buffer the skb
/// was built around ([`SkBuff::build_skb`]; the whole buffer, the offsets
/// say what is in use), or either of those shared by clones (Linux's
/// `skb_shared_info.dataref`: [`SkBuff::skb_clone`] shares it, the
/// `Arc`'s count is `dataref`). Reading costs one branch for the common
/// case; writing a shared buffer first makes it this skb's own
/// (`skb_unshare` / `pskb_expand_head`: a copy only while another clone
/// still holds it).
#[derive(Debug)]
enum SkbData {
    Own(Vec<u8>),
    Page(Page),
    Shared(Arc<Bytes>),
}

impl Clone for SkbData {
    /// A copy of the bytes, in memory of the stack's own.
    fn clone(&self) -> Self {
        SkbData::Own(self.bytes().to_vec())
    }
}

impl PartialEq for SkbData {
    /// The same bytes, owned or shared.
    fn eq(&self, other: &SkbData) -> bool {
        self.bytes() == other.bytes()
    }
}
impl Eq for SkbData {}

impl Default for SkbData {
    fn default() -> Self {
        SkbData::Own(Vec::new())
    }
}

impl SkbData {
    #[inline(always)]
    fn bytes(&self) -> &[u8] {
        match self {
            SkbData::Own(v) => v,
            SkbData::Page(p) => p.bytes(),
            SkbData::Shared(a) => a.as_slice(),
        }
    }

    /// The bytes to write in place: this skb's own, copied from the
    /// shared ones if another clone holds them (`skb_unshare`).
    #[inline]
    fn bytes_mut(&mut self) -> &mut [u8] {
        if let SkbData::Shared(_) = self {
            if let SkbData::Shared(a) = std::mem::take(self) {
                *self = unshare(a);
            }
        }
        match self {
            SkbData::Own(v) => v,
            SkbData::Page(p) => p.bytes_mut(),
            SkbData::Shared(_) => unreachable!("made own above"),
        }
    }

    /// The buffer as a `Vec` of the stack's own whose length is `tail`,
    /// to grow: a device's buffer is copied out first (`pskb_expand_head`
    /// on a page-backed skb), and goes back to its pool.
    #[inline]
    fn vec_mut(&mut self, tail: usize) -> &mut Vec<u8> {
        if !matches!(self, SkbData::Own(_)) {
            *self = SkbData::Own(to_vec(self.bytes(), tail));
        }
        match self {
            SkbData::Own(v) => v,
            SkbData::Page(_) | SkbData::Shared(_) => unreachable!("made own above"),
        }
    }

    #[inline]
    fn capacity(&self) -> usize {
        match self {
            SkbData::Own(v) => v.capacity(),
            SkbData::Page(p) => p.len(),
            SkbData::Shared(a) => a.capacity(),
        }
    }

    /// Shares the buffer (the first clone turns an own buffer into a
    /// shared one, without copying it).
    fn share(&mut self) -> Arc<Bytes> {
        let a = match std::mem::take(self) {
            SkbData::Shared(a) => a,
            SkbData::Own(v) => Arc::new(Bytes::Vec(v)),
            SkbData::Page(p) => Arc::new(Bytes::Page(p)),
        };
        *self = SkbData::Shared(Arc::clone(&a));
        a
    }
}

/// A buffer clones share: the stack's or a device's.
#[derive(Debug)]
enum Bytes {
    Vec(Vec<u8>),
    Page(Page),
}

impl Bytes {
    #[inline(always)]
    fn as_slice(&self) -> &[u8] {
        match self {
            Bytes::Vec(v) => v,
            Bytes::Page(p) => p.bytes(),
        }
    }

    fn capacity(&self) -> usize {
        match self {
            Bytes::Vec(v) => v.capacity(),
            Bytes::Page(p) => p.len(),
        }
    }
}

/// The bytes of a shared buffer for one skb to write: the buffer itself
/// if no other clone holds it any more, else a copy.
#[cold]
#[inline(never)]
fn unshare(a: Arc<Bytes>) -> SkbData {
    match Arc::try_unwrap(a) {
        Ok(Bytes::Vec(v)) => SkbData::Own(v),
        Ok(Bytes::Page(p)) => SkbData::Page(p),
        Err(shared) => SkbData::Own(shared.as_slice().to_vec()),
    }
}

/// The first `tail` bytes of `bytes` (all of them if fewer), in a new
/// buffer of the stack's own.
#[cold]
#[inline(never)]
fn to_vec(bytes: &[u8], tail: usize) -> Vec<u8> {
    let bytes = bytes.get(..tail).unwrap_or(bytes);
    let mut v = Vec::with_capacity(bytes.len().max(SKB_MIN_ALLOC));
    v.extend_from_slice(bytes);
    v
}

/// The head of an skb with no buffer ([`SkBuff::default`]).
static EMPTY_HEAD: SkbHead =
    SkbHead { buf: SkbData::Own(Vec::new()), data: 0, tail: 0, mac_header: 0, network_header: 0, transport_header: 0 };

thread_local! {
    /// The per-thread free list of skb heads with their data buffers
    /// (Linux: the per-CPU `napi_alloc_cache` of `skbuff_head_cache`
    /// objects and the page frag caches): a freed `SkBuff` gives its head back,
    /// the next one takes it, so the packet path does not call the
    /// allocator in the steady state.
    #[allow(clippy::vec_box, reason = "the boxes are what is recycled: an SkBuff holds one")]
    static SKB_POOL: std::cell::RefCell<Vec<Box<SkbHead>>> = const { std::cell::RefCell::new(Vec::new()) };
    /// Heads without a buffer: those of skbs built around a device's
    /// buffer ([`SkBuff::build_skb`]) or sharing a clone's, whose bytes
    /// went back to where they came from.
    #[allow(clippy::vec_box, reason = "the boxes are what is recycled: an SkBuff holds one")]
    static HEAD_POOL: std::cell::RefCell<Vec<Box<SkbHead>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A pool of recycled heads (see `SKB_POOL`).
#[allow(clippy::vec_box, reason = "the boxes are what is recycled: an SkBuff holds one")]
type HeadPool = std::thread::LocalKey<std::cell::RefCell<Vec<Box<SkbHead>>>>;

/// A head from `pool`, if it has one.
#[inline(always)]
fn pooled(pool: &'static HeadPool) -> Option<Box<SkbHead>> {
    pool.try_with(|p| p.try_borrow_mut().ok().and_then(|mut p| p.pop())).ok().flatten()
}

/// Puts `h` in `pool` unless it holds [`SKB_POOL_MAX`] heads already.
#[inline(always)]
fn to_pool(pool: &'static HeadPool, h: Box<SkbHead>) {
    let _ = pool.try_with(|p| {
        if let Ok(mut p) = p.try_borrow_mut() {
            if p.len() < SKB_POOL_MAX {
                p.push(h);
            }
        }
    });
}

/// An empty head whose buffer holds at least `cap` bytes, from the
/// thread's pool if it has one.
#[inline]
fn head_alloc(cap: usize) -> Box<SkbHead> {
    let cap = cap.max(SKB_MIN_ALLOC);
    match pooled(&SKB_POOL) {
        Some(mut h) => {
            // Heads in this pool hold a `Vec` (see `head_free`).
            if let SkbData::Own(buf) = &mut h.buf {
                buf.clear();
                buf.reserve(cap);
            }
            h.reset_offsets();
            h
        }
        None => Box::new(SkbHead { buf: SkbData::Own(Vec::with_capacity(cap)), ..SkbHead::default() }),
    }
}

/// A head for `buf`, with its offsets at 0.
#[inline]
fn head_with(buf: SkbData) -> Box<SkbHead> {
    match pooled(&HEAD_POOL) {
        Some(mut h) => {
            h.buf = buf;
            h.reset_offsets();
            h
        }
        None => Box::new(SkbHead { buf, ..SkbHead::default() }),
    }
}

impl SkbHead {
    #[inline(always)]
    fn reset_offsets(&mut self) {
        self.data = 0;
        self.tail = 0;
        self.mac_header = 0;
        self.network_header = 0;
        self.transport_header = 0;
    }
}

/// The head a [`SkBuff::default`] gets when first written to.
#[cold]
#[inline(never)]
fn first_head() -> Box<SkbHead> {
    head_alloc(0)
}

/// Gives a head back to the thread's pools: with its buffer if that is a
/// pooled one of the stack's own; otherwise the buffer goes (a device's
/// back to its page pool, a shared one to the clones still holding it)
/// and the head alone is kept.
#[inline]
fn head_free(mut h: Box<SkbHead>) {
    if let SkbData::Own(v) = &h.buf {
        if (SKB_MIN_ALLOC..=SKB_POOL_BUF_MAX).contains(&v.capacity()) {
            to_pool(&SKB_POOL, h);
        }
        return;
    }
    h.buf = SkbData::default();
    to_pool(&HEAD_POOL, h);
}

/// A packet buffer (`struct sk_buff`) with its one data buffer.
///
/// `head..end` is the buffer; `data..tail` the bytes in use; the headers
/// are offsets into it (`skb->mac_header`, `network_header`,
/// `transport_header`), so a handler can step back to a header a lower
/// layer pulled (`skb_push(skb, skb->data - skb_network_header(skb))`).
/// A received frame is copied once ([`SkBuff::from_frame`], into a
/// buffer recycled through the thread's pool) or not at all
/// ([`SkBuff::from_vec`]); nothing on the receive path copies it again.
/// Dropping an `SkBuff` (`kfree_skb`) returns its buffer to the pool.
///
/// The buffer and offsets live behind one pointer (see `SkbHead`); the
/// fields the receive path dispatches on are here.
#[derive(Debug, Default)]
pub struct SkBuff {
    /// `None` only for [`SkBuff::default`] (no buffer yet) and while
    /// being dropped.
    head: Option<Box<SkbHead>>,
    /// `skb->skb_iif` / `skb->dev->ifindex`: the device it arrived on or
    /// leaves by (0: none).
    pub ifindex: i32,
    /// `skb->protocol`: the ethertype, in host order.
    pub protocol: u16,
    /// `skb->pkt_type`: `PACKET_HOST`, ...
    pub pkt_type: u8,
    /// `RTCF_*` of the input route (`skb_rtable(skb)->rt_flags`).
    pub rt_flags: u8,
}

impl PartialEq for SkBuff {
    /// The same bytes, offsets and fields (an skb without a buffer equals
    /// an empty one).
    fn eq(&self, other: &SkBuff) -> bool {
        self.hd() == other.hd()
            && self.ifindex == other.ifindex
            && self.protocol == other.protocol
            && self.pkt_type == other.pkt_type
            && self.rt_flags == other.rt_flags
    }
}
impl Eq for SkBuff {}

impl Clone for SkBuff {
    /// `skb_copy`: a new buffer (from the pool) with the same bytes and
    /// fields.
    fn clone(&self) -> Self {
        let src = self.hd();
        let used = src.buf.bytes().get(..src.tail as usize).unwrap_or(src.buf.bytes());
        let mut h = head_alloc(used.len());
        h.buf.vec_mut(0).extend_from_slice(used);
        self.with_head_like(h)
    }
}

impl Drop for SkBuff {
    /// `kfree_skb`: the head and its buffer go back to the thread's pool.
    #[inline]
    fn drop(&mut self) {
        if let Some(h) = self.head.take() {
            head_free(h);
        }
    }
}

/// Offsets are kept in 32 bits; buffers are far smaller.
#[inline]
fn off(x: usize) -> u32 {
    u32::try_from(x).unwrap_or(u32::MAX)
}

impl SkBuff {
    #[inline]
    fn hd(&self) -> &SkbHead {
        self.head.as_deref().unwrap_or(&EMPTY_HEAD)
    }

    #[inline]
    fn hd_mut(&mut self) -> &mut SkbHead {
        self.head.get_or_insert_with(first_head)
    }

    #[inline]
    fn with_head(h: Box<SkbHead>, ifindex: i32) -> SkBuff {
        SkBuff { head: Some(h), ifindex, protocol: 0, pkt_type: 0, rt_flags: 0 }
    }

    /// `alloc_skb(headroom + len)` + `skb_reserve(headroom)` + `skb_put(len)`:
    /// `len` zero bytes of data after `headroom` bytes of room for headers.
    pub fn alloc(headroom: usize, len: usize) -> SkBuff {
        let total = headroom.saturating_add(len);
        let mut h = head_alloc(total);
        h.buf.vec_mut(0).resize(total, 0);
        h.data = off(headroom);
        h.tail = off(total);
        SkBuff::with_head(h, 0)
    }

    /// An skb holding `payload` after `headroom` bytes of header room: the
    /// one buffer and copy a send makes (`sock_alloc_send_skb` +
    /// `memcpy_from_msg`).
    pub fn with_payload(headroom: usize, payload: &[u8]) -> SkBuff {
        let mut h = head_alloc(headroom + payload.len());
        let buf = h.buf.vec_mut(0);
        buf.resize(headroom, 0);
        buf.extend_from_slice(payload);
        h.data = off(headroom);
        h.tail = off(buf.len());
        SkBuff::with_head(h, 0)
    }

    /// A received frame, copied once into a buffer from the thread's pool
    /// (what a driver's `napi_alloc_skb` + copy does), arriving on
    /// `ifindex`. `data` is at the Ethernet header.
    #[inline]
    pub fn from_frame(frame: &[u8], ifindex: i32) -> SkBuff {
        let mut h = head_alloc(frame.len());
        h.buf.vec_mut(0).extend_from_slice(frame);
        h.tail = off(frame.len());
        SkBuff::with_head(h, ifindex)
    }

    /// A received frame, taking ownership of its buffer: no copy.
    #[inline]
    pub fn from_vec(frame: Vec<u8>, ifindex: i32) -> SkBuff {
        let tail = off(frame.len());
        let mut h = head_with(SkbData::Own(frame));
        h.tail = tail;
        SkBuff::with_head(h, ifindex)
    }

    /// `napi_build_skb(data, frag_size)` + `skb_reserve(headroom)` +
    /// `__skb_put(len)`: an skb around a device's receive buffer, which
    /// the device filled with a `len`-byte frame after `headroom` bytes,
    /// arriving on `ifindex`. No copy: the skb reads and edits the frame
    /// where the device wrote it, and freeing the skb gives `page` back
    /// to its pool. `None`, and `page` is recycled, if the frame does not
    /// fit the buffer (a driver counts that as a length error).
    #[inline]
    pub fn build_skb(page: Page, headroom: usize, len: usize, ifindex: i32) -> Option<SkBuff> {
        let end = headroom.checked_add(len).filter(|&e| e <= page.len())?;
        let mut h = head_with(SkbData::Page(page));
        h.data = off(headroom);
        h.tail = off(end);
        Some(SkBuff::with_head(h, ifindex))
    }

    /// Whether the bytes are a device's buffer from a page pool (built by
    /// [`SkBuff::build_skb`] and not since copied out).
    pub fn is_page_backed(&self) -> bool {
        match &self.hd().buf {
            SkbData::Own(_) => false,
            SkbData::Page(_) => true,
            SkbData::Shared(a) => matches!(**a, Bytes::Page(_)),
        }
    }

    /// `skb->len`: bytes from `data` to `tail`.
    #[inline]
    pub fn len(&self) -> usize {
        let h = self.hd();
        (h.tail - h.data) as usize
    }

    /// Whether no bytes are in use.
    #[inline]
    pub fn is_empty(&self) -> bool {
        let h = self.hd();
        h.tail == h.data
    }

    /// The bytes from `skb->data` on.
    #[inline]
    pub fn data(&self) -> &[u8] {
        let h = self.hd();
        h.buf.bytes().get(h.data as usize..h.tail as usize).unwrap_or(&[])
    }

    /// Mutable bytes from `skb->data` on.
    #[inline]
    pub fn data_mut(&mut self) -> &mut [u8] {
        let h = self.hd_mut();
        h.buf.bytes_mut().get_mut(h.data as usize..h.tail as usize).unwrap_or(&mut [])
    }

    /// `skb_headroom`.
    pub fn headroom(&self) -> usize {
        self.hd().data as usize
    }

    /// `skb->truesize`: what the buffer costs a socket's receive budget
    /// (`SKB_TRUESIZE`: the data buffer plus the `sk_buff` itself).
    #[inline]
    pub fn truesize(&self) -> usize {
        self.hd().buf.capacity() + SKB_HEAD_SIZE
    }

    /// `pskb_may_pull(skb, n)`: whether `n` bytes are there.
    #[inline]
    pub fn may_pull(&self, n: usize) -> bool {
        n <= self.len()
    }

    /// `skb_pull(skb, n)`: drops `n` bytes from the front (a header done
    /// with). `false`, and nothing changes, if there are fewer.
    #[inline]
    pub fn pull(&mut self, n: usize) -> bool {
        if n > self.len() {
            return false;
        }
        self.hd_mut().data += n as u32;
        true
    }

    /// `skb_push(skb, n)`: `n` more bytes in front, returned for the
    /// caller to fill. Without enough headroom the buffer is reallocated
    /// with [`MAX_HEADER`] more (`pskb_expand_head`).
    pub fn push(&mut self, n: usize) -> &mut [u8] {
        let h = self.hd_mut();
        if n > h.data as usize {
            let grow = n - h.data as usize + MAX_HEADER;
            let old = h.buf.bytes().get(..h.tail as usize).unwrap_or(h.buf.bytes());
            let mut buf = Vec::with_capacity((old.len() + grow).max(SKB_MIN_ALLOC));
            buf.resize(grow, 0);
            buf.extend_from_slice(old);
            h.buf = SkbData::Own(buf);
            let g = off(grow);
            h.data += g;
            h.tail += g;
            h.mac_header += g;
            h.network_header += g;
            h.transport_header += g;
        }
        h.data -= n as u32;
        let d = h.data as usize;
        h.buf.bytes_mut().get_mut(d..d + n).unwrap_or(&mut [])
    }

    /// `skb_put(skb, n)`: `n` more (zeroed) bytes at the tail.
    pub fn put(&mut self, n: usize) -> &mut [u8] {
        let h = self.hd_mut();
        let t = h.tail as usize;
        let end = t + n;
        if end > h.buf.bytes().len() {
            h.buf.vec_mut(t).resize(end, 0);
        }
        h.tail = off(end);
        let added = h.buf.bytes_mut().get_mut(t..end).unwrap_or(&mut []);
        // A trimmed or device buffer holds old bytes past the tail.
        added.fill(0);
        added
    }

    /// `pskb_trim(skb, len)`: drops bytes past `len` (link-layer padding,
    /// bytes beyond an IP datagram's total length).
    #[inline]
    pub fn trim(&mut self, len: usize) {
        if len < self.len() {
            let h = self.hd_mut();
            h.tail = h.data + len as u32;
        }
    }

    /// `skb_reset_mac_header`: the MAC header starts at `data`.
    #[inline]
    pub fn reset_mac_header(&mut self) {
        let h = self.hd_mut();
        h.mac_header = h.data;
    }

    /// `skb_reset_network_header`.
    #[inline]
    pub fn reset_network_header(&mut self) {
        let h = self.hd_mut();
        h.network_header = h.data;
    }

    /// `skb_reset_transport_header`.
    #[inline]
    pub fn reset_transport_header(&mut self) {
        let h = self.hd_mut();
        h.transport_header = h.data;
    }

    /// `skb_mac_header(skb)`: the bytes from the MAC header to the tail.
    #[inline]
    pub fn mac_header(&self) -> &[u8] {
        let h = self.hd();
        h.buf.bytes().get(h.mac_header as usize..h.tail as usize).unwrap_or(&[])
    }

    /// Mutable bytes from the MAC header on.
    pub fn mac_header_mut(&mut self) -> &mut [u8] {
        let h = self.hd_mut();
        h.buf.bytes_mut().get_mut(h.mac_header as usize..h.tail as usize).unwrap_or(&mut [])
    }

    /// `skb_network_header(skb)`: the bytes from the network header on.
    #[inline]
    pub fn network_header(&self) -> &[u8] {
        let h = self.hd();
        h.buf.bytes().get(h.network_header as usize..h.tail as usize).unwrap_or(&[])
    }

    /// Mutable bytes from the network header on.
    pub fn network_header_mut(&mut self) -> &mut [u8] {
        let h = self.hd_mut();
        h.buf.bytes_mut().get_mut(h.network_header as usize..h.tail as usize).unwrap_or(&mut [])
    }

    /// `skb_transport_header(skb)`: the bytes from the transport header on.
    #[inline]
    pub fn transport_header(&self) -> &[u8] {
        let h = self.hd();
        h.buf.bytes().get(h.transport_header as usize..h.tail as usize).unwrap_or(&[])
    }

    /// `skb_network_offset`-style: bytes between the MAC and network headers.
    pub fn mac_len(&self) -> usize {
        let h = self.hd();
        h.network_header.saturating_sub(h.mac_header) as usize
    }

    /// `skb_push(skb, skb->data - skb_network_header(skb))`: moves `data`
    /// back to the network header (raw sockets want the IP header).
    pub fn push_to_network_header(&mut self) {
        let h = self.hd_mut();
        if h.network_header <= h.tail {
            h.data = h.network_header;
        }
    }

    /// Moves `data` back to the MAC header (packet sockets of type
    /// `SOCK_RAW`, `dev_queue_xmit_nit`).
    pub fn push_to_mac_header(&mut self) {
        let h = self.hd_mut();
        if h.mac_header <= h.tail {
            h.data = h.mac_header;
        }
    }

    /// `skb_clone(skb)`: a second skb for the same bytes, sharing the data
    /// buffer (no copy; both count in its `dataref`) with offsets and
    /// fields of its own, as Linux hands one frame to several handlers.
    /// Either may then move its offsets freely; the first to write the
    /// bytes gets its own copy of them ([`SkbData`]), so a clone never
    /// sees another's writes. [`Clone`] is `skb_copy`.
    pub fn skb_clone(&mut self) -> SkBuff {
        // A head of its own without a buffer (from the bufferless pool:
        // one from `SKB_POOL` would come with a buffer to throw away).
        let shared = self.hd_mut().buf.share();
        self.with_head_like(head_with(SkbData::Shared(shared)))
    }

    /// An skb with buffer `h` and this one's offsets and fields (what a
    /// copy and a clone both start from).
    fn with_head_like(&self, mut h: Box<SkbHead>) -> SkBuff {
        let src = self.hd();
        h.data = src.data;
        h.tail = src.tail;
        h.mac_header = src.mac_header;
        h.network_header = src.network_header;
        h.transport_header = src.transport_header;
        SkBuff {
            head: Some(h),
            ifindex: self.ifindex,
            protocol: self.protocol,
            pkt_type: self.pkt_type,
            rt_flags: self.rt_flags,
        }
    }

    /// `skb_cloned(skb)`: whether another skb shares this one's bytes.
    pub fn cloned(&self) -> bool {
        matches!(&self.hd().buf, SkbData::Shared(a) if Arc::strong_count(a) > 1)
    }

    /// `atomic_read(&skb_shinfo(skb)->dataref)`: how many skbs hold these
    /// bytes (1 unless cloned).
    pub fn dataref(&self) -> usize {
        match &self.hd().buf {
            SkbData::Own(_) | SkbData::Page(_) => 1,
            SkbData::Shared(a) => Arc::strong_count(a),
        }
    }

    /// The bytes from `data` on, consuming the skb (what a driver's
    /// transmit hands the wire: `data` is at the Ethernet header there).
    /// No copy when they start the buffer.
    pub fn into_frame(mut self) -> Vec<u8> {
        let Some(mut h) = self.head.take() else { return Vec::new() };
        let mut buf = std::mem::take(h.buf.vec_mut(h.tail as usize));
        buf.truncate(h.tail as usize);
        if h.data > 0 {
            buf.drain(..h.data as usize);
        }
        buf
    }
}

/// `sizeof(struct sk_buff)` as the stack accounts it: the `SkBuff` and
/// what it points to.
const SKB_HEAD_SIZE: usize = size_of::<SkBuff>() + size_of::<SkbHead>();

/// `struct sk_buff_fclones`: an skb and its fast clone, allocated together.
#[allow(dead_code)] // only its size is used, by the fclone cache
struct SkBuffFclones {
    skb1: SkBuff,
    head1: SkbHead,
    skb2: SkBuff,
    head2: SkbHead,
    fclone_ref: u32,
}

/// A queue of packets (`struct sk_buff_head`). `skb_queue_head_init` is
/// [`SkBuffHead::new`].
///
/// Two stacks: `skb_queue_tail` pushes on `back`; `skb_dequeue` pops
/// `front`, which holds the oldest packets newest-first and is refilled
/// from `back` (reversed) when empty. Each packet is moved one extra time,
/// and every operation is a plain `Vec` push or pop (no ring index
/// arithmetic, no out-of-line growth path on the packet path).
#[derive(Clone, Default)]
pub struct SkBuffHead {
    /// The oldest packets, the head of the queue last.
    front: Vec<SkBuff>,
    /// The newest packets, in arrival order.
    back: Vec<SkBuff>,
}

impl PartialEq for SkBuffHead {
    fn eq(&self, other: &SkBuffHead) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}
impl Eq for SkBuffHead {}

impl std::fmt::Debug for SkBuffHead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl SkBuffHead {
    /// `skb_queue_head_init`: an empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// `skb_queue_len`.
    pub fn len(&self) -> usize {
        self.front.len() + self.back.len()
    }

    /// `skb_queue_empty`.
    pub fn is_empty(&self) -> bool {
        self.front.is_empty() && self.back.is_empty()
    }

    /// `skb_queue_tail`.
    #[inline]
    pub fn queue_tail(&mut self, skb: SkBuff) {
        self.back.push(skb);
    }

    /// `skb_peek`: the head of the queue, left there.
    pub fn peek(&self) -> Option<&SkBuff> {
        self.front.last().or_else(|| self.back.first())
    }

    /// `skb_queue_purge`: frees every queued packet; returns how many.
    pub fn purge(&mut self) -> usize {
        let n = self.len();
        self.front.clear();
        self.back.clear();
        n
    }

    /// `skb_dequeue`: the head of the queue, if any.
    #[inline]
    pub fn dequeue(&mut self) -> Option<SkBuff> {
        if self.front.is_empty() {
            self.refill();
        }
        self.front.pop()
    }

    /// Moves `back` into `front`, oldest last (its buffers are swapped, so
    /// neither allocates once both have grown).
    #[cold]
    fn refill(&mut self) {
        std::mem::swap(&mut self.front, &mut self.back);
        self.front.reverse();
    }

    /// The queued packets, head first.
    pub fn iter(&self) -> impl Iterator<Item = &SkBuff> {
        self.front.iter().rev().chain(self.back.iter())
    }
}

/// `skbuff_head_cache` and `skbuff_fclone_cache` (resource `SkbCache`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkbCacheState {
    pub skbuff_head_cache: KmemCache,
    pub skbuff_fclone_cache: KmemCache,
}

impl SkbCacheState {
    /// `alloc_skb(size, GFP_KERNEL)`: a zero-filled buffer of `size` bytes,
    /// accounted to `skbuff_head_cache`.
    pub fn alloc_skb(&mut self, size: usize) -> SkBuff {
        self.skbuff_head_cache.alloc();
        SkBuff::alloc(0, size)
    }

    /// `kfree_skb`: returns the buffer to the cache (`EINVAL` if the cache
    /// has no live buffers, i.e. a double free).
    pub fn kfree_skb(&mut self, skb: SkBuff) -> Result<(), Errno> {
        drop(skb);
        self.skbuff_head_cache.free()
    }
}

/// `skb_init()` (net/core/skbuff.c), called from `sock_init`: creates the
/// two sk_buff caches, both `SLAB_HWCACHE_ALIGN | SLAB_PANIC`.
pub fn skb_init() -> Result<SkbCacheState, Errno> {
    let flags = SLAB_HWCACHE_ALIGN | SLAB_PANIC;
    Ok(SkbCacheState {
        skbuff_head_cache: KmemCache::create("skbuff_head_cache", SKB_HEAD_SIZE, 0, flags)?,
        skbuff_fclone_cache: KmemCache::create("skbuff_fclone_cache", size_of::<SkBuffFclones>(), 0, flags)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skb_is_two_words() {
        // What every layer moves when it hands a packet on (see `SkbHead`).
        assert_eq!(size_of::<SkBuff>(), 16);
    }

    #[test]
    fn queue_is_fifo_across_refills() {
        let mut q = SkBuffHead::new();
        let skb = |p: u16| {
            let mut s = SkBuff::default();
            s.protocol = p;
            s
        };
        q.queue_tail(skb(1));
        q.queue_tail(skb(2));
        assert_eq!(q.dequeue().map(|s| s.protocol), Some(1));
        q.queue_tail(skb(3));
        assert_eq!(q.peek().map(|s| s.protocol), Some(2));
        assert_eq!(q.iter().map(|s| s.protocol).collect::<Vec<_>>(), [2, 3]);
        assert_eq!(q.len(), 2);
        assert_eq!(q.dequeue().map(|s| s.protocol), Some(2));
        assert_eq!(q.dequeue().map(|s| s.protocol), Some(3));
        assert!(q.dequeue().is_none() && q.is_empty());
    }

    #[test]
    fn queue_is_fifo() {
        let mut q = SkBuffHead::new();
        assert!(q.is_empty());
        for protocol in [1, 2] {
            let mut skb = SkBuff::default();
            skb.protocol = protocol;
            q.queue_tail(skb);
        }
        assert_eq!(q.len(), 2);
        assert_eq!(q.dequeue().map(|s| s.protocol), Some(1));
        assert_eq!(q.dequeue().map(|s| s.protocol), Some(2));
        assert_eq!(q.dequeue(), None);
    }

    #[test]
    fn push_pull_and_headers() {
        let mut skb = SkBuff::with_payload(8, b"payload");
        assert_eq!((skb.len(), skb.headroom()), (7, 8));
        skb.reset_transport_header();
        skb.push(4).copy_from_slice(b"UDP:");
        skb.reset_network_header();
        // more than the headroom left: the buffer grows, offsets follow
        skb.push(20).fill(0x45);
        skb.reset_mac_header();
        assert_eq!(skb.len(), 31);
        assert_eq!(&skb.network_header()[..4], b"UDP:");
        assert_eq!(&skb.transport_header()[..7], b"payload");
        assert!(skb.pull(24));
        assert!(!skb.pull(100));
        assert_eq!(skb.data(), b"payload");
        skb.trim(3);
        assert_eq!(skb.data(), b"pay");
        skb.push_to_network_header();
        assert_eq!(skb.data(), b"UDP:pay");
        skb.put(2).copy_from_slice(b"!!");
        assert_eq!(skb.data(), b"UDP:pay!!");
        assert_eq!(skb.clone().into_frame(), b"UDP:pay!!");

        let f = SkBuff::from_frame(&[1, 2, 3], 4);
        assert_eq!((f.data(), f.ifindex, f.mac_header()), (&[1u8, 2, 3][..], 4, &[1u8, 2, 3][..]));
        assert!(f.truesize() >= 3);
        assert!(SkBuff::default().is_empty());
    }

    /// `skb_clone` shares the bytes (`dataref` 2, the same memory) with
    /// offsets of its own; the first write makes a private copy, so the
    /// other never sees it; a clone's end leaves the other sole owner.
    #[test]
    fn skb_clone_shares_bytes_until_one_writes() {
        let mut a = SkBuff::from_frame(b"headerpayload", 3);
        a.pull(6);
        let mut b = a.skb_clone();
        assert_eq!((a.dataref(), b.dataref()), (2, 2));
        assert!(a.cloned() && b.cloned());
        assert_eq!(a.data().as_ptr(), b.data().as_ptr(), "no copy");
        assert_eq!((b.data(), b.ifindex), (&b"payload"[..], 3));
        // Offsets are the clone's own.
        b.push_to_mac_header();
        assert_eq!((a.data(), b.data()), (&b"payload"[..], &b"headerpayload"[..]));
        // A write unshares: `b` gets its own copy, `a` keeps the bytes.
        b.data_mut()[0] = b'H';
        assert_eq!((a.data(), b.data()), (&b"payload"[..], &b"Headerpayload"[..]));
        assert_ne!(a.data().as_ptr(), b.data()[6..].as_ptr());
        assert!(!b.cloned() && !a.cloned(), "each holds its bytes alone now");
        // Three handlers: two clones and the original, one buffer.
        let c1 = a.skb_clone();
        let c2 = a.skb_clone();
        assert_eq!(a.dataref(), 3);
        drop((c1, c2));
        assert_eq!(a.dataref(), 1);
        a.data_mut()[0] = b'P';
        assert_eq!(a.data(), b"Payload", "sole owner writes in place");
        // `Clone` is `skb_copy`: its own bytes at once.
        let d = a.clone();
        assert_eq!((d.dataref(), d.data()), (1, &b"Payload"[..]));
        assert_ne!(d.data().as_ptr(), a.data().as_ptr());
    }

    fn page_pool() -> crate::page_pool::PagePool {
        use crate::page_pool::{PagePool, PagePoolParams};
        PagePool::new(PagePoolParams { pool_size: 8, buf_len: 2048, max_pages: 8, dma_base: 0 }).expect("pool")
    }

    /// `napi_build_skb`: the skb is the device's buffer, read and edited in
    /// place; freeing it returns the buffer to its pool.
    #[test]
    fn build_skb_lends_the_device_buffer() {
        let pool = page_pool();
        let mut page = pool.alloc().expect("page");
        page.bytes_mut()[64..64 + 6].copy_from_slice(b"abcdef");
        let addr = page.dma_addr();
        let mut skb = SkBuff::build_skb(page, 64, 6, 3).expect("fits");
        assert!(skb.is_page_backed());
        assert_eq!((skb.data(), skb.headroom(), skb.ifindex), (&b"abcdef"[..], 64, 3));
        skb.data_mut()[0] = b'A';
        assert!(skb.pull(2));
        assert_eq!(skb.data(), b"cdef");
        assert!(skb.is_page_backed(), "edits in place keep the device buffer");
        assert_eq!(skb.truesize(), 2048 + SKB_HEAD_SIZE);
        drop(skb);
        assert_eq!(pool.cached(), 1);
        let again = pool.alloc().expect("page");
        assert_eq!(again.dma_addr(), addr);
        assert_eq!(&again.bytes()[64..66], b"Ab", "it was the same memory");
    }

    /// A frame longer than its buffer is refused, the buffer recycled.
    #[test]
    fn build_skb_refuses_a_frame_past_the_buffer() {
        let pool = page_pool();
        let page = pool.alloc().expect("page");
        assert!(SkBuff::build_skb(page, 64, 2048 - 63, 1).is_none());
        assert_eq!(pool.cached(), 1);
        let page = pool.alloc().expect("page");
        assert!(SkBuff::build_skb(page, usize::MAX, 2, 1).is_none());
    }

    /// Growing a page-backed skb past its buffer copies the bytes in use
    /// into the stack's own memory (`pskb_expand_head`) and gives the
    /// buffer back; a clone shares the device buffer until one writes.
    #[test]
    fn page_backed_skb_grows_and_clones() {
        let pool = page_pool();
        let mut page = pool.alloc().expect("page");
        page.bytes_mut()[..4].copy_from_slice(b"wxyz");
        let mut skb = SkBuff::build_skb(page, 0, 4, 1).expect("fits");
        let mut clone = skb.skb_clone();
        assert_eq!((clone.data(), skb.dataref()), (&b"wxyz"[..], 2));
        clone.data_mut()[0] = b'W';
        assert_eq!((skb.data(), clone.data()), (&b"wxyz"[..], &b"Wxyz"[..]));
        assert!(!clone.is_page_backed(), "the writer got a copy");
        drop(clone);
        skb.push(8).copy_from_slice(b"headroom");
        assert_eq!(skb.data(), b"headroomwxyz");
        assert!(!skb.is_page_backed());
        assert_eq!(pool.cached(), 1, "the device buffer went back when the bytes moved");
        skb.put(2048).fill(1);
        assert_eq!(skb.len(), 12 + 2048);
    }

    /// `skb_put` hands out zeroes even where a device buffer held an
    /// earlier frame.
    #[test]
    fn put_on_a_device_buffer_is_zeroed() {
        let pool = page_pool();
        let mut page = pool.alloc().expect("page");
        page.bytes_mut()[..8].fill(0xff);
        let mut skb = SkBuff::build_skb(page, 0, 4, 1).expect("fits");
        assert_eq!(skb.put(4), &[0; 4]);
        assert_eq!(skb.data(), &[0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
    }

    #[test]
    fn skb_init_creates_both_caches_and_accounts_buffers() {
        let mut c = skb_init().unwrap();
        assert_eq!(c.skbuff_head_cache.name, "skbuff_head_cache");
        assert_eq!(c.skbuff_fclone_cache.name, "skbuff_fclone_cache");
        assert!(c.skbuff_fclone_cache.object_size > 2 * c.skbuff_head_cache.object_size);
        let skb = c.alloc_skb(60);
        assert_eq!(skb.len(), 60);
        assert_eq!(c.skbuff_head_cache.active_objs(), 1);
        c.kfree_skb(skb).unwrap();
        assert_eq!(c.kfree_skb(SkBuff::default()), Err(Errno::EINVAL));
    }
}
