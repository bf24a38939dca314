//! IPv4 (net/ipv4/): `inet_init` creates the IPv4 tables (`inet_protos`,
//! `inetsw`), ARP and the IP caches; the spec's protocol entries are then
//! registered into them (`register_spec_entries`). `ipv4_offload_init`
//! adds the IPv4 GRO/GSO offloads.
//!
//! * [`af_inet`]: `inet_create` and the `inet_*_ops` socket calls.
//! * [`ip_input`], [`ip_output`], [`route`]: the IP layer.
//! * [`icmp`], [`udp`], [`raw`], [`ping`], [`tcp`], [`igmp`]: protocols;
//!   [`datagram`]: `ip4_datagram_connect`.
//! * [`arp`]: ARP and the neighbour table.
//! * [`protocol`]: `inet_protos`; [`mib`]: SNMP counters; [`netns_ipv4`]:
//!   per-namespace settings.

pub mod af_inet;
pub mod arp;
pub mod datagram;
pub mod hdr;
pub mod icmp;
pub mod igmp;
pub mod ip_input;
pub mod ip_output;
pub mod ip_sockglue;
pub mod mib;
pub mod netns_ipv4;
pub mod ping;
pub mod proc;
pub mod protocol;
pub mod raw;
pub mod route;
pub mod tcp;
pub mod udp;

use std::mem::size_of;

use crate::dev::{dev_add_offload, OffloadBaseState, PacketOffload, PtypeBaseState, ETH_P_IP};
use crate::errno::Errno;
use crate::init::InitResult;
use crate::kernel::Kernel;
use crate::netns::Net;
use crate::slab::{KmemCache, SLAB_HWCACHE_ALIGN, SLAB_PANIC};
use crate::sock::ProtInuseState;
use crate::sock::SockCacheState;
use crate::socket::{SockRegistryState, SOCK_MAX};
use crate::tables::{Entry, EntryId, NetState, OpsEntry, ProtoSpec, ProtoswDesc};

pub use arp::{arp_init, ArpState, NeighTable};

crate::tables::spec_needs! {
    /// What IPv4 needs of the spec: the socket layer, `inet_protos` and
    /// `inetsw`, ARP, and each namespace's neighbours, MIBs and settings.
    pub trait InetSpec: crate::socket::SocketSpec
        + NetState<NeighTable>
        + NetState<mib::Ipv4Mib>
        + NetState<netns_ipv4::Ipv4Net>
        + crate::kernel::HasState<InetProtoListState>
        + crate::kernel::HasState<InetFamilyState>
        + crate::kernel::HasState<InetProtosState<Self>>
        + crate::kernel::HasState<InetswState<Self>>
        + crate::kernel::HasState<ArpState>
        + crate::kernel::HasState<IpPacketTypeState>
        + crate::kernel::HasState<Ipv4OffloadState>
}
pub use igmp::{igmp_net_exit, igmp_net_init};
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

/// `IPPROTO_MAX`: protocols `inet_create` accepts are below it.
pub const IPPROTO_MAX: i32 = 256;

/// `struct inet_protosw`: what `inet_create` needs for one (type, protocol).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InetProtosw<S: ProtoSpec> {
    /// `SOCK_STREAM`, ...
    pub type_: u16,
    /// `IPPROTO_*`; `IPPROTO_IP` is a wildcard.
    pub protocol: u8,
    /// The `struct proto`: its index in the spec's `PROTOS`.
    pub prot: u16,
    /// The `struct proto_ops`: a spec index or a run-time `DynProtoOps`.
    pub ops: OpsEntry<S>,
    pub flags: u8,
    /// The entry's name (the spec's `protosw` name, `"udp"`), for listings.
    pub name: &'static str,
    /// Which registration this is: spec `protosw` `i`, or a run-time one
    /// (Linux's `inet_unregister_protosw` unlinks that struct).
    pub id: EntryId,
}

impl<S: InetSpec> InetProtosw<S> {
    /// Spec `protosw` `i`, as its descriptor gives it.
    pub fn spec(p: &ProtoswDesc, i: u16) -> Self {
        InetProtosw {
            type_: p.type_,
            protocol: p.protocol,
            prot: p.prot,
            ops: Entry::Spec(p.ops),
            flags: p.flags,
            name: p.ident,
            id: EntryId::Spec(i),
        }
    }

    /// A protosw registered by code outside the spec: a new registration.
    pub fn new(type_: u16, protocol: u8, prot: u16, ops: OpsEntry<S>, flags: u8, name: &'static str) -> Self {
        InetProtosw { type_, protocol, prot, ops, flags, name, id: EntryId::Dyn(crate::tables::Handle::new()) }
    }
}

/// `inetsw[SOCK_MAX]` (resource `Inetsw`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InetswState<S: ProtoSpec> {
    inetsw: [Vec<InetProtosw<S>>; SOCK_MAX],
}

impl<S: InetSpec> InetswState<S> {
    /// `inetsw[type]`, in lookup order (empty for an invalid type).
    pub fn list(&self, type_: u16) -> &[InetProtosw<S>] {
        self.inetsw.get(usize::from(type_)).map_or(&[], Vec::as_slice)
    }

    /// `inet_create`'s `lookup_protocol` loop over `inetsw[type]` (Linux
    /// 3.19/6.0, exactly): an entry of the asked protocol matches unless
    /// that protocol is `IPPROTO_IP`; asking `IPPROTO_IP` takes the first
    /// entry and its protocol; an `IPPROTO_IP` (wildcard) entry takes any
    /// protocol. The error is `ESOCKTNOSUPPORT` if the list is empty (or the
    /// type invalid), `EPROTONOSUPPORT` once an entry was looked at, so
    /// `socket(AF_INET, SOCK_RAW, 0)` is `EPROTONOSUPPORT`. Returns the
    /// entry and the protocol the socket gets.
    pub fn lookup(&self, type_: u16, protocol: u8) -> Result<(&InetProtosw<S>, u8), Errno> {
        let mut err = Errno::ESOCKTNOSUPPORT;
        for answer in self.list(type_) {
            if protocol == answer.protocol {
                if protocol != IPPROTO_IP {
                    return Ok((answer, protocol));
                }
            } else {
                if protocol == IPPROTO_IP {
                    return Ok((answer, answer.protocol));
                }
                if answer.protocol == IPPROTO_IP {
                    return Ok((answer, protocol));
                }
            }
            err = Errno::EPROTONOSUPPORT;
        }
        Err(err)
    }
}

/// `inet_register_protosw(p)` (Linux 3.19): adds `p` after the last
/// permanent entry of `inetsw[p.type]`, so it overrides reusable entries but
/// never a permanent one. Linux only logs the two failures; here they also
/// return `EINVAL` (bad type) and `EPERM` (permanent protocol).
pub fn inet_register_protosw<S: InetSpec>(k: &mut Kernel<S>, p: InetProtosw<S>) -> Result<(), Errno> {
    let Some(list) = k.get_mut::<InetswState<S>>()?.inetsw.get_mut(usize::from(p.type_)) else {
        k.printk(format!("Ignoring attempt to register invalid socket type {}", p.type_));
        return Err(Errno::EINVAL);
    };
    let mut last_perm = 0;
    for answer in list.iter() {
        if answer.flags & INET_PROTOSW_PERMANENT == 0 {
            break;
        }
        if answer.protocol == p.protocol {
            let proto = p.protocol;
            k.printk(format!("Attempt to override permanent protocol {proto}"));
            return Err(Errno::EPERM);
        }
        last_perm += 1;
    }
    list.insert(last_perm, p);
    Ok(())
}

/// `inet_unregister_protosw(p)`: `EPERM` for a permanent entry (Linux logs
/// "Attempt to unregister permanent protocol"), `ENOENT` if absent.
pub fn inet_unregister_protosw<S: InetSpec>(k: &mut Kernel<S>, p: &InetProtosw<S>) -> Result<(), Errno> {
    if p.flags & INET_PROTOSW_PERMANENT != 0 {
        k.printk(format!("Attempt to unregister permanent protocol {}", p.protocol));
        return Err(Errno::EPERM);
    }
    inetsw_remove(k, p)
}

/// Removes `p` from `inetsw`, permanent or not (what unregistering the
/// spec's entries needs; Linux never removes its permanent ones).
pub fn inetsw_remove<S: InetSpec>(k: &mut Kernel<S>, p: &InetProtosw<S>) -> Result<(), Errno> {
    let list = k.get_mut::<InetswState<S>>()?.inetsw.get_mut(usize::from(p.type_)).ok_or(Errno::EINVAL)?;
    let i = list.iter().position(|a| a.id == p.id).ok_or(Errno::ENOENT)?;
    list.remove(i);
    Ok(())
}

/// `inet_init` ran: the IPv4 protos are registered right after it
/// (resource `InetProtoList`); they themselves are on
/// `SockCacheState::proto_list`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InetProtoListState;

/// `inet_family_ops` is in `net_families[PF_INET]` (resource `InetFamily`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InetFamilyState;

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

/// The caches `ip_init` creates for the receive path behind
/// `ip_packet_type` (resource `IpPacketType`; the packet type itself is
/// the spec's, registered after `inet_init`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpPacketTypeState {
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

/// `inet_init()` (net/ipv4/af_inet.c, fs_initcall), the part that is
/// not a spec entry, in Linux 3.19's order: the empty `inet_protos`
/// and `inetsw`, `arp_init` (ARP's neighbour-table template), and
/// `ip_init` (the dst and peer caches). The spec's protos (`proto_register`),
/// `inet_family_ops` (`sock_register`), `inet_protos` handlers,
/// `inetsw_array` and the ARP and IP packet types are registered by the
/// generated wrapper right after (`register_spec_entries(k, "inet_init")`),
/// then the pernet operations (ARP's neighbour tables, the MIBs, ...).
///
/// The MIB allocation, tcp/udp/raw/ping/icmp init, multicast routing and IP
/// fragment queues are per namespace (pernet operations) or not built.
pub fn inet_init<S: InetSpec>(k: &mut Kernel<S>) -> InitResult {
    // Prerequisites first, so a refusal leaves nothing half-built.
    k.get::<SockRegistryState<S>>()?;
    k.get::<SockCacheState>()?;
    k.get::<ProtInuseState>()?;
    k.get::<PtypeBaseState<S>>()?;
    if k.has::<InetProtoListState>()
        || k.has::<InetProtosState<S>>()
        || k.has::<InetswState<S>>()
        || k.has::<arp::ArpState>()
        || k.has::<IpPacketTypeState>()
    {
        return Err(Errno::EEXIST);
    }
    let (ip_dst_cache, inet_peer_cache) = ip_init()?;
    k.provide(InetProtoListState)?;
    k.provide(InetFamilyState)?;
    k.provide(InetProtosState::<S>::new())?;
    k.provide(InetswState::<S> { inetsw: Default::default() })?;
    arp_init(k)?;
    k.provide(IpPacketTypeState { ip_dst_cache, inet_peer_cache })
}

/// /proc/net/snmp of `net` (`snmp_seq_show`): the IP, ICMP, IcmpMsg, TCP,
/// UDP and UDP-Lite counters, with the namespace's `ip_default_ttl` and
/// forwarding setting. `ENOENT` without the MIBs (`ipv4_mib_ops`).
pub fn proc_net_snmp<S: InetSpec>(net: &Net<S>) -> Result<String, Errno> {
    let mib = <S as NetState<mib::Ipv4Mib>>::state(net)?;
    let (ttl, fwd) = <S as NetState<netns_ipv4::Ipv4Net>>::state(net)
        .map_or((netns_ipv4::IPDEFTTL, false), |n| (n.default_ttl(), n.forwarding()));
    Ok(mib.snmp_seq_show(ttl, fwd))
}

/// /proc/net/netstat of `net`, the parts this model has (`IpExt`,
/// `NetgenExt`). `ENOENT` without the MIBs.
pub fn proc_net_netstat<S: InetSpec>(net: &Net<S>) -> Result<String, Errno> {
    Ok(<S as NetState<mib::Ipv4Mib>>::state(net)?.netstat_seq_show())
}

/// /proc/net/arp of `net` (`arp_seq_show`): `ENOENT` if the file (or the
/// table) does not exist.
pub fn proc_net_arp<S: InetSpec>(net: &Net<S>) -> Result<String, Errno> {
    if !net.proc_net.contains("arp") {
        return Err(Errno::ENOENT);
    }
    let tbl = <S as NetState<NeighTable>>::state(net)?;
    let devs = <S as NetState<crate::dev::NetDevTables>>::state(net)?;
    Ok(arp::arp_seq_show(tbl, devs))
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
pub fn ipv4_offload_init<S: InetSpec>(k: &mut Kernel<S>) -> InitResult {
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
    use crate::dev::{net_dev_init, ETH_P_ARP};
    use crate::sock::net_inuse_init;
    use crate::socket::{sock_init, PF_INET, SOCK_DGRAM, SOCK_RAW, SOCK_STREAM};
    use crate::softirq::spawn_ksoftirqd;
    use crate::testspec;
    use crate::testspec::TestSpec as T;

    fn ready() -> Kernel<crate::testspec::TestSpec> {
        Kernel::with_initcalls(1, &[spawn_ksoftirqd, sock_init::<T>, net_inuse_init, net_dev_init::<T>]).unwrap()
    }

    #[test]
    fn missing_prerequisites_are_errors() {
        let mut k = Kernel::<crate::testspec::TestSpec>::new(1);
        sock_init::<T>(&mut k).unwrap();
        assert_eq!(inet_init::<T>(&mut k), Err(Errno::ENOENT));
        assert!(!k.has::<InetProtosState<T>>());
        assert_eq!(ipv4_offload_init(&mut k), Err(Errno::ENOENT));
    }

    #[test]
    fn inet_init_creates_empty_tables() {
        let mut k = ready();
        inet_init::<T>(&mut k).unwrap();
        assert_eq!(k.get::<InetProtosState<T>>().unwrap().iter().count(), 0);
        assert!(k.get::<InetswState<T>>().unwrap().list(SOCK_STREAM).is_empty());
        assert!(k.get::<PtypeBaseState<T>>().unwrap().iter().next().is_none());
        assert_eq!(k.get::<ArpState>().unwrap().arp_tbl.id, "arp_cache");
        assert_eq!(k.get::<IpPacketTypeState>().unwrap().ip_dst_cache.name, "ip_dst_cache");
        assert!(k.has::<InetFamilyState>() && k.has::<InetProtoListState>());
        assert_eq!(inet_init::<T>(&mut k), Err(Errno::EEXIST));
    }

    #[test]
    fn spec_entries_fill_the_tables_like_inet_init() {
        let st = testspec::boot();
        let k = &st.k;
        let fam = k.get::<SockRegistryState<T>>().unwrap().family(PF_INET).unwrap();
        assert_eq!((fam.create, &fam.entry), ("inet_create", &Entry::Spec(0)));
        assert!(k.log().iter().any(|l| l == "NET: Registered protocol family 2"));

        let protos: Vec<_> = k.get::<SockCacheState>().unwrap().proto_list.iter().map(|p| p.name).collect();
        assert_eq!(protos, ["PACKET", "PING", "RAW", "UDP", "TCP"]);
        let tcp = k.get::<SockCacheState>().unwrap().proto("TCP").unwrap();
        assert_eq!(tcp.slab.as_ref().map(|s| s.object_size), Some(2240));

        let ip = k.get::<InetProtosState<T>>().unwrap();
        assert_eq!(ip.get(IPPROTO_UDP).map(|p| p.name), Some("udp_protocol"));
        assert_eq!(ip.get(IPPROTO_TCP).map(|p| p.handler), Some("tcp_v4_rcv"));
        assert_eq!(ip.get(IPPROTO_ICMP).map(|p| p.handler), Some("icmp_rcv"));
        assert_eq!(ip.get(IPPROTO_IGMP).and_then(|p| p.err_handler), None);
        assert_eq!(ip.get(IPPROTO_IGMP).and_then(|p| p.err_entry), None);
        assert_eq!(ip.iter().count(), 4);

        let sw = k.get::<InetswState<T>>().unwrap();
        let names = |t| sw.list(t).iter().map(|p| p.name).collect::<Vec<_>>();
        assert_eq!(names(SOCK_STREAM), ["tcp"]);
        assert_eq!(names(SOCK_DGRAM), ["udp", "ping"]);
        assert_eq!(sw.lookup(SOCK_DGRAM, 0).map(|(p, n)| (p.name, n)), Ok(("udp", IPPROTO_UDP)));
        assert_eq!(sw.lookup(SOCK_DGRAM, IPPROTO_ICMP).map(|(p, _)| p.name), Ok("ping"));
        assert_eq!(sw.lookup(SOCK_RAW, IPPROTO_UDP).map(|(p, n)| (p.name, n)), Ok(("raw", IPPROTO_UDP)));
        assert_eq!(sw.lookup(SOCK_RAW, IPPROTO_IP).map(|(p, _)| p.name), Err(Errno::EPROTONOSUPPORT));
        assert_eq!(sw.lookup(SOCK_STREAM, IPPROTO_UDP).map(|(p, _)| p.name), Err(Errno::EPROTONOSUPPORT));
        assert_eq!(sw.lookup(5, 0).map(|(p, _)| p.name), Err(Errno::ESOCKTNOSUPPORT));
        assert_eq!(sw.lookup(99, 0).map(|(p, _)| p.name), Err(Errno::ESOCKTNOSUPPORT));

        let ptype = k.get::<PtypeBaseState<T>>().unwrap();
        assert_eq!(ptype.handlers(ETH_P_IP).map(|p| p.func).collect::<Vec<_>>(), ["ip_rcv"]);
        assert_eq!(ptype.handlers(ETH_P_ARP).map(|p| p.func).collect::<Vec<_>>(), ["arp_rcv"]);
    }

    #[test]
    fn protosw_never_overrides_permanent() {
        let mut st = testspec::boot();
        let k = &mut st.k;
        let udp = k.get::<InetswState<T>>().unwrap().list(SOCK_DGRAM)[0].clone();
        let udp2 = InetProtosw::new(udp.type_, udp.protocol, udp.prot, udp.ops.clone(), 0, "udp2");
        assert_eq!(inet_register_protosw(k, udp2.clone()), Err(Errno::EPERM));
        assert_eq!(k.log().last().map(String::as_str), Some("Attempt to override permanent protocol 17"));
        let bad = InetProtosw { type_: 11, ..udp2.clone() };
        assert_eq!(inet_register_protosw(k, bad), Err(Errno::EINVAL));

        // A new permanent entry goes after the last permanent one, before PING.
        let lite = InetProtosw::new(udp.type_, 136, udp.prot, udp.ops.clone(), INET_PROTOSW_PERMANENT, "udplite");
        inet_register_protosw(k, lite).unwrap();
        let names: Vec<_> = k.get::<InetswState<T>>().unwrap().list(SOCK_DGRAM).iter().map(|p| p.name).collect();
        assert_eq!(names, ["udp", "udplite", "ping"]);

        assert_eq!(inet_unregister_protosw(k, &udp), Err(Errno::EPERM));
        let ping = k.get::<InetswState<T>>().unwrap().list(SOCK_DGRAM)[2].clone();
        inet_unregister_protosw(k, &ping).unwrap();
        assert_eq!(inet_unregister_protosw(k, &ping), Err(Errno::ENOENT));
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
