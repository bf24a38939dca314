//! `ipv4_mib_ops` (net/ipv4/af_inet.c, Linux 6.0): the per-CPU SNMP
//! counters of a namespace, `net->mib.{ip,icmp,tcp,udp,udplite}_statistics`,
//! and /proc/net/snmp (`snmp_seq_show`, net/ipv4/proc.c).
//!
//! Each MIB is an enum of counter ids named after Linux's `IPSTATS_MIB_*`,
//! `ICMP_MIB_*`, `TCP_MIB_*` and `UDP_MIB_*`, in the column order
//! /proc/net/snmp prints them. [`Ipv4Mib`] keeps one `u64` per counter per
//! CPU; a read sums the CPUs as `snmp_fold_field` does. Counters wrap like
//! Linux's `unsigned long`, so a `dec` on one CPU and an `inc` on another
//! still fold to the right total (`TCP_MIB_CURRESTAB`).
//!
//! Not modelled: `net->mib.net_statistics` (`LINUX_MIB_*`, the TcpExt part
//! of /proc/net/netstat) and the IPv6-only `IPSTATS_MIB_INTOOBIGERRORS`.
//! [`ExtMib`] holds netgen's own named counters for drops Linux does not
//! count in a MIB.
//! `icmpmsg_statistics` is modelled only for the eleven ICMP types
//! /proc/net/snmp names (see [`IcmpMib`]).

use std::fmt::Write as _;

use crate::errno::Errno;
use crate::netns::{Net, PernetSpec};
use crate::tables::{RxOutcome, RxOutcomes};

/// Declares one MIB: an enum of counters with, per variant, the Linux
/// constant, the /proc/net/snmp label, what it says about a received
/// frame's end (`[Drop]`, `[Taken]`, or nothing: [`RxOutcome::Neither`])
/// and a description.
macro_rules! mib {
    (@outcome) => { RxOutcome::Neither };
    (@outcome $role:ident) => { RxOutcome::$role };
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($var:ident = $linux:ident, $label:literal, $([$role:ident])? $doc:literal;)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $(
                #[doc = concat!("`", stringify!($linux), "` (\"", $label, "\"): ", $doc)]
                $(#[doc = concat!("\n\nA received frame's end: [`RxOutcome::", stringify!($role), "`].")])?
                $var,
            )*
        }

        impl $name {
            /// Number of counters in this MIB.
            pub const COUNT: usize = [$(stringify!($var)),*].len();

            /// Every counter, in /proc/net/snmp column order.
            pub const ALL: [$name; Self::COUNT] = [$($name::$var),*];

            /// The label /proc/net/snmp (or /proc/net/netstat) prints.
            pub const fn label(self) -> &'static str {
                match self {
                    $($name::$var => $label,)*
                }
            }

            /// The Linux enum constant (`"IPSTATS_MIB_INPKTS"`).
            pub const fn linux_name(self) -> &'static str {
                match self {
                    $($name::$var => stringify!($linux),)*
                }
            }

            /// What this counter says about the end of a received frame.
            pub const fn rx_outcome(self) -> RxOutcome {
                match self {
                    $($name::$var => mib!(@outcome $($role)?),)*
                }
            }
        }
    };
}

mib! {
    /// `IPSTATS_MIB_*` (include/uapi/linux/snmp.h): `net->mib.ip_statistics`.
    /// The first [`IpMib::SNMP`] variants are the /proc/net/snmp `Ip:`
    /// columns (`snmp4_ipstats_list`) in order; the rest are the
    /// /proc/net/netstat `IpExt:` columns (`snmp4_ipextstats_list`).
    pub enum IpMib {
        InPkts = IPSTATS_MIB_INPKTS, "InReceives",
            "datagrams received from interfaces, errors included (`ip_rcv_core`).";
        InHdrErrors = IPSTATS_MIB_INHDRERRORS, "InHdrErrors", [Drop]
            "discarded for a bad header: version, IHL, length, checksum, options.";
        InAddrErrors = IPSTATS_MIB_INADDRERRORS, "InAddrErrors", [Drop]
            "discarded because the destination is not an address to receive at.";
        OutForwDatagrams = IPSTATS_MIB_OUTFORWDATAGRAMS, "ForwDatagrams", [Taken]
            "datagrams forwarded (`ip_forward_finish`).";
        InUnknownProtos = IPSTATS_MIB_INUNKNOWNPROTOS, "InUnknownProtos", [Drop]
            "local datagrams for a protocol nobody handles (`ip_protocol_deliver_rcu`).";
        InDiscards = IPSTATS_MIB_INDISCARDS, "InDiscards", [Drop]
            "good input datagrams dropped anyway (no memory, filters).";
        InDelivers = IPSTATS_MIB_INDELIVERS, "InDelivers",
            "datagrams delivered to a transport protocol or raw socket.";
        OutPkts = IPSTATS_MIB_OUTPKTS, "OutRequests",
            "datagrams handed to IP for transmission (`IP_UPD_PO_STATS(.., IPSTATS_MIB_OUT, ..)`).";
        OutDiscards = IPSTATS_MIB_OUTDISCARDS, "OutDiscards",
            "good output datagrams dropped anyway (no memory, qdisc).";
        OutNoRoutes = IPSTATS_MIB_OUTNOROUTES, "OutNoRoutes",
            "output datagrams dropped for lack of a route.";
        ReasmTimeout = IPSTATS_MIB_REASMTIMEOUT, "ReasmTimeout",
            "fragment queues that timed out (`ip_expire`).";
        ReasmReqds = IPSTATS_MIB_REASMREQDS, "ReasmReqds",
            "fragments received that needed reassembly.";
        ReasmOKs = IPSTATS_MIB_REASMOKS, "ReasmOKs",
            "datagrams reassembled.";
        ReasmFails = IPSTATS_MIB_REASMFAILS, "ReasmFails", [Drop]
            "reassembly failures (timeouts, overlaps, memory).";
        FragOKs = IPSTATS_MIB_FRAGOKS, "FragOKs",
            "datagrams fragmented (`ip_do_fragment`).";
        FragFails = IPSTATS_MIB_FRAGFAILS, "FragFails",
            "datagrams dropped because they needed fragmenting but could not be (DF).";
        FragCreates = IPSTATS_MIB_FRAGCREATES, "FragCreates",
            "fragments created.";
        InNoRoutes = IPSTATS_MIB_INNOROUTES, "InNoRoutes", [Drop]
            "input datagrams dropped for lack of a route (`ip_route_input_noref`).";
        InTruncatedPkts = IPSTATS_MIB_INTRUNCATEDPKTS, "InTruncatedPkts", [Drop]
            "input datagrams shorter than their IP total length.";
        InMcastPkts = IPSTATS_MIB_INMCASTPKTS, "InMcastPkts",
            "multicast datagrams received.";
        OutMcastPkts = IPSTATS_MIB_OUTMCASTPKTS, "OutMcastPkts",
            "multicast datagrams sent.";
        InBcastPkts = IPSTATS_MIB_INBCASTPKTS, "InBcastPkts",
            "broadcast datagrams received.";
        OutBcastPkts = IPSTATS_MIB_OUTBCASTPKTS, "OutBcastPkts",
            "broadcast datagrams sent.";
        InOctets = IPSTATS_MIB_INOCTETS, "InOctets",
            "octets received, IP header included.";
        OutOctets = IPSTATS_MIB_OUTOCTETS, "OutOctets",
            "octets sent, IP header included.";
        InMcastOctets = IPSTATS_MIB_INMCASTOCTETS, "InMcastOctets",
            "multicast octets received.";
        OutMcastOctets = IPSTATS_MIB_OUTMCASTOCTETS, "OutMcastOctets",
            "multicast octets sent.";
        InBcastOctets = IPSTATS_MIB_INBCASTOCTETS, "InBcastOctets",
            "broadcast octets received.";
        OutBcastOctets = IPSTATS_MIB_OUTBCASTOCTETS, "OutBcastOctets",
            "broadcast octets sent.";
        CsumErrors = IPSTATS_MIB_CSUMERRORS, "InCsumErrors",
            "input datagrams with a bad header checksum (also counted in InHdrErrors).";
        NoEctPkts = IPSTATS_MIB_NOECTPKTS, "InNoECTPkts",
            "input datagrams not ECN-capable (`ip_rcv_core`, by ECN field, GSO segments counted).";
        Ect1Pkts = IPSTATS_MIB_ECT1PKTS, "InECT1Pkts",
            "input datagrams marked ECT(1).";
        Ect0Pkts = IPSTATS_MIB_ECT0PKTS, "InECT0Pkts",
            "input datagrams marked ECT(0).";
        CePkts = IPSTATS_MIB_CEPKTS, "InCEPkts",
            "input datagrams marked CE.";
        ReasmOverlaps = IPSTATS_MIB_REASM_OVERLAPS, "ReasmOverlaps",
            "fragments dropped for overlapping others.";
    }
}

impl IpMib {
    /// How many leading variants /proc/net/snmp prints (`snmp4_ipstats_list`).
    pub const SNMP_COUNT: usize = 17;
    const SPLIT: (&'static [IpMib], &'static [IpMib]) = Self::ALL.as_slice().split_at(Self::SNMP_COUNT);
    /// The /proc/net/snmp `Ip:` counters, after `Forwarding DefaultTTL`.
    pub const SNMP: &'static [IpMib] = Self::SPLIT.0;
    /// The /proc/net/netstat `IpExt:` counters.
    pub const IPEXT: &'static [IpMib] = Self::SPLIT.1;
}

mib! {
    /// `ICMP_MIB_*` (include/uapi/linux/snmp.h): `net->mib.icmp_statistics`,
    /// in /proc/net/snmp `Icmp:` column order (so `ICMP_MIB_CSUMERRORS`,
    /// last in Linux's enum, comes third).
    ///
    /// The per-type `In*`/`Out*` columns are, in Linux 6.0, read from
    /// `net->mib.icmpmsg_statistics` (`ICMPMSGIN_INC_STATS(net, type)`,
    /// one counter per ICMP type and direction); here they are counters of
    /// their own, one per type /proc/net/snmp names ([`IcmpMib::msg_in`],
    /// [`IcmpMib::msg_out`] map a type to its counter). Types outside that
    /// list (9, 10, 15, 16, ...) are not counted.
    pub enum IcmpMib {
        InMsgs = ICMP_MIB_INMSGS, "InMsgs",
            "ICMP messages received, errors included (`icmp_rcv`).";
        InErrors = ICMP_MIB_INERRORS, "InErrors", [Drop]
            "ICMP messages received with an error (short, bad checksum, unknown type).";
        CsumErrors = ICMP_MIB_CSUMERRORS, "InCsumErrors",
            "ICMP messages received with a bad checksum (also counted in InErrors).";
        InDestUnreachs = ICMP_MIB_INDESTUNREACHS, "InDestUnreachs",
            "type 3 (`ICMP_DEST_UNREACH`) received.";
        InTimeExcds = ICMP_MIB_INTIMEEXCDS, "InTimeExcds",
            "type 11 (`ICMP_TIME_EXCEEDED`) received.";
        InParmProbs = ICMP_MIB_INPARMPROBS, "InParmProbs",
            "type 12 (`ICMP_PARAMETERPROB`) received.";
        InSrcQuenchs = ICMP_MIB_INSRCQUENCHS, "InSrcQuenchs",
            "type 4 (`ICMP_SOURCE_QUENCH`) received.";
        InRedirects = ICMP_MIB_INREDIRECTS, "InRedirects",
            "type 5 (`ICMP_REDIRECT`) received.";
        InEchos = ICMP_MIB_INECHOS, "InEchos",
            "type 8 (`ICMP_ECHO`) received.";
        InEchoReps = ICMP_MIB_INECHOREPS, "InEchoReps",
            "type 0 (`ICMP_ECHOREPLY`) received.";
        InTimestamps = ICMP_MIB_INTIMESTAMPS, "InTimestamps",
            "type 13 (`ICMP_TIMESTAMP`) received.";
        InTimestampReps = ICMP_MIB_INTIMESTAMPREPS, "InTimestampReps",
            "type 14 (`ICMP_TIMESTAMPREPLY`) received.";
        InAddrMasks = ICMP_MIB_INADDRMASKS, "InAddrMasks",
            "type 17 (`ICMP_ADDRESS`) received.";
        InAddrMaskReps = ICMP_MIB_INADDRMASKREPS, "InAddrMaskReps",
            "type 18 (`ICMP_ADDRESSREPLY`) received.";
        OutMsgs = ICMP_MIB_OUTMSGS, "OutMsgs",
            "ICMP messages sent (`icmp_out_count`).";
        OutErrors = ICMP_MIB_OUTERRORS, "OutErrors",
            "ICMP messages not sent because of an error.";
        OutDestUnreachs = ICMP_MIB_OUTDESTUNREACHS, "OutDestUnreachs",
            "type 3 (`ICMP_DEST_UNREACH`) sent.";
        OutTimeExcds = ICMP_MIB_OUTTIMEEXCDS, "OutTimeExcds",
            "type 11 (`ICMP_TIME_EXCEEDED`) sent.";
        OutParmProbs = ICMP_MIB_OUTPARMPROBS, "OutParmProbs",
            "type 12 (`ICMP_PARAMETERPROB`) sent.";
        OutSrcQuenchs = ICMP_MIB_OUTSRCQUENCHS, "OutSrcQuenchs",
            "type 4 (`ICMP_SOURCE_QUENCH`) sent.";
        OutRedirects = ICMP_MIB_OUTREDIRECTS, "OutRedirects",
            "type 5 (`ICMP_REDIRECT`) sent.";
        OutEchos = ICMP_MIB_OUTECHOS, "OutEchos",
            "type 8 (`ICMP_ECHO`) sent.";
        OutEchoReps = ICMP_MIB_OUTECHOREPS, "OutEchoReps",
            "type 0 (`ICMP_ECHOREPLY`) sent.";
        OutTimestamps = ICMP_MIB_OUTTIMESTAMPS, "OutTimestamps",
            "type 13 (`ICMP_TIMESTAMP`) sent.";
        OutTimestampReps = ICMP_MIB_OUTTIMESTAMPREPS, "OutTimestampReps",
            "type 14 (`ICMP_TIMESTAMPREPLY`) sent.";
        OutAddrMasks = ICMP_MIB_OUTADDRMASKS, "OutAddrMasks",
            "type 17 (`ICMP_ADDRESS`) sent.";
        OutAddrMaskReps = ICMP_MIB_OUTADDRMASKREPS, "OutAddrMaskReps",
            "type 18 (`ICMP_ADDRESSREPLY`) sent.";
    }
}

/// `icmpmibmap` (net/ipv4/proc.c): the ICMP types /proc/net/snmp names, in
/// its column order, with their `In` and `Out` counters.
const ICMP_MIB_MAP: [(u8, IcmpMib, IcmpMib); 11] = [
    (3, IcmpMib::InDestUnreachs, IcmpMib::OutDestUnreachs),
    (11, IcmpMib::InTimeExcds, IcmpMib::OutTimeExcds),
    (12, IcmpMib::InParmProbs, IcmpMib::OutParmProbs),
    (4, IcmpMib::InSrcQuenchs, IcmpMib::OutSrcQuenchs),
    (5, IcmpMib::InRedirects, IcmpMib::OutRedirects),
    (8, IcmpMib::InEchos, IcmpMib::OutEchos),
    (0, IcmpMib::InEchoReps, IcmpMib::OutEchoReps),
    (13, IcmpMib::InTimestamps, IcmpMib::OutTimestamps),
    (14, IcmpMib::InTimestampReps, IcmpMib::OutTimestampReps),
    (17, IcmpMib::InAddrMasks, IcmpMib::OutAddrMasks),
    (18, IcmpMib::InAddrMaskReps, IcmpMib::OutAddrMaskReps),
];

impl IcmpMib {
    /// The counter `ICMPMSGIN_INC_STATS(net, icmp_type)` bumps, if
    /// /proc/net/snmp names that type (`None` for the others).
    pub fn msg_in(icmp_type: u8) -> Option<IcmpMib> {
        ICMP_MIB_MAP.iter().find(|m| m.0 == icmp_type).map(|m| m.1)
    }

    /// The counter `ICMPMSGOUT_INC_STATS(net, icmp_type)` bumps, if
    /// /proc/net/snmp names that type.
    pub fn msg_out(icmp_type: u8) -> Option<IcmpMib> {
        ICMP_MIB_MAP.iter().find(|m| m.0 == icmp_type).map(|m| m.2)
    }

    /// The index of this counter in Linux's `icmpmsg_statistics`: the ICMP
    /// type, `| 0x100` for output. `None` for the type-less counters.
    pub fn icmpmsg_index(self) -> Option<u16> {
        ICMP_MIB_MAP.iter().find_map(|&(t, i, o)| {
            if self == i {
                Some(u16::from(t))
            } else if self == o {
                Some(0x100 | u16::from(t))
            } else {
                None
            }
        })
    }
}

mib! {
    /// `TCP_MIB_*` (include/uapi/linux/snmp.h): `net->mib.tcp_statistics`.
    /// `RtoAlgorithm`, `RtoMin`, `RtoMax` and `MaxConn` are constants here
    /// ([`TCP_RTO_ALGORITHM`] ...), not counters.
    pub enum TcpMib {
        ActiveOpens = TCP_MIB_ACTIVEOPENS, "ActiveOpens",
            "CLOSED -> SYN-SENT transitions (`tcp_connect`).";
        PassiveOpens = TCP_MIB_PASSIVEOPENS, "PassiveOpens",
            "LISTEN -> SYN-RCVD transitions (a child socket created).";
        AttemptFails = TCP_MIB_ATTEMPTFAILS, "AttemptFails",
            "SYN-SENT/SYN-RCVD -> CLOSED and SYN-RCVD -> LISTEN transitions.";
        EstabResets = TCP_MIB_ESTABRESETS, "EstabResets",
            "ESTABLISHED/CLOSE-WAIT -> CLOSED transitions.";
        CurrEstab = TCP_MIB_CURRESTAB, "CurrEstab",
            "connections in ESTABLISHED or CLOSE-WAIT: incremented and decremented (`dec`).";
        InSegs = TCP_MIB_INSEGS, "InSegs",
            "segments received, errors included (`tcp_v4_rcv`).";
        OutSegs = TCP_MIB_OUTSEGS, "OutSegs",
            "segments sent, retransmissions excluded.";
        RetransSegs = TCP_MIB_RETRANSSEGS, "RetransSegs",
            "segments retransmitted.";
        InErrs = TCP_MIB_INERRS, "InErrs", [Drop]
            "segments received in error (bad checksum, short).";
        OutRsts = TCP_MIB_OUTRSTS, "OutRsts",
            "segments sent with RST.";
        CsumErrors = TCP_MIB_CSUMERRORS, "InCsumErrors",
            "segments received with a bad checksum (also counted in InErrs).";
    }
}

mib! {
    /// `UDP_MIB_*` (include/uapi/linux/snmp.h): `net->mib.udp_statistics`
    /// and, with the same fields, `net->mib.udplite_statistics`.
    pub enum UdpMib {
        InDatagrams = UDP_MIB_INDATAGRAMS, "InDatagrams",
            "datagrams delivered to a socket.";
        NoPorts = UDP_MIB_NOPORTS, "NoPorts", [Drop]
            "datagrams for a port nobody listens on (`__udp4_lib_rcv`).";
        InErrors = UDP_MIB_INERRORS, "InErrors", [Drop]
            "datagrams not delivered for another reason (checksum, length, memory).";
        OutDatagrams = UDP_MIB_OUTDATAGRAMS, "OutDatagrams",
            "datagrams sent.";
        RcvbufErrors = UDP_MIB_RCVBUFERRORS, "RcvbufErrors",
            "datagrams dropped because the receive buffer was full (also counted in InErrors).";
        SndbufErrors = UDP_MIB_SNDBUFERRORS, "SndbufErrors",
            "datagrams not sent for lack of send buffer.";
        CsumErrors = UDP_MIB_CSUMERRORS, "InCsumErrors",
            "datagrams received with a bad checksum (also counted in InErrors).";
        IgnoredMulti = UDP_MIB_IGNOREDMULTI, "IgnoredMulti", [Taken]
            "broadcast/multicast datagrams no socket wanted.";
        MemErrors = UDP_MIB_MEMERRORS, "MemErrors",
            "datagrams dropped for lack of socket memory (also counted in InErrors).";
    }
}

mib! {
    /// netgen's own counters, for drops Linux leaves uncounted (or counts
    /// only as a `kfree_skb` drop reason) and for what is not built; shown
    /// in /proc/net/netstat as `NetgenExt:` ([`Ipv4Mib::netstat_seq_show`]).
    pub enum ExtMib {
        TcpNotImplemented = NETGEN_MIB_TCPNOTIMPLEMENTED, "TCPNotImplemented", [Drop]
            "well-formed segments `tcp_v4_rcv` dropped because the TCP state machine is not built.";
        PingNoSocket = NETGEN_MIB_PINGNOSOCKET, "PingNoSocket", [Drop]
            "echo replies no ping socket wanted (`ping_rcv`).";
        PingRcvbufErrors = NETGEN_MIB_PINGRCVBUFERRORS, "PingRcvbufErrors", [Drop]
            "echo replies dropped because the ping socket's receive buffer was full (Linux: the socket's `sk_drops`, and from 6.1 the drop reason `SOCKET_RCVBUFF`).";
        IcmpEchoIgnored = NETGEN_MIB_ICMPECHOIGNORED, "IcmpEchoIgnored", [Taken]
            "echo requests not answered because of `icmp_echo_ignore_all`.";
        IcmpInConsumed = NETGEN_MIB_ICMPINCONSUMED, "IcmpInConsumed", [Taken]
            "ICMP messages `icmp_rcv` handled that no other counter ends (Linux: `consume_skb`, counted only in `InMsgs`): echo and timestamp requests answered, errors the protocol that sent the quoted datagram took, redirects (not acted on) and the types it discards (`icmp_discard`).";
        IgmpDrops = NETGEN_MIB_IGMPDROPS, "IGMPDrops", [Drop]
            "IGMP messages dropped as short or with a bad checksum (`igmp_rcv`).";
        IgmpIgnored = NETGEN_MIB_IGMPIGNORED, "IGMPIgnored", [Taken]
            "valid IGMP messages not acted on (group membership is not modelled).";
        ArpDrops = NETGEN_MIB_ARPDROPS, "ArpDrops", [Drop]
            "ARP messages dropped by `arp_rcv`/`arp_process` (malformed, not for us, from a sender Linux refuses, or a request for us whose sender the full neighbour table had no room for).";
        NfDrops = NETGEN_MIB_NFDROPS, "NetfilterDrops", [Drop]
            "received datagrams a netfilter hook dropped at PRE_ROUTING or LOCAL_IN (`NF_DROP`, or an `NF_QUEUE` with no queue; Linux: the drop reason `NETFILTER_DROP`).";
        NfStolen = NETGEN_MIB_NFSTOLEN, "NetfilterStolen", [Taken]
            "received datagrams a netfilter hook took at PRE_ROUTING or LOCAL_IN (`NF_STOLEN`): not drops.";
    }
}

/// `TCP_MIB_RTOALGORITHM` as `tcp_mib_init` sets it: 1, "other" (RFC 2012).
pub const TCP_RTO_ALGORITHM: i64 = 1;
/// `TCP_MIB_RTOMIN`: `TCP_RTO_MIN * 1000 / HZ` = 200 ms.
pub const TCP_RTO_MIN_MS: i64 = 200;
/// `TCP_MIB_RTOMAX`: `TCP_RTO_MAX * 1000 / HZ` = 120000 ms.
pub const TCP_RTO_MAX_MS: i64 = 120_000;
/// `TCP_MIB_MAXCONN`: -1, no fixed limit (printed signed, RFC 2012).
pub const TCP_MAX_CONN: i64 = -1;

/// One counter of one MIB: what [`Ipv4Mib::inc`] and friends take. The
/// MIB enums convert into it (`UdpMib` into the UDP MIB; UDP-Lite is
/// [`Ipv4Counter::UdpLite`] or [`Ipv4Counter::udp`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ipv4Counter {
    Ip(IpMib),
    Icmp(IcmpMib),
    Tcp(TcpMib),
    Udp(UdpMib),
    UdpLite(UdpMib),
    Ext(ExtMib),
}

const IP_OFF: usize = 0;
const ICMP_OFF: usize = IP_OFF + IpMib::COUNT;
const TCP_OFF: usize = ICMP_OFF + IcmpMib::COUNT;
const UDP_OFF: usize = TCP_OFF + TcpMib::COUNT;
const UDPLITE_OFF: usize = UDP_OFF + UdpMib::COUNT;
const EXT_OFF: usize = UDPLITE_OFF + UdpMib::COUNT;
/// Counters per CPU, all MIBs together.
const NR_COUNTERS: usize = EXT_OFF + ExtMib::COUNT;

impl Ipv4Counter {
    /// The counter `UDP_INC_STATS(net, field, is_udplite)` picks.
    pub const fn udp(field: UdpMib, is_udplite: bool) -> Ipv4Counter {
        if is_udplite {
            Ipv4Counter::UdpLite(field)
        } else {
            Ipv4Counter::Udp(field)
        }
    }

    /// Index in a CPU's flat counter array; always `< NR_COUNTERS`.
    #[inline]
    const fn slot(self) -> usize {
        match self {
            Ipv4Counter::Ip(c) => IP_OFF + c as usize,
            Ipv4Counter::Icmp(c) => ICMP_OFF + c as usize,
            Ipv4Counter::Tcp(c) => TCP_OFF + c as usize,
            Ipv4Counter::Udp(c) => UDP_OFF + c as usize,
            Ipv4Counter::UdpLite(c) => UDPLITE_OFF + c as usize,
            Ipv4Counter::Ext(c) => EXT_OFF + c as usize,
        }
    }
}

impl Ipv4Counter {
    /// Every counter of every MIB, UDP-Lite's included, in slot order.
    pub fn all() -> impl Iterator<Item = Ipv4Counter> {
        let ip = IpMib::ALL.into_iter().map(Ipv4Counter::Ip);
        let icmp = IcmpMib::ALL.into_iter().map(Ipv4Counter::Icmp);
        let tcp = TcpMib::ALL.into_iter().map(Ipv4Counter::Tcp);
        let udp = UdpMib::ALL.into_iter().map(Ipv4Counter::Udp);
        let udplite = UdpMib::ALL.into_iter().map(Ipv4Counter::UdpLite);
        let ext = ExtMib::ALL.into_iter().map(Ipv4Counter::Ext);
        ip.chain(icmp).chain(tcp).chain(udp).chain(udplite).chain(ext)
    }

    /// What the counter says about the end of a received frame (its MIB's
    /// `rx_outcome`; UDP-Lite's as UDP's).
    pub const fn rx_outcome(self) -> RxOutcome {
        match self {
            Ipv4Counter::Ip(c) => c.rx_outcome(),
            Ipv4Counter::Icmp(c) => c.rx_outcome(),
            Ipv4Counter::Tcp(c) => c.rx_outcome(),
            Ipv4Counter::Udp(c) | Ipv4Counter::UdpLite(c) => c.rx_outcome(),
            Ipv4Counter::Ext(c) => c.rx_outcome(),
        }
    }
}

impl From<IpMib> for Ipv4Counter {
    fn from(c: IpMib) -> Self {
        Ipv4Counter::Ip(c)
    }
}

impl From<IcmpMib> for Ipv4Counter {
    fn from(c: IcmpMib) -> Self {
        Ipv4Counter::Icmp(c)
    }
}

impl From<TcpMib> for Ipv4Counter {
    fn from(c: TcpMib) -> Self {
        Ipv4Counter::Tcp(c)
    }
}

impl From<UdpMib> for Ipv4Counter {
    fn from(c: UdpMib) -> Self {
        Ipv4Counter::Udp(c)
    }
}

impl From<ExtMib> for Ipv4Counter {
    fn from(c: ExtMib) -> Self {
        Ipv4Counter::Ext(c)
    }
}

/// `net->mib` for IPv4 (`struct netns_mib`): the state of `ipv4_mib_ops`.
/// Per CPU, every counter of the IP, ICMP, TCP, UDP and UDP-Lite MIBs.
///
/// A `cpu` at or past [`Ipv4Mib::nr_cpus`] is clamped to the last CPU: the
/// count is never lost and the folded totals stay right (Linux cannot be
/// asked for a CPU that does not exist; `this_cpu_inc` has no index).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ipv4Mib {
    /// Never empty.
    per_cpu: Vec<[u64; NR_COUNTERS]>,
}

impl Ipv4Mib {
    /// `alloc_percpu` of each MIB for `nr_cpus` CPUs, zeroed. At least one
    /// CPU is allocated, as Linux always has one possible CPU.
    pub fn new(nr_cpus: usize) -> Self {
        Ipv4Mib { per_cpu: vec![[0; NR_COUNTERS]; nr_cpus.max(1)] }
    }

    /// CPUs the counters are kept for.
    pub fn nr_cpus(&self) -> usize {
        self.per_cpu.len()
    }

    /// The counters of `cpu` (clamped to the last CPU), for a path that
    /// bumps several: one lookup, then plain adds (`this_cpu_ptr`).
    #[inline]
    pub fn row(&mut self, cpu: usize) -> Option<MibRow<'_>> {
        self.cpu_row(cpu).map(MibRow)
    }

    /// `this_cpu_ptr`: the counters of `cpu`, or of the last CPU for one
    /// past it (the in-range case costs one bounds check, no clamping).
    #[inline]
    fn cpu_row(&mut self, cpu: usize) -> Option<&mut [u64; NR_COUNTERS]> {
        if cpu < self.per_cpu.len() {
            return self.per_cpu.get_mut(cpu);
        }
        self.per_cpu.last_mut()
    }

    /// `*_INC_STATS(net, field)` on `cpu`.
    #[inline]
    pub fn inc(&mut self, cpu: usize, counter: impl Into<Ipv4Counter>) {
        self.add(cpu, counter, 1);
    }

    /// `*_ADD_STATS(net, field, n)` on `cpu` (wrapping, like Linux).
    #[inline]
    pub fn add(&mut self, cpu: usize, counter: impl Into<Ipv4Counter>, n: u64) {
        let slot = counter.into().slot();
        if let Some(v) = self.cpu_row(cpu).and_then(|c| c.get_mut(slot)) {
            *v = v.wrapping_add(n);
        }
    }

    /// `*_DEC_STATS(net, field)` on `cpu`: only `TCP_MIB_CURRESTAB` is
    /// decremented in Linux. One CPU's value may wrap; the fold is right.
    #[inline]
    pub fn dec(&mut self, cpu: usize, counter: impl Into<Ipv4Counter>) {
        self.add(cpu, counter, u64::MAX);
    }

    /// `snmp_fold_field(mib, field)`: the sum over CPUs.
    pub fn get(&self, counter: impl Into<Ipv4Counter>) -> u64 {
        let slot = counter.into().slot();
        self.per_cpu.iter().filter_map(|c| c.get(slot)).fold(0, |sum, v| sum.wrapping_add(*v))
    }

    /// The counters that end received frames ([`RxOutcome`]), summed over
    /// CPUs, by outcome.
    pub fn rx_outcomes(&self) -> RxOutcomes {
        let mut o = RxOutcomes::default();
        for c in Ipv4Counter::all() {
            o.add(c.rx_outcome(), self.get(c));
        }
        o
    }

    /// The value on one CPU (`per_cpu_ptr(mib, cpu)->mibs[field]`), `None`
    /// for a CPU out of range.
    pub fn get_cpu(&self, cpu: usize, counter: impl Into<Ipv4Counter>) -> Option<u64> {
        let slot = counter.into().slot();
        self.per_cpu.get(cpu)?.get(slot).copied()
    }

    /// /proc/net/snmp as Linux 6.0's `snmp_seq_show` prints it: per MIB a
    /// line of labels and a line of values, `Ip`, `Icmp`, `IcmpMsg` (only
    /// if a per-type ICMP counter is non-zero), `Tcp`, `Udp`, `UdpLite`.
    /// `ttl` is `sysctl_ip_default_ttl`; `Forwarding` prints 1 when
    /// `forwarding` (`IPV4_DEVCONF_ALL(net, FORWARDING)`) else 2.
    ///
    /// `IcmpMsg` lists the non-zero per-type counters as `InType<N>` /
    /// `OutType<N>`, 16 per line pair, as `icmpmsg_put` does; Linux counts
    /// every ICMP type there, this model only the types of [`IcmpMib`].
    pub fn snmp_seq_show(&self, ttl: u8, forwarding: bool) -> String {
        let mut s = String::with_capacity(2048);
        // Writing to a String cannot fail.
        // snmp_seq_show_ipstats
        s.push_str("Ip: Forwarding DefaultTTL");
        push_labels(&mut s, IpMib::SNMP.iter().map(|c| c.label()));
        let _ = write!(s, "\nIp: {} {}", if forwarding { 1 } else { 2 }, ttl);
        self.push_values(&mut s, IpMib::SNMP.iter().copied());

        // icmp_put
        s.push_str("\nIcmp:");
        push_labels(&mut s, IcmpMib::ALL.iter().map(|c| c.label()));
        s.push_str("\nIcmp:");
        self.push_values(&mut s, IcmpMib::ALL);

        // icmpmsg_put
        let mut msgs: Vec<(u16, u64)> = IcmpMib::ALL
            .iter()
            .filter_map(|&c| Some((c.icmpmsg_index()?, self.get(c))))
            .filter(|&(_, v)| v != 0)
            .collect();
        msgs.sort_unstable();
        for line in msgs.chunks(16) {
            s.push_str("\nIcmpMsg:");
            for &(i, _) in line {
                let dir = if i & 0x100 != 0 { "Out" } else { "In" };
                let _ = write!(s, " {dir}Type{}", i & 0xff);
            }
            s.push_str("\nIcmpMsg:");
            for &(_, v) in line {
                let _ = write!(s, " {v}");
            }
        }

        // snmp_seq_show_tcp_udp
        s.push_str("\nTcp: RtoAlgorithm RtoMin RtoMax MaxConn");
        push_labels(&mut s, TcpMib::ALL.iter().map(|c| c.label()));
        let _ = write!(s, "\nTcp: {TCP_RTO_ALGORITHM} {TCP_RTO_MIN_MS} {TCP_RTO_MAX_MS} {TCP_MAX_CONN}");
        self.push_values(&mut s, TcpMib::ALL);

        for (name, lite) in [("Udp", false), ("UdpLite", true)] {
            let _ = write!(s, "\n{name}:");
            push_labels(&mut s, UdpMib::ALL.iter().map(|c| c.label()));
            let _ = write!(s, "\n{name}:");
            self.push_values(&mut s, UdpMib::ALL.map(|c| Ipv4Counter::udp(c, lite)));
        }
        s.push('\n');
        s
    }

    /// /proc/net/netstat, the parts this model has: `IpExt` (the
    /// [`IpMib::IPEXT`] counters) and netgen's `NetgenExt` ([`ExtMib`]),
    /// each a line of labels and a line of values.
    pub fn netstat_seq_show(&self) -> String {
        let mut s = String::with_capacity(1024);
        s.push_str("IpExt:");
        push_labels(&mut s, IpMib::IPEXT.iter().map(|c| c.label()));
        s.push_str("\nIpExt:");
        self.push_values(&mut s, IpMib::IPEXT.iter().copied());
        s.push_str("\nNetgenExt:");
        push_labels(&mut s, ExtMib::ALL.iter().map(|c| c.label()));
        s.push_str("\nNetgenExt:");
        self.push_values(&mut s, ExtMib::ALL);
        s.push('\n');
        s
    }

    fn push_values<C: Into<Ipv4Counter>>(&self, s: &mut String, counters: impl IntoIterator<Item = C>) {
        for c in counters {
            let _ = write!(s, " {}", self.get(c));
        }
    }
}

fn push_labels<'a>(s: &mut String, labels: impl Iterator<Item = &'a str>) {
    for l in labels {
        s.push(' ');
        s.push_str(l);
    }
}

/// One CPU's counters of every MIB ([`Ipv4Mib::row`]).
pub struct MibRow<'a>(&'a mut [u64; NR_COUNTERS]);

impl MibRow<'_> {
    /// `__*_INC_STATS`.
    #[inline]
    pub fn inc(&mut self, counter: impl Into<Ipv4Counter>) {
        self.add(counter, 1);
    }

    /// `__*_ADD_STATS` (wrapping).
    #[inline]
    pub fn add(&mut self, counter: impl Into<Ipv4Counter>, n: u64) {
        if let Some(v) = self.0.get_mut(counter.into().slot()) {
            *v = v.wrapping_add(n);
        }
    }
}

/// `ipv4_mib_init_net(net)` (`ipv4_mib_ops.init`, net/ipv4/af_inet.c):
/// `alloc_percpu` of the TCP, IP, UDP, UDP-Lite and ICMP MIBs for every
/// possible CPU, then `tcp_mib_init` (whose RFC 2012 constants are
/// [`TCP_RTO_ALGORITHM`] and friends here). Linux returns `-ENOMEM` when
/// an allocation fails; this cannot fail.
///
/// There is no `ipv4_mib_exit_net`: Linux's frees the per-CPU memory,
/// which dropping the state does.
pub fn ipv4_mib_init_net<S: PernetSpec>(net: &mut Net<S>) -> Result<Ipv4Mib, Errno> {
    Ok(Ipv4Mib::new(net.nr_cpus()))
}

/// The MIBs of a context's namespace, counted on its CPU: what every IPv4
/// path calls (`__IP_INC_STATS(net, field)` and friends). An inherent impl
/// of the contract's context, here where the MIBs are defined.
impl<S: super::InetSpec> crate::tables::NetCx<'_, S> {
    /// `*_INC_STATS(net, field)` on this context's CPU; nothing if the
    /// MIBs are not there (`ipv4_mib_ops` unregistered).
    #[inline]
    pub fn mib_inc(&mut self, counter: impl Into<Ipv4Counter>) {
        let cpu = self.cpu;
        if let Ok(m) = self.state_mut::<Ipv4Mib>() {
            m.inc(cpu, counter);
        }
    }

    /// This CPU's MIB counters, for a path that bumps several.
    #[inline]
    pub fn mib_row(&mut self) -> Option<MibRow<'_>> {
        let cpu = self.cpu;
        self.state_mut::<Ipv4Mib>().ok()?.row(cpu)
    }

    /// `*_ADD_STATS(net, field, n)` on this context's CPU.
    #[inline]
    pub fn mib_add(&mut self, counter: impl Into<Ipv4Counter>, n: u64) {
        let cpu = self.cpu;
        if let Ok(m) = self.state_mut::<Ipv4Mib>() {
            m.add(cpu, counter, n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netns::NoPernet;

    /// Linux 6.0's /proc/net/snmp of a fresh namespace (x86_64, HZ any).
    const FRESH: &str = "\
Ip: Forwarding DefaultTTL InReceives InHdrErrors InAddrErrors ForwDatagrams InUnknownProtos InDiscards InDelivers OutRequests OutDiscards OutNoRoutes ReasmTimeout ReasmReqds ReasmOKs ReasmFails FragOKs FragFails FragCreates
Ip: 2 64 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
Icmp: InMsgs InErrors InCsumErrors InDestUnreachs InTimeExcds InParmProbs InSrcQuenchs InRedirects InEchos InEchoReps InTimestamps InTimestampReps InAddrMasks InAddrMaskReps OutMsgs OutErrors OutDestUnreachs OutTimeExcds OutParmProbs OutSrcQuenchs OutRedirects OutEchos OutEchoReps OutTimestamps OutTimestampReps OutAddrMasks OutAddrMaskReps
Icmp: 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors
Tcp: 1 200 120000 -1 0 0 0 0 0 0 0 0 0 0 0
Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors
Udp: 0 0 0 0 0 0 0 0 0
UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors
UdpLite: 0 0 0 0 0 0 0 0 0
";

    #[test]
    fn init_net_allocates_one_block_per_cpu() {
        let mut net = Net::<NoPernet>::alloc(2, 4);
        let mib = ipv4_mib_init_net(&mut net).unwrap();
        assert_eq!(mib.nr_cpus(), 4);
        assert_eq!(mib, Ipv4Mib::new(4));
        assert_eq!(Ipv4Mib::new(0).nr_cpus(), 1);
    }

    #[test]
    fn counters_fold_over_cpus() {
        let mut m = Ipv4Mib::new(3);
        m.inc(0, IpMib::InPkts);
        m.inc(2, IpMib::InPkts);
        m.add(1, IpMib::InOctets, 1500);
        m.add(2, IpMib::InOctets, 40);
        assert_eq!(m.get(IpMib::InPkts), 2);
        assert_eq!(m.get(IpMib::InOctets), 1540);
        assert_eq!(m.get_cpu(1, IpMib::InOctets), Some(1500));
        assert_eq!(m.get_cpu(3, IpMib::InOctets), None);

        // UDP and UDP-Lite are separate MIBs with the same fields.
        m.inc(0, UdpMib::NoPorts);
        m.inc(0, Ipv4Counter::udp(UdpMib::NoPorts, true));
        m.inc(1, Ipv4Counter::udp(UdpMib::NoPorts, true));
        assert_eq!(m.get(UdpMib::NoPorts), 1);
        assert_eq!(m.get(Ipv4Counter::UdpLite(UdpMib::NoPorts)), 2);

        // CurrEstab goes up on one CPU and down on another.
        m.inc(0, TcpMib::CurrEstab);
        m.inc(0, TcpMib::CurrEstab);
        m.dec(2, TcpMib::CurrEstab);
        assert_eq!(m.get_cpu(2, TcpMib::CurrEstab), Some(u64::MAX));
        assert_eq!(m.get(TcpMib::CurrEstab), 1);

        // Wrapping, never a panic.
        m.add(0, IcmpMib::InMsgs, u64::MAX);
        m.add(1, IcmpMib::InMsgs, 2);
        assert_eq!(m.get(IcmpMib::InMsgs), 1);
    }

    #[test]
    fn out_of_range_cpu_is_clamped_to_the_last() {
        let mut m = Ipv4Mib::new(2);
        m.inc(2, TcpMib::InSegs);
        m.add(usize::MAX, TcpMib::InSegs, 4);
        assert_eq!(m.get_cpu(1, TcpMib::InSegs), Some(5));
        assert_eq!(m.get(TcpMib::InSegs), 5);
        let mut one = Ipv4Mib::new(0);
        one.inc(7, UdpMib::InErrors);
        assert_eq!(one.get(UdpMib::InErrors), 1);
    }

    #[test]
    fn every_counter_has_its_own_slot() {
        let all: Vec<Ipv4Counter> = Ipv4Counter::all().collect();
        let slots: Vec<usize> = all.iter().map(|c| c.slot()).collect();
        assert_eq!(slots, (0..NR_COUNTERS).collect::<Vec<_>>(), "all() is in slot order");

        let mut m = Ipv4Mib::new(1);
        for (i, c) in all.iter().enumerate() {
            m.add(0, *c, i as u64 + 1);
        }
        for (i, c) in all.iter().enumerate() {
            assert_eq!(m.get(*c), i as u64 + 1, "{c:?}");
        }
    }

    #[test]
    fn mib_tables_match_linux() {
        assert_eq!((IpMib::COUNT, IcmpMib::COUNT, TcpMib::COUNT, UdpMib::COUNT), (35, 27, 11, 9));
        assert_eq!(IpMib::SNMP.len(), 17);
        assert_eq!(IpMib::SNMP.last(), Some(&IpMib::FragCreates));
        let ipext: Vec<_> = IpMib::IPEXT.iter().map(|c| c.label()).collect();
        assert_eq!(
            ipext.join(" "),
            "InNoRoutes InTruncatedPkts InMcastPkts OutMcastPkts InBcastPkts OutBcastPkts \
             InOctets OutOctets InMcastOctets OutMcastOctets InBcastOctets OutBcastOctets \
             InCsumErrors InNoECTPkts InECT1Pkts InECT0Pkts InCEPkts ReasmOverlaps"
        );
        assert_eq!(IpMib::InPkts.linux_name(), "IPSTATS_MIB_INPKTS");
        assert_eq!(IpMib::OutForwDatagrams.label(), "ForwDatagrams");
        assert_eq!(IpMib::ReasmOverlaps.linux_name(), "IPSTATS_MIB_REASM_OVERLAPS");
        assert_eq!(IcmpMib::CsumErrors.linux_name(), "ICMP_MIB_CSUMERRORS");
        assert_eq!(TcpMib::CsumErrors.label(), "InCsumErrors");
        assert_eq!(UdpMib::MemErrors.linux_name(), "UDP_MIB_MEMERRORS");

        assert_eq!(IcmpMib::msg_in(8), Some(IcmpMib::InEchos));
        assert_eq!(IcmpMib::msg_out(0), Some(IcmpMib::OutEchoReps));
        assert_eq!(IcmpMib::msg_in(3), Some(IcmpMib::InDestUnreachs));
        assert_eq!(IcmpMib::msg_in(9), None);
        assert_eq!(IcmpMib::msg_out(255), None);
        assert_eq!(IcmpMib::OutDestUnreachs.icmpmsg_index(), Some(0x103));
        assert_eq!(IcmpMib::InEchoReps.icmpmsg_index(), Some(0));
        assert_eq!(IcmpMib::InMsgs.icmpmsg_index(), None);
        for c in IcmpMib::ALL {
            if let Some(i) = c.icmpmsg_index() {
                let t = (i & 0xff) as u8;
                let back = if i & 0x100 != 0 { IcmpMib::msg_out(t) } else { IcmpMib::msg_in(t) };
                assert_eq!(back, Some(c));
                let dir = if i & 0x100 != 0 { "Out" } else { "In" };
                assert!(c.label().starts_with(dir), "{c:?}");
            }
        }
    }

    /// The counters that end a received frame: the drops of each layer
    /// (not their details, counted with them: `InCsumErrors`,
    /// `RcvbufErrors`, `MemErrors`), and what takes a frame without a
    /// socket.
    #[test]
    fn rx_outcomes_are_the_terminal_counters() {
        let by = |o: RxOutcome| -> Vec<&str> {
            Ipv4Counter::all()
                .filter(|c| !matches!(c, Ipv4Counter::UdpLite(_)) && c.rx_outcome() == o)
                .map(|c| match c {
                    Ipv4Counter::Ip(c) => c.label(),
                    Ipv4Counter::Icmp(c) => c.label(),
                    Ipv4Counter::Tcp(c) => c.label(),
                    Ipv4Counter::Udp(c) | Ipv4Counter::UdpLite(c) => c.label(),
                    Ipv4Counter::Ext(c) => c.label(),
                })
                .collect()
        };
        assert_eq!(
            by(RxOutcome::Drop).join(" "),
            "InHdrErrors InAddrErrors InUnknownProtos InDiscards ReasmFails InNoRoutes InTruncatedPkts \
             InErrors InErrs NoPorts InErrors TCPNotImplemented PingNoSocket PingRcvbufErrors IGMPDrops ArpDrops \
             NetfilterDrops"
        );
        assert_eq!(
            by(RxOutcome::Taken).join(" "),
            "ForwDatagrams IgnoredMulti IcmpEchoIgnored IcmpInConsumed IGMPIgnored NetfilterStolen"
        );
        let mut m = Ipv4Mib::new(2);
        m.inc(0, IpMib::InPkts);
        m.inc(1, IpMib::InHdrErrors);
        m.inc(1, IpMib::CsumErrors);
        m.inc(0, Ipv4Counter::UdpLite(UdpMib::NoPorts));
        m.inc(0, UdpMib::IgnoredMulti);
        assert_eq!(m.rx_outcomes(), RxOutcomes { dropped: 2, taken: 1 });
    }

    #[test]
    fn snmp_of_a_fresh_namespace_is_linux_text() {
        let m = Ipv4Mib::new(2);
        let text = m.snmp_seq_show(64, false);
        for (got, want) in text.lines().zip(FRESH.lines()) {
            assert_eq!(got, want);
        }
        assert_eq!(text, FRESH);
        assert!(m.snmp_seq_show(1, true).starts_with("Ip: Forwarding DefaultTTL InReceives"));
        assert_eq!(m.snmp_seq_show(255, true).lines().nth(1), Some("Ip: 1 255 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0"));
    }

    #[test]
    fn snmp_values_land_in_their_columns() {
        let mut m = Ipv4Mib::new(2);
        m.add(0, IpMib::InPkts, 10);
        m.add(1, IpMib::InPkts, 5);
        m.inc(1, IpMib::InHdrErrors);
        m.add(0, IpMib::InDelivers, 12);
        m.add(0, IpMib::OutPkts, 9);
        m.add(1, IpMib::FragCreates, 3);
        m.add(0, IpMib::InOctets, 999); // IpExt only
        m.add(0, IcmpMib::InMsgs, 4);
        m.inc(0, IcmpMib::CsumErrors);
        m.add(1, IcmpMib::InEchos, 3);
        m.add(0, IcmpMib::OutEchoReps, 3);
        m.inc(0, IcmpMib::OutDestUnreachs);
        m.inc(1, TcpMib::ActiveOpens);
        m.inc(0, TcpMib::CurrEstab);
        m.add(0, TcpMib::InSegs, 7);
        m.inc(1, TcpMib::CsumErrors);
        m.add(1, UdpMib::InDatagrams, 2);
        m.inc(0, UdpMib::MemErrors);
        m.inc(0, Ipv4Counter::UdpLite(UdpMib::NoPorts));

        let text = m.snmp_seq_show(64, true);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 12);
        assert_eq!(lines[1], "Ip: 1 64 15 1 0 0 0 0 12 9 0 0 0 0 0 0 0 0 3");
        assert_eq!(lines[3], "Icmp: 4 0 1 0 0 0 0 0 3 0 0 0 0 0 0 0 1 0 0 0 0 0 3 0 0 0 0");
        assert_eq!(lines[4], "IcmpMsg: InType8 OutType0 OutType3");
        assert_eq!(lines[5], "IcmpMsg: 3 3 1");
        assert_eq!(lines[7], "Tcp: 1 200 120000 -1 1 0 0 0 1 7 0 0 0 0 1");
        assert_eq!(lines[9], "Udp: 2 0 0 0 0 0 0 0 1");
        assert_eq!(lines[11], "UdpLite: 0 1 0 0 0 0 0 0 0");
        // Each values line has as many fields as its header.
        for pair in lines.chunks(2) {
            assert_eq!(pair[0].split(' ').count(), pair[1].split(' ').count(), "{pair:?}");
        }
        assert!(text.ends_with("0 0 0\n"));
    }

    #[test]
    fn icmpmsg_wraps_every_16_types() {
        let mut m = Ipv4Mib::new(1);
        for c in IcmpMib::ALL {
            m.inc(0, c);
        }
        let text = m.snmp_seq_show(64, false);
        let msg: Vec<&str> = text.lines().filter(|l| l.starts_with("IcmpMsg:")).collect();
        assert_eq!(msg.len(), 4);
        assert_eq!(
            msg[0],
            "IcmpMsg: InType0 InType3 InType4 InType5 InType8 InType11 InType12 InType13 \
             InType14 InType17 InType18 OutType0 OutType3 OutType4 OutType5 OutType8"
        );
        assert_eq!(msg[1], format!("IcmpMsg:{}", " 1".repeat(16)));
        assert_eq!(msg[2], "IcmpMsg: OutType11 OutType12 OutType13 OutType14 OutType17 OutType18");
        assert_eq!(msg[3], "IcmpMsg: 1 1 1 1 1 1");
    }
}
