//! [`Kernel`]: the state the initcalls build, one typed field per spec
//! resource.
//!
//! Linux keeps each subsystem's boot-time state in its own globals
//! (`net_families`, `ptype_base`, `init_net`, ...). Here every spec
//! `resource` names the type of its state (`resource SockRegistry:
//! SockRegistryState<..>;`), and netgen generates a struct with one
//! `Option` field per such resource ([`KernelSpec::States`]): reaching a
//! subsystem's state is a field access, a type no resource names does not
//! compile, and the executor checks after each initcall that the states it
//! declares to provide are there, so an initcall that requires a resource
//! finds its state.
//!
//! Initcalls of user crates keep their own state in a small typed map
//! ([`Kernel::provide_ext`]), reached on the boot path only.

use std::any::{type_name, Any, TypeId};
use std::collections::BTreeMap;

use crate::errno::Errno;

/// What the generated crate declares about kernel-wide state: the struct
/// of every spec resource's state.
pub trait KernelSpec: Sized + Copy + std::fmt::Debug + Send + Sync + 'static {
    /// One `Option<State>` field per spec resource that names a state.
    type States: Default + Send;

    /// Whether the state of spec resource `resource` is there: `None` if
    /// the spec names no state for it (an ordering point) or does not know
    /// it (a resource of a user crate). The executor checks each resource
    /// an initcall declares to provide with it.
    fn provided(states: &Self::States, resource: &str) -> Option<bool>;
}

/// `Self` is the state of a spec resource: its field in the generated
/// struct of kernel states.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not the state of any `resource` in the spec",
    label = "no `resource` in the spec has `: {Self}`",
    note = "name it in spec/resources.ng (`resource MyTable: path::to::{Self};`) and run `cargo run -p netgen -- generate`; a user crate keeps its own state with `Kernel::provide_ext` and `Kernel::ext`"
)]
pub trait KernelState<S: KernelSpec>: Sized + Send + 'static {
    fn slot(states: &S::States) -> &Option<Self>;
    fn slot_mut(states: &mut S::States) -> &mut Option<Self>;
}

/// The spec keeps kernel-wide state `T`, for generic code: a bound on the
/// spec type, so it can be a supertrait (`ProtoSpec` lists the states the
/// runtime's subsystems need) and no function repeats where-clauses.
#[diagnostic::on_unimplemented(
    message = "`{T}` is not the state of any `resource` in the spec",
    label = "no `resource` in the spec has `: {T}`",
    note = "name it in spec/resources.ng (`resource MyTable: path::to::{T};`) and run `cargo run -p netgen -- generate`; a user crate keeps its own state with `Kernel::provide_ext`"
)]
pub trait HasState<T>: KernelSpec {
    fn slot(states: &Self::States) -> &Option<T>;
    fn slot_mut(states: &mut Self::States) -> &mut Option<T>;
}

impl<S: KernelSpec, T: KernelState<S>> HasState<T> for S {
    #[inline(always)]
    fn slot(states: &S::States) -> &Option<T> {
        T::slot(states)
    }
    #[inline(always)]
    fn slot_mut(states: &mut S::States) -> &mut Option<T> {
        T::slot_mut(states)
    }
}

/// The signature every initcall has: it builds state in the kernel of spec
/// `S` (`Ok(())` is Linux's `0`, `Err(e)` is `-e`).
pub type InitFn<S> = fn(&mut Kernel<S>) -> Result<(), Errno>;

/// The booted (or booting) stack: the spec's kernel states, user crates'
/// states, and the kernel log.
pub struct Kernel<S: KernelSpec> {
    states: S::States,
    /// User crates' states, by type: boot-time only (no packet or system
    /// call looks anything up here).
    ext: BTreeMap<TypeId, Ext>,
    /// The kernel log: appended to from any context (`printk` takes
    /// `&self`, as Linux's may be called with the tables in use).
    log: std::sync::Mutex<Vec<String>>,
    /// Number of CPUs the per-CPU structures are built for.
    nr_cpus: usize,
}

struct Ext {
    name: &'static str,
    value: Box<dyn Any + Send + Sync>,
}

impl<S: KernelSpec> Kernel<S> {
    /// A kernel with nothing initialized, for `nr_cpus` CPUs (at least one).
    pub fn new(nr_cpus: usize) -> Kernel<S> {
        Kernel {
            states: S::States::default(),
            ext: BTreeMap::new(),
            log: std::sync::Mutex::new(Vec::new()),
            nr_cpus: nr_cpus.max(1),
        }
    }

    /// A kernel for `nr_cpus` CPUs on which `initcalls` have run in the given
    /// order, or the first error one returned. For tools and tests that want
    /// part of a boot without the executor's planning and trace.
    pub fn with_initcalls(nr_cpus: usize, initcalls: &[InitFn<S>]) -> Result<Kernel<S>, Errno> {
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

    /// The spec's kernel states, for the executor's check.
    pub fn states(&self) -> &S::States {
        &self.states
    }

    /// Installs a subsystem's state. A second value is refused with
    /// `EEXIST`: one subsystem has exactly one owner.
    pub fn provide<T>(&mut self, value: T) -> Result<(), Errno>
    where
        S: HasState<T>,
    {
        let slot = S::slot_mut(&mut self.states);
        if slot.is_some() {
            return Err(Errno::EEXIST);
        }
        *slot = Some(value);
        Ok(())
    }

    /// The state of type `T`, or `ENOENT` before its initcall has run (or
    /// when it failed).
    #[inline]
    pub fn get<T>(&self) -> Result<&T, Errno>
    where
        S: HasState<T>,
    {
        S::slot(&self.states).as_ref().ok_or(Errno::ENOENT)
    }

    /// Mutable access to the state of type `T`, or `ENOENT`.
    #[inline]
    pub fn get_mut<T>(&mut self) -> Result<&mut T, Errno>
    where
        S: HasState<T>,
    {
        S::slot_mut(&mut self.states).as_mut().ok_or(Errno::ENOENT)
    }

    /// Whether state of type `T` exists.
    pub fn has<T>(&self) -> bool
    where
        S: HasState<T>,
    {
        S::slot(&self.states).is_some()
    }

    /// Removes and returns the state of type `T` (teardown paths).
    pub fn take<T>(&mut self) -> Result<T, Errno>
    where
        S: HasState<T>,
    {
        S::slot_mut(&mut self.states).take().ok_or(Errno::ENOENT)
    }

    /// Installs state of a user crate (a type no spec resource names);
    /// `EEXIST` for a second value of one type.
    pub fn provide_ext<T: Any + Send + Sync>(&mut self, value: T) -> Result<(), Errno> {
        let id = TypeId::of::<T>();
        if self.ext.contains_key(&id) {
            return Err(Errno::EEXIST);
        }
        self.ext.insert(id, Ext { name: type_name::<T>(), value: Box::new(value) });
        Ok(())
    }

    /// A user crate's state of type `T`, or `ENOENT`.
    pub fn ext<T: Any + Send + Sync>(&self) -> Result<&T, Errno> {
        self.ext.get(&TypeId::of::<T>()).and_then(|s| s.value.downcast_ref::<T>()).ok_or(Errno::ENOENT)
    }

    /// Mutable [`Kernel::ext`].
    pub fn ext_mut<T: Any + Send + Sync>(&mut self) -> Result<&mut T, Errno> {
        self.ext.get_mut(&TypeId::of::<T>()).and_then(|s| s.value.downcast_mut::<T>()).ok_or(Errno::ENOENT)
    }

    /// Type names of the user crates' states, sorted.
    pub fn ext_names(&self) -> Vec<&'static str> {
        let mut names: Vec<_> = self.ext.values().map(|s| s.name).collect();
        names.sort_unstable();
        names
    }

    /// Appends a line to the kernel log, like `printk`.
    pub fn printk(&self, line: impl Into<String>) {
        self.log.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(line.into());
    }

    /// Everything logged so far, oldest first (a copy: the log may grow
    /// meanwhile).
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
}

/// A spec with no kernel states, for tools and tests that run initcalls
/// which keep none (and for user-crate state only).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoStates;

impl KernelSpec for NoStates {
    type States = ();
    fn provided(_: &(), _: &str) -> Option<bool> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Families(u32);

    #[derive(Default)]
    struct States {
        families: Option<Families>,
    }

    #[derive(Clone, Copy, Debug)]
    struct Spec;

    impl KernelSpec for Spec {
        type States = States;
        fn provided(s: &States, resource: &str) -> Option<bool> {
            (resource == "Families").then_some(s.families.is_some())
        }
    }

    impl KernelState<Spec> for Families {
        fn slot(s: &States) -> &Option<Self> {
            &s.families
        }
        fn slot_mut(s: &mut States) -> &mut Option<Self> {
            &mut s.families
        }
    }

    #[test]
    fn one_value_per_state() {
        let mut k = Kernel::<Spec>::new(2);
        assert_eq!(k.get::<Families>().err(), Some(Errno::ENOENT));
        assert_eq!(Spec::provided(k.states(), "Families"), Some(false));
        k.provide(Families(1)).unwrap();
        assert_eq!(k.provide(Families(2)), Err(Errno::EEXIST));
        k.get_mut::<Families>().unwrap().0 += 1;
        assert_eq!(k.get::<Families>().unwrap().0, 2);
        assert_eq!(Spec::provided(k.states(), "Families"), Some(true));
        assert_eq!(k.take::<Families>().unwrap().0, 2);
        assert!(!k.has::<Families>());
    }

    #[test]
    fn user_crates_keep_their_own_state() {
        let mut k = Kernel::<NoStates>::new(1);
        k.provide_ext(Families(7)).unwrap();
        assert_eq!(k.provide_ext(Families(8)), Err(Errno::EEXIST));
        k.ext_mut::<Families>().unwrap().0 += 1;
        assert_eq!(k.ext::<Families>().unwrap().0, 8);
        assert_eq!(k.ext::<u32>().err(), Some(Errno::ENOENT));
    }
}
