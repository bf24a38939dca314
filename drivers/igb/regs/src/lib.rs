//! The Intel 82576's registers and DMA descriptors as typed Rust, for the
//! igb driver and for the software 82576 that implements them.
//!
//! `cargo run -p netgen -- generate` writes the other files from
//! `spec/igb_regs.ng` (`registers.rs`, `index.rs`, `descriptors.rs`,
//! `table.rs`); `netgen check` fails when they are stale. Never edit them.
//! This file is the hand-written shell. The crate is apart from
//! `drivers/igb` so that the driver can depend on it while the generated
//! stack (`generated/`) depends on the driver.
//!
//! ```
//! use netgen_igb_regs::registers::{Rctl, RctlBsize, Regs};
//! use netgen_igb_regs::index::RxQueue;
//! # use core::cell::Cell;
//! # struct Window([Cell<u32>; 0x4000]);
//! # impl netgen_mmio::RegisterWindow for Window {
//! #     fn read32(&self, offset: usize) -> u32 { self.0[offset / 4].get() }
//! #     fn write32(&self, offset: usize, value: u32) { self.0[offset / 4].set(value) }
//! # }
//! # let window = Window(core::array::from_fn(|_| Cell::new(0)));
//! let regs = Regs::new(&window);
//! regs.rctl().modify(|r| r.with_en(true).with_bsize(RctlBsize::SZ_2048).with_secrc(true));
//! let q = RxQueue::at::<0>();
//! regs.rdlen(q).write(256 * 16);
//! regs.rxdctl(q).modify(|r| r.with_enable(true));
//! assert!(regs.rctl().read().en());
//! ```

#![no_std]
#![forbid(unsafe_code)]

// The generated files are laid out by netgen (prettyplease); `cargo fmt`
// would reformat them and `netgen check` would then call them stale.
#[rustfmt::skip]
pub mod descriptors;
#[rustfmt::skip]
pub mod index;
#[rustfmt::skip]
pub mod registers;
#[rustfmt::skip]
pub mod table;
