//! NAPI and the network softirqs (net/core/dev.c, include/linux/netdevice.h,
//! Linux 6.0): `struct napi_struct` with its state bits,
//! `netif_napi_add_weight`, `napi_enable`/`napi_disable`, `napi_schedule`,
//! `napi_complete_done`, the per-CPU `softnet_data.poll_list`, and the two
//! softirq handlers `net_dev_init` opens: `net_rx_action` (NET_RX: poll the
//! scheduled NAPIs under `netdev_budget` and `netdev_budget_usecs`) and
//! `net_tx_action` (NET_TX: free what `dev_kfree_skb_irq` queued).
//!
//! A driver implements [`NapiPoll`] for its per-queue state (igb's
//! `q_vector`); [`netif_napi_add`] wraps that state in a [`NapiStruct`] and
//! hands the driver back a typed `Arc` of it. The poll list holds the same
//! NAPI as a [`Napi`] (`Arc<NapiStruct<S, dyn NapiPoll<S>>>`), so the
//! softirq calls each driver's poll through its trait, with no downcast.
//!
//! Per-CPU state is per-CPU: each CPU's poll list is behind its own mutex
//! (Linux's `local_irq_save`), taken only to add or splice; NAPI state is
//! an atomic word changed by compare-and-swap, as in Linux; and
//! `NAPI_STATE_SCHED` makes one context the NAPI's only poller, so the
//! mutex around the driver's poll state is never contended by the softirq.
//!
//! Not modelled: GRO (`napi_gro_receive` and its flush), busy polling and
//! `napi_defer_hard_irqs`, threaded NAPI, netpoll's `poll_one_napi`, RPS.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use super::{DevSpec, NetDevice, SoftnetDataState};
use crate::errno::Errno;
use crate::kernel::Kernel;
use crate::netns::NetRef;
use crate::skbuff::SkBuff;
use crate::softirq::{KsoftirqdState, Softirq, SoftirqAction, SoftirqHandlers, SoftirqRun};
use crate::tables::{NetCx, ProtoSpec};

/// `NAPI_POLL_WEIGHT`: the weight `netif_napi_add` gives, and the most
/// `netif_napi_add_weight` accepts without complaint.
pub const NAPI_POLL_WEIGHT: usize = 64;

/// `NAPIF_STATE_SCHED`: poll is scheduled (or running); its owner polls it.
pub const NAPIF_STATE_SCHED: u32 = 1 << 0;
/// `NAPIF_STATE_MISSED`: a schedule came while it was scheduled.
pub const NAPIF_STATE_MISSED: u32 = 1 << 1;
/// `NAPIF_STATE_DISABLE`: `napi_disable` is waiting for it.
pub const NAPIF_STATE_DISABLE: u32 = 1 << 2;
/// `NAPIF_STATE_NPSVC`: held with `SCHED` while disabled (Linux also sets
/// it while netpoll polls, which does not happen here).
pub const NAPIF_STATE_NPSVC: u32 = 1 << 3;
/// `NAPIF_STATE_LISTED`: added by `netif_napi_add`, not yet deleted.
pub const NAPIF_STATE_LISTED: u32 = 1 << 4;

fn lock<T: ?Sized>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A driver's NAPI poll (`napi_struct.poll`), implemented by the state it
/// polls (igb's `q_vector`: its rings). The NAPI owns that state; the
/// driver reaches it with [`NapiStruct::poll_state`].
///
/// `poll` processes at most `budget` units of work (received frames;
/// igb's TX clean-up does not count) and returns how many it did. Linux's
/// contract: a poll that did less than `budget` is done and calls
/// [`napi_complete_done`] (re-enabling its interrupt if that returns
/// true); one that used the whole budget returns `budget` and leaves the
/// NAPI alone, and `net_rx_action` polls it again.
pub trait NapiPoll<S: ProtoSpec>: Send + 'static {
    fn poll(&mut self, napi: &NapiStruct<S>, cx: &NapiCx<'_, S>, budget: usize) -> usize;
}

/// What a poll runs in: the kernel and the CPU whose softirq polls it.
pub struct NapiCx<'k, S: ProtoSpec> {
    pub kernel: &'k Kernel<S>,
    pub cpu: usize,
}

impl<S: ProtoSpec> NapiCx<'_, S> {
    /// Runs `f` in the device's namespace `net` on this CPU (its lock held),
    /// e.g. to hand a batch to [`super::netif_receive_frames`].
    pub fn with_net<R>(&self, net: &NetRef<S>, f: impl FnOnce(&mut NetCx<'_, S>) -> R) -> R {
        let mut guard = net.write();
        let mut cx = NetCx::new(self.kernel, &mut guard, self.cpu);
        f(&mut cx)
    }
}

/// `struct napi_struct`: the state bits, the weight, the device, and the
/// driver's poll state `P` (last, so an `Arc<NapiStruct<S, P>>` is also a
/// [`Napi`]).
pub struct NapiStruct<S: ProtoSpec, P: ?Sized = dyn NapiPoll<S>> {
    /// `NAPIF_STATE_*`.
    state: AtomicU32,
    weight: usize,
    /// `napi->dev`: its ifindex and name.
    ifindex: i32,
    dev_name: String,
    /// `!list_empty(&n->poll_list)`: on a CPU's poll list (or on the list
    /// `net_rx_action` took from one).
    on_list: AtomicBool,
    /// `netdev_err_once` / `pr_warn_once` of `__napi_poll`.
    warned_over_budget: AtomicBool,
    warned_rescheduled: AtomicBool,
    /// This NAPI as the poll list holds it.
    me: Weak<NapiStruct<S>>,
    poll: Mutex<P>,
}

/// A NAPI as a poll list holds it: any driver's poll.
pub type Napi<S> = Arc<NapiStruct<S>>;

impl<S: ProtoSpec, P: ?Sized> NapiStruct<S, P> {
    /// `n->state`: the `NAPIF_STATE_*` bits.
    pub fn state(&self) -> u32 {
        self.state.load(Ordering::SeqCst)
    }

    /// `n->weight`: the budget each poll gets.
    pub fn weight(&self) -> usize {
        self.weight
    }

    /// `n->dev->ifindex`.
    pub fn ifindex(&self) -> i32 {
        self.ifindex
    }

    /// `n->dev->name`.
    pub fn dev_name(&self) -> &str {
        &self.dev_name
    }

    /// The driver's poll state, locked: uncontended while the softirq is
    /// not polling it. The poll itself already has it (`&mut self`) and
    /// must not call this (the lock is held across the poll).
    pub fn poll_state(&self) -> MutexGuard<'_, P> {
        lock(&self.poll)
    }

    /// This NAPI as a poll list holds it.
    pub fn napi(&self) -> Option<Napi<S>> {
        self.me.upgrade()
    }

    fn test(&self, bits: u32) -> bool {
        self.state() & bits != 0
    }

    /// `cmpxchg` loop: `f(old)` is the new state, or `None` to leave it.
    /// Returns the state it saw last.
    fn update(&self, f: impl FnMut(u32) -> Option<u32>) -> u32 {
        match self.state.fetch_update(Ordering::SeqCst, Ordering::SeqCst, f) {
            Ok(v) | Err(v) => v,
        }
    }
}

/// `netif_napi_add(dev, napi, poll)` (Linux 6.1's signature; 6.0's passed
/// `NAPI_POLL_WEIGHT` as its fourth argument): [`netif_napi_add_weight`]
/// with weight [`NAPI_POLL_WEIGHT`].
pub fn netif_napi_add<S: DevSpec, P: NapiPoll<S>>(
    k: &mut Kernel<S>,
    dev: &NetDevice,
    poll: P,
) -> Result<Arc<NapiStruct<S, P>>, Errno> {
    netif_napi_add_weight(k, dev, poll, NAPI_POLL_WEIGHT)
}

/// `netif_napi_add_weight(dev, napi, poll, weight)`: a NAPI for `dev`
/// polling `poll` with `weight`, `LISTED` and disabled (`SCHED` and
/// `NPSVC` held) until [`napi_enable`]. A weight past
/// [`NAPI_POLL_WEIGHT`] is accepted with Linux's `netdev_err_once`:
/// "`dev`: netif_napi_add_weight() called with weight `weight`", printed
/// once per kernel. A weight of 0 is `EINVAL` here (Linux accepts it, and
/// `net_rx_action` would repoll such a NAPI until its time limit);
/// `ENOENT` before `net_dev_init`.
pub fn netif_napi_add_weight<S: DevSpec, P: NapiPoll<S>>(
    k: &mut Kernel<S>,
    dev: &NetDevice,
    poll: P,
    weight: usize,
) -> Result<Arc<NapiStruct<S, P>>, Errno> {
    let sd = k.get_mut::<SoftnetDataState<S>>()?;
    if weight == 0 {
        return Err(Errno::EINVAL);
    }
    if weight > NAPI_POLL_WEIGHT && !std::mem::replace(&mut sd.napi_weight_warned, true) {
        k.printk(format!("{}: netif_napi_add_weight() called with weight {weight}", dev.name));
    }
    Ok(Arc::new_cyclic(|me: &Weak<NapiStruct<S, P>>| {
        let me: Weak<NapiStruct<S>> = me.clone();
        NapiStruct {
            state: AtomicU32::new(NAPIF_STATE_SCHED | NAPIF_STATE_NPSVC | NAPIF_STATE_LISTED),
            weight,
            ifindex: dev.ifindex,
            dev_name: dev.name.clone(),
            on_list: AtomicBool::new(false),
            warned_over_budget: AtomicBool::new(false),
            warned_rescheduled: AtomicBool::new(false),
            me,
            poll: Mutex::new(poll),
        }
    }))
}

/// `__netif_napi_del(napi)`: clears `LISTED`; whether it was listed. The
/// NAPI must be disabled first (drivers call `napi_disable` before it):
/// `EBUSY` otherwise. A deleted NAPI cannot be enabled again.
pub fn netif_napi_del<S: ProtoSpec, P: ?Sized>(n: &NapiStruct<S, P>) -> Result<bool, Errno> {
    let disabled = NAPIF_STATE_SCHED | NAPIF_STATE_NPSVC;
    let mut busy = false;
    let old = n.update(|v| {
        busy = v & disabled != disabled;
        (!busy && v & NAPIF_STATE_LISTED != 0).then_some(v & !NAPIF_STATE_LISTED)
    });
    if busy {
        return Err(Errno::EBUSY);
    }
    Ok(old & NAPIF_STATE_LISTED != 0)
}

/// `napi_enable(n)`: releases `SCHED` and `NPSVC`, so `napi_schedule` may
/// take it. Linux `BUG_ON`s a NAPI that is not disabled; here that is
/// `EINVAL`, as is a deleted NAPI.
pub fn napi_enable<S: ProtoSpec, P: ?Sized>(n: &NapiStruct<S, P>) -> Result<(), Errno> {
    let mut ok = false;
    n.update(|v| {
        ok = v & NAPIF_STATE_SCHED != 0 && v & NAPIF_STATE_LISTED != 0;
        ok.then_some(v & !(NAPIF_STATE_SCHED | NAPIF_STATE_NPSVC))
    });
    if ok {
        Ok(())
    } else {
        Err(Errno::EINVAL)
    }
}

/// `napi_disable(n)`: sets `DISABLE` (no new schedule succeeds), waits
/// until the NAPI is not scheduled — its poll ends, by completing or by
/// `__napi_poll` completing it because a disable is pending — then holds
/// `SCHED` and `NPSVC` itself and clears `DISABLE`. It sleeps between
/// checks (`usleep_range(20, 200)`), so the softirq of the CPU the NAPI is
/// scheduled on must run meanwhile, as in Linux. `EALREADY` for a NAPI
/// already disabled (Linux would wait forever).
pub fn napi_disable<S: ProtoSpec, P: ?Sized>(n: &NapiStruct<S, P>) -> Result<(), Errno> {
    let held = NAPIF_STATE_SCHED | NAPIF_STATE_NPSVC;
    if n.state() & held == held {
        return Err(Errno::EALREADY);
    }
    n.state.fetch_or(NAPIF_STATE_DISABLE, Ordering::SeqCst);
    loop {
        let mut free = false;
        n.update(|v| {
            free = v & held == 0;
            free.then_some(v | held)
        });
        if free {
            break;
        }
        std::thread::sleep(std::time::Duration::from_micros(20));
    }
    n.state.fetch_and(!NAPIF_STATE_DISABLE, Ordering::SeqCst);
    Ok(())
}

/// `napi_schedule_prep(n)`: test-and-set of `SCHED`. False if a disable is
/// pending, or if it was scheduled already, in which case `MISSED` is set
/// so the poll that owns it runs once more.
pub fn napi_schedule_prep<S: ProtoSpec, P: ?Sized>(n: &NapiStruct<S, P>) -> bool {
    let mut disabled = false;
    let old = n.update(|v| {
        disabled = v & NAPIF_STATE_DISABLE != 0;
        if disabled {
            return None;
        }
        let missed = if v & NAPIF_STATE_SCHED != 0 { NAPIF_STATE_MISSED } else { 0 };
        Some(v | NAPIF_STATE_SCHED | missed)
    });
    !disabled && old & NAPIF_STATE_SCHED == 0
}

/// `____napi_schedule(sd, napi)` for `cpu`: `list_add_tail` on its poll
/// list and `__raise_softirq_irqoff(NET_RX_SOFTIRQ)`.
fn ____napi_schedule<S: DevSpec, P: ?Sized>(k: &Kernel<S>, cpu: usize, n: &NapiStruct<S, P>) -> Result<(), Errno> {
    let sd = k.get::<SoftnetDataState<S>>()?.per_cpu.get(cpu).ok_or(Errno::EINVAL)?;
    let napi = n.napi().ok_or(Errno::ENOENT)?;
    {
        let mut list = lock(&sd.poll_list);
        n.on_list.store(true, Ordering::SeqCst);
        list.push_back(napi);
    }
    k.get::<KsoftirqdState>()?.__raise_softirq_irqoff(cpu, Softirq::NetRx)
}

/// `__napi_schedule(n)` on `cpu`: puts a NAPI whose `SCHED` the caller
/// holds on `cpu`'s poll list and raises NET_RX there.
pub fn __napi_schedule<S: DevSpec, P: ?Sized>(k: &Kernel<S>, cpu: usize, n: &NapiStruct<S, P>) -> Result<(), Errno> {
    ____napi_schedule(k, cpu, n)
}

/// `napi_schedule(n)` on `cpu` (what a driver's interrupt handler calls,
/// as igb's `igb_msix_ring` does): if [`napi_schedule_prep`] takes `SCHED`,
/// the NAPI goes on `cpu`'s poll list and NET_RX is raised; whether it
/// did. Scheduling a NAPI already scheduled sets `MISSED` and returns
/// false, and the schedule is not lost: the running poll's
/// [`napi_complete_done`] sees `MISSED` and polls once more. `EINVAL` for
/// a CPU that does not exist (checked first, so `SCHED` is not taken).
pub fn napi_schedule<S: DevSpec, P: ?Sized>(k: &Kernel<S>, cpu: usize, n: &NapiStruct<S, P>) -> Result<bool, Errno> {
    k.get::<SoftnetDataState<S>>()?.per_cpu.get(cpu).ok_or(Errno::EINVAL)?;
    k.get::<KsoftirqdState>()?;
    if !napi_schedule_prep(n) {
        return Ok(false);
    }
    ____napi_schedule(k, cpu, n)?;
    Ok(true)
}

/// `napi_complete_done(n, work_done)` on `cpu`: the poll is done. Clears
/// `SCHED` and `MISSED` and returns true (the driver re-enables its
/// interrupt) — unless `MISSED` was set: then `SCHED` stays, the NAPI goes
/// back on the poll list for exactly one more poll, and it returns false.
/// Also false, changing nothing, while netpoll or a disable holds it
/// (`NPSVC`), and — a check Linux leaves to drivers ("drivers must not
/// modify the NAPI state if they consume the entire weight") — when
/// `work_done` is the whole weight: `net_rx_action` still owns the NAPI
/// and polls it again. `work_done` otherwise matters to Linux only for
/// `gro_flush_timeout` and `napi_defer_hard_irqs`, which do not exist here.
pub fn napi_complete_done<S: DevSpec, P: ?Sized>(
    k: &Kernel<S>,
    cpu: usize,
    n: &NapiStruct<S, P>,
    work_done: usize,
) -> bool {
    if n.test(NAPIF_STATE_NPSVC) || work_done >= n.weight {
        return false;
    }
    if n.on_list.load(Ordering::SeqCst) {
        // Completed from outside its poll while listed: list_del_init.
        if let Ok(sd) = k.get::<SoftnetDataState<S>>() {
            for c in &sd.per_cpu {
                let mut list = lock(&c.poll_list);
                let before = list.len();
                list.retain(|m| !std::ptr::addr_eq(Arc::as_ptr(m), n as *const NapiStruct<S, P>));
                if list.len() != before {
                    n.on_list.store(false, Ordering::SeqCst);
                    break;
                }
            }
        }
    }
    let old = n.update(|v| {
        let mut new = v & !(NAPIF_STATE_MISSED | NAPIF_STATE_SCHED);
        if v & NAPIF_STATE_MISSED != 0 {
            new |= NAPIF_STATE_SCHED;
        }
        Some(new)
    });
    if old & NAPIF_STATE_MISSED != 0 {
        // SCHED is still ours: the one more poll. A CPU that does not exist
        // cannot be the one polling, so this cannot fail for a real poll.
        let _ = ____napi_schedule(k, cpu, n);
        return false;
    }
    true
}

/// `napi_complete(n)`: `napi_complete_done(n, 0)`.
pub fn napi_complete<S: DevSpec, P: ?Sized>(k: &Kernel<S>, cpu: usize, n: &NapiStruct<S, P>) -> bool {
    napi_complete_done(k, cpu, n, 0)
}

/// `__napi_poll(n, &repoll)`: polls a scheduled NAPI with its weight and
/// says whether to poll it again (it used the whole weight and nothing
/// else claims it).
fn __napi_poll<S: DevSpec>(cx: &NapiCx<'_, S>, n: &NapiStruct<S>, log: &Mutex<Vec<String>>) -> (usize, bool) {
    let weight = n.weight;
    // Only the owner of SCHED polls.
    let work = if n.test(NAPIF_STATE_SCHED) { lock(&n.poll).poll(n, cx, weight) } else { 0 };
    if work > weight && !n.warned_over_budget.swap(true, Ordering::SeqCst) {
        lock(log)
            .push(format!("{}: NAPI poll function returned {work}, exceeding its budget of {weight}.", n.dev_name));
    }
    if work < weight {
        return (work, false);
    }
    // Drivers must not modify the NAPI state if they consume the entire
    // weight: net_rx_action still owns it.
    if n.test(NAPIF_STATE_DISABLE) {
        napi_complete(cx.kernel, cx.cpu, n);
        return (work, false);
    }
    if !n.test(NAPIF_STATE_SCHED) {
        // The driver completed it anyway; it is no longer ours to repoll.
        return (work, false);
    }
    if n.on_list.load(Ordering::SeqCst) {
        if !n.warned_rescheduled.swap(true, Ordering::SeqCst) {
            lock(log).push(format!("{}: Budget exhausted after napi rescheduled", n.dev_name));
        }
        return (work, false);
    }
    (work, true)
}

/// `napi_poll(n, &repoll)`: takes `n` off the list it is on, polls it,
/// and puts it on `repoll` if it used its whole weight.
fn napi_poll<S: DevSpec>(
    cx: &NapiCx<'_, S>,
    n: Napi<S>,
    repoll: &mut VecDeque<Napi<S>>,
    log: &Mutex<Vec<String>>,
) -> usize {
    n.on_list.store(false, Ordering::SeqCst);
    let (work, again) = __napi_poll(cx, &n, log);
    if again {
        n.on_list.store(true, Ordering::SeqCst);
        repoll.push_back(n);
    }
    work
}

/// `net_rx_action` (the NET_RX softirq handler) on `cpu`: takes the CPU's
/// poll list and polls each NAPI in order with its weight, under one
/// budget for all of them: `netdev_budget` (300) units of work and
/// `netdev_budget_usecs` (2000 µs on the softirq clock). When either runs
/// out with NAPIs left, it counts `time_squeeze` and stops. A NAPI that
/// used its whole weight is not completed but requeued at the tail, after
/// those not yet polled and those scheduled meanwhile (round robin); if
/// any NAPI is left, NET_RX is raised again.
///
/// Budget is checked after each poll, as in Linux, so the last poll may
/// take it below zero: six NAPIs of weight 64 that always have work get
/// five polls (320 units) a run. It is the handler `__do_softirq` runs
/// (through [`NetSoftirqs`]) with `cpu`'s softirqs held.
pub fn net_rx_action<S: DevSpec>(k: &Kernel<S>, cpu: usize) {
    let (Ok(sds), Ok(softirq)) = (k.get::<SoftnetDataState<S>>(), k.get::<KsoftirqdState>()) else { return };
    let Some(sd) = sds.per_cpu.get(cpu) else { return };
    let clock = softirq.clock();
    let usecs = u64::try_from(sds.netdev_budget_usecs).unwrap_or(0);
    let time_limit = clock.now_ns().saturating_add(usecs.saturating_mul(1000));
    let mut budget = i64::from(sds.netdev_budget);
    let mut list = std::mem::take(&mut *lock(&sd.poll_list));
    let mut repoll = VecDeque::new();
    let cx = NapiCx { kernel: k, cpu };
    loop {
        let Some(n) = list.pop_front() else {
            if repoll.is_empty() {
                return;
            }
            break;
        };
        let work = napi_poll(&cx, n, &mut repoll, &sds.log);
        budget = budget.saturating_sub(i64::try_from(work).unwrap_or(i64::MAX));
        if budget <= 0 || clock.now_ns() >= time_limit {
            sd.time_squeeze.fetch_add(1, Ordering::SeqCst);
            break;
        }
    }
    let mut poll_list = lock(&sd.poll_list);
    // list_splice_tail_init(&sd->poll_list, &list); list_splice_tail(&repoll, &list);
    // list_splice(&list, &sd->poll_list);
    list.extend(poll_list.drain(..));
    list.extend(repoll);
    *poll_list = list;
    if !poll_list.is_empty() {
        drop(poll_list);
        // The CPU exists: its softnet_data does.
        let _ = softirq.__raise_softirq_irqoff(cpu, Softirq::NetRx);
    }
}

/// `dev_kfree_skb_irq(skb)` on `cpu`: a buffer freed from interrupt
/// context waits on the CPU's `completion_queue` for `net_tx_action`,
/// and NET_TX is raised (`raise_softirq_irqoff`).
pub fn dev_kfree_skb_irq<S: DevSpec>(k: &Kernel<S>, cpu: usize, skb: SkBuff) -> Result<(), Errno> {
    let sd = k.get::<SoftnetDataState<S>>()?.per_cpu.get(cpu).ok_or(Errno::EINVAL)?;
    lock(&sd.completion_queue).push(skb);
    k.get::<KsoftirqdState>()?.raise_softirq(cpu, Softirq::NetTx)
}

/// `net_tx_action` (the NET_TX softirq handler) on `cpu`: frees the
/// buffers on the CPU's `completion_queue`. Its other half, running the
/// qdiscs on `output_queue`, has nothing to run: no device here has a
/// qdisc (`dev_queue_xmit` hands frames straight to the driver).
pub fn net_tx_action<S: DevSpec>(k: &Kernel<S>, cpu: usize) {
    let Some(sd) = k.get::<SoftnetDataState<S>>().ok().and_then(|s| s.per_cpu.get(cpu)) else { return };
    let freed = std::mem::take(&mut *lock(&sd.completion_queue));
    drop(freed);
}

/// The handlers of the softirqs `net_dev_init` opens, for
/// [`KsoftirqdState::__do_softirq`] and friends: `net_rx_action` and
/// `net_tx_action`. The tasklet vectors have no tasklet to run (nothing
/// here calls `tasklet_schedule`), and a vector opened by name outside
/// this crate ([`SoftirqAction::Other`]) has no function here to call.
pub struct NetSoftirqs<'k, S: DevSpec> {
    k: &'k Kernel<S>,
}

impl<'k, S: DevSpec> NetSoftirqs<'k, S> {
    pub fn new(k: &'k Kernel<S>) -> Self {
        NetSoftirqs { k }
    }

    /// `do_softirq()` on `cpu` with these handlers.
    pub fn do_softirq(&self, cpu: usize) -> Result<SoftirqRun, Errno> {
        self.k.get::<KsoftirqdState>()?.do_softirq(cpu, self)
    }

    /// `irq_exit()` on `cpu` with these handlers (after
    /// [`KsoftirqdState::irq_enter`]).
    pub fn irq_exit(&self, cpu: usize) -> Result<SoftirqRun, Errno> {
        self.k.get::<KsoftirqdState>()?.irq_exit(cpu, self)
    }

    /// One turn of `ksoftirqd/cpu` with these handlers.
    pub fn ksoftirqd_run_once(&self, cpu: usize) -> Result<bool, Errno> {
        self.k.get::<KsoftirqdState>()?.ksoftirqd_run_once(cpu, self)
    }
}

impl<S: DevSpec> SoftirqHandlers for NetSoftirqs<'_, S> {
    fn run(&self, cpu: usize, _nr: Softirq, action: SoftirqAction) {
        match action {
            SoftirqAction::NetRxAction => net_rx_action(self.k, cpu),
            SoftirqAction::NetTxAction => net_tx_action(self.k, cpu),
            SoftirqAction::TaskletAction | SoftirqAction::TaskletHiAction | SoftirqAction::Other(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dev::{netif_receive_frames, NetDevTables, Softnet};
    use crate::softirq::ManualClock;
    use crate::testspec::{boot, TestSpec as T};

    type Log = Arc<Mutex<Vec<usize>>>;

    fn eth0() -> NetDevice {
        NetDevice::ether("eth0", [2, 0, 0, 0, 0, 0xb])
    }

    /// A poll with a script: the work each poll returns (then its last
    /// value forever). A poll that does less than the budget completes,
    /// as a driver does. Logs `id` at every poll.
    struct Scripted {
        id: usize,
        log: Log,
        script: Vec<usize>,
        polls: usize,
        /// `napi_complete_done`'s answers.
        completed: Arc<Mutex<Vec<bool>>>,
        /// Advances the softirq clock this much every poll.
        tick: Option<(Arc<ManualClock>, u64)>,
    }

    impl Scripted {
        fn new(id: usize, log: &Log, script: &[usize]) -> Self {
            Scripted { id, log: log.clone(), script: script.to_vec(), polls: 0, completed: Arc::default(), tick: None }
        }
    }

    impl NapiPoll<T> for Scripted {
        fn poll(&mut self, napi: &NapiStruct<T>, cx: &NapiCx<'_, T>, budget: usize) -> usize {
            lock(&self.log).push(self.id);
            if let Some((clock, ns)) = &self.tick {
                clock.advance(*ns);
            }
            let work = self.script.get(self.polls).or(self.script.last()).copied().unwrap_or(0).min(budget);
            self.polls += 1;
            if work < budget {
                let done = napi_complete_done(cx.kernel, cx.cpu, napi, work);
                lock(&self.completed).push(done);
            }
            work
        }
    }

    /// `n` enabled NAPIs of weight 64 on a booted test kernel, each
    /// returning `script`, scheduled on CPU 0 in order.
    fn napis(n: usize, script: &[usize]) -> (crate::testspec::Stack, Vec<Arc<NapiStruct<T, Scripted>>>, Log) {
        let mut st = boot();
        let log = Log::default();
        let napis: Vec<_> = (0..n)
            .map(|id| {
                let napi = netif_napi_add(&mut st.k, &eth0(), Scripted::new(id, &log, script)).unwrap();
                napi_enable(&*napi).unwrap();
                napi
            })
            .collect();
        for napi in &napis {
            assert_eq!(napi_schedule(&st.k, 0, &**napi), Ok(true));
        }
        (st, napis, log)
    }

    fn softnet(k: &Kernel<T>, cpu: usize) -> &Softnet<T> {
        &k.get::<SoftnetDataState<T>>().unwrap().per_cpu[cpu]
    }

    fn softirqs(k: &Kernel<T>) -> &KsoftirqdState {
        k.get::<KsoftirqdState>().unwrap()
    }

    /// `net_rx_action`: six NAPIs that always have work (each poll returns
    /// its weight, 64) share `netdev_budget` 300. The budget is checked
    /// after each poll, so a run polls five of them (320 > 300), counts
    /// `time_squeeze`, and requeues the polled ones at the tail behind the
    /// one it did not reach: across six runs each NAPI gets five polls,
    /// in round robin, and NET_RX is raised again after each run.
    #[test]
    fn net_rx_action_six_busy_napis_get_five_polls_a_run_round_robin() {
        let (st, napis, log) = napis(6, &[64]);
        let mut runs = Vec::new();
        for _ in 0..6 {
            lock(&log).clear();
            net_rx_action(&st.k, 0);
            runs.push(lock(&log).clone());
            assert_eq!(softirqs(&st.k).pending(0), 1 << Softirq::NetRx.nr());
        }
        assert_eq!(
            runs,
            [[0, 1, 2, 3, 4], [5, 0, 1, 2, 3], [4, 5, 0, 1, 2], [3, 4, 5, 0, 1], [2, 3, 4, 5, 0], [1, 2, 3, 4, 5]]
        );
        for napi in &napis {
            assert_eq!(napi.poll_state().polls, 5);
            assert!(napi.test(NAPIF_STATE_SCHED), "never completed");
        }
        assert_eq!(softnet(&st.k, 0).time_squeeze(), 6);
        assert_eq!(softnet(&st.k, 0).poll_list_len(), 6);
        assert_eq!(softnet(&st.k, 1).poll_list_len(), 0, "per-CPU lists");
    }

    /// `__napi_poll`: a poll that returns its weight is not completed
    /// (`SCHED` stays, it is requeued and polled again), and a driver's
    /// `napi_complete_done` with the whole weight changes nothing. The
    /// poll that does less completes it, and the softirq is done.
    #[test]
    fn napi_poll_returning_the_weight_is_not_completed() {
        let (st, napis, log) = napis(1, &[64, 64, 10]);
        let napi = &napis[0];
        assert!(!napi_complete_done(&st.k, 0, &**napi, 64), "the whole weight: not completed");
        assert!(napi.test(NAPIF_STATE_SCHED));
        net_rx_action(&st.k, 0);
        assert!(napi.test(NAPIF_STATE_SCHED) && softnet(&st.k, 0).poll_list_len() == 1, "requeued");
        assert_eq!(softnet(&st.k, 0).time_squeeze(), 0, "the budget did not run out");
        let run = NetSoftirqs::new(&st.k).do_softirq(0).unwrap();
        assert_eq!(run, SoftirqRun { passes: 2, woke_ksoftirqd: false });
        assert_eq!(*lock(&log), [0, 0, 0]);
        assert_eq!(*lock(&napi.poll_state().completed), [true]);
        assert_eq!(napi.state(), NAPIF_STATE_LISTED, "enabled and idle");
        assert_eq!((softirqs(&st.k).pending(0), softnet(&st.k, 0).poll_list_len()), (0, 0));
    }

    /// A poll that schedules its own NAPI (an interrupt arriving while it
    /// polls, as `igb_msix_ring` would): `napi_schedule` finds `SCHED` set,
    /// sets `MISSED` and returns false; `napi_complete_done` then returns
    /// false and keeps `SCHED`, and there is exactly one more poll, which
    /// completes.
    #[test]
    fn napi_schedule_during_poll_is_not_lost() {
        struct Interrupted {
            polls: usize,
            seen: Vec<(bool, u32, bool)>,
        }
        impl NapiPoll<T> for Interrupted {
            fn poll(&mut self, napi: &NapiStruct<T>, cx: &NapiCx<'_, T>, budget: usize) -> usize {
                self.polls += 1;
                let rescheduled = if self.polls == 1 { napi_schedule(cx.kernel, cx.cpu, napi).unwrap() } else { false };
                let state = napi.state();
                let done = napi_complete_done(cx.kernel, cx.cpu, napi, 1);
                self.seen.push((rescheduled, state & NAPIF_STATE_MISSED, done));
                1.min(budget)
            }
        }
        let mut st = boot();
        let napi = netif_napi_add(&mut st.k, &eth0(), Interrupted { polls: 0, seen: Vec::new() }).unwrap();
        napi_enable(&*napi).unwrap();
        softirqs(&st.k).irq_enter(0).unwrap();
        assert_eq!(napi_schedule(&st.k, 0, &*napi), Ok(true));
        let run = NetSoftirqs::new(&st.k).irq_exit(0).unwrap();
        assert_eq!(run, SoftirqRun { passes: 2, woke_ksoftirqd: false }, "the missed poll is a restart");
        let p = napi.poll_state();
        assert_eq!(p.polls, 2, "exactly one more poll");
        assert_eq!(p.seen, [(false, NAPIF_STATE_MISSED, false), (false, 0, true)]);
        assert_eq!(napi.state(), NAPIF_STATE_LISTED);
    }

    /// `__do_softirq` over `net_rx_action`: with work that never ends, NET_RX
    /// runs ten times (the first pass and nine restarts); the eleventh run
    /// is ksoftirqd's, which `wakeup_softirqd` wakes and which polls when
    /// it runs. Meanwhile `do_softirq` leaves the work to it.
    #[test]
    fn eleventh_net_rx_run_goes_to_ksoftirqd() {
        let (st, _napis, log) = napis(6, &[64]);
        let net = NetSoftirqs::new(&st.k);
        let run = net.do_softirq(0).unwrap();
        assert_eq!(run, SoftirqRun { passes: 10, woke_ksoftirqd: true });
        assert_eq!(lock(&log).len(), 50, "five polls a run");
        assert_eq!(softirqs(&st.k).kstat_softirqs_cpu(Softirq::NetRx, 0), 10);
        let t = &softirqs(&st.k).threads()[0];
        assert!(t.is_running() && t.wakeups() == 1);
        assert_eq!(net.do_softirq(0).unwrap().passes, 0, "ksoftirqd_running");
        assert!(net.ksoftirqd_run_once(0).unwrap());
        assert_eq!(lock(&log).len(), 100);
        assert_eq!(softnet(&st.k, 0).time_squeeze(), 20);
    }

    /// `net_rx_action`'s `netdev_budget_usecs`: polls that take 1 ms each
    /// stop after 2 ms although budget is left, counting `time_squeeze`;
    /// `__do_softirq`'s own 2 ms are then gone too, so ksoftirqd gets
    /// NET_RX.
    #[test]
    fn net_rx_action_time_limit_counts_time_squeeze() {
        let mut st = boot();
        let clock = ManualClock::new();
        st.k.get_mut::<KsoftirqdState>().unwrap().set_clock(clock.clone());
        st.k.get_mut::<SoftnetDataState<T>>().unwrap().netdev_budget = 100_000;
        let log = Log::default();
        let napis: Vec<_> = (0..4)
            .map(|id| {
                let mut poll = Scripted::new(id, &log, &[64]);
                poll.tick = Some((clock.clone(), 1_000_000));
                let napi = netif_napi_add(&mut st.k, &eth0(), poll).unwrap();
                napi_enable(&*napi).unwrap();
                napi_schedule(&st.k, 0, &*napi).unwrap();
                napi
            })
            .collect();
        let run = NetSoftirqs::new(&st.k).do_softirq(0).unwrap();
        assert_eq!(*lock(&log), [0, 1]);
        assert_eq!(softnet(&st.k, 0).time_squeeze(), 1);
        assert_eq!(run, SoftirqRun { passes: 1, woke_ksoftirqd: true });
        assert_eq!(softnet(&st.k, 0).poll_list_len(), napis.len());
    }

    /// `netif_napi_add_weight`: a weight past `NAPI_POLL_WEIGHT` is taken
    /// with `netdev_err_once`'s message, printed once; 64 is quiet.
    #[test]
    fn netif_napi_add_weight_past_64_warns_once() {
        let mut st = boot();
        let log = Log::default();
        let before = st.k.log().len();
        let napi = netif_napi_add(&mut st.k, &eth0(), Scripted::new(0, &log, &[0])).unwrap();
        assert_eq!((napi.weight(), st.k.log().len()), (NAPI_POLL_WEIGHT, before));
        let napi = netif_napi_add_weight(&mut st.k, &eth0(), Scripted::new(1, &log, &[0]), 128).unwrap();
        assert_eq!(napi.weight(), 128);
        assert_eq!(st.k.log()[before..], ["eth0: netif_napi_add_weight() called with weight 128"]);
        netif_napi_add_weight(&mut st.k, &eth0(), Scripted::new(2, &log, &[0]), 65).unwrap();
        assert_eq!(st.k.log().len(), before + 1, "once");
        let zero = netif_napi_add_weight(&mut st.k, &eth0(), Scripted::new(3, &log, &[0]), 0);
        assert_eq!(zero.err(), Some(Errno::EINVAL));
    }

    /// A poll returning more than its weight (`__napi_poll`'s
    /// `netdev_err_once`) is reported once; like any poll that used its
    /// weight, it is polled again.
    #[test]
    fn napi_poll_over_budget_is_reported() {
        struct Greedy;
        impl NapiPoll<T> for Greedy {
            fn poll(&mut self, _: &NapiStruct<T>, _: &NapiCx<'_, T>, budget: usize) -> usize {
                budget + 36
            }
        }
        let mut st = boot();
        let greedy = netif_napi_add(&mut st.k, &eth0(), Greedy).unwrap();
        napi_enable(&*greedy).unwrap();
        napi_schedule(&st.k, 0, &*greedy).unwrap();
        for _ in 0..3 {
            net_rx_action(&st.k, 0);
        }
        let sd = st.k.get::<SoftnetDataState<T>>().unwrap();
        assert_eq!(sd.softirq_log(), ["eth0: NAPI poll function returned 100, exceeding its budget of 64."]);
    }

    /// `napi_enable`/`napi_disable`: a NAPI is disabled until enabled (no
    /// schedule takes it); a disable waits for the running poll cycle,
    /// which `__napi_poll` ends because a disable is pending; then no
    /// schedule succeeds; `netif_napi_del` wants it disabled.
    #[test]
    fn napi_enable_and_disable() {
        let mut st = boot();
        let log = Log::default();
        let napi = netif_napi_add(&mut st.k, &eth0(), Scripted::new(0, &log, &[64])).unwrap();
        assert_eq!(napi_schedule(&st.k, 0, &*napi), Ok(false), "disabled until napi_enable");
        assert_eq!(netif_napi_del(&*napi), Ok(true), "a new NAPI is disabled: it may be deleted");
        let napi = netif_napi_add(&mut st.k, &eth0(), Scripted::new(0, &log, &[64])).unwrap();
        napi_enable(&*napi).unwrap();
        assert_eq!(napi_enable(&*napi), Err(Errno::EINVAL), "BUG_ON: not disabled");
        assert_eq!(netif_napi_del(&*napi), Err(Errno::EBUSY));
        assert_eq!(napi_schedule(&st.k, 5, &*napi), Err(Errno::EINVAL), "no CPU 5");
        assert_eq!(napi.state(), NAPIF_STATE_LISTED, "a failed schedule takes nothing");
        assert_eq!(napi_schedule(&st.k, 0, &*napi), Ok(true));
        assert_eq!(napi_schedule(&st.k, 0, &*napi), Ok(false));
        assert!(napi.test(NAPIF_STATE_MISSED));
        let k = &st.k;
        std::thread::scope(|s| {
            let disabler = s.spawn(|| napi_disable(&*napi));
            while !napi.test(NAPIF_STATE_DISABLE) {
                std::thread::yield_now();
            }
            assert_eq!(napi_schedule(k, 0, &*napi), Ok(false), "a disable is pending");
            // The poll uses its whole weight, but a disable is pending:
            // __napi_poll completes it (MISSED makes it one more poll).
            while !disabler.is_finished() {
                net_rx_action(k, 0);
                std::thread::yield_now();
            }
            assert_eq!(disabler.join().ok(), Some(Ok(())));
        });
        assert_eq!(napi.state(), NAPIF_STATE_SCHED | NAPIF_STATE_NPSVC | NAPIF_STATE_LISTED);
        assert_eq!(napi_schedule(&st.k, 0, &*napi), Ok(false));
        assert_eq!(napi_disable(&*napi), Err(Errno::EALREADY));
        assert_eq!(netif_napi_del(&*napi), Ok(true));
        assert_eq!(netif_napi_del(&*napi), Ok(false));
        assert_eq!(napi_enable(&*napi), Err(Errno::EINVAL), "deleted");
    }

    /// `dev_kfree_skb_irq` queues on the CPU's completion queue and raises
    /// NET_TX; `net_tx_action`, run by the ksoftirqd the raise woke, frees it.
    #[test]
    fn net_tx_action_frees_the_completion_queue() {
        let st = boot();
        dev_kfree_skb_irq(&st.k, 1, SkBuff::from_frame(&[0; 60], 0)).unwrap();
        assert_eq!(softnet(&st.k, 1).completion_queue_len(), 1);
        assert_eq!(softirqs(&st.k).pending(1), 1 << Softirq::NetTx.nr());
        assert!(softirqs(&st.k).threads()[1].is_running(), "raised outside interrupt: ksoftirqd woken");
        assert!(NetSoftirqs::new(&st.k).ksoftirqd_run_once(1).unwrap());
        assert_eq!(softnet(&st.k, 1).completion_queue_len(), 0);
        assert_eq!(softirqs(&st.k).kstat_softirqs_cpu(Softirq::NetTx, 1), 1);
    }

    /// net.core.netdev_budget and netdev_budget_usecs read through
    /// /proc/sys what `net_rx_action` uses.
    #[test]
    fn netdev_budget_sysctls() {
        let mut st = boot();
        let init = st.ns.init_net();
        let read = |k: &Kernel<T>, name| crate::sysctl::proc_sys_net_core(k, &init.read(), name);
        assert_eq!((read(&st.k, "netdev_budget"), read(&st.k, "netdev_budget_usecs")), (Ok(300), Ok(2000)));
        st.k.get_mut::<SoftnetDataState<T>>().unwrap().netdev_budget_usecs = 8000;
        assert_eq!(read(&st.k, "netdev_budget_usecs"), Ok(8000));
    }

    // ---- the receive path driven from a NAPI poll --------------------------

    /// A driver's queue as far as the stack sees it: frames its hardware
    /// wrote, the namespace and device they belong to. Its poll is what
    /// igb's `igb_poll` → `igb_clean_rx_irq` does: up to `budget` frames off
    /// the ring, handed to the stack as one batch, then complete if the
    /// ring ran dry.
    struct Ring {
        frames: Arc<Mutex<VecDeque<SkBuff>>>,
        net: NetRef<T>,
        ifindex: i32,
        batches: Vec<usize>,
    }

    impl NapiPoll<T> for Ring {
        fn poll(&mut self, napi: &NapiStruct<T>, cx: &NapiCx<'_, T>, budget: usize) -> usize {
            let mut batch: Vec<SkBuff> = {
                let mut ring = lock(&self.frames);
                let n = budget.min(ring.len());
                ring.drain(..n).collect()
            };
            let work = batch.len();
            self.batches.push(work);
            cx.with_net(&self.net, |ncx| netif_receive_frames(ncx, self.ifindex, &mut batch));
            if work < budget {
                napi_complete_done(cx.kernel, cx.cpu, napi, work);
            }
            work
        }
    }

    fn udp_frame(dst_mac: [u8; 6], dst: [u8; 4], dport: u16, payload: &[u8]) -> Vec<u8> {
        let src = [10, 0, 0, 1];
        let udp_len = 8 + payload.len();
        let mut f = dst_mac.to_vec();
        f.extend_from_slice(&[2, 0, 0, 0, 0, 0xa, 0x08, 0x00]);
        let mut ip = vec![0x45, 0, 0, 0, 0, 1, 0, 0, 64, 17, 0, 0];
        ip[2..4].copy_from_slice(&u16::try_from(20 + udp_len).unwrap().to_be_bytes());
        ip.extend_from_slice(&src);
        ip.extend_from_slice(&dst);
        let c = crate::checksum::ip_fast_csum(&ip);
        ip[10..12].copy_from_slice(&c.to_be_bytes());
        f.extend_from_slice(&ip);
        f.extend_from_slice(&5555u16.to_be_bytes());
        f.extend_from_slice(&dport.to_be_bytes());
        f.extend_from_slice(&u16::try_from(udp_len).unwrap().to_be_bytes());
        f.extend_from_slice(&[0, 0]); // no UDP checksum
        f.extend_from_slice(payload);
        f
    }

    /// An interrupt schedules the device's NAPI; its exit runs NET_RX,
    /// whose polls hand 100 frames in batches of the weight to
    /// `netif_receive_frames`, and a UDP socket receives all of them, in
    /// order. The poll that empties the ring completes the NAPI.
    #[test]
    fn napi_poll_delivers_to_a_udp_socket() {
        use crate::socket::syscalls::{sys_bind, sys_recvfrom, sys_socket};
        use crate::tables::SockAddr;
        use std::net::{Ipv4Addr, SocketAddrV4};
        let mac = [2, 0, 0, 0, 0, 0xb];
        let mut st = boot();
        let net = st.ns.copy_net_ns().unwrap();
        let (ifindex, fd) = st.cx(&net, |cx| {
            let t = cx.state_mut::<NetDevTables>().unwrap();
            let ext = t.register_external("eth0", mac, 64).unwrap();
            t.ip_link_set_up("eth0").unwrap();
            t.ip_addr_add("eth0", Ipv4Addr::new(10, 0, 0, 2), 24).unwrap();
            let fd = sys_socket(cx, 2, 2, 0).unwrap();
            sys_bind(cx, fd, &SockAddr::Inet(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 9))).unwrap();
            (ext.ifindex, fd)
        });
        let frames = Arc::new(Mutex::new(VecDeque::new()));
        let ring = Ring { frames: frames.clone(), net: st.ns.get_net(&net), ifindex, batches: Vec::new() };
        let napi = {
            let guard = net.read();
            let dev = guard.get::<NetDevTables>().unwrap().get_by_index(ifindex).unwrap();
            netif_napi_add(&mut st.k, dev, ring).unwrap()
        };
        assert_eq!((napi.dev_name(), napi.ifindex()), ("eth0", ifindex));
        napi_enable(&*napi).unwrap();

        for i in 0..100u32 {
            let frame = udp_frame(mac, [10, 0, 0, 2], 9, &i.to_be_bytes());
            lock(&frames).push_back(SkBuff::from_frame(&frame, ifindex));
        }
        // igb_msix_ring: the interrupt schedules the NAPI; irq_exit runs NET_RX.
        softirqs(&st.k).irq_enter(0).unwrap();
        assert_eq!(napi_schedule(&st.k, 0, &*napi), Ok(true));
        let run = NetSoftirqs::new(&st.k).irq_exit(0).unwrap();
        assert_eq!(run, SoftirqRun { passes: 2, woke_ksoftirqd: false });
        assert_eq!(napi.poll_state().batches, [64, 36]);
        assert_eq!(napi.state(), NAPIF_STATE_LISTED, "completed");

        let got: Vec<u32> = st.cx(&net, |cx| {
            let mut buf = [0u8; 64];
            std::iter::from_fn(|| {
                let (n, _) = sys_recvfrom(cx, fd, &mut buf, 0).ok()?;
                Some(u32::from_be_bytes(buf[..n].try_into().ok()?))
            })
            .collect()
        });
        assert_eq!(got, (0..100).collect::<Vec<_>>());
        let stats = st.cx(&net, |cx| cx.state::<NetDevTables>().unwrap().get_by_index(ifindex).unwrap().get_stats());
        assert_eq!(stats.rx_packets, 100);
    }
}
