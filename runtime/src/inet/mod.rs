//! IPv4 (net/ipv4/): `inet_init` creates the IPv4 tables (`inet_protos`,
//! `inetsw`), ARP and the IP caches; the spec's protocol entries are then
//! registered into them (`register_spec_entries`). `ipv4_offload_init`
//! adds the IPv4 GRO/GSO offloads.
//!
//! * [`af_inet`]: `inet_create` and the `inet_*_ops` socket calls.
//! * [`ip_input`], [`ip_fragment`] (reassembly), [`ip_output`], [`route`]:
//!   the IP layer.
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
pub mod ip_fragment;
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

use crate::tables::{NetCx, NetState};

/// The namespace's `jiffies`: its neighbour table's [`arp::NeighClock`],
/// which tests freeze and advance. Fragment queues (`ipfrag_time`) and
/// path MTU exceptions (`ip_rt_mtu_expires`) are timed on it too.
pub fn jiffies<S: InetSpec>(cx: &NetCx<'_, S>) -> std::time::Instant {
    cx.state::<NeighTable>().map_or_else(|_| std::time::Instant::now(), |t| t.clock.now())
}

pub use arp::{arp_init, ArpState, NeighTable};

crate::tables::spec_needs! {
    /// What IPv4 needs of the spec: the socket layer, netfilter's hooks,
    /// `inet_protos` and `inetsw`, ARP, and each namespace's neighbours,
    /// MIBs and settings.
    pub trait InetSpec: crate::socket::SocketSpec
        + crate::netfilter::NetfilterSpec
        + NetState<NeighTable>
        + NetState<mib::Ipv4Mib>
        + NetState<netns_ipv4::Ipv4Net>
        + NetState<ip_fragment::Ipv4Frags>
        + crate::kernel::HasState<InetProtoListState>
        + crate::kernel::HasState<InetFamilyState>
        + crate::kernel::HasState<InetProtosState<Self>>
        + crate::kernel::HasState<InetswState<Self>>
        + crate::kernel::HasState<ArpState>
        + crate::kernel::HasState<IpPacketTypeState>
        + crate::kernel::HasState<Ipv4OffloadState>
}
pub use af_inet::{
    inet_init, inet_register_protosw, inet_unregister_protosw, inetsw_remove, ipv4_offload_init, InetFamilyState,
    InetProtoListState, InetProtosw, InetswState, Ipv4OffloadState, INET_PROTOSW_ICSK, INET_PROTOSW_PERMANENT,
    INET_PROTOSW_REUSE, IPPROTO_MAX, IPV4_L4_OFFLOADS, IP_PACKET_OFFLOAD,
};
pub use igmp::{igmp_net_exit, igmp_net_init};
pub use ip_output::IpPacketTypeState;
pub use proc::{proc_net_arp, proc_net_netstat, proc_net_snmp};
pub use protocol::{
    inet_add_protocol, inet_del_protocol, InetOffloads, InetProtosState, NetOffload, NetProtocol, IPPROTO_ICMP,
    IPPROTO_IGMP, IPPROTO_IP, IPPROTO_RAW, IPPROTO_TCP, IPPROTO_UDP, MAX_INET_PROTOS,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dev::{net_dev_init, ETH_P_ARP};
    use crate::dev::{OffloadBaseState, PtypeBaseState, ETH_P_IP};
    use crate::errno::Errno;
    use crate::kernel::Kernel;
    use crate::sock::net_inuse_init;
    use crate::sock::SockCacheState;
    use crate::socket::SockRegistryState;
    use crate::socket::{sock_init, PF_INET, SOCK_DGRAM, SOCK_RAW, SOCK_STREAM};
    use crate::softirq::spawn_ksoftirqd;
    use crate::tables::Entry;
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
        assert!(k.get::<PtypeBaseState<T>>().unwrap().load().iter().next().is_none());
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

        let ptype = k.get::<PtypeBaseState<T>>().unwrap().load();
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
