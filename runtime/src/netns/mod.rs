//! Network namespaces and pernet operations (net/core/net_namespace.c,
//! include/net/net_namespace.h).
//!
//! The spec's `pernet` sections become the generated
//! `netgen_generated::pernet::Pernet`, an implementation of [`PernetSpec`]:
//! its per-namespace state is a struct with one field per operation, reached
//! by type ([`Net::get`]) and its `init`/`exit` calls are `match`es. This
//! module holds what does not depend on the spec: [`Net`], the lists and
//! their locking ([`NetNamespaces`]), `setup_net`/`cleanup_net` with Linux's
//! rollback order, and [`PernetOperations`] for code outside the spec that
//! registers operations at run time.
//!
//! * [`desc`]: the traits the generated crate implements.
//! * [`net`]: `struct net`.
//! * [`ops`]: `pernet_list` entries and `ops_init`/`ops_exit_list`/...
//! * [`namespaces`]: `copy_net_ns`, `put_net`, `cleanup_net`, registration.
//! * [`boot`]: the `net_ns_init` initcall and spec registration.
//! * [`net_ns_ops`]: `net_ns_ops`, the first operation every namespace runs.
//! * [`no_pernet`]: a spec with no operations, for tests and tools.

pub mod boot;
pub mod desc;
pub mod ida;
pub mod namespaces;
pub mod net;
pub mod net_ns_ops;
pub mod no_pernet;
pub mod ops;

pub use boot::{
    net_ns_init, register_pernet_device, register_pernet_subsys, register_spec_ops, NetCacheState, NsKernel,
};
pub use desc::{PernetDesc, PernetKind, PernetMethods, PernetSpec, PernetState};
pub use namespaces::{Hook, NetNamespaces, NetRef, TraceEvent, DEFAULT_MAX_NET_NAMESPACES, INIT_NET_COOKIE};
pub use net::{GenericData, Net, NetGeneric, PernetId, ProcDir, MIN_PERNET_OPS_ID};
pub use no_pernet::NoPernet;
pub use ops::PernetOperations;

#[cfg(test)]
mod tests;
