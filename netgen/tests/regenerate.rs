//! The spec in the repository compiles, the committed `generated/` matches
//! it, and editing a copy of the spec changes what is generated.

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[test]
fn committed_generated_files_match_the_spec() {
    let c = netgen::compile(&repo().join("spec/netgen.ng"));
    let rendered = c.render_diagnostics();
    let ir = c.ir.unwrap_or_else(|| panic!("{rendered}"));
    let stale = netgen::emit::stale(&repo().join("generated/src"), &netgen::emit::emit(&ir).expect("the spec emits"));
    assert!(stale.is_empty(), "stale: {stale:?}; run `cargo run -p netgen -- generate`");
}

#[test]
fn committed_igb_register_layer_matches_the_spec() {
    let c = netgen::compile(&repo().join("spec/netgen.ng"));
    let files = c.emit_netdev("igb").expect("spec/igb_regs.ng declares igb").expect("igb's registers emit");
    let stale = netgen::emit::stale(&repo().join("drivers/igb/regs/src"), &files);
    assert!(stale.is_empty(), "stale: {stale:?}; run `cargo run -p netgen -- generate`");
}

#[test]
fn editing_a_copy_of_the_spec_changes_the_generated_table() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join("spec");
    copy_dir(&repo().join("spec"), &spec);
    let out = tmp.path().join("out");
    let before = netgen::compile(&spec.join("netgen.ng")).ir.expect("repo spec compiles");
    netgen::emit::write(&out, &netgen::emit::emit(&before).expect("the spec emits")).unwrap();

    // A user adds an initcall at `late` that needs what inet_init provides.
    let mut text = std::fs::read_to_string(spec.join("initcalls.ng")).unwrap();
    text.push_str(
        "\n/// A new late initcall.\ninitcall my_late_init @ late {\n    requires: [InetFamily];\n    run: my_crate::my_late_init;\n}\n",
    );
    std::fs::write(spec.join("initcalls.ng"), text).unwrap();
    let after = netgen::compile(&spec.join("netgen.ng"));
    let rendered = after.render_diagnostics();
    let ir = after.ir.unwrap_or_else(|| panic!("{rendered}"));
    assert_eq!(ir.initcalls.last().map(|c| c.name.as_str()), Some("my_late_init"));
    let files = netgen::emit::emit(&ir).expect("the spec emits");
    let stale = netgen::emit::stale(&out, &files);
    assert!(stale.iter().any(|s| s.path.ends_with("initcalls.ng") || s.path.ends_with("initcalls.rs")), "{stale:?}");
    netgen::emit::write(&out, &files).unwrap();
    let table = std::fs::read_to_string(out.join("initcalls.rs")).unwrap();
    assert!(table.contains("pub const MY_LATE_INIT: InitcallDesc"), "{table}");
    assert!(table.contains("::my_crate::my_late_init"), "{table}");
    assert!(netgen::emit::stale(&out, &files).is_empty());

    // Moving it before its provider's level is refused, naming both levels.
    let text = std::fs::read_to_string(spec.join("initcalls.ng"))
        .unwrap()
        .replace("my_late_init @ late", "my_late_init @ core");
    std::fs::write(spec.join("initcalls.ng"), text).unwrap();
    let broken = netgen::compile(&spec.join("netgen.ng"));
    let out = broken.render_diagnostics();
    assert!(out.contains("`InetFamily` is provided at level `fs` but `my_late_init` runs at `core`"), "{out}");
    assert!(out.contains("--> spec/initcalls.ng:"), "{out}");
}

#[test]
fn include_problems_point_at_the_include() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join("spec");
    std::fs::create_dir_all(&spec).unwrap();
    std::fs::write(spec.join("netgen.ng"), "include \"a.ng\";\ninclude \"missing.ng\";\n").unwrap();
    std::fs::write(spec.join("a.ng"), "include \"netgen.ng\";\n").unwrap();
    let c = netgen::compile(&spec.join("netgen.ng"));
    let out = c.render_diagnostics();
    assert!(out.contains("error: include cycle: spec/netgen.ng -> spec/a.ng -> spec/netgen.ng"), "{out}");
    assert!(out.contains("--> spec/a.ng:1:9"), "{out}");
    assert!(out.contains("cannot read included file `missing.ng`"), "{out}");
    assert!(out.contains("--> spec/netgen.ng:2:9"), "{out}");
}
