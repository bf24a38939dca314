//! [`NetNamespaces`]: `net_namespace_list`, `pernet_list` and the functions
//! that create, destroy and extend namespaces (net/core/net_namespace.c,
//! Linux 6.0).
//!
//! Locking follows Linux: `pernet_ops_rwsem` is held for reading while a
//! namespace is set up or cleaned up and for writing while operations are
//! registered or unregistered, so a namespace never sees the list change
//! under it; `net_rwsem` guards the list of live namespaces; each namespace
//! has a lock of its own for its state. The order is always
//! `pernet_ops_rwsem`, then `net_rwsem`, then namespaces.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::ida::Ida;
use super::net::{Net, PernetId, MIN_PERNET_OPS_ID};
use super::ops::{Ops, PernetList, PernetOperations};
use super::{PernetKind, PernetSpec};
use crate::errno::Errno;
use crate::init::InitResult;

/// `net_cookie` of `init_net`.
pub const INIT_NET_COOKIE: u64 = 1;

/// Default `user.max_net_namespaces`. Linux derives it from `max_threads`
/// (half of it); this is a fixed value of the same order.
pub const DEFAULT_MAX_NET_NAMESPACES: usize = 65_536;

fn read<T>(l: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(l: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(PoisonError::into_inner)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A reference to a namespace (`get_net`); give it back with
/// [`NetNamespaces::put_net`].
pub struct NetRef<S: PernetSpec>(Arc<NetNs<S>>);

struct NetNs<S: PernetSpec> {
    cookie: u64,
    /// `net->ns.count`.
    count: AtomicU32,
    net: RwLock<Net<S>>,
}

impl<S: PernetSpec> NetRef<S> {
    fn new(net: Net<S>) -> Self {
        NetRef(Arc::new(NetNs { cookie: net.cookie(), count: AtomicU32::new(1), net: RwLock::new(net) }))
    }

    fn share(&self) -> Self {
        NetRef(Arc::clone(&self.0))
    }

    /// `net->net_cookie`.
    pub fn cookie(&self) -> u64 {
        self.0.cookie
    }

    /// Reads the namespace. Do not call into [`NetNamespaces`] while holding
    /// this: registering an operation waits for it.
    pub fn read(&self) -> RwLockReadGuard<'_, Net<S>> {
        read(&self.0.net)
    }

    /// Writes the namespace (same caveat as [`NetRef::read`]).
    pub fn write(&self) -> RwLockWriteGuard<'_, Net<S>> {
        write(&self.0.net)
    }

    fn same(&self, other: &NetRef<S>) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// Which step of an operation ran, for [`TraceEvent`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hook {
    Init,
    /// `init` returned this error.
    InitFailed(Errno),
    PreExit,
    /// `exit` for each namespace, then `exit_batch` once.
    Exit,
    Free,
}

/// One step of one operation, recorded while tracing is on; only steps
/// where the operation has the method (or state to free) are recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceEvent {
    pub hook: Hook,
    pub ops: String,
    /// The namespaces it ran for (several for `exit_batch`).
    pub nets: Vec<u64>,
}

/// A failure to inject into an operation's `init`.
#[derive(Clone, Debug)]
struct Fault {
    ops: String,
    errno: Errno,
    /// Calls that still succeed before the failures start.
    skip: usize,
}

struct Shared<S: PernetSpec> {
    nr_cpus: usize,
    /// `pernet_ops_rwsem` and the list it guards, with `net_generic_ids`.
    pernet_ops: RwLock<(PernetList<S>, Ida)>,
    /// `net_namespace_list` (under `net_rwsem`), `init_net` first.
    net_namespace_list: RwLock<Vec<NetRef<S>>>,
    /// `cleanup_list`: namespaces whose last reference is gone.
    cleanup_list: Mutex<Vec<NetRef<S>>>,
    /// `netns_wq` is single-threaded: one `cleanup_net` at a time.
    cleanup_running: Mutex<()>,
    /// Namespaces other than `init_net` that exist or are being set up
    /// (`ucounts` of `UCOUNT_NET_NAMESPACES`).
    nr_net_ns: AtomicUsize,
    max_net_namespaces: AtomicUsize,
    /// `net_cookie`'s counter.
    next_cookie: AtomicU64,
    faults_armed: AtomicBool,
    faults: Mutex<Vec<Fault>>,
    tracing: AtomicBool,
    trace: Mutex<Vec<TraceEvent>>,
}

/// Every network namespace of one stack and the operations run for each
/// (resource `InitNet`). Cloning gives another handle on the same state, so
/// threads can create and destroy namespaces concurrently.
pub struct NetNamespaces<S: PernetSpec> {
    shared: Arc<Shared<S>>,
}

impl<S: PernetSpec> Clone for NetNamespaces<S> {
    fn clone(&self) -> Self {
        NetNamespaces { shared: Arc::clone(&self.shared) }
    }
}

impl<S: PernetSpec> NetNamespaces<S> {
    /// An empty `pernet_list` and `init_net`, set up (`net_ns_init`'s
    /// `setup_net(&init_net)` with no operations registered yet).
    pub fn new(nr_cpus: usize) -> Self {
        let init_net = NetRef::new(Net::alloc(INIT_NET_COOKIE, nr_cpus.max(1)));
        NetNamespaces {
            shared: Arc::new(Shared {
                nr_cpus: nr_cpus.max(1),
                pernet_ops: RwLock::new((PernetList::default(), Ida::default())),
                net_namespace_list: RwLock::new(vec![init_net]),
                cleanup_list: Mutex::new(Vec::new()),
                cleanup_running: Mutex::new(()),
                nr_net_ns: AtomicUsize::new(0),
                max_net_namespaces: AtomicUsize::new(DEFAULT_MAX_NET_NAMESPACES),
                next_cookie: AtomicU64::new(INIT_NET_COOKIE + 1),
                faults_armed: AtomicBool::new(false),
                faults: Mutex::new(Vec::new()),
                tracing: AtomicBool::new(false),
                trace: Mutex::new(Vec::new()),
            }),
        }
    }

    /// `&init_net`.
    pub fn init_net(&self) -> NetRef<S> {
        read(&self.shared.net_namespace_list)[0].share()
    }

    /// `for_each_net`: every live namespace, `init_net` first. A snapshot:
    /// namespaces created or destroyed meanwhile are not reflected.
    pub fn nets(&self) -> Vec<NetRef<S>> {
        read(&self.shared.net_namespace_list).iter().map(NetRef::share).collect()
    }

    /// The live namespace with this cookie.
    pub fn net_by_cookie(&self, cookie: u64) -> Option<NetRef<S>> {
        read(&self.shared.net_namespace_list).iter().find(|n| n.cookie() == cookie).map(NetRef::share)
    }

    /// Live namespaces, `init_net` included.
    pub fn count(&self) -> usize {
        read(&self.shared.net_namespace_list).len()
    }

    /// `pernet_list` in the order operations run: names and kinds.
    pub fn pernet_list(&self) -> Vec<(String, PernetKind)> {
        read(&self.shared.pernet_ops).0.entries().map(|(n, k)| (n.to_string(), k)).collect()
    }

    /// Writes `user.max_net_namespaces`: creating more than `max`
    /// namespaces besides `init_net` fails with `ENOSPC`.
    pub fn set_max_net_namespaces(&self, max: usize) {
        self.shared.max_net_namespaces.store(max, Ordering::Relaxed);
    }

    /// `copy_net_ns(CLONE_NEWNET, ...)`: a new namespace with every
    /// registered operation initialized, visible in `net_namespace_list`
    /// only once all of them succeeded. `ENOSPC` past
    /// `max_net_namespaces` (`inc_net_namespaces`), else the first `init`
    /// error, after `setup_net` undid the rest.
    pub fn copy_net_ns(&self) -> Result<NetRef<S>, Errno> {
        let sh = &self.shared;
        // inc_net_namespaces(): a ucount, refused past the limit.
        let max = sh.max_net_namespaces.load(Ordering::Relaxed);
        if sh.nr_net_ns.fetch_add(1, Ordering::AcqRel) >= max {
            sh.nr_net_ns.fetch_sub(1, Ordering::AcqRel);
            return Err(Errno::ENOSPC);
        }
        let cookie = sh.next_cookie.fetch_add(1, Ordering::Relaxed);
        let mut net = Net::alloc(cookie, sh.nr_cpus);
        let ops = read(&sh.pernet_ops);
        if let Err(e) = self.setup_net(&ops.0, &mut net) {
            sh.nr_net_ns.fetch_sub(1, Ordering::AcqRel);
            return Err(e);
        }
        let net = NetRef::new(net);
        write(&sh.net_namespace_list).push(net.share());
        Ok(net)
    }

    /// `setup_net(net)`: `ops_init` for each operation in list order; on a
    /// failure the operations already run are undone in reverse:
    /// `pre_exit` for all, then `exit` (and `exit_batch`) for all, then
    /// their state freed.
    fn setup_net(&self, list: &PernetList<S>, net: &mut Net<S>) -> InitResult {
        for (i, ops) in list.iter().enumerate() {
            if let Err(e) = self.ops_init(ops, net) {
                let done: Vec<&Ops<S>> = list.iter().take(i).collect();
                self.undo(done.into_iter().rev(), &mut [net]);
                return Err(e);
            }
        }
        Ok(())
    }

    /// `get_net(net)`: another reference.
    pub fn get_net(&self, net: &NetRef<S>) -> NetRef<S> {
        net.0.count.fetch_add(1, Ordering::AcqRel);
        net.share()
    }

    /// `put_net(net)`: drops a reference; the last one queues the namespace
    /// on `cleanup_list` and runs `cleanup_net` (Linux queues it on
    /// `netns_wq`; here the caller's thread is the worker). `EINVAL` for
    /// `init_net`, which is never destroyed, or a namespace already gone.
    pub fn put_net(&self, net: NetRef<S>) -> InitResult {
        if net.cookie() == INIT_NET_COOKIE {
            return Err(Errno::EINVAL);
        }
        let prev = net.0.count.fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| c.checked_sub(1));
        match prev {
            Err(_) => Err(Errno::EINVAL),
            Ok(1) => {
                lock(&self.shared.cleanup_list).push(net);
                self.cleanup_net();
                Ok(())
            }
            Ok(_) => Ok(()),
        }
    }

    /// `cleanup_net()`: takes every queued namespace as one batch, removes
    /// them from `net_namespace_list`, then for each operation in reverse
    /// order `pre_exit` on all of them, then `exit` on all and
    /// `exit_batch` once, then frees their state.
    fn cleanup_net(&self) {
        let sh = &self.shared;
        let _worker = lock(&sh.cleanup_running);
        let batch = std::mem::take(&mut *lock(&sh.cleanup_list));
        if batch.is_empty() {
            return;
        }
        let ops = read(&sh.pernet_ops);
        write(&sh.net_namespace_list).retain(|n| !batch.iter().any(|b| b.same(n)));
        let mut guards: Vec<_> = batch.iter().map(NetRef::write).collect();
        let mut nets: Vec<&mut Net<S>> = guards.iter_mut().map(|g| &mut **g).collect();
        self.undo(ops.0.iter().rev(), &mut nets);
        sh.nr_net_ns.fetch_sub(batch.len(), Ordering::AcqRel);
    }

    /// Runs `pre_exit`, then `exit`/`exit_batch`, then free, each over
    /// `ops` (already in the order to undo them) for `nets`.
    fn undo<'a>(&self, ops: impl Iterator<Item = &'a Ops<S>> + Clone, nets: &mut [&mut Net<S>])
    where
        S: 'a,
    {
        // Only the trace needs the cookies; without it, no allocation.
        let cookies: Vec<u64> = if self.shared.tracing.load(Ordering::Acquire) {
            nets.iter().map(|n| n.cookie()).collect()
        } else {
            Vec::new()
        };
        for o in ops.clone() {
            o.pre_exit_list(nets);
            self.record(Hook::PreExit, o, &cookies);
        }
        for o in ops.clone() {
            o.exit_list(nets);
            self.record(Hook::Exit, o, &cookies);
        }
        for o in ops {
            o.free_list(nets);
            self.record(Hook::Free, o, &cookies);
        }
    }

    /// `ops_init`, with fault injection and tracing.
    fn ops_init(&self, ops: &Ops<S>, net: &mut Net<S>) -> InitResult {
        let result = match self.injected(ops) {
            Some(e) => Err(e),
            None => ops.init(net),
        };
        let hook = match result {
            Ok(()) => Hook::Init,
            Err(e) => Hook::InitFailed(e),
        };
        self.record(hook, ops, &[net.cookie()]);
        result
    }

    /// `register_pernet_subsys`/`register_pernet_device` of a spec operation.
    pub fn register_spec(&self, op: S::Op) -> InitResult {
        let kind = S::desc(op).ok_or(Errno::EINVAL)?.kind;
        self.register(Ops::Spec(op), kind)
    }

    /// `register_pernet_subsys(ops)` of an operation defined at run time;
    /// returns the id its data is kept under (`net_generic(net, id)`).
    pub fn register_pernet_subsys(&self, ops: PernetOperations<S>) -> Result<PernetId, Errno> {
        self.register_dyn(ops, PernetKind::Subsys)
    }

    /// `register_pernet_device(ops)` of an operation defined at run time.
    pub fn register_pernet_device(&self, ops: PernetOperations<S>) -> Result<PernetId, Errno> {
        self.register_dyn(ops, PernetKind::Device)
    }

    fn register_dyn(&self, ops: PernetOperations<S>, kind: PernetKind) -> Result<PernetId, Errno> {
        let mut guard = write(&self.shared.pernet_ops);
        // register_pernet_operations:
        // ida_alloc_min(&net_generic_ids, MIN_PERNET_OPS_ID, GFP_KERNEL).
        let id = PernetId(guard.1.alloc_min(MIN_PERNET_OPS_ID)? as usize);
        match self.register_locked(&mut guard.0, Ops::Dyn(Arc::new(ops), id), kind) {
            Ok(()) => Ok(id),
            Err(e) => {
                guard.1.free(id.0 as u32);
                Err(e)
            }
        }
    }

    fn register(&self, ops: Ops<S>, kind: PernetKind) -> InitResult {
        let mut guard = write(&self.shared.pernet_ops);
        self.register_locked(&mut guard.0, ops, kind)
    }

    /// `__register_pernet_operations(list, ops)`: adds `ops`, then runs
    /// `init` for every live namespace; if one fails, removes `ops` and
    /// undoes it (`pre_exit`, `exit`, `exit_batch`, free) on the namespaces
    /// already done. The same registration twice is `EEXIST` (Linux would
    /// corrupt its list); two run-time operations of one name are two
    /// registrations.
    fn register_locked(&self, list: &mut PernetList<S>, ops: Ops<S>, kind: PernetKind) -> InitResult {
        if list.position(&ops).is_some() {
            return Err(Errno::EEXIST);
        }
        let at = list.insert(ops.clone(), kind);
        let nets = self.nets();
        let mut guards = Vec::with_capacity(nets.len());
        for n in &nets {
            let mut g = n.write();
            if let Err(e) = self.ops_init(&ops, &mut g) {
                drop(g);
                list.remove(at);
                let mut done: Vec<&mut Net<S>> =
                    guards.iter_mut().map(|g: &mut RwLockWriteGuard<'_, Net<S>>| &mut **g).collect();
                self.undo(std::iter::once(&ops), &mut done);
                return Err(e);
            }
            guards.push(g);
        }
        Ok(())
    }

    /// `unregister_pernet_subsys(ops)` of the run-time operation registered
    /// under `id` (what [`Self::register_pernet_subsys`] returned: the
    /// registration's handle, as Linux passes the struct's pointer): removes
    /// it and runs its `pre_exit`, `exit`, `exit_batch` and free on every
    /// live namespace. `ENOENT` if no subsys operation was registered under
    /// `id`.
    pub fn unregister_pernet_subsys(&self, id: PernetId) -> InitResult {
        self.unregister(&Ops::Dyn(Arc::new(PernetOperations::new("")), id), PernetKind::Subsys)
    }

    /// `unregister_pernet_device(ops)`; as [`Self::unregister_pernet_subsys`].
    pub fn unregister_pernet_device(&self, id: PernetId) -> InitResult {
        self.unregister(&Ops::Dyn(Arc::new(PernetOperations::new("")), id), PernetKind::Device)
    }

    /// Unregisters a spec operation, whichever its kind; `EBUSY` if a
    /// registered spec operation `uses` its state.
    pub fn unregister_spec(&self, op: S::Op) -> InitResult {
        let d = S::desc(op).ok_or(Errno::EINVAL)?;
        self.unregister(&Ops::Spec(op), d.kind)
    }

    fn unregister(&self, which: &Ops<S>, kind: PernetKind) -> InitResult {
        let mut guard = write(&self.shared.pernet_ops);
        let (list, ida) = &mut *guard;
        let i = list.position(which).filter(|&i| list.kind_at(i) == Some(kind)).ok_or(Errno::ENOENT)?;
        // Only spec operations can be used (`uses` names spec operations).
        let used = match which {
            Ops::Spec(op) => S::desc(*op).is_some_and(|me| {
                list.iter().any(|o| matches!(o, Ops::Spec(u) if S::desc(*u).is_some_and(|d| d.uses.contains(&me.name))))
            }),
            Ops::Dyn(..) => false,
        };
        if used {
            return Err(Errno::EBUSY);
        }
        let ops = list.remove(i);
        let nets = self.nets();
        let mut guards: Vec<_> = nets.iter().map(NetRef::write).collect();
        let mut all: Vec<&mut Net<S>> = guards.iter_mut().map(|g| &mut **g).collect();
        self.undo(std::iter::once(&ops), &mut all);
        if let Ops::Dyn(_, id) = ops {
            ida.free(id.0 as u32);
        }
        Ok(())
    }

    /// Makes `init` of the operation named `ops` fail with `errno` after
    /// `skip` more successful calls, until [`Self::clear_faults`] (like
    /// Linux's fault-injection framework, for tests).
    pub fn inject_init_fault(&self, ops: &str, errno: Errno, skip: usize) {
        lock(&self.shared.faults).push(Fault { ops: ops.to_string(), errno, skip });
        self.shared.faults_armed.store(true, Ordering::Release);
    }

    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
        self.shared.faults_armed.store(false, Ordering::Release);
    }

    /// The error to inject into `ops`' `init`, if any. Checks the flag
    /// before naming the operation: a spec operation's name is a lookup in
    /// `S::OPS`, which setting up a namespace should not pay for.
    fn injected(&self, ops: &Ops<S>) -> Option<Errno> {
        if !self.shared.faults_armed.load(Ordering::Acquire) {
            return None;
        }
        let name = ops.name();
        let mut faults = lock(&self.shared.faults);
        let f = faults.iter_mut().find(|f| f.ops == name)?;
        if f.skip > 0 {
            f.skip -= 1;
            return None;
        }
        Some(f.errno)
    }

    /// Starts (or stops) recording every step operations run.
    pub fn set_tracing(&self, on: bool) {
        self.shared.tracing.store(on, Ordering::Release);
    }

    /// The steps recorded since the last call.
    pub fn take_trace(&self) -> Vec<TraceEvent> {
        std::mem::take(&mut *lock(&self.shared.trace))
    }

    fn record(&self, hook: Hook, ops: &Ops<S>, nets: &[u64]) {
        // The flag first: `has` and `name` look the operation up in `S::OPS`.
        if !self.shared.tracing.load(Ordering::Acquire) {
            return;
        }
        // A fault injected into an operation without `init` still fails it.
        if ops.has(hook) || matches!(hook, Hook::InitFailed(_)) {
            let ev = TraceEvent { hook, ops: ops.name().to_string(), nets: nets.to_vec() };
            lock(&self.shared.trace).push(ev);
        }
    }

    /// Operations registered at run time hold ids; how many are in use.
    pub fn generic_ids_in_use(&self) -> usize {
        read(&self.shared.pernet_ops).1.len()
    }

    /// Namespaces besides `init_net` that exist or are being set up.
    pub fn nr_net_namespaces(&self) -> usize {
        self.shared.nr_net_ns.load(Ordering::Acquire)
    }
}
