//! `struct net`: one network namespace.

use std::any::Any;

use super::{PernetSpec, PernetState};
use crate::errno::Errno;

/// Data an operation registered outside the spec keeps in a namespace
/// (`net_generic(net, id)`); reached by id and a downcast, the slow path.
pub type GenericData = Box<dyn Any + Send + Sync>;

/// `struct net_generic`: the data of operations registered at run time,
/// `ptr[id]` for the id `register_pernet_operations` gave them.
#[derive(Default)]
pub struct NetGeneric {
    ptr: Vec<Option<GenericData>>,
}

impl NetGeneric {
    /// `net_assign_generic(net, id, data)`, growing the array as Linux's does.
    pub(crate) fn assign(&mut self, id: usize, data: Option<GenericData>) {
        if self.ptr.len() <= id {
            self.ptr.resize_with(id + 1, || None);
        }
        self.ptr[id] = data;
    }

    /// `ops_free(ops, net)`: drops `ptr[id]`.
    pub(crate) fn free(&mut self, id: usize) {
        if let Some(slot) = self.ptr.get_mut(id) {
            *slot = None;
        }
    }

    /// Slots that hold data: what is still allocated in this namespace.
    pub fn live(&self) -> usize {
        self.ptr.iter().filter(|p| p.is_some()).count()
    }
}

/// A `/proc/net` directory: the names of its entries, in creation order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProcDir {
    entries: Vec<&'static str>,
}

impl ProcDir {
    /// `proc_create(name, ..., net->proc_net, ...)`. A name already present
    /// is `EEXIST` (Linux warns and returns NULL).
    pub fn proc_create(&mut self, name: &'static str) -> Result<(), Errno> {
        if self.contains(name) {
            return Err(Errno::EEXIST);
        }
        self.entries.push(name);
        Ok(())
    }

    /// `remove_proc_entry(name, net->proc_net)`; `ENOENT` if absent.
    pub fn remove_proc_entry(&mut self, name: &str) -> Result<(), Errno> {
        let i = self.entries.iter().position(|e| *e == name).ok_or(Errno::ENOENT)?;
        self.entries.remove(i);
        Ok(())
    }

    /// Creates `names`; if one fails, removes those created before it (as
    /// `dev_proc_net_init` unwinds with its `out_*` labels).
    pub fn proc_create_all(&mut self, names: &[&'static str]) -> Result<(), Errno> {
        for (i, name) in names.iter().enumerate() {
            if let Err(e) = self.proc_create(name) {
                self.remove_all(&names[..i]);
                return Err(e);
            }
        }
        Ok(())
    }

    /// Removes `names`, last first; absent names are skipped (an exit
    /// undoing an `init` that created them).
    pub fn remove_all(&mut self, names: &[&str]) {
        for name in names.iter().rev() {
            let _ = self.remove_proc_entry(name);
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.entries.contains(&name)
    }

    pub fn entries(&self) -> &[&'static str] {
        &self.entries
    }
}

/// One network namespace (`struct net`): a few fields every namespace has,
/// the spec's typed per-operation state, and the data of operations
/// registered at run time.
pub struct Net<S: PernetSpec> {
    cookie: u64,
    nr_cpus: usize,
    /// One `Option` per spec operation with state; reached through
    /// [`Net::get`].
    pub states: S::States,
    /// `net->gen`: data of operations registered outside the spec.
    pub(crate) gen: NetGeneric,
    /// `net->proc_net`: this namespace's /proc/net.
    pub proc_net: ProcDir,
}

impl<S: PernetSpec> Net<S> {
    /// `net_alloc()`: an empty namespace, not yet set up.
    pub(crate) fn alloc(cookie: u64, nr_cpus: usize) -> Self {
        Net { cookie, nr_cpus, states: S::States::default(), gen: NetGeneric::default(), proc_net: ProcDir::default() }
    }

    /// `net->net_cookie`: unique for the life of the stack; `init_net` has 1.
    pub fn cookie(&self) -> u64 {
        self.cookie
    }

    /// Whether this is `init_net`.
    pub fn is_init_net(&self) -> bool {
        self.cookie == super::INIT_NET_COOKIE
    }

    /// CPUs per-CPU state is built for (`for_each_possible_cpu`).
    pub fn nr_cpus(&self) -> usize {
        self.nr_cpus
    }

    /// The state of the spec operation that keeps a `T`, or `ENOENT` while
    /// that operation is not registered. A `T` no operation keeps does not
    /// compile.
    pub fn get<T: PernetState<S>>(&self) -> Result<&T, Errno> {
        T::slot(&self.states).as_ref().ok_or(Errno::ENOENT)
    }

    /// Mutable access to the state of type `T`, or `ENOENT`.
    pub fn get_mut<T: PernetState<S>>(&mut self) -> Result<&mut T, Errno> {
        T::slot_mut(&mut self.states).as_mut().ok_or(Errno::ENOENT)
    }

    /// `net_generic(net, id)`: the data a run-time operation keeps here, if
    /// it is a `T`.
    pub fn net_generic<T: Any>(&self, id: PernetId) -> Option<&T> {
        self.gen.ptr.get(id.0)?.as_ref()?.downcast_ref()
    }

    /// Mutable `net_generic`.
    pub fn net_generic_mut<T: Any>(&mut self, id: PernetId) -> Option<&mut T> {
        self.gen.ptr.get_mut(id.0)?.as_mut()?.downcast_mut()
    }

    /// How many run-time operations hold data in this namespace.
    pub fn generic_live(&self) -> usize {
        self.gen.live()
    }
}

/// The smallest id `register_pernet_operations` hands out
/// (net/core/net_namespace.c: `MIN_PERNET_OPS_ID`, `(sizeof(struct
/// net_generic) + sizeof(void *) - 1) / sizeof(void *)`). `ptr[]` of
/// `struct net_generic` shares its memory with the header `s` (`unsigned
/// int len` and a `struct rcu_head`, two pointers): 12 bytes on 32-bit,
/// 24 (with padding) on 64-bit, three pointer slots either way, so ids
/// start at 3 and a data pointer never overlays the header
/// (`INITIAL_NET_GEN_PTRS` is 13 "+1 for len +2 for rcu_head").
pub const MIN_PERNET_OPS_ID: u32 = 3;

/// The id `register_pernet_operations` gave an operation registered at run
/// time (Linux's `*ops->id`), at least [`MIN_PERNET_OPS_ID`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PernetId(pub usize);
