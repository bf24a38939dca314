//! The one table of the stack's dispatch methods.
//!
//! Linux declares `struct proto_ops`, `struct proto`, `struct
//! net_proto_family`, `struct net_protocol` and `struct packet_type` once,
//! in C headers, and every user of a vtable reads that declaration. Here
//! [`vtables!`] is that declaration: each method with its parameters, its
//! return type and what an entry that leaves it out does. Everything else
//! is derived from it:
//!
//! * the runtime's dispatch trait (`netgen_runtime::tables::ProtoSpec`),
//!   the run-time vtable struct (`DynProtoOps`), the method-presence sets
//!   (`ProtoMethods`, `ProtoOpsMethods`), the handler types (`PacketRcvFn`,
//!   ...) and Linux's `sock_no_*` / NULL-method defaults;
//! * netgen's method list (`netgen::vtable`), from which the analyzer takes
//!   the field names a spec section may give and the emitter writes the
//!   generated `match`es.
//!
//! [`netfilter`] holds the other names both sides need: Linux's netfilter
//! hook points, protocol families and named priorities, which the spec's
//! `nf_hook` sections write and the runtime's hook lists use.
//!
//! The crate has no dependencies and no code of its own: netgen must not
//! depend on the runtime, and the runtime must not depend on netgen, so the
//! table sits below both.
#![forbid(unsafe_code)]
#![no_std]

/// Calls `$then! { $($pre)* <the table> }`.
///
/// The table is a list of vtables:
///
/// ```text
/// /// docs
/// table_name(index) {
///     /// docs
///     field => trait_method(param: Type, ..) -> Ret = what_if_missing;
///     field => trait_method(param: Type, ..) = what_if_missing; // returns ()
///     ..
/// }
/// ```
///
/// `table_name` is the spec section (`proto_ops`); `index` names the
/// entry-index parameter of the trait methods. Every method also takes the
/// context (`cx: &mut NetCx<'_, S>`) first; it is not written here, and no
/// type here names the spec, so one list serves a trait (where the spec is
/// `Self`) and a struct of function pointers (where it is `S`). Types are
/// written as the runtime's `tables` module imports them.
///
/// What an entry without the method does, after `=`:
/// * `required`: the spec must give it (netgen reports its absence);
/// * `value(expr)`: the dispatch evaluates to `expr`;
/// * `default(name { body })`: the dispatch calls the runtime function
///   `name`, which the runtime defines from this entry with `body`
///   (Linux's `sock_no_*`, or `sk_prot_no_*` for a NULL `struct proto`
///   method, which Linux's callers skip).
#[macro_export]
macro_rules! vtables {
    ($then:ident { $($pre:tt)* }) => {
        $then! {
            $($pre)*

            /// `struct net_proto_family` (include/linux/net.h).
            family(i) {
                /// `create(net, sock, protocol, kern)`: fills in socket `fd`,
                /// already in the namespace's table, with its `ops` and
                /// `prot` (`inet_create`, `packet_create`).
                create => family_create(fd: Fd, protocol: i32, kern: bool) -> Result<(), Errno> = required;
            }

            /// `struct packet_type` (include/linux/netdevice.h).
            packet_type(i) {
                /// `func(skb, dev, pt, orig_dev)`: `skb->data` at the network
                /// header, `skb->protocol` set (`ip_rcv`, `arp_rcv`).
                func => packet_type_rcv(skb: SkBuff) -> NetRx = required;
                /// `list_func(head, pt, orig_dev)` (Linux 4.18+): a batch of
                /// frames of this type from one NAPI poll, in arrival order
                /// (`ip_list_rcv`). It takes the frames it handles out of
                /// `skbs`; those left are handed to `func` one by one, which is
                /// all an entry without it gets (Linux: `list_func` NULL).
                list_func => packet_type_list_rcv(skbs: &mut Vec<SkBuff>) = value({});
            }

            /// `struct net_protocol` (include/net/protocol.h).
            inet_protocol(i) {
                /// `handler(skb)`: `skb->data` at the transport header
                /// (`udp_rcv`, `icmp_rcv`).
                handler => inet_protocol_rcv(skb: SkBuff) -> NetRx = required;
                /// `err_handler(skb, info)`: an ICMP error about a packet this
                /// protocol sent; `skb` holds the quoted IP header, `info` is
                /// `(type << 8) | code`. None: nothing to do.
                err_handler => inet_protocol_err(skb: &SkBuff, info: u32) -> Result<(), Errno> = value(Ok(()));
            }

            /// `struct proto_ops` (include/linux/net.h), in Linux's field
            /// order. A method an entry leaves out is Linux's `sock_no_*`.
            proto_ops(ops) {
                /// `release(sock)`.
                release => ops_release(fd: Fd) -> Result<(), Errno> = required;
                /// `bind(sock, uaddr, addr_len)`.
                bind => ops_bind(fd: Fd, addr: &SockAddr) -> Result<(), Errno>
                    = default(sock_no_bind { Err(Errno::EOPNOTSUPP) });
                /// `connect(sock, uaddr, addr_len, flags)`.
                connect => ops_connect(fd: Fd, addr: &SockAddr, flags: i32) -> Result<(), Errno>
                    = default(sock_no_connect { Err(Errno::EOPNOTSUPP) });
                /// `accept(sock, newsock, arg)`: the new socket's descriptor.
                accept => ops_accept(fd: Fd, flags: i32) -> Result<Fd, Errno>
                    = default(sock_no_accept { Err(Errno::EOPNOTSUPP) });
                /// `getname(sock, uaddr, peer)`.
                getname => ops_getname(fd: Fd, peer: bool) -> Result<SockAddr, Errno>
                    = default(sock_no_getname { Err(Errno::EOPNOTSUPP) });
                /// `poll(file, sock, wait)`: the event mask. `sock_no_poll`
                /// reports no events (Linux's returns 0).
                poll => ops_poll(fd: Fd) -> Result<u32, Errno>
                    = default(sock_no_poll { Ok(0) });
                /// `ioctl(sock, cmd, arg)`.
                ioctl => ops_ioctl(fd: Fd, cmd: u32, arg: u64) -> Result<i64, Errno>
                    = default(sock_no_ioctl { Err(Errno::EOPNOTSUPP) });
                /// `listen(sock, backlog)`.
                listen => ops_listen(fd: Fd, backlog: i32) -> Result<(), Errno>
                    = default(sock_no_listen { Err(Errno::EOPNOTSUPP) });
                /// `shutdown(sock, how)`.
                shutdown => ops_shutdown(fd: Fd, how: i32) -> Result<(), Errno>
                    = default(sock_no_shutdown { Err(Errno::EOPNOTSUPP) });
                /// `setsockopt(sock, level, optname, optval, optlen)`.
                setsockopt => ops_setsockopt(fd: Fd, level: i32, name: i32, val: &[u8]) -> Result<(), Errno>
                    = default(sock_no_setsockopt { Err(Errno::EOPNOTSUPP) });
                /// `getsockopt(sock, level, optname, optval, optlen)`: bytes
                /// written.
                getsockopt => ops_getsockopt(fd: Fd, level: i32, name: i32, val: &mut [u8]) -> Result<usize, Errno>
                    = default(sock_no_getsockopt { Err(Errno::EOPNOTSUPP) });
                /// `sendmsg(sock, msg, len)`: bytes sent.
                sendmsg => ops_sendmsg(fd: Fd, msg: &[u8], to: Option<&SockAddr>, flags: i32) -> Result<usize, Errno>
                    = default(sock_no_sendmsg { Err(Errno::EOPNOTSUPP) });
                /// `recvmsg(sock, msg, len, flags)`: bytes and source.
                recvmsg => ops_recvmsg(fd: Fd, buf: &mut [u8], flags: i32) -> Result<(usize, Option<SockAddr>), Errno>
                    = default(sock_no_recvmsg { Err(Errno::EOPNOTSUPP) });
            }

            /// `struct proto` (include/net/sock.h), in Linux's field order.
            /// A method an entry leaves out is NULL in Linux, and callers
            /// check for NULL where Linux does (`ProtoMethods`); called
            /// anyway, the housekeeping methods do nothing and the others
            /// are `EOPNOTSUPP`.
            proto(prot) {
                /// `init(sk)`.
                init => prot_init(fd: Fd) -> Result<(), Errno>
                    = default(sk_prot_no_init { Ok(()) });
                /// `close(sk, timeout)`.
                close => prot_close(fd: Fd)
                    = default(sk_prot_no_close {});
                /// `destroy(sk)`.
                destroy => prot_destroy(fd: Fd)
                    = default(sk_prot_no_destroy {});
                /// `bind(sk, uaddr, addr_len)`: without it `inet_bind` takes
                /// its generic path.
                bind => prot_bind(fd: Fd, addr: &SockAddr) -> Result<(), Errno>
                    = default(sk_prot_no_bind { Err(Errno::EOPNOTSUPP) });
                /// `connect(sk, uaddr, addr_len)`.
                connect => prot_connect(fd: Fd, addr: &SockAddr) -> Result<(), Errno>
                    = default(sk_prot_no_connect { Err(Errno::EOPNOTSUPP) });
                /// `disconnect(sk, flags)`.
                disconnect => prot_disconnect(fd: Fd, flags: i32) -> Result<(), Errno>
                    = default(sk_prot_no_disconnect { Err(Errno::EOPNOTSUPP) });
                /// `sendmsg(sk, msg, len)`.
                sendmsg => prot_sendmsg(fd: Fd, msg: &[u8], to: Option<&SockAddr>, flags: i32) -> Result<usize, Errno>
                    = default(sk_prot_no_sendmsg { Err(Errno::EOPNOTSUPP) });
                /// `recvmsg(sk, msg, len, flags, addr_len)`.
                recvmsg => prot_recvmsg(fd: Fd, buf: &mut [u8], flags: i32) -> Result<(usize, Option<SockAddr>), Errno>
                    = default(sk_prot_no_recvmsg { Err(Errno::EOPNOTSUPP) });
                /// `hash(sk)`.
                hash => prot_hash(fd: Fd) -> Result<(), Errno>
                    = default(sk_prot_no_hash { Ok(()) });
                /// `unhash(sk)`.
                unhash => prot_unhash(fd: Fd)
                    = default(sk_prot_no_unhash {});
                /// `get_port(sk, snum)`: no port space, `EOPNOTSUPP`.
                get_port => prot_get_port(fd: Fd, snum: u16) -> Result<(), Errno>
                    = default(sk_prot_no_get_port { Err(Errno::EOPNOTSUPP) });
            }

            /// `struct nf_hook_ops` (include/linux/netfilter.h): a netfilter
            /// hook at one point of one protocol family, at a priority.
            nf_hook(i) {
                /// `hook(priv, skb, state)` (`nf_hookfn`): the verdict on the
                /// packet at `state.hook`. The skb goes back with
                /// `NfVerdict::Accept` (and `Repeat`, `Stop`, `Queue`); the
                /// hook keeps it with `Stolen` and frees it with `Drop`.
                hook => nf_hookfn(skb: SkBuff, state: &NfHookState) -> NfVerdict = required;
            }
        }
    };
}

pub mod netfilter {
    //! The names of Linux's netfilter constants, once for netgen (which
    //! reads them in `nf_hook` sections) and the runtime (which defines its
    //! constants from them).

    /// `const NAME: i32 = value;` for each, and the list of them.
    macro_rules! named {
        ($(#[$m:meta])* $list:ident: $ty:ty { $($(#[$d:meta])* $name:ident = $value:expr,)* }) => {
            $($(#[$d])* pub const $name: $ty = $value;)*
            $(#[$m])*
            pub const $list: &[(&str, $ty)] = &[$((stringify!($name), $name)),*];
        };
    }

    named! {
        /// `enum nf_inet_hooks` (include/uapi/linux/netfilter.h): the hook
        /// points of the IPv4 (and IPv6) path, by number.
        NF_INET_HOOKS: u8 {
            /// After `ip_rcv`'s checks, before routing (`ip_rcv`).
            NF_INET_PRE_ROUTING = 0,
            /// For this host, before the protocol handler (`ip_local_deliver`).
            NF_INET_LOCAL_IN = 1,
            /// Routed through this host (`ip_forward`).
            NF_INET_FORWARD = 2,
            /// Locally generated, before routing decisions are final (`__ip_local_out`).
            NF_INET_LOCAL_OUT = 3,
            /// About to leave by a device (`ip_output`).
            NF_INET_POST_ROUTING = 4,
        }
    }

    /// `NF_INET_NUMHOOKS`.
    pub const NF_INET_NUMHOOKS: usize = NF_INET_HOOKS.len();

    named! {
        /// The protocol families of `nf_hook_ops.pf` (`NFPROTO_*`,
        /// include/uapi/linux/netfilter.h).
        NFPROTOS: u8 {
            NFPROTO_INET = 1,
            NFPROTO_IPV4 = 2,
            NFPROTO_ARP = 3,
            NFPROTO_NETDEV = 5,
            NFPROTO_BRIDGE = 7,
            NFPROTO_IPV6 = 10,
        }
    }

    named! {
        /// `enum nf_ip_hook_priorities` (include/uapi/linux/netfilter_ipv4.h,
        /// Linux 6.0): lower runs first.
        NF_IP_PRIORITIES: i32 {
            NF_IP_PRI_FIRST = i32::MIN,
            NF_IP_PRI_RAW_BEFORE_DEFRAG = -450,
            NF_IP_PRI_CONNTRACK_DEFRAG = -400,
            NF_IP_PRI_RAW = -300,
            NF_IP_PRI_SELINUX_FIRST = -225,
            NF_IP_PRI_CONNTRACK = -200,
            NF_IP_PRI_MANGLE = -150,
            NF_IP_PRI_NAT_DST = -100,
            NF_IP_PRI_FILTER = 0,
            NF_IP_PRI_SECURITY = 50,
            NF_IP_PRI_NAT_SRC = 100,
            NF_IP_PRI_SELINUX_LAST = 225,
            NF_IP_PRI_CONNTRACK_HELPER = 300,
            NF_IP_PRI_CONNTRACK_CONFIRM = i32::MAX,
            NF_IP_PRI_LAST = i32::MAX,
        }
    }
}
