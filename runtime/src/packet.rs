//! PF_PACKET sockets (net/packet/af_packet.c): raw access to frames, which
//! bind by adding a packet type (`ETH_P_ALL` for taps) to `ptype_all` or
//! `ptype_base`.

use crate::dev::PtypeBaseState;
use crate::errno::Errno;
use crate::init::InitResult;
use crate::kernel::Kernel;
use crate::netns::{Net, PernetSpec};
use crate::sock::{proto_register, Proto};
use crate::socket::{sock_register, NetProtoFamily, SockCacheState, SockRegistryState, PF_PACKET};

/// `obj_size` of `packet_proto`: a typical x86_64 `sizeof(struct packet_sock)`.
const PACKET_SOCK_SIZE: usize = 1472;

/// `packet_proto`.
pub const PACKET_PROTO: Proto = Proto::new("PACKET", PACKET_SOCK_SIZE);

/// `packet_family_ops`.
pub const PACKET_FAMILY_OPS: NetProtoFamily =
    NetProtoFamily { family: PF_PACKET, create: "packet_create", owner: "kernel" };

/// `PF_PACKET` is registered (resource `PacketFamily`); sockets of it add
/// their packet types to `ptype_all`/`ptype_base` when bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketFamilyState;

/// `packet_init()` (net/packet/af_packet.c, module_init = device_initcall):
/// `proto_register(&packet_proto, 0)` (no slab: packet socks come from
/// `sk_alloc`'s generic path) and `sock_register(&packet_family_ops)`; the
/// spec registers its `packet_net_ops` (/proc/net/packet) when this
/// returns. The netdevice notifier has no counterpart yet.
pub fn packet_init(k: &mut Kernel) -> InitResult {
    k.get::<SockRegistryState>()?;
    k.get::<SockCacheState>()?;
    k.get::<PtypeBaseState>()?;
    if k.has::<PacketFamilyState>() || k.get::<SockRegistryState>()?.family(PF_PACKET).is_some() {
        return Err(Errno::EEXIST);
    }
    proto_register(k, PACKET_PROTO, false)?;
    sock_register(k, PACKET_FAMILY_OPS)?;
    k.provide(PacketFamilyState)
}

/// `packet_net_init(net)`: creates /proc/net/packet.
pub fn packet_net_init<S: PernetSpec>(net: &mut Net<S>) -> InitResult {
    net.proc_net.proc_create("packet")
}

/// `packet_net_exit(net)`: removes /proc/net/packet.
pub fn packet_net_exit<S: PernetSpec>(net: &mut Net<S>) {
    net.proc_net.remove_all(&["packet"]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dev::net_dev_init;
    use crate::socket::sock_init;
    use crate::softirq::spawn_ksoftirqd;

    #[test]
    fn needs_socket_and_ptype() {
        let mut k = Kernel::new(1);
        sock_init(&mut k).unwrap();
        assert_eq!(packet_init(&mut k), Err(Errno::ENOENT));
        assert!(k.get::<SockCacheState>().unwrap().proto_list.is_empty());
    }

    #[test]
    fn registers_pf_packet() {
        let mut k = Kernel::new(1);
        spawn_ksoftirqd(&mut k).unwrap();
        sock_init(&mut k).unwrap();
        net_dev_init(&mut k).unwrap();
        packet_init(&mut k).unwrap();
        assert_eq!(k.get::<SockRegistryState>().unwrap().family(PF_PACKET).map(|f| f.create), Some("packet_create"));
        assert_eq!(k.log().last().map(String::as_str), Some("NET: Registered protocol family 17"));
        let packet = k.get::<SockCacheState>().unwrap().proto("PACKET").unwrap();
        assert!(packet.slab.is_none());
        assert_eq!(packet_init(&mut k), Err(Errno::EEXIST));
    }
}
