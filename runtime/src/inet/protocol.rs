//! `inet_protos` and `inet_offloads` (net/ipv4/protocol.c): the layer-4
//! receive handlers and GRO/GSO offloads, indexed by IP protocol number.

use super::InetSpec;
use crate::errno::Errno;
use crate::kernel::Kernel;
use crate::rcu::{self, Rcu, RcuRef};
use crate::skbuff::SkBuff;
use crate::tables::{fn_name, Entry, EntryId, InetErrFn, InetProtocolDesc, InetRcvFn, NetCx, NetRx, ProtoSpec};

/// Slots of `inet_protos` / `inet_offloads`: one per 8-bit protocol number.
pub const MAX_INET_PROTOS: usize = 256;

pub const IPPROTO_IP: u8 = 0;
pub const IPPROTO_ICMP: u8 = 1;
pub const IPPROTO_IGMP: u8 = 2;
pub const IPPROTO_TCP: u8 = 6;
pub const IPPROTO_UDP: u8 = 17;
pub const IPPROTO_RAW: u8 = 255;

/// `struct net_protocol`: what `ip_local_deliver_finish` calls for a protocol.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetProtocol<S: ProtoSpec> {
    /// The C variable (`"udp_protocol"`).
    pub name: &'static str,
    /// `handler`, by name (`"udp_rcv"`).
    pub handler: &'static str,
    /// `err_handler`, by name, if any (IGMP has none).
    pub err_handler: Option<&'static str>,
    /// `no_policy`: skip the IPsec policy check.
    pub no_policy: bool,
    /// `netns_ok`: safe in namespaces other than `init_net`.
    pub netns_ok: bool,
    /// `handler` itself: a spec protocol (the generated
    /// [`ProtoSpec::inet_protocol_rcv`]) or an [`InetRcvFn`]. Its id is the
    /// registration's identity (`inet_del_protocol` compares it).
    pub entry: Entry<InetRcvFn<S>>,
    /// `err_handler` itself, if any: the spec protocol (the generated
    /// [`ProtoSpec::inet_protocol_err`]) or an [`InetErrFn`].
    pub err_entry: Option<Entry<InetErrFn<S>>>,
}

impl<S: InetSpec> NetProtocol<S> {
    /// Spec inet protocol `i`, named from its descriptor.
    pub fn spec(desc: &InetProtocolDesc, i: u16) -> NetProtocol<S> {
        NetProtocol {
            name: desc.name,
            handler: fn_name(desc.handler),
            err_handler: desc.err_handler.map(fn_name),
            no_policy: desc.no_policy,
            netns_ok: desc.netns_ok,
            entry: Entry::Spec(i),
            err_entry: desc.err_handler.map(|_| Entry::Spec(i)),
        }
    }

    /// A protocol handler registered by code outside the spec: a new
    /// registration (its own handle), whatever its name.
    pub fn dynamic(name: &'static str, handler: InetRcvFn<S>, err_handler: Option<InetErrFn<S>>) -> NetProtocol<S> {
        let h = crate::tables::Handle::new();
        NetProtocol {
            name,
            handler: name,
            err_handler: err_handler.map(|_| name),
            no_policy: true,
            netns_ok: true,
            entry: Entry::Fn(handler, h),
            err_entry: err_handler.map(|e| Entry::Fn(e, h)),
        }
    }
}

/// A `[T; MAX_INET_PROTOS]` table indexed by IP protocol number: Linux's
/// `inet_protos` and `inet_offloads` are both this, filled and emptied with
/// `cmpxchg` so a slot changes only from empty or from the expected entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InetSlots<T> {
    slots: Vec<Option<T>>,
}

/// `inet_offloads[MAX_INET_PROTOS]` (part of resource `Ipv4Offload`).
pub type InetOffloads = InetSlots<NetOffload>;

impl<T: Clone> InetSlots<T> {
    pub(crate) fn new() -> Self {
        InetSlots { slots: vec![None; MAX_INET_PROTOS] }
    }
}

impl<T> InetSlots<T> {
    /// `table[protocol]`.
    #[inline]
    pub fn get(&self, protocol: u8) -> Option<&T> {
        self.slots.get(usize::from(protocol))?.as_ref()
    }

    /// The registered entries with their protocol numbers, ascending.
    pub fn iter(&self) -> impl Iterator<Item = (u8, &T)> {
        (0..=u8::MAX).zip(&self.slots).filter_map(|(n, p)| Some((n, p.as_ref()?)))
    }

    /// `cmpxchg(&table[protocol], NULL, entry)`: `EBUSY` if the slot is
    /// taken (Linux returns -1).
    pub fn add(&mut self, entry: T, protocol: u8) -> Result<(), Errno> {
        let slot = self.slots.get_mut(usize::from(protocol)).ok_or(Errno::EINVAL)?;
        if slot.is_some() {
            return Err(Errno::EBUSY);
        }
        *slot = Some(entry);
        Ok(())
    }

    /// `cmpxchg(&table[protocol], entry, NULL)`: empties the slot only if
    /// `is_entry` holds for what it contains, else `EBUSY` (Linux's -1).
    pub fn del(&mut self, protocol: u8, is_entry: impl FnOnce(&T) -> bool) -> Result<(), Errno> {
        let slot = self.slots.get_mut(usize::from(protocol)).ok_or(Errno::EINVAL)?;
        if !slot.as_ref().is_some_and(is_entry) {
            return Err(Errno::EBUSY);
        }
        *slot = None;
        Ok(())
    }
}

/// `InetProtosState::spec`: the slot is empty.
const SPEC_EMPTY: u8 = u8::MAX;
/// `InetProtosState::spec`: the slot holds a run-time entry
/// ([`Entry::Fn`]), or a spec entry whose index is not one of the spec's
/// (`Entry::Spec(i)` with `i` past `ProtoSpec::INET_PROTOCOLS`) or does
/// not fit below the two markers; dispatch reads the slot.
const SPEC_IN_SLOT: u8 = u8::MAX - 1;

/// `inet_protos[MAX_INET_PROTOS]` (resource `InetProtos`): the slots, as
/// Linux's array of `struct net_protocol *`, and beside them one byte per
/// protocol number saying what the slot holds: the index of a spec entry
/// (below `ProtoSpec::INET_PROTOCOLS.len()` and 254), empty, or "look in
/// the slot" (a run-time entry). [`InetProtosState::add`] and
/// [`InetProtosState::del`] keep the two in step, so receiving
/// ([`InetProtos::deliver`]) costs one byte load and the generated
/// `match` for a spec protocol, and reads the slot only for a run-time one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InetProtos<S: ProtoSpec> {
    /// Protocol number → spec index, [`SPEC_EMPTY`] or [`SPEC_IN_SLOT`].
    spec: [u8; MAX_INET_PROTOS],
    slots: InetSlots<NetProtocol<S>>,
}

impl<S: ProtoSpec> InetProtos<S> {
    /// `inet_protos[protocol]`.
    #[inline]
    pub fn get(&self, protocol: u8) -> Option<&NetProtocol<S>> {
        self.slots.get(protocol)
    }

    /// The registered protocols with their numbers, ascending.
    pub fn iter(&self) -> impl Iterator<Item = (u8, &NetProtocol<S>)> {
        self.slots.iter()
    }

    /// The handler call of `ip_protocol_deliver_rcu` (net/ipv4/ip_input.c):
    /// `ipprot = inet_protos[protocol]; if (ipprot) ret =
    /// INDIRECT_CALL_2(ipprot->handler, tcp_v4_rcv, udp_rcv, skb);`. Where
    /// Linux compares the pointer with the two handlers it can call
    /// directly, the byte beside the slot names the spec entry and the
    /// generated `match` ([`ProtoSpec::inet_protocol_rcv`]) calls it
    /// directly; a run-time entry's function is called from the slot.
    /// `Err(skb)` when no protocol has the slot.
    #[inline(always)]
    pub fn deliver(&self, cx: &mut NetCx<'_, S>, skb: SkBuff, protocol: u8) -> Result<NetRx, SkBuff> {
        // The spec's entries first, with one compare that also tells the
        // compiler the generated `match` needs no out-of-range arm.
        let i = self.spec[usize::from(protocol)];
        if usize::from(i) < S::INET_PROTOCOLS.len() {
            Ok(S::inet_protocol_rcv(u16::from(i), cx, skb))
        } else if i == SPEC_EMPTY {
            Err(skb)
        } else {
            deliver_slot(self, cx, skb, protocol)
        }
    }
}

/// The resource `InetProtos`: [`InetProtos`] read without a lock while
/// it may change, as Linux reads `inet_protos` under RCU
/// ([`crate::rcu`]): receivers load the current table once per batch and
/// call through it; a registration copies it, changes the copy and
/// publishes it; a removal then waits until no receiver still holds the
/// table it replaced (`synchronize_net()`, which Linux's callers of
/// `inet_del_protocol` run before freeing the protocol), so once
/// [`InetProtosState::del`] returns, the removed handler is not running
/// and will not run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InetProtosState<S: ProtoSpec>(Rcu<InetProtos<S>>);

impl<S: ProtoSpec> InetProtosState<S> {
    pub(crate) fn new() -> Self {
        InetProtosState(Rcu::new(InetProtos { spec: [SPEC_EMPTY; MAX_INET_PROTOS], slots: InetSlots::new() }))
    }

    /// The table as it is now (`rcu_dereference(inet_protos)`): what a
    /// reader keeps while it works, unchanged by registrations meanwhile.
    #[inline]
    pub fn load(&self) -> RcuRef<InetProtos<S>> {
        self.0.load()
    }

    /// `inet_protos[protocol]` now.
    pub fn get(&self, protocol: u8) -> Option<NetProtocol<S>> {
        self.load().get(protocol).cloned()
    }

    /// The registered protocols with their numbers, ascending, now.
    pub fn iter(&self) -> std::vec::IntoIter<(u8, NetProtocol<S>)> {
        self.load().iter().map(|(n, p)| (n, p.clone())).collect::<Vec<_>>().into_iter()
    }

    /// `cmpxchg(&inet_protos[protocol], NULL, prot)`: `EBUSY` if the slot
    /// is taken (Linux returns -1).
    pub fn add(&self, prot: NetProtocol<S>, protocol: u8) -> Result<(), Errno> {
        let byte = match prot.entry {
            Entry::Spec(i) if usize::from(i) < S::INET_PROTOCOLS.len() => {
                u8::try_from(i).ok().filter(|&b| b < SPEC_IN_SLOT).unwrap_or(SPEC_IN_SLOT)
            }
            _ => SPEC_IN_SLOT,
        };
        self.0.update(|t| {
            t.slots.add(prot, protocol)?;
            t.spec[usize::from(protocol)] = byte;
            Ok(())
        })?;
        Ok(())
    }

    /// `cmpxchg(&inet_protos[protocol], prot, NULL)` + `synchronize_net()`:
    /// empties the slot only if `is_entry` holds for what it contains,
    /// else `EBUSY` (Linux's -1); then waits until every receiver that
    /// could still see the entry is done with it. As with Linux's
    /// `synchronize_net()`, the caller must not itself be inside a
    /// read-side section (a handler removing a protocol from the batch it
    /// is called in would wait for itself): that is `EDEADLK`, and nothing
    /// is removed.
    pub fn del(&self, protocol: u8, is_entry: impl FnOnce(&NetProtocol<S>) -> bool) -> Result<(), Errno> {
        if rcu::in_read_side() {
            return Err(Errno::EDEADLK);
        }
        let ((), old) = self.0.update(|t| {
            t.slots.del(protocol, is_entry)?;
            t.spec[usize::from(protocol)] = SPEC_EMPTY;
            Ok(())
        })?;
        rcu::synchronize(old)
    }
}

/// [`InetProtos::deliver`] through the slot itself.
#[inline(never)]
fn deliver_slot<S: ProtoSpec>(
    t: &InetProtos<S>,
    cx: &mut NetCx<'_, S>,
    skb: SkBuff,
    protocol: u8,
) -> Result<NetRx, SkBuff> {
    match t.get(protocol).map(|p| p.entry) {
        Some(Entry::Spec(i)) => Ok(S::inet_protocol_rcv(i, cx, skb)),
        Some(Entry::Fn(f, _)) => Ok(f(cx, skb)),
        None => Err(skb),
    }
}

/// `inet_add_protocol(prot, protocol)`: `EBUSY` if the slot is taken
/// (Linux's `cmpxchg` fails and it returns -1).
pub fn inet_add_protocol<S: InetSpec>(k: &Kernel<S>, prot: NetProtocol<S>, protocol: u8) -> Result<(), Errno> {
    k.get::<InetProtosState<S>>()?.add(prot, protocol)
}

/// `inet_del_protocol(prot, protocol)`: `cmpxchg(&inet_protos[protocol],
/// prot, NULL)`: empties the slot only if it holds that registration
/// (compared by identity, as Linux compares the pointer: another protocol
/// of the same name is not it), else `EBUSY`.
pub fn inet_del_protocol<S: InetSpec>(k: &Kernel<S>, prot: &NetProtocol<S>, protocol: u8) -> Result<(), Errno> {
    inet_del_protocol_id::<S>(k, prot.entry.id(), protocol)
}

/// [`inet_del_protocol`] by the registration's id.
pub fn inet_del_protocol_id<S: InetSpec>(k: &Kernel<S>, id: EntryId, protocol: u8) -> Result<(), Errno> {
    k.get::<InetProtosState<S>>()?.del(protocol, |p| p.entry.id() == id)
}

/// `struct net_offload`: GSO/GRO callbacks for one IP protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NetOffload {
    /// The C variable (`"tcpv4_offload"`).
    pub name: &'static str,
    pub gso_segment: &'static str,
    pub gro_receive: &'static str,
    pub gro_complete: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inet::mib::{Ipv4Mib, UdpMib};
    use crate::testspec::tables::inet_protocols::UDP_PROTOCOL as UDP_INDEX;
    use crate::testspec::TestSpec as T;

    const UDP: NetProtocol<T> = NetProtocol {
        name: "udp_protocol",
        handler: "udp_rcv",
        err_handler: Some("udp_err"),
        no_policy: true,
        netns_ok: true,
        entry: Entry::Spec(1),
        err_entry: Some(Entry::Spec(1)),
    };

    #[test]
    fn add_and_del_protocol() {
        let mut k = Kernel::<crate::testspec::TestSpec>::new(1);
        assert_eq!(inet_add_protocol(&k, UDP, IPPROTO_UDP), Err(Errno::ENOENT));
        k.provide(InetProtosState::<T>::new()).unwrap();
        inet_add_protocol(&k, UDP, IPPROTO_UDP).unwrap();
        assert_eq!(inet_add_protocol(&k, UDP, IPPROTO_UDP), Err(Errno::EBUSY));
        assert_eq!(k.get::<InetProtosState<T>>().unwrap().get(17).map(|p| p.handler), Some("udp_rcv"));
        assert_eq!(k.get::<InetProtosState<T>>().unwrap().iter().map(|(n, _)| n).collect::<Vec<_>>(), [17]);
        let tcp = NetProtocol { name: "tcp_protocol", entry: Entry::Spec(2), ..UDP };
        assert_eq!(inet_del_protocol(&k, &tcp, IPPROTO_UDP), Err(Errno::EBUSY));
        let udp_by_name = NetProtocol { entry: Entry::Spec(9), ..UDP };
        assert_eq!(inet_del_protocol(&k, &udp_by_name, IPPROTO_UDP), Err(Errno::EBUSY), "the name is no identity");
        inet_del_protocol(&k, &UDP, IPPROTO_UDP).unwrap();
        assert_eq!(inet_del_protocol(&k, &UDP, IPPROTO_UDP), Err(Errno::EBUSY));
        inet_add_protocol(&k, UDP, IPPROTO_RAW).unwrap();
        assert_eq!(inet_del_protocol_id::<T>(&k, EntryId::Spec(9), IPPROTO_RAW), Err(Errno::EBUSY));
        inet_del_protocol_id::<T>(&k, EntryId::Spec(1), IPPROTO_RAW).unwrap();
    }

    /// The byte [`InetProtosState::deliver`] reads for each protocol,
    /// worked out from the slot alone.
    fn assert_in_step(t: &InetProtosState<T>) {
        for n in 0..=u8::MAX {
            let want = match t.get(n).map(|p| p.entry) {
                None => SPEC_EMPTY,
                Some(Entry::Spec(i)) if usize::from(i) < T::INET_PROTOCOLS.len() => i as u8,
                Some(_) => SPEC_IN_SLOT,
            };
            assert_eq!(t.load().spec[usize::from(n)], want, "protocol {n}");
        }
    }

    fn experiment_rcv(_: &mut NetCx<'_, T>, skb: SkBuff) -> NetRx {
        if skb.data() == b"exp" {
            NetRx::Success
        } else {
            NetRx::Drop
        }
    }

    #[test]
    fn the_spec_byte_follows_every_add_and_del() {
        enum Op {
            Add(NetProtocol<T>, u8),
            Del(u8, EntryId),
        }
        let t = InetProtosState::<T>::new();
        assert_in_step(&t);
        let exp = NetProtocol::dynamic("experiment", experiment_rcv, None);
        let spec = |i: u16| NetProtocol { entry: Entry::Spec(i), ..UDP };
        let steps = [
            ("add udp at 17", Op::Add(UDP, IPPROTO_UDP)),
            ("add exp at 17", Op::Add(exp.clone(), IPPROTO_UDP)),
            ("add exp at 253", Op::Add(exp.clone(), 253)),
            ("add spec 3 at 7", Op::Add(spec(3), 7)),
            ("add spec 4 (none such) at 8", Op::Add(spec(4), 8)),
            ("add spec 300 (none such) at 9", Op::Add(spec(300), 9)),
            ("del exp at 17", Op::Del(IPPROTO_UDP, exp.entry.id())),
            ("del exp at 253", Op::Del(253, exp.entry.id())),
            ("del exp at 253 again", Op::Del(253, exp.entry.id())),
            ("del spec 300 at 9", Op::Del(9, EntryId::Spec(300))),
            ("add exp at 17 again", Op::Add(exp.clone(), IPPROTO_UDP)),
            ("add exp at 0", Op::Add(exp.clone(), 0)),
        ];
        let mut fails = Vec::new();
        for (what, op) in steps {
            let r = match op {
                Op::Add(p, n) => t.add(p, n),
                Op::Del(n, id) => t.del(n, |p| p.entry.id() == id),
            };
            assert_in_step(&t);
            if r.is_err() {
                fails.push(what);
            }
        }
        assert_eq!(fails, ["add exp at 17", "del exp at 17", "del exp at 253 again", "add exp at 17 again"]);
        assert_eq!(
            [
                t.load().spec[usize::from(IPPROTO_UDP)],
                t.load().spec[7],
                t.load().spec[8],
                t.load().spec[9],
                t.load().spec[0],
                t.load().spec[253]
            ],
            [1, 3, SPEC_IN_SLOT, SPEC_EMPTY, SPEC_IN_SLOT, SPEC_EMPTY]
        );
    }

    #[test]
    fn deliver_calls_what_the_slot_holds() {
        let st = crate::testspec::boot();
        let net = st.ns.init_net();
        let udp = NetProtocol::<T>::spec(&T::INET_PROTOCOLS[usize::from(UDP_INDEX)], UDP_INDEX);
        let exp = NetProtocol::dynamic("experiment", experiment_rcv, None);
        let in_errors =
            |st: &crate::testspec::Stack| st.cx(&net, |cx| cx.state::<Ipv4Mib>().unwrap().get(UdpMib::InErrors));
        let deliver = |st: &crate::testspec::Stack, protocol: u8, payload: &[u8]| {
            st.cx(&net, |cx| {
                let protos = cx.kernel_state::<InetProtosState<T>>().unwrap();
                protos.load().deliver(cx, SkBuff::with_payload(0, payload), protocol).map_err(|skb| skb.data().to_vec())
            })
        };
        // The spec's udp_rcv: a 3-byte datagram is too short for a header.
        assert_eq!(deliver(&st, IPPROTO_UDP, b"exp"), Ok(NetRx::Drop));
        assert_eq!(in_errors(&st), 1);
        // Nothing at 253: the skb comes back.
        assert_eq!(deliver(&st, 253, b"exp"), Err(b"exp".to_vec()));
        // A run-time protocol in udp's slot replaces it.
        inet_del_protocol(&st.k, &udp, IPPROTO_UDP).unwrap();
        assert_eq!(deliver(&st, IPPROTO_UDP, b"exp"), Err(b"exp".to_vec()));
        inet_add_protocol(&st.k, exp.clone(), IPPROTO_UDP).unwrap();
        assert_eq!(deliver(&st, IPPROTO_UDP, b"exp"), Ok(NetRx::Success));
        assert_eq!(in_errors(&st), 1, "udp_rcv no longer called");
        inet_del_protocol(&st.k, &exp, IPPROTO_UDP).unwrap();
        inet_add_protocol(&st.k, udp, IPPROTO_UDP).unwrap();
        assert_eq!(deliver(&st, IPPROTO_UDP, b"exp"), Ok(NetRx::Drop));
        assert_eq!(in_errors(&st), 2);
        assert_in_step(st.k.get::<InetProtosState<T>>().unwrap());
    }

    #[test]
    fn offload_slots() {
        let mut o = InetOffloads::new();
        let tcp = NetOffload { name: "tcpv4_offload", gso_segment: "a", gro_receive: "b", gro_complete: "c" };
        o.add(tcp, IPPROTO_TCP).unwrap();
        assert_eq!(o.add(tcp, IPPROTO_TCP), Err(Errno::EBUSY));
        assert_eq!(o.get(IPPROTO_TCP).map(|p| p.name), Some("tcpv4_offload"));
        assert_eq!(o.get(IPPROTO_UDP), None);
    }
}
