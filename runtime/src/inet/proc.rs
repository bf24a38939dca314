//! /proc/net files of IPv4 (net/ipv4/proc.c): `snmp`, `netstat`, `arp`
//! and `sockstat`.

use std::fmt::Write as _;

use super::InetSpec;
use super::{arp, mib, netns_ipv4, NeighTable};
use crate::errno::Errno;
use crate::kernel::Kernel;
use crate::netns::Net;
use crate::sock::sk::Sockets;
use crate::sock::{ProtInuseCounters, SockCacheState};
use crate::tables::NetState;

/// /proc/net/sockstat of `net` (`sockstat_seq_show`, net/ipv4/proc.c):
/// sockets in use, and per protocol the in-use counters
/// (`sock_prot_inuse_get`) and queued memory in pages.
pub fn sockstat_seq_show<S: InetSpec>(k: &Kernel<S>, net: &Net<S>) -> String {
    let socks = <S as NetState<Sockets<S>>>::state(net).ok();
    let inuse = <S as NetState<ProtInuseCounters>>::state(net).ok();
    let get = |name: &str| -> i32 {
        let Some(p) = k.get::<SockCacheState>().ok().and_then(|c| c.proto(name)) else { return 0 };
        inuse.map_or(0, |c| c.get(p.inuse_idx))
    };
    let mem = |ty: u16| -> usize {
        socks.map_or(0, |s| {
            let bytes: usize = s.iter().filter(|(_, k)| k.type_ == ty).map(|(_, k)| k.rmem_alloc).sum();
            bytes.div_ceil(4096)
        })
    };
    let mut out = String::new();
    let _ = writeln!(out, "sockets: used {}", socks.map_or(0, Sockets::<S>::len));
    let _ = writeln!(
        out,
        "TCP: inuse {} orphan 0 tw 0 alloc {} mem 0",
        get("TCP"),
        socks.map_or(0, |s| s.tcp_sockets_allocated)
    );
    let _ = writeln!(out, "UDP: inuse {} mem {}", get("UDP"), mem(crate::socket::SOCK_DGRAM));
    let _ = writeln!(out, "UDPLITE: inuse {}", get("UDP-Lite"));
    let _ = writeln!(out, "RAW: inuse {}", get("RAW"));
    let _ = writeln!(out, "FRAG: inuse 0 memory 0");
    out
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
