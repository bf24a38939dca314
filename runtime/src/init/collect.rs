//! Initcalls declared in any crate linked into the binary, gathered with
//! `linkme` the way Linux gathers `.initcall*.init` sections at link time.
//! The distributed slice itself lives in the generated crate (its
//! `__private::INITCALLS`), whose spec type its entries are built for.
//!
//! Link order is not an order: [`super::plan`] sorts and checks what is found
//! there before anything runs.

use super::desc::InitcallDesc;
use crate::kernel::KernelSpec;

/// The collected initcalls, sorted by name so the order never depends on
/// the linker.
pub fn collected<S: KernelSpec>(linked: &[InitcallDesc<S>]) -> Vec<InitcallDesc<S>> {
    let mut all: Vec<InitcallDesc<S>> = linked.to_vec();
    all.sort_by(|a, b| (a.name, a.origin).cmp(&(b.name, b.origin)));
    all
}
