//! The whole stack: what the runtime needs of a spec, all layers together
//! ([`Stack`]), and what only the top may do because it reaches every
//! layer: register a spec initcall's protocol-table entries
//! ([`register_spec_entries`]) and run a call in a namespace
//! ([`with_cx`], [`settle`]).
//!
//! The runtime's modules form layers, each importing only those below it:
//! primitives (errno, skbuff, checksum, slab, kernel, init, netns,
//! softirq, pci, netpoll, sysctl) → the contract ([`crate::tables`]:
//! context, entries, descriptors, the dispatch trait) → devices
//! ([`crate::dev`], [`crate::dev::DevSpec`]) → `struct sock` ([`crate::sock`],
//! [`crate::sock::SockSpec`]) → the socket layer ([`crate::socket`],
//! [`crate::socket::SocketSpec`]) →
//! IPv4 ([`crate::inet`], [`InetSpec`]) and PF_PACKET ([`crate::packet`],
//! [`PacketSpec`]) → this module. Each layer says what it needs of the
//! spec in a trait of its own, so no module names the states of a layer
//! above it.

use crate::errno::Errno;
use crate::inet::InetSpec;
use crate::init::InitResult;
use crate::kernel::{HasState, Kernel};
use crate::netns::NetRef;
use crate::packet::PacketSpec;
use crate::tables::{EntryId, NetCx, SpecEntries};

crate::tables::spec_needs! {
    /// Everything the runtime needs of a spec: every layer's states, and
    /// the kernel states of the subsystems no layer owns (netpoll's pool,
    /// the PCI bus). The generated spec type has them all.
    pub trait Stack: InetSpec
        + PacketSpec
        + HasState<crate::netpoll::SkbPoolState>
        + HasState<crate::pci::PciBusState>
}

/// Runs `f` in namespace `net` on CPU 0, as a system call would: the
/// namespace's lock is held for the call. `ENOENT` if boot did not build
/// the protocol tables the packet path dispatches through.
pub fn with_cx<S: Stack, R>(
    k: &Kernel<S>,
    net: &NetRef<S>,
    f: impl FnOnce(&mut NetCx<'_, S>) -> R,
) -> Result<R, Errno> {
    k.get::<crate::dev::PtypeBaseState<S>>()?;
    k.get::<crate::inet::InetProtosState<S>>()?;
    k.get::<crate::inet::InetswState<S>>()?;
    k.get::<crate::socket::SockRegistryState<S>>()?;
    k.get::<crate::sock::SockCacheState>()?;
    let mut guard = net.write();
    let mut cx = NetCx::new(k, &mut guard, 0);
    Ok(f(&mut cx))
}

/// Runs `net_rx_action` in each of `nets` in turn until no frame moves
/// (at most 100 rounds): what the softirqs of hosts joined by wires do.
/// Returns the frames processed.
pub fn settle<S: Stack>(k: &Kernel<S>, nets: &[&NetRef<S>]) -> Result<usize, Errno> {
    let mut total = 0;
    for _ in 0..100 {
        let mut moved = 0;
        for net in nets {
            moved += with_cx(k, net, |cx| crate::dev::net_rx_action(cx, 300))?;
        }
        if moved == 0 {
            break;
        }
        total += moved;
    }
    Ok(total)
}

/// What [`register_spec_entries`] did, to undo on failure.
enum Registered<S: Stack> {
    Proto(crate::sock::ProtoHandle),
    Family(u16),
    InetProtocol(u8, u16),
    Protosw(crate::inet::InetProtosw<S>),
    Pack(crate::dev::PacketType<S>),
}

fn undo<S: Stack>(k: &mut Kernel<S>, r: Registered<S>) {
    // Each entry was registered by this call and is still there; a
    // failure here would mean someone removed it meanwhile.
    let _ = match r {
        Registered::Proto(h) => crate::sock::proto_unregister(k, h),
        Registered::Family(f) => crate::socket::sock_unregister::<S>(k, f),
        Registered::InetProtocol(nr, i) => crate::inet::protocol::inet_del_protocol_id::<S>(k, EntryId::Spec(i), nr),
        Registered::Protosw(p) => crate::inet::inetsw_remove(k, &p),
        Registered::Pack(pt) => crate::dev::dev_remove_pack(k, &pt),
    };
}

/// The descriptors `indices` name, with their indices.
fn entries<D>(table: &'static [D], indices: &'static [u16]) -> impl DoubleEndedIterator<Item = (u16, &'static D)> {
    indices.iter().filter_map(move |&i| Some((i, table.get(usize::from(i))?)))
}

/// Registers the spec entries `which` names (an initcall's, generated from
/// its `registered_by`), in the order Linux's `inet_init` uses
/// (net/ipv4/af_inet.c): `proto_register` for its `proto`s,
/// `sock_register` for its families, `inet_add_protocol`,
/// `inet_register_protosw`, then `dev_add_pack` for its packet types. The
/// generated wrapper of an initcall calls this right after the initcall's
/// `run`, which created the empty tables.
///
/// As in `inet_init`, a taken `inet_protos` slot is logged ("inet_init:
/// Cannot add icmp_protocol") and boot goes on; any other failure undoes
/// what this call registered, newest first, and is returned.
pub fn register_spec_entries<S: Stack>(k: &mut Kernel<S>, registrar: &str, which: &SpecEntries) -> InitResult {
    let mut done = Vec::new();
    let r = register_spec_entries_inner::<S>(k, registrar, which, &mut done);
    if r.is_err() {
        while let Some(d) = done.pop() {
            undo(k, d);
        }
    }
    r
}

fn register_spec_entries_inner<S: Stack>(
    k: &mut Kernel<S>,
    registrar: &str,
    which: &SpecEntries,
    done: &mut Vec<Registered<S>>,
) -> InitResult {
    for (i, p) in entries(S::PROTOS, which.protos) {
        let h = crate::sock::proto_register(k, crate::sock::Proto::spec(p, i), p.slab)?;
        done.push(Registered::Proto(h));
    }
    for (i, f) in entries(S::FAMILIES, which.families) {
        crate::socket::sock_register(k, crate::socket::NetProtoFamily::<S>::spec(f, i))?;
        done.push(Registered::Family(f.family));
    }
    for (i, p) in entries(S::INET_PROTOCOLS, which.inet_protocols) {
        match crate::inet::inet_add_protocol(k, crate::inet::NetProtocol::<S>::spec(p, i), p.protocol) {
            Ok(()) => done.push(Registered::InetProtocol(p.protocol, i)),
            Err(Errno::EBUSY) => k.printk(format!("{registrar}: Cannot add {}", p.name)),
            Err(e) => return Err(e),
        }
    }
    for (i, p) in entries(S::PROTOSW, which.protosw) {
        if usize::from(p.prot) >= S::PROTOS.len() || usize::from(p.ops) >= S::PROTO_OPS.len() {
            return Err(Errno::EINVAL);
        }
        let sw = crate::inet::InetProtosw::<S>::spec(p, i);
        crate::inet::inet_register_protosw(k, sw.clone())?;
        done.push(Registered::Protosw(sw));
    }
    for (i, p) in entries(S::PACKET_TYPES, which.packet_types) {
        let pt = crate::dev::PacketType::<S>::spec(p, i);
        crate::dev::dev_add_pack(k, pt.clone())?;
        done.push(Registered::Pack(pt));
    }
    Ok(())
}

/// Removes the spec entries `which` names, in reverse (`dev_remove_pack`,
/// `inetsw` entries, permanent ones included, `inet_del_protocol`,
/// `sock_unregister`, `proto_unregister`). Entries already gone are
/// skipped; each is removed only if it is still the spec's entry.
pub fn unregister_spec_entries<S: Stack>(k: &mut Kernel<S>, which: &SpecEntries) {
    for (i, p) in entries(S::PACKET_TYPES, which.packet_types).rev() {
        let _ = crate::dev::dev_remove_pack(k, &crate::dev::PacketType::<S>::spec(p, i));
    }
    for (i, p) in entries(S::PROTOSW, which.protosw).rev() {
        let _ = crate::inet::inetsw_remove(k, &crate::inet::InetProtosw::<S>::spec(p, i));
    }
    for (i, p) in entries(S::INET_PROTOCOLS, which.inet_protocols).rev() {
        let _ = crate::inet::protocol::inet_del_protocol_id::<S>(k, EntryId::Spec(i), p.protocol);
    }
    for (i, f) in entries(S::FAMILIES, which.families).rev() {
        let ours = k
            .get::<crate::socket::SockRegistryState<S>>()
            .ok()
            .and_then(|r| r.family(f.family))
            .is_some_and(|r| r.entry.id() == EntryId::Spec(i));
        if ours {
            let _ = crate::socket::sock_unregister::<S>(k, f.family);
        }
    }
    for (i, _) in entries(S::PROTOS, which.protos).rev() {
        let _ = crate::sock::proto_unregister(k, crate::sock::ProtoHandle::Spec(i));
    }
}
