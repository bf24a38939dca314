//! The register layer of a NIC (`netdev`): its own crate's files, one per
//! artifact, written where the CLI says (`drivers/igb/regs/src` for `igb`).
//!
//! - `index.rs`: one type per index space (`RxQueue`), an index that cannot
//!   be past the count: checked `new`, or `at::<N>()` checked at compile
//!   time.
//! - `registers.rs`: `Regs<W>` with one method per register, handing out a
//!   [`netgen_mmio`]-style `Reg` typed by value and access; the offsets
//!   (per-queue ones as functions written like e1000_regs.h's macros); one
//!   value type per register with fields, one field type per field with
//!   named values.
//! - `descriptors.rs`: one module per descriptor, its bytes and a view
//!   type per struct of Linux's union (`desc.wb().upper().status_error()`).
//! - `table.rs`: every register instance with offset, access and reset
//!   value, sorted by offset, for a device model.

mod descriptors;
mod index;
mod names;
mod registers;
mod table;
mod words;

use super::{all, file, Chunk, EmitError, GeneratedFile};
use crate::ir::{Ir, Netdev};

/// The files of `netdev`'s register layer, or every reason they cannot be
/// written.
pub fn emit(ir: &Ir, netdev: &Netdev) -> Result<Vec<GeneratedFile>, Vec<EmitError>> {
    type Emitter = fn(&Netdev) -> Result<Vec<Chunk>, Vec<EmitError>>;
    const EMITTERS: [(&str, Emitter); 4] = [
        ("descriptors.rs", descriptors::emit),
        ("index.rs", index::emit),
        ("registers.rs", registers::emit),
        ("table.rs", table::emit),
    ];
    all(EMITTERS.iter().map(|&(name, f)| f(netdev).and_then(|chunks| file(ir, name, chunks).map_err(|e| vec![e]))))
}
