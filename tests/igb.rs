//! The igb driver's module init and exit on the generated stack's kernel
//! (drivers/igb cannot depend on the generated crate, which names it).

use netgen_generated::pernet::Pernet;
use netgen_igb::*;
use netgen_runtime::dev::net_dev_init;
use netgen_runtime::pci::{pci_bus_add_device, pci_driver_init, PciBusState, PciDev};
use netgen_runtime::socket::sock_init;
use netgen_runtime::softirq::spawn_ksoftirqd;
use netgen_runtime::{Errno, Kernel};

fn ready() -> Kernel<Pernet> {
    Kernel::with_initcalls(1, &[spawn_ksoftirqd, sock_init::<Pernet>, pci_driver_init, net_dev_init::<Pernet>]).unwrap()
}

#[test]
fn registers_with_the_pci_bus() {
    let mut k = ready();
    igb_init_module(&mut k).unwrap();
    let log = k.log();
    assert_eq!(
        log[log.len() - 2..],
        ["igb: Intel(R) Gigabit Ethernet Network Driver", "igb: Copyright (c) 2007-2014 Intel Corporation."]
    );
    let drv = k.get::<PciBusState>().unwrap().driver("igb").copied();
    assert_eq!(drv.map(|d| d.id_table.len()), Some(35));
    assert_eq!(k.get::<IgbDriverState>().unwrap().bound, Vec::<String>::new());
    assert_eq!(igb_init_module(&mut k), Err(Errno::EEXIST));
}

#[test]
fn binds_an_82576_already_on_the_bus() {
    let mut k = ready();
    pci_bus_add_device(&mut k, PciDev::new(1, 0, 0, 0x8086, 0x10C9)).unwrap();
    pci_bus_add_device(&mut k, PciDev::new(1, 0, 1, 0x8086, 0x10C9)).unwrap();
    igb_init_module(&mut k).unwrap();
    assert_eq!(k.get::<IgbDriverState>().unwrap().bound, ["0000:01:00.0", "0000:01:00.1"]);
    assert_eq!(pci_bus_add_device(&mut k, PciDev::new(2, 0, 0, 0x8086, 0x1533)), Ok(Some("igb")));

    igb_exit_module(&mut k).unwrap();
    assert!(k.get::<PciBusState>().unwrap().devices().iter().all(|d| d.driver.is_none()));
    assert_eq!(igb_exit_module(&mut k), Err(Errno::ENOENT));
    igb_init_module(&mut k).unwrap();
}

#[test]
fn missing_prerequisites_are_errors() {
    let mut k = Kernel::<Pernet>::new(1);
    assert_eq!(igb_init_module(&mut k), Err(Errno::ENOENT));
    pci_driver_init(&mut k).unwrap();
    assert_eq!(igb_init_module(&mut k), Err(Errno::ENOENT));
    assert!(k.get::<PciBusState>().unwrap().drivers().is_empty());
    assert!(k.log().is_empty());
}
