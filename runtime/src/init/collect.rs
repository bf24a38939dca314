//! Initcalls declared in any crate linked into the binary, gathered with
//! `linkme` the way Linux gathers `.initcall*.init` sections at link time.
//!
//! Link order is not an order: [`super::plan`] sorts and checks what is found
//! here before anything runs.

use super::desc::InitcallDesc;

/// Every initcall declared with an attribute macro (`#[core_initcall]`, ...).
#[linkme::distributed_slice]
pub static INITCALLS: [InitcallDesc];

/// The collected initcalls, sorted by name so the order never depends on
/// the linker.
pub fn collected() -> Vec<InitcallDesc> {
    let mut all: Vec<InitcallDesc> = INITCALLS.iter().copied().collect();
    all.sort_by(|a, b| (a.name, a.origin).cmp(&(b.name, b.origin)));
    all
}
