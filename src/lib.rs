//! Entry points shared by the examples and the end-to-end tests: boot the
//! generated stack with the initcalls of every linked crate.

pub use netgen_generated as generated;
pub use netgen_runtime as runtime;

use netgen_generated::Stack;
use netgen_runtime::init::{do_initcalls, BootOptions, BootReport, Plan};
use netgen_runtime::Kernel;

/// Boots a kernel for `nr_cpus` CPUs: the spec's initcalls merged with every
/// initcall collected from linked crates, run level by level.
pub fn boot(nr_cpus: usize, opts: &BootOptions) -> (Kernel, BootReport) {
    let mut kernel = Kernel::new(nr_cpus);
    let plan = Plan::for_spec::<Stack>();
    let report = do_initcalls(&mut kernel, &plan, opts);
    (kernel, report)
}
