//! `netgen check --rust` over a copy of the workspace's spec: a crate like
//! `generated/` in a temporary directory, depending on the workspace's
//! runtime, macros and driver by path, its files generated from the copied
//! spec. The unchanged spec compiles; a path that does not exist and a
//! function with the wrong signature are each reported at their line in the
//! spec, with the signature they must have.
//!
//! cargo builds in `target/tmp/check-rust` (kept between runs, so only the
//! first run checks the runtime from scratch).

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().unwrap()
}

/// A crate named `netgen-generated` (so the spec's `netgen_generated::..`
/// paths resolve, as in `generated/`) holding a copy of `spec/`.
fn crate_with_spec(dir: &Path) {
    let ws = workspace();
    let manifest = format!(
        "[package]\nname = \"netgen-generated\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n\n\
         [dependencies]\n\
         netgen-runtime = {{ path = {runtime:?} }}\n\
         netgen-macros = {{ path = {macros:?} }}\n\
         netgen-igb = {{ path = {igb:?} }}\n\
         linkme = \"0.3\"\n",
        runtime = ws.join("runtime"),
        macros = ws.join("netgen-macros"),
        igb = ws.join("drivers/igb"),
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    // The workspace's versions of every crate, so nothing is fetched.
    std::fs::copy(ws.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::copy(ws.join("generated/src/lib.rs"), dir.join("src/lib.rs")).unwrap();
    std::fs::create_dir_all(dir.join("spec")).unwrap();
    for f in std::fs::read_dir(ws.join("spec")).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, dir.join("spec").join(f.file_name().unwrap())).unwrap();
    }
}

fn netgen(dir: &Path, args: &[&str]) -> (bool, String) {
    let spec = dir.join("spec/netgen.ng");
    let out = dir.join("src");
    let run = Command::new(env!("CARGO_BIN_EXE_netgen"))
        .args(args)
        .arg("--spec")
        .arg(&spec)
        .arg("--out")
        .arg(&out)
        .env("CARGO_TARGET_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("check-rust"))
        .env("CARGO_NET_OFFLINE", "true")
        .output()
        .expect("netgen runs");
    (run.status.success(), String::from_utf8_lossy(&run.stderr).into_owned())
}

/// Replaces `from` (which the file has once) by `to` in spec file `file`;
/// returns `spec/FILE:LINE:COLUMN` of `to` there.
fn edit(dir: &Path, file: &str, from: &str, to: &str) -> String {
    let path = dir.join("spec").join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.matches(from).count(), 1, "`{from}` once in {file}");
    let at = text.find(from).unwrap();
    std::fs::write(&path, text.replace(from, to)).unwrap();
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    format!("spec/{file}:{}:{}", text[..at].lines().count() + usize::from(line_start == at), at - line_start + 1)
}

#[test]
fn wrong_paths_and_signatures_are_reported_at_the_spec() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    crate_with_spec(dir);
    let (ok, err) = netgen(dir, &["generate"]);
    assert!(ok, "{err}");
    let (ok, err) = netgen(dir, &["check", "--rust"]);
    assert!(ok, "the workspace's spec compiles:\n{err}");
    assert!(err.contains("Cargo.toml compiles"), "{err}");

    // A function that does not exist, and a pernet `init` that is an `exit`.
    let missing =
        edit(dir, "protocols.ng", "netgen_runtime::inet::udp::udp_rcv;", "netgen_runtime::inet::udp::exp_recv;");
    let wrong = edit(
        dir,
        "pernet.ng",
        "netgen_runtime::dev::loopback::loopback_net_init;",
        "netgen_runtime::dev::loopback::loopback_net_exit;",
    );
    let (ok, err) = netgen(dir, &["check", "--rust"]);
    assert!(!ok, "a stale crate fails");
    assert!(err.contains("is stale"), "{err}");
    let (ok, err) = netgen(dir, &["generate"]);
    assert!(ok, "{err}");
    let (ok, err) = netgen(dir, &["check", "--rust"]);
    assert!(!ok, "{err}");
    for (at, message, contract) in [
        (
            &missing,
            "error: the `handler` of `inet_protocol udp_protocol`: cannot find value `exp_recv` in module",
            "it must be `fn(&mut NetCx<'_, Pernet>, SkBuff) -> NetRx`",
        ),
        (
            &wrong,
            "error: the `init` of `pernet loopback_net_ops`: mismatched types",
            "it must be `fn(&mut Net<Pernet>) -> Result<netgen_runtime::dev::loopback::LoopbackDev, Errno>`",
        ),
    ] {
        let i = err.find(message).unwrap_or_else(|| panic!("no `{message}` in:\n{err}"));
        let report = &err[i..];
        let report = &report[..report.find("\n\n").unwrap_or(report.len())];
        assert!(report.contains(&format!("--> {at}\n")), "not at {at}:\n{report}");
        assert!(report.contains(contract), "no `{contract}` in:\n{report}");
    }
    assert!(err.contains("found fn item `for<'a> fn(&'a mut Net<_>) -> () {loopback_net_exit::<Pernet>}`"), "{err}");
    // The calls of those paths in tables.rs and pernet.rs are not reported again.
    assert!(!err.contains("src/tables.rs") && !err.contains("src/pernet.rs"), "{err}");
    assert!(err.contains("2 errors at paths in the spec (2 more follow from them), 0 others"), "{err}");

    // A plain build: rustc prints the check's line, which ends in the spec
    // location, and the signature it expected.
    let build = Command::new(std::env::var_os("CARGO").unwrap_or("cargo".into()))
        .args(["check", "--quiet", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("check-rust"))
        .env("CARGO_NET_OFFLINE", "true")
        .output()
        .unwrap();
    let rustc = String::from_utf8_lossy(&build.stderr);
    assert!(!build.status.success());
    assert!(rustc.contains(&format!("= ::netgen_runtime::inet::udp::exp_recv; // {missing}\n")), "{rustc}");
    assert!(rustc.contains(&format!("= ::netgen_runtime::dev::loopback::loopback_net_exit; // {wrong}\n")), "{rustc}");
    assert!(
        rustc.contains("expected fn pointer `for<'a> fn(&'a mut Net<_>) -> Result<LoopbackDev, Errno>`"),
        "{rustc}"
    );
}
