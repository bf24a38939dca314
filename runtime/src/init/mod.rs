//! Initcalls: Linux's `do_initcalls` made declarative and checked.
//!
//! * [`level`] and [`resource`] are the traits the generated crate implements
//!   for the spec's levels and resources; [`check`] holds the `const fn`s the
//!   attribute macros call so a misordered dependency fails to compile.
//! * [`desc`] describes one initcall; [`collect`] gathers the ones user crates
//!   declare with `#[subsys_initcall]` and friends.
//! * [`plan`] merges the spec's table with the collected ones into one order;
//!   [`executor`] runs it with Linux's `initcall_debug` trace.

pub mod check;
pub mod collect;
pub mod desc;
pub mod executor;
pub mod level;
pub mod plan;
pub mod resource;

pub use desc::{InitFn, InitResult, InitcallDesc, LevelDesc, Origin};
pub use executor::{do_initcalls, BootOptions, BootReport, Outcome, Record};
pub use level::Level;
pub use plan::{InitSpec, Plan, PlanProblem};
pub use resource::Resource;
