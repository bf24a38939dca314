//! Runs the `run` function of every initcall of the test spec in boot order
//! on one kernel, without the generated wrappers, and checks what the
//! initcalls themselves build. The spec's pernet operations and protocol
//! entries (families, packet types, ...) are not registered here: the
//! generated wrappers do that after each `run` (`register_spec_ops`,
//! `register_spec_entries`); the other runtime tests boot the test spec
//! with them, and the root package's tests check a full boot.

use super::{initcalls, TestSpec as T};
use crate::dev::{self, PtypeBaseState, ETH_P_ARP, ETH_P_IP};
use crate::init::InitFn;
use crate::netns;
use crate::socket::{SockRegistryState, PF_INET, PF_PACKET};
use crate::softirq::{KsoftirqdState, Softirq, SoftirqAction};
use crate::{inet, netpoll, packet, pci, sock, socket, softirq, sysctl, Errno, Kernel};

/// The `run` of each initcall of runtime/testspec/initcalls.ng and spec/netfilter.ng, in boot order
/// (the next test checks the names against the generated table).
const BOOT: [(&str, InitFn<T>); 13] = [
    ("spawn_ksoftirqd", softirq::spawn_ksoftirqd),
    ("net_ns_init", netns::net_ns_init::<T>),
    ("sock_init", socket::sock_init::<T>),
    ("net_inuse_init", sock::net_inuse_init),
    ("netpoll_init", netpoll::netpoll_init),
    ("pci_driver_init", pci::pci_driver_init),
    ("proto_init", sock::proto_init),
    ("net_dev_init", dev::net_dev_init::<T>),
    ("sysctl_core_init", sysctl::sysctl_core_init),
    ("inet_init", inet::inet_init::<T>),
    ("ipv4_offload_init", inet::ipv4_offload_init),
    ("packet_init", packet::packet_init::<T>),
    ("udp_filter_init", crate::netfilter::udp_filter::udp_filter_init),
];

fn boot(cpus: usize) -> Kernel<crate::testspec::TestSpec> {
    let mut k = Kernel::<crate::testspec::TestSpec>::new(cpus);
    for (name, f) in BOOT {
        assert_eq!(f(&mut k), Ok(()), "{name}");
    }
    k
}

#[test]
fn the_list_is_the_generated_boot_order() {
    let generated: Vec<&str> = initcalls::INITCALLS.iter().map(|c| c.name).collect();
    let here: Vec<&str> = BOOT.iter().map(|(n, _)| *n).collect();
    assert_eq!(here, generated);
}

#[test]
fn every_initcall_succeeds_in_spec_order() {
    let k = boot(4);

    // The initcalls create the tables; the spec's entries come after them.
    let reg = k.get::<SockRegistryState<T>>().unwrap();
    assert_eq!(reg.families().count(), 0);
    assert!(reg.family(PF_INET).is_none() && reg.family(PF_PACKET).is_none());
    assert!(!k.log().iter().any(|l| l.starts_with("NET: Registered")));

    let ptype = k.get::<PtypeBaseState<T>>().unwrap().load();
    assert_eq!(ptype.handlers(ETH_P_IP).count(), 0);
    assert_eq!(ptype.handlers(ETH_P_ARP).count(), 0);
    assert!(ptype.ptype_all().is_empty());
    assert_eq!(k.get::<inet::InetProtosState<T>>().unwrap().iter().count(), 0);

    let softirqs = k.get::<KsoftirqdState>().unwrap();
    assert_eq!(softirqs.threads().len(), 4);
    assert_eq!(softirqs.action(Softirq::NetRx), Some(SoftirqAction::NetRxAction));

    let namespaces = k.get::<netns::NetNamespaces<T>>().unwrap();
    assert_eq!((namespaces.count(), namespaces.pernet_list().len()), (1, 0), "init_net alone, nothing registered");
    assert_eq!(k.get::<netns::NetCacheState>().unwrap().net_cachep.name, "net_namespace");
}

#[test]
fn each_spec_resource_has_its_state() {
    let k = boot(1);
    let present = [
        k.has::<softirq::KsoftirqdState>(),
        k.has::<netns::NetNamespaces<T>>(),
        k.has::<netns::NetCacheState>(),
        k.has::<socket::SockRegistryState<T>>(),
        k.has::<sock::SockCacheState>(),
        k.has::<netgen_runtime::skbuff::SkbCacheState>(),
        k.has::<socket::SockfsState>(),
        k.has::<sock::ProtInuseState>(),
        k.has::<netpoll::SkbPoolState>(),
        k.has::<pci::PciBusState>(),
        k.has::<sock::ProcNetProtocolsState>(),
        k.has::<dev::PtypeBaseState<T>>(),
        k.has::<dev::OffloadBaseState>(),
        k.has::<dev::SoftnetDataState<T>>(),
        k.has::<dev::NetSoftirqsState>(),
        k.has::<dev::NetdevNetState>(),
        k.has::<dev::LoopbackState>(),
        k.has::<sysctl::SysctlNetCoreState>(),
        k.has::<inet::InetProtoListState>(),
        k.has::<inet::InetFamilyState>(),
        k.has::<inet::InetProtosState<T>>(),
        k.has::<inet::InetswState<T>>(),
        k.has::<inet::ArpState>(),
        k.has::<inet::IpPacketTypeState>(),
        k.has::<inet::Ipv4OffloadState>(),
        k.has::<packet::PacketFamilyState>(),
        k.has::<crate::netfilter::udp_filter::UdpFilterState>(),
    ];
    assert!(present.iter().all(|p| *p), "{present:?}");
}

#[test]
fn running_an_initcall_twice_is_refused_not_a_panic() {
    let mut k = boot(1);
    for (name, f) in BOOT {
        assert_eq!(f(&mut k), Err(Errno::EEXIST), "{name}");
    }
}

#[test]
fn every_initcall_alone_fails_cleanly_or_succeeds() {
    for (name, f) in BOOT {
        let mut k = Kernel::<crate::testspec::TestSpec>::new(1);
        match f(&mut k) {
            Ok(()) => assert!(
                [
                    "spawn_ksoftirqd",
                    "net_ns_init",
                    "sock_init",
                    "net_inuse_init",
                    "pci_driver_init",
                    "proto_init",
                    "sysctl_core_init",
                    "udp_filter_init"
                ]
                .contains(&name),
                "{name} ran without its prerequisites"
            ),
            Err(e) => assert_eq!(e, Errno::ENOENT, "{name}"),
        }
    }
}
