//! Receive buffers a device lends the stack (net/core/page_pool.c).
//!
//! A driver fills its receive ring with buffers from a [`PagePool`]; the
//! device writes a frame into one; the driver builds an skb around that
//! very buffer ([`SkBuff::build_skb`](crate::skbuff::SkBuff::build_skb),
//! Linux's `napi_build_skb`) instead of allocating a new one and copying.
//! When the skb is freed — by the stack when it drops the frame, or by
//! the reader's `recvmsg` on whichever thread that runs — the buffer goes
//! back to its pool, where the driver's next refill
//! (`igb_alloc_rx_buffers` → `page_pool_dev_alloc_pages`) finds it again.
//! In the steady state no buffer is allocated or freed and no frame is
//! copied on its way up.
//!
//! Linux keeps two places for returned pages: a lockless cache
//! (`pool->alloc.cache`, [`PP_ALLOC_CACHE_SIZE`]) for pages recycled from
//! the pool's own NAPI context, and a `ptr_ring` for pages freed anywhere
//! else. Here the cache is the thread's (one per thread, for the pool it
//! last allocated from: the NAPI poll that refills a ring), touched
//! without atomics; the ring is a bounded lock-free queue
//! (`crossbeam_queue::ArrayQueue`) any thread may free into (a socket read
//! on another core). The counters keep Linux's names (`struct
//! page_pool_stats`).
//!
//! Bounds: a pool holds at most [`PagePoolParams::max_pages`] buffers in
//! all (in the ring, in flight and recycled); past that an allocation
//! fails and is counted (`alloc_fail`), as a driver's ring refill that
//! finds no memory counts `alloc_failed` and retries on the next poll.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

use crossbeam_queue::ArrayQueue;

/// An address the device uses to reach a buffer (`dma_addr_t`).
///
/// For a buffer of a [`PagePool`] it is the pool's `dma_base` plus the
/// buffer's index times its stride, fixed for the buffer's life, so a
/// descriptor written with it names that buffer until the buffer is
/// freed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DmaAddr(pub u64);

/// What a pool is built with (`struct page_pool_params`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PagePoolParams {
    /// `pool_size`: how many freed buffers the pool keeps for reuse
    /// (Linux sizes it to the receive ring). A buffer freed while that
    /// many wait is released (`recycle_ring_full`).
    pub pool_size: usize,
    /// Bytes per buffer (igb: 2048, `IGB_RXBUFFER_2048`; one frame per
    /// buffer). At least [`PAGE_POOL_MIN_BUF`].
    pub buf_len: usize,
    /// The most buffers the pool hands out in all, in flight or waiting.
    pub max_pages: u32,
    /// The device address of buffer 0; buffer `i` is at
    /// `dma_base + i * buf_len`.
    pub dma_base: u64,
}

/// Buffers a thread's cache keeps for its pool (Linux's
/// `PP_ALLOC_CACHE_SIZE`).
pub const PP_ALLOC_CACHE_SIZE: usize = 128;

/// The smallest buffer a pool makes: an Ethernet frame (1514 bytes) with
/// the headroom a driver reserves in front of it.
pub const PAGE_POOL_MIN_BUF: usize = 1536;
/// The largest: a 64 KiB page.
pub const PAGE_POOL_MAX_BUF: usize = 64 * 1024;

/// Why a pool could not be made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PagePoolError {
    /// `buf_len` outside [`PAGE_POOL_MIN_BUF`]`..=`[`PAGE_POOL_MAX_BUF`].
    BufLen(usize),
    /// `pool_size` of 0, or larger than `max_pages`.
    PoolSize(usize),
    /// `max_pages` buffers do not fit the device's 64-bit address space
    /// from `dma_base`.
    AddressSpace,
}

impl std::fmt::Display for PagePoolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PagePoolError::BufLen(n) => {
                write!(f, "buffer length {n} outside {PAGE_POOL_MIN_BUF}..={PAGE_POOL_MAX_BUF}")
            }
            PagePoolError::PoolSize(n) => write!(f, "pool size {n} is 0 or more than max_pages"),
            PagePoolError::AddressSpace => write!(f, "max_pages buffers do not fit above dma_base"),
        }
    }
}

impl std::error::Error for PagePoolError {}

/// `struct page_pool_stats`, as `ethtool -S` shows them (page_pool_ethtool_stats_get):
/// where allocations came from and where freed buffers went.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PagePoolStats {
    /// `alloc_stats.fast`: buffers reused from the allocating thread's
    /// cache.
    pub alloc_fast: u64,
    /// `alloc_stats.refill`: buffers reused from the ring.
    pub alloc_refill: u64,
    /// `alloc_stats.slow`: buffers newly allocated (the ring was empty).
    pub alloc_slow: u64,
    /// Allocations refused at `max_pages` (Linux's page allocator failing
    /// under `alloc_stats.slow`).
    pub alloc_fail: u64,
    /// `recycle_stats.cached`: freed buffers kept in the freeing thread's
    /// cache.
    pub recycle_cached: u64,
    /// `recycle_stats.ring`: freed buffers put back in the ring.
    pub recycle_ring: u64,
    /// `recycle_stats.ring_full`: freed buffers released because the ring
    /// was full.
    pub recycle_ring_full: u64,
}

/// The shared part of a pool: the ring of free buffers and the counters.
struct PoolInner {
    params: PagePoolParams,
    /// Free buffers with their indices (the `ptr_ring`).
    ring: ArrayQueue<Buf>,
    /// Buffers that exist (in the ring or in a [`Page`]).
    pages: AtomicU32,
    /// The next index for a new buffer; indices of released buffers are
    /// reused through `free_index`.
    next_index: AtomicU32,
    free_index: ArrayQueue<u32>,
    alloc_fast: AtomicU64,
    alloc_refill: AtomicU64,
    alloc_slow: AtomicU64,
    alloc_fail: AtomicU64,
    recycle_cached: AtomicU64,
    recycle_ring: AtomicU64,
    recycle_ring_full: AtomicU64,
}

/// A pool of receive buffers of one size (`struct page_pool`), shared by
/// the driver that allocates from it and every [`Page`] it handed out.
#[derive(Clone)]
pub struct PagePool(Arc<PoolInner>);

impl std::fmt::Debug for PagePool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PagePool")
            .field("params", &self.0.params)
            .field("pages", &self.pages())
            .field("stats", &self.stats())
            .finish()
    }
}

impl PagePool {
    /// `page_pool_create(params)`.
    pub fn new(params: PagePoolParams) -> Result<PagePool, PagePoolError> {
        if !(PAGE_POOL_MIN_BUF..=PAGE_POOL_MAX_BUF).contains(&params.buf_len) {
            return Err(PagePoolError::BufLen(params.buf_len));
        }
        if params.pool_size == 0 || params.pool_size > params.max_pages as usize {
            return Err(PagePoolError::PoolSize(params.pool_size));
        }
        let span = u64::from(params.max_pages).checked_mul(params.buf_len as u64);
        if span.and_then(|s| params.dma_base.checked_add(s)).is_none() {
            return Err(PagePoolError::AddressSpace);
        }
        Ok(PagePool(Arc::new(PoolInner {
            params,
            ring: ArrayQueue::new(params.pool_size),
            pages: AtomicU32::new(0),
            next_index: AtomicU32::new(0),
            free_index: ArrayQueue::new(params.max_pages.max(1) as usize),
            alloc_fast: AtomicU64::new(0),
            alloc_refill: AtomicU64::new(0),
            alloc_slow: AtomicU64::new(0),
            alloc_fail: AtomicU64::new(0),
            recycle_cached: AtomicU64::new(0),
            recycle_ring: AtomicU64::new(0),
            recycle_ring_full: AtomicU64::new(0),
        })))
    }

    /// What the pool was made with.
    pub fn params(&self) -> PagePoolParams {
        self.0.params
    }

    /// `page_pool_dev_alloc_pages`: a buffer from the thread's cache, the
    /// ring, or a new one; `None` (counted in `alloc_fail`) when
    /// `max_pages` are out. The thread's cache is this pool's from now on
    /// (what it held of another pool goes to that pool's ring).
    ///
    /// A recycled buffer keeps the bytes its last frame left: the device
    /// overwrites what it fills, and [`SkBuff::build_skb`](crate::skbuff::SkBuff::build_skb)
    /// exposes only what it was told was written.
    #[inline]
    pub fn alloc(&self) -> Option<Page> {
        let p = &*self.0;
        if let Some((buf, index)) = CACHE.with_borrow_mut(|c| c.take_for(self)) {
            p.alloc_fast.fetch_add(1, Ordering::Relaxed);
            return Some(Page { buf, index, pool: self.clone() });
        }
        if let Some((buf, index)) = p.ring.pop() {
            p.alloc_refill.fetch_add(1, Ordering::Relaxed);
            return Some(Page { buf, index, pool: self.clone() });
        }
        self.alloc_slow()
    }

    #[cold]
    #[inline(never)]
    fn alloc_slow(&self) -> Option<Page> {
        let p = &*self.0;
        let max = p.params.max_pages;
        if p.pages.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < max).then_some(n + 1)).is_err() {
            p.alloc_fail.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        let index = p.free_index.pop().unwrap_or_else(|| p.next_index.fetch_add(1, Ordering::Relaxed));
        p.alloc_slow.fetch_add(1, Ordering::Relaxed);
        let buf = vec![0u8; p.params.buf_len].into_boxed_slice();
        Some(Page { buf, index, pool: self.clone() })
    }

    /// Buffers that exist now: waiting in the ring or held by a [`Page`].
    pub fn pages(&self) -> u32 {
        self.0.pages.load(Ordering::Acquire)
    }

    /// Buffers waiting for reuse: in the ring, and in this thread's
    /// cache if it is this pool's (other threads' caches are theirs to
    /// see).
    pub fn cached(&self) -> usize {
        self.0.ring.len() + CACHE.with_borrow(|c| if c.is(self) { c.pages.len() } else { 0 })
    }

    /// The counters (`page_pool_get_stats`).
    pub fn stats(&self) -> PagePoolStats {
        let p = &*self.0;
        PagePoolStats {
            alloc_fast: p.alloc_fast.load(Ordering::Relaxed),
            alloc_refill: p.alloc_refill.load(Ordering::Relaxed),
            alloc_slow: p.alloc_slow.load(Ordering::Relaxed),
            alloc_fail: p.alloc_fail.load(Ordering::Relaxed),
            recycle_cached: p.recycle_cached.load(Ordering::Relaxed),
            recycle_ring: p.recycle_ring.load(Ordering::Relaxed),
            recycle_ring_full: p.recycle_ring_full.load(Ordering::Relaxed),
        }
    }

    /// `page_pool_put_full_page`: a freed buffer into the thread's cache
    /// if it is this pool's and has room (`page_pool_recycle_in_cache`),
    /// else back in the ring, else released.
    #[inline]
    fn recycle(&self, buf: Box<[u8]>, index: u32) {
        let mut page = Some((buf, index));
        // `try_with`/`try_borrow_mut`: a buffer freed while the thread's
        // locals are torn down goes to the ring.
        let _ = CACHE.try_with(|c| {
            if let Ok(mut c) = c.try_borrow_mut() {
                c.keep_for(self, &mut page);
            }
        });
        match page {
            None => {
                self.0.recycle_cached.fetch_add(1, Ordering::Relaxed);
            }
            Some((buf, index)) => self.ring_put(buf, index),
        }
    }

    /// `page_pool_recycle_in_ring`, or the release of a buffer the full
    /// ring cannot take.
    fn ring_put(&self, buf: Box<[u8]>, index: u32) {
        let p = &*self.0;
        match p.ring.push((buf, index)) {
            Ok(()) => {
                p.recycle_ring.fetch_add(1, Ordering::Relaxed);
            }
            Err((buf, index)) => self.release(buf, index),
        }
    }

    /// A buffer the full ring cannot take is freed; its index (and so its
    /// device address) goes to the next new buffer.
    #[cold]
    #[inline(never)]
    fn release(&self, buf: Box<[u8]>, index: u32) {
        let p = &*self.0;
        drop(buf);
        p.recycle_ring_full.fetch_add(1, Ordering::Relaxed);
        // Cannot be full: it has room for every index there is.
        let _ = p.free_index.push(index);
        p.pages.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A buffer and its index in its pool.
type Buf = (Box<[u8]>, u32);

thread_local! {
    /// The thread's `pool->alloc.cache`.
    static CACHE: RefCell<LocalCache> = RefCell::new(LocalCache::default());
}

/// Buffers freed on this thread, kept for this thread's next allocation
/// from the same pool: the pool it allocated from last.
#[derive(Default)]
struct LocalCache {
    pool: Option<PagePool>,
    pages: Vec<Buf>,
}

impl LocalCache {
    #[inline(always)]
    fn is(&self, pool: &PagePool) -> bool {
        self.pool.as_ref().is_some_and(|p| Arc::ptr_eq(&p.0, &pool.0))
    }

    /// A cached buffer of `pool`; the cache becomes `pool`'s if it was
    /// another's.
    #[inline]
    fn take_for(&mut self, pool: &PagePool) -> Option<Buf> {
        if !self.is(pool) {
            self.adopt(pool);
            return None;
        }
        self.pages.pop()
    }

    /// Takes `page` if the cache is `pool`'s and has room.
    #[inline]
    fn keep_for(&mut self, pool: &PagePool, page: &mut Option<Buf>) {
        if self.is(pool) && self.pages.len() < PP_ALLOC_CACHE_SIZE {
            self.pages.extend(page.take());
        }
    }

    /// Makes the cache `pool`'s; what it held goes to its own pool's ring.
    #[cold]
    #[inline(never)]
    fn adopt(&mut self, pool: &PagePool) {
        if let Some(old) = self.pool.replace(pool.clone()) {
            for (buf, index) in self.pages.drain(..) {
                old.ring_put(buf, index);
            }
        }
        self.pages.reserve(PP_ALLOC_CACHE_SIZE);
    }
}

impl Drop for LocalCache {
    /// A thread ending gives its cached buffers to their pool's ring.
    fn drop(&mut self) {
        if let Some(pool) = self.pool.take() {
            for (buf, index) in self.pages.drain(..) {
                pool.ring_put(buf, index);
            }
        }
    }
}

/// One buffer of a [`PagePool`], held by the driver's ring, then by the
/// skb built around it; dropping it returns the buffer to its pool.
pub struct Page {
    /// Empty only while being dropped.
    buf: Box<[u8]>,
    /// Its number in the pool, which fixes its device address.
    index: u32,
    pool: PagePool,
}

impl std::fmt::Debug for Page {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Page").field("dma_addr", &self.dma_addr()).field("len", &self.len()).finish()
    }
}

impl Page {
    /// The buffer's bytes.
    #[inline(always)]
    pub fn bytes(&self) -> &[u8] {
        &self.buf
    }

    /// The buffer's bytes, to fill (the device's DMA write, or the stack
    /// editing a frame in place).
    #[inline(always)]
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.buf
    }

    /// Bytes in the buffer (the pool's `buf_len`).
    #[inline]
    pub fn len(&self) -> usize {
        self.bytes().len()
    }

    /// Whether the buffer has no bytes (never, for a pool's page).
    pub fn is_empty(&self) -> bool {
        self.bytes().is_empty()
    }

    /// `page_pool_get_dma_addr`: where the device reaches this buffer.
    pub fn dma_addr(&self) -> DmaAddr {
        let p = &self.pool.0.params;
        DmaAddr(p.dma_base + u64::from(self.index) * p.buf_len as u64)
    }

    /// The pool it came from.
    pub fn pool(&self) -> &PagePool {
        &self.pool
    }
}

impl Drop for Page {
    /// `page_pool_put_full_page`: back to the pool.
    #[inline]
    fn drop(&mut self) {
        let buf = std::mem::take(&mut self.buf);
        self.pool.recycle(buf, self.index);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(pool_size: usize, max_pages: u32) -> PagePool {
        PagePool::new(PagePoolParams { pool_size, buf_len: 2048, max_pages, dma_base: 0x1_0000_0000 })
            .expect("valid params")
    }

    #[test]
    fn bad_params_are_refused() {
        let ok = PagePoolParams { pool_size: 4, buf_len: 2048, max_pages: 8, dma_base: 0 };
        assert_eq!(PagePool::new(PagePoolParams { buf_len: 100, ..ok }).err(), Some(PagePoolError::BufLen(100)));
        assert_eq!(PagePool::new(PagePoolParams { pool_size: 0, ..ok }).err(), Some(PagePoolError::PoolSize(0)));
        assert_eq!(PagePool::new(PagePoolParams { pool_size: 9, ..ok }).err(), Some(PagePoolError::PoolSize(9)));
        assert_eq!(
            PagePool::new(PagePoolParams { dma_base: u64::MAX - 10, ..ok }).err(),
            Some(PagePoolError::AddressSpace)
        );
    }

    /// `page_pool_alloc_pages` takes from the ring first (fast), allocates
    /// when it is empty (slow); `page_pool_put_full_page` refills it.
    #[test]
    fn freed_buffers_are_reused_with_their_address() {
        let pool = pool(4, 8);
        let a = pool.alloc().expect("room");
        let addr = a.dma_addr();
        assert_eq!(addr, DmaAddr(0x1_0000_0000));
        drop(a);
        assert_eq!(pool.cached(), 1);
        let b = pool.alloc().expect("room");
        assert_eq!(b.dma_addr(), addr, "the same buffer, at the same device address");
        assert_eq!(
            pool.stats(),
            PagePoolStats { alloc_fast: 1, alloc_slow: 1, recycle_cached: 1, ..PagePoolStats::default() },
            "freed and taken again on the allocating thread: its cache, not the ring"
        );
        assert_eq!(pool.pages(), 1);
    }

    /// Every buffer in flight has its own address; the pool refuses (and
    /// counts) past `max_pages`, and a full ring releases what it cannot
    /// keep (here: buffers freed on a thread whose cache is not the
    /// pool's), its address going to the next new buffer.
    #[test]
    fn bounded_in_all_and_in_the_ring() {
        let pool = pool(2, 4);
        let pages: Vec<Page> = (0..4).map(|_| pool.alloc().expect("under max_pages")).collect();
        let mut addrs: Vec<DmaAddr> = pages.iter().map(Page::dma_addr).collect();
        addrs.dedup();
        assert_eq!(addrs.len(), 4, "distinct addresses: {addrs:?}");
        assert!(pool.alloc().is_none());
        assert_eq!(pool.stats().alloc_fail, 1);
        std::thread::spawn(move || drop(pages)).join().expect("freeing thread");
        assert_eq!(pool.cached(), 2);
        assert_eq!(pool.stats().recycle_ring_full, 2);
        assert_eq!(pool.pages(), 2);
        let again: Vec<Page> = (0..4).map(|_| pool.alloc().expect("room again")).collect();
        let mut seen: Vec<DmaAddr> = again.iter().map(Page::dma_addr).collect();
        seen.sort();
        assert_eq!(seen, addrs, "released addresses are handed out again, no new ones");
    }

    /// The allocating thread's cache keeps at most `PP_ALLOC_CACHE_SIZE`
    /// freed buffers; the next go to the ring.
    #[test]
    fn the_cache_is_bounded() {
        let n = PP_ALLOC_CACHE_SIZE + 3;
        let pool = pool(8, n as u32);
        let pages: Vec<Page> = (0..n).map(|_| pool.alloc().expect("room")).collect();
        drop(pages);
        let s = pool.stats();
        assert_eq!((s.recycle_cached, s.recycle_ring), (PP_ALLOC_CACHE_SIZE as u64, 3));
        assert_eq!(pool.cached(), n);
    }

    /// A buffer freed on another thread (a socket read on another core)
    /// comes back to the pool.
    #[test]
    fn freed_on_another_thread() {
        let pool = pool(64, 64);
        let pages: Vec<Page> = (0..64).map(|_| pool.alloc().expect("room")).collect();
        std::thread::spawn(move || drop(pages)).join().expect("freeing thread");
        assert_eq!(pool.cached(), 64);
        assert_eq!(pool.pages(), 64);
    }
}
