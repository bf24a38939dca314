//! A hand-written spec for the runtime's tests: what netgen generates from
//! spec/pernet.ng and spec/protocols.ng (`impl PernetSpec` and
//! `impl ProtoSpec for Pernet`), written out, plus a boot that runs the
//! spec's initcalls with their registrations in the generated wrappers'
//! order.

use crate::dev::{LoopbackDev, NetDevTables};
use crate::errno::Errno;
use crate::inet::arp::NeighTable;
use crate::inet::mib::Ipv4Mib;
use crate::inet::netns_ipv4::Ipv4Net;
use crate::inet::{
    af_inet, arp, datagram, icmp, igmp, ip_input, ping, raw, tcp, udp, INET_PROTOSW_ICSK, INET_PROTOSW_PERMANENT,
    INET_PROTOSW_REUSE,
};
use crate::init::{InitResult, Origin};
use crate::kernel::Kernel;
use crate::netns::net_ns_ops::NsCommon;
use crate::netns::{Net, NetNamespaces, NetRef, PernetDesc, PernetKind, PernetMethods, PernetSpec, PernetState};
use crate::skbuff::SkBuff;
use crate::sock::ProtInuseCounters;
use crate::socket::no::*;
use crate::socket::sock::{self as socksock, Sock, Sockets};
use crate::sysctl::SysctlCoreNet;
use crate::tables::*;
use crate::{dev, inet, netns, netpoll, packet, pci, sock, socket, softirq, sysctl};

#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    net_ns_ops,
    sock_net_ops,
    net_inuse_ops,
    proto_net_ops,
    dev_proc_ops,
    dev_mc_net_ops,
    netdev_net_ops,
    loopback_net_ops,
    default_device_ops,
    sysctl_core_ops,
    arp_net_ops,
    igmp_net_ops,
    ipv4_mib_ops,
    af_inet_ops,
    packet_net_ops,
}

#[derive(Default)]
pub struct States {
    net_ns_ops: Option<NsCommon>,
    sock_net_ops: Option<Sockets>,
    net_inuse_ops: Option<ProtInuseCounters>,
    netdev_net_ops: Option<NetDevTables>,
    loopback_net_ops: Option<LoopbackDev>,
    sysctl_core_ops: Option<SysctlCoreNet>,
    arp_net_ops: Option<NeighTable>,
    ipv4_mib_ops: Option<Ipv4Mib>,
    af_inet_ops: Option<Ipv4Net>,
}

const ORIGIN: Origin = Origin { file: "spec/pernet.ng", line: 1, column: 1 };

const fn desc(
    op: Op,
    name: &'static str,
    kind: PernetKind,
    registered_by: &'static str,
    state: bool,
    m: (bool, bool, bool),
) -> PernetDesc<Op> {
    PernetDesc {
        op,
        name,
        kind,
        registered_by,
        uses: &[],
        state: if state { Some("state") } else { None },
        methods: PernetMethods { init: m.0, pre_exit: false, exit: m.1, exit_batch: m.2 },
        origin: ORIGIN,
    }
}

/// The test spec.
pub struct TestSpec;

use PernetKind::{Device, Subsys};

impl PernetSpec for TestSpec {
    type Op = Op;
    type States = States;
    const OPS: &'static [PernetDesc<Op>] = &[
        desc(Op::net_ns_ops, "net_ns_ops", Subsys, "net_ns_init", true, (true, true, false)),
        desc(Op::sock_net_ops, "sock_net_ops", Subsys, "sock_init", true, (true, false, false)),
        desc(Op::net_inuse_ops, "net_inuse_ops", Subsys, "net_inuse_init", true, (true, false, false)),
        desc(Op::proto_net_ops, "proto_net_ops", Subsys, "proto_init", false, (true, true, false)),
        desc(Op::dev_proc_ops, "dev_proc_ops", Subsys, "net_dev_init", false, (true, true, false)),
        desc(Op::dev_mc_net_ops, "dev_mc_net_ops", Subsys, "net_dev_init", false, (true, true, false)),
        desc(Op::netdev_net_ops, "netdev_net_ops", Subsys, "net_dev_init", true, (true, false, false)),
        desc(Op::loopback_net_ops, "loopback_net_ops", Device, "net_dev_init", true, (true, true, false)),
        desc(Op::default_device_ops, "default_device_ops", Device, "net_dev_init", false, (false, false, true)),
        desc(Op::sysctl_core_ops, "sysctl_core_ops", Subsys, "sysctl_core_init", true, (true, true, false)),
        desc(Op::arp_net_ops, "arp_net_ops", Subsys, "inet_init", true, (true, true, false)),
        desc(Op::igmp_net_ops, "igmp_net_ops", Subsys, "inet_init", false, (true, true, false)),
        desc(Op::ipv4_mib_ops, "ipv4_mib_ops", Subsys, "inet_init", true, (true, false, false)),
        desc(Op::af_inet_ops, "af_inet_ops", Subsys, "inet_init", true, (true, false, false)),
        desc(Op::packet_net_ops, "packet_net_ops", Subsys, "packet_init", false, (true, true, false)),
    ];

    fn init(op: Op, net: &mut Net<Self>) -> InitResult {
        match op {
            Op::net_ns_ops => {
                let s = netns::net_ns_ops::net_ns_net_init(net)?;
                net.states.net_ns_ops = Some(s);
            }
            Op::sock_net_ops => {
                let s = socksock::sockets_net_init(net)?;
                net.states.sock_net_ops = Some(s);
            }
            Op::net_inuse_ops => {
                let s = sock::sock_inuse_init_net(net)?;
                net.states.net_inuse_ops = Some(s);
            }
            Op::proto_net_ops => sock::proto_init_net(net)?,
            Op::dev_proc_ops => dev::dev_proc_net_init(net)?,
            Op::dev_mc_net_ops => dev::dev_mc_net_init(net)?,
            Op::netdev_net_ops => {
                let s = dev::netdev_init(net)?;
                net.states.netdev_net_ops = Some(s);
            }
            Op::loopback_net_ops => {
                let s = dev::loopback_net_init(net)?;
                net.states.loopback_net_ops = Some(s);
            }
            Op::default_device_ops => {}
            Op::sysctl_core_ops => {
                let s = sysctl::sysctl_core_net_init(net)?;
                net.states.sysctl_core_ops = Some(s);
            }
            Op::arp_net_ops => {
                let s = arp::arp_net_init(net)?;
                net.states.arp_net_ops = Some(s);
            }
            Op::igmp_net_ops => inet::igmp_net_init(net)?,
            Op::ipv4_mib_ops => {
                let s = inet::mib::ipv4_mib_init_net(net)?;
                net.states.ipv4_mib_ops = Some(s);
            }
            Op::af_inet_ops => {
                let s = inet::netns_ipv4::inet_init_net(net)?;
                net.states.af_inet_ops = Some(s);
            }
            Op::packet_net_ops => packet::packet_net_init(net)?,
        }
        Ok(())
    }
    fn pre_exit(_: Op, _: &mut Net<Self>) {}
    fn exit(op: Op, net: &mut Net<Self>) {
        match op {
            Op::net_ns_ops => netns::net_ns_ops::net_ns_net_exit(net),
            Op::proto_net_ops => sock::proto_exit_net(net),
            Op::dev_proc_ops => dev::dev_proc_net_exit(net),
            Op::dev_mc_net_ops => dev::dev_mc_net_exit(net),
            Op::loopback_net_ops => dev::loopback_net_exit(net),
            Op::sysctl_core_ops => sysctl::sysctl_core_net_exit(net),
            Op::arp_net_ops => arp::arp_net_exit(net),
            Op::igmp_net_ops => inet::igmp_net_exit(net),
            Op::packet_net_ops => packet::packet_net_exit(net),
            _ => {}
        }
    }
    fn exit_batch(op: Op, nets: &mut [&mut Net<Self>]) {
        if op == Op::default_device_ops {
            dev::default_device_exit_batch(nets);
        }
    }
    fn free(op: Op, net: &mut Net<Self>) {
        let s = &mut net.states;
        match op {
            Op::net_ns_ops => s.net_ns_ops = None,
            Op::sock_net_ops => s.sock_net_ops = None,
            Op::net_inuse_ops => s.net_inuse_ops = None,
            Op::netdev_net_ops => s.netdev_net_ops = None,
            Op::loopback_net_ops => s.loopback_net_ops = None,
            Op::sysctl_core_ops => s.sysctl_core_ops = None,
            Op::arp_net_ops => s.arp_net_ops = None,
            Op::ipv4_mib_ops => s.ipv4_mib_ops = None,
            Op::af_inet_ops => s.af_inet_ops = None,
            _ => {}
        }
    }
}

macro_rules! state {
    ($t:ty, $f:ident) => {
        impl PernetState<TestSpec> for $t {
            fn slot(s: &States) -> &Option<Self> {
                &s.$f
            }
            fn slot_mut(s: &mut States) -> &mut Option<Self> {
                &mut s.$f
            }
        }
    };
}
state!(NsCommon, net_ns_ops);
state!(Sockets, sock_net_ops);
state!(ProtInuseCounters, net_inuse_ops);
state!(NetDevTables, netdev_net_ops);
state!(LoopbackDev, loopback_net_ops);
state!(SysctlCoreNet, sysctl_core_ops);
state!(NeighTable, arp_net_ops);
state!(Ipv4Mib, ipv4_mib_ops);
state!(Ipv4Net, af_inet_ops);

const TCP_PROT: u16 = 0;
const UDP_PROT: u16 = 1;
const RAW_PROT: u16 = 2;
const PING_PROT: u16 = 3;
const PACKET_PROTO: u16 = 4;

const STREAM: u16 = 0;
const DGRAM: u16 = 1;
const SOCKRAW: u16 = 2;
const PACKET_OPS: u16 = 3;

const ALL_OPS: &[&str] = &[
    "release",
    "bind",
    "connect",
    "accept",
    "getname",
    "poll",
    "ioctl",
    "listen",
    "shutdown",
    "setsockopt",
    "getsockopt",
    "sendmsg",
    "recvmsg",
];
const DGRAM_OPS: &[&str] = &[
    "release",
    "bind",
    "connect",
    "getname",
    "poll",
    "ioctl",
    "shutdown",
    "setsockopt",
    "getsockopt",
    "sendmsg",
    "recvmsg",
];

impl ProtoSpec for TestSpec {
    const FAMILIES: &'static [FamilyDesc] = &[
        FamilyDesc {
            name: "inet_family_ops",
            family: 2,
            create: "netgen_runtime::inet::af_inet::inet_create",
            registered_by: "inet_init",
        },
        FamilyDesc {
            name: "packet_family_ops",
            family: 17,
            create: "netgen_runtime::packet::packet_create",
            registered_by: "packet_init",
        },
    ];
    const INET_PROTOCOLS: &'static [InetProtocolDesc] = &[
        InetProtocolDesc {
            name: "icmp_protocol",
            protocol: 1,
            handler: "netgen_runtime::inet::icmp::icmp_rcv",
            err_handler: Some("netgen_runtime::inet::icmp::icmp_err"),
            no_policy: true,
            netns_ok: true,
            registered_by: "inet_init",
        },
        InetProtocolDesc {
            name: "udp_protocol",
            protocol: 17,
            handler: "netgen_runtime::inet::udp::udp_rcv",
            err_handler: Some("netgen_runtime::inet::udp::udp_err"),
            no_policy: true,
            netns_ok: true,
            registered_by: "inet_init",
        },
        InetProtocolDesc {
            name: "tcp_protocol",
            protocol: 6,
            handler: "netgen_runtime::inet::tcp::tcp_v4_rcv",
            err_handler: Some("netgen_runtime::inet::tcp::tcp_v4_err"),
            no_policy: true,
            netns_ok: true,
            registered_by: "inet_init",
        },
        InetProtocolDesc {
            name: "igmp_protocol",
            protocol: 2,
            handler: "netgen_runtime::inet::igmp::igmp_rcv",
            err_handler: None,
            no_policy: false,
            netns_ok: true,
            registered_by: "inet_init",
        },
    ];
    const PROTOS: &'static [ProtoDesc] = &[
        ProtoDesc {
            ident: "tcp_prot",
            name: "TCP",
            obj_size: 2240,
            slab: true,
            methods: &[
                "init",
                "close",
                "destroy",
                "connect",
                "disconnect",
                "sendmsg",
                "recvmsg",
                "hash",
                "unhash",
                "get_port",
            ],
            registered_by: "inet_init",
        },
        ProtoDesc {
            ident: "udp_prot",
            name: "UDP",
            obj_size: 1088,
            slab: true,
            methods: &[
                "init",
                "close",
                "destroy",
                "connect",
                "disconnect",
                "sendmsg",
                "recvmsg",
                "hash",
                "unhash",
                "get_port",
            ],
            registered_by: "inet_init",
        },
        ProtoDesc {
            ident: "raw_prot",
            name: "RAW",
            obj_size: 984,
            slab: true,
            methods: &[
                "init",
                "close",
                "destroy",
                "connect",
                "disconnect",
                "bind",
                "sendmsg",
                "recvmsg",
                "hash",
                "unhash",
            ],
            registered_by: "inet_init",
        },
        ProtoDesc {
            ident: "ping_prot",
            name: "PING",
            obj_size: 976,
            slab: true,
            methods: &[
                "init",
                "close",
                "connect",
                "disconnect",
                "bind",
                "sendmsg",
                "recvmsg",
                "hash",
                "unhash",
                "get_port",
            ],
            registered_by: "inet_init",
        },
        ProtoDesc {
            ident: "packet_proto",
            name: "PACKET",
            obj_size: 1472,
            slab: false,
            methods: &[],
            registered_by: "packet_init",
        },
    ];
    const PROTO_OPS: &'static [ProtoOpsDesc] = &[
        ProtoOpsDesc { ident: "inet_stream_ops", family: 2, methods: ALL_OPS },
        ProtoOpsDesc { ident: "inet_dgram_ops", family: 2, methods: DGRAM_OPS },
        ProtoOpsDesc { ident: "inet_sockraw_ops", family: 2, methods: DGRAM_OPS },
        ProtoOpsDesc {
            ident: "packet_ops",
            family: 17,
            methods: &["release", "bind", "getname", "poll", "ioctl", "setsockopt", "getsockopt", "sendmsg", "recvmsg"],
        },
    ];
    const PROTOSW: &'static [ProtoswDesc] = &[
        ProtoswDesc {
            ident: "tcp",
            type_: 1,
            protocol: 6,
            prot: TCP_PROT,
            ops: STREAM,
            flags: INET_PROTOSW_PERMANENT | INET_PROTOSW_ICSK,
            registered_by: "inet_init",
        },
        ProtoswDesc {
            ident: "udp",
            type_: 2,
            protocol: 17,
            prot: UDP_PROT,
            ops: DGRAM,
            flags: INET_PROTOSW_PERMANENT,
            registered_by: "inet_init",
        },
        ProtoswDesc {
            ident: "ping",
            type_: 2,
            protocol: 1,
            prot: PING_PROT,
            ops: SOCKRAW,
            flags: INET_PROTOSW_REUSE,
            registered_by: "inet_init",
        },
        ProtoswDesc {
            ident: "raw",
            type_: 3,
            protocol: 0,
            prot: RAW_PROT,
            ops: SOCKRAW,
            flags: INET_PROTOSW_REUSE,
            registered_by: "inet_init",
        },
    ];
    const PACKET_TYPES: &'static [PacketTypeDesc] = &[
        PacketTypeDesc {
            name: "arp_packet_type",
            type_: 0x0806,
            func: "netgen_runtime::inet::arp::arp_rcv",
            registered_by: "inet_init",
        },
        PacketTypeDesc {
            name: "ip_packet_type",
            type_: 0x0800,
            func: "netgen_runtime::inet::ip_input::ip_rcv",
            registered_by: "inet_init",
        },
    ];

    fn family_create(
        i: u16,
        cx: &mut NetCx<'_, Self>,
        sock: &mut Sock,
        protocol: i32,
        kern: bool,
    ) -> Result<(), Errno> {
        match i {
            0 => af_inet::inet_create(cx, sock, protocol, kern),
            1 => packet::packet_create(cx, sock, protocol, kern),
            _ => Err(Errno::EINVAL),
        }
    }
    #[inline]
    fn packet_type_rcv(i: u16, cx: &mut NetCx<'_, Self>, skb: SkBuff) -> NetRx {
        match i {
            0 => arp::arp_rcv(cx, skb),
            1 => ip_input::ip_rcv(cx, skb),
            _ => NetRx::Drop,
        }
    }
    #[inline]
    fn inet_protocol_rcv(i: u16, cx: &mut NetCx<'_, Self>, skb: SkBuff) -> NetRx {
        match i {
            0 => icmp::icmp_rcv(cx, skb),
            1 => udp::udp_rcv(cx, skb),
            2 => tcp::tcp_v4_rcv(cx, skb),
            3 => igmp::igmp_rcv(cx, skb),
            _ => NetRx::Drop,
        }
    }
    fn inet_protocol_err(i: u16, cx: &mut NetCx<'_, Self>, skb: &SkBuff, info: u32) -> Result<(), Errno> {
        match i {
            0 => icmp::icmp_err(cx, skb, info),
            1 => udp::udp_err(cx, skb, info),
            2 => tcp::tcp_v4_err(cx, skb, info),
            3 => Ok(()),
            _ => Err(Errno::EINVAL),
        }
    }

    fn ops_release(ops: u16, cx: &mut NetCx<'_, Self>, fd: Fd) -> Result<(), Errno> {
        match ops {
            STREAM | DGRAM | SOCKRAW => af_inet::inet_release(cx, fd),
            PACKET_OPS => packet::packet_release(cx, fd),
            _ => Err(Errno::EINVAL),
        }
    }
    fn ops_bind(ops: u16, cx: &mut NetCx<'_, Self>, fd: Fd, addr: &SockAddr) -> Result<(), Errno> {
        match ops {
            STREAM | DGRAM | SOCKRAW => af_inet::inet_bind(cx, fd, addr),
            PACKET_OPS => packet::packet_bind(cx, fd, addr),
            _ => Err(Errno::EINVAL),
        }
    }
    fn ops_connect(ops: u16, cx: &mut NetCx<'_, Self>, fd: Fd, addr: &SockAddr, flags: i32) -> Result<(), Errno> {
        match ops {
            STREAM => af_inet::inet_stream_connect(cx, fd, addr, flags),
            DGRAM | SOCKRAW => af_inet::inet_dgram_connect(cx, fd, addr, flags),
            PACKET_OPS => sock_no_connect(cx, fd, addr, flags),
            _ => Err(Errno::EINVAL),
        }
    }
    fn ops_accept(ops: u16, cx: &mut NetCx<'_, Self>, fd: Fd, flags: i32) -> Result<Fd, Errno> {
        match ops {
            STREAM => af_inet::inet_accept(cx, fd, flags),
            DGRAM | SOCKRAW | PACKET_OPS => sock_no_accept(cx, fd, flags),
            _ => Err(Errno::EINVAL),
        }
    }
    fn ops_getname(ops: u16, cx: &mut NetCx<'_, Self>, fd: Fd, peer: bool) -> Result<SockAddr, Errno> {
        match ops {
            STREAM | DGRAM | SOCKRAW => af_inet::inet_getname(cx, fd, peer),
            PACKET_OPS => packet::packet_getname(cx, fd, peer),
            _ => Err(Errno::EINVAL),
        }
    }
    fn ops_poll(ops: u16, cx: &mut NetCx<'_, Self>, fd: Fd) -> Result<u32, Errno> {
        match ops {
            STREAM => tcp::tcp_poll(cx, fd),
            DGRAM => udp::udp_poll(cx, fd),
            SOCKRAW | PACKET_OPS => socksock::datagram_poll(cx, fd),
            _ => Err(Errno::EINVAL),
        }
    }
    fn ops_ioctl(ops: u16, cx: &mut NetCx<'_, Self>, fd: Fd, cmd: u32, arg: u64) -> Result<i64, Errno> {
        match ops {
            STREAM | DGRAM | SOCKRAW => af_inet::inet_ioctl(cx, fd, cmd, arg),
            PACKET_OPS => packet::packet_ioctl(cx, fd, cmd, arg),
            _ => Err(Errno::EINVAL),
        }
    }
    fn ops_listen(ops: u16, cx: &mut NetCx<'_, Self>, fd: Fd, backlog: i32) -> Result<(), Errno> {
        match ops {
            STREAM => af_inet::inet_listen(cx, fd, backlog),
            DGRAM | SOCKRAW | PACKET_OPS => sock_no_listen(cx, fd, backlog),
            _ => Err(Errno::EINVAL),
        }
    }
    fn ops_shutdown(ops: u16, cx: &mut NetCx<'_, Self>, fd: Fd, how: i32) -> Result<(), Errno> {
        match ops {
            STREAM | DGRAM | SOCKRAW => af_inet::inet_shutdown(cx, fd, how),
            PACKET_OPS => sock_no_shutdown(cx, fd, how),
            _ => Err(Errno::EINVAL),
        }
    }
    fn ops_setsockopt(
        ops: u16,
        cx: &mut NetCx<'_, Self>,
        fd: Fd,
        level: i32,
        name: i32,
        val: &[u8],
    ) -> Result<(), Errno> {
        match ops {
            0..=3 => socksock::sock_common_setsockopt(cx, fd, level, name, val),
            _ => Err(Errno::EINVAL),
        }
    }
    fn ops_getsockopt(
        ops: u16,
        cx: &mut NetCx<'_, Self>,
        fd: Fd,
        level: i32,
        name: i32,
        val: &mut [u8],
    ) -> Result<usize, Errno> {
        match ops {
            0..=3 => socksock::sock_common_getsockopt(cx, fd, level, name, val),
            _ => Err(Errno::EINVAL),
        }
    }
    fn ops_sendmsg(
        ops: u16,
        cx: &mut NetCx<'_, Self>,
        fd: Fd,
        msg: &[u8],
        to: Option<&SockAddr>,
        flags: i32,
    ) -> Result<usize, Errno> {
        match ops {
            STREAM | DGRAM | SOCKRAW => af_inet::inet_sendmsg(cx, fd, msg, to, flags),
            PACKET_OPS => packet::packet_sendmsg(cx, fd, msg, to, flags),
            _ => Err(Errno::EINVAL),
        }
    }
    #[inline]
    fn ops_recvmsg(
        ops: u16,
        cx: &mut NetCx<'_, Self>,
        fd: Fd,
        buf: &mut [u8],
        flags: i32,
    ) -> Result<(usize, Option<SockAddr>), Errno> {
        match ops {
            STREAM | DGRAM | SOCKRAW => af_inet::inet_recvmsg(cx, fd, buf, flags),
            PACKET_OPS => packet::packet_recvmsg(cx, fd, buf, flags),
            _ => Err(Errno::EINVAL),
        }
    }

    fn prot_init(prot: u16, cx: &mut NetCx<'_, Self>, fd: Fd) -> Result<(), Errno> {
        match prot {
            TCP_PROT => tcp::tcp_v4_init_sock(cx, fd),
            UDP_PROT => udp::udp_init_sock(cx, fd),
            RAW_PROT => raw::raw_sk_init(cx, fd),
            PING_PROT => ping::ping_init_sock(cx, fd),
            PACKET_PROTO => sk_prot_no_init(cx, fd),
            _ => Err(Errno::EINVAL),
        }
    }
    fn prot_close(prot: u16, cx: &mut NetCx<'_, Self>, fd: Fd) {
        match prot {
            TCP_PROT => tcp::tcp_close(cx, fd),
            UDP_PROT => udp::udp_lib_close(cx, fd),
            RAW_PROT => raw::raw_close(cx, fd),
            PING_PROT => ping::ping_close(cx, fd),
            _ => sk_prot_no_close(cx, fd),
        }
    }
    fn prot_destroy(prot: u16, cx: &mut NetCx<'_, Self>, fd: Fd) {
        match prot {
            TCP_PROT => tcp::tcp_v4_destroy_sock(cx, fd),
            UDP_PROT => udp::udp_destroy_sock(cx, fd),
            RAW_PROT => raw::raw_destroy(cx, fd),
            _ => sk_prot_no_destroy(cx, fd),
        }
    }
    fn prot_bind(prot: u16, cx: &mut NetCx<'_, Self>, fd: Fd, addr: &SockAddr) -> Result<(), Errno> {
        match prot {
            RAW_PROT => raw::raw_bind(cx, fd, addr),
            PING_PROT => ping::ping_bind(cx, fd, addr),
            _ => sk_prot_no_bind(cx, fd, addr),
        }
    }
    fn prot_connect(prot: u16, cx: &mut NetCx<'_, Self>, fd: Fd, addr: &SockAddr) -> Result<(), Errno> {
        match prot {
            TCP_PROT => tcp::tcp_v4_connect(cx, fd, addr),
            UDP_PROT | RAW_PROT | PING_PROT => datagram::ip4_datagram_connect(cx, fd, addr),
            _ => sk_prot_no_connect(cx, fd, addr),
        }
    }
    fn prot_disconnect(prot: u16, cx: &mut NetCx<'_, Self>, fd: Fd, flags: i32) -> Result<(), Errno> {
        match prot {
            TCP_PROT => tcp::tcp_disconnect(cx, fd, flags),
            UDP_PROT | RAW_PROT | PING_PROT => udp::udp_disconnect(cx, fd, flags),
            _ => sk_prot_no_disconnect(cx, fd, flags),
        }
    }
    fn prot_sendmsg(
        prot: u16,
        cx: &mut NetCx<'_, Self>,
        fd: Fd,
        msg: &[u8],
        to: Option<&SockAddr>,
        flags: i32,
    ) -> Result<usize, Errno> {
        match prot {
            TCP_PROT => tcp::tcp_sendmsg(cx, fd, msg, to, flags),
            UDP_PROT => udp::udp_sendmsg(cx, fd, msg, to, flags),
            RAW_PROT => raw::raw_sendmsg(cx, fd, msg, to, flags),
            PING_PROT => ping::ping_v4_sendmsg(cx, fd, msg, to, flags),
            _ => sk_prot_no_sendmsg(cx, fd, msg, to, flags),
        }
    }
    #[inline]
    fn prot_recvmsg(
        prot: u16,
        cx: &mut NetCx<'_, Self>,
        fd: Fd,
        buf: &mut [u8],
        flags: i32,
    ) -> Result<(usize, Option<SockAddr>), Errno> {
        match prot {
            TCP_PROT => tcp::tcp_recvmsg(cx, fd, buf, flags),
            UDP_PROT => udp::udp_recvmsg(cx, fd, buf, flags),
            RAW_PROT => raw::raw_recvmsg(cx, fd, buf, flags),
            PING_PROT => ping::ping_recvmsg(cx, fd, buf, flags),
            _ => sk_prot_no_recvmsg(cx, fd, buf, flags),
        }
    }
    fn prot_hash(prot: u16, cx: &mut NetCx<'_, Self>, fd: Fd) -> Result<(), Errno> {
        match prot {
            TCP_PROT => tcp::inet_hash(cx, fd),
            UDP_PROT => udp::udp_lib_hash(cx, fd),
            RAW_PROT => raw::raw_hash_sk(cx, fd),
            PING_PROT => ping::ping_hash(cx, fd),
            _ => sk_prot_no_hash(cx, fd),
        }
    }
    fn prot_unhash(prot: u16, cx: &mut NetCx<'_, Self>, fd: Fd) {
        match prot {
            TCP_PROT => tcp::inet_unhash(cx, fd),
            UDP_PROT => udp::udp_lib_unhash(cx, fd),
            RAW_PROT => raw::raw_unhash_sk(cx, fd),
            PING_PROT => ping::ping_unhash(cx, fd),
            _ => sk_prot_no_unhash(cx, fd),
        }
    }
    fn prot_get_port(prot: u16, cx: &mut NetCx<'_, Self>, fd: Fd, snum: u16) -> Result<(), Errno> {
        match prot {
            TCP_PROT => tcp::inet_csk_get_port(cx, fd, snum),
            UDP_PROT => udp::udp_v4_get_port(cx, fd, snum),
            PING_PROT => ping::ping_get_port(cx, fd, snum),
            _ => sk_prot_no_get_port(cx, fd, snum),
        }
    }
}

/// A booted kernel with the test spec, as the generated crate boots it.
pub struct Stack {
    pub k: Kernel,
    pub ns: NetNamespaces<TestSpec>,
}

fn run(k: &mut Kernel, call: crate::init::InitFn, ops: &[Op], entries: Option<&str>) {
    call(k).unwrap();
    if let Some(r) = entries {
        register_spec_entries::<TestSpec>(k, r).unwrap();
    }
    if !ops.is_empty() {
        netns::register_spec_ops::<TestSpec>(k, ops).unwrap();
    }
}

/// Boots the spec's initcalls in spec order with their registrations.
pub fn boot() -> Stack {
    let mut k = Kernel::new(2);
    run(&mut k, softirq::spawn_ksoftirqd, &[], None);
    run(&mut k, netns::net_ns_init::<TestSpec>, &[Op::net_ns_ops], None);
    run(&mut k, socket::sock_init, &[Op::sock_net_ops], None);
    run(&mut k, sock::net_inuse_init, &[Op::net_inuse_ops], None);
    run(&mut k, netpoll::netpoll_init, &[], None);
    run(&mut k, pci::pci_driver_init, &[], None);
    run(&mut k, sock::proto_init, &[Op::proto_net_ops], None);
    run(
        &mut k,
        dev::net_dev_init,
        &[Op::dev_proc_ops, Op::dev_mc_net_ops, Op::netdev_net_ops, Op::loopback_net_ops, Op::default_device_ops],
        None,
    );
    run(&mut k, sysctl::sysctl_core_init, &[Op::sysctl_core_ops], None);
    run(
        &mut k,
        inet::inet_init,
        &[Op::arp_net_ops, Op::igmp_net_ops, Op::ipv4_mib_ops, Op::af_inet_ops],
        Some("inet_init"),
    );
    run(&mut k, inet::ipv4_offload_init, &[], None);
    run(&mut k, packet::packet_init, &[Op::packet_net_ops], Some("packet_init"));
    let ns = k.get::<NetNamespaces<TestSpec>>().unwrap().clone();
    Stack { k, ns }
}

impl Stack {
    /// Runs `f` in namespace `net` (its lock held).
    pub fn cx<R>(&self, net: &NetRef<TestSpec>, f: impl FnOnce(&mut NetCx<'_, TestSpec>) -> R) -> R {
        crate::tables::with_cx(&self.k, net, f).unwrap()
    }

    /// Runs `net_rx_action` in every namespace until no frame moves.
    pub fn settle(&self, nets: &[&NetRef<TestSpec>]) -> usize {
        dev::settle(&self.k, nets).unwrap()
    }
}
