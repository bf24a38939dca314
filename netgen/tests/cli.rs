//! The `netgen` command line: exit codes and what it prints.

use std::path::Path;
use std::process::Command;

fn netgen(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_netgen")).args(args).output().expect("netgen runs");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

fn spec() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/netgen.ng").display().to_string()
}

#[test]
fn generate_then_check_then_a_hand_edit_makes_check_fail_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("src");
    let out_s = out.display().to_string();
    let (ok, _, err) = netgen(&["generate", "--spec", &spec(), "--out", &out_s]);
    assert!(ok, "{err}");
    let n = std::fs::read_dir(&out).unwrap().count();
    assert!(err.contains(&format!("{n} of {n} files changed")), "{err}");
    let (ok, _, err) = netgen(&["check", "--spec", &spec(), "--out", &out_s]);
    assert!(ok, "{err}");
    std::fs::write(out.join("levels.rs"), "// edited by hand\n").unwrap();
    std::fs::remove_file(out.join("consts.rs")).unwrap();
    let (ok, _, err) = netgen(&["check", "--spec", &spec(), "--out", &out_s]);
    assert!(!ok);
    assert!(err.contains("levels.rs is stale: differs from what spec/ generates"), "{err}");
    assert!(err.contains("consts.rs is stale: missing"), "{err}");
}

#[test]
fn an_invalid_spec_fails_every_command_with_located_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("spec");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("netgen.ng"), "levels { core @ 1; }\ninitcall a @ cor { run: x::a; }\n").unwrap();
    let root = dir.join("netgen.ng").display().to_string();
    for cmd in ["generate", "check", "graph", "ir"] {
        let (ok, stdout, err) = netgen(&[cmd, "--spec", &root, "--out", &tmp.path().join("out").display().to_string()]);
        assert!(!ok, "{cmd} succeeded");
        assert!(stdout.is_empty(), "{cmd} printed {stdout}");
        assert!(err.contains("error: unknown level `cor`"), "{err}");
        assert!(err.contains("--> spec/netgen.ng:2:14"), "{err}");
    }
    assert!(!tmp.path().join("out").exists(), "nothing is written for an invalid spec");
}

#[test]
fn a_spec_the_emitter_cannot_write_fails_generate_and_check_with_located_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("spec");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("netgen.ng"), "levels { core @ 1; }\ninitcall a @ core { run: x::fn; }\n").unwrap();
    let root = dir.join("netgen.ng").display().to_string();
    let out = tmp.path().join("out").display().to_string();
    for cmd in ["generate", "check"] {
        let (ok, stdout, err) = netgen(&[cmd, "--spec", &root, "--out", &out]);
        assert!(!ok, "{cmd} succeeded");
        assert!(stdout.is_empty(), "{cmd} printed {stdout}");
        assert!(err.contains("error: the `run` of initcall `a` is not a Rust path: `x::fn`"), "{err}");
        assert!(err.contains("--> spec/netgen.ng:2:10"), "{err}");
        assert!(err.contains("= note: `fn` is a Rust keyword"), "{err}");
        assert!(err.contains("error: the spec has 1 error"), "{err}");
    }
    assert!(!tmp.path().join("out").exists(), "nothing is written");
    // The spec itself is valid: the commands that do not emit Rust work.
    let (ok, dot, err) = netgen(&["graph", "--spec", &root]);
    assert!(ok && dot.starts_with("digraph initcalls {"), "{err}");
}

#[test]
fn graph_and_ir_print_to_stdout() {
    let (ok, dot, _) = netgen(&["graph", "--spec", &spec()]);
    assert!(ok && dot.starts_with("digraph initcalls {"), "{dot}");
    let (ok, json, _) = netgen(&["ir", "--spec", &spec()]);
    assert!(ok);
    let ir: netgen::ir::Ir = serde_json::from_str(&json).expect("the IR is JSON");
    assert_eq!(ir.initcalls.first().map(|c| c.name.as_str()), Some("spawn_ksoftirqd"));
}
