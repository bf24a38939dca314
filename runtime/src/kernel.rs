//! [`Kernel`]: the state the initcalls build, one typed slot per subsystem.
//!
//! Linux keeps each subsystem's boot-time state in its own globals
//! (`net_families`, `ptype_base`, `init_net`, ...). Here each subsystem is a
//! Rust type, and the kernel holds at most one value of each type, inserted by
//! the initcall that creates it. Initcalls from user crates use the same slots
//! for their own state. The slots are reached by type on the boot path only;
//! packet paths hold direct references and never look anything up here.

use std::any::{type_name, Any, TypeId};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::errno::Errno;

/// The booted (or booting) stack: subsystem state plus the kernel log.
#[derive(Default)]
pub struct Kernel {
    /// Keyed by `TypeId`, which is already a hash: [`TypeIdHasher`] keeps
    /// it as is, so a lookup (`Tables::new`, once per NAPI poll or system
    /// call) costs one probe rather than a tree walk of 128-bit compares.
    slots: HashMap<TypeId, Slot, BuildHasherDefault<TypeIdHasher>>,
    log: Vec<String>,
    /// Number of CPUs the per-CPU structures are built for.
    nr_cpus: usize,
}

/// A `Hasher` for `TypeId` keys only: `TypeId` hashes by writing one `u64`
/// of its (already random) bits, which this hasher returns unchanged.
#[derive(Default)]
struct TypeIdHasher(u64);

impl Hasher for TypeIdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Not reached for `TypeId`; mix anything else in all the same.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 ^= n;
    }
}

struct Slot {
    name: &'static str,
    value: Box<dyn Any + Send>,
}

impl Kernel {
    /// A kernel with nothing initialized, for `nr_cpus` CPUs (at least one).
    pub fn new(nr_cpus: usize) -> Kernel {
        Kernel { slots: HashMap::default(), log: Vec::new(), nr_cpus: nr_cpus.max(1) }
    }

    /// A kernel for `nr_cpus` CPUs on which `initcalls` have run in the given
    /// order, or the first error one returned. For tools and tests that want
    /// part of a boot without the executor's planning and trace.
    pub fn with_initcalls(nr_cpus: usize, initcalls: &[crate::init::InitFn]) -> Result<Kernel, Errno> {
        let mut k = Kernel::new(nr_cpus);
        for call in initcalls {
            call(&mut k)?;
        }
        Ok(k)
    }

    /// How many CPUs per-CPU state is built for (`for_each_possible_cpu`).
    pub fn nr_cpus(&self) -> usize {
        self.nr_cpus
    }

    /// Installs a subsystem's state. A second value of the same type is
    /// refused with `EEXIST`: one subsystem has exactly one owner.
    pub fn provide<T: Any + Send>(&mut self, value: T) -> Result<(), Errno> {
        let id = TypeId::of::<T>();
        if self.slots.contains_key(&id) {
            return Err(Errno::EEXIST);
        }
        self.slots.insert(id, Slot { name: type_name::<T>(), value: Box::new(value) });
        Ok(())
    }

    /// The state of type `T`, or `ENOENT` if no initcall has provided it.
    pub fn get<T: Any + Send>(&self) -> Result<&T, Errno> {
        self.slots.get(&TypeId::of::<T>()).and_then(|s| s.value.downcast_ref::<T>()).ok_or(Errno::ENOENT)
    }

    /// Mutable access to the state of type `T`, or `ENOENT`.
    pub fn get_mut<T: Any + Send>(&mut self) -> Result<&mut T, Errno> {
        self.slots.get_mut(&TypeId::of::<T>()).and_then(|s| s.value.downcast_mut::<T>()).ok_or(Errno::ENOENT)
    }

    /// Whether state of type `T` exists.
    pub fn has<T: Any + Send>(&self) -> bool {
        self.slots.contains_key(&TypeId::of::<T>())
    }

    /// Removes and returns the state of type `T` (used by teardown paths).
    pub fn take<T: Any + Send>(&mut self) -> Result<T, Errno> {
        let slot = self.slots.remove(&TypeId::of::<T>()).ok_or(Errno::ENOENT)?;
        slot.value.downcast::<T>().map(|b| *b).map_err(|_| Errno::EINVAL)
    }

    /// Type names of every installed subsystem, sorted.
    pub fn subsystems(&self) -> Vec<&'static str> {
        let mut names: Vec<_> = self.slots.values().map(|s| s.name).collect();
        names.sort_unstable();
        names
    }

    /// Appends a line to the kernel log, like `printk`.
    pub fn printk(&mut self, line: impl Into<String>) {
        self.log.push(line.into());
    }

    /// Everything logged so far, oldest first.
    pub fn log(&self) -> &[String] {
        &self.log
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Families(u32);

    #[test]
    fn one_value_per_type() {
        let mut k = Kernel::new(2);
        assert_eq!(k.get::<Families>().err(), Some(Errno::ENOENT));
        k.provide(Families(1)).unwrap();
        assert_eq!(k.provide(Families(2)), Err(Errno::EEXIST));
        k.get_mut::<Families>().unwrap().0 += 1;
        assert_eq!(k.get::<Families>().unwrap().0, 2);
        assert_eq!(k.take::<Families>().unwrap().0, 2);
        assert!(!k.has::<Families>());
    }
}
