//! `inet_protos` and `inet_offloads` (net/ipv4/protocol.c): the layer-4
//! receive handlers and GRO/GSO offloads, indexed by IP protocol number.

use crate::errno::Errno;
use crate::kernel::Kernel;

/// Slots of `inet_protos` / `inet_offloads`: one per 8-bit protocol number.
pub const MAX_INET_PROTOS: usize = 256;

pub const IPPROTO_IP: u8 = 0;
pub const IPPROTO_ICMP: u8 = 1;
pub const IPPROTO_IGMP: u8 = 2;
pub const IPPROTO_TCP: u8 = 6;
pub const IPPROTO_UDP: u8 = 17;
pub const IPPROTO_RAW: u8 = 255;

/// `struct net_protocol`: what `ip_local_deliver_finish` calls for a protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NetProtocol {
    /// The C variable (`"udp_protocol"`).
    pub name: &'static str,
    /// `handler`, by name (`"udp_rcv"`).
    pub handler: &'static str,
    /// `err_handler`, by name, if any (IGMP has none).
    pub err_handler: Option<&'static str>,
    /// `no_policy`: skip the IPsec policy check.
    pub no_policy: bool,
    /// `netns_ok`: safe in namespaces other than `init_net`.
    pub netns_ok: bool,
}

/// `inet_protos[MAX_INET_PROTOS]` (resource `InetProtos`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InetProtosState {
    inet_protos: Vec<Option<NetProtocol>>,
}

impl InetProtosState {
    pub(crate) fn new() -> Self {
        InetProtosState { inet_protos: vec![None; MAX_INET_PROTOS] }
    }

    /// `inet_protos[protocol]`.
    pub fn get(&self, protocol: u8) -> Option<&NetProtocol> {
        self.inet_protos.get(usize::from(protocol))?.as_ref()
    }

    /// The registered protocols with their numbers, ascending.
    pub fn iter(&self) -> impl Iterator<Item = (u8, &NetProtocol)> {
        (0..=u8::MAX).zip(&self.inet_protos).filter_map(|(n, p)| Some((n, p.as_ref()?)))
    }
}

/// `inet_add_protocol(prot, protocol)`. Linux installs with
/// `cmpxchg(&inet_protos[protocol], NULL, prot)` and returns -1 if the slot
/// was taken; that is `EBUSY` here.
pub fn inet_add_protocol(k: &mut Kernel, prot: NetProtocol, protocol: u8) -> Result<(), Errno> {
    let slot = k.get_mut::<InetProtosState>()?.inet_protos.get_mut(usize::from(protocol)).ok_or(Errno::EINVAL)?;
    if slot.is_some() {
        return Err(Errno::EBUSY);
    }
    *slot = Some(prot);
    Ok(())
}

/// `inet_del_protocol(prot, protocol)`: empties the slot only if it holds
/// `prot` (Linux's `cmpxchg(.., prot, NULL)`), else `EBUSY` like Linux's -1.
pub fn inet_del_protocol(k: &mut Kernel, name: &str, protocol: u8) -> Result<(), Errno> {
    let slot = k.get_mut::<InetProtosState>()?.inet_protos.get_mut(usize::from(protocol)).ok_or(Errno::EINVAL)?;
    if slot.as_ref().map(|p| p.name) != Some(name) {
        return Err(Errno::EBUSY);
    }
    *slot = None;
    Ok(())
}

/// `struct net_offload`: GSO/GRO callbacks for one IP protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NetOffload {
    /// The C variable (`"tcpv4_offload"`).
    pub name: &'static str,
    pub gso_segment: &'static str,
    pub gro_receive: &'static str,
    pub gro_complete: &'static str,
}

/// `inet_offloads[MAX_INET_PROTOS]` (part of resource `Ipv4Offload`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InetOffloads {
    inet_offloads: Vec<Option<NetOffload>>,
}

impl InetOffloads {
    pub(crate) fn new() -> Self {
        InetOffloads { inet_offloads: vec![None; MAX_INET_PROTOS] }
    }

    /// `inet_offloads[protocol]`.
    pub fn get(&self, protocol: u8) -> Option<&NetOffload> {
        self.inet_offloads.get(usize::from(protocol))?.as_ref()
    }

    /// `inet_add_offload(prot, protocol)`: `EBUSY` if taken (Linux: -1).
    pub fn add(&mut self, prot: NetOffload, protocol: u8) -> Result<(), Errno> {
        let slot = self.inet_offloads.get_mut(usize::from(protocol)).ok_or(Errno::EINVAL)?;
        if slot.is_some() {
            return Err(Errno::EBUSY);
        }
        *slot = Some(prot);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UDP: NetProtocol = NetProtocol {
        name: "udp_protocol",
        handler: "udp_rcv",
        err_handler: Some("udp_err"),
        no_policy: true,
        netns_ok: true,
    };

    #[test]
    fn add_and_del_protocol() {
        let mut k = Kernel::new(1);
        assert_eq!(inet_add_protocol(&mut k, UDP, IPPROTO_UDP), Err(Errno::ENOENT));
        k.provide(InetProtosState::new()).unwrap();
        inet_add_protocol(&mut k, UDP, IPPROTO_UDP).unwrap();
        assert_eq!(inet_add_protocol(&mut k, UDP, IPPROTO_UDP), Err(Errno::EBUSY));
        assert_eq!(k.get::<InetProtosState>().unwrap().get(17).map(|p| p.handler), Some("udp_rcv"));
        assert_eq!(k.get::<InetProtosState>().unwrap().iter().map(|(n, _)| n).collect::<Vec<_>>(), [17]);
        assert_eq!(inet_del_protocol(&mut k, "tcp_protocol", IPPROTO_UDP), Err(Errno::EBUSY));
        inet_del_protocol(&mut k, "udp_protocol", IPPROTO_UDP).unwrap();
        assert_eq!(inet_del_protocol(&mut k, "udp_protocol", IPPROTO_UDP), Err(Errno::EBUSY));
        inet_add_protocol(&mut k, UDP, IPPROTO_RAW).unwrap();
    }

    #[test]
    fn offload_slots() {
        let mut o = InetOffloads::new();
        let tcp = NetOffload { name: "tcpv4_offload", gso_segment: "a", gro_receive: "b", gro_complete: "c" };
        o.add(tcp, IPPROTO_TCP).unwrap();
        assert_eq!(o.add(tcp, IPPROTO_TCP), Err(Errno::EBUSY));
        assert_eq!(o.get(IPPROTO_TCP).map(|p| p.name), Some("tcpv4_offload"));
        assert_eq!(o.get(IPPROTO_UDP), None);
    }
}
