//! IGMP (net/ipv4/igmp.c): /proc/net/igmp and mcfilter per namespace
//! (`igmp_net_ops`), and `igmp_rcv`. Multicast group membership is not
//! modelled (every host is in 224.0.0.1 only), so valid messages are
//! accepted and not acted on.

use super::InetSpec;
use crate::checksum::{csum_fold, csum_partial};
use crate::inet::mib::ExtMib;
use crate::init::InitResult;
use crate::netns::Net;
use crate::skbuff::SkBuff;
use crate::tables::{NetCx, NetRx, ProtoSpec};

const IGMP_PROC_ENTRIES: &[&str] = &["igmp", "mcfilter"];

/// `igmp_net_init(net)` (`igmp_net_ops.init`, net/ipv4/igmp.c):
/// /proc/net/igmp and /proc/net/mcfilter.
pub fn igmp_net_init<S: ProtoSpec>(net: &mut Net<S>) -> InitResult {
    net.proc_net.proc_create_all(IGMP_PROC_ENTRIES)
}

/// `igmp_net_exit(net)`: removes them.
pub fn igmp_net_exit<S: ProtoSpec>(net: &mut Net<S>) {
    net.proc_net.remove_all(IGMP_PROC_ENTRIES);
}

/// `igmp_rcv(skb)` (the spec's `igmp_protocol` handler): shorter than an
/// IGMP header (8 bytes) or a bad checksum: dropped, counted `IGMPDrops`;
/// otherwise accepted and counted `IGMPIgnored` (no membership to
/// update or report).
pub fn igmp_rcv<S: InetSpec>(cx: &mut NetCx<'_, S>, skb: SkBuff) -> NetRx {
    if skb.len() < 8 || csum_fold(csum_partial(skb.data(), 0)) != 0 {
        cx.mib_inc(ExtMib::IgmpDrops);
        return NetRx::Drop;
    }
    cx.mib_inc(ExtMib::IgmpIgnored);
    NetRx::Success
}
