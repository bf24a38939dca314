//! One typed field update against the hand-written volatile
//! read-modify-write it replaces: `RCTL.EN = 1`, as `igb_configure_rx`'s
//! `rctl |= E1000_RCTL_EN` does it. `tests/asm.rs` compiles this in release
//! and compares the two functions' instructions; run it to see both do the
//! same to a register.

use core::ptr::NonNull;

use netgen_igb_regs::registers::Regs;
use netgen_mmio::Mmio;

/// The 82576's register BAR: 128 KiB.
const BAR0: usize = 128 * 1024;

/// Linux's `E1000_RCTL` and `E1000_RCTL_EN` (e1000_regs.h, e1000_defines.h).
const E1000_RCTL: usize = 0x00100;
const E1000_RCTL_EN: u32 = 0x0000_0002;

/// The typed update.
#[no_mangle]
#[inline(never)]
pub fn typed_rctl_enable(regs: &Regs<Mmio<BAR0>>) {
    regs.rctl().modify(|r| r.with_en(true));
}

/// The hand-written one, as igb does it with `rd32`/`wr32`.
///
/// # Safety
///
/// `hw_addr` points to the 82576's mapped registers.
#[no_mangle]
#[inline(never)]
pub unsafe fn hand_rctl_enable(hw_addr: &NonNull<u32>) {
    let rctl = hw_addr.as_ptr().add(E1000_RCTL / 4);
    // SAFETY: the caller's promise; RCTL is inside the BAR.
    unsafe { rctl.write_volatile(rctl.read_volatile() | E1000_RCTL_EN) };
}

fn main() {
    let mut bar = vec![0u32; BAR0 / 4];
    let base = NonNull::new(bar.as_mut_ptr()).expect("a vector's pointer is not null");
    // SAFETY: `bar` is BAR0 bytes of 4-byte aligned memory that outlives
    // `regs` and is only accessed through it (and `hand_rctl_enable`)
    // until it is read below.
    let regs = Regs::new(unsafe { Mmio::<BAR0>::new(base) });
    typed_rctl_enable(&regs);
    let typed = bar[E1000_RCTL / 4];
    bar[E1000_RCTL / 4] = 0;
    // SAFETY: as above.
    unsafe { hand_rctl_enable(&base) };
    println!("RCTL after the typed update: {typed:#010x}; after the hand-written one: {:#010x}", bar[E1000_RCTL / 4]);
}
