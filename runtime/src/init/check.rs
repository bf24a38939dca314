//! Compile-time checks the attribute macros expand to. Each is a `const fn`
//! with no body: calling it in a `const` item makes the compiler prove the
//! bounds, and an unmet bound is reported with the messages on the traits.

use super::level::{Level, Precedes};
use super::resource::Resource;

/// Proves that resource `R` is provided at a level no later than `L`, the
/// level of initcall `F` (a marker type named after the function).
pub const fn requires<R, L, F>()
where
    R: Resource,
    L: Level,
    R::ProvidedAt: Precedes<L, R, F>,
{
}

/// Proves that `L` is a level.
pub const fn level<L: Level>() {}

/// Proves a function has the initcall signature `fn(&mut Kernel) -> InitResult`
/// (the generated crate's `Kernel`, of its spec).
pub const fn initcall_fn<S: crate::kernel::KernelSpec>(f: super::InitFn<S>) -> super::InitFn<S> {
    f
}
