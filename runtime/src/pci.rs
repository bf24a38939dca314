//! The PCI bus (drivers/pci/pci-driver.c, drivers/base/{bus,driver,dd}.c):
//! `pci_bus_type`, the drivers registered on it, the devices found on it,
//! and the id-table matching that binds one to the other.

use crate::errno::Errno;
use crate::init::InitResult;
use crate::kernel::{HasState, Kernel};

/// `PCI_ANY_ID`: matches any vendor or device.
pub const PCI_ANY_ID: u32 = !0;
/// `PCI_VENDOR_ID_INTEL`.
pub const PCI_VENDOR_ID_INTEL: u32 = 0x8086;

/// One entry of a driver's id table (`struct pci_device_id`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PciDeviceId {
    pub vendor: u32,
    pub device: u32,
    /// Driver-private data, e.g. igb's board type.
    pub driver_data: usize,
}

impl PciDeviceId {
    /// `PCI_VDEVICE(vendor, device)` with `driver_data`.
    pub const fn new(vendor: u32, device: u32, driver_data: usize) -> Self {
        PciDeviceId { vendor, device, driver_data }
    }

    /// `pci_match_one_device`: whether this entry matches `dev`.
    pub fn matches(&self, dev: &PciDev) -> bool {
        (self.vendor == PCI_ANY_ID || self.vendor == u32::from(dev.vendor))
            && (self.device == PCI_ANY_ID || self.device == u32::from(dev.device))
    }
}

/// `pci_match_id(ids, dev)`: the first entry of `ids` matching `dev`.
pub fn pci_match_id<'a>(ids: &'a [PciDeviceId], dev: &PciDev) -> Option<&'a PciDeviceId> {
    ids.iter().find(|id| id.matches(dev))
}

/// `struct pci_driver`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PciDriver {
    pub name: &'static str,
    pub id_table: &'static [PciDeviceId],
}

/// `struct pci_dev`, as enumeration found it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PciDev {
    /// PCI domain, bus, slot and function (`0000:01:00.0`).
    pub domain: u16,
    pub bus: u8,
    pub slot: u8,
    pub func: u8,
    pub vendor: u16,
    pub device: u16,
    /// The driver bound to it, by name.
    pub driver: Option<&'static str>,
    /// The id-table entry the driver matched with.
    pub matched: Option<PciDeviceId>,
}

impl PciDev {
    /// An unbound device at `bus:slot.func` of domain 0.
    pub fn new(bus: u8, slot: u8, func: u8, vendor: u16, device: u16) -> Self {
        PciDev { domain: 0, bus, slot, func, vendor, device, driver: None, matched: None }
    }

    /// `pci_name(dev)`: `"0000:01:00.0"`.
    pub fn name(&self) -> String {
        format!("{:04x}:{:02x}:{:02x}.{}", self.domain, self.bus, self.slot, self.func)
    }

    /// Binds `drv` if it is unbound and `drv`'s table matches
    /// (`driver_match_device` + `really_probe`, minus `probe`).
    fn try_bind(&mut self, drv: &PciDriver) -> bool {
        if self.driver.is_some() {
            return false;
        }
        let Some(id) = pci_match_id(drv.id_table, self) else {
            return false;
        };
        self.matched = Some(*id);
        self.driver = Some(drv.name);
        true
    }
}

/// `struct bus_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BusType {
    pub name: &'static str,
    /// `drivers_autoprobe`: bind when a driver or device appears (1 by default).
    pub drivers_autoprobe: bool,
}

/// `pci_bus_type` registered, with its drivers and devices (resource `PciBus`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PciBusState {
    pub bus_type: BusType,
    drivers: Vec<PciDriver>,
    devices: Vec<PciDev>,
}

impl PciBusState {
    pub fn drivers(&self) -> &[PciDriver] {
        &self.drivers
    }

    pub fn devices(&self) -> &[PciDev] {
        &self.devices
    }

    /// `driver_find(name, &pci_bus_type)`.
    pub fn driver(&self, name: &str) -> Option<&PciDriver> {
        self.drivers.iter().find(|d| d.name == name)
    }
}

/// `pci_register_driver(drv)` → `driver_register`: adds the driver to the
/// bus and, with autoprobe, binds it to every unbound matching device
/// (`driver_attach`). Returns the names of the devices it bound.
///
/// As in Linux, an uninitialized bus is `EINVAL` and a driver name already
/// registered is `EBUSY` ("already registered, aborting...").
pub fn pci_register_driver<S: HasState<PciBusState>>(k: &mut Kernel<S>, drv: PciDriver) -> Result<Vec<String>, Errno> {
    let Ok(bus) = k.get_mut::<PciBusState>() else {
        k.printk(format!(
            "Driver '{}' was unable to register with bus_type 'pci' because the bus was not initialized.",
            drv.name
        ));
        return Err(Errno::EINVAL);
    };
    if bus.driver(drv.name).is_some() {
        k.printk(format!("Error: Driver '{}' is already registered, aborting...", drv.name));
        return Err(Errno::EBUSY);
    }
    bus.drivers.push(drv);
    let mut bound = Vec::new();
    if bus.bus_type.drivers_autoprobe {
        for dev in &mut bus.devices {
            if dev.try_bind(&drv) {
                bound.push(dev.name());
            }
        }
    }
    Ok(bound)
}

/// `pci_unregister_driver(drv)`: unbinds its devices and removes it;
/// `ENOENT` if it is not registered.
pub fn pci_unregister_driver<S: HasState<PciBusState>>(k: &mut Kernel<S>, name: &str) -> Result<(), Errno> {
    let bus = k.get_mut::<PciBusState>()?;
    let i = bus.drivers.iter().position(|d| d.name == name).ok_or(Errno::ENOENT)?;
    bus.drivers.remove(i);
    for dev in bus.devices.iter_mut().filter(|d| d.driver == Some(name)) {
        dev.driver = None;
        dev.matched = None;
    }
    Ok(())
}

/// `pci_bus_add_device(dev)` → `device_attach`: adds a device found by
/// enumeration and binds the first registered driver that matches it.
/// Returns that driver's name. `EEXIST` if the slot is already occupied.
pub fn pci_bus_add_device<S: HasState<PciBusState>>(
    k: &mut Kernel<S>,
    mut dev: PciDev,
) -> Result<Option<&'static str>, Errno> {
    let bus = k.get_mut::<PciBusState>()?;
    if bus.devices.iter().any(|d| d.name() == dev.name()) {
        return Err(Errno::EEXIST);
    }
    dev.driver = None;
    dev.matched = None;
    if bus.bus_type.drivers_autoprobe {
        for drv in &bus.drivers {
            if dev.try_bind(drv) {
                break;
            }
        }
    }
    let driver = dev.driver;
    bus.devices.push(dev);
    Ok(driver)
}

/// `pci_driver_init()` (drivers/pci/pci-driver.c, postcore_initcall):
/// `bus_register(&pci_bus_type)`. No drivers or devices yet.
pub fn pci_driver_init<S: HasState<PciBusState>>(k: &mut Kernel<S>) -> InitResult {
    let bus_type = BusType { name: "pci", drivers_autoprobe: true };
    k.provide(PciBusState { bus_type, drivers: Vec::new(), devices: Vec::new() })
}

#[cfg(test)]
mod tests {
    use super::*;

    static IDS: [PciDeviceId; 2] =
        [PciDeviceId::new(PCI_VENDOR_ID_INTEL, 0x10C9, 0), PciDeviceId::new(PCI_VENDOR_ID_INTEL, 0x1533, 1)];
    const DRV: PciDriver = PciDriver { name: "igb", id_table: &IDS };

    #[test]
    fn register_needs_bus_and_unique_name() {
        let mut k = Kernel::<crate::testspec::TestSpec>::new(1);
        assert_eq!(pci_register_driver(&mut k, DRV), Err(Errno::EINVAL));
        pci_driver_init(&mut k).unwrap();
        assert_eq!(k.get::<PciBusState>().unwrap().bus_type.name, "pci");
        assert_eq!(pci_register_driver(&mut k, DRV), Ok(vec![]));
        assert_eq!(pci_register_driver(&mut k, DRV), Err(Errno::EBUSY));
        assert_eq!(k.log().last().map(String::as_str), Some("Error: Driver 'igb' is already registered, aborting..."));
        pci_unregister_driver(&mut k, "igb").unwrap();
        assert_eq!(pci_unregister_driver(&mut k, "igb"), Err(Errno::ENOENT));
        assert_eq!(pci_driver_init(&mut k), Err(Errno::EEXIST));
    }

    #[test]
    fn match_id() {
        let i210 = PciDev::new(1, 0, 0, 0x8086, 0x1533);
        let other = PciDev::new(1, 0, 1, 0x10ec, 0x8168);
        assert_eq!(pci_match_id(&IDS, &i210).map(|id| id.driver_data), Some(1));
        assert_eq!(pci_match_id(&IDS, &other), None);
        let any = [PciDeviceId::new(PCI_ANY_ID, PCI_ANY_ID, 7)];
        assert_eq!(pci_match_id(&any, &other).map(|id| id.driver_data), Some(7));
    }

    #[test]
    fn binding_works_in_both_orders() {
        let mut k = Kernel::<crate::testspec::TestSpec>::new(1);
        pci_driver_init(&mut k).unwrap();
        // device first, driver second: driver_attach binds it
        pci_bus_add_device(&mut k, PciDev::new(1, 0, 0, 0x8086, 0x10C9)).unwrap();
        pci_bus_add_device(&mut k, PciDev::new(2, 0, 0, 0x10ec, 0x8168)).unwrap();
        assert_eq!(pci_register_driver(&mut k, DRV), Ok(vec!["0000:01:00.0".to_string()]));
        // driver first, device second: device_attach binds it
        assert_eq!(pci_bus_add_device(&mut k, PciDev::new(3, 0, 0, 0x8086, 0x1533)), Ok(Some("igb")));
        assert_eq!(pci_bus_add_device(&mut k, PciDev::new(3, 0, 0, 0x8086, 0x1533)), Err(Errno::EEXIST));
        let bus = k.get::<PciBusState>().unwrap();
        let drivers: Vec<_> = bus.devices().iter().map(|d| d.driver).collect();
        assert_eq!(drivers, [Some("igb"), None, Some("igb")]);
        assert_eq!(bus.devices()[2].matched.map(|m| m.driver_data), Some(1));
        pci_unregister_driver(&mut k, "igb").unwrap();
        assert!(k.get::<PciBusState>().unwrap().devices().iter().all(|d| d.driver.is_none()));
    }
}
