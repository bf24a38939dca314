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
    k.provide(MyProtos::default())?;
    k.printk("my_proto: table ready");
    Ok(())
}

/// Registers a protocol once both this crate's table and the spec's
/// `net_families` exist: it runs at `device`, after `inet_init` (fs).
#[device_initcall(requires = [MyProtoTable, SockRegistry, InetFamily])]
fn my_proto_register(k: &mut Kernel) -> InitResult {
    k.get_mut::<MyProtos>()?.registered.push("my_proto");
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
    let n = k.get::<MyProtos>()?.registered.len();
    k.printk(format!("my_proto: {n} protocol(s) registered"));
    Ok(())
}
