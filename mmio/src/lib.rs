//! Typed access to a device's memory-mapped registers: what the register
//! layer netgen generates for a NIC (`drivers/igb/regs`, from
//! `spec/igb_regs.ng`) is built on.
//!
//! - [`RegisterWindow`]: 32-bit loads and stores at byte offsets. A driver
//!   runs on a software device model (which implements the trait) or on a
//!   real PCI BAR ([`Mmio`], the only `unsafe` here).
//! - [`Reg`]: one register of a window, typed by its value (a generated
//!   type such as `Rctl`, or `u32`) and its access ([`access`]). `read`,
//!   `write` and `modify` exist as the access allows: writing a read-only
//!   register or reading a write-only one does not compile, and the error
//!   says so.
//! - [`Nth`]: a number as a type, for indices checked at compile time
//!   (`RxQueue::at::<3>()`).
//! - [`RegisterInfo`]: what a device model needs of each register: name,
//!   offset, access, reset value.
//!
//! Every method is `#[inline(always)]` and does exactly one volatile 32-bit
//! load or store per register access (two for a read-modify-write): the
//! layer costs what hand-written `read_volatile`/`write_volatile` costs
//! (`drivers/igb/regs/benches/field_update.rs` compares the two).

#![no_std]

use core::marker::PhantomData;
use core::ptr::NonNull;

/// A device's registers as 32-bit words at byte offsets: Linux's `rd32` and
/// `wr32` (e1000_regs.h) without the `hw` they read through.
///
/// `&self` for writes too: a register write is a side effect on the device,
/// not a change to Rust data (the MMIO model; a software device keeps its
/// state behind interior mutability).
pub trait RegisterWindow {
    /// The 32-bit register at byte `offset` (4-byte aligned).
    fn read32(&self, offset: usize) -> u32;
    /// Writes the 32-bit register at byte `offset` (4-byte aligned).
    fn write32(&self, offset: usize, value: u32);
}

impl<W: RegisterWindow + ?Sized> RegisterWindow for &W {
    #[inline(always)]
    fn read32(&self, offset: usize) -> u32 {
        (**self).read32(offset)
    }

    #[inline(always)]
    fn write32(&self, offset: usize, value: u32) {
        (**self).write32(offset, value)
    }
}

/// `LEN` bytes of memory-mapped registers, as a PCI BAR maps them (Linux's
/// `hw->hw_addr` after `pci_iomap`).
///
/// Each access checks its offset against `LEN`; for a register whose offset
/// is a constant (all but the per-queue ones) the check is decided at
/// compile time and leaves no instruction.
#[derive(Debug)]
pub struct Mmio<const LEN: usize> {
    base: NonNull<u32>,
}

impl<const LEN: usize> Mmio<LEN> {
    /// A window over the registers at `base`.
    ///
    /// # Safety
    ///
    /// `base` is 4-byte aligned and points to `LEN` bytes of device
    /// registers (mapped uncached, as `pci_iomap` maps a BAR), valid for
    /// volatile 32-bit reads and writes at every 4-byte aligned offset
    /// below `LEN` for as long as the returned `Mmio` exists, and nothing
    /// accesses that memory as ordinary Rust data meanwhile.
    pub const unsafe fn new(base: NonNull<u32>) -> Mmio<LEN> {
        Mmio { base }
    }

    #[inline(always)]
    fn check(offset: usize) {
        assert!(offset.is_multiple_of(4) && offset < LEN && LEN - offset >= 4, "register offset out of the window");
    }
}

// SAFETY: the registers are device memory, not Rust data; accessing them
// from another thread is what a driver's interrupt handler does, and each
// access is one volatile load or store.
unsafe impl<const LEN: usize> Send for Mmio<LEN> {}
// SAFETY: as for `Send`: `&Mmio` gives only volatile 32-bit accesses.
unsafe impl<const LEN: usize> Sync for Mmio<LEN> {}

impl<const LEN: usize> RegisterWindow for Mmio<LEN> {
    #[inline(always)]
    fn read32(&self, offset: usize) -> u32 {
        Self::check(offset);
        // SAFETY: `offset` is aligned and inside the `LEN` bytes that
        // `Mmio::new`'s caller promised are readable registers.
        unsafe { self.base.as_ptr().add(offset / 4).read_volatile() }
    }

    #[inline(always)]
    fn write32(&self, offset: usize, value: u32) {
        Self::check(offset);
        // SAFETY: as in `read32`, for writes.
        unsafe { self.base.as_ptr().add(offset / 4).write_volatile(value) }
    }
}

/// How software may access a register: the datasheet's column, as a value
/// (for a device model deciding what a read or write does, and for netgen,
/// whose spec names it with [`Access::keyword`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize), serde(rename_all = "snake_case"))]
pub enum Access {
    /// Read only; writes are ignored.
    Ro,
    /// Read and write.
    Rw,
    /// Write only; reads return nothing meaningful.
    Wo,
    /// Read; writing 1 to a bit clears it, 0 leaves it.
    W1c,
    /// Clear on read: a read returns the value and zeroes it.
    Rc,
    /// Clear on read, and writing 1 to a bit clears it (ICR, EICR).
    RcW1c,
    /// Read; writing 1 to a bit sets it, 0 leaves it (IMS, EIMS).
    Rw1s,
}

impl Access {
    /// Every kind, in the order the spec's documentation lists them.
    pub const ALL: [Access; 7] =
        [Access::Ro, Access::Rw, Access::Wo, Access::W1c, Access::Rc, Access::RcW1c, Access::Rw1s];

    /// The spec's word for it: `ro`, `rc_w1c`, ...
    pub const fn keyword(self) -> &'static str {
        match self {
            Access::Ro => "ro",
            Access::Rw => "rw",
            Access::Wo => "wo",
            Access::W1c => "w1c",
            Access::Rc => "rc",
            Access::RcW1c => "rc_w1c",
            Access::Rw1s => "rw1s",
        }
    }

    /// The kind the spec's `word` names.
    pub fn from_keyword(word: &str) -> Option<Access> {
        Access::ALL.into_iter().find(|a| a.keyword() == word)
    }

    /// Whether software reads it (all but write-only registers).
    pub const fn readable(self) -> bool {
        !matches!(self, Access::Wo)
    }

    /// Whether software writes it (all but read-only and clear-on-read
    /// registers).
    pub const fn writable(self) -> bool {
        !matches!(self, Access::Ro | Access::Rc)
    }

    /// Whether a read changes the register (clears it).
    pub const fn read_clears(self) -> bool {
        matches!(self, Access::Rc | Access::RcW1c)
    }
}

/// The access kinds as types, for [`Reg`]'s `A`: each says which of
/// `read`, `write` and `modify` a register has.
pub mod access {
    /// A register's access as a type.
    pub trait Kind {
        /// The same as a value.
        const ACCESS: super::Access;
    }

    /// Access kinds whose registers can be read.
    #[diagnostic::on_unimplemented(
        message = "this register cannot be read: it is write-only (`{Self}`)",
        label = "`read` needs a readable register",
        note = "a write-only register (ICS, IMC, EICS, EIMC) has no value to read; keep what you wrote"
    )]
    pub trait Readable: Kind {}

    /// Access kinds whose registers can be written.
    #[diagnostic::on_unimplemented(
        message = "this register cannot be written: it is `{Self}`",
        label = "`write` needs a writable register",
        note = "read-only (`Ro`) and clear-on-read (`Rc`) registers are the device's to change"
    )]
    pub trait Writable: Kind {}

    /// Access kinds where reading, changing some fields and writing back
    /// is meaningful: plain read-write registers only.
    #[diagnostic::on_unimplemented(
        message = "this register has no `modify`: it is `{Self}`, not `Rw`",
        label = "`modify` needs a plain read-write register",
        note = "writing back what was read would clear a W1C or RC register's bits, or set a mask register's: use `write`"
    )]
    pub trait Modifiable: Readable + Writable {}

    macro_rules! kinds {
        ($($(#[$doc:meta])* $name:ident: $($trait:ident),*;)*) => {$(
            $(#[$doc])*
            #[derive(Clone, Copy, Debug, PartialEq, Eq)]
            pub enum $name {}
            impl Kind for $name {
                const ACCESS: super::Access = super::Access::$name;
            }
            $(impl $trait for $name {})*
        )*};
    }

    kinds! {
        /// Read only.
        Ro: Readable;
        /// Read and write.
        Rw: Readable, Writable, Modifiable;
        /// Write only.
        Wo: Writable;
        /// Read; write 1 to clear.
        W1c: Readable, Writable;
        /// Clear on read.
        Rc: Readable;
        /// Clear on read; write 1 to clear.
        RcW1c: Readable, Writable;
        /// Read; write 1 to set.
        Rw1s: Readable, Writable;
    }
}

/// A register's value as a type: a generated type with typed fields
/// (`Rctl`), or `u32` for a register that is one number.
pub trait RegisterValue: Copy {
    fn from_bits(bits: u32) -> Self;
    fn bits(self) -> u32;
}

impl RegisterValue for u32 {
    #[inline(always)]
    fn from_bits(bits: u32) -> u32 {
        bits
    }

    #[inline(always)]
    fn bits(self) -> u32 {
        self
    }
}

/// One register of a window: its offset, the type of its value and its
/// access. The generated `Regs` hands these out (`regs.rctl()`).
pub struct Reg<'a, W: ?Sized, V, A> {
    window: &'a W,
    offset: usize,
    value: PhantomData<fn() -> (V, A)>,
}

impl<'a, W: RegisterWindow + ?Sized, V: RegisterValue, A: access::Kind> Reg<'a, W, V, A> {
    /// The register at `offset` of `window`. The generated register layer
    /// calls this with the spec's offset and access; nothing checks them
    /// here.
    #[inline(always)]
    pub const fn new(window: &'a W, offset: usize) -> Self {
        Reg { window, offset, value: PhantomData }
    }

    /// The register's byte offset in the window.
    #[inline(always)]
    pub const fn offset(&self) -> usize {
        self.offset
    }

    /// One volatile load. For a clear-on-read register the read clears it.
    #[inline(always)]
    pub fn read(&self) -> V
    where
        A: access::Readable,
    {
        V::from_bits(self.window.read32(self.offset))
    }

    /// One volatile store.
    #[inline(always)]
    pub fn write(&self, value: V)
    where
        A: access::Writable,
    {
        self.window.write32(self.offset, value.bits())
    }

    /// A load, `f`, a store: `regs.rctl().modify(|r| r.with_en(true))`.
    #[inline(always)]
    pub fn modify(&self, f: impl FnOnce(V) -> V)
    where
        A: access::Modifiable,
    {
        self.write(f(self.read()))
    }
}

/// A 64-bit statistics counter kept in two clear-on-read registers (GORCL
/// and GORCH): read low, then high, as `igb_update_stats` does; reading the
/// high half clears both.
pub struct Counter64<'a, W: ?Sized> {
    window: &'a W,
    low: usize,
    high: usize,
}

impl<'a, W: RegisterWindow + ?Sized> Counter64<'a, W> {
    #[inline(always)]
    pub const fn new(window: &'a W, low: usize, high: usize) -> Self {
        Counter64 { window, low, high }
    }

    /// The count since the last read (two volatile loads, low first).
    #[inline(always)]
    pub fn read(&self) -> u64 {
        let low = self.window.read32(self.low);
        let high = self.window.read32(self.high);
        (u64::from(high) << 32) | u64::from(low)
    }
}

/// A number as a type: `Nth<3>`. Generated index types implement a trait
/// for each `Nth` below their count, so `RxQueue::at::<16>()` does not
/// compile on a device with 16 queues.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Nth<const N: usize>;

/// What a device model needs to know of one register instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegisterInfo {
    /// The spec's (Linux's) name: `RDBAL`.
    pub name: &'static str,
    /// For an array register, which instance: `RDBAL(3)` has `Some(3)`.
    pub index: Option<u16>,
    /// Byte offset in the register window.
    pub offset: u32,
    pub access: Access,
    /// The value after reset.
    pub reset: u32,
}

/// A 64-bit counter's halves, for a device model ([`Counter64`] reads
/// them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counter64Info {
    /// The spec's name: `GORC`.
    pub name: &'static str,
    /// Byte offset of the low half; the high half is the next register.
    pub low: u32,
    pub high: u32,
}

/// Little-endian integers in a descriptor's bytes (Linux's `__le16`,
/// `__le32`, `__le64`): what the generated descriptor accessors read and
/// write. With a constant `at`, each is one load or store.
pub mod le {
    macro_rules! le {
        ($($get:ident $set:ident $t:ty;)*) => {$(
            #[doc = concat!("The little-endian `", stringify!($t), "` at byte `at`.")]
            #[inline(always)]
            pub fn $get<const N: usize>(bytes: &[u8; N], at: usize) -> $t {
                let mut le = [0u8; core::mem::size_of::<$t>()];
                le.copy_from_slice(&bytes[at..at + core::mem::size_of::<$t>()]);
                <$t>::from_le_bytes(le)
            }

            #[doc = concat!("Stores `value` as the little-endian `", stringify!($t), "` at byte `at`.")]
            #[inline(always)]
            pub fn $set<const N: usize>(bytes: &mut [u8; N], at: usize, value: $t) {
                bytes[at..at + core::mem::size_of::<$t>()].copy_from_slice(&value.to_le_bytes());
            }
        )*};
    }

    le! {
        u8_at set_u8_at u8;
        u16_at set_u16_at u16;
        u32_at set_u32_at u32;
        u64_at set_u64_at u64;
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    /// `Mmio` over ordinary memory standing for a BAR: each access is the
    /// one volatile load or store at its offset (runs under Miri too:
    /// `cargo +nightly miri test -p netgen-mmio`, where Miri is installed).
    #[test]
    fn mmio_reads_and_writes_its_words() {
        let mut bar = [0u32; 4];
        let base = NonNull::new(bar.as_mut_ptr()).expect("an array is not at null");
        // SAFETY: `bar` is 16 bytes of aligned memory, outlives `mmio`, and
        // is touched only through it until `mmio` is gone.
        let mmio = unsafe { Mmio::<16>::new(base) };
        mmio.write32(4, 0xdead_beef);
        mmio.write32(12, 7);
        assert_eq!((mmio.read32(4), mmio.read32(12), mmio.read32(0)), (0xdead_beef, 7, 0));
        assert_eq!(bar, [0, 0xdead_beef, 0, 7]);
    }

    #[test]
    fn access_kinds_and_their_spec_words() {
        for a in Access::ALL {
            assert_eq!(Access::from_keyword(a.keyword()), Some(a));
        }
        assert!(!Access::Wo.readable() && !Access::Ro.writable() && Access::Rc.read_clears());
    }
}
