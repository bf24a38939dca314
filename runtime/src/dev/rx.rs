//! The receive path of net/core/dev.c: `netif_rx` (a driver hands a frame
//! in), `net_rx_action` (the NET_RX softirq polling each device's ring),
//! and `__netif_receive_skb_core` (taps, then the handlers of the frame's
//! ethertype).

use super::netdevice::{NetDevTables, RxQueue};
use super::ptype::{NetPacketHook, NetPtype, PacketType, PtypeBase, PtypeBaseState, PTYPE_HASH_MASK};
use super::DevSpec;
use super::{NETDEV_BUDGET, WEIGHT_P};
use crate::ethernet::eth_type_trans;
use crate::skbuff::{SkBuff, PACKET_BROADCAST, PACKET_MULTICAST};
use crate::tables::{Entry, NetCx, NetRx};

/// `netif_rx(skb)`: queues a received frame (`data` at its Ethernet
/// header) on the device's ring for the next `net_rx_action`. `NET_RX_DROP`,
/// counted in the device's `rx_dropped`, if the ring is full or the device
/// down. The caller needs no namespace lock.
pub fn netif_rx(dev: &RxQueue, skb: SkBuff) -> NetRx {
    dev.netif_rx(skb)
}

/// `net_rx_action` (the NET_RX softirq): polls the namespace's devices in
/// ifindex order, at most `weight_p` (64) frames of one device per round,
/// handing each device's batch to [`netif_receive_frames`], until `budget` frames are done
/// or the rings are empty. Returns how many frames it processed. Each
/// ring is emptied into a batch under one lock; the frames are processed
/// without it, so a frame sent meanwhile (a reply over `lo`) waits for the
/// next round.
pub fn net_rx_action<S: DevSpec>(cx: &mut NetCx<'_, S>, budget: usize) -> usize {
    let mut scratch = match cx.state_mut::<NetDevTables>() {
        Ok(t) => std::mem::take(&mut t.rx_scratch),
        Err(_) => return 0,
    };
    let mut done = 0;
    loop {
        let mut progress = false;
        let mut i = 0;
        while done < budget {
            let (ifindex, n) = {
                let Ok(t) = cx.state::<NetDevTables>() else { break };
                let Some(dev) = t.device_at(i) else { break };
                let quota = (budget - done).min(WEIGHT_P as usize);
                (dev.ifindex, dev.rx.dequeue_batch(&mut scratch, quota))
            };
            i += 1;
            if n == 0 {
                continue;
            }
            progress = true;
            done += n;
            netif_receive_frames(cx, ifindex, &mut scratch);
        }
        if !progress || done >= budget {
            break;
        }
    }
    if let Ok(t) = cx.state_mut::<NetDevTables>() {
        t.rx_scratch = scratch;
    }
    done
}

/// Whether any device of the namespace has frames waiting.
pub fn rx_pending<S: DevSpec>(cx: &NetCx<'_, S>) -> bool {
    cx.state::<NetDevTables>().is_ok_and(|t| t.devices().any(|d| !d.rx.is_empty()))
}

/// `do_softirq()` as a system call leaving `local_bh_enable` runs it:
/// `net_rx_action` while frames are pending, at most
/// `MAX_SOFTIRQ_RESTART` (10) times.
pub fn do_softirq<S: DevSpec>(cx: &mut NetCx<'_, S>) {
    for _ in 0..10 {
        if !rx_pending(cx) || net_rx_action(cx, NETDEV_BUDGET as usize) == 0 {
            break;
        }
    }
}

/// What a NAPI poll does for one frame a device received (`data` at the
/// Ethernet header): the device's part, as [`netif_receive_frames`] does
/// for each frame of a batch, then `netif_receive_skb`. A frame for a
/// device that no longer exists is dropped.
#[inline]
pub fn netif_receive_frame<S: DevSpec>(cx: &mut NetCx<'_, S>, ifindex: i32, mut skb: SkBuff) -> NetRx {
    let Ok(t) = cx.state_mut::<NetDevTables>() else { return NetRx::Drop };
    let Some(dev) = t.get_by_index_mut(ifindex) else { return NetRx::Drop };
    if !eth_receive(dev, ifindex, &mut skb) {
        return NetRx::Drop;
    }
    netif_receive_skb(cx, skb)
}

/// What a NAPI poll does with the frames it took off a device's ring
/// (`data` at the Ethernet header), as igb's `igb_clean_rx_irq` does
/// before `napi_gro_receive` → `netif_receive_skb_list`: each through
/// `eth_type_trans` with the device's counters, then the batch through
/// [`netif_receive_skb_list`]. The device is looked up once for the
/// batch; for a device that no longer exists every frame is dropped.
/// Takes every frame of `skbs`.
pub fn netif_receive_frames<S: DevSpec>(cx: &mut NetCx<'_, S>, ifindex: i32, skbs: &mut Vec<SkBuff>) {
    let Some(dev) = cx.state_mut::<NetDevTables>().ok().and_then(|t| t.get_by_index_mut(ifindex)) else {
        skbs.clear();
        return;
    };
    skbs.retain_mut(|skb| eth_receive(dev, ifindex, skb));
    netif_receive_skb_list(cx, skbs);
}

/// The device's part of receiving a frame: drop it if the device is down
/// (`rx_dropped`), `eth_type_trans` (a runt is `rx_length_errors` +
/// `rx_errors` + `rx_dropped`), count `rx_packets`/`rx_bytes` (and
/// `multicast`). Whether the frame goes on up.
#[inline(always)]
fn eth_receive(dev: &mut super::NetDevice, ifindex: i32, skb: &mut SkBuff) -> bool {
    if !dev.is_up() {
        dev.stats.rx_dropped += 1;
        return false;
    }
    skb.ifindex = ifindex;
    let len = skb.len() as u64;
    if eth_type_trans(skb, &dev.dev_addr).is_err() {
        dev.stats.rx_length_errors += 1;
        dev.stats.rx_errors += 1;
        dev.stats.rx_dropped += 1;
        return false;
    }
    dev.stats.rx_packets += 1;
    dev.stats.rx_bytes += len;
    if skb.pkt_type == PACKET_MULTICAST || skb.pkt_type == PACKET_BROADCAST {
        dev.stats.multicast += 1;
    }
    true
}

/// `deliver_skb(skb, pt_prev, orig_dev)`: `pt->func(skb, ..)`, the
/// generated `match` for a spec packet type, a [`PacketRcvFn`] otherwise.
#[inline(always)]
fn deliver_skb<S: DevSpec>(cx: &mut NetCx<'_, S>, pt: &PacketType<S>, skb: SkBuff) -> NetRx {
    match pt.entry {
        Entry::Spec(i) => S::packet_type_rcv(i, cx, skb),
        Entry::Fn(f, _) => f(cx, skb),
    }
}

/// Bumps one counter of device `ifindex`.
pub(crate) fn count_drop<S: DevSpec>(
    cx: &mut NetCx<'_, S>,
    ifindex: i32,
    field: impl FnOnce(&mut super::NetDevStats) -> &mut u64,
) {
    if let Some(dev) = cx.state_mut::<NetDevTables>().ok().and_then(|t| t.get_by_index_mut(ifindex)) {
        *field(&mut dev.stats) += 1;
    }
}

/// `netif_receive_skb(skb)` → `__netif_receive_skb_core` (Linux 6.0):
/// `eth_type_trans` has run (`skb->protocol`, `pkt_type`, `data` at the
/// network header). Delivers to every tap of `ptype_all` (and PF_PACKET
/// sockets bound to `ETH_P_ALL`), then to the handlers of `ptype_base`
/// whose type is `skb->protocol` (and PF_PACKET sockets of that
/// protocol), each bound to no device or this one, in list order; every
/// handler but the last gets a clone (Linux: a reference), the last gets
/// the frame. With no handler at all the frame is dropped and counted in
/// the device's `rx_dropped`: Linux's drop path counts
/// `dev_core_stats_rx_nohandler_inc` only when an `rx_handler` asked for
/// `RX_HANDLER_EXACT` delivery (`deliver_exact`), and no device here has an
/// `rx_handler`, so it is always `dev_core_stats_rx_dropped_inc`.
///
/// The namespace's own handlers (`net->ptype_all`/`ptype_specific`, Linux
/// 6.9: packet sockets' `prot_hook`s, [`NetPtype`]) take the frame by
/// reference at the two points their lists are walked: after the taps,
/// and beside the handlers of its type.
#[inline]
pub fn netif_receive_skb<S: DevSpec>(cx: &mut NetCx<'_, S>, skb: SkBuff) -> NetRx {
    let Ok(ptype) = cx.kernel_state::<PtypeBaseState<S>>() else { return NetRx::Drop };
    let ptype = ptype.load();
    match receive_core(cx, &ptype, skb) {
        Ok((pt, skb)) => deliver_skb(cx, pt, skb),
        Err(outcome) => outcome,
    }
}

/// `netif_receive_skb_list(head)` → `__netif_receive_skb_list_core`
/// (Linux 6.0): each frame goes through [`netif_receive_skb`]'s
/// delivery to every handler but the last; runs of consecutive frames
/// whose last handler is the same registration are then handed to it
/// together: its `list_func` (`ip_list_rcv`) if it has one, its `func`
/// frame by frame otherwise (`__netif_receive_skb_list_ptype`). Frames
/// keep their order within a run and runs keep theirs. Takes every frame
/// of `skbs`.
pub fn netif_receive_skb_list<S: DevSpec>(cx: &mut NetCx<'_, S>, skbs: &mut Vec<SkBuff>) {
    let Ok(ptype) = cx.kernel_state::<PtypeBaseState<S>>() else {
        skbs.clear();
        return;
    };
    // The lists once for the batch: a handler removed meanwhile waits for
    // the batch (`dev_remove_pack`'s `synchronize_net()`).
    let ptype = ptype.load();
    let mut run: Vec<SkBuff> = Vec::with_capacity(skbs.len());
    let mut run_pt: Option<&PacketType<S>> = None;
    for skb in skbs.drain(..) {
        let Ok((pt, skb)) = receive_core(cx, &ptype, skb) else { continue };
        if !run_pt.is_some_and(|p| std::ptr::eq(p, pt)) {
            if let Some(p) = run_pt {
                deliver_skb_list(cx, p, &mut run);
            }
            run_pt = Some(pt);
        }
        run.push(skb);
    }
    if let Some(p) = run_pt {
        deliver_skb_list(cx, p, &mut run);
    }
}

/// `__netif_receive_skb_list_ptype(head, pt_prev, orig_dev)`: `pt`'s
/// `list_func` takes what it handles; the rest go to `func` one by one.
#[inline]
fn deliver_skb_list<S: DevSpec>(cx: &mut NetCx<'_, S>, pt: &PacketType<S>, run: &mut Vec<SkBuff>) {
    if let Entry::Spec(i) = pt.entry {
        S::packet_type_list_rcv(i, cx, run);
    }
    for skb in run.drain(..) {
        deliver_skb(cx, pt, skb);
    }
}

/// `__netif_receive_skb_core` up to the last handler: delivers a clone
/// to every handler but the last (taps, the namespace's hooks, then the
/// handlers of the frame's type) and returns the last with the frame, or
/// the frame's outcome if no handler of the kernel's tables takes it
/// (taken by the namespace's hooks, or dropped and counted).
#[inline]
fn receive_core<'k, S: DevSpec>(
    cx: &mut NetCx<'_, S>,
    ptype: &'k PtypeBase<S>,
    mut skb: SkBuff,
) -> Result<(&'k PacketType<S>, SkBuff), NetRx> {
    let ifindex = skb.ifindex;
    let mut pt_prev: Option<&PacketType<S>> = None;
    for pt in ptype.ptype_all() {
        if pt.dev == 0 || pt.dev == ifindex {
            if let Some(p) = pt_prev {
                deliver_skb(cx, p, skb.skb_clone());
            }
            pt_prev = Some(pt);
        }
    }
    // The namespace's own handlers: almost always none, so only the check
    // is on the hot path.
    let to_net_hooks = cx.state::<NetPtype<S>>().is_ok_and(|n| !n.is_empty()) && deliver_net_hooks(cx, &skb);
    let proto = skb.protocol;
    for pt in ptype.bucket(usize::from(proto & PTYPE_HASH_MASK)) {
        if pt.type_ == proto && (pt.dev == 0 || pt.dev == ifindex) {
            if let Some(p) = pt_prev {
                deliver_skb(cx, p, skb.skb_clone());
            }
            pt_prev = Some(pt);
        }
    }
    match pt_prev {
        Some(p) => Ok((p, skb)),
        None if to_net_hooks => Err(NetRx::Success),
        None => {
            // `if (!deliver_exact) dev_core_stats_rx_dropped_inc(skb->dev);`
            count_drop(cx, ifindex, |s| &mut s.rx_dropped);
            Err(NetRx::Drop)
        }
    }
}

/// The namespace's handlers of `skb` (its taps, then those of its type),
/// each bound to no device or this one; whether one took it. Called only
/// when the namespace has handlers (packet sockets are open).
#[cold]
#[inline(never)]
fn deliver_net_hooks<S: DevSpec>(cx: &mut NetCx<'_, S>, skb: &SkBuff) -> bool {
    let Ok(np) = cx.state::<NetPtype<S>>() else { return false };
    let (ifindex, proto) = (skb.ifindex, skb.protocol);
    let hooks: Vec<NetPacketHook<S>> = np
        .ptype_all()
        .iter()
        .chain(np.ptype_specific().iter().filter(|h| h.type_ == proto))
        .filter(|h| h.dev == 0 || h.dev == ifindex)
        .copied()
        .collect();
    let mut taken = false;
    for h in hooks {
        taken |= (h.func)(cx, skb, h.priv_);
    }
    taken
}
