//! The boot order: the spec's initcalls and the collected ones, merged.
//!
//! Levels run in the spec's order. Within a level, initcalls run in a
//! topological order of requires/provides, declaration order breaking ties
//! (the spec's table first, then collected initcalls by name). Zephyr's
//! lesson applies: nothing relies on link order, and an order that cannot
//! exist (a cycle) is named, not guessed.

use std::collections::BTreeMap;
use std::fmt;

use super::desc::{InitcallDesc, LevelDesc};
use crate::kernel::KernelSpec;

/// What the generated crate provides: the spec's levels and its initcall
/// table (already checked and ordered by netgen).
pub trait InitSpec {
    /// The spec type whose kernel the initcalls build.
    type Spec: KernelSpec;
    const LEVELS: &'static [LevelDesc];
    const INITCALLS: &'static [InitcallDesc<Self::Spec>];
}

/// Why an initcall of the plan will not run, decided before boot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlanProblem {
    /// The initcall names a level the spec does not declare.
    UnknownLevel { initcall: &'static str, level: &'static str },
    /// A second initcall with a name already taken.
    DuplicateName { initcall: &'static str, first: String },
    /// A second provider of a resource; the first keeps it.
    DuplicateProvider { initcall: &'static str, resource: &'static str, first: &'static str },
    /// A required resource no initcall provides.
    Unprovided { initcall: &'static str, resource: &'static str },
    /// A required resource whose provider runs at a later level.
    ProvidedLater {
        initcall: &'static str,
        level: &'static str,
        resource: &'static str,
        provider: &'static str,
        provider_level: &'static str,
    },
    /// The initcall is part of a same-level dependency cycle (listed in order).
    Cycle { initcall: &'static str, cycle: Vec<&'static str> },
}

impl fmt::Display for PlanProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanProblem::UnknownLevel { initcall, level } => {
                write!(f, "{initcall}: unknown level `{level}`")
            }
            PlanProblem::DuplicateName { initcall, first } => {
                write!(f, "{initcall}: name already used by the initcall at {first}")
            }
            PlanProblem::DuplicateProvider { initcall, resource, first } => {
                write!(f, "{initcall}: `{resource}` is already provided by {first}")
            }
            PlanProblem::Unprovided { initcall, resource } => {
                write!(f, "{initcall}: requires `{resource}`, which no initcall provides")
            }
            PlanProblem::ProvidedLater { initcall, level, resource, provider, provider_level } => write!(
                f,
                "{initcall}: `{resource}` is provided at level `{provider_level}` (by {provider}) but {initcall} runs at `{level}`"
            ),
            PlanProblem::Cycle { initcall, cycle } => {
                write!(f, "{initcall}: dependency cycle {}", cycle.join(" -> "))
            }
        }
    }
}

/// One planned initcall: run it, or skip it for the recorded reason.
#[derive(Clone, Debug)]
pub struct Step<S: KernelSpec> {
    pub desc: InitcallDesc<S>,
    /// Index into [`Plan::levels`].
    pub level: usize,
    pub problem: Option<PlanProblem>,
    /// Whether it came from a user crate rather than the spec.
    pub collected: bool,
}

/// The full boot order.
#[derive(Clone, Debug)]
pub struct Plan<S: KernelSpec> {
    pub levels: Vec<LevelDesc>,
    pub steps: Vec<Step<S>>,
    /// Initcalls that could not be placed at all (unknown level, duplicate name).
    pub rejected: Vec<PlanProblem>,
}

impl<S: KernelSpec> Plan<S> {
    /// The plan for spec `I` plus the initcalls collected from linked crates
    /// (`collected`: the generated crate's distributed slice).
    pub fn for_spec<I: InitSpec<Spec = S>>(collected: &[InitcallDesc<S>]) -> Plan<S> {
        Plan::build(I::LEVELS, I::INITCALLS, &super::collect::collected(collected))
    }

    /// Merges `spec` (in table order) and `collected` (in the order given)
    /// into one checked order.
    pub fn build(levels: &[LevelDesc], spec: &[InitcallDesc<S>], collected: &[InitcallDesc<S>]) -> Plan<S> {
        let level_of: BTreeMap<&str, usize> = levels.iter().enumerate().map(|(i, l)| (l.name, i)).collect();
        let mut rejected = Vec::new();
        let mut names: BTreeMap<&str, InitcallDesc<S>> = BTreeMap::new();
        let mut steps: Vec<Step<S>> = Vec::new();
        let tagged = spec.iter().map(|d| (*d, false)).chain(collected.iter().map(|d| (*d, true)));
        for (desc, from_crate) in tagged {
            let Some(&level) = level_of.get(desc.level) else {
                rejected.push(PlanProblem::UnknownLevel { initcall: desc.name, level: desc.level });
                continue;
            };
            if let Some(first) = names.get(desc.name) {
                rejected.push(PlanProblem::DuplicateName { initcall: desc.name, first: first.origin.to_string() });
                continue;
            }
            names.insert(desc.name, desc);
            steps.push(Step { desc, level, problem: None, collected: from_crate });
        }

        // resource -> index of its (first) provider
        let mut provider: BTreeMap<&str, usize> = BTreeMap::new();
        for i in 0..steps.len() {
            for &res in steps[i].desc.provides {
                match provider.get(res) {
                    Some(&first) => {
                        let problem = PlanProblem::DuplicateProvider {
                            initcall: steps[i].desc.name,
                            resource: res,
                            first: steps[first].desc.name,
                        };
                        steps[i].problem.get_or_insert(problem);
                    }
                    None => {
                        provider.insert(res, i);
                    }
                }
            }
        }
        for i in 0..steps.len() {
            for &res in steps[i].desc.requires {
                let problem = match provider.get(res) {
                    None => Some(PlanProblem::Unprovided { initcall: steps[i].desc.name, resource: res }),
                    Some(&p) if steps[p].level > steps[i].level => Some(PlanProblem::ProvidedLater {
                        initcall: steps[i].desc.name,
                        level: steps[i].desc.level,
                        resource: res,
                        provider: steps[p].desc.name,
                        provider_level: steps[p].desc.level,
                    }),
                    Some(_) => None,
                };
                if let Some(p) = problem {
                    steps[i].problem.get_or_insert(p);
                }
            }
        }

        let mut ordered = Vec::with_capacity(steps.len());
        for level in 0..levels.len() {
            let members: Vec<usize> = (0..steps.len()).filter(|&i| steps[i].level == level).collect();
            for i in order_level(&mut steps, &members, &provider) {
                ordered.push(steps[i].clone());
            }
        }
        Plan { levels: levels.to_vec(), steps: ordered, rejected }
    }

    /// Every problem found, rejected initcalls first.
    pub fn problems(&self) -> Vec<&PlanProblem> {
        self.rejected.iter().chain(self.steps.iter().filter_map(|s| s.problem.as_ref())).collect()
    }
}

/// Kahn's algorithm over one level's members, always taking the ready member
/// declared first. When nothing is ready, the members left contain a cycle:
/// it is found, marked, and taken out so the rest can still be ordered.
fn order_level<S: KernelSpec>(
    steps: &mut [Step<S>],
    members: &[usize],
    provider: &BTreeMap<&str, usize>,
) -> Vec<usize> {
    let level_preds = |steps: &[Step<S>], i: usize| -> Vec<usize> {
        let mut preds: Vec<usize> = steps[i]
            .desc
            .requires
            .iter()
            .filter_map(|r| provider.get(r).copied())
            .filter(|&p| p != i && steps[p].level == steps[i].level)
            .collect();
        preds.sort_unstable();
        preds.dedup();
        preds
    };
    let mut placed: BTreeMap<usize, bool> = members.iter().map(|&i| (i, false)).collect();
    let mut out = Vec::with_capacity(members.len());
    while out.len() < members.len() {
        let ready = members.iter().copied().find(|&i| !placed[&i] && level_preds(steps, i).iter().all(|p| placed[p]));
        if let Some(i) = ready {
            placed.insert(i, true);
            out.push(i);
            continue;
        }
        // Walk unplaced predecessors from the first unplaced member until a
        // node repeats: the walk's tail from that node is a cycle.
        let start = members.iter().copied().find(|i| !placed[i]).expect("members left");
        let mut path = vec![start];
        let cycle = loop {
            let last = *path.last().expect("non-empty path");
            let next = level_preds(steps, last)
                .into_iter()
                .find(|p| !placed[p])
                .expect("an unplaced member with no ready state has an unplaced predecessor");
            if let Some(pos) = path.iter().position(|&n| n == next) {
                break path[pos..].to_vec();
            }
            path.push(next);
        };
        // The walk went requirer -> provider; print it provider -> requirer.
        let mut names: Vec<&'static str> = cycle.iter().rev().map(|&i| steps[i].desc.name).collect();
        names.push(names[0]);
        for &i in cycle.iter().rev() {
            steps[i].problem = Some(PlanProblem::Cycle { initcall: steps[i].desc.name, cycle: names.clone() });
            placed.insert(i, true);
            out.push(i);
        }
    }
    out
}
