//! The igb driver proper (drivers/net/ethernet/intel/igb/igb_main.c,
//! e1000_82575.c, e1000_mac.c, e1000_phy.c of Linux 6.0), for the 82576,
//! one RX and one TX queue on one MSI-X queue vector plus the "other"
//! vector, written against [`RegisterWindow`] (the BAR) and [`DmaSpace`]
//! (the device's DMA domain): the same code drives the software 82576 or,
//! given a `Mmio` window and an IOMMU-backed space, a real device.
//!
//! Where frames go: the stack transmits into the device's queue (the
//! qdisc, `NetDevKind::External`); [`IgbAdapter::igb_tx_pending`] moves
//! them into the TX ring through [`IgbQVector::igb_xmit_frame`]
//! (`__qdisc_run` → `dev_hard_start_xmit` → `ndo_start_xmit`), as does
//! `igb_poll` after it reclaimed descriptors (`netif_wake_queue`). The
//! device's MSI-X messages set bits in the adapter; [`IgbAdapter::igb_irq`]
//! is the hard interrupt on a CPU (`igb_msix_ring`: `napi_schedule`, then
//! `irq_exit` runs NET_RX and so `igb_poll`).

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

use netgen_mmio::RegisterWindow;
use netgen_runtime::dev::napi::{
    napi_complete_done, napi_disable, napi_enable, napi_schedule, netif_napi_add, NapiCx, NapiPoll, NapiStruct,
    NetSoftirqs,
};
use netgen_runtime::dev::{netif_receive_frames, ExternalDev, NetDevTables};
use netgen_runtime::kernel::Kernel;
use netgen_runtime::netns::{NetNamespaces, NetRef};
use netgen_runtime::page_pool::{DmaAddr, PagePool, PagePoolParams};
use netgen_runtime::pci::PciBusState;
use netgen_runtime::skbuff::SkBuff;
use netgen_runtime::softirq::KsoftirqdState;
use netgen_runtime::tables::NetState;
use netgen_runtime::Errno;

use crate::dma::{DmaCoherent, DmaSpace};
use crate::e1000_82576_model::{IrqCallback, MII_CR_AUTO_NEG_EN, MII_CR_RESTART_AUTO_NEG, PHY_ADDR, PHY_CONTROL};
use crate::regs::descriptors::e1000_adv_rx_desc::E1000AdvRxDesc;
use crate::regs::descriptors::e1000_adv_tx_desc::{CmdTypeLen, CmdTypeLenDtyp, E1000AdvTxDesc, OlinfoStatus};
use crate::regs::index::{IvarEntry, RarEntry, RxQueue, TxQueue};
use crate::regs::registers::*;
use crate::{IgbDriverState, IgbKernel, IGB_DRIVER_NAME};

/// `IGB_DEFAULT_RXD`, `IGB_DEFAULT_TXD`.
pub const IGB_DEFAULT_RXD: usize = 256;
pub const IGB_DEFAULT_TXD: usize = 256;
/// `IGB_RX_BUFFER_WRITE`: refill the ring in batches of this many.
pub const IGB_RX_BUFFER_WRITE: usize = 16;
/// `IGB_RXBUFFER_2048`.
pub const IGB_RXBUFFER_2048: usize = 2048;
/// e1000's `copybreak` (256): frames up to this long are copied into a new
/// skb and the buffer stays in the ring; longer ones become the skb
/// (`build_skb`). benches/udp_rx.rs measured the copy cheaper for 64-byte
/// payloads (1,052 against 1,230 instructions per packet).
pub const IGB_COPYBREAK: usize = 256;
/// `IGB_DEFAULT_TX_WORK`: descriptors `igb_clean_tx_irq` reclaims per call.
pub const IGB_DEFAULT_TX_WORK: usize = 128;
/// `DESC_NEEDED` for a linear skb: one data descriptor, a context
/// descriptor and a gap of two (`igb_maybe_stop_tx`).
pub const DESC_NEEDED: usize = 4;
/// Polls of CTRL.RST after a reset (Linux waits up to 10 ms in
/// `igb_reset_hw_82575` → `igb_get_auto_rd_done`, 1 ms per try).
pub const RESET_POLLS: usize = 10;
/// Polls of STATUS.LU after restarting auto-negotiation (Linux's
/// `igb_phy_has_link` tries up to `PHY_FORCE_LIMIT` 20 times).
pub const LINK_POLLS: usize = 20;
/// Polls of MDIC.READY (`E1000_GEN_POLL_TIMEOUT` 640 in
/// `igb_read_phy_reg_mdic`).
pub const MDIC_POLLS: usize = 640;
/// MSI-X vector of "other" causes (link), and of queue vector 0
/// (`igb_configure_msix`: vector 0 is `igb_msix_other`).
pub const OTHER_VECTOR: u32 = 0;
pub const QUEUE_VECTOR: u32 = 1;

/// What `ndo_start_xmit` returns (`netdev_tx_t`).
#[derive(Debug, PartialEq, Eq)]
pub enum NetdevTx {
    /// `NETDEV_TX_OK`: the ring took the frame.
    Ok,
    /// `NETDEV_TX_BUSY`: no room; the frame comes back to be requeued.
    Busy(SkBuff),
}

/// The driver's own counters (`struct igb_ring`'s `rx_stats`/`tx_stats`
/// and the adapter's), readable without the NAPI.
#[derive(Debug, Default)]
pub struct IgbRingStats {
    pub rx_packets: AtomicU64,
    pub rx_bytes: AtomicU64,
    /// Frames copied into a new skb (at most [`IGB_COPYBREAK`] bytes).
    pub rx_copybreak: AtomicU64,
    /// Frames handed up in their receive buffer (`build_skb`).
    pub rx_build_skb: AtomicU64,
    /// Frames spanning more than one buffer (no EOP on the first), dropped
    /// with every buffer of the chain (`rx_length_errors`).
    pub rx_length_errors: AtomicU64,
    /// Descriptors done whose buffer the driver had not mapped.
    pub rx_missing_buffer: AtomicU64,
    /// `alloc_failed`: the page pool had no buffer.
    pub alloc_failed: AtomicU64,
    pub tx_packets: AtomicU64,
    pub tx_bytes: AtomicU64,
    /// `tx_busy`: `igb_xmit_frame` found the ring full.
    pub tx_busy: AtomicU64,
    /// `restart_queue`: the queue was stopped and woken again.
    pub restart_queue: AtomicU64,
}

fn inc(c: &AtomicU64, n: u64) {
    c.fetch_add(n, Ordering::Relaxed);
}

/// `struct igb_ring` for receive.
struct RxRing {
    desc: DmaCoherent,
    count: usize,
    /// `rx_buffer_info[i].dma`: the buffer mapped at slot `i`, if any.
    buffers: Vec<Option<DmaAddr>>,
    next_to_use: usize,
    next_to_clean: usize,
    pool: PagePool,
}

/// `struct igb_ring` for transmit.
struct TxRing {
    desc: DmaCoherent,
    count: usize,
    /// `tx_buffer_info[i]`: the frame mapped for slot `i` (its EOP).
    buffers: Vec<Option<DmaAddr>>,
    next_to_use: usize,
    next_to_clean: usize,
}

/// `igb_desc_unused(ring)`.
fn desc_unused(ntu: usize, ntc: usize, count: usize) -> usize {
    (if ntc > ntu { 0 } else { count }) + ntc - ntu - 1
}

/// `struct igb_q_vector`: one TX and one RX ring, polled by one NAPI.
pub struct IgbQVector<W: RegisterWindow + Send + Sync + 'static, S: IgbKernel> {
    hw: Arc<W>,
    dma: DmaSpace,
    net: NetRef<S>,
    ifindex: i32,
    /// The stack's transmit queue for this device (the qdisc).
    qdisc: ExternalDev,
    rx: Option<RxRing>,
    tx: Option<TxRing>,
    /// `eims_value`: this vector's EIMS bit.
    eims_value: u32,
    stats: Arc<IgbRingStats>,
    /// Frames per poll, for tests (the last 8).
    pub recent_polls: Vec<usize>,
}

impl<W: RegisterWindow + Send + Sync + 'static, S: IgbKernel> IgbQVector<W, S> {
    fn regs(&self) -> Regs<&W> {
        Regs::new(&*self.hw)
    }

    /// `igb_xmit_frame` → `igb_xmit_frame_ring`: one data descriptor with
    /// EOP, IFCS and RS (`IGB_TXD_DCMD`) for the frame, then TDT. A full
    /// ring is `NETDEV_TX_BUSY` (counted in `tx_busy`), never a panic.
    pub fn igb_xmit_frame(&mut self, skb: SkBuff) -> NetdevTx {
        let Some(tx) = self.tx.as_mut() else {
            inc(&self.stats.tx_busy, 1);
            return NetdevTx::Busy(skb);
        };
        if desc_unused(tx.next_to_use, tx.next_to_clean, tx.count) < DESC_NEEDED || skb.is_empty() {
            inc(&self.stats.tx_busy, 1);
            return NetdevTx::Busy(skb);
        }
        let len = skb.len().min(0xFFFF);
        let addr = self.dma.dma_map_single(skb);
        let i = tx.next_to_use;
        let cmd = CmdTypeLen::from_bits(0)
            .with_dtalen(len as u16)
            .with_dtyp(CmdTypeLenDtyp::DATA)
            .with_dext(true)
            .with_ifcs(true)
            .with_eop(true)
            .with_rs(true);
        let mut d = E1000AdvTxDesc::zeroed();
        d.read_mut()
            .set_buffer_addr(addr.0)
            .set_cmd_type_len(cmd)
            .set_olinfo_status(OlinfoStatus::from_bits(0).with_paylen(len as u32));
        tx.desc.write16(i * 16, d.to_bytes());
        tx.buffers[i] = Some(addr);
        tx.next_to_use = (i + 1) % tx.count;
        // wmb(); writel(i, tx_ring->tail)
        let ntu = tx.next_to_use as u32;
        self.regs().tdt(TxQueue::at::<0>()).write(ntu);
        NetdevTx::Ok
    }

    /// Moves frames from the stack's queue into the ring while it has
    /// room (`__qdisc_run`; a frame never leaves the queue unless the ring
    /// takes it). Returns how many.
    fn xmit_pending(&mut self) -> usize {
        let mut n = 0;
        loop {
            let room =
                self.tx.as_ref().is_some_and(|t| desc_unused(t.next_to_use, t.next_to_clean, t.count) >= DESC_NEEDED);
            if !room {
                if !self.qdisc.tx.is_empty() {
                    inc(&self.stats.restart_queue, 1);
                }
                return n;
            }
            let Some(skb) = self.qdisc.pop_tx() else { return n };
            match self.igb_xmit_frame(skb) {
                NetdevTx::Ok => n += 1,
                NetdevTx::Busy(_) => return n,
            }
        }
    }

    /// `igb_clean_tx_irq`: unmaps and frees the frames whose descriptor
    /// has DD, at most [`IGB_DEFAULT_TX_WORK`]. True if it finished.
    fn igb_clean_tx_irq(&mut self) -> bool {
        let Some(tx) = self.tx.as_mut() else { return true };
        let mut budget = IGB_DEFAULT_TX_WORK;
        while tx.next_to_clean != tx.next_to_use && budget > 0 {
            let i = tx.next_to_clean;
            let d = E1000AdvTxDesc::from_bytes(tx.desc.read16(i * 16));
            if !d.wb().status().dd() {
                break;
            }
            if let Some(skb) = tx.buffers[i].take().and_then(|a| self.dma.dma_unmap_single(a)) {
                inc(&self.stats.tx_packets, 1);
                inc(&self.stats.tx_bytes, skb.len() as u64);
            }
            tx.next_to_clean = (i + 1) % tx.count;
            budget -= 1;
        }
        budget > 0
    }

    /// `igb_alloc_rx_buffers(rx_ring, cleaned_count)`: gives the device
    /// buffers for the free slots (reusing one still mapped there, as
    /// `igb_reuse_rx_page` does), then bumps RDT.
    fn igb_alloc_rx_buffers(&mut self) {
        let Some(rx) = self.rx.as_mut() else { return };
        let mut n = desc_unused(rx.next_to_use, rx.next_to_clean, rx.count);
        let start = rx.next_to_use;
        while n > 0 {
            let i = rx.next_to_use;
            let addr = match rx.buffers[i] {
                Some(a) => a,
                None => {
                    let Some(page) = rx.pool.alloc() else {
                        inc(&self.stats.alloc_failed, 1);
                        break;
                    };
                    match self.dma.dma_map_page(page) {
                        Ok(a) => a,
                        Err(_) => {
                            inc(&self.stats.alloc_failed, 1);
                            break;
                        }
                    }
                }
            };
            rx.buffers[i] = Some(addr);
            let mut d = E1000AdvRxDesc::zeroed();
            d.read_mut().set_pkt_addr(addr.0).set_hdr_addr(0);
            rx.desc.write16(i * 16, d.to_bytes());
            rx.next_to_use = (i + 1) % rx.count;
            n -= 1;
        }
        if rx.next_to_use != start {
            // wmb(); writel(i, rx_ring->tail)
            let ntu = rx.next_to_use as u32;
            self.regs().rdt(RxQueue::at::<0>()).write(ntu);
        }
    }

    /// `igb_clean_rx_irq`: up to `budget` frames whose descriptors have DD
    /// into skbs (copybreak or `build_skb`), then one
    /// `netif_receive_frames` for the batch.
    fn igb_clean_rx_irq(&mut self, cx: &NapiCx<'_, S>, budget: usize) -> usize {
        let mut batch = Vec::with_capacity(budget.min(64));
        let mut done = 0;
        let mut cleaned = 0;
        while done < budget {
            if cleaned >= IGB_RX_BUFFER_WRITE {
                self.igb_alloc_rx_buffers();
                cleaned = 0;
            }
            let Some(rx) = self.rx.as_mut() else { break };
            let i = rx.next_to_clean;
            if i == rx.next_to_use {
                break;
            }
            let d = E1000AdvRxDesc::from_bytes(rx.desc.read16(i * 16));
            let st = d.wb().upper().status_error();
            if !st.dd() {
                break;
            }
            let len = usize::from(d.wb().upper().length());
            rx.next_to_clean = (i + 1) % rx.count;
            cleaned += 1;
            done += 1;
            let Some(addr) = rx.buffers[i] else {
                inc(&self.stats.rx_missing_buffer, 1);
                continue;
            };
            if !st.eop() {
                // A frame longer than one buffer: drop the whole chain
                // (the driver programs 2 KiB buffers and no jumbo frames).
                inc(&self.stats.rx_length_errors, 1);
                loop {
                    let j = rx.next_to_clean;
                    if j == rx.next_to_use {
                        break;
                    }
                    let dj = E1000AdvRxDesc::from_bytes(rx.desc.read16(j * 16));
                    let sj = dj.wb().upper().status_error();
                    if !sj.dd() {
                        break;
                    }
                    rx.next_to_clean = (j + 1) % rx.count;
                    cleaned += 1;
                    if sj.eop() {
                        break;
                    }
                }
                continue;
            }
            let skb = if len <= IGB_COPYBREAK {
                // The buffer stays mapped and goes back to the device.
                let skb = self.dma.dma_sync_for_cpu(addr, len, |b| SkBuff::from_frame(b, self.ifindex));
                inc(&self.stats.rx_copybreak, 1);
                skb
            } else {
                rx.buffers[i] = None;
                let page = self.dma.dma_unmap_page(addr);
                inc(&self.stats.rx_build_skb, 1);
                page.and_then(|p| SkBuff::build_skb(p, 0, len, self.ifindex))
            };
            match skb {
                Some(skb) => {
                    inc(&self.stats.rx_packets, 1);
                    inc(&self.stats.rx_bytes, len as u64);
                    batch.push(skb);
                }
                None => inc(&self.stats.rx_length_errors, 1),
            }
        }
        if cleaned > 0 {
            self.igb_alloc_rx_buffers();
        }
        if !batch.is_empty() {
            let ifindex = self.ifindex;
            cx.with_net(&self.net, |ncx| netif_receive_frames(ncx, ifindex, &mut batch));
        }
        done
    }
}

impl<W: RegisterWindow + Send + Sync + 'static, S: IgbKernel> NapiPoll<S> for IgbQVector<W, S> {
    /// `igb_poll`: clean TX (and restart the queue), then RX up to the
    /// budget; `budget` while work remains, else `napi_complete_done` and
    /// `min(work_done, budget - 1)`, re-enabling the vector's interrupt
    /// (`igb_ring_irq_enable`) when the NAPI completed.
    fn poll(&mut self, napi: &NapiStruct<S>, cx: &NapiCx<'_, S>, budget: usize) -> usize {
        let mut clean_complete = self.igb_clean_tx_irq();
        self.xmit_pending();
        let work_done = self.igb_clean_rx_irq(cx, budget);
        if self.recent_polls.len() == 8 {
            self.recent_polls.remove(0);
        }
        self.recent_polls.push(work_done);
        if work_done >= budget {
            clean_complete = false;
        }
        if !clean_complete {
            return budget;
        }
        let work_done = work_done.min(budget.saturating_sub(1));
        if napi_complete_done(cx.kernel, cx.cpu, napi, work_done) {
            self.regs().eims().write(self.eims_value);
        }
        work_done
    }
}

/// Hardware statistics accumulated by [`IgbAdapter::igb_update_stats`]
/// (`struct e1000_hw_stats`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct E1000HwStats {
    pub crcerrs: u64,
    pub mpc: u64,
    pub rnbc: u64,
    pub ruc: u64,
    pub roc: u64,
    pub gprc: u64,
    pub bprc: u64,
    pub mprc: u64,
    pub gptc: u64,
    pub gorc: u64,
    pub gotc: u64,
    pub tpr: u64,
    pub tpt: u64,
}

/// What probe or open failed on, counted per driver in
/// [`IgbDriverState`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    ResetTimeout,
    LinkTimeout,
}

/// `struct igb_adapter`.
pub struct IgbAdapter<W: RegisterWindow + Send + Sync + 'static, S: IgbKernel> {
    pub pci_name: String,
    pub mac: [u8; 6],
    pub ifindex: i32,
    hw: Arc<W>,
    dma: DmaSpace,
    net: NetRef<S>,
    napi: Arc<NapiStruct<S, IgbQVector<W, S>>>,
    /// EICR bits of MSI-X messages not yet handled (the interrupt line).
    pending: Arc<AtomicU32>,
    stats: Arc<IgbRingStats>,
    pub hw_stats: E1000HwStats,
    up: bool,
}

fn count_fault<S: IgbKernel>(k: &mut Kernel<S>, f: Fault) {
    if let Ok(st) = k.get_mut::<IgbDriverState>() {
        match f {
            Fault::ResetTimeout => st.reset_timeouts += 1,
            Fault::LinkTimeout => st.link_timeouts += 1,
        }
    }
}

/// `igb_irq_disable`: mask everything, auto-clear nothing.
fn igb_irq_disable<W: RegisterWindow>(regs: &Regs<W>) {
    regs.eiam().write(0);
    regs.eimc().write(!0);
    regs.eiac().write(0);
    regs.imc().write(Imc::from_bits(!0));
    let _ = regs.icr().read();
}

/// `igb_reset_hw_82575`: global reset, then wait (bounded) for it to end.
fn igb_reset_hw<W: RegisterWindow>(regs: &Regs<W>) -> Result<(), Errno> {
    igb_irq_disable(regs);
    regs.rctl().write(Rctl::from_bits(0));
    regs.tctl().write(Tctl::RESET.with_en(false).with_psp(true));
    regs.ctrl().modify(|c| c.with_rst(true));
    for _ in 0..RESET_POLLS {
        if !regs.ctrl().read().rst() {
            igb_irq_disable(regs);
            return Ok(());
        }
    }
    Err(Errno::EIO)
}

/// `igb_read_nvm_eerd`: one EEPROM word through EERD, bounded poll.
fn igb_read_nvm_eerd<W: RegisterWindow>(regs: &Regs<W>, word: u16) -> Result<u16, Errno> {
    regs.eerd().write(Eerd::from_bits(0).with_addr(word).with_start(true));
    for _ in 0..MDIC_POLLS {
        let v = regs.eerd().read();
        if v.done() {
            return Ok(v.data());
        }
    }
    Err(Errno::EIO)
}

/// `igb_write_phy_reg_mdic` / `igb_read_phy_reg_mdic`.
fn igb_phy_reg_mdic<W: RegisterWindow>(regs: &Regs<W>, reg: u8, write: Option<u16>) -> Result<u16, Errno> {
    let op = if write.is_some() { MdicOp::WRITE } else { MdicOp::READ };
    regs.mdic().write(
        Mdic::from_bits(0).with_data(write.unwrap_or(0)).with_regadd(reg).with_phyadd(PHY_ADDR as u8).with_op(op),
    );
    for _ in 0..MDIC_POLLS {
        let v = regs.mdic().read();
        if v.r() {
            return if v.e() { Err(Errno::EIO) } else { Ok(v.data()) };
        }
    }
    Err(Errno::EIO)
}

fn is_valid_ether_addr(a: &[u8; 6]) -> bool {
    a[0] & 1 == 0 && *a != [0; 6]
}

impl<W: RegisterWindow + Send + Sync + 'static, S: IgbKernel> IgbAdapter<W, S> {
    fn regs(&self) -> Regs<&W> {
        Regs::new(&*self.hw)
    }

    /// `igb_probe(pdev, ent)` for the PCI device `pci_name`, already bound
    /// to igb by `pci_register_driver` or `pci_bus_add_device`, whose BAR0
    /// is `hw` and whose DMA goes through `dma`: reset (bounded wait; a
    /// device that never finishes is `EIO`, counted in
    /// `IgbDriverState::reset_timeouts`), interrupts off, the MAC from
    /// RAL0/RAH0 or else the EEPROM (EERD), `eth%d` registered in `net`,
    /// the queue vector's NAPI added (weight 64). The MSI-X messages of
    /// `hw` go to `on_irq`, which the caller connects to the device
    /// (for the model: `E1000_82576::set_irq`).
    pub fn igb_probe(
        k: &mut Kernel<S>,
        pci_name: &str,
        hw: Arc<W>,
        dma: DmaSpace,
        ns: &NetNamespaces<S>,
        net: &NetRef<S>,
    ) -> Result<(IgbAdapter<W, S>, IrqCallback), Errno> {
        let bus = k.get::<PciBusState>()?;
        let bound = bus.devices().iter().any(|d| d.name() == pci_name && d.driver == Some(IGB_DRIVER_NAME));
        if !bound {
            return Err(Errno::ENODEV);
        }
        let regs = Regs::new(&*hw);
        if let Err(e) = igb_reset_hw(&regs) {
            count_fault(k, Fault::ResetTimeout);
            k.printk(format!("igb {pci_name}: Hardware Initialization Failure"));
            return Err(e);
        }
        // e1000_read_mac_addr: RAR0 (loaded from the EEPROM by reset), else
        // the EEPROM words 0..3 through EERD.
        let ral = regs.ral(RarEntry::at::<0>()).read().to_le_bytes();
        let rah = regs.rah(RarEntry::at::<0>()).read();
        let mut mac = [ral[0], ral[1], ral[2], ral[3], rah.rah() as u8, (rah.rah() >> 8) as u8];
        if !rah.av() || !is_valid_ether_addr(&mac) {
            for w in 0..3u16 {
                let v = igb_read_nvm_eerd(&regs, w)?.to_le_bytes();
                mac[2 * w as usize] = v[0];
                mac[2 * w as usize + 1] = v[1];
            }
        }
        if !is_valid_ether_addr(&mac) {
            k.printk(format!("igb {pci_name}: Invalid MAC Address"));
            return Err(Errno::EIO);
        }
        let ext = {
            let mut g = net.write();
            let t = <S as NetState<NetDevTables>>::state_mut(&mut g)?;
            t.register_external("eth%d", mac, IGB_DEFAULT_TXD)?
        };
        let stats = Arc::new(IgbRingStats::default());
        let qv = IgbQVector {
            hw: hw.clone(),
            dma: dma.clone(),
            net: ns.get_net(net),
            ifindex: ext.ifindex,
            qdisc: ext.clone(),
            rx: None,
            tx: None,
            eims_value: 1 << QUEUE_VECTOR,
            stats: stats.clone(),
            recent_polls: Vec::new(),
        };
        let napi = {
            let g = net.read();
            let t = <S as NetState<NetDevTables>>::state(&g)?;
            let dev = t.get_by_index(ext.ifindex).ok_or(Errno::ENODEV)?;
            netif_napi_add(k, dev, qv)?
        };
        let pending = Arc::new(AtomicU32::new(0));
        let line = pending.clone();
        let on_irq: IrqCallback = Arc::new(move |bits| {
            line.fetch_or(bits, Ordering::SeqCst);
        });
        let name = {
            let g = net.read();
            <S as NetState<NetDevTables>>::state(&g)?.get_by_index(ext.ifindex).map(|d| d.name.clone())
        };
        k.printk(format!(
            "igb {pci_name}: {}: (PCIe:2.5Gb/s:Width x4) {}",
            name.unwrap_or_default(),
            mac.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
        ));
        Ok((
            IgbAdapter {
                pci_name: pci_name.to_string(),
                mac,
                ifindex: ext.ifindex,
                hw,
                dma,
                net: ns.get_net(net),
                napi,
                pending,
                stats,
                hw_stats: E1000HwStats::default(),
                up: false,
            },
            on_irq,
        ))
    }

    /// The driver's counters.
    pub fn ring_stats(&self) -> Arc<IgbRingStats> {
        self.stats.clone()
    }

    /// The queue vector's NAPI.
    pub fn napi(&self) -> &Arc<NapiStruct<S, IgbQVector<W, S>>> {
        &self.napi
    }

    /// `igb_open(netdev)`: rings, `igb_configure`, link up through the PHY
    /// (bounded poll of STATUS.LU: `EIO`, as `-E1000_ERR_PHY` becomes on timeout, counted in
    /// `IgbDriverState::link_timeouts`, everything undone), `napi_enable`,
    /// `igb_irq_enable`, the device up.
    pub fn igb_open(&mut self, k: &mut Kernel<S>, rxd: usize, txd: usize) -> Result<(), Errno> {
        if self.up {
            return Err(Errno::EBUSY);
        }
        if !(8..=4096).contains(&rxd) || !(8..=4096).contains(&txd) || !rxd.is_multiple_of(8) || !txd.is_multiple_of(8)
        {
            return Err(Errno::EINVAL);
        }
        self.igb_setup_all_tx_resources(txd)?;
        self.igb_setup_all_rx_resources(rxd)?;
        self.igb_configure();
        if let Err(e) = self.igb_setup_link() {
            count_fault(k, Fault::LinkTimeout);
            k.printk(format!("igb {}: link did not come up", self.pci_name));
            self.igb_down();
            return Err(e);
        }
        napi_enable(&*self.napi)?;
        self.igb_irq_enable();
        let mut g = self.net.write();
        <S as NetState<NetDevTables>>::state_mut(&mut g)?.dev_open(self.ifindex)?;
        self.up = true;
        Ok(())
    }

    /// `igb_setup_all_tx_resources` → `igb_setup_tx_resources`.
    fn igb_setup_all_tx_resources(&mut self, count: usize) -> Result<(), Errno> {
        let desc = self.dma.dma_alloc_coherent(count * 16).ok_or(Errno::ENOMEM)?;
        let ring = TxRing { desc, count, buffers: vec![None; count], next_to_use: 0, next_to_clean: 0 };
        self.napi.poll_state().tx = Some(ring);
        Ok(())
    }

    /// `igb_setup_all_rx_resources` → `igb_setup_rx_resources`, with a page
    /// pool of 2 KiB buffers (`IGB_RXBUFFER_2048`) sized to the ring.
    fn igb_setup_all_rx_resources(&mut self, count: usize) -> Result<(), Errno> {
        let desc = self.dma.dma_alloc_coherent(count * 16).ok_or(Errno::ENOMEM)?;
        let pool = PagePool::new(PagePoolParams {
            pool_size: count,
            buf_len: IGB_RXBUFFER_2048,
            max_pages: (count * 4) as u32,
            dma_base: 0x4000_0000_0000 + u64::from(self.ifindex as u32) * 0x1_0000_0000,
        })
        .map_err(|_| Errno::ENOMEM)?;
        let ring = RxRing { desc, count, buffers: vec![None; count], next_to_use: 0, next_to_clean: 0, pool };
        self.napi.poll_state().rx = Some(ring);
        Ok(())
    }

    /// `igb_configure`: `igb_configure_tx`, `igb_setup_rctl`,
    /// `igb_configure_rx`, MSI-X routing (`igb_configure_msix`), RCTL/TCTL
    /// enable, `igb_alloc_rx_buffers`.
    fn igb_configure(&mut self) {
        let regs = self.regs();
        let mut qv = self.napi.poll_state();
        let (rxq, txq) = (RxQueue::at::<0>(), TxQueue::at::<0>());
        if let Some(tx) = &qv.tx {
            // igb_configure_tx_ring
            regs.txdctl(txq).write(Txdctl::from_bits(0));
            regs.tdlen(txq).write((tx.count * 16) as u32);
            regs.tdbal(txq).write(tx.desc.dma() as u32);
            regs.tdbah(txq).write((tx.desc.dma() >> 32) as u32);
            regs.tdh(txq).write(0);
            regs.tdt(txq).write(0);
            regs.txdctl(txq)
                .write(Txdctl::from_bits(0).with_pthresh(8).with_hthresh(1).with_wthresh(16).with_enable(true));
        }
        // igb_setup_tctl
        regs.tctl().modify(|t| t.with_en(true).with_psp(true).with_rtlc(true));
        if let Some(rx) = &qv.rx {
            // igb_configure_rx_ring
            regs.rxdctl(rxq).write(Rxdctl::from_bits(0));
            regs.rdbal(rxq).write(rx.desc.dma() as u32);
            regs.rdbah(rxq).write((rx.desc.dma() >> 32) as u32);
            regs.rdlen(rxq).write((rx.count * 16) as u32);
            regs.rdh(rxq).write(0);
            regs.rdt(rxq).write(0);
            regs.srrctl(rxq).write(
                Srrctl::from_bits(0)
                    .with_bsizepkt((IGB_RXBUFFER_2048 / 1024) as u8)
                    .with_desctype(SrrctlDesctype::ADV_ONEBUF)
                    .with_drop_en(true),
            );
            regs.rxdctl(rxq)
                .write(Rxdctl::from_bits(0).with_pthresh(8).with_hthresh(8).with_wthresh(4).with_enable(true));
        }
        // igb_configure_msix (82576): vector 0 other, vector 1 the queues.
        regs.gpie().write(Gpie::from_bits(0).with_msix_mode(true).with_eiame(true).with_pba(true).with_nsicr(true));
        regs.ivar_misc().write(IvarMisc::from_bits(0).with_other_vector(OTHER_VECTOR as u8).with_other_valid(true));
        regs.ivar(IvarEntry::at::<0>()).write(
            Ivar::from_bits(0)
                .with_rx_vector(QUEUE_VECTOR as u8)
                .with_rx_valid(true)
                .with_tx_vector(QUEUE_VECTOR as u8)
                .with_tx_valid(true),
        );
        // igb_setup_rctl + enable: broadcast, strip the FCS, 2 KiB.
        regs.rctl().write(
            Rctl::from_bits(0)
                .with_en(true)
                .with_bam(true)
                .with_secrc(true)
                .with_bsize(RctlBsize::SZ_2048)
                .with_rdmts(RctlRdmts::HALF),
        );
        qv.xmit_pending_reset();
        qv.igb_alloc_rx_buffers();
    }

    /// `igb_setup_copper_link` → `igb_copper_link_autoneg` →
    /// `igb_phy_has_link`: BMCR auto-negotiation enable and restart through
    /// MDIC, CTRL.SLU, then a bounded poll of STATUS.LU.
    fn igb_setup_link(&self) -> Result<(), Errno> {
        let regs = self.regs();
        regs.ctrl().modify(|c| c.with_slu(true).with_frcspd(false).with_frcdpx(false));
        igb_phy_reg_mdic(&regs, PHY_CONTROL as u8, Some(MII_CR_AUTO_NEG_EN | MII_CR_RESTART_AUTO_NEG))?;
        for _ in 0..LINK_POLLS {
            if regs.status().read().lu() {
                return Ok(());
            }
        }
        Err(Errno::EIO)
    }

    /// `igb_irq_enable` (MSI-X): EIAC and EIAM auto-clear and auto-mask the
    /// queue vector, EIMS enables both vectors, IMS the link cause.
    fn igb_irq_enable(&self) {
        let regs = self.regs();
        let queues = 1u32 << QUEUE_VECTOR;
        regs.eiac().write(queues);
        regs.eiam().write(queues);
        regs.eims().write(queues | 1 << OTHER_VECTOR);
        regs.ims().write(Ims::from_bits(0).with_lsc(true).with_doutsync(true));
    }

    /// `__qdisc_run` for this device: frames the stack queued go into the
    /// TX ring while it has room. Returns how many.
    pub fn igb_tx_pending(&self) -> usize {
        if !self.up {
            return 0;
        }
        self.napi.poll_state().xmit_pending()
    }

    /// The hard interrupt on `cpu` for the MSI-X messages that arrived:
    /// `igb_msix_ring` (`napi_schedule`, NET_RX then runs `igb_poll` at
    /// `irq_exit`) and `igb_msix_other` (ICR read, link change noted,
    /// the other vector re-enabled). Returns the vectors handled.
    pub fn igb_irq(&self, k: &Kernel<S>, cpu: usize) -> Result<u32, Errno> {
        let bits = self.pending.swap(0, Ordering::SeqCst);
        if bits == 0 {
            return Ok(0);
        }
        let softirqs = k.get::<KsoftirqdState>()?;
        softirqs.irq_enter(cpu)?;
        if bits & 1 << OTHER_VECTOR != 0 {
            let _icr = self.regs().icr().read();
            self.regs().eims().write(1 << OTHER_VECTOR);
        }
        if bits & 1 << QUEUE_VECTOR != 0 {
            napi_schedule(k, cpu, &*self.napi)?;
        }
        NetSoftirqs::new(k).irq_exit(cpu)?;
        Ok(bits)
    }

    /// Whether an interrupt waits to be handled.
    pub fn irq_pending(&self) -> bool {
        self.pending.load(Ordering::SeqCst) != 0
    }

    /// `igb_update_stats`: adds the clear-on-read hardware counters to
    /// `hw_stats` and reports the misses to the device (`rx_missed_errors`).
    pub fn igb_update_stats(&mut self) -> E1000HwStats {
        let hw = self.hw.clone();
        let regs = Regs::new(&*hw);
        let s = &mut self.hw_stats;
        s.crcerrs += u64::from(regs.crcerrs().read());
        s.mpc += u64::from(regs.mpc().read());
        s.rnbc += u64::from(regs.rnbc().read());
        s.ruc += u64::from(regs.ruc().read());
        s.roc += u64::from(regs.roc().read());
        s.gprc += u64::from(regs.gprc().read());
        s.bprc += u64::from(regs.bprc().read());
        s.mprc += u64::from(regs.mprc().read());
        s.gptc += u64::from(regs.gptc().read());
        s.gorc += regs.gorc().read();
        s.gotc += regs.gotc().read();
        s.tpr += u64::from(regs.tpr().read());
        s.tpt += u64::from(regs.tpt().read());
        let missed = s.mpc;
        let out = *s;
        let mut g = self.net.write();
        if let Ok(t) = <S as NetState<NetDevTables>>::state_mut(&mut g) {
            if let Some(d) = t.get_by_index_mut(self.ifindex) {
                d.stats.rx_missed_errors = missed;
            }
        }
        out
    }

    /// `igb_down`: receive and transmit off, interrupts off, every buffer
    /// unmapped and freed, descriptor memory freed.
    fn igb_down(&mut self) {
        let regs = self.regs();
        regs.rctl().modify(|r| r.with_en(false));
        regs.rxdctl(RxQueue::at::<0>()).modify(|r| r.with_enable(false));
        regs.tctl().modify(|t| t.with_en(false));
        regs.txdctl(TxQueue::at::<0>()).modify(|t| t.with_enable(false));
        igb_irq_disable(&regs);
        self.pending.store(0, Ordering::SeqCst);
        let mut qv = self.napi.poll_state();
        if let Some(rx) = qv.rx.take() {
            for a in rx.buffers.into_iter().flatten() {
                drop(self.dma.dma_unmap_page(a));
            }
        }
        if let Some(tx) = qv.tx.take() {
            for a in tx.buffers.into_iter().flatten() {
                drop(self.dma.dma_unmap_single(a));
            }
        }
    }

    /// `igb_close(netdev)`: `napi_disable`, `igb_down`, the device down.
    pub fn igb_close(&mut self) -> Result<(), Errno> {
        if !self.up {
            return Err(Errno::EINVAL);
        }
        napi_disable(&*self.napi)?;
        self.igb_down();
        self.up = false;
        let mut g = self.net.write();
        <S as NetState<NetDevTables>>::state_mut(&mut g)?.dev_close(self.ifindex)
    }
}

impl<W: RegisterWindow + Send + Sync + 'static, S: IgbKernel> IgbQVector<W, S> {
    /// A fresh ring starts with nothing in flight.
    fn xmit_pending_reset(&mut self) {
        if let Some(tx) = self.tx.as_mut() {
            tx.next_to_use = 0;
            tx.next_to_clean = 0;
        }
    }
}
