//! Runs every spec initcall of this crate in the spec's order on one kernel
//! and checks what a booted stack must look like.

use netgen_runtime::dev::{self, init_net_devices, proc_net_ptype, PtypeBaseState, ETH_P_ARP, ETH_P_IP};
use netgen_runtime::init::InitFn;
use netgen_runtime::net_namespace::InitNetState;
use netgen_runtime::sock::proc_net_protocols;
use netgen_runtime::socket::{SockRegistryState, PF_INET, PF_PACKET};
use netgen_runtime::softirq::{KsoftirqdState, Softirq, SoftirqAction};
use netgen_runtime::sysctl::proc_sys_net_core;
use netgen_runtime::{
    inet, net_namespace, netpoll, packet, pci, sock, socket, softirq, sysctl, Errno, Kernel,
};

/// spec/initcalls.ng, in boot order (igb lives in drivers/igb).
const BOOT: [(&str, InitFn); 12] = [
    ("spawn_ksoftirqd", softirq::spawn_ksoftirqd),
    ("net_ns_init", net_namespace::net_ns_init),
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

    let families: Vec<_> = k.get::<SockRegistryState>().unwrap().families().map(|f| f.family).collect();
    assert_eq!(families, [PF_INET, PF_PACKET]);
    let registered: Vec<_> = k.log().iter().filter(|l| l.starts_with("NET: Registered")).collect();
    assert_eq!(registered, ["NET: Registered protocol family 2", "NET: Registered protocol family 17"]);

    let lo = init_net_devices(&k).unwrap().get_by_name("lo").unwrap();
    assert_eq!(lo.ifindex, 1);

    let ptype = k.get::<PtypeBaseState>().unwrap();
    assert_eq!(ptype.handlers(ETH_P_IP).map(|p| p.func).collect::<Vec<_>>(), ["ip_rcv"]);
    assert_eq!(ptype.handlers(ETH_P_ARP).map(|p| p.func).collect::<Vec<_>>(), ["arp_rcv"]);
    assert!(ptype.ptype_all().is_empty());

    let softirqs = k.get::<KsoftirqdState>().unwrap();
    assert_eq!(softirqs.threads().len(), 4);
    assert_eq!(softirqs.action(Softirq::NetRx), Some(SoftirqAction::NetRxAction));

    assert_eq!(proc_sys_net_core(&k, "somaxconn"), Ok(4096));

    let ns = k.get::<InitNetState>().unwrap();
    let pernet: Vec<_> = ns.pernet_list().iter().map(|o| o.name).collect();
    assert_eq!(
        pernet,
        [
            "net_ns_ops",
            "net_inuse_ops",
            "proto_net_ops",
            "dev_proc_ops",
            "dev_mc_net_ops",
            "netdev_net_ops",
            "sysctl_core_ops",
            "arp_net_ops",
            "igmp_net_ops",
            "packet_net_ops",
            "loopback_net_ops",
            "default_device_ops",
        ]
    );
    assert_eq!(
        ns.init_net().proc_net.entries(),
        ["protocols", "dev", "softnet_stat", "ptype", "dev_mcast", "arp", "igmp", "mcfilter", "packet"]
    );

    let protocols = proc_net_protocols(&k).unwrap();
    let names: Vec<_> = protocols.lines().skip(1).filter_map(|l| l.split_whitespace().next()).collect();
    assert_eq!(names, ["PACKET", "PING", "RAW", "UDP", "TCP"]);
    assert_eq!(proc_net_ptype(&k).unwrap().lines().count(), 3);
}

#[test]
fn each_spec_resource_has_its_state() {
    let k = boot(1);
    let present = [
        k.has::<softirq::KsoftirqdState>(),
        k.has::<net_namespace::InitNetState>(),
        k.has::<net_namespace::NetCacheState>(),
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
                ["spawn_ksoftirqd", "net_ns_init", "sock_init", "pci_driver_init"].contains(&name),
                "{name} ran without its prerequisites"
            ),
            Err(e) => assert_eq!(e, Errno::ENOENT, "{name}"),
        }
    }
}
