//! Plain descriptions of levels and initcalls, as the generated table and the
//! attribute macros write them.

use crate::errno::Errno;
use crate::kernel::KernelSpec;

/// What an initcall returns: `Ok(())` is Linux's `0`, `Err(e)` is `-e`.
pub type InitResult = Result<(), Errno>;

/// The signature every initcall has (defined beside the kernel it builds).
pub use crate::kernel::InitFn;

/// Where an initcall was declared: a spec line, or the attribute in Rust code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Origin {
    pub file: &'static str,
    pub line: u32,
    pub column: u32,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// One initcall level, e.g. `core_sync`, whose Linux section is `.initcall1s.init`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LevelDesc {
    pub name: &'static str,
    /// The id in Linux's section name `.initcall<id>.init` (`"1s"`, `"early"`).
    pub section: &'static str,
}

/// One initcall: its function, level, and the resources it needs and creates.
pub struct InitcallDesc<S: KernelSpec> {
    pub name: &'static str,
    pub level: &'static str,
    pub requires: &'static [&'static str],
    pub provides: &'static [&'static str],
    pub func: InitFn<S>,
    pub origin: Origin,
}

impl<S: KernelSpec> Clone for InitcallDesc<S> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<S: KernelSpec> Copy for InitcallDesc<S> {}

impl<S: KernelSpec> std::fmt::Debug for InitcallDesc<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InitcallDesc")
            .field("name", &self.name)
            .field("level", &self.level)
            .field("requires", &self.requires)
            .field("provides", &self.provides)
            .field("origin", &self.origin)
            .finish()
    }
}
