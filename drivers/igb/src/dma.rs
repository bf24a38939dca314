//! DMA as ownership transfer: Linux's streaming and coherent DMA API
//! (include/linux/dma-mapping.h) over an address space that driver and
//! device share, fully safe.
//!
//! - [`DmaSpace::dma_alloc_coherent`] (`dma_alloc_coherent`): memory both
//!   sides reach at any time, by address (descriptor rings). The driver
//!   holds a [`DmaCoherent`] handle; the device reads and writes through
//!   [`DmaSpace::read`] / [`DmaSpace::write`].
//! - [`DmaSpace::dma_map_page`] (`dma_map_page_attrs`): a receive buffer
//!   moves into the space; the device writes into it by address; the
//!   driver gets it back with [`DmaSpace::dma_unmap_page`] once the
//!   descriptor says done, or looks at it in place with
//!   [`DmaSpace::dma_sync_for_cpu`] (`dma_sync_single_range_for_cpu`) and
//!   leaves it mapped.
//! - [`DmaSpace::dma_map_single`] (`dma_map_single`): a frame to transmit
//!   moves in (read-only for the device) and comes back with
//!   [`DmaSpace::dma_unmap_single`].
//!
//! While a buffer is mapped the driver does not own it, so it cannot touch
//! it: the rule the streaming API states in prose is the type system's
//! here. On real hardware the same calls would pin the memory and program
//! the IOMMU; a device model uses the space directly.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use netgen_runtime::page_pool::{DmaAddr, Page};
use netgen_runtime::skbuff::SkBuff;

/// Coherent allocations are placed from here up, 4 KiB aligned.
const COHERENT_BASE: u64 = 0x1000_0000;
/// Streaming mappings of single buffers (`dma_map_single`) from here up.
const SINGLE_BASE: u64 = 0x7000_0000_0000;

/// Why a DMA access by the device failed (an IOMMU fault on hardware).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DmaFault {
    /// No mapping covers `[addr, addr + len)`.
    Unmapped { addr: u64, len: usize },
    /// A device write into a buffer mapped to the device (`DMA_TO_DEVICE`).
    ReadOnly { addr: u64 },
}

enum Region {
    /// A receive buffer (`DMA_FROM_DEVICE`).
    Page(Page),
    /// A frame to transmit (`DMA_TO_DEVICE`).
    Single(SkBuff),
}

impl Region {
    fn len(&self) -> usize {
        match self {
            Region::Page(p) => p.len(),
            Region::Single(s) => s.len(),
        }
    }
}

#[derive(Default)]
struct Inner {
    /// Coherent allocations (a device has a few: its descriptor rings),
    /// searched first.
    coherent: Vec<(u64, Vec<u8>)>,
    /// Streaming mappings by start address.
    regions: BTreeMap<u64, Region>,
    next_coherent: u64,
    next_single: u64,
    faults: u64,
}

/// Counts of what a space holds, for leak checks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DmaCounts {
    pub coherent: usize,
    pub pages: usize,
    pub singles: usize,
    /// Device accesses that hit no mapping or a read-only one.
    pub faults: u64,
}

/// The device-visible address space of one device (its IOMMU domain).
/// Cloning shares it: the driver keeps one handle, the device another.
#[derive(Clone, Default)]
pub struct DmaSpace(Arc<Mutex<Inner>>);

impl std::fmt::Debug for DmaSpace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("DmaSpace").field(&self.counts()).finish()
    }
}

impl DmaSpace {
    pub fn new() -> DmaSpace {
        DmaSpace::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `dma_alloc_coherent(dev, size, &dma, GFP_KERNEL)`: `size` zeroed
    /// bytes both sides reach; `None` for a zero size.
    pub fn dma_alloc_coherent(&self, size: usize) -> Option<DmaCoherent> {
        if size == 0 {
            return None;
        }
        let mut g = self.lock();
        let addr = COHERENT_BASE + g.next_coherent;
        g.next_coherent += (size as u64).div_ceil(4096) * 4096;
        g.coherent.push((addr, vec![0; size]));
        Some(DmaCoherent { space: self.clone(), addr, size })
    }

    /// `dma_map_page(dev, page, 0, len, DMA_FROM_DEVICE)`: the buffer moves
    /// into the space at its pool address. Comes back if that address is
    /// already mapped (`dma_mapping_error`).
    pub fn dma_map_page(&self, page: Page) -> Result<DmaAddr, Page> {
        let addr = page.dma_addr();
        let mut g = self.lock();
        if Self::find(&g, addr.0, 1).is_some() || Self::find_coherent(&g, addr.0, 1).is_some() {
            return Err(page);
        }
        g.regions.insert(addr.0, Region::Page(page));
        Ok(addr)
    }

    /// `dma_unmap_page`: the buffer mapped at `addr` comes back to the CPU.
    pub fn dma_unmap_page(&self, addr: DmaAddr) -> Option<Page> {
        self.unmap(addr, |r| match r {
            Region::Page(p) => Ok(p),
            other => Err(other),
        })
    }

    /// `dma_sync_single_range_for_cpu(dev, addr, 0, len, DMA_FROM_DEVICE)`:
    /// `f` sees the first `len` bytes of the buffer mapped at `addr`, which
    /// stays mapped. `None` if no page is mapped there or it is shorter.
    pub fn dma_sync_for_cpu<R>(&self, addr: DmaAddr, len: usize, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
        let g = self.lock();
        match g.regions.get(&addr.0) {
            Some(Region::Page(p)) if len <= p.len() => Some(f(&p.bytes()[..len])),
            _ => None,
        }
    }

    /// `dma_map_single(dev, skb->data, len, DMA_TO_DEVICE)`: the frame moves
    /// into the space; its `len()` bytes are readable by the device.
    pub fn dma_map_single(&self, skb: SkBuff) -> DmaAddr {
        let mut g = self.lock();
        let addr = SINGLE_BASE + g.next_single;
        g.next_single += (skb.len() as u64).max(1).div_ceil(64) * 64;
        g.regions.insert(addr, Region::Single(skb));
        DmaAddr(addr)
    }

    /// `dma_unmap_single`: the frame mapped at `addr` comes back.
    pub fn dma_unmap_single(&self, addr: DmaAddr) -> Option<SkBuff> {
        self.unmap(addr, |r| match r {
            Region::Single(s) => Ok(s),
            other => Err(other),
        })
    }

    /// The mapping starting at `addr`, if `take` accepts its kind; one of
    /// another kind stays mapped.
    fn unmap<T>(&self, addr: DmaAddr, take: impl FnOnce(Region) -> Result<T, Region>) -> Option<T> {
        let mut g = self.lock();
        match take(g.regions.remove(&addr.0)?) {
            Ok(t) => Some(t),
            Err(other) => {
                g.regions.insert(addr.0, other);
                None
            }
        }
    }

    /// The streaming mapping holding `[addr, addr + len)`: its start. A
    /// buffer is mostly reached at its start (a descriptor's address), so
    /// that is tried first.
    fn find(g: &Inner, addr: u64, len: usize) -> Option<u64> {
        let end = addr.checked_add(len as u64)?;
        if let Some(r) = g.regions.get(&addr) {
            return (end <= addr + r.len() as u64).then_some(addr);
        }
        let (&start, r) = g.regions.range(..=addr).next_back()?;
        (end <= start.checked_add(r.len() as u64)?).then_some(start)
    }

    /// The coherent allocation holding `[addr, addr + len)`: its index and
    /// the offset of `addr` in it.
    fn find_coherent(g: &Inner, addr: u64, len: usize) -> Option<(usize, usize)> {
        g.coherent
            .iter()
            .position(|(start, v)| {
                addr >= *start && addr.checked_add(len as u64).is_some_and(|end| end <= start + v.len() as u64)
            })
            .map(|i| (i, (addr - g.coherent[i].0) as usize))
    }

    /// The device reads `out.len()` bytes at `addr` (a descriptor, a frame).
    pub fn read(&self, addr: u64, out: &mut [u8]) -> Result<(), DmaFault> {
        let mut g = self.lock();
        if let Some((i, at)) = Self::find_coherent(&g, addr, out.len()) {
            out.copy_from_slice(&g.coherent[i].1[at..at + out.len()]);
            return Ok(());
        }
        let Some(start) = Self::find(&g, addr, out.len()) else {
            g.faults += 1;
            return Err(DmaFault::Unmapped { addr, len: out.len() });
        };
        let at = (addr - start) as usize;
        let src: &[u8] = match &g.regions[&start] {
            Region::Page(p) => p.bytes(),
            Region::Single(s) => s.data(),
        };
        out.copy_from_slice(&src[at..at + out.len()]);
        Ok(())
    }

    /// The device writes `data` at `addr` (a write-back, a received frame).
    pub fn write(&self, addr: u64, data: &[u8]) -> Result<(), DmaFault> {
        let mut g = self.lock();
        if let Some((i, at)) = Self::find_coherent(&g, addr, data.len()) {
            g.coherent[i].1[at..at + data.len()].copy_from_slice(data);
            return Ok(());
        }
        let Some(start) = Self::find(&g, addr, data.len()) else {
            g.faults += 1;
            return Err(DmaFault::Unmapped { addr, len: data.len() });
        };
        let at = (addr - start) as usize;
        let dst: &mut [u8] = match g.regions.get_mut(&start) {
            Some(Region::Page(p)) => p.bytes_mut(),
            _ => {
                g.faults += 1;
                return Err(DmaFault::ReadOnly { addr });
            }
        };
        dst[at..at + data.len()].copy_from_slice(data);
        Ok(())
    }

    /// What is mapped now, and the faults so far.
    pub fn counts(&self) -> DmaCounts {
        let g = self.lock();
        let mut c = DmaCounts { faults: g.faults, coherent: g.coherent.len(), ..DmaCounts::default() };
        for r in g.regions.values() {
            match r {
                Region::Page(_) => c.pages += 1,
                Region::Single(_) => c.singles += 1,
            }
        }
        c
    }
}

/// Coherent memory from [`DmaSpace::dma_alloc_coherent`]: the driver's
/// handle, freed (`dma_free_coherent`) when dropped.
pub struct DmaCoherent {
    space: DmaSpace,
    addr: u64,
    size: usize,
}

impl std::fmt::Debug for DmaCoherent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DmaCoherent({:#x}, {})", self.addr, self.size)
    }
}

impl DmaCoherent {
    /// The device address (`dma_handle`).
    pub fn dma(&self) -> u64 {
        self.addr
    }

    pub fn size(&self) -> usize {
        self.size
    }

    /// The 16 bytes at `offset` (a descriptor), zero past the end.
    pub fn read16(&self, offset: usize) -> [u8; 16] {
        let mut b = [0u8; 16];
        if offset + 16 <= self.size {
            let _ = self.space.read(self.addr + offset as u64, &mut b);
        }
        b
    }

    /// Writes the 16 bytes at `offset`; ignored past the end.
    pub fn write16(&self, offset: usize, bytes: [u8; 16]) {
        if offset + 16 <= self.size {
            let _ = self.space.write(self.addr + offset as u64, &bytes);
        }
    }
}

impl Drop for DmaCoherent {
    fn drop(&mut self) {
        self.space.lock().coherent.retain(|(a, _)| *a != self.addr);
    }
}
