//! Netfilter (include/linux/netfilter.h, include/uapi/linux/netfilter.h,
//! Linux 6.0): the hook points of the IPv4 path, what a hook is given
//! ([`NfHookState`]) and what it answers ([`NfVerdict`]).
//!
//! * [`core`] (net/netfilter/core.c): each namespace's hook lists
//!   (`net->nf.hooks_ipv4`, [`NetNf`]), `nf_register_net_hook` /
//!   `nf_unregister_net_hook`, and `NF_HOOK` ([`nf_hook`]), which IPv4
//!   calls at `ip_rcv` (PRE_ROUTING), `ip_local_deliver` (LOCAL_IN),
//!   `__ip_local_out` (LOCAL_OUT) and `ip_output` (POST_ROUTING).
//! * [`udp_filter`]: the spec's example hook, a LOCAL_IN filter dropping
//!   UDP to a port set through a sysctl.
//!
//! A hook is a typed function ([`crate::tables::NfHookFn`]): the spec's
//! `nf_hook` sections dispatch through the generated `match`
//! (`ProtoSpec::nf_hookfn`), hooks registered at run time through their
//! function value, each registration identified by its
//! [`crate::tables::EntryId`], never by name.
//!
//! The names of the hook points, families and priorities come from
//! `netgen-vtables`, which netgen reads too, so the spec and the runtime
//! cannot disagree on them.

pub mod core;
#[cfg(test)]
mod tests;
pub mod udp_filter;

pub use self::core::{
    netfilter_net_exit, netfilter_net_init, nf_hook, nf_hook_slow, nf_hooks_needed, nf_hooks_seq_show,
    nf_register_net_hook, nf_register_net_hooks, nf_register_spec_hooks, nf_unregister_net_hook,
    nf_unregister_spec_hooks, NetNf, NfHookOps, NfHookResult, NfHooksNeeded, MAX_HOOK_COUNT, NF_MAX_REPEATS,
};
pub use netgen_vtables::netfilter::*;

use crate::errno::Errno;
use crate::skbuff::SkBuff;

crate::tables::spec_needs! {
    /// What netfilter needs of the spec: the dispatch of its `nf_hook`
    /// sections, and each namespace's hook lists (`netfilter_net_ops`).
    pub trait NetfilterSpec: crate::tables::ProtoSpec + crate::tables::NetState<NetNf<Self>>
}

/// `enum nf_inet_hooks`: where on the IPv4 path a hook runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NfInetHook {
    /// `NF_INET_PRE_ROUTING`: `ip_rcv`, after its checks, before routing.
    PreRouting,
    /// `NF_INET_LOCAL_IN`: `ip_local_deliver`, before the protocol handler.
    LocalIn,
    /// `NF_INET_FORWARD`: `ip_forward`. Forwarding is not built, so hooks
    /// here are kept but never run.
    Forward,
    /// `NF_INET_LOCAL_OUT`: `__ip_local_out`, a locally generated datagram.
    LocalOut,
    /// `NF_INET_POST_ROUTING`: `ip_output`, about to leave by a device.
    PostRouting,
}

impl NfInetHook {
    /// Every point, by number.
    pub const ALL: [NfInetHook; NF_INET_NUMHOOKS] = [
        NfInetHook::PreRouting,
        NfInetHook::LocalIn,
        NfInetHook::Forward,
        NfInetHook::LocalOut,
        NfInetHook::PostRouting,
    ];

    /// The point numbered `hooknum` (`NF_INET_LOCAL_IN` is 1).
    pub fn from_hooknum(hooknum: u8) -> Option<NfInetHook> {
        NfInetHook::ALL.get(usize::from(hooknum)).copied()
    }

    /// Its number (`NF_INET_*`).
    pub const fn hooknum(self) -> u8 {
        self as u8
    }

    /// Linux's name: `"NF_INET_LOCAL_IN"`.
    pub fn name(self) -> &'static str {
        NF_INET_HOOKS[self as usize].0
    }
}

/// `struct nf_hook_state`: where the packet is, for the hook. The
/// namespace is the hook's context (`cx.net`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NfHookState {
    pub hook: NfInetHook,
    /// `NFPROTO_IPV4`.
    pub pf: u8,
    /// `state->in`: the device it arrived on (ifindex; 0 on output).
    pub indev: i32,
    /// `state->out`: the device it leaves by (ifindex; 0 on input).
    pub outdev: i32,
}

/// A hook's verdict (`NF_ACCEPT`, `NF_DROP`, ... of
/// include/uapi/linux/netfilter.h). The verdicts that let the packet go on
/// hand the skb back; `Stolen` means the hook kept it (it owns it now),
/// `Drop` that it was freed.
#[must_use]
#[derive(Debug)]
pub enum NfVerdict {
    /// `NF_ACCEPT`: on to the next hook, then to the caller's `okfn`.
    Accept(SkBuff),
    /// `NF_DROP_ERR(-errno)`: the packet is freed and counted; a local
    /// sender gets `errno`. Plain `NF_DROP` is [`NfVerdict::DROP`]
    /// (`EPERM`, `nf_hook_slow`'s default).
    Drop(Errno),
    /// `NF_STOLEN`: the hook took the packet; not a drop.
    Stolen,
    /// `NF_QUEUE_NR(num)`, with `NF_VERDICT_FLAG_QUEUE_BYPASS` when
    /// `bypass`: to a user-space queue. No queue is built: as `nf_queue`
    /// with no queue handler, the packet is dropped (`ESRCH`), or with
    /// `bypass` goes on to the next hook.
    Queue { skb: SkBuff, num: u16, bypass: bool },
    /// `NF_REPEAT`: call the same hook again (at most [`NF_MAX_REPEATS`]
    /// times in a row).
    Repeat(SkBuff),
    /// `NF_STOP`: accepted, without running the hooks after this one.
    Stop(SkBuff),
}

impl NfVerdict {
    /// `NF_DROP`: dropped, `EPERM` to a local sender.
    pub const DROP: NfVerdict = NfVerdict::Drop(Errno::EPERM);
}
