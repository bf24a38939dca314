//! The spec compiler's limits on its input, in one place.
//!
//! A spec is trusted to be small and shallow; these bound what a malformed or
//! hostile one can cost. Past each limit the compiler reports an error located
//! in the spec (or, for the root file, naming it) rather than crashing,
//! running out of memory or taking quadratic time. Every value is far above
//! what the workspace's specs use (the comments say how far), so a real spec
//! never meets one.

/// How deep `{ }`, `[ ]`, `( )` and `::< >` may nest, counted together.
///
/// The parser (pest) and the syntax-tree builder recurse once per level,
/// about 10 KiB of stack a level in a debug build: 32 levels fit in 400 KiB,
/// well inside the 2 MiB stack of a test thread, where 2,500 overflowed even
/// the 8 MiB main stack. The workspace's specs nest 2 deep.
pub const MAX_NESTING: usize = 32;

/// The longest name (identifier, keyword or path segment), in characters.
///
/// Names become Rust identifiers and constants in the generated code and
/// are quoted in every diagnostic about them; unbounded, one could be as
/// long as its file. The longest name in the workspace's specs has 25
/// characters; 255 leaves ten times that.
pub const MAX_IDENT_LEN: usize = 255;

/// The largest spec file, in bytes.
///
/// Read with a bound (and only regular files are read: `/dev/zero` is
/// refused before it is opened), so a huge or growing file, or one whose
/// size says nothing (`/proc`), fails at once instead of filling memory.
/// The largest spec file in the workspace is about 10 KiB.
pub const MAX_SPEC_FILE_BYTES: u64 = 1 << 20;

/// How many `include`s one spec may have, over all of its files.
///
/// With [`MAX_SPEC_FILE_BYTES`], this bounds what one spec can make the
/// compiler read (65 MiB). The workspace's specs have 5 each.
pub const MAX_INCLUDES: usize = 64;

/// How long a chain of includes may be: the root file's includes are at
/// depth 1, what they include at depth 2, and so on.
///
/// Loading recurses once per level. The workspace's specs have depth 1.
pub const MAX_INCLUDE_DEPTH: usize = 16;

/// Names longer than this, in characters, get no "did you mean"
/// suggestion.
///
/// An edit distance costs the product of the two lengths; a typo in a
/// longer name is rare, and its diagnostic still says the name is unknown.
pub const MAX_SUGGEST_NAME_LEN: usize = 64;

/// The work one analysis may spend on "did you mean" suggestions: one unit
/// per candidate looked at and per edit-distance cell computed.
///
/// Each suggestion compares one unknown name with every declared name, so
/// thousands of unknown names against thousands of declarations would take
/// quadratic time even with each comparison bounded; past this budget the
/// remaining diagnostics come without a suggestion. A typo in the
/// workspace's spec costs about 600 units, so this is room for over a
/// thousand typos, and a spec built to spend it all takes a few
/// milliseconds in a release build.
pub const MAX_SUGGEST_WORK: u64 = 1_000_000;

/// How many diagnostics are shown (`diag::render_all`); past them one line
/// says how many more errors and warnings there are.
///
/// Every problem is still found, and counted in the closing line, but
/// thousands of them would bury the first, which often causes the rest.
/// rustc goes on for as long as it finds errors; 50 fill several screens,
/// and the workspace's specs, when broken by hand, have a few.
pub const MAX_SHOWN_DIAGNOSTICS: usize = 50;
