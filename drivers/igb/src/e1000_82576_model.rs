//! A software Intel 82576: the registers and DMA behaviour igb relies on,
//! built from the same generated register table (`regs::table::REGISTERS`,
//! from spec/igb_regs.ng) and descriptor types as the driver.
//!
//! It implements [`RegisterWindow`] (interior mutability: one lock over
//! the device state), so `Regs::new(&model)` is the driver's BAR. Behaviour
//! follows the 82576 datasheet (section numbers in brackets) and QEMU's
//! igb model where the datasheet leaves room:
//!
//! - Register file from `REGISTERS`: reset values; `Ro` ignores writes;
//!   `W1c` clears the bits written 1; `Rc` statistics clear when read; the
//!   64-bit counters (`COUNTERS64`) read low then high, and reading the high
//!   half clears both [8.19]. Offsets outside the table read 0 and ignore
//!   writes (counted in [`ModelStats::unmapped`]).
//! - `CTRL.RST` [8.2.1]: resets every register and the PHY, loads the MAC
//!   from the EEPROM image into RAL0/RAH0 (AV), and stays set for a few
//!   reads of CTRL before it self-clears; [`ModelOptions::never_finish_reset`]
//!   keeps it set forever.
//! - `EERD` [8.2.3]: a read with START returns the EEPROM word with DONE.
//! - `MDIC` [8.2.4]: PHY registers; BMCR with auto-negotiation enable and
//!   restart brings the link up after a few STATUS reads (`STATUS.LU`,
//!   BMSR link status and AN complete, ICR.LSC);
//!   [`ModelOptions::link_never_up`] keeps it down.
//! - Interrupts [7.3]: ICR (read to clear, W1C), ICS, IMS/IMC; EICR, EICS,
//!   EIMS/EIMC, EIAC (auto-clear), EIAM (auto-mask); queue causes are
//!   routed to MSI-X vectors by IVAR, other causes by IVAR_MISC. A vector
//!   whose EICR bit is set while its EIMS bit is set raises the interrupt
//!   callback (the MSI-X message igb's `igb_msix_ring` handles).
//! - Receive [7.1]: a frame from the wire (with its FCS) is checked (CRC:
//!   CRCERRS; runt: RUC; oversize without RCTL.LPE: ROC), filtered (RAR
//!   exact match, broadcast with BAM, UPE/MPE), and written into the
//!   buffers of the advanced one-buffer descriptors between RDH and RDT
//!   (SRRCTL.BSIZEPKT per buffer; a frame longer than one buffer spans
//!   several, EOP on the last), the FCS stripped with RCTL.SECRC; each
//!   descriptor is written back with DD, EOP and the length. No
//!   descriptor: dropped, MPC and RNBC counted.
//! - Transmit [7.2]: a TDT write sends the data descriptors from TDH to
//!   TDT: the buffers up to EOP form a frame, padded to 60 bytes with
//!   TCTL.PSP, FCS appended with IFCS, onto the wire; DD written back
//!   where RS is set.
//! - Statistics: GPRC, GPTC, GORC, GOTC, TPR, TPT, BPRC, MPRC, BPTC, MPTC,
//!   CRCERRS, MPC, RNBC, RUC, ROC.
//!
//! Not modelled: EITR throttling, RSS and VMDq queue selection (everything
//! goes to queue 0), checksum offload, VLANs, context descriptors (ignored
//! and completed), header split, flow control.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use netgen_mmio::{Access, RegisterWindow};

use crate::dma::DmaSpace;
use crate::regs::descriptors::e1000_adv_rx_desc::{E1000AdvRxDesc, StatusError};
use crate::regs::descriptors::e1000_adv_tx_desc::E1000AdvTxDesc;
use crate::regs::index::{IvarEntry, RarEntry, RxQueue, TxQueue};
use crate::regs::registers::offsets;
use crate::regs::table::{register_at, COUNTERS64, REGISTERS};

/// The register window's size: BAR0 of the 82576 is 128 KiB; every register
/// of the table lies below 64 KiB.
const WINDOW_WORDS: usize = 0x1_0000 / 4;

/// `E1000_CTRL_RST`.
const CTRL_RST: u32 = 1 << 26;
/// `E1000_STATUS_LU`.
const STATUS_LU: u32 = 1 << 1;
/// `E1000_ICR_TXDW`, `E1000_ICR_LSC`, `E1000_ICR_RXT0`.
const ICR_TXDW: u32 = 1 << 0;
const ICR_LSC: u32 = 1 << 2;
const ICR_RXT0: u32 = 1 << 7;
/// `E1000_EERW_START`, `E1000_EERW_DONE`, `E1000_NVM_RW_ADDR_SHIFT`,
/// `E1000_NVM_RW_REG_DATA`.
const EERD_START: u32 = 1;
const EERD_DONE: u32 = 2;
/// `E1000_MDIC_OP_WRITE`, `E1000_MDIC_OP_READ`, `E1000_MDIC_READY`,
/// `E1000_MDIC_ERROR`.
const MDIC_OP_WRITE: u32 = 1 << 26;
const MDIC_OP_READ: u32 = 2 << 26;
const MDIC_READY: u32 = 1 << 28;
const MDIC_ERROR: u32 = 1 << 30;
/// The internal PHY's MDIO address (82576: 1).
pub const PHY_ADDR: u32 = 1;
/// `PHY_CONTROL` (BMCR), `PHY_STATUS` (BMSR), and their bits
/// (e1000_defines.h: `MII_CR_AUTO_NEG_EN`, `MII_CR_RESTART_AUTO_NEG`,
/// `MII_SR_LINK_STATUS`, `MII_SR_AUTONEG_COMPLETE`).
pub const PHY_CONTROL: usize = 0;
pub const PHY_STATUS: usize = 1;
pub const MII_CR_AUTO_NEG_EN: u16 = 1 << 12;
pub const MII_CR_RESTART_AUTO_NEG: u16 = 1 << 9;
pub const MII_SR_LINK_STATUS: u16 = 1 << 2;
pub const MII_SR_AUTONEG_COMPLETE: u16 = 1 << 5;
/// `E1000_RAH_AV`.
const RAH_AV: u32 = 1 << 31;
/// Reads of CTRL during which RST stays set after a reset.
const RESET_READS: u32 = 3;
/// Reads of STATUS between an auto-negotiation restart and link up.
const AUTONEG_READS: u32 = 3;
/// Shortest frame on the wire with FCS, longest without RCTL.LPE
/// (1518 + VLAN tag).
const ETH_ZLEN_FCS: usize = 64;
const MAX_FRAME_NO_LPE: usize = 1522;

/// How the model misbehaves, for fault tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ModelOptions {
    /// CTRL.RST never self-clears.
    pub never_finish_reset: bool,
    /// Auto-negotiation never completes: STATUS.LU stays 0.
    pub link_never_up: bool,
    /// Reset does not load the MAC into RAL0/RAH0 (the driver must read
    /// the EEPROM through EERD).
    pub no_mac_autoload: bool,
}

/// Counts of what the model did that no register counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ModelStats {
    /// Register accesses outside the table.
    pub unmapped: u64,
    /// Writes ignored because the register is read-only.
    pub ro_writes: u64,
    /// Frames from the wire dropped because receive is off (RCTL.EN or
    /// RXDCTL.ENABLE clear) or no filter matched.
    pub rx_filtered: u64,
    /// Frames dropped or descriptors skipped on a DMA fault.
    pub dma_faults: u64,
    /// Interrupt messages sent.
    pub interrupts: u64,
}

/// The interrupt line: called with the EICR bits of the vectors that fire.
pub type IrqCallback = Arc<dyn Fn(u32) + Send + Sync>;

struct State {
    regs: Vec<u32>,
    phy: [u16; 32],
    eeprom: [u16; 64],
    reset_reads_left: Option<u32>,
    autoneg_reads_left: Option<u32>,
    /// Frame being gathered from TX descriptors without EOP yet.
    tx_partial: Vec<u8>,
    wire_out: VecDeque<Vec<u8>>,
    stats: ModelStats,
}

/// A software 82576 (device 8086:10C9).
pub struct E1000_82576 {
    state: Mutex<State>,
    dma: DmaSpace,
    irq: Mutex<Option<IrqCallback>>,
    options: ModelOptions,
}

impl std::fmt::Debug for E1000_82576 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("E1000_82576").field("options", &self.options).finish_non_exhaustive()
    }
}

/// The Ethernet FCS of `frame` (as appended, little-endian on the wire):
/// IEEE 802.3's CRC-32 (reflected 0xEDB88320), which the MAC computes in
/// hardware. `crc32fast` computes the same CRC with SIMD or 16-byte
/// tables instead of a byte at a time, so the model's share of a frame's
/// cost is not mostly its FCS.
pub fn ether_crc(frame: &[u8]) -> u32 {
    crc32fast::hash(frame)
}

/// `frame` with its FCS, as it is on the wire.
pub fn with_fcs(frame: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(frame.len() + 4);
    v.extend_from_slice(frame);
    v.extend_from_slice(&ether_crc(frame).to_le_bytes());
    v
}

fn reg(s: &State, offset: usize) -> u32 {
    s.regs[offset / 4]
}

fn set(s: &mut State, offset: usize, v: u32) {
    s.regs[offset / 4] = v;
}

fn add(s: &mut State, offset: usize, n: u32) {
    let w = &mut s.regs[offset / 4];
    *w = w.saturating_add(n);
}

fn add64(s: &mut State, low: usize, n: u64) {
    let v = (u64::from(reg(s, low + 4)) << 32 | u64::from(reg(s, low))).saturating_add(n);
    set(s, low, v as u32);
    set(s, low + 4, (v >> 32) as u32);
}

impl E1000_82576 {
    /// A powered-on device with `mac` in its EEPROM, reaching memory
    /// through `dma`.
    pub fn new(mac: [u8; 6], dma: DmaSpace, options: ModelOptions) -> E1000_82576 {
        let mut eeprom = [0xFFFFu16; 64];
        for i in 0..3 {
            eeprom[i] = u16::from_le_bytes([mac[2 * i], mac[2 * i + 1]]);
        }
        let state = State {
            regs: vec![0; WINDOW_WORDS],
            phy: [0; 32],
            eeprom,
            reset_reads_left: None,
            autoneg_reads_left: None,
            tx_partial: Vec::new(),
            wire_out: VecDeque::new(),
            stats: ModelStats::default(),
        };
        let m = E1000_82576 { state: Mutex::new(state), dma, irq: Mutex::new(None), options };
        let mut s = m.lock();
        m.reset(&mut s);
        // Power-on reset has completed.
        let ctrl = reg(&s, offsets::CTRL);
        set(&mut s, offsets::CTRL, ctrl & !CTRL_RST);
        s.reset_reads_left = None;
        drop(s);
        m
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Connects the interrupt line (MSI-X messages) to `cb`.
    pub fn set_irq(&self, cb: Option<IrqCallback>) {
        *self.irq.lock().unwrap_or_else(PoisonError::into_inner) = cb;
    }

    /// The DMA space the device reaches memory through.
    pub fn dma(&self) -> &DmaSpace {
        &self.dma
    }

    pub fn stats(&self) -> ModelStats {
        self.lock().stats
    }

    /// Frames the device put on the wire, oldest first, each with its FCS.
    pub fn take_wire_frames(&self) -> Vec<Vec<u8>> {
        self.lock().wire_out.drain(..).collect()
    }

    /// Whether frames wait on the wire.
    pub fn has_wire_frames(&self) -> bool {
        !self.lock().wire_out.is_empty()
    }

    /// Full reset [4.3.1]: registers to their reset values (`REGISTERS`),
    /// the PHY to power-on, the MAC from the EEPROM into RAR0.
    fn reset(&self, s: &mut State) {
        s.regs.iter_mut().for_each(|w| *w = 0);
        for r in REGISTERS.iter() {
            s.regs[r.offset as usize / 4] = r.reset;
        }
        s.phy = [0; 32];
        s.phy[PHY_CONTROL] = MII_CR_AUTO_NEG_EN;
        s.phy[2] = 0x0141; // PHY_ID1 (82576's internal PHY: 0x01410CB0 >> 16)
        s.phy[3] = 0x0CB0;
        s.tx_partial.clear();
        s.autoneg_reads_left = None;
        if !self.options.no_mac_autoload {
            let e = &s.eeprom;
            let ral = u32::from(e[0]) | u32::from(e[1]) << 16;
            let rah = u32::from(e[2]) | RAH_AV;
            set(s, offsets::ral(RarEntry::at::<0>()), ral);
            set(s, offsets::rah(RarEntry::at::<0>()), rah);
        }
        set(s, offsets::CTRL, reg(s, offsets::CTRL) | CTRL_RST);
        s.reset_reads_left = Some(RESET_READS);
    }

    fn link_up(s: &State) -> bool {
        s.phy[PHY_STATUS] & MII_SR_LINK_STATUS != 0
    }

    /// The MSI-X vector of a cause: queue causes by IVAR (82576 layout,
    /// `igb_assign_vector`), `None` when not valid.
    fn ivar_vector(s: &State, queue: usize, tx: bool) -> Option<u32> {
        let i = IvarEntry::new(queue & 7)?;
        let shift = if queue & 8 != 0 { 16 } else { 0 } + if tx { 8 } else { 0 };
        let byte = (reg(s, offsets::ivar(i)) >> shift) & 0xFF;
        (byte & 0x80 != 0).then_some(byte & 0x1F)
    }

    /// Sets ICR causes, and the EICR bit of the "other" vector (IVAR_MISC)
    /// when one of them is enabled in IMS.
    fn raise_icr(s: &mut State, causes: u32) -> u32 {
        let icr = reg(s, offsets::ICR) | causes;
        set(s, offsets::ICR, icr);
        if causes & reg(s, offsets::IMS) == 0 {
            return 0;
        }
        let misc = (reg(s, offsets::IVAR_MISC) >> 8) & 0xFF;
        if misc & 0x80 == 0 {
            return 0;
        }
        Self::raise_eicr(s, 1 << (misc & 0x1F))
    }

    /// Sets EICR bits; returns the vectors that fire now (enabled in
    /// EIMS), after EIAC's auto-clear and EIAM's auto-mask.
    fn raise_eicr(s: &mut State, bits: u32) -> u32 {
        let eicr = reg(s, offsets::EICR) | bits;
        set(s, offsets::EICR, eicr);
        Self::fire(s)
    }

    fn fire(s: &mut State) -> u32 {
        let eims = reg(s, offsets::EIMS);
        let fire = reg(s, offsets::EICR) & eims;
        if fire == 0 {
            return 0;
        }
        let eiac = reg(s, offsets::EIAC);
        set(s, offsets::EICR, reg(s, offsets::EICR) & !(fire & eiac));
        set(s, offsets::EIMS, eims & !(fire & reg(s, offsets::EIAM)));
        s.stats.interrupts += 1;
        fire
    }

    fn queue_cause(s: &mut State, tx: bool) -> u32 {
        let icr = if tx { ICR_TXDW } else { ICR_RXT0 };
        set(s, offsets::ICR, reg(s, offsets::ICR) | icr);
        match Self::ivar_vector(s, 0, tx) {
            Some(v) => Self::raise_eicr(s, 1 << v),
            None => 0,
        }
    }

    fn interrupt(&self, fire: u32) {
        if fire == 0 {
            return;
        }
        let cb = self.irq.lock().unwrap_or_else(PoisonError::into_inner).clone();
        if let Some(cb) = cb {
            cb(fire);
        }
    }

    fn read_locked(&self, s: &mut State, offset: usize) -> (u32, u32) {
        let Some(info) = register_at(offset) else {
            s.stats.unmapped += 1;
            return (0, 0);
        };
        let mut fire = 0;
        let v = match offset {
            offsets::CTRL => {
                if let Some(n) = s.reset_reads_left {
                    if n == 0 && !self.options.never_finish_reset {
                        s.reset_reads_left = None;
                        set(s, offsets::CTRL, reg(s, offsets::CTRL) & !CTRL_RST);
                    } else {
                        s.reset_reads_left = Some(n.saturating_sub(1));
                    }
                }
                reg(s, offsets::CTRL)
            }
            offsets::STATUS => {
                if let Some(n) = s.autoneg_reads_left {
                    if n == 0 {
                        s.autoneg_reads_left = None;
                        s.phy[PHY_STATUS] |= MII_SR_LINK_STATUS | MII_SR_AUTONEG_COMPLETE;
                        fire = Self::raise_icr(s, ICR_LSC);
                    } else {
                        s.autoneg_reads_left = Some(n - 1);
                    }
                }
                let lu = if Self::link_up(s) { STATUS_LU } else { 0 };
                (reg(s, offsets::STATUS) & !STATUS_LU) | lu
            }
            _ if info.access == Access::Wo => 0,
            _ => {
                let v = reg(s, offset);
                if let Some(c) = COUNTERS64.iter().find(|c| c.high as usize == offset || c.low as usize == offset) {
                    // Low then high; reading the high half clears both.
                    if c.high as usize == offset {
                        set(s, c.low as usize, 0);
                        set(s, c.high as usize, 0);
                    }
                } else if info.access.read_clears() {
                    set(s, offset, 0);
                }
                v
            }
        };
        (v, fire)
    }

    fn write_locked(&self, s: &mut State, offset: usize, v: u32) -> u32 {
        let Some(info) = register_at(offset) else {
            s.stats.unmapped += 1;
            return 0;
        };
        match info.access {
            Access::Ro | Access::Rc => {
                s.stats.ro_writes += 1;
                return 0;
            }
            Access::W1c | Access::RcW1c => {
                set(s, offset, reg(s, offset) & !v);
                return 0;
            }
            Access::Rw1s => {
                set(s, offset, reg(s, offset) | v);
                return Self::fire(s);
            }
            Access::Rw | Access::Wo => {}
        }
        match offset {
            offsets::CTRL => {
                if v & CTRL_RST != 0 {
                    self.reset(s);
                } else {
                    set(s, offset, v);
                }
                0
            }
            offsets::ICS => Self::raise_icr(s, v),
            offsets::IMC => {
                set(s, offsets::IMS, reg(s, offsets::IMS) & !v);
                0
            }
            offsets::EICS => Self::raise_eicr(s, v),
            offsets::EIMC => {
                set(s, offsets::EIMS, reg(s, offsets::EIMS) & !v);
                0
            }
            offsets::EERD => {
                let addr = (v >> 2) & 0x3FFF;
                let r = if v & EERD_START != 0 {
                    let data = s.eeprom.get(addr as usize).copied().unwrap_or(0xFFFF);
                    EERD_DONE | addr << 2 | u32::from(data) << 16
                } else {
                    v & !EERD_DONE
                };
                set(s, offset, r);
                0
            }
            offsets::MDIC => self.mdic(s, v),
            _ => {
                set(s, offset, v);
                if offset == offsets::rdt(RxQueue::at::<0>()) {
                    0
                } else if offset == offsets::tdt(TxQueue::at::<0>()) {
                    self.transmit(s)
                } else {
                    0
                }
            }
        }
    }

    /// MDIC [8.2.4]: one PHY register read or write, READY at once.
    fn mdic(&self, s: &mut State, v: u32) -> u32 {
        let data = (v & 0xFFFF) as u16;
        let regadd = ((v >> 16) & 0x1F) as usize;
        let phyadd = (v >> 21) & 0x1F;
        let op = v & (3 << 26);
        if phyadd != PHY_ADDR || (op != MDIC_OP_READ && op != MDIC_OP_WRITE) {
            set(s, offsets::MDIC, v | MDIC_READY | MDIC_ERROR);
            return 0;
        }
        let mut out = v & !0xFFFF;
        if op == MDIC_OP_WRITE {
            if regadd == PHY_CONTROL {
                let restart = data & MII_CR_RESTART_AUTO_NEG != 0 && data & MII_CR_AUTO_NEG_EN != 0;
                s.phy[PHY_CONTROL] = data & !MII_CR_RESTART_AUTO_NEG;
                if restart {
                    s.phy[PHY_STATUS] &= !(MII_SR_LINK_STATUS | MII_SR_AUTONEG_COMPLETE);
                    s.autoneg_reads_left = (!self.options.link_never_up).then_some(AUTONEG_READS);
                }
            } else if regadd != PHY_STATUS {
                s.phy[regadd] = data;
            }
            out |= u32::from(data);
        } else {
            out |= u32::from(s.phy[regadd]);
        }
        set(s, offsets::MDIC, out | MDIC_READY);
        0
    }

    /// A frame arrives from the wire, with its 4-byte FCS. Returns whether
    /// it was written to the receive ring; every other frame is counted in
    /// a register (CRCERRS, RUC, ROC, MPC/RNBC) or [`ModelStats`].
    pub fn receive_frame(&self, wire: &[u8]) -> bool {
        let mut s = self.lock();
        let (ok, fire) = self.receive_locked(&mut s, wire);
        drop(s);
        self.interrupt(fire);
        ok
    }

    fn receive_locked(&self, s: &mut State, wire: &[u8]) -> (bool, u32) {
        add(s, offsets::TPR, 1);
        add64(s, offsets::TORL, wire.len() as u64);
        if wire.len() < ETH_ZLEN_FCS {
            add(s, offsets::RUC, 1);
            return (false, 0);
        }
        let (frame, fcs) = wire.split_at(wire.len() - 4);
        if ether_crc(frame).to_le_bytes() != fcs {
            add(s, offsets::CRCERRS, 1);
            return (false, 0);
        }
        let rctl = reg(s, offsets::RCTL);
        if wire.len() > MAX_FRAME_NO_LPE && rctl & (1 << 5) == 0 {
            add(s, offsets::ROC, 1);
            return (false, 0);
        }
        let q = RxQueue::at::<0>();
        let enabled = rctl & (1 << 1) != 0 && reg(s, offsets::rxdctl(q)) & (1 << 25) != 0;
        let dst = &frame[..6];
        let bcast = dst == [0xFF; 6];
        let mcast = dst[0] & 1 != 0 && !bcast;
        let rar = reg(s, offsets::ral(RarEntry::at::<0>())).to_le_bytes();
        let rah = reg(s, offsets::rah(RarEntry::at::<0>()));
        let exact = rah & RAH_AV != 0 && dst[..4] == rar && dst[4..6] == (rah as u16).to_le_bytes();
        let pass = exact
            || (bcast && rctl & (1 << 15) != 0)
            || (mcast && rctl & (1 << 4) != 0)
            || (!mcast && !bcast && rctl & (1 << 3) != 0);
        if !enabled || !pass {
            s.stats.rx_filtered += 1;
            return (false, 0);
        }
        let data = if rctl & (1 << 26) != 0 { frame } else { wire };
        let srrctl = reg(s, offsets::srrctl(q));
        let bsize = match (srrctl & 0x7F) as usize * 1024 {
            0 => 2048 >> ((rctl >> 16) & 3),
            n => n,
        };
        let count = reg(s, offsets::rdlen(q)) as usize / 16;
        let head = reg(s, offsets::rdh(q)) as usize;
        let tail = reg(s, offsets::rdt(q)) as usize;
        let needed = data.len().div_ceil(bsize);
        let avail = if count == 0 || head >= count || tail >= count { 0 } else { (tail + count - head) % count };
        if avail < needed {
            add(s, offsets::MPC, 1);
            add(s, offsets::RNBC, 1);
            return (false, 0);
        }
        let base = u64::from(reg(s, offsets::rdbah(q))) << 32 | u64::from(reg(s, offsets::rdbal(q)));
        let mut h = head;
        for (i, chunk) in data.chunks(bsize).enumerate() {
            let at = base + (h * 16) as u64;
            let mut raw = [0u8; 16];
            if self.dma.read(at, &mut raw).is_err() {
                s.stats.dma_faults += 1;
                return (false, 0);
            }
            let desc = E1000AdvRxDesc::from_bytes(raw);
            let buf = desc.read().pkt_addr();
            if self.dma.write(buf, chunk).is_err() {
                s.stats.dma_faults += 1;
                return (false, 0);
            }
            let mut wb = E1000AdvRxDesc::zeroed();
            let last = i + 1 == needed;
            let status = StatusError::from_bits(0).with_dd(true).with_eop(last);
            wb.wb_mut().upper_mut().set_status_error(status).set_length(chunk.len() as u16);
            let _ = self.dma.write(at, &wb.to_bytes());
            h = (h + 1) % count;
        }
        set(s, offsets::rdh(q), h as u32);
        add(s, offsets::GPRC, 1);
        add64(s, offsets::GORCL, wire.len() as u64);
        if bcast {
            add(s, offsets::BPRC, 1);
        } else if mcast {
            add(s, offsets::MPRC, 1);
        }
        (true, Self::queue_cause(s, false))
    }

    /// Sends the descriptors from TDH to TDT [7.2].
    fn transmit(&self, s: &mut State) -> u32 {
        let q = TxQueue::at::<0>();
        if reg(s, offsets::TCTL) & (1 << 1) == 0 || reg(s, offsets::txdctl(q)) & (1 << 25) == 0 {
            return 0;
        }
        let count = reg(s, offsets::tdlen(q)) as usize / 16;
        let tail = reg(s, offsets::tdt(q)) as usize;
        let mut head = reg(s, offsets::tdh(q)) as usize;
        if count == 0 || tail >= count || head >= count {
            return 0;
        }
        let base = u64::from(reg(s, offsets::tdbah(q))) << 32 | u64::from(reg(s, offsets::tdbal(q)));
        let mut sent = false;
        while head != tail {
            let at = base + (head * 16) as u64;
            let mut raw = [0u8; 16];
            if self.dma.read(at, &mut raw).is_err() {
                s.stats.dma_faults += 1;
                break;
            }
            let desc = E1000AdvTxDesc::from_bytes(raw);
            let cmd = desc.read().cmd_type_len();
            let is_data = cmd.dext() && cmd.dtyp().bits() == 3;
            if is_data {
                let len = cmd.dtalen() as usize;
                let start = s.tx_partial.len();
                s.tx_partial.resize(start + len, 0);
                if self.dma.read(desc.read().buffer_addr(), &mut s.tx_partial[start..]).is_err() {
                    s.stats.dma_faults += 1;
                    s.tx_partial.clear();
                } else if cmd.eop() {
                    let mut frame = std::mem::take(&mut s.tx_partial);
                    if reg(s, offsets::TCTL) & (1 << 3) != 0 && frame.len() < 60 {
                        frame.resize(60, 0);
                    }
                    if cmd.ifcs() {
                        frame.extend_from_slice(&ether_crc(&frame).to_le_bytes());
                    }
                    add(s, offsets::GPTC, 1);
                    add(s, offsets::TPT, 1);
                    add64(s, offsets::GOTCL, frame.len() as u64);
                    add64(s, offsets::TOTL, frame.len() as u64);
                    if frame[0] == 0xFF && frame[..6] == [0xFF; 6] {
                        add(s, offsets::BPTC, 1);
                    } else if frame[0] & 1 != 0 {
                        add(s, offsets::MPTC, 1);
                    }
                    s.wire_out.push_back(frame);
                    sent = true;
                }
            }
            if cmd.rs() {
                let mut wb = E1000AdvTxDesc::from_bytes(raw);
                let st = wb.wb().status().with_dd(true);
                wb.wb_mut().set_status(st);
                let _ = self.dma.write(at, &wb.to_bytes());
            }
            head = (head + 1) % count;
        }
        set(s, offsets::tdh(q), head as u32);
        if sent {
            Self::queue_cause(s, true)
        } else {
            0
        }
    }
}

impl RegisterWindow for E1000_82576 {
    fn read32(&self, offset: usize) -> u32 {
        if !offset.is_multiple_of(4) || offset / 4 >= WINDOW_WORDS {
            self.lock().stats.unmapped += 1;
            return 0;
        }
        let mut s = self.lock();
        let (v, fire) = self.read_locked(&mut s, offset);
        drop(s);
        self.interrupt(fire);
        v
    }

    fn write32(&self, offset: usize, value: u32) {
        if !offset.is_multiple_of(4) || offset / 4 >= WINDOW_WORDS {
            self.lock().stats.unmapped += 1;
            return;
        }
        let mut s = self.lock();
        let fire = self.write_locked(&mut s, offset, value);
        drop(s);
        self.interrupt(fire);
    }
}

/// An in-memory wire between two devices: what one puts on it, the other
/// receives (a cable, or a switch port with nothing else on it).
#[derive(Clone, Debug)]
pub struct Wire {
    pub a: Arc<E1000_82576>,
    pub b: Arc<E1000_82576>,
}

impl Wire {
    /// Moves every frame waiting on either side to the other; returns how
    /// many moved (each is received or dropped and counted by the peer).
    pub fn transfer(&self) -> usize {
        let mut n = 0;
        for (from, to) in [(&self.a, &self.b), (&self.b, &self.a)] {
            for f in from.take_wire_frames() {
                to.receive_frame(&f);
                n += 1;
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::regs::registers::Regs;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn model(opts: ModelOptions) -> E1000_82576 {
        E1000_82576::new([0x00, 0x1b, 0x21, 1, 2, 3], DmaSpace::new(), opts)
    }

    #[test]
    fn reset_values_come_from_the_generated_table() {
        let m = model(ModelOptions::default());
        for r in REGISTERS.iter().filter(|r| r.access != Access::Wo && r.name != "STATUS") {
            let want = match r.name {
                "RAL" | "RAH" if r.index == Some(0) => continue,
                _ => r.reset,
            };
            assert_eq!(m.read32(r.offset as usize), want, "{}({:?})", r.name, r.index);
        }
        assert_eq!(m.read32(offsets::STATUS) & STATUS_LU, 0, "link down until auto-negotiation");
        assert_eq!(m.read32(0x2), 0, "unaligned");
        assert_eq!(m.read32(0x1_0000), 0, "outside the window");
        assert_eq!(m.read32(0x0004), 0, "a hole in the map");
        assert_eq!(m.stats().unmapped, 3);
    }

    #[test]
    fn access_kinds() {
        let m = model(ModelOptions::default());
        let regs = Regs::new(&m);
        // RO: ignored.
        m.write32(offsets::STATUS, 0);
        assert_eq!(m.read32(offsets::STATUS), 0x8000_0400);
        assert_eq!(m.stats().ro_writes, 1);
        // Clear on read, and RC writes ignored.
        m.lock().regs[offsets::MPC / 4] = 5;
        m.write32(offsets::MPC, 0);
        assert_eq!((regs.mpc().read(), regs.mpc().read()), (5, 0));
        // 64-bit counter: low, then high clears both.
        {
            let mut s = m.lock();
            add64(&mut s, offsets::GORCL, 0x1_0000_0002);
        }
        assert_eq!(m.read32(offsets::GORCL), 2);
        assert_eq!(m.read32(offsets::GORCL), 2, "the low half alone does not clear");
        assert_eq!(m.read32(offsets::GORCH), 1);
        assert_eq!((m.read32(offsets::GORCL), m.read32(offsets::GORCH)), (0, 0));
        // ICR: set by ICS, W1C, read to clear.
        m.write32(offsets::ICS, ICR_LSC | ICR_RXT0);
        m.write32(offsets::ICR, ICR_LSC);
        assert_eq!(m.read32(offsets::ICR), ICR_RXT0);
        assert_eq!(m.read32(offsets::ICR), 0);
        // IMS write-1-to-set, IMC clears, IMC reads as nothing.
        m.write32(offsets::IMS, 0b101);
        m.write32(offsets::IMS, 0b010);
        m.write32(offsets::IMC, 0b001);
        assert_eq!((m.read32(offsets::IMS), m.read32(offsets::IMC)), (0b110, 0));
    }

    #[test]
    fn reset_self_clears_and_eerd_reads_the_eeprom() {
        let m = model(ModelOptions::default());
        m.write32(offsets::RCTL, 2);
        m.write32(offsets::CTRL, m.read32(offsets::CTRL) | CTRL_RST);
        assert_eq!(m.read32(offsets::RCTL), 0, "registers back to reset");
        let reads = (0..10).take_while(|_| m.read32(offsets::CTRL) & CTRL_RST != 0).count();
        assert_eq!(reads, RESET_READS as usize);
        m.write32(offsets::EERD, 2 << 2 | EERD_START);
        assert_eq!(m.read32(offsets::EERD), EERD_DONE | 2 << 2 | 0x0302 << 16);
        let stuck = model(ModelOptions { never_finish_reset: true, ..Default::default() });
        stuck.write32(offsets::CTRL, CTRL_RST);
        assert!((0..1000).all(|_| stuck.read32(offsets::CTRL) & CTRL_RST != 0));
    }

    #[test]
    fn mdic_autonegotiation_brings_the_link_up_and_raises_lsc() {
        let m = model(ModelOptions::default());
        let fired = Arc::new(AtomicU32::new(0));
        let f = fired.clone();
        m.set_irq(Some(Arc::new(move |bits| {
            f.fetch_or(bits, Ordering::SeqCst);
        })));
        m.write32(offsets::IVAR_MISC, 0x80 << 8); // other cause -> vector 0
        m.write32(offsets::IMS, ICR_LSC);
        m.write32(offsets::EIMS, 1);
        let bmcr = u32::from(MII_CR_AUTO_NEG_EN | MII_CR_RESTART_AUTO_NEG);
        m.write32(offsets::MDIC, bmcr | (PHY_CONTROL as u32) << 16 | PHY_ADDR << 21 | MDIC_OP_WRITE);
        assert_ne!(m.read32(offsets::MDIC) & MDIC_READY, 0);
        let polls = (0..10).take_while(|_| m.read32(offsets::STATUS) & STATUS_LU == 0).count();
        assert_eq!(polls, AUTONEG_READS as usize);
        assert_eq!(fired.load(Ordering::SeqCst), 1, "LSC on the other vector");
        m.write32(offsets::MDIC, (PHY_STATUS as u32) << 16 | PHY_ADDR << 21 | MDIC_OP_READ);
        let bmsr = m.read32(offsets::MDIC) as u16;
        assert_ne!(bmsr & MII_SR_LINK_STATUS, 0);
        m.write32(offsets::MDIC, 2 << 21 | MDIC_OP_READ);
        assert_ne!(m.read32(offsets::MDIC) & MDIC_ERROR, 0, "no PHY at address 2");

        let down = model(ModelOptions { link_never_up: true, ..Default::default() });
        down.write32(offsets::MDIC, bmcr | PHY_ADDR << 21 | MDIC_OP_WRITE);
        assert!((0..100).all(|_| down.read32(offsets::STATUS) & STATUS_LU == 0));
    }

    #[test]
    fn eiac_auto_clears_eiam_auto_masks_and_a_masked_cause_waits() {
        let m = model(ModelOptions::default());
        let fired = Arc::new(AtomicU32::new(0));
        let f = fired.clone();
        m.set_irq(Some(Arc::new(move |bits| {
            f.fetch_add(bits, Ordering::SeqCst);
        })));
        m.write32(offsets::EIAC, 0b10);
        m.write32(offsets::EIAM, 0b10);
        m.write32(offsets::EIMS, 0b10);
        m.write32(offsets::EICS, 0b10);
        assert_eq!(fired.load(Ordering::SeqCst), 2);
        assert_eq!((m.read32(offsets::EIMS), m.read32(offsets::EICR)), (0, 0), "masked and cleared");
        m.write32(offsets::EICS, 0b10);
        assert_eq!(fired.load(Ordering::SeqCst), 2, "masked: no message");
        m.write32(offsets::EIMS, 0b10);
        assert_eq!(fired.load(Ordering::SeqCst), 4, "unmasking sends the pending one");
        m.write32(offsets::EIMC, 0b10);
        assert_eq!(m.read32(offsets::EIMS), 0);
    }

    #[test]
    fn crc_is_ieee_802_3() {
        assert_eq!(ether_crc(b"123456789"), 0xCBF4_3926);
    }
}
