//! `net_ns_ops` (net/core/net_namespace.c): gives each namespace its
//! `ns.inum`, the inode number of /proc/PID/ns/net.

use std::sync::{Mutex, PoisonError};

use super::ida::Ida;
use super::{Net, PernetSpec};
use crate::errno::Errno;

/// `PROC_DYNAMIC_FIRST`: proc inode numbers handed out at run time start here.
pub const PROC_DYNAMIC_FIRST: u32 = 0xF000_0000;

/// `proc_inum_ida`, shared by every stack in the process as Linux's is by
/// every namespace.
static PROC_INUM_IDA: Mutex<Ida> = Mutex::new(Ida::new());

/// `struct ns_common` of a namespace.
#[derive(Debug, PartialEq, Eq)]
pub struct NsCommon {
    /// `ns.inum`.
    pub inum: u32,
}

/// `net_ns_net_init(net)`: `ns_alloc_inum(&net->ns)`, i.e. `proc_alloc_inum`.
pub fn net_ns_net_init<S: PernetSpec>(_net: &mut Net<S>) -> Result<NsCommon, Errno> {
    let mut ida = PROC_INUM_IDA.lock().unwrap_or_else(PoisonError::into_inner);
    let i = ida.alloc_range(0, u32::MAX - PROC_DYNAMIC_FIRST)?;
    Ok(NsCommon { inum: PROC_DYNAMIC_FIRST + i })
}

/// `net_ns_net_exit(net)`: `ns_free_inum(&net->ns)`.
pub fn net_ns_net_exit<S: PernetSpec>(net: &mut Net<S>)
where
    NsCommon: super::PernetState<S>,
{
    if let Ok(ns) = net.get::<NsCommon>() {
        PROC_INUM_IDA.lock().unwrap_or_else(PoisonError::into_inner).free(ns.inum - PROC_DYNAMIC_FIRST);
    }
}
