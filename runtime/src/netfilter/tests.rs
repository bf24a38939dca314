//! Netfilter on the test spec's stack: hook order (`nf_hook_entries_grow`),
//! the verdicts of `nf_hook_slow`, hooks per namespace, registration while
//! packets flow, and the spec's `udp_filter` example.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use super::*;
use crate::errno::Errno;
use crate::inet::mib::{ExtMib, IpMib, UdpMib};
use crate::netns::NetRef;
use crate::skbuff::SkBuff;
use crate::socket::syscalls::{sys_bind, sys_sendto, sys_socket};
use crate::socket::{PF_INET, SOCK_DGRAM};
use crate::stack_tests::{external, mib, recv, sa, udp_frame, Cx, IP_A, IP_B, MAC_B};
use crate::tables::{Entry, EntryId, NetRx};
use crate::testspec::{boot, tables as spec_tables, Stack, TestSpec};

type Ops = NfHookOps<TestSpec>;

thread_local! {
    /// The hooks that ran on this thread, in order.
    static RAN: RefCell<Vec<&'static str>> = const { RefCell::new(Vec::new()) };
    /// What `verdict_hook` answers, front first; `Accept` when empty.
    static VERDICTS: RefCell<Vec<Kind>> = const { RefCell::new(Vec::new()) };
    /// What `verdict_hook` stole.
    static STOLEN: RefCell<Vec<SkBuff>> = const { RefCell::new(Vec::new()) };
}

fn ran() -> Vec<&'static str> {
    RAN.with(|r| std::mem::take(&mut *r.borrow_mut()))
}

macro_rules! accepting_hooks {
    ($($name:ident),*) => {$(
        fn $name(_: &mut Cx<'_>, skb: SkBuff, _: &NfHookState) -> NfVerdict {
            RAN.with(|r| r.borrow_mut().push(stringify!($name)));
            NfVerdict::Accept(skb)
        }
    )*};
}
accepting_hooks!(first, second, third, fourth);

/// A verdict, without the skb it carries.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Drop(Errno),
    Stolen,
    Repeat,
    Stop,
    Queue { bypass: bool },
}

fn verdict_hook(_: &mut Cx<'_>, skb: SkBuff, _: &NfHookState) -> NfVerdict {
    RAN.with(|r| r.borrow_mut().push("verdict"));
    let next = VERDICTS.with(|v| {
        let mut v = v.borrow_mut();
        (!v.is_empty()).then(|| v.remove(0))
    });
    match next {
        None => NfVerdict::Accept(skb),
        Some(Kind::Drop(e)) => NfVerdict::Drop(e),
        Some(Kind::Stolen) => {
            STOLEN.with(|s| s.borrow_mut().push(skb));
            NfVerdict::Stolen
        }
        Some(Kind::Repeat) => NfVerdict::Repeat(skb),
        Some(Kind::Stop) => NfVerdict::Stop(skb),
        Some(Kind::Queue { bypass }) => NfVerdict::Queue { skb, num: 0, bypass },
    }
}

fn repeat_forever(_: &mut Cx<'_>, skb: SkBuff, _: &NfHookState) -> NfVerdict {
    RAN.with(|r| r.borrow_mut().push("repeat_forever"));
    NfVerdict::Repeat(skb)
}

fn verdicts(v: &[Kind]) {
    VERDICTS.with(|q| *q.borrow_mut() = v.to_vec());
}

fn register(st: &Stack, net: &NetRef<TestSpec>, reg: Ops) -> EntryId {
    st.cx(net, |cx| nf_register_net_hook(cx.net, reg)).unwrap()
}

/// A namespace with eth0 (10.0.0.2) and a UDP socket bound to port 7.
fn listening() -> (Stack, NetRef<TestSpec>, crate::dev::ExternalDev, i32) {
    let (st, net, ext) = external();
    let fd = st.cx(&net, |cx| {
        let fd = sys_socket(cx, PF_INET.into(), SOCK_DGRAM.into(), 0).unwrap();
        sys_bind(cx, fd, &sa(std::net::Ipv4Addr::UNSPECIFIED, 7)).unwrap();
        fd
    });
    (st, net, ext, fd)
}

/// Feeds a datagram to port `port` and runs the receive path.
fn datagram(st: &Stack, net: &NetRef<TestSpec>, ext: &crate::dev::ExternalDev, port: u16) {
    assert_eq!(ext.netif_rx_frame(&udp_frame(MAC_B, IP_A, IP_B, port, b"payload")), NetRx::Success);
    st.settle(&[net]);
}

/// Every received frame's end, summed: the outcome accounting the stack
/// promises (one per frame).
fn outcomes(cx: &Cx<'_>) -> (u64, u64) {
    let o = cx.state::<crate::inet::mib::Ipv4Mib>().unwrap().rx_outcomes();
    (o.dropped, o.taken)
}

fn delivered(cx: &Cx<'_>) -> u64 {
    mib(cx, UdpMib::InDatagrams)
}

#[test]
fn hooks_run_in_priority_order_whatever_the_registration_order() {
    let (st, net, ext, fd) = listening();
    let at = |name, f, priority| Ops::dynamic(name, NfInetHook::PreRouting, priority, f);
    let third = register(&st, &net, at("third", third, 100));
    let first_ = register(&st, &net, at("first", first, -100));
    let second = at("second", second, 0);
    register(&st, &net, second);
    datagram(&st, &net, &ext, 7);
    assert_eq!(ran(), ["first", "second", "third"], "nf_hook_slow runs hooks[0..n] in priority order");
    st.cx(&net, |cx| {
        let nf = cx.state::<NetNf<TestSpec>>().unwrap();
        let ids: Vec<EntryId> = nf.hooks(NfInetHook::PreRouting).iter().map(NfHookOps::id).collect();
        assert_eq!(ids, [first_, second.id(), third]);
        assert_eq!(recv(cx, fd).unwrap().0, b"payload");
        // Unregistering the middle one keeps the others' order.
        nf_unregister_net_hook(cx.net, &second).unwrap();
        assert_eq!(nf_unregister_net_hook(cx.net, &second), Err(Errno::ENOENT), "by identity, once");
    });
    datagram(&st, &net, &ext, 7);
    assert_eq!(ran(), ["first", "third"]);
}

/// `nf_hook_entries_grow` (Linux 4.14+, 6.0): `if (inserted ||
/// reg->priority > orig_ops[i]->priority)` copies the old hook, so a new
/// hook goes before the first whose priority is not lower: among equal
/// priorities the order is the registration order, newest first (Linux
/// 4.13's list-based `nf_register_net_hook` put it after them).
#[test]
fn equal_priorities_run_newest_first_as_nf_hook_entries_grow_inserts() {
    let (st, net, ext, _) = listening();
    for (name, f) in [("first", first as crate::tables::NfHookFn<TestSpec>), ("second", second), ("third", third)] {
        register(&st, &net, Ops::dynamic(name, NfInetHook::PreRouting, 5, f));
    }
    register(&st, &net, Ops::dynamic("fourth", NfInetHook::PreRouting, 6, fourth));
    datagram(&st, &net, &ext, 7);
    assert_eq!(ran(), ["third", "second", "first", "fourth"]);
    // The spec's `udp_filter` (LOCAL_IN, NF_IP_PRI_FILTER) was registered
    // when the namespace was made: a run-time hook of the same priority
    // goes before it.
    let mine = register(&st, &net, Ops::dynamic("first", NfInetHook::LocalIn, super::NF_IP_PRI_FILTER, first));
    st.cx(&net, |cx| {
        let nf = cx.state::<NetNf<TestSpec>>().unwrap();
        let ids: Vec<EntryId> = nf.hooks(NfInetHook::LocalIn).iter().map(NfHookOps::id).collect();
        assert_eq!(ids, [mine, EntryId::Spec(spec_tables::nf_hooks::UDP_FILTER)]);
    });
}

#[test]
fn drop_stops_delivery_and_is_counted_once() {
    let (st, net, ext, fd) = listening();
    register(&st, &net, Ops::dynamic("verdict", NfInetHook::LocalIn, -50, verdict_hook));
    register(&st, &net, Ops::dynamic("second", NfInetHook::LocalIn, 50, second));
    let before = st.cx(&net, |cx| (outcomes(cx), delivered(cx)));
    verdicts(&[Kind::Drop(Errno::EPERM)]);
    datagram(&st, &net, &ext, 7);
    assert_eq!(ran(), ["verdict"], "no hook after a drop");
    st.cx(&net, |cx| {
        assert_eq!(recv(cx, fd), Err(Errno::EAGAIN));
        assert_eq!(mib(cx, ExtMib::NfDrops), 1);
        let (dropped, taken) = outcomes(cx);
        assert_eq!((dropped - before.0 .0, taken - before.0 .1), (1, 0), "one end: a drop");
        assert_eq!(delivered(cx), before.1);
    });
    // ACCEPT goes on to the next hook, then to the socket.
    datagram(&st, &net, &ext, 7);
    assert_eq!(ran(), ["verdict", "second"]);
    st.cx(&net, |cx| assert_eq!(recv(cx, fd).unwrap().0, b"payload"));
}

#[test]
fn stolen_is_not_a_drop() {
    let (st, net, ext, fd) = listening();
    register(&st, &net, Ops::dynamic("verdict", NfInetHook::PreRouting, 0, verdict_hook));
    register(&st, &net, Ops::dynamic("second", NfInetHook::PreRouting, 1, second));
    let before = st.cx(&net, |cx| outcomes(cx));
    verdicts(&[Kind::Stolen]);
    datagram(&st, &net, &ext, 7);
    assert_eq!(ran(), ["verdict"]);
    assert_eq!(STOLEN.with(|s| s.borrow().len()), 1, "the hook owns the packet");
    st.cx(&net, |cx| {
        assert_eq!(recv(cx, fd), Err(Errno::EAGAIN));
        assert_eq!((mib(cx, ExtMib::NfDrops), mib(cx, ExtMib::NfStolen)), (0, 1));
        let after = outcomes(cx);
        assert_eq!((after.0 - before.0, after.1 - before.1), (0, 1), "one end: taken");
    });
}

#[test]
fn repeat_calls_the_same_hook_again_a_bounded_number_of_times() {
    let (st, net, ext, fd) = listening();
    register(&st, &net, Ops::dynamic("verdict", NfInetHook::LocalIn, 0, verdict_hook));
    register(&st, &net, Ops::dynamic("second", NfInetHook::LocalIn, 1, second));
    verdicts(&[Kind::Repeat, Kind::Repeat]);
    datagram(&st, &net, &ext, 7);
    assert_eq!(ran(), ["verdict", "verdict", "verdict", "second"]);
    st.cx(&net, |cx| assert_eq!(recv(cx, fd).unwrap().0, b"payload"));

    let (st, net, ext, fd) = listening();
    register(&st, &net, Ops::dynamic("repeat_forever", NfInetHook::PreRouting, 0, repeat_forever));
    datagram(&st, &net, &ext, 7);
    assert_eq!(ran().len(), NF_MAX_REPEATS as usize + 1, "the first call and NF_MAX_REPEATS repeats");
    st.cx(&net, |cx| {
        assert_eq!(recv(cx, fd), Err(Errno::EAGAIN));
        assert_eq!(mib(cx, ExtMib::NfDrops), 1, "then dropped, and counted");
    });
}

#[test]
fn stop_accepts_without_the_rest_and_queue_has_no_queue() {
    let (st, net, ext, fd) = listening();
    register(&st, &net, Ops::dynamic("verdict", NfInetHook::LocalIn, 0, verdict_hook));
    register(&st, &net, Ops::dynamic("second", NfInetHook::LocalIn, 1, second));
    verdicts(&[Kind::Stop]);
    datagram(&st, &net, &ext, 7);
    assert_eq!(ran(), ["verdict"]);
    st.cx(&net, |cx| assert_eq!(recv(cx, fd).unwrap().0, b"payload"));
    // NF_QUEUE with the bypass flag goes on; without it, no queue: dropped.
    verdicts(&[Kind::Queue { bypass: true }]);
    datagram(&st, &net, &ext, 7);
    assert_eq!(ran(), ["verdict", "second"]);
    st.cx(&net, |cx| assert_eq!(recv(cx, fd).unwrap().0, b"payload"));
    verdicts(&[Kind::Queue { bypass: false }]);
    datagram(&st, &net, &ext, 7);
    assert_eq!(ran(), ["verdict"]);
    st.cx(&net, |cx| {
        assert_eq!(recv(cx, fd), Err(Errno::EAGAIN));
        assert_eq!(mib(cx, ExtMib::NfDrops), 1);
    });
}

#[test]
fn output_hooks_drop_with_their_errno_and_steal_silently() {
    let (st, net, ext, _) = listening();
    register(&st, &net, Ops::dynamic("verdict", NfInetHook::LocalOut, 0, verdict_hook));
    register(&st, &net, Ops::dynamic("second", NfInetHook::PostRouting, 0, second));
    let send = |cx: &mut Cx<'_>| {
        let fd = sys_socket(cx, PF_INET.into(), SOCK_DGRAM.into(), 0).unwrap();
        let r = sys_sendto(cx, fd, b"out", Some(&sa(IP_A, 9)), 0);
        crate::socket::syscalls::sys_close(cx, fd).unwrap();
        r
    };
    st.cx(&net, |cx| {
        let neigh = cx.state_mut::<crate::inet::arp::NeighTable>().unwrap();
        neigh.neigh_add(ext.ifindex, u32::from(IP_A), [2, 0, 0, 0, 0, 0xa], crate::inet::arp::NUD_PERMANENT).unwrap();
    });
    verdicts(&[Kind::Drop(Errno::EPERM)]);
    st.cx(&net, |cx| {
        assert_eq!(send(cx), Err(Errno::EPERM), "NF_DROP: nf_hook_slow's -EPERM");
        assert_eq!(mib(cx, IpMib::OutDiscards), 1, "ip_send_skb counts it");
    });
    verdicts(&[Kind::Drop(Errno::EACCES)]);
    st.cx(&net, |cx| assert_eq!(send(cx), Err(Errno::EACCES), "NF_DROP_ERR(-EACCES)"));
    assert_eq!(ran(), ["verdict", "verdict"], "POST_ROUTING never reached");
    assert!(ext.drain_tx().is_empty());
    st.cx(&net, |cx| assert_eq!(send(cx), Ok(3)));
    assert_eq!(ran(), ["verdict", "second"]);
    assert_eq!(ext.drain_tx().len(), 1);
    verdicts(&[Kind::Stolen]);
    st.cx(&net, |cx| assert_eq!(send(cx), Ok(3), "stolen: sent, as far as the sender knows"));
    assert!(ext.drain_tx().is_empty());
}

#[test]
fn a_hook_sees_only_its_own_namespace() {
    let (st, net, ext, fd) = listening();
    let other = st.ns.copy_net_ns().unwrap();
    register(&st, &other, Ops::dynamic("first", NfInetHook::LocalIn, 0, first));
    datagram(&st, &net, &ext, 7);
    assert_eq!(ran(), Vec::<&str>::new(), "the other namespace's hook does not see this one's packets");
    st.cx(&net, |cx| assert_eq!(recv(cx, fd).unwrap().0, b"payload"));
    st.cx(&other, |cx| assert!(nf_hooks_needed(cx).at(NfInetHook::LocalIn)));
    st.cx(&net, |cx| {
        let nf = cx.state::<NetNf<TestSpec>>().unwrap();
        assert_eq!(nf.len(), spec_tables::NF_HOOKS.len(), "only the spec's hooks");
    });
}

#[test]
fn a_namespace_takes_its_hooks_with_it() {
    let st = boot();
    st.ns.set_tracing(true);
    let net = st.ns.copy_net_ns().unwrap();
    let cookie = net.cookie();
    let mine = Ops::dynamic("first", NfInetHook::LocalIn, 0, first);
    register(&st, &net, mine);
    st.cx(&net, |cx| assert_eq!(cx.state::<NetNf<TestSpec>>().unwrap().len(), spec_tables::NF_HOOKS.len() + 1));
    st.ns.take_trace();
    st.ns.put_net(net).unwrap();
    let trace = st.ns.take_trace();
    let ran_for = |ops: &str| {
        trace.iter().filter(|e| e.ops == ops && e.nets.contains(&cookie)).map(|e| e.hook).collect::<Vec<_>>()
    };
    use crate::netns::Hook;
    assert_eq!(ran_for("udp_filter_net_ops"), [Hook::Exit, Hook::Free], "the spec hook unregistered by its operation");
    assert_eq!(ran_for("netfilter_net_ops"), [Hook::Exit, Hook::Free], "the lists freed with the namespace");
    assert!(st.ns.net_by_cookie(cookie).is_none());
    // A new namespace starts with the spec's hooks only.
    let fresh = st.ns.copy_net_ns().unwrap();
    st.cx(&fresh, |cx| {
        let nf = cx.state::<NetNf<TestSpec>>().unwrap();
        let mut ids: Vec<EntryId> = NfInetHook::ALL.iter().flat_map(|&h| nf.hooks(h)).map(NfHookOps::id).collect();
        ids.sort();
        let spec: Vec<EntryId> = (0..spec_tables::NF_HOOKS.len() as u16).map(EntryId::Spec).collect();
        assert_eq!(ids, spec);
        assert!(cx.net.proc_net.contains("netfilter"));
    });
}

#[test]
fn registration_is_checked() {
    let st = boot();
    let net = st.ns.init_net();
    st.cx(&net, |cx| {
        let ipv6 = NfHookOps { pf: super::NFPROTO_IPV6, ..Ops::dynamic("first", NfInetHook::LocalIn, 0, first) };
        assert_eq!(nf_register_net_hook(cx.net, ipv6), Err(Errno::EINVAL), "no IPv6 hook lists");
        let at = cx.state::<NetNf<TestSpec>>().unwrap().hooks(NfInetHook::Forward).len();
        for _ in at..MAX_HOOK_COUNT {
            nf_register_net_hook(cx.net, Ops::dynamic("first", NfInetHook::Forward, 0, first)).unwrap();
        }
        let one_more = Ops::dynamic("first", NfInetHook::Forward, 0, first);
        assert_eq!(nf_register_net_hook(cx.net, one_more), Err(Errno::E2BIG));
        // Two registrations of one function are two identities.
        let a = Ops::dynamic("first", NfInetHook::LocalOut, 0, first);
        let b = Ops::dynamic("first", NfInetHook::LocalOut, 0, first);
        nf_register_net_hooks(cx.net, &[a, b]).unwrap();
        nf_unregister_net_hook(cx.net, &a).unwrap();
        let left: Vec<EntryId> =
            cx.state::<NetNf<TestSpec>>().unwrap().hooks(NfInetHook::LocalOut).iter().map(NfHookOps::id).collect();
        assert_eq!(left, [b.id()]);
        assert!(matches!(b.hook, Entry::Fn(..)));
    });
}

/// The spec's example: `net.netfilter.udp_drop_port` set to 5000 drops
/// datagrams to 5000 (counted once) and delivers those to 7; the hook ran
/// through the generated `match` (it is `EntryId::Spec`).
#[test]
fn the_spec_udp_filter_drops_the_port_its_sysctl_names() {
    let (st, net, ext, fd) = listening();
    let blocked = st.cx(&net, |cx| {
        let fd = sys_socket(cx, PF_INET.into(), SOCK_DGRAM.into(), 0).unwrap();
        sys_bind(cx, fd, &sa(std::net::Ipv4Addr::UNSPECIFIED, 5000)).unwrap();
        cx.state_mut::<udp_filter::UdpFilterNet>().unwrap().set_drop_port(5000).unwrap();
        fd
    });
    datagram(&st, &net, &ext, 5000);
    datagram(&st, &net, &ext, 7);
    st.cx(&net, |cx| {
        assert_eq!(recv(cx, blocked), Err(Errno::EAGAIN));
        assert_eq!(recv(cx, fd).unwrap().0, b"payload");
        assert_eq!(mib(cx, ExtMib::NfDrops), 1);
        let listing = nf_hooks_seq_show(cx.state::<NetNf<TestSpec>>().unwrap());
        assert!(
            listing.contains("NF_INET_LOCAL_IN                 0  udp_port_filter (spec nf_hook udp_filter)"),
            "{listing}"
        );
    });
}

/// Registration and removal on one thread while another receives: after
/// `nf_unregister_net_hook` returns, the hook is never called. The hook
/// checks a token that is set before each registration and cleared once
/// its removal has returned; a hook list read outside the namespace's
/// lock (a stale snapshot) would call it with the token cleared.
#[test]
fn hooks_come_and_go_while_packets_flow() {
    static REGISTERED: AtomicBool = AtomicBool::new(false);
    static CALLS: AtomicU64 = AtomicU64::new(0);
    static AFTER_REMOVAL: AtomicU64 = AtomicU64::new(0);
    fn token_hook(_: &mut Cx<'_>, skb: SkBuff, _: &NfHookState) -> NfVerdict {
        CALLS.fetch_add(1, Ordering::SeqCst);
        if !REGISTERED.load(Ordering::SeqCst) {
            AFTER_REMOVAL.fetch_add(1, Ordering::SeqCst);
        }
        NfVerdict::Accept(skb)
    }
    let (st, net, ext, fd) = listening();
    // The kernel stays on the receiving thread; registration needs only
    // the namespace (its lock), as `nf_register_net_hook(net, ..)` does.
    let mine = st.ns.get_net(&net);
    let done = Arc::new(AtomicBool::new(false));
    let receiver = {
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let mut n = 0u64;
            while !done.load(Ordering::SeqCst) {
                datagram(&st, &net, &ext, 7);
                st.cx(&net, |cx| while recv(cx, fd).is_ok() {});
                n += 1;
            }
            n
        })
    };
    for round in 0..300 {
        let hook = Ops::dynamic("token_hook", NfInetHook::ALL[round % 2], round as i32 % 7, token_hook);
        REGISTERED.store(true, Ordering::SeqCst);
        nf_register_net_hook(&mut mine.write(), hook).unwrap();
        std::thread::yield_now();
        nf_unregister_net_hook(&mut mine.write(), &hook).unwrap();
        REGISTERED.store(false, Ordering::SeqCst);
        std::thread::yield_now();
    }
    done.store(true, Ordering::SeqCst);
    let batches = receiver.join().unwrap();
    assert!(batches > 0);
    assert_eq!(AFTER_REMOVAL.load(Ordering::SeqCst), 0, "a hook ran after its removal returned");
    assert!(CALLS.load(Ordering::SeqCst) > 0 || batches < 10, "the hook ran while registered");
}
