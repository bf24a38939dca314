//! igb: driver for the Intel 82575/82576/82580/I350/I210/I211/I354 family
//! (drivers/net/ethernet/intel/igb/igb_main.c).
//!
//! `igb_init_module` registers the driver (its name and PCI id table);
//! [`igb_main`] is the driver (probe, open, xmit, NAPI poll, close,
//! statistics) on a register window and a [`dma::DmaSpace`];
//! [`e1000_82576_model`] is a software 82576 it runs on.

// Registers and descriptors will need `unsafe` for MMIO and DMA; each such
// block will be allowed where it is, with its `// SAFETY:` comment.
#![deny(unsafe_code)]

pub mod dma;
pub mod e1000_82576_model;
pub mod e1000_hw;
pub mod igb_main;

/// The 82576's registers and descriptors, typed (`netgen_igb_regs`,
/// generated from `spec/igb_regs.ng`; a crate of its own because the
/// generated stack depends on this driver).
pub use netgen_igb_regs as regs;

use e1000_hw::*;
use netgen_runtime::dev::{DevSpec, NetdevNetState, SoftnetDataState};
use netgen_runtime::init::InitResult;
use netgen_runtime::kernel::HasState;
use netgen_runtime::pci::{
    pci_register_driver, pci_unregister_driver, PciBusState, PciDeviceId, PciDriver, PCI_VENDOR_ID_INTEL,
};
use netgen_runtime::{Errno, Kernel};

/// `igb_driver_name`.
pub const IGB_DRIVER_NAME: &str = "igb";
/// `igb_driver_string`.
pub const IGB_DRIVER_STRING: &str = "Intel(R) Gigabit Ethernet Network Driver";
/// `igb_copyright`.
pub const IGB_COPYRIGHT: &str = "Copyright (c) 2007-2014 Intel Corporation.";

/// `enum e1000_boards`: igb has one board type.
pub const BOARD_82575: usize = 0;

const fn intel(device: u32) -> PciDeviceId {
    // PCI_VDEVICE(INTEL, device), board_82575
    PciDeviceId::new(PCI_VENDOR_ID_INTEL, device, BOARD_82575)
}

/// `igb_pci_tbl` of Linux 6.0, in its order (the terminating `{0, }` is the
/// slice's end).
pub static IGB_PCI_TBL: [PciDeviceId; 35] = [
    intel(E1000_DEV_ID_I354_BACKPLANE_1GBPS),
    intel(E1000_DEV_ID_I354_SGMII),
    intel(E1000_DEV_ID_I354_BACKPLANE_2_5GBPS),
    intel(E1000_DEV_ID_I211_COPPER),
    intel(E1000_DEV_ID_I210_COPPER),
    intel(E1000_DEV_ID_I210_FIBER),
    intel(E1000_DEV_ID_I210_SERDES),
    intel(E1000_DEV_ID_I210_SGMII),
    intel(E1000_DEV_ID_I210_COPPER_FLASHLESS),
    intel(E1000_DEV_ID_I210_SERDES_FLASHLESS),
    intel(E1000_DEV_ID_I350_COPPER),
    intel(E1000_DEV_ID_I350_FIBER),
    intel(E1000_DEV_ID_I350_SERDES),
    intel(E1000_DEV_ID_I350_SGMII),
    intel(E1000_DEV_ID_82580_COPPER),
    intel(E1000_DEV_ID_82580_FIBER),
    intel(E1000_DEV_ID_82580_QUAD_FIBER),
    intel(E1000_DEV_ID_82580_SERDES),
    intel(E1000_DEV_ID_82580_SGMII),
    intel(E1000_DEV_ID_82580_COPPER_DUAL),
    intel(E1000_DEV_ID_DH89XXCC_SGMII),
    intel(E1000_DEV_ID_DH89XXCC_SERDES),
    intel(E1000_DEV_ID_DH89XXCC_BACKPLANE),
    intel(E1000_DEV_ID_DH89XXCC_SFP),
    intel(E1000_DEV_ID_82576),
    intel(E1000_DEV_ID_82576_NS),
    intel(E1000_DEV_ID_82576_NS_SERDES),
    intel(E1000_DEV_ID_82576_FIBER),
    intel(E1000_DEV_ID_82576_SERDES),
    intel(E1000_DEV_ID_82576_SERDES_QUAD),
    intel(E1000_DEV_ID_82576_QUAD_COPPER_ET2),
    intel(E1000_DEV_ID_82576_QUAD_COPPER),
    intel(E1000_DEV_ID_82575EB_COPPER),
    intel(E1000_DEV_ID_82575EB_FIBER_SERDES),
    intel(E1000_DEV_ID_82575GB_QUAD_COPPER),
];

/// `igb_driver`.
pub const IGB_DRIVER: PciDriver = PciDriver { name: IGB_DRIVER_NAME, id_table: &IGB_PCI_TBL };

/// igb is registered with the PCI bus (resource `IgbDriver`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IgbDriverState {
    /// PCI names (`0000:01:00.0`) of the devices bound at registration.
    pub bound: Vec<String>,
    /// Probes that failed because the device never finished its reset.
    pub reset_timeouts: u64,
    /// Opens that failed because the link never came up.
    pub link_timeouts: u64,
}

/// A kernel with what igb needs: the PCI bus, the device layer (netdevice
/// tables, softnet_data and NAPI), and a place for the driver's own state (resource
/// `IgbDriver`).
pub trait IgbKernel: DevSpec + HasState<PciBusState> + HasState<IgbDriverState> {}

impl<S> IgbKernel for S where S: DevSpec + HasState<PciBusState> + HasState<IgbDriverState> {}

/// `igb_init_module()` (igb_main.c, `module_init`): prints the driver
/// string and copyright (`pr_info`, prefixed "igb: " by igb's `pr_fmt`),
/// then `pci_register_driver(&igb_driver)`, which binds igb to every
/// matching device already on the bus.
///
/// The netdevice tables and softnet_data are checked up front because
/// probing a bound device registers a netdev and its NAPI contexts.
/// `dca_register_notify` (CONFIG_IGB_DCA) has no counterpart.
pub fn igb_init_module<S: IgbKernel>(k: &mut Kernel<S>) -> InitResult {
    k.get::<PciBusState>()?;
    k.get::<NetdevNetState>()?;
    k.get::<SoftnetDataState<S>>()?;
    if k.has::<IgbDriverState>() {
        return Err(Errno::EEXIST);
    }
    k.printk(format!("{IGB_DRIVER_NAME}: {IGB_DRIVER_STRING}"));
    k.printk(format!("{IGB_DRIVER_NAME}: {IGB_COPYRIGHT}"));
    let bound = pci_register_driver(k, IGB_DRIVER)?;
    k.provide(IgbDriverState { bound, reset_timeouts: 0, link_timeouts: 0 })
}

/// `igb_exit_module()`: `pci_unregister_driver(&igb_driver)`.
pub fn igb_exit_module<S: IgbKernel>(k: &mut Kernel<S>) -> InitResult {
    pci_unregister_driver(k, IGB_DRIVER_NAME)?;
    k.take::<IgbDriverState>().map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use netgen_runtime::pci::{pci_match_id, PciDev};

    #[test]
    fn table_covers_the_family() {
        for device in [0x10C9, 0x10E6, 0x10E7, 0x10E8, 0x150A, 0x10A7, 0x1521, 0x1533, 0x1539, 0x1F40, 0x157C] {
            let dev = PciDev::new(1, 0, 0, 0x8086, device);
            assert!(pci_match_id(&IGB_PCI_TBL, &dev).is_some(), "{device:#06x}");
        }
        let e1000e = PciDev::new(1, 0, 0, 0x8086, 0x10D3);
        let realtek = PciDev::new(1, 0, 0, 0x10EC, 0x10C9);
        assert!(pci_match_id(&IGB_PCI_TBL, &e1000e).is_none());
        assert!(pci_match_id(&IGB_PCI_TBL, &realtek).is_none());
    }
}
