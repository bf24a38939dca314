//! `struct ida`: the smallest free id at or above a minimum (lib/idr.c).

use std::collections::BTreeSet;

use crate::errno::Errno;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ida {
    used: BTreeSet<u32>,
}

impl Ida {
    pub const fn new() -> Self {
        Ida { used: BTreeSet::new() }
    }

    /// `ida_alloc_range(ida, min, max)`: the smallest free id in
    /// `min..=max`, or `ENOSPC`.
    pub fn alloc_range(&mut self, min: u32, max: u32) -> Result<u32, Errno> {
        let mut id = min;
        for &u in self.used.range(min..=max) {
            if u != id {
                break;
            }
            id = id.checked_add(1).ok_or(Errno::ENOSPC)?;
        }
        if id > max {
            return Err(Errno::ENOSPC);
        }
        self.used.insert(id);
        Ok(id)
    }

    /// `ida_alloc_min(ida, min)`: `ida_alloc_range(ida, min, INT_MAX)`.
    pub fn alloc_min(&mut self, min: u32) -> Result<u32, Errno> {
        self.alloc_range(min, i32::MAX as u32)
    }

    /// `ida_free(ida, id)`; freeing an id that is not allocated is ignored
    /// (Linux WARNs).
    pub fn free(&mut self, id: u32) {
        self.used.remove(&id);
    }

    /// Ids in use.
    pub fn len(&self) -> usize {
        self.used.len()
    }

    pub fn is_empty(&self) -> bool {
        self.used.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reuses_the_smallest_free_id() {
        let mut ida = Ida::default();
        assert_eq!((ida.alloc_range(1, 3), ida.alloc_range(1, 3), ida.alloc_range(1, 3)), (Ok(1), Ok(2), Ok(3)));
        assert_eq!(ida.alloc_range(1, 3), Err(Errno::ENOSPC));
        ida.free(2);
        assert_eq!(ida.alloc_range(1, 3), Ok(2));
        assert_eq!(ida.alloc_range(u32::MAX, u32::MAX), Ok(u32::MAX));
        assert_eq!(ida.alloc_range(u32::MAX, u32::MAX), Err(Errno::ENOSPC));
        assert_eq!(ida.len(), 4);
        assert_eq!(ida.alloc_min(2), Ok(4));
        assert_eq!(ida.alloc_min(i32::MAX as u32), Ok(i32::MAX as u32));
        assert_eq!(ida.alloc_min(i32::MAX as u32), Err(Errno::ENOSPC), "INT_MAX is the top");
    }
}
