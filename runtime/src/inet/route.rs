//! IPv4 routing (net/ipv4/route.c, net/ipv4/fib_frontend.c), reduced to
//! what a host without a routing table needs: the local table (the
//! addresses of up devices; `127.0.0.0/8` on `lo`), a connected route per
//! configured subnet, limited and directed broadcast, and an optional
//! default route. Forwarding is not built: input for another host is
//! dropped (`InAddrErrors`, as `ip_error` counts it with forwarding off).
//!
//! Path MTU: an ICMP fragmentation needed that reaches a socket lowers the
//! MTU of the route to the quoted destination ([`ipv4_update_pmtu`]) for
//! [`IP_RT_MTU_EXPIRES`]; output reads it through [`ipv4_mtu`].

use super::mib::IpMib;
use super::netns_ipv4::Ipv4Net;
use super::{jiffies, InetSpec};
use crate::dev::{NetDevTables, LOOPBACK_IFINDEX};
use crate::errno::Errno;
use crate::skbuff::{RTCF_BROADCAST, RTCF_LOCAL, RTCF_MULTICAST};
use crate::tables::NetCx;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// `INADDR_ALLHOSTS_GROUP`, 224.0.0.1: every host is in it.
pub const INADDR_ALLHOSTS_GROUP: u32 = 0xe000_0001;

/// `ipv4_is_multicast`: 224.0.0.0/4.
#[inline]
pub fn ipv4_is_multicast(a: u32) -> bool {
    a >> 28 == 0xe
}

/// `ipv4_is_lbcast`: 255.255.255.255.
#[inline]
pub fn ipv4_is_lbcast(a: u32) -> bool {
    a == u32::MAX
}

/// `ipv4_is_loopback`: 127.0.0.0/8.
#[inline]
pub fn ipv4_is_loopback(a: u32) -> bool {
    a >> 24 == 127
}

/// `ipv4_is_zeronet`: 0.0.0.0/8.
#[inline]
pub fn ipv4_is_zeronet(a: u32) -> bool {
    a >> 24 == 0
}

/// `inet_addr_type(net, addr)` (net/ipv4/fib_frontend.c,
/// `__inet_dev_addr_type` on the local table): 0.0.0.0/8 and
/// 255.255.255.255 are `RTN_BROADCAST`, 224.0.0.0/4 `RTN_MULTICAST`; a
/// local address (`127.0.0.0/8` while `lo` is up) `RTN_LOCAL`; the
/// broadcast address of a configured subnet `RTN_BROADCAST`; anything
/// else `RTN_UNICAST`.
pub fn inet_addr_type(devs: &NetDevTables, addr: u32) -> RouteKind {
    if ipv4_is_zeronet(addr) || ipv4_is_lbcast(addr) {
        return RouteKind::Broadcast;
    }
    if ipv4_is_multicast(addr) {
        return RouteKind::Multicast;
    }
    if devs.inet_addr_local(addr).is_some() {
        return RouteKind::Local;
    }
    if devs.ifaddrs().iter().any(|a| a.broadcast != 0 && a.broadcast == addr) {
        return RouteKind::Broadcast;
    }
    RouteKind::Unicast
}

/// `rt_type` of a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteKind {
    /// `RTN_LOCAL`: to this host, through `lo`.
    Local,
    /// `RTN_UNICAST`: out of a device to `nexthop`.
    Unicast,
    /// `RTN_BROADCAST`: limited or subnet-directed broadcast.
    Broadcast,
    /// `RTN_MULTICAST`.
    Multicast,
}

/// `struct rtable` of an output route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    pub kind: RouteKind,
    /// The output device (`dst.dev`).
    pub ifindex: i32,
    /// The preferred source address (`fl4->saddr` after the lookup).
    pub saddr: u32,
    /// The next hop (`rt_gateway`, or the destination itself).
    pub nexthop: u32,
}

/// `ip_route_output_key(net, fl4)` (`ip_route_output_key_hash_rcu`):
/// the route to `daddr` from `saddr` (0: any; else it must be local,
/// `EINVAL`), out of `oif` if non-zero.
///
/// * a local address (or `127.0.0.0/8` with `lo` up): [`RouteKind::Local`]
///   through `lo`;
/// * 255.255.255.255 and 224.0.0.0/4: out of `oif`, or the first up
///   device with an address;
/// * the longest-prefix connected subnet of an up device (a subnet's
///   broadcast address is [`RouteKind::Broadcast`]);
/// * the default route, if set and its device up;
/// * else `ENETUNREACH`.
pub fn ip_route_output(devs: &NetDevTables, daddr: u32, saddr: u32, oif: i32) -> Result<Route, Errno> {
    if saddr != 0 && !ipv4_is_multicast(saddr) && devs.inet_addr_local(saddr).is_none() {
        return Err(Errno::EINVAL);
    }
    if daddr == 0 {
        return Err(Errno::ENETUNREACH);
    }
    if devs.inet_addr_local(daddr).is_some() {
        let saddr = if saddr != 0 { saddr } else { daddr };
        return Ok(Route { kind: RouteKind::Local, ifindex: LOOPBACK_IFINDEX, saddr, nexthop: daddr });
    }
    let up = |i: i32| devs.get_by_index(i).is_some_and(|d| d.is_up());
    if ipv4_is_lbcast(daddr) || ipv4_is_multicast(daddr) {
        let kind = if ipv4_is_lbcast(daddr) { RouteKind::Broadcast } else { RouteKind::Multicast };
        let dev = if oif != 0 {
            oif
        } else {
            devs.ifaddrs()
                .iter()
                .map(|a| a.ifindex)
                .find(|&i| i != LOOPBACK_IFINDEX && up(i))
                .ok_or(Errno::ENETUNREACH)?
        };
        if !up(dev) {
            return Err(Errno::ENETUNREACH);
        }
        let saddr = if saddr != 0 { saddr } else { devs.inet_select_addr(dev, daddr) };
        return Ok(Route { kind, ifindex: dev, saddr, nexthop: daddr });
    }
    let best = devs
        .ifaddrs()
        .iter()
        .filter(|a| a.matches(daddr) && (oif == 0 || a.ifindex == oif) && up(a.ifindex))
        .filter(|a| a.ifindex != LOOPBACK_IFINDEX)
        .max_by_key(|a| a.prefixlen);
    if let Some(a) = best {
        let kind = if a.broadcast != 0 && a.broadcast == daddr { RouteKind::Broadcast } else { RouteKind::Unicast };
        let saddr = if saddr != 0 { saddr } else { a.local };
        return Ok(Route { kind, ifindex: a.ifindex, saddr, nexthop: daddr });
    }
    if let Some((gw, dev)) = devs.default_route() {
        if (oif == 0 || oif == dev) && up(dev) {
            let saddr = if saddr != 0 { saddr } else { devs.inet_select_addr(dev, gw) };
            return Ok(Route { kind: RouteKind::Unicast, ifindex: dev, saddr, nexthop: gw });
        }
    }
    Err(Errno::ENETUNREACH)
}

/// [`ip_route_output`] in `cx`'s namespace.
pub fn ip_route_output_cx<S: InetSpec>(cx: &NetCx<'_, S>, daddr: u32, saddr: u32, oif: i32) -> Result<Route, Errno> {
    ip_route_output(cx.state::<NetDevTables>()?, daddr, saddr, oif)
}

/// The output route of a datagram socket's `connect` or `sendmsg`
/// (`ip_route_connect` in `__ip4_datagram_connect`, `ip_route_output_flow`
/// in `udp_sendmsg`, `raw_sendmsg` and `ping_v4_sendmsg`), with the two
/// checks each of them makes on the result: `if (err == -ENETUNREACH)
/// IP_INC_STATS(net, IPSTATS_MIB_OUTNOROUTES);` and a broadcast route
/// without `SOCK_BROADCAST` (`sock_broadcast`) is `EACCES`.
pub fn ip_route_output_dgram<S: InetSpec>(
    cx: &mut NetCx<'_, S>,
    daddr: u32,
    saddr: u32,
    oif: i32,
    sock_broadcast: bool,
) -> Result<Route, Errno> {
    let rt = ip_route_output_cx(cx, daddr, saddr, oif).inspect_err(|&e| {
        if e == Errno::ENETUNREACH {
            cx.mib_inc(IpMib::OutNoRoutes);
        }
    })?;
    if rt.kind == RouteKind::Broadcast && !sock_broadcast {
        return Err(Errno::EACCES);
    }
    Ok(rt)
}

/// Why `ip_route_input` refused a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputError {
    /// Martian source or destination (`in_martian_src`/`in_martian_dst`).
    Martian,
    /// Not for this host and forwarding is not built (`ip_error`,
    /// `EHOSTUNREACH`).
    NotLocal,
}

/// `ip_route_input_noref(skb, daddr, saddr, tos, dev)` →
/// `ip_route_input_slow` for a host: returns the route's `RTCF_*` flags.
/// Martians: a multicast or limited-broadcast source, a 0.0.0.0/8 source
/// (unless to 255.255.255.255 from 0.0.0.0, DHCP), a 0.0.0.0/8
/// destination, and `127.0.0.0/8` on a device other than `lo`. Local: any
/// local address (the weak host model), the limited broadcast, a directed
/// broadcast of a subnet of the receiving device, and 224.0.0.1.
#[inline(always)] // once per datagram, from ip_rcv only
pub fn ip_route_input(devs: &NetDevTables, daddr: u32, saddr: u32, ifindex: i32) -> Result<u8, InputError> {
    let on_lo = ifindex == LOOPBACK_IFINDEX;
    // A source no host sends from (multicast, broadcast, 0.0.0.0/8, or
    // 127.0.0.0/8 from outside `lo`); 0.0.0.0 is allowed to the limited
    // broadcast (DHCP).
    let bad_src = ipv4_is_multicast(saddr) || ipv4_is_lbcast(saddr) || (!on_lo && ipv4_is_loopback(saddr));
    if bad_src {
        return Err(InputError::Martian);
    }
    if ipv4_is_lbcast(daddr) || (saddr == 0 && daddr == 0) {
        return Ok(RTCF_BROADCAST | RTCF_LOCAL);
    }
    if ipv4_is_zeronet(saddr) || ipv4_is_zeronet(daddr) || (!on_lo && ipv4_is_loopback(daddr)) {
        return Err(InputError::Martian);
    }
    if devs.inet_addr_local(daddr).is_some() {
        return Ok(RTCF_LOCAL);
    }
    if ipv4_is_multicast(daddr) {
        return if daddr == INADDR_ALLHOSTS_GROUP {
            Ok(RTCF_MULTICAST | RTCF_LOCAL)
        } else {
            Err(InputError::NotLocal)
        };
    }
    if devs.inet_addr_bcast(ifindex, daddr) {
        return Ok(RTCF_BROADCAST | RTCF_LOCAL);
    }
    Err(InputError::NotLocal)
}

/// `ip_rt_min_pmtu` (`512 + 20 + 20`): a path MTU below it is taken as
/// this, locked (`__ip_rt_update_pmtu`).
pub const IP_RT_MIN_PMTU: u32 = 552;
/// `ip_rt_mtu_expires` (10 minutes): how long a learned path MTU lasts.
pub const IP_RT_MTU_EXPIRES: Duration = Duration::from_secs(600);
/// The most path MTU exceptions a namespace keeps: Linux's
/// `FNHE_HASH_SIZE` (2048) buckets of `FNHE_RECLAIM_DEPTH` (5) per next
/// hop. Past it the oldest is reused (`fnhe_oldest`).
pub const FNHE_MAX: usize = 2048 * 5;

/// `struct fib_nh_exception`'s path MTU (`fnhe_pmtu`, `fnhe_mtu_locked`,
/// `fnhe_expires`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fnhe {
    pub mtu: u32,
    pub locked: bool,
    pub expires: Instant,
}

/// A namespace's path MTU exceptions by destination (Linux hangs them on
/// the next hop of the FIB entry; here the routes are derived from the
/// addresses, so they are kept per namespace), bounded by [`FNHE_MAX`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PmtuExceptions {
    by_daddr: BTreeMap<u32, Fnhe>,
    /// The same entries by (`expires`, daddr): the oldest first.
    by_age: BTreeMap<(Instant, u32), ()>,
}

impl PmtuExceptions {
    /// The exception for `daddr` still valid at `now`.
    pub fn get(&self, daddr: u32, now: Instant) -> Option<Fnhe> {
        self.by_daddr.get(&daddr).copied().filter(|e| e.expires > now)
    }

    /// How many exceptions are kept (expired ones included until reused).
    pub fn len(&self) -> usize {
        self.by_daddr.len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.by_daddr.is_empty()
    }

    /// `update_or_create_fnhe(nhc, daddr, 0, pmtu, lock, expires)`.
    fn update_or_create(&mut self, daddr: u32, e: Fnhe) {
        if let Some(old) = self.by_daddr.insert(daddr, e) {
            self.by_age.remove(&(old.expires, daddr));
        } else if self.by_daddr.len() > FNHE_MAX {
            if let Some(((_, d), ())) = self.by_age.pop_first() {
                self.by_daddr.remove(&d);
            }
        }
        self.by_age.insert((e.expires, daddr), ());
    }
}

/// `ipv4_mtu(dst)` of the route to `daddr`: the device's MTU, or the
/// learned path MTU if lower and not expired; and whether it is locked
/// (`ip_mtu_locked`: learned below [`IP_RT_MIN_PMTU`]).
pub fn ipv4_mtu<S: InetSpec>(cx: &NetCx<'_, S>, rt: &Route, daddr: u32) -> Result<(usize, bool), Errno> {
    let dev_mtu = cx.state::<NetDevTables>()?.get_by_index(rt.ifindex).ok_or(Errno::ENODEV)?.mtu;
    if cx.state::<Ipv4Net>().map_or(true, |n| n.rt_pmtu.is_empty()) {
        // Nothing learned: no clock read on the common path.
        return Ok((dev_mtu as usize, false));
    }
    let now = jiffies(cx);
    let e = cx.state::<Ipv4Net>().ok().and_then(|n| n.rt_pmtu.get(daddr, now));
    Ok(match e {
        Some(e) if e.mtu < dev_mtu => (e.mtu as usize, e.locked),
        _ => (dev_mtu as usize, false),
    })
}

/// `ipv4_sk_update_pmtu(skb, sk, mtu)` → `__ip_rt_update_pmtu`: an ICMP
/// fragmentation needed about a datagram to `daddr` lowers the path MTU
/// of the route to it, never raises it; below [`IP_RT_MIN_PMTU`] the
/// path MTU is that minimum (or the current MTU if lower) and locked
/// (datagrams then go without `DF`). The exception lasts
/// [`IP_RT_MTU_EXPIRES`]; an unchanged one is not refreshed before half
/// of that has passed. Nothing is learned without a route.
pub fn ipv4_update_pmtu<S: InetSpec>(cx: &mut NetCx<'_, S>, daddr: u32, mtu: u32) {
    let Ok(rt) = ip_route_output_cx(cx, daddr, 0, 0) else { return };
    let Ok((old, old_locked)) = ipv4_mtu(cx, &rt, daddr) else { return };
    if old_locked || (old as u32) < mtu {
        return;
    }
    let (mtu, locked) = if mtu < IP_RT_MIN_PMTU { ((old as u32).min(IP_RT_MIN_PMTU), true) } else { (mtu, false) };
    let now = jiffies(cx);
    let Ok(n) = cx.state_mut::<Ipv4Net>() else { return };
    if let Some(e) = n.rt_pmtu.get(daddr, now) {
        let fresh = e.expires.checked_sub(IP_RT_MTU_EXPIRES / 2).is_some_and(|t| now < t);
        if e.mtu == mtu && !locked && fresh {
            return;
        }
    }
    let expires = now.checked_add(IP_RT_MTU_EXPIRES).unwrap_or(now);
    n.rt_pmtu.update_or_create(daddr, Fnhe { mtu, locked, expires });
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    /// `update_or_create_fnhe` past `FNHE_HASH_SIZE * FNHE_RECLAIM_DEPTH`
    /// entries reuses the oldest: the table stays bounded whatever ICMP
    /// arrives.
    #[test]
    fn pmtu_exceptions_are_bounded() {
        let t0 = Instant::now();
        let mut p = PmtuExceptions::default();
        for d in 0..(FNHE_MAX as u32 + 5) {
            let expires = t0 + Duration::from_millis(u64::from(d));
            p.update_or_create(d, Fnhe { mtu: 1000, locked: false, expires });
        }
        assert_eq!(p.len(), FNHE_MAX);
        assert_eq!(p.get(0, t0), None, "the oldest went");
        assert_eq!(p.get(FNHE_MAX as u32 + 4, t0).map(|e| e.mtu), Some(1000));
        assert_eq!(p.get(FNHE_MAX as u32 + 4, t0 + Duration::from_secs(3600)), None, "expired");
    }
    use crate::dev::NetDevice;

    fn ip(a: [u8; 4]) -> u32 {
        u32::from(Ipv4Addr::from(a))
    }

    fn devs() -> NetDevTables {
        let mut t = NetDevTables::default();
        t.register_netdevice(NetDevice::loopback()).unwrap();
        let e = t.register_netdevice(NetDevice::ether("eth0", [2; 6])).unwrap();
        let f = t.register_netdevice(NetDevice::ether("eth1", [3; 6])).unwrap();
        t.inet_addr_add(e, Ipv4Addr::new(10, 0, 0, 1), 24).unwrap();
        t.inet_addr_add(f, Ipv4Addr::new(10, 0, 0, 129), 25).unwrap();
        for i in [1, e, f] {
            t.dev_open(i).unwrap();
        }
        t
    }

    #[test]
    fn output_routes() {
        let t = devs();
        let r = ip_route_output(&t, ip([10, 0, 0, 1]), 0, 0).unwrap();
        assert_eq!((r.kind, r.ifindex, r.saddr), (RouteKind::Local, 1, ip([10, 0, 0, 1])));
        assert_eq!(ip_route_output(&t, ip([127, 0, 0, 9]), 0, 0).map(|r| r.kind), Ok(RouteKind::Local));
        let r = ip_route_output(&t, ip([10, 0, 0, 7]), 0, 0).unwrap();
        assert_eq!(
            (r.kind, r.ifindex, r.saddr, r.nexthop),
            (RouteKind::Unicast, 2, ip([10, 0, 0, 1]), ip([10, 0, 0, 7]))
        );
        // longest prefix wins
        assert_eq!(ip_route_output(&t, ip([10, 0, 0, 200]), 0, 0).map(|r| r.ifindex), Ok(3));
        assert_eq!(ip_route_output(&t, ip([10, 0, 0, 255]), 0, 2).map(|r| r.kind), Ok(RouteKind::Broadcast));
        assert_eq!(ip_route_output(&t, u32::MAX, 0, 0).map(|r| (r.kind, r.ifindex)), Ok((RouteKind::Broadcast, 2)));
        assert_eq!(ip_route_output(&t, ip([192, 168, 1, 1]), 0, 0), Err(Errno::ENETUNREACH));
        assert_eq!(ip_route_output(&t, ip([10, 0, 0, 7]), ip([1, 2, 3, 4]), 0), Err(Errno::EINVAL));
        let mut t = t;
        t.route_add_default(Ipv4Addr::new(10, 0, 0, 254), 2).unwrap();
        let r = ip_route_output(&t, ip([192, 168, 1, 1]), 0, 0).unwrap();
        assert_eq!((r.ifindex, r.nexthop), (2, ip([10, 0, 0, 254])));
        t.dev_close(2).unwrap();
        assert_eq!(ip_route_output(&t, ip([10, 0, 0, 7]), 0, 0), Err(Errno::ENETUNREACH));
    }

    #[test]
    fn input_routes() {
        let t = devs();
        let me = ip([10, 0, 0, 1]);
        let peer = ip([10, 0, 0, 2]);
        assert_eq!(ip_route_input(&t, me, peer, 2), Ok(RTCF_LOCAL));
        assert_eq!(ip_route_input(&t, ip([10, 0, 0, 129]), peer, 2), Ok(RTCF_LOCAL), "weak host model");
        assert_eq!(ip_route_input(&t, ip([10, 0, 0, 255]), peer, 2), Ok(RTCF_BROADCAST | RTCF_LOCAL));
        assert_eq!(ip_route_input(&t, u32::MAX, 0, 2), Ok(RTCF_BROADCAST | RTCF_LOCAL));
        assert_eq!(ip_route_input(&t, INADDR_ALLHOSTS_GROUP, peer, 2), Ok(RTCF_MULTICAST | RTCF_LOCAL));
        assert_eq!(ip_route_input(&t, ip([224, 0, 0, 9]), peer, 2), Err(InputError::NotLocal));
        assert_eq!(ip_route_input(&t, ip([10, 0, 0, 9]), peer, 2), Err(InputError::NotLocal));
        assert_eq!(ip_route_input(&t, me, ip([224, 0, 0, 1]), 2), Err(InputError::Martian));
        assert_eq!(ip_route_input(&t, ip([127, 0, 0, 1]), peer, 2), Err(InputError::Martian));
        assert_eq!(ip_route_input(&t, ip([127, 0, 0, 1]), ip([127, 0, 0, 1]), 1), Ok(RTCF_LOCAL));
        assert_eq!(ip_route_input(&t, me, 0, 2), Err(InputError::Martian));
    }

    #[test]
    fn addr_types() {
        let t = devs();
        assert_eq!(inet_addr_type(&t, ip([10, 0, 0, 1])), RouteKind::Local);
        assert_eq!(inet_addr_type(&t, ip([127, 0, 0, 1])), RouteKind::Local, "lo is up");
        assert_eq!(inet_addr_type(&t, ip([10, 0, 0, 255])), RouteKind::Broadcast);
        assert_eq!(inet_addr_type(&t, u32::MAX), RouteKind::Broadcast);
        assert_eq!(inet_addr_type(&t, ip([0, 0, 0, 7])), RouteKind::Broadcast);
        assert_eq!(inet_addr_type(&t, ip([224, 0, 0, 1])), RouteKind::Multicast);
        assert_eq!(inet_addr_type(&t, ip([10, 0, 0, 7])), RouteKind::Unicast);
    }
}
