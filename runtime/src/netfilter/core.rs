//! net/netfilter/core.c (Linux 6.0): each namespace's hook lists,
//! registration, and running the hooks of a point (`nf_hook_slow`).
//!
//! Since Linux 4.14 hooks are per namespace (`net->nf.hooks_ipv4[hook]`):
//! a module registers them from a pernet operation's `init`
//! (`iptable_filter_net_init` → `nf_register_net_hooks`), so every
//! namespace gets its own. The spec does the same: an `nf_hook` section
//! names the pernet operation that registers it, and the generated `init`
//! of that operation calls [`nf_register_spec_hooks`] (its exit,
//! [`nf_unregister_spec_hooks`]).
//!
//! The fast path is what `NF_HOOK` costs when a point has no hook: one
//! load of the namespace's [`NfHooksNeeded`] mask (Linux's
//! `nf_hooks_needed` static keys, kept per namespace here) and a bit test;
//! the hooks themselves run out of line, in [`nf_hook_slow`].

use std::fmt::Write;

use super::{NetfilterSpec, NfHookState, NfInetHook, NfVerdict, NFPROTO_IPV4, NF_INET_NUMHOOKS};
use crate::errno::Errno;
use crate::netns::Net;
use crate::skbuff::SkBuff;
use crate::tables::{fn_name, Entry, EntryId, NetCx, NetState, NfHookDesc, NfHookFn, ProtoSpec};

/// `MAX_HOOK_COUNT`: hooks at one point (`nf_hook_entries_grow` refuses
/// more with `E2BIG`).
pub const MAX_HOOK_COUNT: usize = 1024;

/// How many times in a row one hook may answer `NF_REPEAT` before the
/// packet is dropped (`ELOOP`). Linux has no bound (its hooks repeat a
/// bounded number of times by construction); a hook that repeats forever
/// would hang the receive path here, so netgen bounds it.
pub const NF_MAX_REPEATS: u32 = 16;

/// `struct nf_hook_ops`: a hook at one point, at a priority. Its identity
/// is its [`Entry`]'s: a spec `nf_hook` (by index) or a run-time
/// registration (by [`crate::tables::Handle`]); two hooks with the same
/// function or name are two registrations.
pub struct NfHookOps<S: ProtoSpec> {
    /// `NFPROTO_IPV4` (the only family built).
    pub pf: u8,
    pub hooknum: NfInetHook,
    /// Lower runs first (`NF_IP_PRI_*`).
    pub priority: i32,
    /// The hook: spec entry `i` (dispatched by `ProtoSpec::nf_hookfn`) or
    /// a function.
    pub hook: Entry<NfHookFn<S>>,
    /// The function's name, for listings.
    pub name: &'static str,
}

impl<S: ProtoSpec> Clone for NfHookOps<S> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<S: ProtoSpec> Copy for NfHookOps<S> {}

impl<S: ProtoSpec> std::fmt::Debug for NfHookOps<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NfHookOps({} @ {} {}, {:?})", self.name, self.hooknum.name(), self.priority, self.hook)
    }
}

impl<S: ProtoSpec> NfHookOps<S> {
    /// Spec hook `i`, as its descriptor gives it; `None` for a hook number
    /// that is no point (netgen never writes one).
    pub fn spec(desc: &NfHookDesc, i: u16) -> Option<Self> {
        Some(NfHookOps {
            pf: desc.pf,
            hooknum: NfInetHook::from_hooknum(desc.hooknum)?,
            priority: desc.priority,
            hook: Entry::Spec(i),
            name: fn_name(desc.hook),
        })
    }

    /// A hook registered by code outside the spec: an IPv4 hook at
    /// `hooknum` calling `hook`, a new registration.
    pub fn dynamic(name: &'static str, hooknum: NfInetHook, priority: i32, hook: NfHookFn<S>) -> Self {
        NfHookOps { pf: NFPROTO_IPV4, hooknum, priority, hook: Entry::func(hook), name }
    }

    /// Which registration this is.
    pub fn id(&self) -> EntryId {
        self.hook.id()
    }
}

/// Which points of a namespace have hooks: bit `hooknum`. `NF_HOOK` reads
/// it once and tests a bit; the hooks run only when it is set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NfHooksNeeded(u8);

impl NfHooksNeeded {
    /// No point has a hook.
    pub const NONE: NfHooksNeeded = NfHooksNeeded(0);

    /// Whether `hook` has hooks.
    #[inline(always)]
    pub fn at(self, hook: NfInetHook) -> bool {
        self.0 & (1 << hook as u8) != 0
    }

    #[inline(always)]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// `struct netns_nf`, the IPv4 part: the state of `netfilter_net_ops`.
pub struct NetNf<S: ProtoSpec> {
    /// `net->nf.hooks_ipv4[hook]`: each point's hooks, in the order they
    /// run.
    hooks_ipv4: [Vec<NfHookOps<S>>; NF_INET_NUMHOOKS],
    needed: NfHooksNeeded,
}

impl<S: ProtoSpec> NetNf<S> {
    /// The hooks at `hook`, in the order they run.
    pub fn hooks(&self, hook: NfInetHook) -> &[NfHookOps<S>] {
        &self.hooks_ipv4[hook as usize]
    }

    /// Which points have hooks.
    pub fn needed(&self) -> NfHooksNeeded {
        self.needed
    }

    /// Every hook of the namespace, by point.
    pub fn len(&self) -> usize {
        self.hooks_ipv4.iter().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.needed.is_empty()
    }

    fn set_needed(&mut self, hook: NfInetHook) {
        let bit = 1 << hook as u8;
        if self.hooks_ipv4[hook as usize].is_empty() {
            self.needed.0 &= !bit;
        } else {
            self.needed.0 |= bit;
        }
    }
}

/// `netfilter_net_init(net)`: every hook list empty, and
/// `/proc/net/netfilter` (`proc_net_mkdir(net, "netfilter", ..)`).
pub fn netfilter_net_init<S: ProtoSpec>(net: &mut Net<S>) -> Result<NetNf<S>, Errno> {
    net.proc_net.proc_create("netfilter")?;
    Ok(NetNf { hooks_ipv4: Default::default(), needed: NfHooksNeeded::NONE })
}

/// `netfilter_net_exit(net)`: removes `/proc/net/netfilter`. The hook
/// lists go with the namespace's state; the operations that registered
/// hooks unregistered them in their own exits, which run first.
pub fn netfilter_net_exit<S: ProtoSpec>(net: &mut Net<S>) {
    let _ = net.proc_net.remove_proc_entry("netfilter");
}

/// `nf_register_net_hook(net, reg)` (net/netfilter/core.c,
/// `__nf_register_net_hook` and `nf_hook_entries_grow`): inserts `reg`
/// before the first hook at its point whose priority is not lower, so
/// among equal priorities the one registered last runs first (6.0's
/// `if (inserted || reg->priority > orig_ops[i]->priority)`). `EINVAL`
/// for a family other than IPv4 (`nf_hook_entry_head` finds no list),
/// `E2BIG` past [`MAX_HOOK_COUNT`], `ENOENT` while `netfilter_net_ops` is
/// not registered. Returns the registration's identity, which
/// [`nf_unregister_net_hook`] takes back.
pub fn nf_register_net_hook<S: NetfilterSpec>(net: &mut Net<S>, reg: NfHookOps<S>) -> Result<EntryId, Errno> {
    if reg.pf != NFPROTO_IPV4 {
        return Err(Errno::EINVAL);
    }
    let nf = <S as NetState<NetNf<S>>>::state_mut(net)?;
    let list = &mut nf.hooks_ipv4[reg.hooknum as usize];
    if list.len() >= MAX_HOOK_COUNT {
        return Err(Errno::E2BIG);
    }
    let at = list.iter().position(|h| reg.priority <= h.priority).unwrap_or(list.len());
    list.insert(at, reg);
    nf.set_needed(reg.hooknum);
    Ok(reg.id())
}

/// `nf_unregister_net_hook(net, reg)`: removes the registration `reg` is
/// (the first, if it was registered twice, as Linux's
/// `nf_remove_net_hook`). Once it returns, the hook is not called again
/// in this namespace. `ENOENT` if it is not registered here (Linux WARNs
/// "hook not found").
pub fn nf_unregister_net_hook<S: NetfilterSpec>(net: &mut Net<S>, reg: &NfHookOps<S>) -> Result<(), Errno> {
    let nf = <S as NetState<NetNf<S>>>::state_mut(net)?;
    let list = &mut nf.hooks_ipv4[reg.hooknum as usize];
    let i = list.iter().position(|h| h.id() == reg.id()).ok_or(Errno::ENOENT)?;
    list.remove(i);
    nf.set_needed(reg.hooknum);
    Ok(())
}

/// `nf_register_net_hooks(net, reg, n)`: all of `regs`, or none (those
/// registered before a failure are unregistered).
pub fn nf_register_net_hooks<S: NetfilterSpec>(net: &mut Net<S>, regs: &[NfHookOps<S>]) -> Result<(), Errno> {
    for (i, reg) in regs.iter().enumerate() {
        if let Err(e) = nf_register_net_hook(net, *reg) {
            for done in regs[..i].iter().rev() {
                let _ = nf_unregister_net_hook(net, done);
            }
            return Err(e);
        }
    }
    Ok(())
}

/// The spec hooks `indices` (of `ProtoSpec::NF_HOOKS`) as [`NfHookOps`].
fn spec_hooks<S: ProtoSpec>(indices: &[u16]) -> Result<Vec<NfHookOps<S>>, Errno> {
    indices
        .iter()
        .map(|&i| S::NF_HOOKS.get(usize::from(i)).and_then(|d| NfHookOps::spec(d, i)).ok_or(Errno::EINVAL))
        .collect()
}

/// Registers spec hooks `indices` in `net`, in order: what the generated
/// `init` of the pernet operation a hook names in `registered_by` does
/// after the operation's own `init`.
pub fn nf_register_spec_hooks<S: NetfilterSpec>(net: &mut Net<S>, indices: &[u16]) -> Result<(), Errno> {
    nf_register_net_hooks(net, &spec_hooks::<S>(indices)?)
}

/// Unregisters spec hooks `indices` from `net`, last first (those already
/// unregistered by hand are skipped): the generated `exit` of their pernet
/// operation.
pub fn nf_unregister_spec_hooks<S: NetfilterSpec>(net: &mut Net<S>, indices: &[u16]) {
    for reg in spec_hooks::<S>(indices).unwrap_or_default().iter().rev() {
        let _ = nf_unregister_net_hook(net, reg);
    }
}

/// The namespace's [`NfHooksNeeded`]: one load, what `NF_HOOK` tests
/// (none while `netfilter_net_ops` is not registered).
#[inline(always)]
pub fn nf_hooks_needed<S: NetfilterSpec>(cx: &NetCx<'_, S>) -> NfHooksNeeded {
    cx.state::<NetNf<S>>().map_or(NfHooksNeeded::NONE, |nf| nf.needed)
}

/// What the hooks of a point did with a packet.
#[must_use]
#[derive(Debug)]
pub enum NfHookResult {
    /// Every hook accepted it (`NF_ACCEPT`, `NF_STOP`): `NF_HOOK` returns
    /// 1 and the caller goes on (`okfn`).
    Accept(SkBuff),
    /// A hook dropped it (`NF_DROP`; an `NF_QUEUE` with no queue,
    /// `ESRCH`; [`NF_MAX_REPEATS`] repeats, `ELOOP`): freed. The caller
    /// counts it; a local sender gets the errno.
    Drop(Errno),
    /// A hook took it (`NF_STOLEN`): not a drop.
    Stolen,
}

/// `NF_HOOK(NFPROTO_IPV4, hook, net, sk, skb, in, out, okfn)` up to
/// `okfn`: with no hook at `hook` (`needed`, read once by the caller with
/// [`nf_hooks_needed`]), the skb comes straight back; otherwise the hooks
/// run ([`nf_hook_slow`]).
#[inline(always)]
pub fn nf_hook<S: NetfilterSpec>(
    cx: &mut NetCx<'_, S>,
    needed: NfHooksNeeded,
    hook: NfInetHook,
    skb: SkBuff,
    indev: i32,
    outdev: i32,
) -> NfHookResult {
    if !needed.at(hook) {
        return NfHookResult::Accept(skb);
    }
    nf_hook_slow(cx, &NfHookState { hook, pf: NFPROTO_IPV4, indev, outdev }, skb)
}

/// `nf_hook_slow(skb, state, e, 0)`: runs the hooks at `state.hook` in
/// order. `NF_ACCEPT` goes on to the next; `NF_DROP` frees the packet
/// (`NF_DROP_GETERR`, `EPERM` by default); `NF_STOLEN` ends without a
/// drop; `NF_QUEUE` finds no queue handler (`nf_queue`: `ESRCH`, freed,
/// or on to the next hook with the bypass flag). `NF_REPEAT` and
/// `NF_STOP` are Linux 4.9's `nf_iterate` (`goto repeat`; accept and skip
/// the rest): Linux 6.0 no longer expects them from a hook.
///
/// Each step reads the namespace's list again, so a hook that a hook
/// unregisters (in this namespace, during the run) is not called after
/// its removal returned.
#[inline(never)]
pub fn nf_hook_slow<S: NetfilterSpec>(cx: &mut NetCx<'_, S>, state: &NfHookState, mut skb: SkBuff) -> NfHookResult {
    let mut s = 0;
    let mut repeats = 0;
    loop {
        let entry = cx.state::<NetNf<S>>().ok().and_then(|nf| nf.hooks(state.hook).get(s).map(|h| h.hook));
        let Some(entry) = entry else {
            return NfHookResult::Accept(skb);
        };
        let verdict = match entry {
            Entry::Spec(i) => S::nf_hookfn(i, cx, skb, state),
            Entry::Fn(f, _) => f(cx, skb, state),
        };
        skb = match verdict {
            NfVerdict::Accept(skb) => {
                s += 1;
                repeats = 0;
                skb
            }
            NfVerdict::Drop(e) => return NfHookResult::Drop(e),
            NfVerdict::Stolen => return NfHookResult::Stolen,
            NfVerdict::Stop(skb) => return NfHookResult::Accept(skb),
            NfVerdict::Repeat(skb) => {
                repeats += 1;
                if repeats > NF_MAX_REPEATS {
                    return NfHookResult::Drop(Errno::ELOOP);
                }
                skb
            }
            NfVerdict::Queue { skb, bypass: true, .. } => {
                s += 1;
                repeats = 0;
                skb
            }
            NfVerdict::Queue { .. } => return NfHookResult::Drop(Errno::ESRCH),
        };
    }
}

/// The namespace's hooks as text, one line per hook by point and in the
/// order they run: the point, the priority and the function (a spec hook
/// also names its `nf_hook` section). What `nft list hooks` shows; netgen
/// prints it as `/proc/net/netfilter/nf_hooks`.
pub fn nf_hooks_seq_show<S: ProtoSpec>(nf: &NetNf<S>) -> String {
    let mut s = format!("{:<22} {:>11}  function\n", "hook", "priority");
    for hook in NfInetHook::ALL {
        for h in nf.hooks(hook) {
            let _ = write!(s, "{:<22} {:>11}  {}", hook.name(), h.priority, h.name);
            if let Entry::Spec(i) = h.hook {
                if let Some(d) = S::NF_HOOKS.get(usize::from(i)) {
                    let _ = write!(s, " (spec nf_hook {})", d.name);
                }
            }
            s.push('\n');
        }
    }
    s
}
