//! netpoll (net/core/netpoll.c): the reserve of sk_buffs netconsole and
//! friends send from when normal allocation is impossible.

use crate::errno::Errno;
use crate::init::InitResult;
use crate::kernel::{HasState, Kernel};
use crate::skbuff::{SkBuffHead, SkbCacheState};

/// `MAX_SKBS`: buffers `refill_skbs` keeps in the pool.
pub const MAX_SKBS: usize = 32;
/// `MAX_UDP_CHUNK`: payload bytes of one netpoll UDP packet.
pub const MAX_UDP_CHUNK: usize = 1460;
/// `MAX_SKB_SIZE`: ethernet + IPv4 + UDP headers + `MAX_UDP_CHUNK`.
pub const MAX_SKB_SIZE: usize = 14 + 20 + 8 + MAX_UDP_CHUNK;

/// `skb_pool` (resource `SkbPool`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SkbPoolState {
    pub skb_pool: SkBuffHead,
}

/// `refill_skbs()`: tops the pool up to `MAX_SKBS` buffers of
/// `MAX_SKB_SIZE` bytes from `skbuff_head_cache`. Linux calls it from
/// `netpoll_setup`, not at boot.
pub fn refill_skbs<S: HasState<SkbPoolState> + HasState<SkbCacheState>>(k: &mut Kernel<S>) -> Result<(), Errno> {
    let missing = MAX_SKBS.saturating_sub(k.get::<SkbPoolState>()?.skb_pool.len());
    let cache = k.get_mut::<SkbCacheState>()?;
    let fresh: Vec<_> = (0..missing).map(|_| cache.alloc_skb(MAX_SKB_SIZE)).collect();
    let pool = &mut k.get_mut::<SkbPoolState>()?.skb_pool;
    fresh.into_iter().for_each(|skb| pool.queue_tail(skb));
    Ok(())
}

/// `netpoll_init()` (net/core/netpoll.c, core_initcall):
/// `skb_queue_head_init(&skb_pool)`. The pool starts empty; its buffers
/// will come from `skbuff_head_cache`, which must exist (`ENOENT` if not).
pub fn netpoll_init<S: HasState<SkbPoolState> + HasState<SkbCacheState>>(k: &mut Kernel<S>) -> InitResult {
    k.get::<SkbCacheState>()?;
    k.provide(SkbPoolState { skb_pool: SkBuffHead::new() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::socket::sock_init;

    #[test]
    fn pool_starts_empty_and_refills_to_max() {
        let mut k = Kernel::<crate::testspec::TestSpec>::new(1);
        assert_eq!(netpoll_init(&mut k), Err(Errno::ENOENT));
        sock_init::<crate::testspec::TestSpec>(&mut k).unwrap();
        netpoll_init(&mut k).unwrap();
        assert!(k.get::<SkbPoolState>().unwrap().skb_pool.is_empty());
        assert_eq!(netpoll_init(&mut k), Err(Errno::EEXIST));

        k.get_mut::<SkbPoolState>().unwrap().skb_pool.dequeue();
        refill_skbs(&mut k).unwrap();
        refill_skbs(&mut k).unwrap();
        let pool = &k.get::<SkbPoolState>().unwrap().skb_pool;
        assert_eq!(pool.len(), MAX_SKBS);
        assert!(pool.iter().all(|s| s.len() == MAX_SKB_SIZE));
        assert_eq!(k.get::<SkbCacheState>().unwrap().skbuff_head_cache.active_objs(), MAX_SKBS);
    }
}
