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
    pub docs: Vec<String>,
    pub origin: Location,
}

impl Ir {
    /// The level record named `name`.
    pub fn level(&self, name: &str) -> Option<&Level> {
        self.levels.iter().find(|l| l.name == name)
    }
}
