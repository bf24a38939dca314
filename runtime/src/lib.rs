//! The hand-written half of netgen's stack.
//!
//! `runtime` defines the mechanisms (the initcall executor, kernel state) and
//! the subsystems Linux's networking initcalls build; the generated crate
//! (`generated/`, emitted from `spec/`) supplies the concrete levels,
//! resources and the ordered initcall table, and implements the traits here.
//!
//! Modules are named after the Linux source they model, in layers that
//! import only the layers below them:
//!
//! * primitives: [`errno`], [`kernel`] (the typed kernel states), [`init`]
//!   (levels, plan, executor), [`netns`], [`skbuff`], [`checksum`],
//!   [`slab`], [`page_pool`], [`rcu`], [`softirq`], [`pci`], [`netpoll`], [`sysctl`], [`ethernet`];
//! * the contract, [`tables`]: [`tables::NetCx`], the entries
//!   ([`tables::Entry`], [`tables::Handle`]), the descriptors and method
//!   sets, and the dispatch trait [`tables::ProtoSpec`], all derived from
//!   the one vtable table (`netgen-vtables`);
//! * [`netfilter`] (net/netfilter/core.c): each namespace's hook lists,
//!   `nf_register_net_hook` and `NF_HOOK`, which IPv4 calls at its hook
//!   points;
//! * devices, [`dev`]: loopback, veth, external devices, `ptype_all` and
//!   `ptype_base` and each namespace's own handler lists,
//!   `netif_receive_skb`, `net_rx_action`, `dev_queue_xmit`;
//! * [`sock`] (net/core/sock.c: `proto_register`, `struct sock` in
//!   [`sock::sk`]), then [`socket`] (net/socket.c: `net_families`, the system
//!   calls, the `sock_no_*` defaults);
//! * protocols: [`inet`] (ARP, IPv4, ICMP, UDP, raw, ping, TCP sockets,
//!   IGMP, the MIBs) and [`packet`] (PF_PACKET);
//! * the top, [`stack`]: [`stack::Stack`] (what the runtime needs of a spec),
//!   `with_cx`, `settle` and the registration of a spec initcall's entries.
//!
//! Each layer states what it needs of the spec in a trait of its own
//! (`netfilter::NetfilterSpec`, `dev::DevSpec`, `sock::SockSpec`, `socket::SocketSpec`,
//! `inet::InetSpec`, `packet::PacketSpec`).

// No `unsafe` here: the runtime is mechanisms over owned data. MMIO and
// DMA (the igb work) are the only places that will need it, each block
// allowed where it is, with its `// SAFETY:` comment.
#![deny(unsafe_code)]

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
pub mod netfilter;
pub mod netns;
pub mod netpoll;
pub mod packet;
pub mod page_pool;
pub mod pci;
pub mod rcu;
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
