//! The entries of `pernet_list` and the four steps Linux runs them in:
//! `ops_init`, `ops_pre_exit_list`, `ops_exit_list`, `ops_free_list`
//! (net/core/net_namespace.c).

use std::borrow::Cow;
use std::sync::Arc;

use super::net::{GenericData, Net, PernetId};
use super::{Hook, PernetKind, PernetSpec};
use crate::errno::Errno;
use crate::init::InitResult;

type InitHook<S> = Box<dyn Fn(&mut Net<S>) -> Result<Option<GenericData>, Errno> + Send + Sync>;
type ExitHook<S> = Box<dyn Fn(&mut Net<S>) + Send + Sync>;
type BatchHook<S> = Box<dyn Fn(&mut [&mut Net<S>]) + Send + Sync>;

/// A `struct pernet_operations` registered at run time by code outside the
/// spec (a user crate, a test). Its data lives in `net->gen` under the id it
/// is given at registration; spec operations never pay for this path.
pub struct PernetOperations<S: PernetSpec> {
    pub name: Cow<'static, str>,
    init: Option<InitHook<S>>,
    pre_exit: Option<ExitHook<S>>,
    exit: Option<ExitHook<S>>,
    exit_batch: Option<BatchHook<S>>,
}

impl<S: PernetSpec> PernetOperations<S> {
    /// Operations named `name` with no methods.
    pub fn new(name: impl Into<Cow<'static, str>>) -> Self {
        PernetOperations { name: name.into(), init: None, pre_exit: None, exit: None, exit_batch: None }
    }

    /// `.init`: returns the data to keep in the namespace (`ops->size`
    /// bytes in Linux), or `None`.
    pub fn init(
        mut self,
        f: impl Fn(&mut Net<S>) -> Result<Option<GenericData>, Errno> + Send + Sync + 'static,
    ) -> Self {
        self.init = Some(Box::new(f));
        self
    }

    /// `.pre_exit`.
    pub fn pre_exit(mut self, f: impl Fn(&mut Net<S>) + Send + Sync + 'static) -> Self {
        self.pre_exit = Some(Box::new(f));
        self
    }

    /// `.exit`: the data is still in the namespace.
    pub fn exit(mut self, f: impl Fn(&mut Net<S>) + Send + Sync + 'static) -> Self {
        self.exit = Some(Box::new(f));
        self
    }

    /// `.exit_batch`: once per batch of namespaces being destroyed.
    pub fn exit_batch(mut self, f: impl Fn(&mut [&mut Net<S>]) + Send + Sync + 'static) -> Self {
        self.exit_batch = Some(Box::new(f));
        self
    }
}

/// One entry of `pernet_list`.
pub(crate) enum Ops<S: PernetSpec> {
    /// A spec operation: every call is the generated `match`.
    Spec(S::Op),
    /// An operation registered at run time, with its `net->gen` id.
    Dyn(Arc<PernetOperations<S>>, PernetId),
}

impl<S: PernetSpec> Clone for Ops<S> {
    fn clone(&self) -> Self {
        match self {
            Ops::Spec(op) => Ops::Spec(*op),
            Ops::Dyn(ops, id) => Ops::Dyn(Arc::clone(ops), *id),
        }
    }
}

impl<S: PernetSpec> Ops<S> {
    /// Whether the operation has anything to do at step `hook`: the trace
    /// records only steps that ran something.
    pub(crate) fn has(&self, hook: Hook) -> bool {
        match self {
            Ops::Spec(op) => S::desc(*op).is_some_and(|d| match hook {
                Hook::Init | Hook::InitFailed(_) => d.methods.init,
                Hook::PreExit => d.methods.pre_exit,
                Hook::Exit => d.methods.exit || d.methods.exit_batch,
                Hook::Free => d.state.is_some(),
            }),
            Ops::Dyn(ops, _) => match hook {
                Hook::Init | Hook::InitFailed(_) => ops.init.is_some(),
                Hook::PreExit => ops.pre_exit.is_some(),
                Hook::Exit => ops.exit.is_some() || ops.exit_batch.is_some(),
                Hook::Free => ops.init.is_some(),
            },
        }
    }

    /// Whether `self` and `other` are the same registration.
    pub(crate) fn same(&self, other: &Ops<S>) -> bool {
        match (self, other) {
            (Ops::Spec(a), Ops::Spec(b)) => a == b,
            (Ops::Dyn(_, a), Ops::Dyn(_, b)) => a == b,
            _ => false,
        }
    }

    pub(crate) fn name(&self) -> &str {
        match self {
            Ops::Spec(op) => S::desc(*op).map_or("?", |d| d.name),
            Ops::Dyn(ops, _) => &ops.name,
        }
    }

    /// `ops_init(ops, net)`. On failure the operation's data is freed, as
    /// Linux's `ops_init` frees `ng->ptr[id]` when `init` fails.
    pub(crate) fn init(&self, net: &mut Net<S>) -> InitResult {
        match self {
            Ops::Spec(op) => S::init(*op, net).inspect_err(|_| S::free(*op, net)),
            Ops::Dyn(ops, id) => {
                let data = match &ops.init {
                    Some(init) => init(net)?,
                    None => None,
                };
                net.gen.assign(id.0, data);
                Ok(())
            }
        }
    }

    /// `ops_pre_exit_list(ops, net_exit_list)`.
    pub(crate) fn pre_exit_list(&self, nets: &mut [&mut Net<S>]) {
        for net in nets.iter_mut() {
            match self {
                Ops::Spec(op) => S::pre_exit(*op, net),
                Ops::Dyn(ops, _) => {
                    if let Some(f) = &ops.pre_exit {
                        f(net)
                    }
                }
            }
        }
    }

    /// `ops_exit_list(ops, net_exit_list)`: `exit` for every namespace,
    /// then `exit_batch` once.
    pub(crate) fn exit_list(&self, nets: &mut [&mut Net<S>]) {
        match self {
            Ops::Spec(op) => {
                for net in nets.iter_mut() {
                    S::exit(*op, net);
                }
                S::exit_batch(*op, nets);
            }
            Ops::Dyn(ops, _) => {
                if let Some(f) = &ops.exit {
                    for net in nets.iter_mut() {
                        f(net);
                    }
                }
                if let Some(f) = &ops.exit_batch {
                    f(nets);
                }
            }
        }
    }

    /// `ops_free_list(ops, net_exit_list)`: drops the operation's data.
    pub(crate) fn free_list(&self, nets: &mut [&mut Net<S>]) {
        for net in nets.iter_mut() {
            match self {
                Ops::Spec(op) => S::free(*op, net),
                Ops::Dyn(_, id) => net.gen.free(id.0),
            }
        }
    }
}

/// `pernet_list` with `first_device`.
pub(crate) struct PernetList<S: PernetSpec> {
    list: Vec<(Ops<S>, PernetKind)>,
    /// Index of the first device operation (`list.len()` when none).
    first_device: usize,
}

impl<S: PernetSpec> Default for PernetList<S> {
    fn default() -> Self {
        PernetList { list: Vec::new(), first_device: 0 }
    }
}

impl<S: PernetSpec> PernetList<S> {
    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = &Ops<S>> + Clone {
        self.list.iter().map(|(o, _)| o)
    }

    pub(crate) fn entries(&self) -> impl Iterator<Item = (&str, PernetKind)> {
        self.list.iter().map(|(o, k)| (o.name(), *k))
    }

    /// Where registration `ops` is: the same spec operation, or the run-time
    /// operation registered under the same id (its handle; Linux compares
    /// the `struct pernet_operations` pointer), never by name.
    pub(crate) fn position(&self, ops: &Ops<S>) -> Option<usize> {
        self.list.iter().position(|(o, _)| o.same(ops))
    }

    pub(crate) fn kind_at(&self, i: usize) -> Option<PernetKind> {
        self.list.get(i).map(|(_, k)| *k)
    }

    /// `register_pernet_subsys` adds before `first_device`,
    /// `register_pernet_device` at the tail (becoming `first_device` if it
    /// is the first device operation). Returns the index.
    pub(crate) fn insert(&mut self, ops: Ops<S>, kind: PernetKind) -> usize {
        match kind {
            PernetKind::Subsys => {
                let i = self.first_device;
                self.list.insert(i, (ops, kind));
                self.first_device += 1;
                i
            }
            PernetKind::Device => {
                self.list.push((ops, kind));
                self.list.len() - 1
            }
        }
    }

    /// `list_del(&ops->list)`, moving `first_device` on as Linux's
    /// `unregister_pernet_device` does.
    pub(crate) fn remove(&mut self, i: usize) -> Ops<S> {
        let (ops, _) = self.list.remove(i);
        if i < self.first_device {
            self.first_device -= 1;
        }
        ops
    }
}
