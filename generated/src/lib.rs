//! The network stack `spec/` describes, as Rust.
//!
//! The other files (`consts.rs`, `levels.rs`, `resources.rs`, `initcalls.rs`,
//! `kernel.rs`, `pernet.rs`, `tables.rs`, `signatures.rs`) are written by
//! `cargo run -p netgen -- generate` and checked by `netgen check`; never edit
//! them. This file is the hand-written shell around them: module
//! declarations, the prelude a user crate imports, and the paths the
//! attribute macros expand to.
//!
//! A crate that adds initcalls depends on this crate only:
//!
//! ```
//! use netgen_generated::prelude::*;
//! use netgen_generated::resources::SockRegistry;
//!
//! /// Runs once `net_families` exists.
//! #[device_initcall(requires = [SockRegistry])]
//! fn my_proto_init(k: &mut Kernel) -> InitResult {
//!     k.printk("my_proto: ready");
//!     Ok(())
//! }
//! # fn main() {}
//! ```

#![forbid(unsafe_code)]

// Let the attribute macros name this crate as `::netgen_generated` from
// inside it too.
extern crate self as netgen_generated;

// The generated files are laid out by netgen (prettyplease); `cargo fmt`
// would reformat them and `netgen check` would then call them stale.
#[rustfmt::skip]
pub mod consts;
#[rustfmt::skip]
pub mod initcalls;
#[rustfmt::skip]
pub mod kernel;
#[rustfmt::skip]
pub mod levels;
#[rustfmt::skip]
pub mod pernet;
#[rustfmt::skip]
pub mod resources;
#[rustfmt::skip]
pub mod signatures;
#[rustfmt::skip]
pub mod tables;

pub use initcalls::Stack;
pub use netgen_macros::{
    arch_initcall, arch_initcall_sync, core_initcall, core_initcall_sync, device_initcall, device_initcall_sync,
    early_initcall, fs_initcall, fs_initcall_sync, initcall, late_initcall, late_initcall_sync, module_init,
    postcore_initcall, postcore_initcall_sync, pure_initcall, rootfs_initcall, subsys_initcall, subsys_initcall_sync,
};
pub use netgen_runtime as runtime;

/// Everything an initcall in a user crate needs, but the resources: import
/// those by name (`use netgen_generated::resources::SockRegistry;`). A
/// resource reached through a glob import is printed with its full path in
/// compile errors; one imported by name reads `SockRegistry`.
pub mod prelude {
    pub use crate::levels;
    pub use crate::*;
    pub use netgen_runtime::init::{InitResult, Resource};
    pub use netgen_runtime::Errno;

    /// The kernel of this stack: the spec's kernel states (`k.get::<T>()`,
    /// a field access) and user crates' own (`k.provide_ext`, `k.ext`).
    pub type Kernel = netgen_runtime::Kernel<crate::pernet::Pernet>;
}

/// The initcalls user crates declare with the attribute macros, sorted by
/// name (link order is no order).
pub fn collected_initcalls() -> Vec<initcalls::InitcallDesc> {
    netgen_runtime::init::collect::collected(&__private::INITCALLS)
}

/// The boot plan: the spec's initcall table and every collected one.
pub fn plan() -> netgen_runtime::init::Plan<pernet::Pernet> {
    netgen_runtime::init::Plan::for_spec::<Stack>(&__private::INITCALLS)
}

/// What the attribute macros expand to. Not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use linkme;
    pub use netgen_runtime::init::check::{initcall_fn, level, requires};
    pub use netgen_runtime::init::{Level, Origin, Resource};

    /// An initcall of this stack.
    pub type InitcallDesc = netgen_runtime::init::InitcallDesc<crate::pernet::Pernet>;

    /// Every initcall declared with an attribute macro (`#[core_initcall]`,
    /// ...) in any linked crate.
    #[linkme::distributed_slice]
    pub static INITCALLS: [InitcallDesc];
}
