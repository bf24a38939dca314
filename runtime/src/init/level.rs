//! Initcall levels as types, so that "runs no earlier than" is a trait bound.

/// An initcall level (`core`, `subsys`, ...). The generated crate declares one
/// type per level of the spec, in Linux's order.
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

/// `Self: Precedes<L, R, F>` holds when level `Self` runs no later than level
/// `L`. `R` (the resource) and `F` (the initcall) are carried only so the
/// compile error can name them.
#[diagnostic::on_unimplemented(
    message = "`{R}` is provided at level `{Self}` but `{F}` runs at `{L}`",
    label = "`{R}` does not exist yet when level `{L}` runs",
    note = "move `{F}` to level `{Self}` or later, or provide `{R}` earlier"
)]
pub trait Precedes<L: Level, R, F>: Level {}
