//! Softirqs (kernel/softirq.c, include/linux/interrupt.h, Linux 6.0): the
//! vector of handlers `open_softirq` fills, the per-CPU pending bitmask
//! `raise_softirq` sets, `__do_softirq` running the pending handlers with
//! its restart and time limits, and the per-CPU `ksoftirqd/N` threads
//! `spawn_ksoftirqd` registers and `wakeup_softirqd` wakes.
//!
//! Everything that changes while packets flow is per-CPU and atomic (the
//! pending bits, the interrupt context, the thread's run state), so a
//! softirq is raised, run and handed off through a shared `&KsoftirqdState`
//! with no lock but the thread's own sleep/wake pair.
//!
//! This layer names handlers ([`SoftirqAction`]) but does not own them: the
//! caller of [`KsoftirqdState::do_softirq`] and friends passes the
//! [`SoftirqHandlers`] that run them (the device layer's for `NET_RX`/
//! `NET_TX`, `crate::dev::napi::NetSoftirqs`).
//!
//! A `ksoftirqd/N` thread is its `smpboot` record plus its run state. It
//! runs when something schedules it: [`KsoftirqdState::ksoftirqd_run_once`]
//! (one turn of the thread, deterministic: what tests use) or
//! [`KsoftirqdState::smpboot_thread_fn`] on an OS thread of the caller's,
//! which sleeps until [`KsoftirqdState::wakeup_softirqd`] wakes it and
//! returns after [`KsoftirqdState::kthread_stop`].
//!
//! Time is read from a [`Clock`] (monotonic by default), which tests
//! replace with a [`ManualClock`] they advance.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use crate::errno::Errno;
use crate::init::InitResult;
use crate::kernel::{HasState, Kernel};

/// Number of softirq vectors (`NR_SOFTIRQS`).
pub const NR_SOFTIRQS: usize = 10;

/// `MAX_SOFTIRQ_RESTART`: `__do_softirq` runs the pending handlers at most
/// this many times (the first pass and 9 restarts) before it hands what is
/// still pending to ksoftirqd.
pub const MAX_SOFTIRQ_RESTART: u32 = 10;

/// `MAX_SOFTIRQ_TIME` (`msecs_to_jiffies(2)`), in nanoseconds: past it
/// `__do_softirq` restarts no more.
pub const MAX_SOFTIRQ_TIME_NS: u64 = 2_000_000;

/// `SOFTIRQ_NOW_MASK`: `HI_SOFTIRQ` and `TASKLET_SOFTIRQ`, which run at
/// interrupt exit even while ksoftirqd is awake (`ksoftirqd_running`).
pub const SOFTIRQ_NOW_MASK: u32 = (1 << Softirq::Hi as u32) | (1 << Softirq::Tasklet as u32);

/// The softirq numbers, in priority order (`HI_SOFTIRQ` .. `RCU_SOFTIRQ`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Softirq {
    Hi = 0,
    Timer = 1,
    NetTx = 2,
    NetRx = 3,
    Block = 4,
    BlockIopoll = 5,
    Tasklet = 6,
    Sched = 7,
    Hrtimer = 8,
    Rcu = 9,
}

impl Softirq {
    /// Every softirq, by number.
    pub const ALL: [Softirq; NR_SOFTIRQS] = [
        Softirq::Hi,
        Softirq::Timer,
        Softirq::NetTx,
        Softirq::NetRx,
        Softirq::Block,
        Softirq::BlockIopoll,
        Softirq::Tasklet,
        Softirq::Sched,
        Softirq::Hrtimer,
        Softirq::Rcu,
    ];

    /// The vector index (`HI_SOFTIRQ` = 0).
    pub fn nr(self) -> usize {
        self as usize
    }

    /// `softirq_to_name[nr]`, as /proc/softirqs prints it.
    pub fn name(self) -> &'static str {
        ["HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "BLOCK_IOPOLL", "TASKLET", "SCHED", "HRTIMER", "RCU"][self.nr()]
    }

    /// Its bit in the pending mask.
    fn bit(self) -> u32 {
        1 << self.nr()
    }
}

/// The handler a vector runs (`softirq_action.action`), by name: the
/// [`SoftirqHandlers`] a caller passes to `__do_softirq` runs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SoftirqAction {
    /// `tasklet_hi_action`, opened by `softirq_init`.
    TaskletHiAction,
    /// `tasklet_action`, opened by `softirq_init`.
    TaskletAction,
    /// `net_tx_action` (net/core/dev.c).
    NetTxAction,
    /// `net_rx_action` (net/core/dev.c).
    NetRxAction,
    /// A handler outside this crate, by function name.
    Other(&'static str),
}

impl SoftirqAction {
    /// The C function name of the handler.
    pub fn name(self) -> &'static str {
        match self {
            SoftirqAction::TaskletHiAction => "tasklet_hi_action",
            SoftirqAction::TaskletAction => "tasklet_action",
            SoftirqAction::NetTxAction => "net_tx_action",
            SoftirqAction::NetRxAction => "net_rx_action",
            SoftirqAction::Other(name) => name,
        }
    }
}

/// What runs the handlers `__do_softirq` finds pending: `h->action(h)`.
/// The layer that owns the handlers implements it (the device layer for
/// `NET_TX`/`NET_RX`); a handler may raise softirqs again, on any CPU.
pub trait SoftirqHandlers {
    /// Runs `action`, the handler opened for `nr`, on `cpu`.
    fn run(&self, cpu: usize, nr: Softirq, action: SoftirqAction);
}

/// Where `__do_softirq` and `net_rx_action` read the time (`jiffies`,
/// `local_clock()`), in nanoseconds from any fixed start.
pub trait Clock: Send + Sync + fmt::Debug {
    fn now_ns(&self) -> u64;
}

/// The real monotonic clock: nanoseconds since it was made.
#[derive(Debug)]
pub struct MonotonicClock {
    start: Instant,
}

impl Default for MonotonicClock {
    fn default() -> Self {
        MonotonicClock { start: Instant::now() }
    }
}

impl Clock for MonotonicClock {
    fn now_ns(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

/// A clock that moves only when told to: tests install it
/// ([`KsoftirqdState::set_clock`]) and advance it from a handler or poll.
#[derive(Debug, Default)]
pub struct ManualClock {
    ns: AtomicU64,
}

impl ManualClock {
    /// A clock at 0, shared.
    pub fn new() -> Arc<ManualClock> {
        Arc::new(ManualClock::default())
    }

    /// Moves the clock `ns` nanoseconds on.
    pub fn advance(&self, ns: u64) {
        self.ns.fetch_add(ns, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ns(&self) -> u64 {
        self.ns.load(Ordering::SeqCst)
    }
}

/// `smpboot_thread_data.status` (kernel/smpboot.c).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HpThreadStatus {
    /// Created, `setup` not yet run.
    None,
    /// Running its loop.
    Active,
    /// Parked (CPU going down).
    Parked,
}

/// One CPU's softirq state: `irq_stat[cpu].__softirq_pending`, the
/// interrupt part of its `preempt_count`, and `kstat_cpu(cpu).softirqs`.
#[derive(Debug, Default)]
struct SoftirqCpu {
    /// `local_softirq_pending()`: bit `nr` set when softirq `nr` is raised.
    pending: AtomicU32,
    /// Hardirq nesting (`irq_enter` .. `irq_exit`).
    hardirq: AtomicU32,
    /// `SOFTIRQ_OFFSET`: `__do_softirq` is running on this CPU. Taken with a
    /// compare-and-swap, so two contexts calling in for one CPU never run
    /// its softirqs at once.
    serving: AtomicBool,
    /// `kstat_incr_softirqs_this_cpu`: handler runs per vector
    /// (/proc/softirqs).
    kstat: [AtomicU64; NR_SOFTIRQS],
}

/// One `ksoftirqd/N` thread.
#[derive(Debug)]
pub struct KsoftirqdThread {
    pub cpu: usize,
    /// The thread's `comm`: `softirq_threads.thread_comm` = "ksoftirqd/%u".
    pub comm: String,
    pub status: HpThreadStatus,
    /// `task_is_running(tsk)`: woken and not yet back to sleep.
    running: AtomicBool,
    /// `kthread_should_stop()`.
    should_stop: AtomicBool,
    /// Times `wake_up_process` woke it (found it asleep).
    wakeups: AtomicU64,
    /// Times it ran `__do_softirq` (`run_ksoftirqd` found work).
    runs: AtomicU64,
    /// The sleep/wake pair `smpboot_thread_fn` blocks on: `true` once woken.
    woken: Mutex<bool>,
    wake: Condvar,
}

impl KsoftirqdThread {
    fn new(cpu: usize) -> Self {
        KsoftirqdThread {
            cpu,
            comm: format!("ksoftirqd/{cpu}"),
            status: HpThreadStatus::None,
            running: AtomicBool::new(false),
            should_stop: AtomicBool::new(false),
            wakeups: AtomicU64::new(0),
            runs: AtomicU64::new(0),
            woken: Mutex::new(false),
            wake: Condvar::new(),
        }
    }

    /// `task_is_running(tsk)`: it was woken and has not gone back to sleep.
    pub fn is_running(&self) -> bool {
        self.running.load(Ordering::SeqCst)
    }

    /// How often `wakeup_softirqd` woke it from sleep.
    pub fn wakeups(&self) -> u64 {
        self.wakeups.load(Ordering::SeqCst)
    }

    /// How often it ran the pending softirqs (`run_ksoftirqd` → `__do_softirq`).
    pub fn runs(&self) -> u64 {
        self.runs.load(Ordering::SeqCst)
    }

    fn woken(&self) -> MutexGuard<'_, bool> {
        self.woken.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What one `__do_softirq` did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SoftirqRun {
    /// Passes over the pending mask: 1 + restarts, at most
    /// [`MAX_SOFTIRQ_RESTART`]; 0 if it did not run (already running on
    /// this CPU).
    pub passes: u32,
    /// Softirqs were still pending at the end, so it woke ksoftirqd.
    pub woke_ksoftirqd: bool,
}

/// The per-CPU softirq state, ksoftirqd threads and `softirq_vec`
/// (resource `Ksoftirqd`).
#[derive(Debug)]
pub struct KsoftirqdState {
    threads: Vec<KsoftirqdThread>,
    cpus: Vec<SoftirqCpu>,
    softirq_vec: [Option<SoftirqAction>; NR_SOFTIRQS],
    clock: Arc<dyn Clock>,
}

impl KsoftirqdState {
    /// The threads, by CPU.
    pub fn threads(&self) -> &[KsoftirqdThread] {
        &self.threads
    }

    /// `softirq_vec[nr].action`, if opened.
    pub fn action(&self, nr: Softirq) -> Option<SoftirqAction> {
        self.softirq_vec[nr.nr()]
    }

    /// The whole vector, by number.
    pub fn softirq_vec(&self) -> &[Option<SoftirqAction>; NR_SOFTIRQS] {
        &self.softirq_vec
    }

    /// The clock softirq time limits are measured on.
    pub fn clock(&self) -> &dyn Clock {
        &*self.clock
    }

    /// Replaces the clock (tests install a [`ManualClock`]).
    pub fn set_clock(&mut self, clock: Arc<dyn Clock>) {
        self.clock = clock;
    }

    fn cpu(&self, cpu: usize) -> Result<&SoftirqCpu, Errno> {
        self.cpus.get(cpu).ok_or(Errno::EINVAL)
    }

    fn thread(&self, cpu: usize) -> Result<&KsoftirqdThread, Errno> {
        self.threads.get(cpu).ok_or(Errno::EINVAL)
    }

    fn thread_mut(&mut self, cpu: usize) -> Result<&mut KsoftirqdThread, Errno> {
        self.threads.get_mut(cpu).ok_or(Errno::EINVAL)
    }

    /// `local_softirq_pending()` of `cpu` (0 for a CPU that does not exist).
    pub fn pending(&self, cpu: usize) -> u32 {
        self.cpu(cpu).map_or(0, |c| c.pending.load(Ordering::SeqCst))
    }

    /// `kstat_softirqs_cpu(nr, cpu)`: how often `nr`'s handler ran on `cpu`
    /// (a column of /proc/softirqs).
    pub fn kstat_softirqs_cpu(&self, nr: Softirq, cpu: usize) -> u64 {
        self.cpu(cpu).map_or(0, |c| c.kstat[nr.nr()].load(Ordering::SeqCst))
    }

    /// `in_interrupt()` on `cpu`: in a hardirq or serving softirqs.
    pub fn in_interrupt(&self, cpu: usize) -> bool {
        self.cpu(cpu).is_ok_and(|c| c.hardirq.load(Ordering::SeqCst) > 0 || c.serving.load(Ordering::SeqCst))
    }

    /// `__raise_softirq_irqoff(nr)` on `cpu`: marks it pending, nothing
    /// more. What interrupt handlers use (`____napi_schedule`): the
    /// interrupt's exit runs it.
    pub fn __raise_softirq_irqoff(&self, cpu: usize, nr: Softirq) -> Result<(), Errno> {
        self.cpu(cpu)?.pending.fetch_or(nr.bit(), Ordering::SeqCst);
        Ok(())
    }

    /// `raise_softirq(nr)` → `raise_softirq_irqoff(nr)` on `cpu`: marks it
    /// pending and, outside interrupt context (where no interrupt exit
    /// will run it), wakes ksoftirqd (`should_wake_ksoftirqd()` is always
    /// true without PREEMPT_RT).
    pub fn raise_softirq(&self, cpu: usize, nr: Softirq) -> Result<(), Errno> {
        self.__raise_softirq_irqoff(cpu, nr)?;
        if !self.in_interrupt(cpu) {
            self.wakeup_softirqd(cpu)?;
        }
        Ok(())
    }

    /// `ksoftirqd_should_run(cpu)`: whether anything is pending there.
    pub fn should_run(&self, cpu: usize) -> bool {
        self.pending(cpu) != 0
    }

    /// `wakeup_softirqd()` on `cpu`: `wake_up_process(ksoftirqd)`. A parked
    /// thread is not woken (it sleeps in `TASK_PARKED`, which
    /// `wake_up_process` does not wake).
    pub fn wakeup_softirqd(&self, cpu: usize) -> Result<(), Errno> {
        let t = self.thread(cpu)?;
        if t.status != HpThreadStatus::Active {
            return Ok(());
        }
        if !t.running.swap(true, Ordering::SeqCst) {
            t.wakeups.fetch_add(1, Ordering::SeqCst);
        }
        *t.woken() = true;
        t.wake.notify_one();
        Ok(())
    }

    /// `ksoftirqd_running(pending)` (Linux 4.9 to 6.4): ksoftirqd of `cpu`
    /// is awake and will run the softirqs, so an interrupt's exit or
    /// `do_softirq` leaves them to it, unless one of [`SOFTIRQ_NOW_MASK`]
    /// is pending.
    pub fn ksoftirqd_running(&self, cpu: usize, pending: u32) -> bool {
        if pending & SOFTIRQ_NOW_MASK != 0 {
            return false;
        }
        self.thread(cpu).is_ok_and(|t| t.is_running() && t.status == HpThreadStatus::Active)
    }

    /// `__do_softirq()` on `cpu`: takes the pending mask (clearing it) and
    /// runs each pending vector's handler in priority order; if handlers
    /// raised softirqs again, restarts while less than
    /// [`MAX_SOFTIRQ_TIME_NS`] has passed since it began and fewer than
    /// [`MAX_SOFTIRQ_RESTART`] passes have run; what is still pending then
    /// is ksoftirqd's (`wakeup_softirqd`). Linux also stops restarting on
    /// `need_resched()`; no scheduler here asks for it.
    ///
    /// Runs nothing (`passes` 0) if softirqs are already being served on
    /// `cpu` (`softirq_handle_begin` would nest).
    pub fn __do_softirq<H: SoftirqHandlers + ?Sized>(&self, cpu: usize, handlers: &H) -> Result<SoftirqRun, Errno> {
        let c = self.cpu(cpu)?;
        let mut run = SoftirqRun::default();
        if c.serving.compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst).is_err() {
            return Ok(run);
        }
        let end = self.clock.now_ns().saturating_add(MAX_SOFTIRQ_TIME_NS);
        let mut max_restart = MAX_SOFTIRQ_RESTART;
        // restart: set_softirq_pending(0), then the handlers of what was pending.
        let mut pending = c.pending.swap(0, Ordering::SeqCst);
        loop {
            run.passes += 1;
            while pending != 0 {
                let nr = pending.trailing_zeros() as usize;
                pending &= pending - 1;
                if let (Some(&softirq), Some(Some(action))) = (Softirq::ALL.get(nr), self.softirq_vec.get(nr)) {
                    c.kstat[nr].fetch_add(1, Ordering::SeqCst);
                    handlers.run(cpu, softirq, *action);
                }
            }
            if c.pending.load(Ordering::SeqCst) == 0 {
                break;
            }
            // if (time_before(jiffies, end) && !need_resched() && --max_restart) goto restart;
            if self.clock.now_ns() < end {
                max_restart -= 1;
                if max_restart > 0 {
                    pending = c.pending.swap(0, Ordering::SeqCst);
                    continue;
                }
            }
            run.woke_ksoftirqd = true;
            break;
        }
        // softirq_handle_end, then wakeup_softirqd with nothing of ours held.
        c.serving.store(false, Ordering::SeqCst);
        if run.woke_ksoftirqd {
            self.wakeup_softirqd(cpu)?;
        }
        Ok(run)
    }

    /// `do_softirq()` on `cpu` (what `local_bh_enable` calls): nothing in
    /// interrupt context; otherwise, if softirqs are pending and ksoftirqd
    /// is not already awake to run them, `__do_softirq`.
    pub fn do_softirq<H: SoftirqHandlers + ?Sized>(&self, cpu: usize, handlers: &H) -> Result<SoftirqRun, Errno> {
        if self.in_interrupt(cpu) {
            return Ok(SoftirqRun::default());
        }
        let pending = self.pending(cpu);
        if pending != 0 && !self.ksoftirqd_running(cpu, pending) {
            return self.__do_softirq(cpu, handlers);
        }
        Ok(SoftirqRun::default())
    }

    /// `irq_enter()` on `cpu`: a hardirq handler begins (`in_interrupt()`).
    pub fn irq_enter(&self, cpu: usize) -> Result<(), Errno> {
        self.cpu(cpu)?.hardirq.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    /// `irq_exit()` on `cpu`: the hardirq handler ends; leaving interrupt
    /// context with softirqs pending runs them (`invoke_softirq`), unless
    /// ksoftirqd is awake for them (`ksoftirqd_running`). `EINVAL` for an
    /// exit without an enter.
    pub fn irq_exit<H: SoftirqHandlers + ?Sized>(&self, cpu: usize, handlers: &H) -> Result<SoftirqRun, Errno> {
        let c = self.cpu(cpu)?;
        c.hardirq.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).map_err(|_| Errno::EINVAL)?;
        let pending = self.pending(cpu);
        if self.in_interrupt(cpu) || pending == 0 || self.ksoftirqd_running(cpu, pending) {
            return Ok(SoftirqRun::default());
        }
        self.__do_softirq(cpu, handlers)
    }

    /// `run_ksoftirqd(cpu)` (`softirq_threads.thread_fn`): if softirqs are
    /// pending, `__do_softirq`.
    pub fn run_ksoftirqd<H: SoftirqHandlers + ?Sized>(&self, cpu: usize, handlers: &H) -> Result<SoftirqRun, Errno> {
        let t = self.thread(cpu)?;
        if !self.should_run(cpu) {
            return Ok(SoftirqRun::default());
        }
        let run = self.__do_softirq(cpu, handlers)?;
        if run.passes > 0 {
            t.runs.fetch_add(1, Ordering::SeqCst);
        }
        Ok(run)
    }

    /// One turn of `ksoftirqd/cpu` as the scheduler gives it, without an OS
    /// thread: one iteration of `smpboot_thread_fn` for `softirq_threads`.
    /// A thread that is not active (parked) does nothing; one with nothing
    /// pending goes to sleep (`set_current_state(TASK_INTERRUPTIBLE)`,
    /// `schedule()`); otherwise it is `TASK_RUNNING` and runs
    /// `run_ksoftirqd`, and sleeps after if that left nothing pending.
    /// Whether it ran the softirqs.
    pub fn ksoftirqd_run_once<H: SoftirqHandlers + ?Sized>(&self, cpu: usize, handlers: &H) -> Result<bool, Errno> {
        let t = self.thread(cpu)?;
        if t.status != HpThreadStatus::Active || t.should_stop.load(Ordering::SeqCst) {
            return Ok(false);
        }
        if !self.should_run(cpu) {
            t.running.store(false, Ordering::SeqCst);
            return Ok(false);
        }
        t.running.store(true, Ordering::SeqCst);
        let ran = self.run_ksoftirqd(cpu, handlers)?.passes > 0;
        if !self.should_run(cpu) {
            t.running.store(false, Ordering::SeqCst);
        }
        Ok(ran)
    }

    /// `smpboot_thread_fn` for `ksoftirqd/cpu`, on the caller's OS thread:
    /// runs the pending softirqs whenever there are some, sleeps until
    /// [`KsoftirqdState::wakeup_softirqd`] wakes it otherwise, and returns
    /// once [`KsoftirqdState::kthread_stop`] is called. A softirq raised
    /// with `__raise_softirq_irqoff` (for an interrupt's exit to run) does
    /// not wake it, as in Linux.
    pub fn smpboot_thread_fn<H: SoftirqHandlers + ?Sized>(&self, cpu: usize, handlers: &H) -> Result<(), Errno> {
        let t = self.thread(cpu)?;
        loop {
            if t.should_stop.load(Ordering::SeqCst) {
                t.running.store(false, Ordering::SeqCst);
                return Ok(());
            }
            if t.status == HpThreadStatus::Active && self.should_run(cpu) {
                t.running.store(true, Ordering::SeqCst);
                if self.run_ksoftirqd(cpu, handlers)?.passes == 0 {
                    // Another context is serving this CPU's softirqs.
                    std::thread::yield_now();
                }
                continue;
            }
            // set_current_state(TASK_INTERRUPTIBLE); schedule();
            t.running.store(false, Ordering::SeqCst);
            let mut woken = t.woken();
            while !*woken {
                woken = t.wake.wait(woken).unwrap_or_else(PoisonError::into_inner);
            }
            *woken = false;
        }
    }

    /// `kthread_stop(ksoftirqd)`: makes `smpboot_thread_fn` of `cpu` return.
    pub fn kthread_stop(&self, cpu: usize) -> Result<(), Errno> {
        let t = self.thread(cpu)?;
        t.should_stop.store(true, Ordering::SeqCst);
        *t.woken() = true;
        t.wake.notify_one();
        Ok(())
    }

    /// `kthread_park` as the CPU goes down: an active thread becomes parked.
    pub fn park(&mut self, cpu: usize) -> Result<(), Errno> {
        let t = self.thread_mut(cpu)?;
        if t.status == HpThreadStatus::Active {
            t.status = HpThreadStatus::Parked;
            t.running.store(false, Ordering::SeqCst);
        }
        Ok(())
    }

    /// `smpboot_unpark_thread`: the thread runs `setup`/`unpark` and is active.
    pub fn unpark(&mut self, cpu: usize) -> Result<(), Errno> {
        self.thread_mut(cpu)?.status = HpThreadStatus::Active;
        Ok(())
    }
}

/// `open_softirq(nr, action)`: installs `action` in `softirq_vec[nr]`.
/// As in Linux, opening a vector again replaces its handler. `ENOENT` if
/// ksoftirqd state does not exist yet.
pub fn open_softirq<S: HasState<KsoftirqdState>>(
    k: &mut Kernel<S>,
    nr: Softirq,
    action: SoftirqAction,
) -> Result<(), Errno> {
    k.get_mut::<KsoftirqdState>()?.softirq_vec[nr.nr()] = Some(action);
    Ok(())
}

/// `spawn_ksoftirqd()` (kernel/softirq.c, early_initcall), which calls
/// `smpboot_register_percpu_thread(&softirq_threads)`: one `ksoftirqd/N` per
/// possible CPU, created `HP_THREAD_NONE` and unparked to `HP_THREAD_ACTIVE`
/// since every CPU is online at boot; each sleeps until woken.
///
/// The vector itself is built here too, with the two tasklet handlers that
/// `softirq_init()` opens from `start_kernel` before any initcall runs, and
/// the per-CPU pending masks, on the monotonic clock.
pub fn spawn_ksoftirqd<S: HasState<KsoftirqdState>>(k: &mut Kernel<S>) -> InitResult {
    if k.has::<KsoftirqdState>() {
        return Err(Errno::EEXIST);
    }
    let n = k.nr_cpus();
    let mut softirqd = KsoftirqdState {
        threads: (0..n).map(KsoftirqdThread::new).collect(),
        cpus: (0..n).map(|_| SoftirqCpu::default()).collect(),
        softirq_vec: [None; NR_SOFTIRQS],
        clock: Arc::new(MonotonicClock::default()),
    };
    softirqd.softirq_vec[Softirq::Tasklet.nr()] = Some(SoftirqAction::TaskletAction);
    softirqd.softirq_vec[Softirq::Hi.nr()] = Some(SoftirqAction::TaskletHiAction);
    for cpu in 0..n {
        softirqd.unpark(cpu)?;
    }
    k.provide(softirqd)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    fn booted(cpus: usize) -> Kernel<crate::testspec::TestSpec> {
        let mut k = Kernel::<crate::testspec::TestSpec>::new(cpus);
        spawn_ksoftirqd(&mut k).unwrap();
        k
    }

    /// Handlers for the tests: counts each run of `Other("timer")` on
    /// `TIMER_SOFTIRQ` and raises it again while `reraise` says so,
    /// advancing the clock by `tick` ns a run.
    #[derive(Default)]
    struct Reraise {
        runs: AtomicUsize,
        /// Runs after which the handler stops raising itself again.
        reraise: usize,
        tick: u64,
        clock: Option<Arc<ManualClock>>,
    }

    struct With<'a> {
        s: &'a KsoftirqdState,
        h: &'a Reraise,
    }

    impl SoftirqHandlers for With<'_> {
        fn run(&self, cpu: usize, nr: Softirq, action: SoftirqAction) {
            assert_eq!((nr, action), (Softirq::Timer, SoftirqAction::Other("run_timer_softirq")));
            let n = self.h.runs.fetch_add(1, Ordering::SeqCst) + 1;
            if let Some(c) = &self.h.clock {
                c.advance(self.h.tick);
            }
            if n < self.h.reraise {
                self.s.__raise_softirq_irqoff(cpu, Softirq::Timer).unwrap();
            }
        }
    }

    fn with_timer(cpus: usize) -> Kernel<crate::testspec::TestSpec> {
        let mut k = booted(cpus);
        open_softirq(&mut k, Softirq::Timer, SoftirqAction::Other("run_timer_softirq")).unwrap();
        k
    }

    #[test]
    fn one_active_thread_per_cpu() {
        let mut k = booted(3);
        let s = k.get::<KsoftirqdState>().unwrap();
        let names: Vec<_> = s.threads().iter().map(|t| t.comm.as_str()).collect();
        assert_eq!(names, ["ksoftirqd/0", "ksoftirqd/1", "ksoftirqd/2"]);
        assert!(s.threads().iter().all(|t| t.status == HpThreadStatus::Active && !t.is_running()));
        assert!((0..3).all(|cpu| s.pending(cpu) == 0));
        assert_eq!(spawn_ksoftirqd(&mut k), Err(Errno::EEXIST));
    }

    #[test]
    fn open_and_raise() {
        let mut k = Kernel::<crate::testspec::TestSpec>::new(2);
        assert_eq!(open_softirq(&mut k, Softirq::NetRx, SoftirqAction::NetRxAction), Err(Errno::ENOENT));
        spawn_ksoftirqd(&mut k).unwrap();
        open_softirq(&mut k, Softirq::NetRx, SoftirqAction::NetRxAction).unwrap();
        let s = k.get_mut::<KsoftirqdState>().unwrap();
        assert_eq!(s.action(Softirq::NetRx).map(SoftirqAction::name), Some("net_rx_action"));
        assert_eq!(s.action(Softirq::NetTx), None);
        assert_eq!(s.action(Softirq::Tasklet), Some(SoftirqAction::TaskletAction));
        assert!(!s.should_run(1));
        s.raise_softirq(1, Softirq::NetRx).unwrap();
        assert!(s.should_run(1) && !s.should_run(0));
        assert_eq!(s.pending(1), 1 << 3);
        assert_eq!(s.raise_softirq(2, Softirq::NetRx), Err(Errno::EINVAL));
    }

    /// `raise_softirq_irqoff`: outside interrupt context the raise wakes
    /// ksoftirqd; inside a hardirq it does not (the interrupt's exit runs it).
    #[test]
    fn raise_softirq_irqoff_wakes_ksoftirqd_only_outside_interrupts() {
        let k = with_timer(1);
        let s = k.get::<KsoftirqdState>().unwrap();
        s.irq_enter(0).unwrap();
        s.raise_softirq(0, Softirq::Timer).unwrap();
        assert_eq!((s.threads()[0].wakeups(), s.threads()[0].is_running()), (0, false));
        let h = Reraise::default();
        let run = s.irq_exit(0, &With { s, h: &h }).unwrap();
        assert_eq!((run.passes, h.runs.load(Ordering::SeqCst)), (1, 1), "invoke_softirq ran it");

        s.raise_softirq(0, Softirq::Timer).unwrap();
        assert_eq!((s.threads()[0].wakeups(), s.threads()[0].is_running()), (1, true));
        assert_eq!(s.irq_exit(0, &With { s, h: &h }), Err(Errno::EINVAL), "irq_exit without irq_enter");
    }

    /// `__do_softirq`: a handler that always raises itself again runs
    /// `MAX_SOFTIRQ_RESTART` (10) times — the first pass and 9 restarts;
    /// the pass a tenth restart would have made goes to ksoftirqd instead,
    /// which `wakeup_softirqd` wakes, and which runs it when scheduled.
    #[test]
    fn do_softirq_restarts_nine_times_then_wakes_ksoftirqd() {
        let k = with_timer(2);
        let s = k.get::<KsoftirqdState>().unwrap();
        let h = Reraise { reraise: usize::MAX, ..Reraise::default() };
        let w = With { s, h: &h };
        s.__raise_softirq_irqoff(1, Softirq::Timer).unwrap();
        let run = s.do_softirq(1, &w).unwrap();
        assert_eq!(run, SoftirqRun { passes: MAX_SOFTIRQ_RESTART, woke_ksoftirqd: true });
        assert_eq!(h.runs.load(Ordering::SeqCst), 10);
        assert_eq!(s.kstat_softirqs_cpu(Softirq::Timer, 1), 10);
        let t = &s.threads()[1];
        assert!(s.should_run(1) && t.is_running() && t.wakeups() == 1, "ksoftirqd/1 woken with TIMER pending");
        assert_eq!(s.threads()[0].wakeups(), 0, "only this CPU's thread");

        // While ksoftirqd is awake, do_softirq leaves the work to it
        // (ksoftirqd_running) ...
        assert_eq!(s.do_softirq(1, &w).unwrap().passes, 0);
        // ... and it runs the pending softirqs when it runs.
        assert!(s.ksoftirqd_run_once(1, &w).unwrap());
        assert_eq!(h.runs.load(Ordering::SeqCst), 20);
        assert_eq!(t.runs(), 1);
    }

    /// Ten passes are allowed: a handler raising itself 9 times finishes
    /// inside one `__do_softirq`, and ksoftirqd is not woken.
    #[test]
    fn ten_passes_finish_without_ksoftirqd() {
        let k = with_timer(1);
        let s = k.get::<KsoftirqdState>().unwrap();
        let h = Reraise { reraise: 10, ..Reraise::default() };
        s.__raise_softirq_irqoff(0, Softirq::Timer).unwrap();
        let run = s.__do_softirq(0, &With { s, h: &h }).unwrap();
        assert_eq!(run, SoftirqRun { passes: 10, woke_ksoftirqd: false });
        assert_eq!((s.pending(0), s.threads()[0].wakeups()), (0, 0));
    }

    /// `__do_softirq`'s `MAX_SOFTIRQ_TIME`: once 2 ms have passed it does
    /// not restart, and ksoftirqd gets the rest.
    #[test]
    fn do_softirq_stops_restarting_after_two_ms() {
        let mut k = with_timer(1);
        let clock = ManualClock::new();
        k.get_mut::<KsoftirqdState>().unwrap().set_clock(clock.clone());
        let s = k.get::<KsoftirqdState>().unwrap();
        let h = Reraise { reraise: usize::MAX, tick: 700_000, clock: Some(clock), ..Reraise::default() };
        s.__raise_softirq_irqoff(0, Softirq::Timer).unwrap();
        let run = s.__do_softirq(0, &With { s, h: &h }).unwrap();
        // 0.7, 1.4 ms: restart; 2.1 ms: past the end.
        assert_eq!(run, SoftirqRun { passes: 3, woke_ksoftirqd: true });
        assert!(s.threads()[0].is_running());
    }

    /// `ksoftirqd_run_once` (`smpboot_thread_fn`): asleep with nothing
    /// pending; a parked thread does not run; it goes back to sleep once
    /// the work is done.
    #[test]
    fn ksoftirqd_sleeps_runs_and_parks() {
        let mut k = with_timer(1);
        let h = Reraise::default();
        {
            let s = k.get::<KsoftirqdState>().unwrap();
            let w = With { s, h: &h };
            assert!(!s.ksoftirqd_run_once(0, &w).unwrap());
            s.raise_softirq(0, Softirq::Timer).unwrap();
        }
        let s = k.get_mut::<KsoftirqdState>().unwrap();
        s.park(0).unwrap();
        assert_eq!(s.threads()[0].status, HpThreadStatus::Parked);
        assert!(!s.threads()[0].is_running());
        let s = k.get::<KsoftirqdState>().unwrap();
        assert!(!s.ksoftirqd_run_once(0, &With { s, h: &h }).unwrap(), "parked");
        s.wakeup_softirqd(0).unwrap();
        assert_eq!(s.threads()[0].wakeups(), 1, "a parked thread is not woken");
        k.get_mut::<KsoftirqdState>().unwrap().unpark(0).unwrap();
        let s = k.get::<KsoftirqdState>().unwrap();
        assert!(s.ksoftirqd_run_once(0, &With { s, h: &h }).unwrap());
        assert_eq!(h.runs.load(Ordering::SeqCst), 1);
        assert!(!s.threads()[0].is_running(), "back to sleep");
    }

    /// The thread for real: `smpboot_thread_fn` on an OS thread sleeps
    /// until `raise_softirq` wakes it, runs the softirq, and returns on
    /// `kthread_stop`.
    #[test]
    fn ksoftirqd_on_an_os_thread_wakes_and_runs() {
        let k = with_timer(1);
        let s = k.get::<KsoftirqdState>().unwrap();
        let h = Reraise::default();
        std::thread::scope(|scope| {
            let w = With { s, h: &h };
            let thread = scope.spawn(move || s.smpboot_thread_fn(0, &w));
            s.raise_softirq(0, Softirq::Timer).unwrap();
            while h.runs.load(Ordering::SeqCst) == 0 {
                std::thread::yield_now();
            }
            s.kthread_stop(0).unwrap();
            assert_eq!(thread.join().ok(), Some(Ok(())));
        });
        assert_eq!(s.pending(0), 0);
        assert_eq!(s.threads()[0].runs(), 1);
    }

    #[test]
    fn names_match_linux() {
        assert_eq!(Softirq::ALL.map(Softirq::nr), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert_eq!(Softirq::NetTx.name(), "NET_TX");
        assert_eq!(Softirq::Rcu.name(), "RCU");
        assert_eq!(SOFTIRQ_NOW_MASK, 0b100_0001);
    }
}
