//! Runs every spec initcall of this crate in the spec's order on one kernel
//! and checks what a booted stack must look like. The spec's pernet
//! operations and protocol entries (families, packet types, ...) are not
//! registered here: the generated crate's wrappers do that after each
//! initcall (`register_spec_ops`, `register_spec_entries`); the runtime's
//! unit tests boot a hand-written spec with them, and the root package's
//! tests check a full boot.

use netgen_runtime::dev::{self, PtypeBaseState, ETH_P_ARP, ETH_P_IP};
use netgen_runtime::init::InitFn;
use netgen_runtime::netns::{self, NoPernet};
use netgen_runtime::socket::{SockRegistryState, PF_INET, PF_PACKET};
use netgen_runtime::softirq::{KsoftirqdState, Softirq, SoftirqAction};
use netgen_runtime::{inet, netpoll, packet, pci, sock, socket, softirq, sysctl, Errno, Kernel};

/// spec/initcalls.ng, in boot order (igb lives in drivers/igb).
const BOOT: [(&str, InitFn); 12] = [
    ("spawn_ksoftirqd", softirq::spawn_ksoftirqd),
    ("net_ns_init", netns::net_ns_init::<NoPernet>),
    ("sock_init", socket::sock_init),
    ("net_inuse_init", sock::net_inuse_init),
    ("netpoll_init", netpoll::netpoll_init),
    ("pci_driver_init", pci::pci_driver_init),
    ("proto_init", sock::proto_init),
    ("net_dev_init", dev::net_dev_init),
    ("sysctl_core_init", sysctl::sysctl_core_init),
    ("inet_init", inet::inet_init),
    ("ipv4_offload_init", inet::ipv4_offload_init),
    ("packet_init", packet::packet_init),
];

fn boot(cpus: usize) -> Kernel {
    let mut k = Kernel::new(cpus);
    for (name, f) in BOOT {
        assert_eq!(f(&mut k), Ok(()), "{name}");
    }
    k
}

#[test]
fn every_initcall_succeeds_in_spec_order() {
    let k = boot(4);

    // The initcalls create the tables; the spec's entries come after them.
    let reg = k.get::<SockRegistryState>().unwrap();
    assert_eq!(reg.families().count(), 0);
    assert!(reg.family(PF_INET).is_none() && reg.family(PF_PACKET).is_none());
    assert!(!k.log().iter().any(|l| l.starts_with("NET: Registered")));

    let ptype = k.get::<PtypeBaseState>().unwrap();
    assert_eq!(ptype.handlers(ETH_P_IP).count(), 0);
    assert_eq!(ptype.handlers(ETH_P_ARP).count(), 0);
    assert!(ptype.ptype_all().is_empty());
    assert_eq!(k.get::<netgen_runtime::inet::InetProtosState>().unwrap().iter().count(), 0);

    let softirqs = k.get::<KsoftirqdState>().unwrap();
    assert_eq!(softirqs.threads().len(), 4);
    assert_eq!(softirqs.action(Softirq::NetRx), Some(SoftirqAction::NetRxAction));

    let namespaces = k.get::<netns::NetNamespaces<NoPernet>>().unwrap();
    assert_eq!((namespaces.count(), namespaces.pernet_list().len()), (1, 0), "init_net alone, nothing registered");
    assert_eq!(k.get::<netns::NetCacheState>().unwrap().net_cachep.name, "net_namespace");
}

#[test]
fn each_spec_resource_has_its_state() {
    let k = boot(1);
    let present = [
        k.has::<softirq::KsoftirqdState>(),
        k.has::<netns::NetNamespaces<NoPernet>>(),
        k.has::<netns::NetCacheState>(),
        k.has::<socket::SockRegistryState>(),
        k.has::<socket::SockCacheState>(),
        k.has::<netgen_runtime::skbuff::SkbCacheState>(),
        k.has::<socket::SockfsState>(),
        k.has::<socket::NfHooksState>(),
        k.has::<sock::ProtInuseState>(),
        k.has::<netpoll::SkbPoolState>(),
        k.has::<pci::PciBusState>(),
        k.has::<sock::ProcNetProtocolsState>(),
        k.has::<dev::PtypeBaseState>(),
        k.has::<dev::OffloadBaseState>(),
        k.has::<dev::SoftnetDataState>(),
        k.has::<dev::NetSoftirqsState>(),
        k.has::<dev::NetdevNetState>(),
        k.has::<dev::LoopbackState>(),
        k.has::<sysctl::SysctlNetCoreState>(),
        k.has::<inet::InetProtoListState>(),
        k.has::<inet::InetFamilyState>(),
        k.has::<inet::InetProtosState>(),
        k.has::<inet::InetswState>(),
        k.has::<inet::ArpState>(),
        k.has::<inet::IpPacketTypeState>(),
        k.has::<inet::Ipv4OffloadState>(),
        k.has::<packet::PacketFamilyState>(),
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
        let mut k = Kernel::new(1);
        match f(&mut k) {
            Ok(()) => assert!(
                [
                    "spawn_ksoftirqd",
                    "net_ns_init",
                    "sock_init",
                    "net_inuse_init",
                    "pci_driver_init",
                    "proto_init",
                    "sysctl_core_init"
                ]
                .contains(&name),
                "{name} ran without its prerequisites"
            ),
            Err(e) => assert_eq!(e, Errno::ENOENT, "{name}"),
        }
    }
}
