//! The spec's example netfilter hook (netgen's own, shaped like
//! net/ipv4/netfilter/iptable_filter.c): a LOCAL_IN hook at
//! `NF_IP_PRI_FILTER` that drops UDP datagrams to one port, set per
//! namespace through the sysctl `net.netfilter.udp_drop_port` (0, the
//! default: none). Linux has no such sysctl; it stands in for the rule an
//! `iptables -A INPUT -p udp --dport N -j DROP` would add.
//!
//! spec/netfilter.ng declares the hook (`nf_hook udp_filter`), the pernet
//! operation whose `init` registers it in every namespace
//! (`udp_filter_net_ops`, as `iptable_filter_net_ops`) and the initcall
//! that registers that operation (`udp_filter_init`).

use super::{NfHookState, NfVerdict};
use crate::errno::Errno;
use crate::init::InitResult;
use crate::kernel::{Kernel, KernelSpec};
use crate::netns::{Net, PernetSpec};
use crate::skbuff::SkBuff;
use crate::sysctl::CtlTableHeader;
use crate::tables::{NetCx, NetState};

/// `IPPROTO_UDP`.
const IPPROTO_UDP: u8 = 17;

/// The namespace's filter setting: the state of `udp_filter_net_ops`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UdpFilterNet {
    /// `net.netfilter.udp_drop_port`: UDP datagrams to this port are
    /// dropped at LOCAL_IN; 0 drops none.
    drop_port: u16,
    /// The namespace's registration of `net/netfilter/udp_drop_port`;
    /// `None` once the exit unregistered it.
    pub sysctl_hdr: Option<CtlTableHeader>,
}

impl UdpFilterNet {
    /// `net.netfilter.udp_drop_port`.
    pub fn drop_port(&self) -> u16 {
        self.drop_port
    }

    /// Writes `net.netfilter.udp_drop_port` (`proc_dointvec_minmax`,
    /// 0..=65535): `EINVAL` outside it, nothing changed.
    pub fn set_drop_port(&mut self, port: i64) -> Result<(), Errno> {
        self.drop_port = u16::try_from(port).map_err(|_| Errno::EINVAL)?;
        Ok(())
    }
}

/// The example filter is loaded (resource `UdpFilter`): what
/// `iptable_filter_init` leaves behind before its pernet operation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UdpFilterState;

/// The example filter's initcall (`module_init(iptable_filter_init)`'s
/// place); `EEXIST` if it ran. Its pernet operation, `udp_filter_net_ops`,
/// is the spec's, registered when this returns.
pub fn udp_filter_init<S: KernelSpec + crate::kernel::HasState<UdpFilterState>>(k: &mut Kernel<S>) -> InitResult {
    k.provide(UdpFilterState)?;
    k.printk("netfilter: udp_filter: LOCAL_IN, NF_IP_PRI_FILTER; net.netfilter.udp_drop_port selects the port");
    Ok(())
}

/// `udp_filter_net_ops.init`: no port dropped, and the sysctl registered
/// for the namespace. The generated `init` then registers the spec's
/// `udp_filter` hook here.
pub fn udp_filter_net_init<S: PernetSpec>(net: &mut Net<S>) -> Result<UdpFilterNet, Errno> {
    let sysctl_hdr =
        CtlTableHeader { net_cookie: net.cookie(), path: "net/netfilter", procnames: vec!["udp_drop_port"] };
    Ok(UdpFilterNet { drop_port: 0, sysctl_hdr: Some(sysctl_hdr) })
}

/// `udp_filter_net_ops.exit`: unregisters the sysctl (the generated exit
/// has unregistered the hook first).
pub fn udp_filter_net_exit<S: PernetSpec>(net: &mut Net<S>)
where
    UdpFilterNet: crate::netns::PernetState<S>,
{
    if let Ok(f) = net.get_mut::<UdpFilterNet>() {
        f.sysctl_hdr = None;
    }
}

/// The hook (`nf_hookfn`): at LOCAL_IN (`skb->data` at the IP header, the
/// datagram not a fragment), a UDP datagram whose destination port is the
/// namespace's `udp_drop_port` is `NF_DROP`ped; everything else is
/// `NF_ACCEPT`ed, a truncated header included (`udp_rcv` counts that).
pub fn udp_port_filter<S>(cx: &mut NetCx<'_, S>, skb: SkBuff, _state: &NfHookState) -> NfVerdict
where
    S: KernelSpec + PernetSpec + NetState<UdpFilterNet>,
{
    let port = cx.state::<UdpFilterNet>().map_or(0, UdpFilterNet::drop_port);
    if port != 0 && udp_dport(skb.data()) == Some(port) {
        return NfVerdict::DROP;
    }
    NfVerdict::Accept(skb)
}

/// The destination port of the UDP datagram `ip` (an IPv4 header and
/// what follows), if it is one with a whole UDP port field.
fn udp_dport(ip: &[u8]) -> Option<u16> {
    let ihl = usize::from(*ip.first()? & 0x0f) * 4;
    if *ip.get(9)? != IPPROTO_UDP {
        return None;
    }
    let p = ip.get(ihl + 2..ihl + 4)?;
    Some(u16::from_be_bytes([p[0], p[1]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_port_is_read_after_the_header_and_its_options() {
        let mut ip = vec![0x45, 0, 0, 28, 0, 0, 0, 0, 64, IPPROTO_UDP, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
        ip.extend_from_slice(&[0x13, 0x88, 0x00, 0x07, 0, 8, 0, 0]);
        assert_eq!(udp_dport(&ip), Some(7));
        let mut with_options = ip.clone();
        with_options[0] = 0x46;
        with_options.splice(20..20, [1, 1, 1, 0]);
        assert_eq!(udp_dport(&with_options), Some(7));
        ip[9] = 6;
        assert_eq!(udp_dport(&ip), None, "TCP is not filtered");
        assert_eq!(udp_dport(&with_options[..23]), None, "a cut header");
        assert_eq!(udp_dport(&[]), None);
    }

    #[test]
    fn the_sysctl_takes_a_port() {
        let mut f = UdpFilterNet::default();
        f.set_drop_port(5000).unwrap();
        assert_eq!(f.drop_port(), 5000);
        assert_eq!(f.set_drop_port(65536), Err(Errno::EINVAL));
        assert_eq!(f.set_drop_port(-1), Err(Errno::EINVAL));
        assert_eq!(f.drop_port(), 5000);
    }
}
