//! Socket buffers (net/core/skbuff.c): the `sk_buff` caches `skb_init`
//! creates and the `sk_buff_head` queues the rest of the stack is built from.
//!
//! `sk_buff` here carries only what boot-time code touches; the packet path
//! will grow it.

use std::collections::VecDeque;
use std::mem::size_of;

use crate::errno::Errno;
use crate::slab::{KmemCache, SLAB_HWCACHE_ALIGN, SLAB_PANIC};

/// A packet buffer (`struct sk_buff`), reduced to its payload and the
/// fields the receive path dispatches on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SkBuff {
    /// Bytes from `skb->data` on.
    pub data: Vec<u8>,
    /// `skb->protocol`: the ethertype, in host order.
    pub protocol: u16,
    /// `skb->skb_iif` / `dev->ifindex` of the device it arrived on (0: none).
    pub ifindex: i32,
}

/// `struct sk_buff_fclones`: an skb and its fast clone, allocated together.
#[allow(dead_code)] // only its size is used, by the fclone cache
struct SkBuffFclones {
    skb1: SkBuff,
    skb2: SkBuff,
    fclone_ref: u32,
}

/// A queue of packets (`struct sk_buff_head`). `skb_queue_head_init` is
/// [`SkBuffHead::new`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SkBuffHead {
    queue: VecDeque<SkBuff>,
}

impl SkBuffHead {
    /// `skb_queue_head_init`: an empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// `skb_queue_len`.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// `skb_queue_empty`.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// `skb_queue_tail`.
    pub fn queue_tail(&mut self, skb: SkBuff) {
        self.queue.push_back(skb);
    }

    /// `skb_dequeue`: the head of the queue, if any.
    pub fn dequeue(&mut self) -> Option<SkBuff> {
        self.queue.pop_front()
    }

    /// The queued packets, head first.
    pub fn iter(&self) -> impl Iterator<Item = &SkBuff> {
        self.queue.iter()
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
        SkBuff { data: vec![0; size], ..SkBuff::default() }
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
        skbuff_head_cache: KmemCache::create("skbuff_head_cache", size_of::<SkBuff>(), 0, flags)?,
        skbuff_fclone_cache: KmemCache::create("skbuff_fclone_cache", size_of::<SkBuffFclones>(), 0, flags)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_is_fifo() {
        let mut q = SkBuffHead::new();
        assert!(q.is_empty());
        q.queue_tail(SkBuff { protocol: 1, ..SkBuff::default() });
        q.queue_tail(SkBuff { protocol: 2, ..SkBuff::default() });
        assert_eq!(q.len(), 2);
        assert_eq!(q.dequeue().map(|s| s.protocol), Some(1));
        assert_eq!(q.dequeue().map(|s| s.protocol), Some(2));
        assert_eq!(q.dequeue(), None);
    }

    #[test]
    fn skb_init_creates_both_caches_and_accounts_buffers() {
        let mut c = skb_init().unwrap();
        assert_eq!(c.skbuff_head_cache.name, "skbuff_head_cache");
        assert_eq!(c.skbuff_fclone_cache.name, "skbuff_fclone_cache");
        assert!(c.skbuff_fclone_cache.object_size > 2 * c.skbuff_head_cache.object_size);
        let skb = c.alloc_skb(60);
        assert_eq!(skb.data.len(), 60);
        assert_eq!(c.skbuff_head_cache.active_objs(), 1);
        c.kfree_skb(skb).unwrap();
        assert_eq!(c.kfree_skb(SkBuff::default()), Err(Errno::EINVAL));
    }
}
