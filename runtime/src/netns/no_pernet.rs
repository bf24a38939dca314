//! [`NoPernet`]: a spec without pernet operations, for tools and tests that
//! need namespaces or a [`Net`] without the generated crate.

use super::{Net, PernetDesc, PernetSpec};
use crate::init::InitResult;

/// A `pernet_list` that stays empty: namespaces carry only what every
/// `struct net` has.
pub struct NoPernet;

/// `NoPernet` has no operations, so no value of this type exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoOp {}

impl PernetSpec for NoPernet {
    type Op = NoOp;
    type States = ();
    const OPS: &'static [PernetDesc<NoOp>] = &[];
    fn init(op: NoOp, _: &mut Net<Self>) -> InitResult {
        match op {}
    }
    fn pre_exit(op: NoOp, _: &mut Net<Self>) {
        match op {}
    }
    fn exit(op: NoOp, _: &mut Net<Self>) {
        match op {}
    }
    fn exit_batch(op: NoOp, _: &mut [&mut Net<Self>]) {
        match op {}
    }
    fn free(op: NoOp, _: &mut Net<Self>) {
        match op {}
    }
}
