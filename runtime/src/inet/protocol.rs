//! `inet_protos` and `inet_offloads` (net/ipv4/protocol.c): the layer-4
//! receive handlers and GRO/GSO offloads, indexed by IP protocol number.

use super::InetSpec;
use crate::errno::Errno;
use crate::kernel::Kernel;
use crate::tables::{fn_name, Entry, EntryId, InetErrFn, InetProtocolDesc, InetRcvFn, ProtoSpec};

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

/// `inet_protos[MAX_INET_PROTOS]` (resource `InetProtos`).
pub type InetProtosState<S> = InetSlots<NetProtocol<S>>;

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

/// `inet_add_protocol(prot, protocol)`: `EBUSY` if the slot is taken
/// (Linux's `cmpxchg` fails and it returns -1).
pub fn inet_add_protocol<S: InetSpec>(k: &mut Kernel<S>, prot: NetProtocol<S>, protocol: u8) -> Result<(), Errno> {
    k.get_mut::<InetProtosState<S>>()?.add(prot, protocol)
}

/// `inet_del_protocol(prot, protocol)`: `cmpxchg(&inet_protos[protocol],
/// prot, NULL)`: empties the slot only if it holds that registration
/// (compared by identity, as Linux compares the pointer: another protocol
/// of the same name is not it), else `EBUSY`.
pub fn inet_del_protocol<S: InetSpec>(k: &mut Kernel<S>, prot: &NetProtocol<S>, protocol: u8) -> Result<(), Errno> {
    inet_del_protocol_id::<S>(k, prot.entry.id(), protocol)
}

/// [`inet_del_protocol`] by the registration's id.
pub fn inet_del_protocol_id<S: InetSpec>(k: &mut Kernel<S>, id: EntryId, protocol: u8) -> Result<(), Errno> {
    k.get_mut::<InetProtosState<S>>()?.del(protocol, |p| p.entry.id() == id)
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
        assert_eq!(inet_add_protocol(&mut k, UDP, IPPROTO_UDP), Err(Errno::ENOENT));
        k.provide(InetProtosState::<T>::new()).unwrap();
        inet_add_protocol(&mut k, UDP, IPPROTO_UDP).unwrap();
        assert_eq!(inet_add_protocol(&mut k, UDP, IPPROTO_UDP), Err(Errno::EBUSY));
        assert_eq!(k.get::<InetProtosState<T>>().unwrap().get(17).map(|p| p.handler), Some("udp_rcv"));
        assert_eq!(k.get::<InetProtosState<T>>().unwrap().iter().map(|(n, _)| n).collect::<Vec<_>>(), [17]);
        let tcp = NetProtocol { name: "tcp_protocol", entry: Entry::Spec(2), ..UDP };
        assert_eq!(inet_del_protocol(&mut k, &tcp, IPPROTO_UDP), Err(Errno::EBUSY));
        let udp_by_name = NetProtocol { entry: Entry::Spec(9), ..UDP };
        assert_eq!(inet_del_protocol(&mut k, &udp_by_name, IPPROTO_UDP), Err(Errno::EBUSY), "the name is no identity");
        inet_del_protocol(&mut k, &UDP, IPPROTO_UDP).unwrap();
        assert_eq!(inet_del_protocol(&mut k, &UDP, IPPROTO_UDP), Err(Errno::EBUSY));
        inet_add_protocol(&mut k, UDP, IPPROTO_RAW).unwrap();
        assert_eq!(inet_del_protocol_id::<T>(&mut k, EntryId::Spec(9), IPPROTO_RAW), Err(Errno::EBUSY));
        inet_del_protocol_id::<T>(&mut k, EntryId::Spec(1), IPPROTO_RAW).unwrap();
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
