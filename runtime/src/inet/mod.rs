//! IPv4 sockets (net/ipv4/af_inet.c): `inet_init` registers the IPv4
//! protocols, `PF_INET`, `inet_protos`, `inetsw`, ARP and IP;
//! `ipv4_offload_init` adds the IPv4 GRO/GSO offloads.
//!
//! Handlers and socket ops are recorded by name: the tables are data here,
//! and the generated packet path dispatches on them statically.

pub mod arp;
pub mod mib;
pub mod netns_ipv4;
pub mod protocol;

use std::mem::size_of;

use crate::dev::{
    dev_add_offload, dev_add_pack, OffloadBaseState, PacketOffload, PacketType, PtypeBaseState, ETH_P_IP,
};
use crate::errno::Errno;
use crate::init::InitResult;
use crate::kernel::Kernel;
use crate::netns::{Net, PernetSpec};
use crate::slab::{KmemCache, SLAB_HWCACHE_ALIGN, SLAB_PANIC};
use crate::sock::{proto_register, ProtInuseState, Proto};
use crate::socket::{
    sock_register, NetProtoFamily, SockCacheState, SockRegistryState, PF_INET, SOCK_DGRAM, SOCK_MAX, SOCK_RAW,
    SOCK_STREAM,
};

pub use arp::{arp_init, ArpState, NeighTable, ARP_PACKET_TYPE};
pub use protocol::{
    inet_add_protocol, inet_del_protocol, InetOffloads, InetProtosState, NetOffload, NetProtocol, IPPROTO_ICMP,
    IPPROTO_IGMP, IPPROTO_IP, IPPROTO_RAW, IPPROTO_TCP, IPPROTO_UDP, MAX_INET_PROTOS,
};

/// `inet_protosw.flags`: a later entry may override this one.
pub const INET_PROTOSW_REUSE: u8 = 0x01;
/// `inet_protosw.flags`: may not be overridden or unregistered.
pub const INET_PROTOSW_PERMANENT: u8 = 0x02;
/// `inet_protosw.flags`: an `inet_connection_sock` protocol.
pub const INET_PROTOSW_ICSK: u8 = 0x04;

// `obj_size` of the IPv4 protos: typical x86_64 sizes of `struct tcp_sock`,
// `udp_sock`, `raw_sock` and `inet_sock` (/proc/net/protocols "size").
// They only size the slab caches.
const TCP_SOCK_SIZE: usize = 2240;
const UDP_SOCK_SIZE: usize = 1088;
const RAW_SOCK_SIZE: usize = 984;
const PING_SOCK_SIZE: usize = 976;

/// `tcp_prot`, `udp_prot`, `raw_prot`, `ping_prot`, as `proto_register`ed.
pub const INET_PROTS: [Proto; 4] = [
    Proto::new("TCP", TCP_SOCK_SIZE),
    Proto::new("UDP", UDP_SOCK_SIZE),
    Proto::new("RAW", RAW_SOCK_SIZE),
    Proto::new("PING", PING_SOCK_SIZE),
];

/// `inet_family_ops`.
pub const INET_FAMILY_OPS: NetProtoFamily = NetProtoFamily { family: PF_INET, create: "inet_create", owner: "kernel" };

const fn net_protocol(name: &'static str, handler: &'static str, err_handler: Option<&'static str>) -> NetProtocol {
    NetProtocol { name, handler, err_handler, no_policy: true, netns_ok: true }
}

/// `icmp_protocol`, `udp_protocol`, `tcp_protocol`, `igmp_protocol` with
/// their numbers, in the order `inet_init` adds them.
pub const INET_BASE_PROTOCOLS: [(NetProtocol, u8, &str); 4] = [
    (net_protocol("icmp_protocol", "icmp_rcv", Some("icmp_err")), IPPROTO_ICMP, "ICMP"),
    (net_protocol("udp_protocol", "udp_rcv", Some("udp_err")), IPPROTO_UDP, "UDP"),
    (net_protocol("tcp_protocol", "tcp_v4_rcv", Some("tcp_v4_err")), IPPROTO_TCP, "TCP"),
    (net_protocol("igmp_protocol", "igmp_rcv", None), IPPROTO_IGMP, "IGMP"),
];

/// `struct inet_protosw`: what `inet_create` needs for one (type, protocol).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InetProtosw {
    /// `SOCK_STREAM`, ...
    pub type_: u16,
    /// `IPPROTO_*`; `IPPROTO_IP` is a wildcard.
    pub protocol: u8,
    /// The `struct proto`, by name (`"TCP"`).
    pub prot: &'static str,
    /// The `struct proto_ops`, by name (`"inet_stream_ops"`).
    pub ops: &'static str,
    pub flags: u8,
}

/// `inetsw_array` of Linux 3.19.
pub const INETSW_ARRAY: [InetProtosw; 4] = [
    InetProtosw {
        type_: SOCK_STREAM,
        protocol: IPPROTO_TCP,
        prot: "TCP",
        ops: "inet_stream_ops",
        flags: INET_PROTOSW_PERMANENT | INET_PROTOSW_ICSK,
    },
    InetProtosw {
        type_: SOCK_DGRAM,
        protocol: IPPROTO_UDP,
        prot: "UDP",
        ops: "inet_dgram_ops",
        flags: INET_PROTOSW_PERMANENT,
    },
    InetProtosw {
        type_: SOCK_DGRAM,
        protocol: IPPROTO_ICMP,
        prot: "PING",
        ops: "inet_sockraw_ops",
        flags: INET_PROTOSW_REUSE,
    },
    InetProtosw {
        type_: SOCK_RAW,
        protocol: IPPROTO_IP,
        prot: "RAW",
        ops: "inet_sockraw_ops",
        flags: INET_PROTOSW_REUSE,
    },
];

/// `inetsw[SOCK_MAX]` (resource `Inetsw`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InetswState {
    inetsw: [Vec<InetProtosw>; SOCK_MAX],
}

impl InetswState {
    /// `inetsw[type]`, in lookup order (empty for an invalid type).
    pub fn list(&self, type_: u16) -> &[InetProtosw] {
        self.inetsw.get(usize::from(type_)).map_or(&[], Vec::as_slice)
    }

    /// The lookup `inet_create` does: the first entry of `inetsw[type]`
    /// whose protocol is `protocol`, or a wildcard entry. `protocol` 0
    /// takes the first entry. `ESOCKTNOSUPPORT` for a bad type,
    /// `EPROTONOSUPPORT` if nothing matches.
    pub fn lookup(&self, type_: u16, protocol: u8) -> Result<&InetProtosw, Errno> {
        let list = self.inetsw.get(usize::from(type_)).ok_or(Errno::ESOCKTNOSUPPORT)?;
        list.iter()
            .find(|a| protocol == a.protocol || protocol == IPPROTO_IP || a.protocol == IPPROTO_IP)
            .ok_or(Errno::EPROTONOSUPPORT)
    }
}

/// `inet_register_protosw(p)` (Linux 3.19): adds `p` after the last
/// permanent entry of `inetsw[p.type]`, so it overrides reusable entries but
/// never a permanent one. Linux only logs the two failures; here they also
/// return `EINVAL` (bad type) and `EPERM` (permanent protocol).
pub fn inet_register_protosw(k: &mut Kernel, p: InetProtosw) -> Result<(), Errno> {
    let Some(list) = k.get_mut::<InetswState>()?.inetsw.get_mut(usize::from(p.type_)) else {
        k.printk(format!("Ignoring attempt to register invalid socket type {}", p.type_));
        return Err(Errno::EINVAL);
    };
    let mut last_perm = 0;
    for answer in list.iter() {
        if answer.flags & INET_PROTOSW_PERMANENT == 0 {
            break;
        }
        if answer.protocol == p.protocol {
            k.printk(format!("Attempt to override permanent protocol {}", p.protocol));
            return Err(Errno::EPERM);
        }
        last_perm += 1;
    }
    list.insert(last_perm, p);
    Ok(())
}

/// `inet_unregister_protosw(p)`: `EPERM` for a permanent entry (Linux logs
/// "Attempt to unregister permanent protocol"), `ENOENT` if absent.
pub fn inet_unregister_protosw(k: &mut Kernel, p: &InetProtosw) -> Result<(), Errno> {
    if p.flags & INET_PROTOSW_PERMANENT != 0 {
        k.printk(format!("Attempt to unregister permanent protocol {}", p.protocol));
        return Err(Errno::EPERM);
    }
    let list = k.get_mut::<InetswState>()?.inetsw.get_mut(usize::from(p.type_)).ok_or(Errno::EINVAL)?;
    let i = list.iter().position(|a| a == p).ok_or(Errno::ENOENT)?;
    list.remove(i);
    Ok(())
}

/// The IPv4 protos `inet_init` registered (resource `InetProtoList`); they
/// themselves are on `SockCacheState::proto_list`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InetProtoListState {
    pub names: [&'static str; 4],
}

/// `inet_family_ops` is in `net_families[PF_INET]` (resource `InetFamily`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InetFamilyState;

/// `ip_packet_type`: IPv4 frames go to `ip_rcv`.
pub const IP_PACKET_TYPE: PacketType = PacketType { type_: ETH_P_IP, name: "ip_packet_type", func: "ip_rcv" };

/// `struct rtable`: a cached IPv4 route, as far as its size goes.
#[allow(dead_code)] // only sizes ip_dst_cache until routing exists
struct Rtable {
    dst_ifindex: i32,
    rt_gateway: [u8; 4],
    rt_pmtu: u32,
    rt_flags: u32,
    rt_type: u16,
}

/// `struct inet_peer`: long-lived per-peer IPv4 state (IP id, ICMP rate).
#[allow(dead_code)] // only sizes inet_peer_cache until peers exist
struct InetPeer {
    daddr: [u8; 4],
    rate_tokens: u32,
    rate_last: u64,
}

/// `ip_packet_type` in `ptype_base` and the caches `ip_init` creates for the
/// receive path behind it (resource `IpPacketType`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpPacketTypeState {
    pub ip_packet_type: PacketType,
    /// `ipv4_dst_ops.kmem_cachep`, "ip_dst_cache" (`ip_rt_init`).
    pub ip_dst_cache: KmemCache,
    /// `peer_cachep`, "inet_peer_cache" (`inet_initpeers`).
    pub inet_peer_cache: KmemCache,
}

/// `ip_init()` (net/ipv4/ip_output.c): `ip_rt_init` (the dst cache),
/// `inet_initpeers` (the peer cache); `igmp_mc_init`'s pernet
/// `igmp_net_ops` is the spec's, registered when `inet_init` returns.
/// Returns the caches.
fn ip_init() -> Result<(KmemCache, KmemCache), Errno> {
    let flags = SLAB_HWCACHE_ALIGN | SLAB_PANIC;
    let ip_dst_cache = KmemCache::create("ip_dst_cache", size_of::<Rtable>(), 0, flags)?;
    let inet_peer_cache = KmemCache::create("inet_peer_cache", size_of::<InetPeer>(), 0, flags)?;
    Ok((ip_dst_cache, inet_peer_cache))
}

/// `igmp_net_init(net)` (`igmp_net_ops.init`, net/ipv4/igmp.c):
/// /proc/net/igmp and /proc/net/mcfilter.
pub fn igmp_net_init<S: PernetSpec>(net: &mut Net<S>) -> InitResult {
    net.proc_net.proc_create_all(IGMP_PROC_ENTRIES)
}

/// `igmp_net_exit(net)`: removes them.
pub fn igmp_net_exit<S: PernetSpec>(net: &mut Net<S>) {
    net.proc_net.remove_all(IGMP_PROC_ENTRIES);
}

const IGMP_PROC_ENTRIES: &[&str] = &["igmp", "mcfilter"];

/// `inet_init()` (net/ipv4/af_inet.c, fs_initcall), in Linux 3.19's order:
/// 1. `proto_register` tcp_prot, udp_prot, raw_prot, ping_prot (with slabs);
/// 2. `sock_register(&inet_family_ops)`: PF_INET;
/// 3. `inet_add_protocol` ICMP, UDP, TCP, IGMP (a failure is logged as
///    "inet_init: Cannot add X protocol" and boot goes on, as in Linux);
/// 4. `inetsw` from `inetsw_array` via `inet_register_protosw`;
/// 5. `arp_init`, `ip_init`;
/// 6. `dev_add_pack(&ip_packet_type)`.
///
/// The MIBs, tcp/udp/raw/ping/icmp init, multicast routing, /proc/net
/// snmp files and IP fragment queues come with the packet path.
pub fn inet_init(k: &mut Kernel) -> InitResult {
    // Prerequisites first, so a refusal leaves nothing half-registered.
    k.get::<SockRegistryState>()?;
    k.get::<SockCacheState>()?;
    k.get::<ProtInuseState>()?;
    k.get::<PtypeBaseState>()?;
    if k.has::<InetProtoListState>() || k.has::<InetProtosState>() || k.has::<InetswState>() || k.has::<arp::ArpState>()
    {
        return Err(Errno::EEXIST);
    }
    if k.get::<SockRegistryState>()?.family(PF_INET).is_some() {
        return Err(Errno::EEXIST);
    }
    let cache = k.get::<SockCacheState>()?;
    if INET_PROTS.iter().any(|p| cache.proto(p.name).is_some()) {
        return Err(Errno::EEXIST);
    }

    for prot in INET_PROTS {
        proto_register(k, prot, true)?;
    }
    k.provide(InetProtoListState { names: INET_PROTS.map(|p| p.name) })?;

    sock_register(k, INET_FAMILY_OPS)?;
    k.provide(InetFamilyState)?;

    k.provide(InetProtosState::new())?;
    for (prot, nr, what) in INET_BASE_PROTOCOLS {
        if inet_add_protocol(k, prot, nr).is_err() {
            k.printk(format!("inet_init: Cannot add {what} protocol"));
        }
    }

    k.provide(InetswState { inetsw: Default::default() })?;
    for p in INETSW_ARRAY {
        inet_register_protosw(k, p)?;
    }

    arp_init(k)?;
    let (ip_dst_cache, inet_peer_cache) = ip_init()?;
    dev_add_pack(k, IP_PACKET_TYPE)?;
    k.provide(IpPacketTypeState { ip_packet_type: IP_PACKET_TYPE, ip_dst_cache, inet_peer_cache })
}

/// IPv4's offloads (resource `Ipv4Offload`): `inet_offloads` and the
/// `ip_packet_offload` entry in `offload_base`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ipv4OffloadState {
    pub inet_offloads: InetOffloads,
    pub ip_packet_offload: PacketOffload,
}

/// `ip_packet_offload`: IPv4's GRO/GSO entry in `offload_base`.
pub const IP_PACKET_OFFLOAD: PacketOffload = PacketOffload { type_: ETH_P_IP, name: "ip_packet_offload", priority: 0 };

/// `udpv4_offload` and `tcpv4_offload` with their protocol numbers.
pub const IPV4_L4_OFFLOADS: [(NetOffload, u8, &str); 2] = [
    (
        NetOffload {
            name: "udpv4_offload",
            gso_segment: "udp4_ufo_fragment",
            gro_receive: "udp4_gro_receive",
            gro_complete: "udp4_gro_complete",
        },
        IPPROTO_UDP,
        "UDP",
    ),
    (
        NetOffload {
            name: "tcpv4_offload",
            gso_segment: "tcp4_gso_segment",
            gro_receive: "tcp4_gro_receive",
            gro_complete: "tcp4_gro_complete",
        },
        IPPROTO_TCP,
        "TCP",
    ),
];

/// `ipv4_offload_init()` (net/ipv4/af_inet.c, fs_initcall):
/// `udpv4_offload_init` and `tcpv4_offload_init` fill `inet_offloads`
/// (a failure is logged "ipv4_offload_init: Cannot add X protocol offload"
/// and ignored, as in Linux), then `dev_add_offload(&ip_packet_offload)`.
pub fn ipv4_offload_init(k: &mut Kernel) -> InitResult {
    k.get::<OffloadBaseState>()?;
    if k.has::<Ipv4OffloadState>() {
        return Err(Errno::EEXIST);
    }
    let mut inet_offloads = InetOffloads::new();
    for (off, nr, what) in IPV4_L4_OFFLOADS {
        if inet_offloads.add(off, nr).is_err() {
            k.printk(format!("ipv4_offload_init: Cannot add {what} protocol offload"));
        }
    }
    dev_add_offload(k, IP_PACKET_OFFLOAD)?;
    k.provide(Ipv4OffloadState { inet_offloads, ip_packet_offload: IP_PACKET_OFFLOAD })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dev::net_dev_init;
    use crate::sock::net_inuse_init;
    use crate::socket::sock_init;
    use crate::softirq::spawn_ksoftirqd;

    fn ready() -> Kernel {
        Kernel::with_initcalls(1, &[spawn_ksoftirqd, sock_init, net_inuse_init, net_dev_init]).unwrap()
    }

    #[test]
    fn missing_prerequisites_are_errors() {
        let mut k = Kernel::new(1);
        sock_init(&mut k).unwrap();
        assert_eq!(inet_init(&mut k), Err(Errno::ENOENT));
        assert!(k.get::<SockCacheState>().unwrap().proto_list.is_empty());
        assert_eq!(ipv4_offload_init(&mut k), Err(Errno::ENOENT));
    }

    #[test]
    fn inet_init_registers_everything() {
        let mut k = ready();
        inet_init(&mut k).unwrap();
        assert_eq!(k.get::<SockRegistryState>().unwrap().family(PF_INET), Some(&INET_FAMILY_OPS));
        assert!(k.log().iter().any(|l| l == "NET: Registered protocol family 2"));

        let protos: Vec<_> = k.get::<SockCacheState>().unwrap().proto_list.iter().map(|p| p.name).collect();
        assert_eq!(protos, ["PING", "RAW", "UDP", "TCP"]);
        let tcp = k.get::<SockCacheState>().unwrap().proto("TCP").unwrap();
        assert_eq!(tcp.slab.as_ref().map(|s| s.object_size), Some(TCP_SOCK_SIZE));

        let ip = k.get::<InetProtosState>().unwrap();
        assert_eq!(ip.get(IPPROTO_UDP).map(|p| p.name), Some("udp_protocol"));
        assert_eq!(ip.get(IPPROTO_TCP).map(|p| p.handler), Some("tcp_v4_rcv"));
        assert_eq!(ip.get(IPPROTO_ICMP).map(|p| p.handler), Some("icmp_rcv"));
        assert_eq!(ip.get(IPPROTO_IGMP).and_then(|p| p.err_handler), None);
        assert_eq!(ip.iter().count(), 4);

        let sw = k.get::<InetswState>().unwrap();
        assert_eq!(sw.list(SOCK_STREAM).iter().map(|p| p.prot).collect::<Vec<_>>(), ["TCP"]);
        assert_eq!(sw.list(SOCK_DGRAM).iter().map(|p| p.prot).collect::<Vec<_>>(), ["UDP", "PING"]);
        assert_eq!(sw.lookup(SOCK_DGRAM, 0).map(|p| p.prot), Ok("UDP"));
        assert_eq!(sw.lookup(SOCK_DGRAM, IPPROTO_ICMP).map(|p| p.prot), Ok("PING"));
        assert_eq!(sw.lookup(SOCK_RAW, IPPROTO_UDP).map(|p| p.prot), Ok("RAW"));
        assert_eq!(sw.lookup(SOCK_STREAM, IPPROTO_UDP), Err(Errno::EPROTONOSUPPORT));
        assert_eq!(sw.lookup(99, 0), Err(Errno::ESOCKTNOSUPPORT));

        let ptype = k.get::<PtypeBaseState>().unwrap();
        assert_eq!(ptype.bucket(usize::from(ETH_P_IP & 15)), [IP_PACKET_TYPE]);
        assert_eq!(ptype.handlers(0x0806).map(|p| p.func).collect::<Vec<_>>(), ["arp_rcv"]);
        assert_eq!(k.get::<ArpState>().unwrap().arp_tbl.id, "arp_cache");
        assert_eq!(k.get::<IpPacketTypeState>().unwrap().ip_dst_cache.name, "ip_dst_cache");
        assert!(k.has::<InetFamilyState>());

        assert_eq!(inet_init(&mut k), Err(Errno::EEXIST));
    }

    #[test]
    fn protosw_never_overrides_permanent() {
        let mut k = ready();
        inet_init(&mut k).unwrap();
        let udp2 = InetProtosw { ops: "other_ops", flags: 0, ..INETSW_ARRAY[1] };
        assert_eq!(inet_register_protosw(&mut k, udp2), Err(Errno::EPERM));
        assert_eq!(k.log().last().map(String::as_str), Some("Attempt to override permanent protocol 17"));
        let bad = InetProtosw { type_: 11, ..udp2 };
        assert_eq!(inet_register_protosw(&mut k, bad), Err(Errno::EINVAL));

        // A new permanent entry goes after the last permanent one, before PING.
        let lite = InetProtosw { protocol: 136, prot: "UDP-Lite", flags: INET_PROTOSW_PERMANENT, ..udp2 };
        inet_register_protosw(&mut k, lite).unwrap();
        let names: Vec<_> = k.get::<InetswState>().unwrap().list(SOCK_DGRAM).iter().map(|p| p.prot).collect();
        assert_eq!(names, ["UDP", "UDP-Lite", "PING"]);

        assert_eq!(inet_unregister_protosw(&mut k, &INETSW_ARRAY[0]), Err(Errno::EPERM));
        inet_unregister_protosw(&mut k, &INETSW_ARRAY[2]).unwrap();
        assert_eq!(inet_unregister_protosw(&mut k, &INETSW_ARRAY[2]), Err(Errno::ENOENT));
    }

    #[test]
    fn ipv4_offloads() {
        let mut k = ready();
        ipv4_offload_init(&mut k).unwrap();
        let o = k.get::<Ipv4OffloadState>().unwrap();
        assert_eq!(o.inet_offloads.get(IPPROTO_TCP).map(|p| p.name), Some("tcpv4_offload"));
        assert_eq!(o.inet_offloads.get(IPPROTO_UDP).map(|p| p.name), Some("udpv4_offload"));
        assert_eq!(k.get::<OffloadBaseState>().unwrap().find(ETH_P_IP), Some(&IP_PACKET_OFFLOAD));
        assert_eq!(ipv4_offload_init(&mut k), Err(Errno::EEXIST));
    }
}
