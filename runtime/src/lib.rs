//! The hand-written half of netgen's stack.
//!
//! `runtime` defines the mechanisms (the initcall executor, kernel state) and
//! the subsystems Linux's networking initcalls build; the generated crate
//! (`generated/`, emitted from `spec/`) supplies the concrete levels,
//! resources and the ordered initcall table, and implements the traits here.
//!
//! Modules are named after the Linux source they model. The packet path:
//!
//! * [`tables`]: the contract with the generated crate ([`tables::ProtoSpec`],
//!   the table entries, [`tables::NetCx`]) and the registration of the
//!   spec's protocol entries.
//! * [`skbuff`], [`ethernet`], [`checksum`]: buffers, framing, checksums.
//! * [`dev`]: devices (loopback, veth, external), `ptype_all`/`ptype_base`,
//!   `netif_receive_skb`, `net_rx_action`, `dev_queue_xmit`.
//! * [`inet`]: ARP, IPv4 input/output/routing, ICMP, UDP, raw, ping, TCP
//!   (sockets only), IGMP, the MIBs.
//! * [`socket`]: `net_families`, `struct sock`, the system calls;
//!   [`packet`]: PF_PACKET.

// Generated code names runtime items as `::netgen_runtime::..`; this lets
// the runtime's own test spec (`testspec`) compile inside the runtime.
extern crate self as netgen_runtime;

pub mod checksum;
pub mod dev;
pub mod errno;
pub mod ethernet;
pub mod inet;
pub mod init;
pub mod kernel;
pub mod netns;
pub mod netpoll;
pub mod packet;
pub mod pci;
pub mod skbuff;
pub mod slab;
pub mod sock;
pub mod socket;
pub mod softirq;
pub mod stack;
#[cfg(test)]
mod stack_tests;
pub mod sysctl;
pub mod tables;
/// The runtime's test spec, generated from `runtime/testspec/`.
#[cfg(test)]
pub(crate) mod testspec;

pub use errno::Errno;
pub use kernel::Kernel;
