//! Attribute macros that declare initcalls outside the spec.
//!
//! One attribute per Linux level — `#[early_initcall]`, `#[pure_initcall]`,
//! `#[core_initcall]`, ... `#[late_initcall_sync]`, `#[module_init]` (which is
//! `device`, as for built-in drivers) — plus `#[initcall(level = ..)]` for
//! any level the spec declares. Each takes `requires = [..]` and
//! `provides = [..]` lists of resource types.
//!
//! The expansion proves at compile time that every required resource is
//! provided at the initcall's level or earlier, registers the initcall with
//! `linkme` so the boot merges it with the spec's table, and makes each
//! provided type a resource of this initcall's level. All paths go through
//! `::netgen_generated`, the one crate a user depends on.

#![forbid(unsafe_code)]

mod args;
mod expand;

use proc_macro::TokenStream;

macro_rules! level_attributes {
    ($($(#[$doc:meta])* $name:ident => $level:literal;)*) => {$(
        $(#[$doc])*
        #[proc_macro_attribute]
        pub fn $name(args: TokenStream, item: TokenStream) -> TokenStream {
            expand::initcall(Some($level), args.into(), item.into()).into()
        }
    )*};
}

level_attributes! {
    /// Runs before SMP is up (`early_initcall`).
    early_initcall => "early";
    /// Level 0: no dependencies (`pure_initcall`).
    pure_initcall => "pure";
    /// Level 1 (`core_initcall`).
    core_initcall => "core";
    /// Level 1s (`core_initcall_sync`).
    core_initcall_sync => "core_sync";
    /// Level 2 (`postcore_initcall`).
    postcore_initcall => "postcore";
    /// Level 2s (`postcore_initcall_sync`).
    postcore_initcall_sync => "postcore_sync";
    /// Level 3 (`arch_initcall`).
    arch_initcall => "arch";
    /// Level 3s (`arch_initcall_sync`).
    arch_initcall_sync => "arch_sync";
    /// Level 4 (`subsys_initcall`).
    subsys_initcall => "subsys";
    /// Level 4s (`subsys_initcall_sync`).
    subsys_initcall_sync => "subsys_sync";
    /// Level 5 (`fs_initcall`).
    fs_initcall => "fs";
    /// Level 5s (`fs_initcall_sync`).
    fs_initcall_sync => "fs_sync";
    /// Between fs and device (`rootfs_initcall`).
    rootfs_initcall => "rootfs";
    /// Level 6 (`device_initcall`).
    device_initcall => "device";
    /// Level 6s (`device_initcall_sync`).
    device_initcall_sync => "device_sync";
    /// Level 7 (`late_initcall`).
    late_initcall => "late";
    /// Level 7s (`late_initcall_sync`).
    late_initcall_sync => "late_sync";
    /// A built-in driver's entry point: `device` level, like Linux's
    /// `module_init` for code that is not a loadable module.
    module_init => "device";
}

/// An initcall at any level the spec declares:
/// `#[initcall(level = subsys, requires = [..], provides = [..])]`.
#[proc_macro_attribute]
pub fn initcall(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::initcall(None, args.into(), item.into()).into()
}
