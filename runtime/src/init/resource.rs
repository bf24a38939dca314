//! Resources: what one initcall creates and others need.

use super::level::Level;

/// Something an initcall provides (the `net_families` table, `init_net`, ...).
///
/// Spec resources get their impl from the generated crate; a resource of a
/// user crate gets it from the `provides = [..]` of the initcall that creates
/// it. Either way there is exactly one impl, so a resource has one provider.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a resource: no initcall provides it",
    label = "unknown resource",
    note = "declare it with `resource {Self};` in spec/ and name it in a spec initcall's `provides`, or list it in `provides = [..]` of the initcall in your crate that creates it"
)]
pub trait Resource: 'static {
    /// The level of the initcall that provides it.
    type ProvidedAt: Level;
    /// The resource's name, as written in the spec or the macro.
    const NAME: &'static str;
    /// The name of the initcall that provides it.
    const PROVIDER: &'static str;
}
