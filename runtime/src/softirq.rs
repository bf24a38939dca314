//! Softirqs (kernel/softirq.c, include/linux/interrupt.h): the vector of
//! handlers `open_softirq` fills, the per-CPU pending bitmask, and the
//! per-CPU `ksoftirqd/N` threads `spawn_ksoftirqd` registers.
//!
//! No OS thread is started: a thread is its `smpboot` record (name, CPU,
//! status), which is what the rest of boot can observe of it.

use crate::errno::Errno;
use crate::init::InitResult;
use crate::kernel::{HasState, Kernel};

/// Number of softirq vectors (`NR_SOFTIRQS`).
pub const NR_SOFTIRQS: usize = 10;

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
}

/// The handler a vector runs (`softirq_action.action`). Handlers are named,
/// not called: the packet path that runs them dispatches statically.
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

/// One `ksoftirqd/N` thread and its CPU's pending softirqs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KsoftirqdThread {
    pub cpu: usize,
    /// The thread's `comm`: `softirq_threads.thread_comm` = "ksoftirqd/%u".
    pub comm: String,
    pub status: HpThreadStatus,
    /// `local_softirq_pending()`: bit `nr` set when softirq `nr` is raised.
    pub pending: u32,
}

/// The per-CPU ksoftirqd threads and `softirq_vec` (resource `Ksoftirqd`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KsoftirqdState {
    threads: Vec<KsoftirqdThread>,
    softirq_vec: [Option<SoftirqAction>; NR_SOFTIRQS],
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

    fn thread_mut(&mut self, cpu: usize) -> Result<&mut KsoftirqdThread, Errno> {
        self.threads.get_mut(cpu).ok_or(Errno::EINVAL)
    }

    /// `raise_softirq(nr)` on `cpu`: marks it pending so ksoftirqd runs it.
    pub fn raise_softirq(&mut self, cpu: usize, nr: Softirq) -> Result<(), Errno> {
        self.thread_mut(cpu)?.pending |= 1 << nr.nr();
        Ok(())
    }

    /// `ksoftirqd_should_run(cpu)`: whether anything is pending there.
    pub fn should_run(&self, cpu: usize) -> bool {
        self.threads.get(cpu).is_some_and(|t| t.pending != 0)
    }

    /// `kthread_park` as the CPU goes down: an active thread becomes parked.
    pub fn park(&mut self, cpu: usize) -> Result<(), Errno> {
        let t = self.thread_mut(cpu)?;
        if t.status == HpThreadStatus::Active {
            t.status = HpThreadStatus::Parked;
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
/// since every CPU is online at boot.
///
/// The vector itself is built here too, with the two tasklet handlers that
/// `softirq_init()` opens from `start_kernel` before any initcall runs.
pub fn spawn_ksoftirqd<S: HasState<KsoftirqdState>>(k: &mut Kernel<S>) -> InitResult {
    if k.has::<KsoftirqdState>() {
        return Err(Errno::EEXIST);
    }
    let threads = (0..k.nr_cpus())
        .map(|cpu| KsoftirqdThread { cpu, comm: format!("ksoftirqd/{cpu}"), status: HpThreadStatus::None, pending: 0 })
        .collect();
    let mut softirqd = KsoftirqdState { threads, softirq_vec: [None; NR_SOFTIRQS] };
    softirqd.softirq_vec[Softirq::Tasklet.nr()] = Some(SoftirqAction::TaskletAction);
    softirqd.softirq_vec[Softirq::Hi.nr()] = Some(SoftirqAction::TaskletHiAction);
    for cpu in 0..k.nr_cpus() {
        softirqd.unpark(cpu)?;
    }
    k.provide(softirqd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_active_thread_per_cpu() {
        let mut k = Kernel::<crate::testspec::TestSpec>::new(3);
        spawn_ksoftirqd(&mut k).unwrap();
        let t = k.get::<KsoftirqdState>().unwrap().threads();
        let names: Vec<_> = t.iter().map(|t| t.comm.as_str()).collect();
        assert_eq!(names, ["ksoftirqd/0", "ksoftirqd/1", "ksoftirqd/2"]);
        assert!(t.iter().all(|t| t.status == HpThreadStatus::Active && t.pending == 0));
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
        assert_eq!(s.threads()[1].pending, 1 << 3);
        assert_eq!(s.raise_softirq(2, Softirq::NetRx), Err(Errno::EINVAL));
    }

    #[test]
    fn park_and_unpark() {
        let mut k = Kernel::<crate::testspec::TestSpec>::new(1);
        spawn_ksoftirqd(&mut k).unwrap();
        let s = k.get_mut::<KsoftirqdState>().unwrap();
        s.park(0).unwrap();
        assert_eq!(s.threads()[0].status, HpThreadStatus::Parked);
        s.unpark(0).unwrap();
        assert_eq!(s.threads()[0].status, HpThreadStatus::Active);
    }

    #[test]
    fn names_match_linux() {
        assert_eq!(Softirq::ALL.map(Softirq::nr), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert_eq!(Softirq::NetTx.name(), "NET_TX");
        assert_eq!(Softirq::Rcu.name(), "RCU");
    }
}
