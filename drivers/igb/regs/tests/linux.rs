//! The generated register layer against Linux's values: every register
//! instance's offset against e1000_regs.h (its macros transliterated
//! below, the oracle), field positions against e1000_defines.h and
//! e1000_82575.h masks, and the descriptor layouts against `#[repr(C)]`
//! copies of e1000_82575.h's unions, field by field. Counts come from the
//! generated table, which `netgen check` keeps equal to the spec.

use core::cell::{Cell, RefCell};
use core::mem::offset_of;

use netgen_igb_regs::descriptors::{e1000_adv_rx_desc, e1000_adv_tx_context_desc, e1000_adv_tx_desc};
use netgen_igb_regs::index::{MsixVector, RarEntry, RxQueue, TxQueue};
use netgen_igb_regs::registers::*;
use netgen_igb_regs::table::{register_at, COUNTERS64, REGISTERS};
use netgen_mmio::{Access, RegisterWindow};

// ---- e1000_regs.h (Linux 6.x), the per-queue macros as written there ----

fn queue(n: usize, low: usize, high: usize) -> usize {
    // `(_n) < 4 ? (low + ((_n) * 0x100)) : (high + ((_n) * 0x40))`
    if n < 4 {
        low + n * 0x100
    } else {
        high + n * 0x40
    }
}

/// Linux's offset of register `name` (instance `i`), `None` if Linux has
/// no such register.
fn linux_offset(name: &str, i: usize) -> Option<usize> {
    Some(match name {
        "CTRL" => 0x00000,
        "STATUS" => 0x00008,
        "EECD" => 0x00010,
        "EERD" => 0x00014,
        "CTRL_EXT" => 0x00018,
        "MDIC" => 0x00020,
        "FCAL" => 0x00028,
        "FCAH" => 0x0002C,
        "FCT" => 0x00030,
        "VET" => 0x00038,
        "ICR" => 0x000C0,
        "ITR" => 0x000C4,
        "ICS" => 0x000C8,
        "IMS" => 0x000D0,
        "IMC" => 0x000D8,
        "IAM" => 0x000E0,
        "RCTL" => 0x00100,
        "FCTTV" => 0x00170,
        "EICR" => 0x01580,
        "EITR" => 0x01680 + 0x4 * i,
        "EICS" => 0x01520,
        "EIMS" => 0x01524,
        "EIMC" => 0x01528,
        "EIAC" => 0x0152C,
        "EIAM" => 0x01530,
        "GPIE" => 0x01514,
        // E1000_IVAR0, written with array_wr32(E1000_IVAR0, i, ..).
        "IVAR" => 0x01700 + (i << 2),
        "IVAR_MISC" => 0x01740,
        "TCTL" => 0x00400,
        "TCTL_EXT" => 0x00404,
        "TIPG" => 0x00410,
        "LEDCTL" => 0x00E00,
        "PBA" => 0x01000,
        "FCRTL" => 0x02160,
        "FCRTH" => 0x02168,
        "RDBAL" => queue(i, 0x02800, 0x0C000),
        "RDBAH" => queue(i, 0x02804, 0x0C004),
        "RDLEN" => queue(i, 0x02808, 0x0C008),
        "SRRCTL" => queue(i, 0x0280C, 0x0C00C),
        "RDH" => queue(i, 0x02810, 0x0C010),
        "RDT" => queue(i, 0x02818, 0x0C018),
        "RXDCTL" => queue(i, 0x02828, 0x0C028),
        "TDBAL" => queue(i, 0x03800, 0x0E000),
        "TDBAH" => queue(i, 0x03804, 0x0E004),
        "TDLEN" => queue(i, 0x03808, 0x0E008),
        "TDH" => queue(i, 0x03810, 0x0E010),
        "TDT" => queue(i, 0x03818, 0x0E018),
        "TXDCTL" => queue(i, 0x03828, 0x0E028),
        "TDWBAL" => queue(i, 0x03838, 0x0E038),
        "TDWBAH" => queue(i, 0x0383C, 0x0E03C),
        "RQDPC" => 0x0C030 + i * 0x40,
        "RXPBS" => 0x02404,
        "TXPBS" => 0x03404,
        "DTXCTL" => 0x03590,
        "CRCERRS" => 0x04000,
        "ALGNERRC" => 0x04004,
        "SYMERRS" => 0x04008,
        "RXERRC" => 0x0400C,
        "MPC" => 0x04010,
        "SCC" => 0x04014,
        "ECOL" => 0x04018,
        "MCC" => 0x0401C,
        "LATECOL" => 0x04020,
        "COLC" => 0x04028,
        "DC" => 0x04030,
        "TNCRS" => 0x04034,
        "SEC" => 0x04038,
        "CEXTERR" => 0x0403C,
        "RLEC" => 0x04040,
        "XONRXC" => 0x04048,
        "XONTXC" => 0x0404C,
        "XOFFRXC" => 0x04050,
        "XOFFTXC" => 0x04054,
        "FCRUC" => 0x04058,
        "PRC64" => 0x0405C,
        "PRC127" => 0x04060,
        "PRC255" => 0x04064,
        "PRC511" => 0x04068,
        "PRC1023" => 0x0406C,
        "PRC1522" => 0x04070,
        "GPRC" => 0x04074,
        "BPRC" => 0x04078,
        "MPRC" => 0x0407C,
        "GPTC" => 0x04080,
        "GORCL" => 0x04088,
        "GORCH" => 0x0408C,
        "GOTCL" => 0x04090,
        "GOTCH" => 0x04094,
        "RNBC" => 0x040A0,
        "RUC" => 0x040A4,
        "RFC" => 0x040A8,
        "ROC" => 0x040AC,
        "RJC" => 0x040B0,
        "MGTPRC" => 0x040B4,
        "MGTPDC" => 0x040B8,
        "MGTPTC" => 0x040BC,
        "TORL" => 0x040C0,
        "TORH" => 0x040C4,
        "TOTL" => 0x040C8,
        "TOTH" => 0x040CC,
        "TPR" => 0x040D0,
        "TPT" => 0x040D4,
        "PTC64" => 0x040D8,
        "PTC127" => 0x040DC,
        "PTC255" => 0x040E0,
        "PTC511" => 0x040E4,
        "PTC1023" => 0x040E8,
        "PTC1522" => 0x040EC,
        "MPTC" => 0x040F0,
        "BPTC" => 0x040F4,
        "TSCTC" => 0x040F8,
        "TSCTFC" => 0x040FC,
        "IAC" => 0x04100,
        "ICRXPTC" => 0x04104,
        "ICRXATC" => 0x04108,
        "ICTXPTC" => 0x0410C,
        "ICTXATC" => 0x04110,
        "ICTXQEC" => 0x04118,
        "ICTXQMTC" => 0x0411C,
        "ICRXDMTC" => 0x04120,
        "ICRXOC" => 0x04124,
        "RXCSUM" => 0x05000,
        "RLPML" => 0x05004,
        "RFCTL" => 0x05008,
        // E1000_MTA and E1000_VFTA are arrays: `E1000_MTA + (i << 2)`.
        "MTA" => 0x05200 + (i << 2),
        "VFTA" => 0x05600 + (i << 2),
        "RAL" => {
            if i <= 15 {
                0x05400 + i * 8
            } else {
                0x054E0 + (i - 16) * 8
            }
        }
        "RAH" => {
            if i <= 15 {
                0x05404 + i * 8
            } else {
                0x054E4 + (i - 16) * 8
            }
        }
        "MRQC" => 0x05818,
        "RETA" => 0x05C00 + i * 4,
        "RSSRK" => 0x05C80 + i * 4,
        "SWSM" => 0x05B50,
        "FWSM" => 0x05B54,
        "SW_FW_SYNC" => 0x05B5C,
        _ => return None,
    })
}

#[test]
fn every_register_instance_is_at_linuxs_offset() {
    let mut checked = 0;
    for r in &REGISTERS {
        let i = r.index.map_or(0, usize::from);
        let linux = linux_offset(r.name, i).unwrap_or_else(|| panic!("{} is not in the Linux table above", r.name));
        assert_eq!(r.offset as usize, linux, "{}({:?})", r.name, r.index);
        assert_eq!(register_at(linux).map(|x| (x.name, x.index)), Some((r.name, r.index)));
        checked += 1;
    }
    assert_eq!(checked, REGISTERS.len());
    // Sorted and unique: `register_at` searches by offset.
    assert!(REGISTERS.windows(2).all(|w| w[0].offset < w[1].offset));
    assert!(register_at(0x00004).is_none());
}

#[test]
fn per_queue_registers_have_an_instance_per_queue() {
    for name in ["RDBAL", "RDBAH", "RDLEN", "SRRCTL", "RDH", "RDT", "RXDCTL", "RQDPC"] {
        let n = REGISTERS.iter().filter(|r| r.name == name).count();
        assert_eq!(n, RxQueue::COUNT, "{name}");
    }
    for name in ["TDBAL", "TDBAH", "TDLEN", "TDH", "TDT", "TXDCTL", "TDWBAL", "TDWBAH"] {
        assert_eq!(REGISTERS.iter().filter(|r| r.name == name).count(), TxQueue::COUNT, "{name}");
    }
    // The typed offsets are the table's.
    for q in RxQueue::all() {
        let at = |name: &str| REGISTERS.iter().find(|r| r.name == name && r.index == Some(q.index() as u16)).unwrap();
        assert_eq!(offsets::rdbal(q), at("RDBAL").offset as usize);
        assert_eq!(offsets::rxdctl(q), at("RXDCTL").offset as usize);
        assert_eq!(offsets::srrctl(q), at("SRRCTL").offset as usize);
    }
    for t in TxQueue::all() {
        assert_eq!(offsets::tdt(t), linux_offset("TDT", t.index()).unwrap());
    }
    assert_eq!(offsets::ral(RarEntry::at::<16>()), 0x054E0);
    assert_eq!(offsets::eitr(MsixVector::at::<24>()), 0x01680 + 4 * 24);
    assert_eq!(RxQueue::new(RxQueue::COUNT), None);
}

#[test]
fn access_and_reset_values_are_the_datasheets() {
    let info = |name: &str, index: Option<u16>| *REGISTERS.iter().find(|r| r.name == name && r.index == index).unwrap();
    assert_eq!(info("STATUS", None).access, Access::Ro);
    assert_eq!(info("ICR", None).access, Access::RcW1c);
    assert_eq!(info("IMS", None).access, Access::Rw1s);
    assert_eq!(info("IMC", None).access, Access::Wo);
    assert_eq!(info("GPRC", None).access, Access::Rc);
    // Queue 0 leaves reset enabled, with WTHRESH 1 (QEMU's igb_mac_reg_init).
    assert_eq!(info("RXDCTL", Some(0)).reset, 0x0201_0000);
    assert_eq!(info("RXDCTL", Some(1)).reset, 0x0001_0000);
    assert_eq!(info("TXDCTL", Some(0)).reset, 0x0200_0000);
    assert_eq!(info("RLPML", None).reset, 0x2600);
    assert_eq!(Rxdctl::reset(RxQueue::at::<0>()).bits(), 0x0201_0000);
    assert!(Rxdctl::reset(RxQueue::at::<0>()).enable());
    assert!(!Rxdctl::reset(RxQueue::at::<5>()).enable());
    assert_eq!(Ctrl::RESET.speed(), CtrlSpeed::S1000);
    assert_eq!(Tctl::RESET.ct(), 0xF);
    assert_eq!(Tipg::RESET.ipgt(), 8);
    let pairs: Vec<(&str, u32, u32)> = COUNTERS64.iter().map(|c| (c.name, c.low, c.high)).collect();
    assert_eq!(
        pairs,
        [("GORC", 0x04088, 0x0408C), ("GOTC", 0x04090, 0x04094), ("TOR", 0x040C0, 0x040C4), ("TOT", 0x040C8, 0x040CC)]
    );
}

/// Sets one field from nothing: its bits as a mask.
macro_rules! bits {
    ($ty:ident . $with:ident ( $v:expr )) => {
        $ty::from_bits(0).$with($v).bits()
    };
}

#[test]
fn fields_are_at_linuxs_bits() {
    // e1000_defines.h: Device Control.
    assert_eq!(bits!(Ctrl.with_fd(true)), 0x0000_0001); // E1000_CTRL_FD
    assert_eq!(bits!(Ctrl.with_gio_master_disable(true)), 0x0000_0004);
    assert_eq!(bits!(Ctrl.with_lrst(true)), 0x0000_0008);
    assert_eq!(bits!(Ctrl.with_asde(true)), 0x0000_0020);
    assert_eq!(bits!(Ctrl.with_slu(true)), 0x0000_0040); // E1000_CTRL_SLU
    assert_eq!(bits!(Ctrl.with_ilos(true)), 0x0000_0080);
    assert_eq!(bits!(Ctrl.with_speed(CtrlSpeed::S100)), 0x0000_0100); // E1000_CTRL_SPD_100
    assert_eq!(bits!(Ctrl.with_speed(CtrlSpeed::S1000)), 0x0000_0200); // E1000_CTRL_SPD_1000
    assert_eq!(bits!(Ctrl.with_frcspd(true)), 0x0000_0800);
    assert_eq!(bits!(Ctrl.with_frcdpx(true)), 0x0000_1000);
    assert_eq!(bits!(Ctrl.with_swdpin0(true)), 0x0004_0000);
    assert_eq!(bits!(Ctrl.with_swdpin1(true)), 0x0008_0000);
    assert_eq!(bits!(Ctrl.with_sdp0_dir(true)), 0x0040_0000);
    assert_eq!(bits!(Ctrl.with_sdp1_dir(true)), 0x0080_0000);
    assert_eq!(bits!(Ctrl.with_i2c_ena(true)), 0x0200_0000);
    assert_eq!(bits!(Ctrl.with_rst(true)), 0x0400_0000); // E1000_CTRL_RST
    assert_eq!(bits!(Ctrl.with_rfce(true)), 0x0800_0000);
    assert_eq!(bits!(Ctrl.with_tfce(true)), 0x1000_0000);
    assert_eq!(bits!(Ctrl.with_dev_rst(true)), 0x2000_0000); // E1000_CTRL_DEV_RST (e1000_82575.h)
    assert_eq!(bits!(Ctrl.with_vme(true)), 0x4000_0000);
    assert_eq!(bits!(Ctrl.with_phy_rst(true)), 0x8000_0000);
    // Device Status.
    assert_eq!(bits!(Status.with_fd(true)), 0x0000_0001);
    assert_eq!(bits!(Status.with_lu(true)), 0x0000_0002); // E1000_STATUS_LU
    assert_eq!(bits!(Status.with_func(1)), 0x0000_0004); // E1000_STATUS_FUNC_1
    assert_eq!(bits!(Status.with_txoff(true)), 0x0000_0010);
    assert_eq!(bits!(Status.with_speed(StatusSpeed::S100)), 0x0000_0040);
    assert_eq!(bits!(Status.with_speed(StatusSpeed::S1000)), 0x0000_0080);
    assert_eq!(bits!(Status.with_gio_master_enable(true)), 0x0008_0000);
    assert_eq!(bits!(Status.with_dev_rst_set(true)), 0x0010_0000); // E1000_STAT_DEV_RST_SET
                                                                   // EEPROM read: E1000_NVM_RW_REG_START, _DONE, _ADDR_SHIFT 2, _DATA 16.
    assert_eq!(bits!(Eerd.with_start(true)), 0x1);
    assert_eq!(bits!(Eerd.with_done(true)), 0x2);
    assert_eq!(bits!(Eerd.with_addr(0x3F)), 0x3F << 2);
    assert_eq!(Eerd::from_bits(0xBEEF_0002).data(), 0xBEEF);
    // EEPROM control.
    assert_eq!(bits!(Eecd.with_pres(true)), 0x0000_0100); // E1000_EECD_PRES
    assert_eq!(bits!(Eecd.with_auto_rd(true)), 0x0000_0200);
    assert_eq!(bits!(Eecd.with_size_ex(0xF)), 0x0000_7800); // E1000_EECD_SIZE_EX_MASK
                                                            // Extended control.
    assert_eq!(bits!(CtrlExt.with_pfrstd(true)), 0x0000_4000);
    assert_eq!(bits!(CtrlExt.with_link_mode(CtrlExtLinkMode::PCIE_SERDES)), 0x00C0_0000);
    assert_eq!(bits!(CtrlExt.with_link_mode(CtrlExtLinkMode::SGMII)), 0x0080_0000);
    assert_eq!(bits!(CtrlExt.with_eiame(true)), 0x0100_0000);
    assert_eq!(bits!(CtrlExt.with_drv_load(true)), 0x1000_0000);
    // MDI control.
    assert_eq!(bits!(Mdic.with_data(0xFFFF)), 0x0000_FFFF); // E1000_MDIC_DATA_MASK
    assert_eq!(bits!(Mdic.with_regadd(0x1F)), 0x001F_0000); // E1000_MDIC_REG_MASK
    assert_eq!(bits!(Mdic.with_phyadd(0x1F)), 0x03E0_0000); // E1000_MDIC_PHY_MASK
    assert_eq!(bits!(Mdic.with_op(MdicOp::WRITE)), 0x0400_0000); // E1000_MDIC_OP_WRITE
    assert_eq!(bits!(Mdic.with_op(MdicOp::READ)), 0x0800_0000); // E1000_MDIC_OP_READ
    assert_eq!(bits!(Mdic.with_r(true)), 0x1000_0000); // E1000_MDIC_READY
    assert_eq!(bits!(Mdic.with_i(true)), 0x2000_0000); // E1000_MDIC_INT_EN
    assert_eq!(bits!(Mdic.with_e(true)), 0x4000_0000); // E1000_MDIC_ERROR
    assert_eq!(bits!(Mdic.with_dest(true)), 0x8000_0000); // E1000_MDIC_DEST
                                                          // Interrupt causes, and the registers that share them.
    assert_eq!(bits!(Icr.with_txdw(true)), 0x0000_0001);
    assert_eq!(bits!(Icr.with_lsc(true)), 0x0000_0004); // E1000_ICR_LSC
    assert_eq!(bits!(Icr.with_rxseq(true)), 0x0000_0008);
    assert_eq!(bits!(Icr.with_rxdmt0(true)), 0x0000_0010);
    assert_eq!(bits!(Icr.with_rxt0(true)), 0x0000_0080);
    assert_eq!(bits!(Icr.with_vmmb(true)), 0x0000_0100);
    assert_eq!(bits!(Icr.with_ts(true)), 0x0008_0000);
    assert_eq!(bits!(Icr.with_doutsync(true)), 0x1000_0000);
    assert_eq!(bits!(Icr.with_drsta(true)), 0x4000_0000);
    assert_eq!(bits!(Icr.with_int_asserted(true)), 0x8000_0000);
    assert_eq!(bits!(Ims.with_lsc(true)), 0x0000_0004); // E1000_IMS_LSC
    assert_eq!(bits!(Imc.with_lsc(true)), 0x0000_0004);
    assert_eq!(bits!(Ics.with_lsc(true)), 0x0000_0004); // E1000_ICS_LSC
    assert_eq!(bits!(Gpie.with_nsicr(true)), 0x0000_0001); // E1000_GPIE_NSICR
    assert_eq!(bits!(Gpie.with_msix_mode(true)), 0x0000_0010);
    assert_eq!(bits!(Gpie.with_eiame(true)), 0x4000_0000);
    assert_eq!(bits!(Gpie.with_pba(true)), 0x8000_0000);
    assert_eq!(bits!(Eitr.with_cnt_ignr(true)), 0x8000_0000); // E1000_EITR_CNT_IGNR
    assert_eq!(bits!(Ivar.with_rx_valid(true)), 0x80); // E1000_IVAR_VALID
    assert_eq!(IvarMisc::from_bits(0).with_other_vector(3).with_other_valid(true).bits(), (3 | 0x80) << 8);
    // Receive control.
    assert_eq!(bits!(Rctl.with_en(true)), 0x0000_0002); // E1000_RCTL_EN
    assert_eq!(bits!(Rctl.with_sbp(true)), 0x0000_0004);
    assert_eq!(bits!(Rctl.with_upe(true)), 0x0000_0008);
    assert_eq!(bits!(Rctl.with_mpe(true)), 0x0000_0010);
    assert_eq!(bits!(Rctl.with_lpe(true)), 0x0000_0020);
    assert_eq!(bits!(Rctl.with_lbm(RctlLbm::MAC)), 0x0000_0040); // E1000_RCTL_LBM_MAC
    assert_eq!(bits!(Rctl.with_lbm(RctlLbm::TCVR)), 0x0000_00C0);
    assert_eq!(bits!(Rctl.with_mo(3)), 3 << 12); // E1000_RCTL_MO_SHIFT
    assert_eq!(bits!(Rctl.with_bam(true)), 0x0000_8000);
    assert_eq!(bits!(Rctl.with_bsize(RctlBsize::SZ_512)), 0x0002_0000); // E1000_RCTL_SZ_512
    assert_eq!(bits!(Rctl.with_bsize(RctlBsize::SZ_256)), 0x0003_0000);
    assert_eq!(bits!(Rctl.with_bsize(RctlBsize::SZ_2048)), 0);
    assert_eq!(bits!(Rctl.with_vfe(true)), 0x0004_0000);
    assert_eq!(bits!(Rctl.with_cfien(true)), 0x0008_0000);
    assert_eq!(bits!(Rctl.with_dpf(true)), 0x0040_0000);
    assert_eq!(bits!(Rctl.with_pmcf(true)), 0x0080_0000);
    assert_eq!(bits!(Rctl.with_secrc(true)), 0x0400_0000); // E1000_RCTL_SECRC
                                                           // e1000_82575.h: SRRCTL, RXDCTL, TXDCTL.
    assert_eq!(bits!(Srrctl.with_desctype(SrrctlDesctype::ADV_ONEBUF)), 0x0200_0000);
    assert_eq!(bits!(Srrctl.with_desctype(SrrctlDesctype::HDR_SPLIT_ALWAYS)), 0x0A00_0000);
    assert_eq!(bits!(Srrctl.with_drop_en(true)), 0x8000_0000);
    assert_eq!(bits!(Srrctl.with_timestamp(true)), 0x4000_0000);
    // 2048-byte buffers: `ALIGN(2048, 1024) >> E1000_SRRCTL_BSIZEPKT_SHIFT`.
    assert_eq!(bits!(Srrctl.with_bsizepkt(2)), 2048 >> 10);
    assert_eq!(bits!(Srrctl.with_bsizehdrsize(4)), 256 << 2); // IGB_RX_HDR_LEN << _BSIZEHDRSIZE_SHIFT
    assert_eq!(bits!(Rxdctl.with_enable(true)), 0x0200_0000); // E1000_RXDCTL_QUEUE_ENABLE
    assert_eq!(bits!(Txdctl.with_enable(true)), 0x0200_0000); // E1000_TXDCTL_QUEUE_ENABLE
    assert_eq!(bits!(Rxdctl.with_wthresh(1)), 1 << 16);
    // Transmit control.
    assert_eq!(bits!(Tctl.with_en(true)), 0x0000_0002); // E1000_TCTL_EN
    assert_eq!(bits!(Tctl.with_psp(true)), 0x0000_0008);
    assert_eq!(bits!(Tctl.with_ct(0xFF)), 0x0000_0FF0); // E1000_TCTL_CT
    assert_eq!(bits!(Tctl.with_cold(0x3FF)), 0x003F_F000); // E1000_TCTL_COLD
    assert_eq!(bits!(Tctl.with_rtlc(true)), 0x0100_0000);
    // Receive checksum, address filters, RSS.
    assert_eq!(bits!(Rxcsum.with_ipofl(true)), 0x0000_0100);
    assert_eq!(bits!(Rxcsum.with_tuofl(true)), 0x0000_0200);
    assert_eq!(bits!(Rxcsum.with_crcofl(true)), 0x0000_0800);
    assert_eq!(bits!(Rxcsum.with_pcsd(true)), 0x0000_2000);
    assert_eq!(bits!(Rah.with_av(true)), 0x8000_0000); // E1000_RAH_AV
    assert_eq!(bits!(Rah.with_asel(RahAsel::SRC)), 0x0001_0000); // E1000_RAH_ASEL_SRC_ADDR
    assert_eq!(bits!(Rah.with_qsel_enable(true)), 0x1000_0000);
    assert_eq!(bits!(Rah.with_pool(1)), 0x0004_0000); // E1000_RAH_POOL_1
    assert_eq!(bits!(Rah.with_pool(0xFF)), 0x03FC_0000); // E1000_RAH_POOL_MASK
    assert_eq!(bits!(Mrqc.with_mrqe(MrqcMrqe::RSS_MQ)), 0x2);
    assert_eq!(bits!(Mrqc.with_mrqe(MrqcMrqe::VMDQ)), 0x3); // E1000_MRQC_ENABLE_VMDQ
    assert_eq!(bits!(Mrqc.with_rss_field_ipv4_tcp(true)), 0x0001_0000);
    assert_eq!(bits!(Mrqc.with_rss_field_ipv6_udp_ex(true)), 0x0100_0000);
    assert_eq!(bits!(Swsm.with_smbi(true)), 0x1);
    assert_eq!(bits!(Fcrtl.with_xone(true)), 0x8000_0000); // E1000_FCRTL_XONE
}

// ---- e1000_82575.h's descriptors, as #[repr(C)] Rust ----

#[repr(C)]
struct RxRead {
    pkt_addr: u64,
    hdr_addr: u64,
}
#[repr(C)]
struct LoDword {
    pkt_info: u16,
    hdr_info: u16,
}
#[repr(C)]
struct CsumIp {
    ip_id: u16,
    csum: u16,
}
#[repr(C)]
#[allow(dead_code)]
union HiDword {
    rss: u32,
    csum_ip: core::mem::ManuallyDrop<CsumIp>,
}
#[repr(C)]
struct Lower {
    lo_dword: LoDword,
    hi_dword: HiDword,
}
#[repr(C)]
struct Upper {
    status_error: u32,
    length: u16,
    vlan: u16,
}
#[repr(C)]
struct RxWb {
    lower: Lower,
    upper: Upper,
}
#[repr(C)]
struct TxRead {
    buffer_addr: u64,
    cmd_type_len: u32,
    olinfo_status: u32,
}
#[repr(C)]
struct TxWb {
    rsvd: u64,
    nxtseq_seed: u32,
    status: u32,
}
#[repr(C)]
struct TxContext {
    vlan_macip_lens: u32,
    seqnum_seed: u32,
    type_tucmd_mlhl: u32,
    mss_l4len_idx: u32,
}

/// Bytes with a distinct value at each of `width` bytes at `at`, and the
/// little-endian number they hold.
fn marked(at: usize, width: usize) -> ([u8; 16], u64) {
    let mut bytes = [0u8; 16];
    let mut value = 0u64;
    for i in 0..width {
        bytes[at + i] = 0x11 * (i as u8 + 1);
        value |= u64::from(bytes[at + i]) << (8 * i);
    }
    (bytes, value)
}

#[test]
fn the_advanced_receive_descriptor_is_linuxs_union() {
    use e1000_adv_rx_desc::E1000AdvRxDesc as D;
    assert_eq!(D::SIZE, 16);
    assert_eq!(core::mem::size_of::<D>(), core::mem::size_of::<RxRead>());
    assert_eq!(core::mem::size_of::<RxWb>(), 16);
    let lower = offset_of!(RxWb, lower);
    let upper = offset_of!(RxWb, upper);
    let hi = lower + offset_of!(Lower, hi_dword);
    let lo = lower + offset_of!(Lower, lo_dword);
    type Get = fn(&D) -> u64;
    let fields: [(usize, usize, Get); 10] = [
        (offset_of!(RxRead, pkt_addr), 8, |d| d.read().pkt_addr()),
        (offset_of!(RxRead, hdr_addr), 8, |d| d.read().hdr_addr()),
        (lo + offset_of!(LoDword, pkt_info), 2, |d| d.wb().lower().lo_dword().pkt_info().bits().into()),
        (lo + offset_of!(LoDword, hdr_info), 2, |d| d.wb().lower().lo_dword().hdr_info().bits().into()),
        (hi, 4, |d| d.wb().lower().hi_dword().rss().into()),
        (hi + offset_of!(CsumIp, ip_id), 2, |d| d.wb().lower().hi_dword().csum_ip().ip_id().into()),
        (hi + offset_of!(CsumIp, csum), 2, |d| d.wb().lower().hi_dword().csum_ip().csum().into()),
        (upper + offset_of!(Upper, status_error), 4, |d| d.wb().upper().status_error().bits().into()),
        (upper + offset_of!(Upper, length), 2, |d| d.wb().upper().length().into()),
        (upper + offset_of!(Upper, vlan), 2, |d| d.wb().upper().vlan().into()),
    ];
    for (at, width, get) in fields {
        let (bytes, value) = marked(at, width);
        assert_eq!(get(&D::from_bytes(bytes)), value, "the field at byte {at}");
    }
    // Writing through the views puts Linux's bytes where Linux has them.
    let mut d = D::zeroed();
    d.read_mut().set_pkt_addr(0x1122_3344_5566_7788).set_hdr_addr(0);
    assert_eq!(&d.to_bytes()[..8], &0x1122_3344_5566_7788u64.to_le_bytes());
    d.wb_mut().upper_mut().set_length(1514);
    assert_eq!(&d.to_bytes()[12..14], &1514u16.to_le_bytes());
    // e1000_defines.h: E1000_RXD_STAT_*, E1000_RXDEXT_STATERR_*.
    use e1000_adv_rx_desc::StatusError as S;
    assert_eq!(bits!(S.with_dd(true)), 0x01);
    assert_eq!(bits!(S.with_eop(true)), 0x02);
    assert_eq!(bits!(S.with_ixsm(true)), 0x04);
    assert_eq!(bits!(S.with_vp(true)), 0x08);
    assert_eq!(bits!(S.with_udpcs(true)), 0x10);
    assert_eq!(bits!(S.with_tcpcs(true)), 0x20);
    assert_eq!(bits!(S.with_ts(true)), 0x1_0000); // E1000_RXDADV_STAT_TS
    assert_eq!(bits!(S.with_tsip(true)), 0x0_8000); // E1000_RXDADV_STAT_TSIP
    assert_eq!(bits!(S.with_lb(true)), 0x0004_0000);
    assert_eq!(bits!(S.with_ce(true)), 0x0100_0000);
    assert_eq!(bits!(S.with_se(true)), 0x0200_0000);
    assert_eq!(bits!(S.with_seq(true)), 0x0400_0000);
    assert_eq!(bits!(S.with_cxe(true)), 0x1000_0000);
    assert_eq!(bits!(S.with_tcpe(true)), 0x2000_0000);
    assert_eq!(bits!(S.with_ipe(true)), 0x4000_0000);
    assert_eq!(bits!(S.with_rxe(true)), 0x8000_0000);
    use e1000_adv_rx_desc::HdrInfo;
    assert_eq!(bits!(HdrInfo.with_hdr_len(0x3FF)), 0x7FE0); // E1000_RXDADV_HDRBUFLEN_MASK
}

#[test]
fn the_advanced_transmit_descriptors_are_linuxs() {
    use e1000_adv_tx_desc::E1000AdvTxDesc as D;
    type Get = fn(&D) -> u64;
    let fields: [(usize, usize, Get); 6] = [
        (offset_of!(TxRead, buffer_addr), 8, |d| d.read().buffer_addr()),
        (offset_of!(TxRead, cmd_type_len), 4, |d| d.read().cmd_type_len().bits().into()),
        (offset_of!(TxRead, olinfo_status), 4, |d| d.read().olinfo_status().bits().into()),
        (offset_of!(TxWb, rsvd), 8, |d| d.wb().rsvd()),
        (offset_of!(TxWb, nxtseq_seed), 4, |d| d.wb().nxtseq_seed().into()),
        (offset_of!(TxWb, status), 4, |d| d.wb().status().bits().into()),
    ];
    for (at, width, get) in fields {
        let (bytes, value) = marked(at, width);
        assert_eq!(get(&D::from_bytes(bytes)), value, "the field at byte {at}");
    }
    use e1000_adv_tx_desc::{CmdTypeLen as C, CmdTypeLenDtyp, OlinfoStatus, Status};
    assert_eq!(bits!(C.with_dtyp(CmdTypeLenDtyp::DATA)), 0x0030_0000); // E1000_ADVTXD_DTYP_DATA
    assert_eq!(bits!(C.with_dtyp(CmdTypeLenDtyp::CTXT)), 0x0020_0000); // E1000_ADVTXD_DTYP_CTXT
    assert_eq!(bits!(C.with_mac_tstamp(true)), 0x0008_0000);
    assert_eq!(bits!(C.with_eop(true)), 0x0100_0000); // E1000_ADVTXD_DCMD_EOP
    assert_eq!(bits!(C.with_ifcs(true)), 0x0200_0000); // E1000_ADVTXD_DCMD_IFCS
    assert_eq!(bits!(C.with_rs(true)), 0x0800_0000); // E1000_ADVTXD_DCMD_RS
    assert_eq!(bits!(C.with_dext(true)), 0x2000_0000); // E1000_ADVTXD_DCMD_DEXT
    assert_eq!(bits!(C.with_vle(true)), 0x4000_0000);
    assert_eq!(bits!(C.with_tse(true)), 0x8000_0000);
    assert_eq!(bits!(C.with_dtalen(1514)), 1514);
    assert_eq!(bits!(OlinfoStatus.with_paylen(1514)), 1514 << 14); // E1000_ADVTXD_PAYLEN_SHIFT
    assert_eq!(bits!(OlinfoStatus.with_ixsm(true)), 0x01 << 8); // E1000_TXD_POPTS_IXSM << 8
    assert_eq!(bits!(OlinfoStatus.with_txsm(true)), 0x02 << 8);
    assert_eq!(bits!(Status.with_dd(true)), 0x1); // E1000_TXD_STAT_DD

    use e1000_adv_tx_context_desc::E1000AdvTxContextDesc as X;
    type GetX = fn(&X) -> u64;
    let fields: [(usize, usize, GetX); 4] = [
        (offset_of!(TxContext, vlan_macip_lens), 4, |d| d.vlan_macip_lens().bits().into()),
        (offset_of!(TxContext, seqnum_seed), 4, |d| d.seqnum_seed().into()),
        (offset_of!(TxContext, type_tucmd_mlhl), 4, |d| d.type_tucmd_mlhl().bits().into()),
        (offset_of!(TxContext, mss_l4len_idx), 4, |d| d.mss_l4len_idx().bits().into()),
    ];
    for (at, width, get) in fields {
        let (bytes, value) = marked(at, width);
        assert_eq!(get(&X::from_bytes(bytes)), value, "the field at byte {at}");
    }
    use e1000_adv_tx_context_desc::{MssL4lenIdx, TypeTucmdMlhl as T, TypeTucmdMlhlL4t, VlanMacipLens};
    assert_eq!(bits!(VlanMacipLens.with_maclen(14)), 14 << 9); // E1000_ADVTXD_MACLEN_SHIFT
    assert_eq!(bits!(VlanMacipLens.with_iplen(20)), 20);
    assert_eq!(bits!(T.with_ipv4(true)), 0x0000_0400); // E1000_ADVTXD_TUCMD_IPV4
    assert_eq!(bits!(T.with_l4t(TypeTucmdMlhlL4t::TCP)), 0x0000_0800); // E1000_ADVTXD_TUCMD_L4T_TCP
    assert_eq!(bits!(T.with_l4t(TypeTucmdMlhlL4t::SCTP)), 0x0000_1000);
    assert_eq!(bits!(MssL4lenIdx.with_l4len(20)), 20 << 8); // E1000_ADVTXD_L4LEN_SHIFT
    assert_eq!(bits!(MssL4lenIdx.with_mss(1448)), 1448 << 16); // E1000_ADVTXD_MSS_SHIFT
}

/// A window that records every access, for the access semantics.
struct Recorder {
    regs: RefCell<Vec<u32>>,
    log: RefCell<Vec<(char, usize)>>,
    reads: Cell<usize>,
}

impl RegisterWindow for Recorder {
    fn read32(&self, offset: usize) -> u32 {
        self.log.borrow_mut().push(('r', offset));
        self.reads.set(self.reads.get() + 1);
        self.regs.borrow()[offset / 4]
    }

    fn write32(&self, offset: usize, value: u32) {
        self.log.borrow_mut().push(('w', offset));
        self.regs.borrow_mut()[offset / 4] = value;
    }
}

#[test]
fn registers_are_read_and_written_as_their_access_says() {
    let w = Recorder { regs: RefCell::new(vec![0; 0x10000 / 4]), log: RefCell::default(), reads: Cell::new(0) };
    let regs = Regs::new(&w);
    regs.rctl().modify(|r| r.with_en(true).with_bsize(RctlBsize::SZ_1024).with_secrc(true));
    assert_eq!(w.regs.borrow()[0x100 / 4], 0x0401_0002);
    assert_eq!(*w.log.borrow(), [('r', 0x100), ('w', 0x100)]);
    let rctl = regs.rctl().read();
    assert!(rctl.en() && rctl.secrc() && rctl.bsize() == RctlBsize::SZ_1024);
    assert_eq!(format!("{:?}", rctl.bsize()), "RctlBsize::SZ_1024");
    // A write-only register is written whole, without a read.
    w.log.borrow_mut().clear();
    regs.imc().write(Imc::from_bits(u32::MAX));
    regs.ims().write(Ims::from_bits(0).with_lsc(true).with_rxt0(true));
    assert_eq!(*w.log.borrow(), [('w', 0xD8), ('w', 0xD0)]);
    // A 64-bit counter: low half first, then the high one.
    w.regs.borrow_mut()[0x04088 / 4] = 0x89AB_CDEF;
    w.regs.borrow_mut()[0x0408C / 4] = 0x1;
    w.log.borrow_mut().clear();
    assert_eq!(regs.gorc().read(), 0x1_89AB_CDEF);
    assert_eq!(*w.log.borrow(), [('r', 0x04088), ('r', 0x0408C)]);
    // Per-queue registers at Linux's split ranges.
    w.log.borrow_mut().clear();
    for q in [0, 3, 4, 15] {
        regs.rdt(RxQueue::new(q).unwrap()).write(7);
    }
    let at: Vec<usize> = w.log.borrow().iter().map(|(_, o)| *o).collect();
    assert_eq!(at, [0x02818, 0x02B18, 0x0C118, 0x0C3D8]);
}
