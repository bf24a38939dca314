//! Read-mostly tables read without a lock while they change: the part of
//! RCU (kernel/rcu/) the stack's kernel-wide tables need.
//!
//! Readers load the current version (`rcu_dereference`) and keep it for
//! as long as they work with it, a receive batch (Linux: the
//! `rcu_read_lock()` a NAPI poll runs under); a load is an
//! [`arc_swap::ArcSwap`] load, no lock and, in the common case, no shared
//! counter written. Writers copy the table, change the copy and publish it
//! (`rcu_assign_pointer`), one at a time; a writer that removed something
//! then waits until no reader still holds the version it replaced
//! (`synchronize_rcu()` / `synchronize_net()`), so once the removal returns
//! the removed entry is neither in use nor used again.

use std::cell::Cell;
use std::sync::{Arc, Mutex, PoisonError};

use crate::errno::Errno;

thread_local! {
    /// How many versions this thread holds ([`RcuRef`]s alive): its
    /// read-side sections, nested or not.
    static READERS: Cell<usize> = const { Cell::new(0) };
}

/// Whether this thread is inside a read-side section (holds an
/// [`RcuRef`]): `rcu_read_lock_held()`. A writer that would then wait for
/// readers ([`synchronize`]) would wait for itself.
pub fn in_read_side() -> bool {
    READERS.with(Cell::get) > 0
}

/// A table of type `T` under RCU's rules.
pub struct Rcu<T> {
    current: arc_swap::ArcSwap<T>,
    /// Serialises writers: each copies the whole table, so two must not
    /// publish over each other.
    update: Mutex<()>,
}

/// What a reader holds: one version of the table, for as long as the
/// `RcuRef` lives (its read-side section).
pub struct RcuRef<T> {
    guard: arc_swap::Guard<Arc<T>>,
}

impl<T> std::ops::Deref for RcuRef<T> {
    type Target = T;

    #[inline(always)]
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> Drop for RcuRef<T> {
    #[inline]
    fn drop(&mut self) {
        READERS.with(|r| r.set(r.get().saturating_sub(1)));
    }
}

impl<T> Rcu<T> {
    /// A table holding `value`.
    pub fn new(value: T) -> Self {
        Rcu { current: arc_swap::ArcSwap::from_pointee(value), update: Mutex::new(()) }
    }

    /// `rcu_dereference`: the version current now, unchanged by writers
    /// while it is held.
    #[inline]
    pub fn load(&self) -> RcuRef<T> {
        READERS.with(|r| r.set(r.get() + 1));
        RcuRef { guard: self.current.load() }
    }
}

impl<T: Clone> Rcu<T> {
    /// Copies the table, lets `change` edit the copy and, if it succeeded,
    /// publishes it; readers from then on see the change. Returns what
    /// `change` returned and the version it replaced (for
    /// [`synchronize`]). Nothing is published when `change` fails.
    pub fn update<R>(&self, change: impl FnOnce(&mut T) -> Result<R, Errno>) -> Result<(R, Arc<T>), Errno> {
        let _writer = self.update.lock().unwrap_or_else(PoisonError::into_inner);
        let mut next = (**self.current.load()).clone();
        let r = change(&mut next)?;
        Ok((r, self.current.swap(Arc::new(next))))
    }
}

/// `synchronize_rcu()` for a version [`Rcu::update`] replaced: returns
/// once no reader holds `old` any more. A reader's load either took the
/// version before the swap — and then holds a counted reference to it
/// (`ArcSwap`'s writer turns every reader's uncounted borrow of the value
/// it replaces into a counted one) — or sees the new version. Readers
/// hold a version for one batch, so the wait is short; it yields the core
/// meanwhile. Called from inside a read-side section of this thread it
/// would wait for itself: then it returns `EDEADLK` at once (Linux's
/// lockdep reports "Illegal synchronize_rcu() in RCU read-side critical
/// section"); writers check [`in_read_side`] before changing anything, so
/// that does not happen half-way.
pub fn synchronize<T>(old: Arc<T>) -> Result<(), Errno> {
    if in_read_side() {
        return Err(Errno::EDEADLK);
    }
    let mut old = old;
    loop {
        match Arc::try_unwrap(old) {
            Ok(_) => return Ok(()),
            Err(still) => {
                old = still;
                std::thread::yield_now();
            }
        }
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Rcu<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Rcu").field(&*self.load()).finish()
    }
}

impl<T: PartialEq> PartialEq for Rcu<T> {
    /// The same current contents.
    fn eq(&self, other: &Self) -> bool {
        *self.load() == *other.load()
    }
}

impl<T: Eq> Eq for Rcu<T> {}

impl<T: Clone> Clone for Rcu<T> {
    /// A second table with the current contents, changed independently.
    fn clone(&self) -> Self {
        Rcu::new((*self.load()).clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_keep_their_version_until_they_drop_it() {
        let t = Rcu::new(vec![1]);
        let before = t.load();
        let ((), old) = t
            .update(|v| {
                v.push(2);
                Ok(())
            })
            .expect("change succeeds");
        assert_eq!((&*before, &*t.load()), (&vec![1], &vec![1, 2]));
        assert_eq!(synchronize(Arc::clone(&old)), Err(Errno::EDEADLK), "this thread holds `before`");
        let waiter = std::thread::spawn(move || synchronize(old));
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(!waiter.is_finished(), "a reader still holds the old version");
        drop(before);
        assert_eq!(waiter.join().expect("no panic"), Ok(()), "synchronize returns once the reader is done");
        assert!(!in_read_side());
    }

    #[test]
    fn a_failed_change_publishes_nothing() {
        let t = Rcu::new(5);
        assert_eq!(
            t.update(|v| -> Result<(), Errno> {
                *v = 6;
                Err(Errno::EBUSY)
            })
            .err(),
            Some(Errno::EBUSY)
        );
        assert_eq!(*t.load(), 5);
    }
}
