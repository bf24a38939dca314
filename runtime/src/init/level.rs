//! Initcall levels as types: an initcall names its level by type, and a
//! requirement on a resource provided at a later level fails to compile
//! (`check::requires`).

/// An initcall level (`core`, `subsys`, ...). The generated crate declares one
/// type per level of the spec, in Linux's order; `check::requires` compares
/// their `ORDINAL`s.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an initcall level",
    label = "not a level declared in spec/",
    note = "levels are declared in the `levels {{ .. }}` block of spec/levels.ng"
)]
pub trait Level: 'static {
    /// The level's name as Linux spells it (`"core_sync"`).
    const NAME: &'static str;
    /// Position in boot order, 0 for the first level.
    const ORDINAL: u16;
}
