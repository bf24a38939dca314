//! The software 82576 as the stack's Ethernet device: put one on the PCI
//! bus, let igb probe it, and run the machine (qdiscs, the wire, the
//! interrupts and their NAPI polls, the stacks) until it is quiet. The boot
//! example, the igb tests and the receive bench share these.

use std::sync::Arc;

use netgen_generated::pernet::Pernet;
use netgen_igb::dma::DmaSpace;
use netgen_igb::e1000_82576_model::{ModelOptions, Wire, E1000_82576};
use netgen_igb::igb_main::IgbAdapter;
use netgen_runtime::dev::napi::NetSoftirqs;
use netgen_runtime::netns::NetRef;
use netgen_runtime::pci::{pci_bus_add_device, PciDev};
use netgen_runtime::Errno;

use crate::{settle, Kernel};

/// igb's adapter on the software 82576.
pub type Adapter = IgbAdapter<E1000_82576, Pernet>;

/// A software 82576 and the igb adapter driving it.
pub struct Nic {
    pub model: Arc<E1000_82576>,
    pub dma: DmaSpace,
    pub adapter: Adapter,
}

/// Puts an 82576 (8086:10C9) with `mac` in its EEPROM at `0000:01:slot.0`
/// (`pci_bus_add_device` binds igb, registered at boot) and probes it:
/// `eth%d` appears in `net`. `ENODEV` if igb did not bind it.
pub fn probe_82576(
    k: &mut Kernel,
    slot: u8,
    mac: [u8; 6],
    net: &NetRef<Pernet>,
    opts: ModelOptions,
) -> Result<Nic, Errno> {
    let pdev = PciDev::new(1, slot, 0, 0x8086, 0x10C9);
    let name = pdev.name();
    if pci_bus_add_device(k, pdev)? != Some("igb") {
        return Err(Errno::ENODEV);
    }
    let dma = DmaSpace::new();
    let model = Arc::new(E1000_82576::new(mac, dma.clone(), opts));
    let ns = crate::namespaces(k)?;
    let (adapter, irq) = Adapter::igb_probe(k, &name, model.clone(), dma.clone(), &ns, net)?;
    model.set_irq(Some(irq));
    Ok(Nic { model, dma, adapter })
}

/// Runs the machine until nothing moves: each device's queued frames into
/// its TX ring, the wire, the interrupts on CPU 0 (NAPI polls), a turn of
/// ksoftirqd/0, the namespaces' own queues. Returns the steps taken; `EAGAIN` if it is
/// still busy after 10,000 rounds.
pub fn pump(k: &Kernel, nics: &[&Nic], wire: &Wire, nets: &[&NetRef<Pernet>]) -> Result<usize, Errno> {
    let mut total = 0;
    for _ in 0..10_000 {
        let mut moved = 0;
        for n in nics {
            moved += n.adapter.igb_tx_pending();
        }
        moved += wire.transfer();
        for n in nics {
            if n.adapter.igb_irq(k, 0)? != 0 {
                moved += 1;
            }
        }
        // A softirq that ran out of budget or time left the rest to
        // ksoftirqd/0: its turn.
        if NetSoftirqs::new(k).ksoftirqd_run_once(0)? {
            moved += 1;
        }
        moved += settle(k, nets)?;
        if moved == 0 {
            return Ok(total);
        }
        total += moved;
    }
    Err(Errno::EAGAIN)
}
