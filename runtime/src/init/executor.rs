//! `do_initcalls`: runs a [`Plan`] level by level with Linux's
//! `initcall_debug` trace (init/main.c, `do_one_initcall_debug`).
//!
//! A failing initcall is logged and boot goes on, as in Linux; but an
//! initcall whose required resource was not provided (its provider failed,
//! was skipped or blacklisted) is skipped and reported, never run against
//! missing state.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use super::plan::{Plan, PlanProblem};
use crate::errno::Errno;
use crate::kernel::{Kernel, KernelSpec};

/// Boot parameters, after Linux's command line.
#[derive(Clone, Debug, Default)]
pub struct BootOptions {
    /// `initcall_blacklist=`: initcalls not to run.
    pub blacklist: BTreeSet<String>,
    /// Fault injection: these initcalls return the error instead of running.
    pub inject: BTreeMap<String, Errno>,
}

/// What happened to one initcall.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It ran and returned `rc` (0 or a negative errno).
    Returned { rc: i32, usecs: u64 },
    /// It returned 0 but the state of `resource`, which it declares to
    /// provide, is not there: a failure (its dependents are skipped).
    NotProvided { resource: &'static str, usecs: u64 },
    /// It did not run: `reason` says why.
    Skipped { reason: String },
    /// `initcall_blacklist=` named it.
    Blacklisted,
}

/// One initcall's line in the boot report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub name: &'static str,
    pub level: &'static str,
    pub outcome: Outcome,
}

/// The result of a boot, in run order.
#[derive(Clone, Debug, Default)]
pub struct BootReport {
    pub records: Vec<Record>,
    /// Initcalls the plan could not place at all.
    pub rejected: Vec<String>,
    pub total_usecs: u64,
}

impl BootReport {
    /// The record of initcall `name`.
    pub fn get(&self, name: &str) -> Option<&Record> {
        self.records.iter().find(|r| r.name == name)
    }

    /// Names in the order they ran (skipped ones excluded).
    pub fn ran(&self) -> Vec<&'static str> {
        self.records
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Returned { .. } | Outcome::NotProvided { .. }))
            .map(|r| r.name)
            .collect()
    }

    /// Counts of (ok, failed, skipped, blacklisted).
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        let mut c = (0, 0, 0, 0);
        for r in &self.records {
            match r.outcome {
                Outcome::Returned { rc: 0, .. } => c.0 += 1,
                Outcome::Returned { .. } | Outcome::NotProvided { .. } => c.1 += 1,
                Outcome::Skipped { .. } => c.2 += 1,
                Outcome::Blacklisted => c.3 += 1,
            }
        }
        c
    }

    /// Whether every initcall ran and returned 0.
    pub fn all_ok(&self) -> bool {
        self.rejected.is_empty() && self.counts() == (self.records.len(), 0, 0, 0)
    }

    /// The summary line printed after the trace.
    pub fn summary(&self) -> String {
        let (ok, failed, skipped, black) = self.counts();
        format!(
            "initcalls: {} planned, {ok} ok, {failed} failed, {skipped} skipped, {black} blacklisted, {} rejected; {} usecs",
            self.records.len(),
            self.rejected.len(),
            self.total_usecs
        )
    }
}

/// Why a resource is not available, for the skip message.
#[derive(Clone)]
enum Missing {
    Failed(i32),
    NotProvided,
    NotRun,
}

/// Runs every step of `plan` on `kernel`, logging the trace to the kernel log.
pub fn do_initcalls<S: KernelSpec>(kernel: &mut Kernel<S>, plan: &Plan<S>, opts: &BootOptions) -> BootReport {
    let boot_start = Instant::now();
    let mut report = BootReport::default();
    for p in &plan.rejected {
        kernel.printk(format!("initcall rejected: {p}"));
        report.rejected.push(p.to_string());
    }
    // resource -> (provider, why unavailable) for every resource not provided
    let mut unavailable: BTreeMap<&str, (&str, Missing)> = BTreeMap::new();
    let mut provided: BTreeSet<&str> = BTreeSet::new();
    let mut current_level = usize::MAX;

    for step in &plan.steps {
        let d = &step.desc;
        if step.level != current_level {
            current_level = step.level;
            let l = &plan.levels[step.level];
            kernel.printk(format!("initcall_level: {} (.initcall{}.init)", l.name, l.section));
        }
        let outcome = if let Some(problem) = &step.problem {
            Outcome::Skipped { reason: problem_reason(problem) }
        } else if let Some(reason) = missing_requirement(d.requires, &provided, &unavailable) {
            Outcome::Skipped { reason }
        } else if opts.blacklist.contains(d.name) {
            Outcome::Blacklisted
        } else {
            kernel.printk(format!("calling  {} @ {}", d.name, d.level));
            let start = Instant::now();
            let result = match opts.inject.get(d.name) {
                Some(&e) => Err(e),
                None => (d.func)(kernel),
            };
            let usecs = start.elapsed().as_micros() as u64;
            let rc = match result {
                Ok(()) => 0,
                Err(e) => e.as_rc(),
            };
            kernel.printk(format!("initcall {} returned {rc} after {usecs} usecs", d.name));
            if let Err(e) = result {
                kernel.printk(format!("initcall {} failed: {e}", d.name));
            }
            // `Ok` is a claim: each spec resource it declares must now have
            // its state, or what requires it would find nothing.
            let unprovided = d.provides.iter().find(|r| S::provided(kernel.states(), r) == Some(false));
            match (rc, unprovided) {
                (0, Some(&resource)) => {
                    kernel.printk(format!("initcall {} returned 0 but did not provide {resource}", d.name));
                    Outcome::NotProvided { resource, usecs }
                }
                _ => Outcome::Returned { rc, usecs },
            }
        };
        match &outcome {
            Outcome::Returned { rc: 0, .. } => provided.extend(d.provides.iter().copied()),
            other => {
                let why = match other {
                    Outcome::Returned { rc, .. } => Missing::Failed(*rc),
                    Outcome::NotProvided { .. } => Missing::NotProvided,
                    _ => Missing::NotRun,
                };
                for &r in d.provides {
                    unavailable.insert(r, (d.name, why.clone()));
                }
                match other {
                    Outcome::Skipped { reason } => kernel.printk(format!("initcall {} skipped: {reason}", d.name)),
                    Outcome::Blacklisted => kernel.printk(format!("initcall {} blacklisted", d.name)),
                    Outcome::Returned { .. } | Outcome::NotProvided { .. } => {}
                }
            }
        }
        report.records.push(Record { name: d.name, level: d.level, outcome });
    }
    report.total_usecs = boot_start.elapsed().as_micros() as u64;
    kernel.printk(report.summary());
    report
}

fn problem_reason(p: &PlanProblem) -> String {
    match p {
        PlanProblem::Cycle { cycle, .. } => format!("dependency cycle {}", cycle.join(" -> ")),
        other => other.to_string(),
    }
}

fn missing_requirement(
    requires: &[&str],
    provided: &BTreeSet<&str>,
    unavailable: &BTreeMap<&str, (&str, Missing)>,
) -> Option<String> {
    let r = requires.iter().find(|r| !provided.contains(*r))?;
    Some(match unavailable.get(r) {
        Some((by, Missing::Failed(rc))) => {
            format!("requires {r}, which {by} failed to provide ({rc})")
        }
        Some((by, Missing::NotProvided)) => {
            format!("requires {r}, which {by} did not provide (it returned 0 without it)")
        }
        Some((by, Missing::NotRun)) => {
            format!("requires {r}, which {by} did not provide (it did not run)")
        }
        None => format!("requires {r}, which nothing provided before it"),
    })
}
