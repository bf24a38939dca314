//! Pass 3: the intermediate representation. Plain serde data with names
//! resolved and order decided; the emitter reads nothing else. `netgen ir`
//! prints it as JSON.

use serde::{Deserialize, Serialize};

pub use crate::source::Location;

/// A whole checked spec.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ir {
    /// `sha256` over every spec file's name and text, hex.
    pub spec_hash: String,
    /// The root spec file as users name it (`spec/netgen.ng`).
    pub root: String,
    pub consts: Vec<Const>,
    /// In boot order.
    pub levels: Vec<Level>,
    /// In declaration order.
    pub resources: Vec<Resource>,
    /// In boot order: by level, then topologically, declaration order
    /// breaking ties.
    pub initcalls: Vec<Initcall>,
    /// In registration order: by the boot order of the initcalls that
    /// register them, then in declaration order.
    #[serde(default)]
    pub pernet: Vec<Pernet>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Const {
    pub name: String,
    pub value: u64,
    pub docs: Vec<String>,
    pub origin: Location,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    pub name: String,
    /// The id of Linux's `.initcall<id>.init` section: `"1s"`, `"early"`.
    pub section: String,
    pub docs: Vec<String>,
    pub origin: Location,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    pub name: String,
    pub docs: Vec<String>,
    /// The initcall that provides it, and that initcall's level.
    pub provider: String,
    pub level: String,
    pub origin: Location,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Initcall {
    pub name: String,
    pub level: String,
    pub requires: Vec<String>,
    pub provides: Vec<String>,
    /// Rust path of the function that runs it.
    pub run: String,
    /// The pernet operations it registers after `run` returns, in
    /// registration order.
    #[serde(default)]
    pub registers: Vec<String>,
    pub docs: Vec<String>,
    pub origin: Location,
}

/// Which list a pernet operation joins: Linux's `register_pernet_subsys`
/// puts it before `first_device`, `register_pernet_device` at the end. In
/// every namespace, subsys operations are initialized before device ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PernetKind {
    Subsys,
    Device,
}

impl PernetKind {
    /// The spec keyword: `subsys` or `device`.
    pub fn keyword(self) -> &'static str {
        match self {
            PernetKind::Subsys => "subsys",
            PernetKind::Device => "device",
        }
    }

    /// The Linux function that registers an operation of this kind.
    pub fn register_fn(self) -> &'static str {
        match self {
            PernetKind::Subsys => "register_pernet_subsys",
            PernetKind::Device => "register_pernet_device",
        }
    }
}

/// A pernet operation (Linux's `struct pernet_operations`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pernet {
    pub name: String,
    pub kind: PernetKind,
    /// The initcall that registers it once its `run` returns.
    pub registered_by: String,
    /// Rust path of the per-namespace state type `init` builds.
    pub state: Option<String>,
    /// Resources its `init` needs.
    pub requires: Vec<String>,
    /// Pernet operations whose state its `init` reads.
    pub uses: Vec<String>,
    /// Rust paths of its functions, as written in the spec.
    pub init: Option<String>,
    pub pre_exit: Option<String>,
    pub exit: Option<String>,
    pub exit_batch: Option<String>,
    pub docs: Vec<String>,
    pub origin: Location,
}

impl Ir {
    /// The level record named `name`.
    pub fn level(&self, name: &str) -> Option<&Level> {
        self.levels.iter().find(|l| l.name == name)
    }

    /// The initcall record named `name`.
    pub fn initcall(&self, name: &str) -> Option<&Initcall> {
        self.initcalls.iter().find(|c| c.name == name)
    }
}
