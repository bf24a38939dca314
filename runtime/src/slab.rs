//! Slab caches (mm/slab_common.c, `kmem_cache_create`), reduced to what
//! /proc/slabinfo shows: a name, an object size and allocation counters.
//!
//! Networking creates its caches at boot (`net_namespace`, `skbuff_head_cache`,
//! one per `proto_register(prot, 1)`, ...). Objects themselves are ordinary
//! Rust values; a cache only accounts for them, so a leak or a double free
//! shows up as a wrong count or an error instead of going unnoticed.

use crate::errno::Errno;

/// Align objects on a cache line (`SLAB_HWCACHE_ALIGN`).
pub const SLAB_HWCACHE_ALIGN: u32 = 0x0000_2000;
/// Objects are reclaimable: count them as such (`SLAB_RECLAIM_ACCOUNT`).
pub const SLAB_RECLAIM_ACCOUNT: u32 = 0x0002_0000;
/// Panic if creation fails (`SLAB_PANIC`); here creation fails with an errno.
pub const SLAB_PANIC: u32 = 0x0004_0000;
/// Spread allocations over memory nodes (`SLAB_MEM_SPREAD`).
pub const SLAB_MEM_SPREAD: u32 = 0x0010_0000;

/// `SMP_CACHE_BYTES` on x86_64: the alignment `SLAB_HWCACHE_ALIGN` asks for.
pub const SMP_CACHE_BYTES: usize = 64;

/// One `struct kmem_cache`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KmemCache {
    pub name: &'static str,
    /// `object_size`: bytes one object needs.
    pub object_size: usize,
    /// Alignment objects are placed at.
    pub align: usize,
    pub flags: u32,
    active_objs: usize,
    total_allocs: u64,
}

impl KmemCache {
    /// `kmem_cache_create(name, size, align, flags, NULL)`. Like
    /// `kmem_cache_sanity_check`, an empty name or a zero size is `EINVAL`.
    pub fn create(name: &'static str, size: usize, align: usize, flags: u32) -> Result<Self, Errno> {
        if name.is_empty() || size == 0 || (align != 0 && !align.is_power_of_two()) {
            return Err(Errno::EINVAL);
        }
        // calculate_alignment(): HWCACHE_ALIGN raises the alignment to a cache
        // line, and nothing is aligned below a word.
        let mut align = align.max(std::mem::size_of::<usize>());
        if flags & SLAB_HWCACHE_ALIGN != 0 {
            align = align.max(SMP_CACHE_BYTES);
        }
        Ok(KmemCache { name, object_size: size, align, flags, active_objs: 0, total_allocs: 0 })
    }

    /// `kmem_cache_alloc`: accounts one more live object.
    pub fn alloc(&mut self) {
        self.active_objs += 1;
        self.total_allocs += 1;
    }

    /// `kmem_cache_free`: one object fewer. Freeing into an empty cache is a
    /// double free, reported as `EINVAL` instead of corrupting the counts.
    pub fn free(&mut self) -> Result<(), Errno> {
        self.active_objs = self.active_objs.checked_sub(1).ok_or(Errno::EINVAL)?;
        Ok(())
    }

    /// Objects currently allocated (`active_objs` in /proc/slabinfo).
    pub fn active_objs(&self) -> usize {
        self.active_objs
    }

    /// Allocations ever made from this cache.
    pub fn total_allocs(&self) -> u64 {
        self.total_allocs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_checks_arguments_and_aligns() {
        assert_eq!(KmemCache::create("", 8, 0, 0), Err(Errno::EINVAL));
        assert_eq!(KmemCache::create("x", 0, 0, 0), Err(Errno::EINVAL));
        assert_eq!(KmemCache::create("x", 8, 3, 0), Err(Errno::EINVAL));
        let c = KmemCache::create("x", 8, 0, SLAB_HWCACHE_ALIGN).unwrap();
        assert_eq!(c.align, SMP_CACHE_BYTES);
    }

    #[test]
    fn counts_objects_and_catches_double_free() {
        let mut c = KmemCache::create("x", 8, 0, 0).unwrap();
        c.alloc();
        c.alloc();
        c.free().unwrap();
        assert_eq!((c.active_objs(), c.total_allocs()), (1, 2));
        c.free().unwrap();
        assert_eq!(c.free(), Err(Errno::EINVAL));
    }
}
