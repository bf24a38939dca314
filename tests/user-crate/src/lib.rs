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
use netgen_generated::runtime::tables::{NetCx, NetRx};

/// An experimental IP protocol number (RFC 3692) this crate handles.
pub const IPPROTO_EXPERIMENT: u8 = 253;
/// The IEEE 802 local experimental ethertype this crate handles.
pub const ETH_P_EXPERIMENT: u16 = 0x88B5;

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

/// `handler` of IP protocol 253.
fn experiment_rcv(cx: &mut NetCx<'_, Pernet>, skb: SkBuff) -> NetRx {
    record("ip", cx, &skb);
    NetRx::Success
}

/// `func` of ethertype 0x88B5.
fn experiment_packet_rcv(cx: &mut NetCx<'_, Pernet>, skb: SkBuff) -> NetRx {
    record("ether", cx, &skb);
    NetRx::Success
}

/// Adds IP protocol 253 once `inet_protos` exists (`inet_init`, fs).
#[device_initcall(requires = [InetProtos])]
fn experiment_proto_init(k: &mut Kernel) -> InitResult {
    let prot = NetProtocol::<Pernet>::dynamic("experiment_protocol", experiment_rcv, None);
    inet_add_protocol(k, prot, IPPROTO_EXPERIMENT)
}

/// Adds the 0x88B5 packet type once `ptype_base` exists (`net_dev_init`, subsys).
#[device_initcall(requires = [PtypeBase])]
fn experiment_packet_init(k: &mut Kernel) -> InitResult {
    dev_add_pack(k, PacketType::<Pernet>::dynamic(ETH_P_EXPERIMENT, "experiment_packet_type", experiment_packet_rcv))
}
