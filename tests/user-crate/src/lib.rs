//! A crate outside the spec that hooks into boot with the attribute macros,
//! the way a user's protocol or driver crate would. It depends on
//! `netgen-generated` only.

use netgen_generated::prelude::*;
use netgen_generated::resources::{IgbDriver, InetFamily, InitNet, SockRegistry};

/// This crate's own resource: the table `my_proto_table_init` creates.
pub enum MyProtoTable {}

/// The state behind [`MyProtoTable`].
#[derive(Debug, Default)]
pub struct MyProtos {
    pub registered: Vec<&'static str>,
}

/// Creates this crate's table once namespaces exist.
#[subsys_initcall(requires = [InitNet], provides = [MyProtoTable])]
fn my_proto_table_init(k: &mut Kernel) -> InitResult {
    k.provide_ext(MyProtos::default())?;
    k.printk("my_proto: table ready");
    Ok(())
}

/// Registers a protocol once both this crate's table and the spec's
/// `net_families` exist: it runs at `device`, after `inet_init` (fs).
#[device_initcall(requires = [MyProtoTable, SockRegistry, InetFamily])]
fn my_proto_register(k: &mut Kernel) -> InitResult {
    k.ext_mut::<MyProtos>()?.registered.push("my_proto");
    k.printk("my_proto: registered");
    Ok(())
}

/// A driver entry point: runs at `device` once the igb driver is registered.
#[module_init(requires = [IgbDriver])]
fn my_driver_init(k: &mut Kernel) -> InitResult {
    k.printk("my_driver: probing after igb");
    Ok(())
}

/// The generic form, at a `_sync` level.
#[initcall(level = late_sync, requires = [MyProtoTable])]
fn my_proto_report(k: &mut Kernel) -> InitResult {
    let n = k.ext::<MyProtos>()?.registered.len();
    k.printk(format!("my_proto: {n} protocol(s) registered"));
    Ok(())
}

// ---- A protocol and a packet type of this crate's own -------------------
//
// What a protocol module outside the spec does in Linux: `inet_add_protocol`
// and `dev_add_pack` from its init function. The handlers are run-time
// entries (a function pointer in the slot: the slow path); the spec's own
// entries keep their generated `match`.

use std::sync::Mutex;

use netgen_generated::pernet::Pernet;
use netgen_generated::resources::{InetProtos, PtypeBase};
use netgen_generated::runtime::dev::{dev_add_pack, PacketType};
use netgen_generated::runtime::inet::{inet_add_protocol, NetProtocol};
use netgen_generated::runtime::skbuff::SkBuff;
use netgen_generated::runtime::tables::{InetProtocolDesc, NetCx, NetRx, PacketTypeDesc, ProtoSpec};

/// The IP protocol numbers IANA keeps for experiments and testing (RFC 3692):
/// 253 and 254.
pub const EXPERIMENTAL_IPPROTOS: [u8; 2] = [253, 254];
/// IEEE 802's local experimental ethertypes: 0x88B5 and 0x88B6.
pub const EXPERIMENTAL_ETHERTYPES: [u16; 2] = [0x88B5, 0x88B6];

/// The IP protocol this crate handles: the first experimental number the
/// spec's `inet_protocol` table does not claim, read from the generated
/// table, so a user's spec entry for 253 moves this crate to 254 instead of
/// failing its `inet_add_protocol` with `EBUSY`. `None` if the spec claims
/// both: then this crate registers no protocol.
pub const IPPROTO_EXPERIMENT: Option<u8> =
    first_unclaimed_ipproto(<Pernet as ProtoSpec>::INET_PROTOCOLS, &EXPERIMENTAL_IPPROTOS);
/// The ethertype this crate handles: the first local experimental one the
/// spec's `packet_type` table does not claim; `None` if it claims both.
pub const ETH_P_EXPERIMENT: Option<u16> =
    first_unclaimed_ethertype(<Pernet as ProtoSpec>::PACKET_TYPES, &EXPERIMENTAL_ETHERTYPES);

/// The first of `candidates` no entry of `table` has as its protocol.
pub const fn first_unclaimed_ipproto(table: &[InetProtocolDesc], candidates: &[u8]) -> Option<u8> {
    let mut c = 0;
    while c < candidates.len() {
        if !InetProtocolDesc::claimed(table, candidates[c]) {
            return Some(candidates[c]);
        }
        c += 1;
    }
    None
}

/// The first of `candidates` no entry of `table` has as its ethertype.
pub const fn first_unclaimed_ethertype(table: &[PacketTypeDesc], candidates: &[u16]) -> Option<u16> {
    let mut c = 0;
    while c < candidates.len() {
        if !PacketTypeDesc::claimed(table, candidates[c]) {
            return Some(candidates[c]);
        }
        c += 1;
    }
    None
}

/// A packet one of this crate's handlers received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    /// `"ip"` (from `inet_protos`) or `"ether"` (from `ptype_base`).
    pub via: &'static str,
    /// Cookie of the namespace it arrived in.
    pub net: u64,
    /// Bytes from `skb->data` on: the transport header for `"ip"`, the
    /// network header for `"ether"`.
    pub data: Vec<u8>,
}

/// Everything the handlers received, in order.
pub static SEEN: Mutex<Vec<Seen>> = Mutex::new(Vec::new());

fn record(via: &'static str, cx: &NetCx<'_, Pernet>, skb: &SkBuff) {
    if let Ok(mut seen) = SEEN.lock() {
        seen.push(Seen { via, net: cx.net.cookie(), data: skb.data().to_vec() });
    }
}

/// `handler` of [`IPPROTO_EXPERIMENT`].
fn experiment_rcv(cx: &mut NetCx<'_, Pernet>, skb: SkBuff) -> NetRx {
    record("ip", cx, &skb);
    NetRx::Success
}

/// `func` of [`ETH_P_EXPERIMENT`].
fn experiment_packet_rcv(cx: &mut NetCx<'_, Pernet>, skb: SkBuff) -> NetRx {
    record("ether", cx, &skb);
    NetRx::Success
}

/// Adds [`IPPROTO_EXPERIMENT`] once `inet_protos` exists (`inet_init`, fs).
#[device_initcall(requires = [InetProtos])]
fn experiment_proto_init(k: &mut Kernel) -> InitResult {
    let Some(nr) = IPPROTO_EXPERIMENT else {
        k.printk("experiment: the spec claims every experimental IP protocol; none added");
        return Ok(());
    };
    let prot = NetProtocol::<Pernet>::dynamic("experiment_protocol", experiment_rcv, None);
    inet_add_protocol(k, prot, nr)
}

/// Adds a packet type for [`ETH_P_EXPERIMENT`] once `ptype_base` exists
/// (`net_dev_init`, subsys).
#[device_initcall(requires = [PtypeBase])]
fn experiment_packet_init(k: &mut Kernel) -> InitResult {
    let Some(ty) = ETH_P_EXPERIMENT else {
        k.printk("experiment: the spec claims every local experimental ethertype; none added");
        return Ok(());
    };
    dev_add_pack(k, PacketType::<Pernet>::dynamic(ty, "experiment_packet_type", experiment_packet_rcv))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inet(protocol: u8) -> InetProtocolDesc {
        InetProtocolDesc {
            name: "spec_entry",
            protocol,
            handler: "h",
            err_handler: None,
            no_policy: false,
            netns_ok: true,
            registered_by: "inet_init",
        }
    }

    fn ptype(type_: u16) -> PacketTypeDesc {
        PacketTypeDesc { name: "spec_entry", type_, func: "f", registered_by: "inet_init" }
    }

    #[test]
    fn a_spec_entry_on_an_experimental_number_moves_this_crate_to_the_next() {
        let [first, second] = EXPERIMENTAL_IPPROTOS;
        assert_eq!(first_unclaimed_ipproto(&[inet(17)], &EXPERIMENTAL_IPPROTOS), Some(first));
        assert_eq!(first_unclaimed_ipproto(&[inet(17), inet(first)], &EXPERIMENTAL_IPPROTOS), Some(second));
        assert_eq!(first_unclaimed_ipproto(&[inet(second), inet(first)], &EXPERIMENTAL_IPPROTOS), None);
        let [first, second] = EXPERIMENTAL_ETHERTYPES;
        assert_eq!(first_unclaimed_ethertype(&[ptype(0x0800)], &EXPERIMENTAL_ETHERTYPES), Some(first));
        assert_eq!(first_unclaimed_ethertype(&[ptype(first)], &EXPERIMENTAL_ETHERTYPES), Some(second));
        assert_eq!(first_unclaimed_ethertype(&[ptype(first), ptype(second)], &EXPERIMENTAL_ETHERTYPES), None);
    }

    #[test]
    fn the_numbers_this_crate_uses_are_ones_the_generated_tables_leave_free() {
        let inet = <Pernet as ProtoSpec>::INET_PROTOCOLS;
        let ptypes = <Pernet as ProtoSpec>::PACKET_TYPES;
        if let Some(nr) = IPPROTO_EXPERIMENT {
            assert!(EXPERIMENTAL_IPPROTOS.contains(&nr) && inet.iter().all(|p| p.protocol != nr));
        }
        if let Some(ty) = ETH_P_EXPERIMENT {
            assert!(EXPERIMENTAL_ETHERTYPES.contains(&ty) && ptypes.iter().all(|p| p.type_ != ty));
        }
    }
}
