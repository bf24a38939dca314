//! The boot plan for initcalls collected from crates the spec does not know:
//! a failing provider, and order problems only the runtime can see.

use netgen_generated::initcalls::InitcallDesc;
use netgen_generated::prelude::*;
use netgen_runtime::init::{do_initcalls, BootOptions, LevelDesc, Origin, Outcome, Plan, PlanProblem};

/// This test binary's own resource, whose provider fails.
pub enum Flaky {}

#[late_initcall(provides = [Flaky])]
fn flaky_init(_k: &mut Kernel) -> InitResult {
    Err(Errno::ENODEV)
}

#[late_initcall_sync(requires = [Flaky])]
fn needs_flaky(_k: &mut Kernel) -> InitResult {
    panic!("must never run: Flaky was not provided");
}

#[test]
fn a_collected_initcall_whose_provider_failed_is_skipped_not_run() {
    let (_, report) = netgen_stack::boot(1, &BootOptions::default());
    assert!(matches!(report.get("flaky_init").unwrap().outcome, Outcome::Returned { rc: -19, .. }));
    match &report.get("needs_flaky").unwrap().outcome {
        Outcome::Skipped { reason } => assert_eq!(reason, "requires Flaky, which flaky_init failed to provide (-19)"),
        other => panic!("{other:?}"),
    }
}

fn ok(_: &mut Kernel) -> InitResult {
    Ok(())
}

const fn call(
    name: &'static str,
    level: &'static str,
    requires: &'static [&'static str],
    provides: &'static [&'static str],
) -> InitcallDesc {
    InitcallDesc { name, level, requires, provides, func: ok, origin: Origin { file: "test", line: 1, column: 1 } }
}

const LEVELS: &[LevelDesc] = &[LevelDesc { name: "core", section: "1" }, LevelDesc { name: "device", section: "6" }];

#[test]
fn a_cycle_among_collected_initcalls_is_named_and_not_run() {
    let collected = [
        call("a", "core", &["C"], &["A"]),
        call("b", "core", &["A"], &["B"]),
        call("c", "core", &["B"], &["C"]),
        call("after_cycle", "device", &["A"], &[]),
        call("fine", "core", &[], &[]),
    ];
    let plan = Plan::build(LEVELS, &[], &collected);
    let cycles: Vec<_> = plan.problems().into_iter().filter(|p| matches!(p, PlanProblem::Cycle { .. })).collect();
    assert_eq!(cycles.len(), 3);
    assert!(cycles[0].to_string().contains("dependency cycle"), "{}", cycles[0]);
    let mut k = Kernel::new(1);
    let report = do_initcalls(&mut k, &plan, &BootOptions::default());
    assert_eq!(report.ran(), ["fine"]);
    assert!(
        matches!(&report.get("after_cycle").unwrap().outcome, Outcome::Skipped { reason } if reason.contains("did not provide"))
    );
}

#[test]
fn unknown_levels_duplicate_names_and_later_providers_are_rejected_before_boot() {
    let collected = [
        call("x", "nowhere", &[], &[]),
        call("dup", "core", &[], &["D"]),
        call("dup", "device", &[], &[]),
        call("early_user", "core", &["L"], &[]),
        call("late_provider", "device", &[], &["L"]),
        call("second_d", "device", &[], &["D"]),
    ];
    let plan = Plan::build(LEVELS, &[], &collected);
    let text: Vec<String> = plan.problems().iter().map(|p| p.to_string()).collect();
    assert!(text.iter().any(|t| t == "x: unknown level `nowhere`"), "{text:?}");
    assert!(text.iter().any(|t| t.starts_with("dup: name already used")), "{text:?}");
    assert!(
        text.iter()
            .any(|t| t
                == "early_user: `L` is provided at level `device` (by late_provider) but early_user runs at `core`"),
        "{text:?}"
    );
    assert!(text.iter().any(|t| t == "second_d: `D` is already provided by dup"), "{text:?}");
    let mut k = Kernel::new(1);
    let report = do_initcalls(&mut k, &plan, &BootOptions::default());
    assert_eq!(report.ran(), ["dup", "late_provider"]);
    assert_eq!(report.rejected.len(), 2);
}

/// The executor does not take `Ok` for "provided": an initcall that returns 0
/// without building the state of a spec resource it declares (here
/// `SockRegistry`) is a failure, and what requires the resource is skipped
/// rather than run against missing state.
#[test]
fn returning_ok_without_providing_a_spec_resource_is_a_failure() {
    let collected =
        [call("liar_init", "core", &[], &["SockRegistry"]), call("needs_registry", "device", &["SockRegistry"], &[])];
    let plan = Plan::build(LEVELS, &[], &collected);
    let mut k = Kernel::new(1);
    let report = do_initcalls(&mut k, &plan, &BootOptions::default());
    assert!(
        matches!(report.get("liar_init").unwrap().outcome, Outcome::NotProvided { resource: "SockRegistry", .. }),
        "{report:?}"
    );
    assert_eq!(report.counts(), (0, 1, 1, 0));
    match &report.get("needs_registry").unwrap().outcome {
        Outcome::Skipped { reason } => {
            assert_eq!(reason, "requires SockRegistry, which liar_init did not provide (it returned 0 without it)")
        }
        other => panic!("{other:?}"),
    }
    assert!(k.log().iter().any(|l| l == "initcall liar_init returned 0 but did not provide SockRegistry"));
}
