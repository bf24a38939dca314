//! drivers/net/loopback.c: `lo` in every namespace (`loopback_net_ops`).
//! Its transmit ([`NetDevKind::Loopback`](super::NetDevKind)) puts the
//! frame back on its own receive ring, so a datagram to a local address
//! takes the whole receive path.

use super::netdevice::{NetDevTables, NetDevice};
use crate::errno::Errno;
use crate::netns::{Net, PernetSpec, PernetState};

/// `net->loopback_dev`: the state of `loopback_net_ops`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoopbackDev {
    pub ifindex: i32,
}

/// `loopback_net_init(net)` (drivers/net/loopback.c): registers `lo` at
/// `LOOPBACK_IFINDEX`, down, as Linux leaves it until `ip link set lo up`
/// (which adds `127.0.0.1/8`); `EBUSY` if another device holds that index.
pub fn loopback_net_init<S: PernetSpec>(net: &mut Net<S>) -> Result<LoopbackDev, Errno>
where
    NetDevTables: PernetState<S>,
{
    let tables = net.get_mut::<NetDevTables>().map_err(|_| Errno::ENODEV)?;
    let ifindex = tables.register_netdevice(NetDevice::loopback())?;
    Ok(LoopbackDev { ifindex })
}

/// Unregisters `lo` if it is still there. Linux's `loopback_net_ops` has
/// no exit because it is never unregistered; a dying namespace loses `lo`
/// in `default_device_exit_batch`, which runs first. Here the operation can
/// be unregistered at run time, and then `lo` must go with it or
/// registering it again would find the name taken.
pub fn loopback_net_exit<S: PernetSpec>(net: &mut Net<S>)
where
    NetDevTables: PernetState<S>,
{
    if let Ok(tables) = net.get_mut::<NetDevTables>() {
        let _ = tables.unregister_netdevice("lo");
    }
}
