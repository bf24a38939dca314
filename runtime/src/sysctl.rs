//! `net.core` sysctls (net/core/sysctl_net_core.c, net/sysctl_net.c).
//!
//! Global knobs (`net_core_table`) keep their values here, except the two
//! `net_rx_action` reads, whose `.data` points into net/core/dev.c: they
//! live in [`SoftnetDataState`] (`netdev_budget`, `netdev_budget_usecs`).
//! Per-namespace ones (`netns_core_table`: somaxconn) live in each
//! namespace's [`SysctlCoreNet`], the state of `sysctl_core_ops`.

use crate::dev::{DevSpec, SoftnetDataState, NETDEV_MAX_BACKLOG, WEIGHT_P};
use crate::errno::Errno;
use crate::init::InitResult;
use crate::kernel::{HasState, Kernel};
use crate::netns::{Net, PernetSpec, PernetState};

/// `SOMAXCONN`: the default `listen()` backlog limit. 4096 since Linux 5.4
/// (it was 128 in 3.19); this stack follows 6.0.
pub const SOMAXCONN: u32 = 4096;

/// `SK_WMEM_MAX` = `SK_RMEM_MAX` on x86_64: 256 packets of
/// `SKB_TRUESIZE(256)` = 832 bytes each.
pub const SK_WMEM_MAX: i32 = 212_992;
pub const SK_RMEM_MAX: i32 = 212_992;
/// `sysctl_optmem_max` in 6.0: `sizeof(unsigned long) * (2 * UIO_MAXIOV + 512)`.
pub const OPTMEM_MAX: i32 = 20_480;

/// One `struct ctl_table` entry with its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CtlTable {
    pub procname: &'static str,
    pub data: CtlData,
    pub mode: u16,
}

/// Where a `struct ctl_table` entry's `.data` is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CtlData {
    /// In the table: the value itself.
    Int(i32),
    /// `&netdev_budget`: [`SoftnetDataState::netdev_budget`].
    NetdevBudget,
    /// `&netdev_budget_usecs`: [`SoftnetDataState::netdev_budget_usecs`].
    NetdevBudgetUsecs,
}

/// One `register_net_sysctl(net, path, table)` call: which namespace (by
/// cookie), under which path, which names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CtlTableHeader {
    pub net_cookie: u64,
    pub path: &'static str,
    pub procnames: Vec<&'static str>,
}

/// The `net/core` tables (resource `SysctlNetCore`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SysctlNetCoreState {
    /// `net_core_table`: the global knobs and their values.
    pub net_core_table: Vec<CtlTable>,
    headers: Vec<CtlTableHeader>,
}

impl SysctlNetCoreState {
    /// Where global knob `procname` (`"netdev_max_backlog"`) keeps its value.
    pub fn data(&self, procname: &str) -> Option<CtlData> {
        self.net_core_table.iter().find(|t| t.procname == procname).map(|t| t.data)
    }

    /// The value of global knob `procname` if the table holds it (not
    /// `netdev_budget`/`netdev_budget_usecs`: [`proc_sys_net_core`] reads those).
    pub fn get(&self, procname: &str) -> Option<i32> {
        match self.data(procname)? {
            CtlData::Int(v) => Some(v),
            CtlData::NetdevBudget | CtlData::NetdevBudgetUsecs => None,
        }
    }

    /// Every registration, in order.
    pub fn headers(&self) -> &[CtlTableHeader] {
        &self.headers
    }

    /// `register_net_sysctl(net, path, table)`. A name already registered
    /// under `path` in that namespace is `EEXIST`, which Linux logs as
    /// "sysctl duplicate entry".
    fn register_net_sysctl(
        &mut self,
        net_cookie: u64,
        path: &'static str,
        procnames: Vec<&'static str>,
    ) -> Result<(), Errno> {
        let taken = self
            .headers
            .iter()
            .filter(|h| h.net_cookie == net_cookie && h.path == path)
            .any(|h| h.procnames.iter().any(|n| procnames.contains(n)));
        if taken {
            return Err(Errno::EEXIST);
        }
        self.headers.push(CtlTableHeader { net_cookie, path, procnames });
        Ok(())
    }
}

/// `net_core_table` with Linux 6.0's x86_64 defaults (the two
/// `net_rx_action` knobs' defaults are `net_dev_init`'s: `NETDEV_BUDGET`,
/// `NETDEV_BUDGET_USECS`), in Linux's order.
fn net_core_table() -> Vec<CtlTable> {
    let int = |(procname, v): (&'static str, i32)| CtlTable { procname, data: CtlData::Int(v), mode: 0o644 };
    let mut table: Vec<CtlTable> = [
        ("wmem_max", SK_WMEM_MAX),
        ("rmem_max", SK_RMEM_MAX),
        ("wmem_default", SK_WMEM_MAX),
        ("rmem_default", SK_RMEM_MAX),
        ("dev_weight", WEIGHT_P),
        ("netdev_max_backlog", NETDEV_MAX_BACKLOG),
        ("optmem_max", OPTMEM_MAX),
        // net_msg_cost is 5 * HZ jiffies, shown in seconds.
        ("message_cost", 5),
        ("message_burst", 10),
    ]
    .into_iter()
    .map(int)
    .collect();
    // netdev_budget where it always was here; netdev_budget_usecs last (it
    // comes after netdev_budget in Linux's table too).
    let at = table.iter().position(|t| t.procname == "netdev_max_backlog").map_or(table.len(), |i| i + 1);
    table.insert(at, CtlTable { procname: "netdev_budget", data: CtlData::NetdevBudget, mode: 0o644 });
    table.push(CtlTable { procname: "netdev_budget_usecs", data: CtlData::NetdevBudgetUsecs, mode: 0o644 });
    table
}

/// `net->core.sysctl_somaxconn` and the namespace's registration of
/// `netns_core_table` (`net->core.sysctl_hdr`): the state of
/// `sysctl_core_ops`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SysctlCoreNet {
    pub sysctl_somaxconn: u32,
    /// `None` once `sysctl_core_net_exit` unregistered it.
    pub sysctl_hdr: Option<CtlTableHeader>,
}

/// Reads /proc/sys/net/core/`procname` as seen from `net`: `somaxconn`
/// from the namespace, `netdev_budget` and `netdev_budget_usecs` from
/// softnet_data, the rest from `net_core_table`.
pub fn proc_sys_net_core<S: DevSpec + HasState<SysctlNetCoreState>>(
    k: &Kernel<S>,
    net: &Net<S>,
    procname: &str,
) -> Result<i64, Errno>
where
    SysctlCoreNet: PernetState<S>,
{
    let sysctl = k.get::<SysctlNetCoreState>()?;
    if procname == "somaxconn" {
        return Ok(i64::from(net.get::<SysctlCoreNet>()?.sysctl_somaxconn));
    }
    let value = match sysctl.data(procname).ok_or(Errno::ENOENT)? {
        CtlData::Int(v) => v,
        CtlData::NetdevBudget => k.get::<SoftnetDataState<S>>()?.netdev_budget,
        CtlData::NetdevBudgetUsecs => k.get::<SoftnetDataState<S>>()?.netdev_budget_usecs,
    };
    Ok(i64::from(value))
}

/// `sysctl_core_init()` (net/core/sysctl_net_core.c, fs_initcall):
/// `register_net_sysctl(&init_net, "net/core", net_core_table)`. Its
/// `register_pernet_subsys(&sysctl_core_ops)` is the spec's
/// `pernet sysctl_core_ops`, registered when this returns.
pub fn sysctl_core_init<S: HasState<SysctlNetCoreState>>(k: &mut Kernel<S>) -> InitResult {
    if k.has::<SysctlNetCoreState>() {
        return Err(Errno::EEXIST);
    }
    let table = net_core_table();
    let mut sysctl = SysctlNetCoreState { net_core_table: table.clone(), headers: Vec::new() };
    sysctl.register_net_sysctl(
        crate::netns::INIT_NET_COOKIE,
        "net/core",
        table.iter().map(|t| t.procname).collect(),
    )?;
    k.provide(sysctl)
}

/// `sysctl_core_net_init(net)`: `net->core.sysctl_somaxconn = SOMAXCONN`
/// and `register_net_sysctl(net, "net/core", netns_core_table)`.
pub fn sysctl_core_net_init<S: PernetSpec>(net: &mut Net<S>) -> Result<SysctlCoreNet, Errno> {
    let sysctl_hdr = CtlTableHeader { net_cookie: net.cookie(), path: "net/core", procnames: vec!["somaxconn"] };
    Ok(SysctlCoreNet { sysctl_somaxconn: SOMAXCONN, sysctl_hdr: Some(sysctl_hdr) })
}

/// `sysctl_core_net_exit(net)`: `unregister_net_sysctl_table(net->core.sysctl_hdr)`.
pub fn sysctl_core_net_exit<S: PernetSpec>(net: &mut Net<S>)
where
    SysctlCoreNet: PernetState<S>,
{
    if let Ok(core) = net.get_mut::<SysctlCoreNet>() {
        core.sysctl_hdr = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let mut k = Kernel::<crate::testspec::TestSpec>::new(1);
        sysctl_core_init(&mut k).unwrap();
        let s = k.get::<SysctlNetCoreState>().unwrap();
        assert_eq!(
            (s.get("netdev_max_backlog"), s.get("wmem_max"), s.get("dev_weight")),
            (Some(1000), Some(212_992), Some(64))
        );
        assert_eq!(s.get("nope"), None);
        assert_eq!(s.data("netdev_budget_usecs"), Some(CtlData::NetdevBudgetUsecs));
        let names: Vec<_> = s.net_core_table.iter().map(|t| t.procname).collect();
        assert_eq!(names[5..8], ["netdev_max_backlog", "netdev_budget", "optmem_max"]);
        assert_eq!(names.last(), Some(&"netdev_budget_usecs"));
        assert_eq!(s.headers().len(), 1);
        assert_eq!(sysctl_core_init(&mut k), Err(Errno::EEXIST));
    }

    #[test]
    fn duplicate_entries_are_refused() {
        let mut s = SysctlNetCoreState { net_core_table: Vec::new(), headers: Vec::new() };
        s.register_net_sysctl(1, "net/core", vec!["a", "b"]).unwrap();
        assert_eq!(s.register_net_sysctl(1, "net/core", vec!["b"]), Err(Errno::EEXIST));
        s.register_net_sysctl(2, "net/core", vec!["b"]).unwrap();
        s.register_net_sysctl(1, "net/ipv4", vec!["b"]).unwrap();
    }
}
