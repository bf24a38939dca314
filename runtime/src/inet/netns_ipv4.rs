//! `af_inet_ops` (net/ipv4/af_inet.c, Linux 6.0): the per-namespace IPv4
//! settings of `struct netns_ipv4` (include/net/netns/ipv4.h) that the
//! socket, ICMP and UDP paths read, with the defaults `inet_init_net` sets
//! and the validation of their sysctl handlers (net/ipv4/sysctl_net_ipv4.c).
//!
//! Linux spreads these defaults over several pernet `init`s; this model
//! sets all of them in [`inet_init_net`], and each field says where Linux
//! sets it: `inet_init_net` itself, `icmp_sk_init` (net/ipv4/icmp.c),
//! `udp_sysctl_init` (net/ipv4/udp.c), `devinet_init_net`
//! (net/ipv4/devinet.c), or nowhere (`struct net` is zero-allocated).
//!
//! Values are kept in the units /proc/sys shows. Setters take the integer
//! written to the sysctl (`i64`, so out-of-range writes can be expressed)
//! and fail with `EINVAL` where the handler does; on error nothing changes.
//! Sysctls whose handler accepts any value of the field's type are public
//! fields; `0..=1` sysctls (`SYSCTL_ZERO`..`SYSCTL_ONE`) are `bool`s.

use crate::errno::Errno;
use crate::netns::{Net, PernetSpec};

/// `IPDEFTTL` (include/uapi/linux/ip.h): the default TTL.
pub const IPDEFTTL: u8 = 64;
/// `PROT_SOCK` (include/net/sock.h): ports below it need
/// `CAP_NET_BIND_SERVICE`; default `ip_unprivileged_port_start`.
pub const PROT_SOCK: u16 = 1024;
/// `PAGE_SIZE` on x86_64: the default `udp_rmem_min` / `udp_wmem_min`.
pub const PAGE_SIZE: i32 = 4096;
/// `GID_T_MAX` (include/net/ping.h, Linux 6.0): `((gid_t)~0U) >> 1`, the
/// largest gid `ping_group_range` accepts (it goes through
/// `proc_dointvec_minmax`).
pub const GID_T_MAX: u32 = 0x7fff_ffff;
/// The `ping_group_range` no gid is in: `[1, 0]`.
pub const PING_GROUP_RANGE_NOBODY: (u32, u32) = (1, 0);
/// What `set_local_port_range` logs the first time it is given two ends of
/// the same parity (`pr_err_ratelimited`).
pub const LOCAL_PORT_PARITY_WARNING: &str = "ip_local_port_range: prefer different parity for start/end values.";

/// `struct netns_ipv4` (`net->ipv4`), the parts issue work needs: the
/// state of `af_inet_ops`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ipv4Net {
    /// `ip_local_ports.range`: sysctl `ip_local_port_range`.
    ip_local_ports: (u16, u16),
    /// `ip_local_ports.warned`.
    ip_local_ports_warned: bool,
    /// `ping_group_range.range` (kgids; the init user namespace's gids).
    ping_group_range: (u32, u32),
    /// `sysctl_ip_default_ttl`: sysctl `ip_default_ttl`.
    sysctl_ip_default_ttl: u8,
    /// `sysctl_ip_prot_sock`: sysctl `ip_unprivileged_port_start`.
    sysctl_ip_prot_sock: u16,
    /// `devconf_all->data[IPV4_DEVCONF_FORWARDING - 1]`: sysctls
    /// `ip_forward` and `conf/all/forwarding`.
    devconf_all_forwarding: i32,
    /// `devconf_dflt->data[IPV4_DEVCONF_FORWARDING - 1]`:
    /// `conf/default/forwarding`.
    devconf_dflt_forwarding: i32,
    /// `sysctl_icmp_ratelimit`, in milliseconds (Linux keeps jiffies and the
    /// sysctl converts): sysctl `icmp_ratelimit`.
    sysctl_icmp_ratelimit: i32,
    /// `sysctl_udp_rmem_min`: sysctl `udp_rmem_min`.
    sysctl_udp_rmem_min: i32,
    /// `sysctl_udp_wmem_min`: sysctl `udp_wmem_min`.
    sysctl_udp_wmem_min: i32,

    /// `sysctl_ip_dynaddr` (0, `inet_init_net`): rewrite the source address
    /// of unconnected sockets when the interface address changes.
    pub sysctl_ip_dynaddr: u8,
    /// `sysctl_ip_nonlocal_bind` (0, zeroed `struct net`): allow `bind()`
    /// to addresses that are not local.
    pub sysctl_ip_nonlocal_bind: u8,
    /// `sysctl_ip_fwd_use_pmtu` (0, zeroed): forwarding uses the path MTU.
    pub sysctl_ip_fwd_use_pmtu: u8,
    /// `sysctl_ip_no_pmtu_disc` (0, zeroed): 0 does path MTU discovery.
    pub sysctl_ip_no_pmtu_disc: u8,
    /// `sysctl_ip_fwd_update_priority` (1, `inet_init_net`; sysctl bounded
    /// 0..=1): forwarding updates `skb->priority` from the TOS.
    pub sysctl_ip_fwd_update_priority: bool,
    /// `sysctl_ip_early_demux` (1, `inet_init_net`).
    pub sysctl_ip_early_demux: u8,
    /// `sysctl_udp_early_demux` (1, `inet_init_net`).
    pub sysctl_udp_early_demux: u8,
    /// `sysctl_icmp_echo_ignore_all` (0, `icmp_sk_init`; 0..=1).
    pub sysctl_icmp_echo_ignore_all: bool,
    /// `sysctl_icmp_echo_enable_probe` (0, `icmp_sk_init`; 0..=1): RFC 8335
    /// PROBE.
    pub sysctl_icmp_echo_enable_probe: bool,
    /// `sysctl_icmp_echo_ignore_broadcasts` (1, `icmp_sk_init`; 0..=1).
    pub sysctl_icmp_echo_ignore_broadcasts: bool,
    /// `sysctl_icmp_ignore_bogus_error_responses` (1, `icmp_sk_init`; 0..=1).
    pub sysctl_icmp_ignore_bogus_error_responses: bool,
    /// `sysctl_icmp_errors_use_inbound_ifaddr` (0, `icmp_sk_init`; 0..=1).
    pub sysctl_icmp_errors_use_inbound_ifaddr: bool,
    /// `sysctl_icmp_ratemask` (0x1818, `icmp_sk_init`; `proc_dointvec`):
    /// bit N rate-limits ICMP type N; the default is dest unreachable (3),
    /// source quench (4), time exceeded (11), parameter problem (12).
    pub sysctl_icmp_ratemask: i32,
    /// The next IP identification of this namespace's datagrams (Linux:
    /// `ip_idents`, hashed per destination; here one counter).
    pub ip_id_next: u16,
    /// Path MTUs learned from ICMP fragmentation needed (Linux's
    /// `fib_nh_exception`s of the namespace's routes).
    pub rt_pmtu: super::route::PmtuExceptions,
}

impl Default for Ipv4Net {
    /// Linux 6.0's defaults for a new namespace (see [`inet_init_net`]).
    fn default() -> Self {
        Ipv4Net {
            ip_local_ports: (32768, 60999),
            ip_local_ports_warned: false,
            ping_group_range: PING_GROUP_RANGE_NOBODY,
            sysctl_ip_default_ttl: IPDEFTTL,
            sysctl_ip_prot_sock: PROT_SOCK,
            devconf_all_forwarding: 0,
            devconf_dflt_forwarding: 0,
            sysctl_icmp_ratelimit: 1000,
            sysctl_udp_rmem_min: PAGE_SIZE,
            sysctl_udp_wmem_min: PAGE_SIZE,
            sysctl_ip_dynaddr: 0,
            sysctl_ip_nonlocal_bind: 0,
            sysctl_ip_fwd_use_pmtu: 0,
            sysctl_ip_no_pmtu_disc: 0,
            sysctl_ip_fwd_update_priority: true,
            sysctl_ip_early_demux: 1,
            sysctl_udp_early_demux: 1,
            sysctl_icmp_echo_ignore_all: false,
            sysctl_icmp_echo_enable_probe: false,
            sysctl_icmp_echo_ignore_broadcasts: true,
            sysctl_icmp_ignore_bogus_error_responses: true,
            sysctl_icmp_errors_use_inbound_ifaddr: false,
            sysctl_icmp_ratemask: 0x1818,
            ip_id_next: 1,
            rt_pmtu: super::route::PmtuExceptions::default(),
        }
    }
}

/// `proc_do*vec_minmax`'s check: `v`, written to a sysctl bounded by
/// `min..=max`, as the field's type; `EINVAL` outside the bounds.
fn minmax<T: TryFrom<i64>>(v: i64, min: i64, max: i64) -> Result<T, Errno> {
    if !(min..=max).contains(&v) {
        return Err(Errno::EINVAL);
    }
    T::try_from(v).map_err(|_| Errno::EINVAL)
}

impl Ipv4Net {
    /// `inet_get_local_port_range(net, &low, &high)`: the ephemeral ports,
    /// both ends included. Default `(32768, 60999)` (`inet_init_net`).
    pub fn local_port_range(&self) -> (u16, u16) {
        self.ip_local_ports
    }

    /// `ip_local_ports.warned`: whether a same-parity range was set, for
    /// which Linux logs [`LOCAL_PORT_PARITY_WARNING`] once per namespace.
    pub fn local_ports_warned(&self) -> bool {
        self.ip_local_ports_warned
    }

    /// Writing `lo hi` to sysctl `ip_local_port_range`
    /// (`ipv4_local_port_range`): `EINVAL` unless `1 <= lo <= hi <= 65535`
    /// (`lo == hi` is allowed) and `lo >= ip_unprivileged_port_start`.
    /// `set_local_port_range` then stores it, noting the first range whose
    /// ends have the same parity ([`Ipv4Net::local_ports_warned`]).
    pub fn set_local_port_range(&mut self, lo: i64, hi: i64) -> Result<(), Errno> {
        let lo: u16 = minmax(lo, 1, 65535)?;
        let hi: u16 = minmax(hi, 1, 65535)?;
        if hi < lo || lo < self.sysctl_ip_prot_sock {
            return Err(Errno::EINVAL);
        }
        if (lo ^ hi) & 1 == 0 {
            self.ip_local_ports_warned = true;
        }
        self.ip_local_ports = (lo, hi);
        Ok(())
    }

    /// `sysctl_ip_prot_sock`: the first port an unprivileged `bind()` may
    /// use (sysctl `ip_unprivileged_port_start`, default [`PROT_SOCK`],
    /// `inet_init_net`).
    pub fn ip_prot_sock(&self) -> u16 {
        self.sysctl_ip_prot_sock
    }

    /// `inet_port_requires_bind_service(net, port)`: `port` is below
    /// `ip_unprivileged_port_start`.
    pub fn inet_port_requires_bind_service(&self, port: u16) -> bool {
        port < self.sysctl_ip_prot_sock
    }

    /// Writing sysctl `ip_unprivileged_port_start` (`ipv4_privileged_ports`):
    /// `EINVAL` outside `0..=65535` or above the low end of
    /// `ip_local_port_range`.
    pub fn set_ip_prot_sock(&mut self, port: i64) -> Result<(), Errno> {
        let port: u16 = minmax(port, 0, 65535)?;
        if self.ip_local_ports.0 < port {
            return Err(Errno::EINVAL);
        }
        self.sysctl_ip_prot_sock = port;
        Ok(())
    }

    /// `ping_group_range.range`: the gids allowed to create ICMP echo
    /// (`SOCK_DGRAM`, `IPPROTO_ICMP`) sockets. Default
    /// [`PING_GROUP_RANGE_NOBODY`] (`inet_init_net`).
    pub fn ping_group_range(&self) -> (u32, u32) {
        self.ping_group_range
    }

    /// Whether `gid` is in `ping_group_range` (the test `ping_init_sock`
    /// makes for each group of the caller).
    pub fn ping_group_contains(&self, gid: u32) -> bool {
        let (lo, hi) = self.ping_group_range;
        lo <= gid && gid <= hi
    }

    /// Writing `lo hi` to sysctl `ping_group_range`
    /// (`ipv4_ping_group_range`): `EINVAL` unless both are in
    /// `0..=GID_T_MAX`; `hi < lo` is accepted and stores
    /// [`PING_GROUP_RANGE_NOBODY`], as Linux does. Gids are taken as the
    /// init user namespace's (`make_kgid(current_user_ns(), ..)`).
    pub fn set_ping_group_range(&mut self, lo: i64, hi: i64) -> Result<(), Errno> {
        let lo: u32 = minmax(lo, 0, i64::from(GID_T_MAX))?;
        let hi: u32 = minmax(hi, 0, i64::from(GID_T_MAX))?;
        self.ping_group_range = if hi < lo { PING_GROUP_RANGE_NOBODY } else { (lo, hi) };
        Ok(())
    }

    /// `sysctl_ip_default_ttl`: the TTL of locally generated datagrams
    /// (sysctl `ip_default_ttl`, default [`IPDEFTTL`], `inet_init_net`).
    #[inline]
    pub fn default_ttl(&self) -> u8 {
        self.sysctl_ip_default_ttl
    }

    /// `ip_select_ident`: the next identification of this namespace's
    /// datagrams.
    #[inline]
    pub fn select_ident(&mut self) -> u16 {
        let id = self.ip_id_next;
        self.ip_id_next = id.wrapping_add(1);
        id
    }

    /// Writing sysctl `ip_default_ttl` (`proc_dou8vec_minmax`, `ip_ttl_min`
    /// 1 .. `ip_ttl_max` 255): `EINVAL` outside `1..=255`.
    pub fn set_default_ttl(&mut self, ttl: i64) -> Result<(), Errno> {
        self.sysctl_ip_default_ttl = minmax(ttl, 1, 255)?;
        Ok(())
    }

    /// `IPV4_DEVCONF_ALL(net, FORWARDING)` as written (sysctl `ip_forward`,
    /// default 0: `devinet_init_net` copies `ipv4_devconf`; a namespace other
    /// than `init_net` inherits `init_net`'s under the default
    /// `devconf_inherit_init_net`, which is not modelled).
    pub fn ip_forward(&self) -> i32 {
        self.devconf_all_forwarding
    }

    /// Whether the namespace forwards: `IPV4_DEVCONF_ALL(net, FORWARDING)`
    /// is non-zero. /proc/net/snmp prints `Forwarding` 1 if so, else 2.
    pub fn forwarding(&self) -> bool {
        self.devconf_all_forwarding != 0
    }

    /// `IPV4_DEVCONF_DFLT(net, FORWARDING)`: `conf/default/forwarding`.
    pub fn devconf_dflt_forwarding(&self) -> i32 {
        self.devconf_dflt_forwarding
    }

    /// Writing sysctl `ip_forward` (`devinet_sysctl_forward`,
    /// `proc_dointvec`): any `int` (`EINVAL` beyond `i32`). A change runs
    /// `inet_forward_change`, which copies the value to
    /// `conf/default/forwarding` (and, not modelled here, to every device
    /// and to `accept_redirects`).
    pub fn set_ip_forward(&mut self, val: i64) -> Result<(), Errno> {
        let val = i32::try_from(val).map_err(|_| Errno::EINVAL)?;
        if val != self.devconf_all_forwarding {
            self.devconf_all_forwarding = val;
            self.devconf_dflt_forwarding = val;
        }
        Ok(())
    }

    /// `sysctl_icmp_ratelimit` in milliseconds (sysctl `icmp_ratelimit`,
    /// default `1 * HZ` = 1000 ms, `icmp_sk_init`): the minimum gap between
    /// rate-limited ICMP messages to one peer.
    pub fn icmp_ratelimit_ms(&self) -> i32 {
        self.sysctl_icmp_ratelimit
    }

    /// Writing sysctl `icmp_ratelimit` (`proc_dointvec_ms_jiffies`):
    /// `EINVAL` if negative or if the jiffies would exceed `INT_MAX`
    /// (with HZ 1000: above `i32::MAX` ms).
    pub fn set_icmp_ratelimit_ms(&mut self, ms: i64) -> Result<(), Errno> {
        self.sysctl_icmp_ratelimit = minmax(ms, 0, i64::from(i32::MAX))?;
        Ok(())
    }

    /// `sysctl_udp_rmem_min` (sysctl `udp_rmem_min`, default `PAGE_SIZE`,
    /// `udp_sysctl_init`).
    pub fn udp_rmem_min(&self) -> i32 {
        self.sysctl_udp_rmem_min
    }

    /// `sysctl_udp_wmem_min` (sysctl `udp_wmem_min`, default `PAGE_SIZE`,
    /// `udp_sysctl_init`).
    pub fn udp_wmem_min(&self) -> i32 {
        self.sysctl_udp_wmem_min
    }

    /// Writing sysctl `udp_rmem_min` (`proc_dointvec_minmax`, `SYSCTL_ONE`
    /// .. `INT_MAX`): `EINVAL` below 1.
    pub fn set_udp_rmem_min(&mut self, v: i64) -> Result<(), Errno> {
        self.sysctl_udp_rmem_min = minmax(v, 1, i64::from(i32::MAX))?;
        Ok(())
    }

    /// Writing sysctl `udp_wmem_min`: as [`Ipv4Net::set_udp_rmem_min`].
    pub fn set_udp_wmem_min(&mut self, v: i64) -> Result<(), Errno> {
        self.sysctl_udp_wmem_min = minmax(v, 1, i64::from(i32::MAX))?;
        Ok(())
    }
}

/// `inet_init_net(net)` (`af_inet_ops.init`, net/ipv4/af_inet.c, Linux
/// 6.0): the local port range `32768..=60999`, `ping_group_range` `1 0`
/// (nobody may create ping sockets; boot scripts set a distro group), the
/// default TTL `IPDEFTTL`, `ip_dynaddr` 0, `ip_fwd_update_priority` 1, the
/// early-demux switches 1 and `ip_unprivileged_port_start` `PROT_SOCK`.
///
/// It also sets, here, what other `init`s set in Linux: the ICMP sysctls
/// of `icmp_sk_init`, `udp_{r,w}mem_min` of `udp_sysctl_init` and
/// forwarding off as `devinet_init_net` copies it from `ipv4_devconf`.
/// Cannot fail (Linux's cannot either). Nothing to undo on exit: Linux has
/// no `exit` for `af_inet_ops`.
pub fn inet_init_net<S: PernetSpec>(_net: &mut Net<S>) -> Result<Ipv4Net, Errno> {
    Ok(Ipv4Net::default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netns::NoPernet;

    fn fresh() -> Ipv4Net {
        let mut net = Net::<NoPernet>::alloc(1, 2);
        inet_init_net(&mut net).unwrap()
    }

    #[test]
    fn linux_defaults() {
        let n = fresh();
        assert_eq!(n.local_port_range(), (32768, 60999));
        assert!(!n.local_ports_warned());
        assert_eq!(n.ping_group_range(), (1, 0));
        assert!(!n.ping_group_contains(0) && !n.ping_group_contains(1));
        assert_eq!(n.default_ttl(), 64);
        assert_eq!(n.ip_prot_sock(), 1024);
        assert!(n.inet_port_requires_bind_service(1023));
        assert!(!n.inet_port_requires_bind_service(1024));
        assert_eq!((n.ip_forward(), n.forwarding(), n.devconf_dflt_forwarding()), (0, false, 0));
        assert_eq!(
            (n.sysctl_ip_dynaddr, n.sysctl_ip_nonlocal_bind, n.sysctl_ip_fwd_use_pmtu, n.sysctl_ip_no_pmtu_disc),
            (0, 0, 0, 0)
        );
        assert!(n.sysctl_ip_fwd_update_priority);
        assert_eq!((n.sysctl_ip_early_demux, n.sysctl_udp_early_demux), (1, 1));
        assert!(!n.sysctl_icmp_echo_ignore_all);
        assert!(!n.sysctl_icmp_echo_enable_probe);
        assert!(n.sysctl_icmp_echo_ignore_broadcasts);
        assert!(n.sysctl_icmp_ignore_bogus_error_responses);
        assert!(!n.sysctl_icmp_errors_use_inbound_ifaddr);
        assert_eq!(n.icmp_ratelimit_ms(), 1000);
        assert_eq!(n.sysctl_icmp_ratemask, 0x1818);
        assert_eq!(n.sysctl_icmp_ratemask, (1 << 3) | (1 << 4) | (1 << 11) | (1 << 12));
        assert_eq!((n.udp_rmem_min(), n.udp_wmem_min()), (4096, 4096));
        assert_eq!(n, Ipv4Net::default());
    }

    #[test]
    fn local_port_range_validation() {
        let mut n = fresh();
        assert_eq!(n.set_local_port_range(40000, 39999), Err(Errno::EINVAL));
        assert_eq!(n.set_local_port_range(0, 100), Err(Errno::EINVAL));
        assert_eq!(n.set_local_port_range(2000, 65536), Err(Errno::EINVAL));
        assert_eq!(n.set_local_port_range(-1, 5000), Err(Errno::EINVAL));
        // Below ip_unprivileged_port_start (1024).
        assert_eq!(n.set_local_port_range(1023, 5000), Err(Errno::EINVAL));
        assert_eq!(n.local_port_range(), (32768, 60999));
        assert!(!n.local_ports_warned());

        n.set_local_port_range(1024, 65535).unwrap();
        assert_eq!(n.local_port_range(), (1024, 65535));
        assert!(!n.local_ports_warned());
        // lo == hi is allowed (Linux only rejects hi < lo); same parity warns.
        n.set_local_port_range(5000, 5000).unwrap();
        assert_eq!(n.local_port_range(), (5000, 5000));
        assert!(n.local_ports_warned());
    }

    #[test]
    fn prot_sock_and_port_range_stay_apart() {
        let mut n = fresh();
        n.set_ip_prot_sock(0).unwrap();
        assert!(!n.inet_port_requires_bind_service(0));
        n.set_local_port_range(1, 2).unwrap();
        assert_eq!(n.set_ip_prot_sock(2), Err(Errno::EINVAL));
        n.set_ip_prot_sock(1).unwrap();
        assert_eq!(n.set_ip_prot_sock(65536), Err(Errno::EINVAL));
        assert_eq!(n.set_ip_prot_sock(-1), Err(Errno::EINVAL));
        assert_eq!(n.ip_prot_sock(), 1);
        let mut n = fresh();
        assert_eq!(n.set_ip_prot_sock(32769), Err(Errno::EINVAL));
        n.set_ip_prot_sock(32768).unwrap();
        assert_eq!(n.set_local_port_range(32767, 60999), Err(Errno::EINVAL));
    }

    #[test]
    fn ping_group_range_validation() {
        let mut n = fresh();
        n.set_ping_group_range(0, 2147483647).unwrap();
        assert_eq!(n.ping_group_range(), (0, GID_T_MAX));
        assert!(n.ping_group_contains(0) && n.ping_group_contains(100));
        assert_eq!(n.set_ping_group_range(0, 2147483648), Err(Errno::EINVAL));
        assert_eq!(n.set_ping_group_range(-1, 10), Err(Errno::EINVAL));
        assert_eq!(n.ping_group_range(), (0, GID_T_MAX));
        // A reversed range is accepted and means nobody.
        n.set_ping_group_range(100, 10).unwrap();
        assert_eq!(n.ping_group_range(), PING_GROUP_RANGE_NOBODY);
        n.set_ping_group_range(100, 100).unwrap();
        assert!(n.ping_group_contains(100) && !n.ping_group_contains(101));
    }

    #[test]
    fn default_ttl_validation() {
        let mut n = fresh();
        for bad in [0, 256, -1, i64::MAX, i64::MIN] {
            assert_eq!(n.set_default_ttl(bad), Err(Errno::EINVAL), "{bad}");
        }
        assert_eq!(n.default_ttl(), 64);
        n.set_default_ttl(1).unwrap();
        assert_eq!(n.default_ttl(), 1);
        n.set_default_ttl(255).unwrap();
        assert_eq!(n.default_ttl(), 255);
    }

    #[test]
    fn ip_forward_copies_to_default() {
        let mut n = fresh();
        n.set_ip_forward(1).unwrap();
        assert!(n.forwarding());
        assert_eq!((n.ip_forward(), n.devconf_dflt_forwarding()), (1, 1));
        n.set_ip_forward(5).unwrap();
        assert_eq!((n.ip_forward(), n.devconf_dflt_forwarding()), (5, 5));
        assert_eq!(n.set_ip_forward(i64::from(i32::MAX) + 1), Err(Errno::EINVAL));
        n.set_ip_forward(0).unwrap();
        assert!(!n.forwarding());
        assert_eq!(n.devconf_dflt_forwarding(), 0);
    }

    #[test]
    fn icmp_ratelimit_and_udp_mem_validation() {
        let mut n = fresh();
        assert_eq!(n.set_icmp_ratelimit_ms(-1), Err(Errno::EINVAL));
        assert_eq!(n.set_icmp_ratelimit_ms(i64::from(i32::MAX) + 1), Err(Errno::EINVAL));
        n.set_icmp_ratelimit_ms(0).unwrap();
        assert_eq!(n.icmp_ratelimit_ms(), 0);
        assert_eq!(n.set_udp_rmem_min(0), Err(Errno::EINVAL));
        assert_eq!(n.set_udp_wmem_min(-4096), Err(Errno::EINVAL));
        assert_eq!(n.set_udp_wmem_min(i64::from(i32::MAX) + 1), Err(Errno::EINVAL));
        n.set_udp_rmem_min(1).unwrap();
        n.set_udp_wmem_min(8192).unwrap();
        assert_eq!((n.udp_rmem_min(), n.udp_wmem_min()), (1, 8192));
    }
}
