//! The transmit path of net/core/dev.c: `dev_queue_xmit`.

use super::netdevice::NetDevTables;
use super::ptype::{NetPacketHook, NetPtype, PtypeBase, PtypeBaseState};
use super::DevSpec;
use crate::errno::Errno;
use crate::skbuff::{SkBuff, PACKET_OUTGOING};
use crate::tables::{Entry, NetCx};

/// `dev_queue_xmit(skb)` (`__dev_queue_xmit`): `skb->ifindex` names the
/// device, `data` is at the Ethernet header. Taps see the frame first
/// (`dev_queue_xmit_nit`: a clone to each `ptype_all` handler, the
/// kernel's and the namespace's, as `PACKET_OUTGOING`). A down device drops
/// it (`tx_dropped`, `ENETDOWN`); otherwise the device's `ndo_start_xmit`
/// runs ([`super::NetDevice::start_xmit`]). `ENODEV` if there is no such
/// device.
pub fn dev_queue_xmit<S: DevSpec>(cx: &mut NetCx<'_, S>, skb: SkBuff) -> Result<(), Errno> {
    let ifindex = skb.ifindex;
    let ptype = cx.kernel_state::<PtypeBaseState<S>>()?;
    let taps = ptype.has_taps() || cx.state::<NetPtype<S>>().is_ok_and(|n| !n.ptype_all().is_empty());
    if taps {
        dev_queue_xmit_nit(cx, &ptype.load(), &skb);
    }
    let dev = cx.state_mut::<NetDevTables>()?.get_by_index_mut(ifindex).ok_or(Errno::ENODEV)?;
    if !dev.is_up() {
        dev.stats.tx_dropped += 1;
        return Err(Errno::ENETDOWN);
    }
    dev.start_xmit(skb)
}

/// `dev_queue_xmit_nit(skb, dev)`: outgoing frames to the taps.
fn dev_queue_xmit_nit<S: DevSpec>(cx: &mut NetCx<'_, S>, ptype: &PtypeBase<S>, skb: &SkBuff) {
    let mut out = skb.clone();
    out.pkt_type = PACKET_OUTGOING;
    out.reset_mac_header();
    for pt in ptype.ptype_all() {
        if pt.dev != 0 && pt.dev != skb.ifindex {
            continue;
        }
        let mut c = out.skb_clone();
        c.pull(crate::ethernet::ETH_HLEN);
        match pt.entry {
            Entry::Spec(i) => {
                S::packet_type_rcv(i, cx, c);
            }
            Entry::Fn(f, _) => {
                f(cx, c);
            }
        }
    }
    // The namespace's taps (packet sockets of `ETH_P_ALL`): the frame by
    // reference, `data` at the network header.
    let hooks: Vec<NetPacketHook<S>> = match cx.state::<NetPtype<S>>() {
        Ok(n) => n.ptype_all().iter().filter(|h| h.dev == 0 || h.dev == skb.ifindex).copied().collect(),
        Err(_) => return,
    };
    if hooks.is_empty() {
        return;
    }
    out.pull(crate::ethernet::ETH_HLEN);
    out.reset_network_header();
    for h in hooks {
        (h.func)(cx, &out, h.priv_);
    }
}
