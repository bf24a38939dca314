//! Booting the generated stack: the trace, the order, user-crate initcalls
//! merged in, and Linux's failure semantics.

use netgen_runtime::init::{BootOptions, InitSpec, Outcome};
use netgen_runtime::Errno;
use user_crate as _;

fn boot(opts: &BootOptions) -> (netgen_stack::Kernel, netgen_runtime::init::BootReport) {
    netgen_stack::boot(2, opts)
}

fn pos(order: &[&str], name: &str) -> usize {
    order.iter().position(|n| *n == name).unwrap_or_else(|| panic!("{name} did not run: {order:?}"))
}

#[test]
fn a_clean_boot_runs_every_initcall_in_level_order_with_the_initcall_debug_trace() {
    let (k, report) = boot(&BootOptions::default());
    assert!(report.all_ok(), "{:#?}", report.records);
    let order = report.ran();
    // The spec's order, Linux's levels: early, pure, core, postcore, subsys, fs, device.
    for pair in [
        ("spawn_ksoftirqd", "net_ns_init"),
        ("net_ns_init", "sock_init"),
        ("sock_init", "netpoll_init"),
        ("pci_driver_init", "net_dev_init"),
        ("net_dev_init", "inet_init"),
        ("sysctl_core_init", "inet_init"),
        ("inet_init", "packet_init"),
        ("inet_init", "igb_init_module"),
    ] {
        assert!(pos(&order, pair.0) < pos(&order, pair.1), "{} must run before {}: {order:?}", pair.0, pair.1);
    }
    let log = k.log().join("\n");
    assert!(log.contains("calling  sock_init @ core\n"), "{log}");
    let lines = k.log();
    let returned = lines.iter().find(|l| l.starts_with("initcall sock_init returned")).expect("trace line");
    let words: Vec<&str> = returned.split(' ').collect();
    assert_eq!(&words[..4], ["initcall", "sock_init", "returned", "0"]);
    assert_eq!(&words[4..5], ["after"]);
    assert!(words[5].parse::<u64>().is_ok() && words[6] == "usecs", "{returned}");
    assert!(log.contains("NET: Registered protocol family 2"), "{log}");
    // Every initcall of the spec's table and of the linked crates is planned
    // and runs: counted from the generated table and the collected slice,
    // so adding an initcall to the spec changes the count, not the verdict.
    let planned =
        <netgen_generated::Stack as InitSpec>::INITCALLS.len() + netgen_generated::collected_initcalls().len();
    let summary =
        format!("initcalls: {planned} planned, {planned} ok, 0 failed, 0 skipped, 0 blacklisted, 0 rejected;");
    assert!(k.log().last().unwrap().starts_with(&summary), "{log}");
}

#[test]
fn user_crate_initcalls_run_at_their_levels_after_what_they_require() {
    let (k, report) = boot(&BootOptions::default());
    let order = report.ran();
    // subsys: after net_ns_init (pure), before anything at fs.
    assert!(pos(&order, "net_ns_init") < pos(&order, "my_proto_table_init"));
    assert!(pos(&order, "my_proto_table_init") < pos(&order, "sysctl_core_init"));
    // device: after inet_init (fs) and after igb_init_module (same level, required).
    assert!(pos(&order, "inet_init") < pos(&order, "my_proto_register"));
    assert!(pos(&order, "igb_init_module") < pos(&order, "my_driver_init"));
    // late_sync: last of all.
    assert_eq!(order.last(), Some(&"my_proto_report"));
    assert_eq!(k.ext::<user_crate::MyProtos>().unwrap().registered, ["my_proto"]);
    assert_eq!(report.get("my_proto_report").unwrap().level, "late_sync");
}

#[test]
fn a_failing_initcall_is_logged_boot_goes_on_and_its_dependents_are_skipped() {
    let opts = BootOptions { inject: [("sock_init".to_string(), Errno::ENOMEM)].into(), ..BootOptions::default() };
    let (k, report) = boot(&opts);
    assert!(matches!(report.get("sock_init").unwrap().outcome, Outcome::Returned { rc: -12, .. }));
    // sock_init provides SockRegistry and SkbCache: everything needing them is skipped...
    for skipped in ["netpoll_init", "net_dev_init", "inet_init", "packet_init", "my_proto_register"] {
        match &report.get(skipped).unwrap().outcome {
            Outcome::Skipped { reason } => {
                assert!(reason.contains("sock_init"), "{skipped}: {reason}")
            }
            other => panic!("{skipped} should be skipped, got {other:?}"),
        }
    }
    // ...transitively (igb needs net_dev_init's NetdevNet)...
    match &report.get("igb_init_module").unwrap().outcome {
        Outcome::Skipped { reason } => {
            assert!(reason.contains("net_dev_init did not provide"), "{reason}")
        }
        other => panic!("igb_init_module should be skipped, got {other:?}"),
    }
    // ...and everything else still runs.
    for ran in ["spawn_ksoftirqd", "net_ns_init", "net_inuse_init", "pci_driver_init", "proto_init", "sysctl_core_init"]
    {
        assert!(matches!(report.get(ran).unwrap().outcome, Outcome::Returned { rc: 0, .. }), "{ran}");
    }
    let log = k.log().join("\n");
    assert!(log.contains("initcall sock_init returned -12 after"), "{log}");
    assert!(log.contains("initcall sock_init failed: ENOMEM"), "{log}");
    assert!(
        log.contains("initcall inet_init skipped: requires SockRegistry, which sock_init failed to provide (-12)"),
        "{log}"
    );
    assert!(!log.contains("calling  inet_init"), "a skipped initcall must not be called");
}

#[test]
fn initcall_blacklist_skips_an_initcall_and_what_needs_it() {
    let opts = BootOptions { blacklist: ["pci_driver_init".to_string()].into(), ..BootOptions::default() };
    let (k, report) = boot(&opts);
    assert_eq!(report.get("pci_driver_init").unwrap().outcome, Outcome::Blacklisted);
    assert!(matches!(report.get("igb_init_module").unwrap().outcome, Outcome::Skipped { .. }));
    assert!(k.log().iter().any(|l| l == "initcall pci_driver_init blacklisted"));
    assert!(matches!(report.get("inet_init").unwrap().outcome, Outcome::Returned { rc: 0, .. }));
}

#[test]
fn the_boot_example_runs() {
    let (rc, stdout, stderr) = run_example("boot", &["--cpus", "1", "--fail", "packet_init=ENOBUFS"]);
    assert_eq!(rc, Some(0), "{stderr}");
    assert!(stdout.contains("initcall packet_init returned -105 after"), "{stdout}");
    assert!(stdout.contains("# /proc/net/protocols"), "{stdout}");
    assert!(stdout.contains("boot finished with 1 failed and 0 skipped initcalls"), "{stdout}");
}

/// Runs an example with `args`: its exit code, stdout and stderr.
fn run_example(name: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let out = std::process::Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--example", name, "--"])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

#[test]
fn the_examples_parse_their_arguments_with_help() {
    let (rc, help, _) = run_example("boot", &["--help"]);
    assert_eq!(rc, Some(0));
    for opt in ["--cpus <N>", "--initcall_blacklist <a,b>", "--fail <NAME=ERRNO>", "--quiet"] {
        assert!(help.contains(opt), "{help}");
    }
    let (rc, _, err) = run_example("boot", &["--cpus", "0"]);
    assert_eq!(rc, Some(2), "{err}");
    let (rc, _, err) = run_example("boot", &["--fail", "sock_init=EWHAT"]);
    assert_eq!(rc, Some(2));
    assert!(err.contains("unknown errno `EWHAT`"), "{err}");
    let (rc, help, _) = run_example("netns", &["--help"]);
    assert_eq!(rc, Some(0));
    for opt in ["--count <N>", "--max <N>", "--fail <OPS=ERRNO>"] {
        assert!(help.contains(opt), "{help}");
    }
}

#[test]
fn spec_constants_match_the_runtime_tables() {
    use netgen_generated::consts;
    assert_eq!(consts::NPROTO as usize, netgen_runtime::socket::NPROTO);
    assert_eq!(consts::PTYPE_HASH_SIZE as usize, netgen_runtime::dev::PTYPE_HASH_SIZE);
    assert_eq!(consts::NR_SOFTIRQS as usize, netgen_runtime::softirq::NR_SOFTIRQS);
}

/// `netgen doc` says what boot does: its levels and spec initcalls in the
/// order this boot ran them, its pernet operations in the order the booted
/// kernel's `pernet_list` holds them.
#[test]
fn the_spec_reference_shows_the_order_the_booted_stack_has() {
    let spec = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("spec/netgen.ng");
    let compiled = netgen::compile(&spec);
    let rendered = compiled.render_diagnostics();
    let doc = netgen::doc::SpecDoc::new(compiled.ir.as_ref().unwrap_or_else(|| panic!("{rendered}")));
    let (k, report) = boot(&BootOptions::default());
    assert!(report.all_ok(), "{:#?}", report.records);

    let levels: Vec<&str> = doc.levels.iter().map(|l| l.name.as_str()).collect();
    let plan = netgen_generated::plan();
    assert_eq!(levels, plan.levels.iter().map(|l| l.name).collect::<Vec<_>>());
    let documented: Vec<&str> = doc.levels.iter().flat_map(|l| &l.initcalls).map(|c| c.name.as_str()).collect();
    let spec_ran: Vec<&str> = report.ran().into_iter().filter(|n| documented.contains(n)).collect();
    assert_eq!(documented, spec_ran, "the reference's boot order is the boot's");

    let ns = netgen_stack::namespaces(&k).unwrap();
    let booted: Vec<String> = ns.pernet_list().into_iter().map(|(name, _)| name).collect();
    let documented: Vec<&str> = doc.pernet.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(documented, booted, "the reference's pernet_list is the booted one");
}

/// The README's "Boot the stack from your own binary" block is
/// `examples/own_binary.rs` (which `src/lib.rs` runs as a doc test), so the
/// code a reader copies is the code that is compiled and run.
#[test]
fn the_readme_shows_the_own_binary_example_that_the_doc_test_runs() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let example = std::fs::read_to_string(root.join("examples/own_binary.rs")).unwrap();
    assert!(
        readme.contains(&format!("```rust\n{example}```\n")),
        "README.md's own-binary block differs from examples/own_binary.rs: copy the file into it"
    );
}
