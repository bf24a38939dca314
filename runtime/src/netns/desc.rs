//! What the generated crate implements for the spec's `pernet` sections:
//! the list of operations ([`PernetSpec`]), and state reached by type
//! ([`PernetState`]).

use std::fmt::Debug;

use super::Net;
use crate::init::{InitResult, Origin};

/// Which list an operation joins (`register_pernet_subsys` or
/// `register_pernet_device`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PernetKind {
    /// Runs before every device operation, whatever the registration order
    /// (inserted before `first_device`).
    Subsys,
    /// Runs after every subsys operation (appended to `pernet_list`).
    Device,
}

impl PernetKind {
    /// `"subsys"` or `"device"`, as the spec writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            PernetKind::Subsys => "subsys",
            PernetKind::Device => "device",
        }
    }
}

/// Which of `struct pernet_operations`' methods an operation has.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PernetMethods {
    pub init: bool,
    pub pre_exit: bool,
    pub exit: bool,
    pub exit_batch: bool,
}

/// One `pernet` section of the spec.
#[derive(Clone, Copy, Debug)]
pub struct PernetDesc<Op: 'static> {
    pub op: Op,
    pub name: &'static str,
    pub kind: PernetKind,
    /// The initcall that registers it.
    pub registered_by: &'static str,
    /// The operations whose state this one's `init` reads; they must stay
    /// registered while this one is (`unregister` refuses with `EBUSY`).
    pub uses: &'static [&'static str],
    /// The Rust path of its per-namespace state, if it has one.
    pub state: Option<&'static str>,
    pub methods: PernetMethods,
    pub origin: Origin,
}

/// The spec's pernet operations: `netgen` generates the one implementation,
/// `netgen_generated::pernet::Pernet`. Each method is a `match` over
/// [`Self::Op`] calling the spec's functions directly, so a namespace is set
/// up without a function pointer or a downcast.
pub trait PernetSpec: Sized + Send + Sync + 'static {
    /// One variant per `pernet` section.
    type Op: Copy + Eq + Debug + Send + Sync + 'static;
    /// One `Option<State>` field per operation with `state`: the typed part
    /// of `struct net`.
    type States: Default + Send + Sync + 'static;
    /// Every operation, in the order the spec registers them at boot.
    const OPS: &'static [PernetDesc<Self::Op>];

    /// `ops->init(net)`, storing the state it builds. On error nothing of
    /// `op` is left in `net`.
    fn init(op: Self::Op, net: &mut Net<Self>) -> InitResult;
    /// `ops->pre_exit(net)`, if `op` has one.
    fn pre_exit(op: Self::Op, net: &mut Net<Self>);
    /// `ops->exit(net)`, if `op` has one; the state is still there.
    fn exit(op: Self::Op, net: &mut Net<Self>);
    /// `ops->exit_batch(net_exit_list)`, if `op` has one.
    fn exit_batch(op: Self::Op, nets: &mut [&mut Net<Self>]);
    /// `ops_free`: drops `op`'s state.
    fn free(op: Self::Op, net: &mut Net<Self>);

    /// The description of `op` (netgen emits one per variant).
    fn desc(op: Self::Op) -> Option<&'static PernetDesc<Self::Op>> {
        Self::OPS.iter().find(|d| d.op == op)
    }
}

/// Per-namespace state of one spec operation, reached by type:
/// `net.get::<NetdevNet>()` is a field access in the generated struct.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not the per-namespace state of any `pernet` operation in the spec",
    label = "no `pernet` section has `state: {Self}`",
    note = "declare one in spec/pernet.ng (`pernet my_ops: subsys {{ state: path::to::{Self}; init: ..; registered_by: ..; }}`) and run `cargo run -p netgen -- generate`"
)]
pub trait PernetState<S: PernetSpec>: Sized {
    fn slot(states: &S::States) -> &Option<Self>;
    fn slot_mut(states: &mut S::States) -> &mut Option<Self>;
}
