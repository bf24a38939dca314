//! The hand-written half of netgen's stack.
//!
//! `runtime` defines the mechanisms (the initcall executor, kernel state) and
//! the subsystems Linux's networking initcalls build; the generated crate
//! (`generated/`, emitted from `spec/`) supplies the concrete levels,
//! resources and the ordered initcall table, and implements the traits here.
//!
//! Modules are named after the Linux source they model.

pub mod dev;
pub mod errno;
pub mod inet;
pub mod init;
pub mod kernel;
pub mod netns;
pub mod netpoll;
pub mod packet;
pub mod pci;
pub mod skbuff;
pub mod slab;
pub mod sock;
pub mod socket;
pub mod softirq;
pub mod sysctl;

pub use errno::Errno;
pub use kernel::Kernel;
