//! The typed register layer costs what hand-written volatile accesses cost:
//! `examples/field_update.rs` compiled in release, its typed `RCTL.EN = 1`
//! and its hand-written `rctl |= E1000_RCTL_EN` have the same instructions
//! (a load, an or, a store and a return on x86-64). An instruction count,
//! not a clock: nothing here depends on the machine's load.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The instructions of `function` in the assembly `text`: the lines
/// between its label and the end of the function that are not labels,
/// directives or comments.
fn instructions<'a>(text: &'a str, function: &str) -> Vec<&'a str> {
    let label = format!("{function}:");
    let mut lines = text.lines().skip_while(|l| l.trim() != label).skip(1);
    let mut out = Vec::new();
    for line in lines.by_ref() {
        let l = line.trim();
        if l.starts_with(".Lfunc_end") || l == ".cfi_endproc" {
            break;
        }
        if l.is_empty() || l.starts_with('.') || l.starts_with('#') || l.ends_with(':') {
            continue;
        }
        out.push(l);
    }
    out
}

#[test]
fn a_typed_field_update_is_the_hand_written_read_modify_write() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    // A target directory of its own, so the outer `cargo test` and this
    // build never wait on each other.
    let target = here.join("../../../target/asm-test");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["rustc", "--quiet", "--release", "--example", "field_update", "--manifest-path"])
        .arg(here.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target)
        .args(["--", "--emit=asm", "-C", "codegen-units=1"])
        .status()
        .expect("cargo runs");
    assert!(status.success(), "cargo rustc --example field_update failed");
    let dir = target.join("release/examples");
    let asm: PathBuf = std::fs::read_dir(&dir)
        .expect("the examples directory exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|e| e == "s")
                && p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("field_update-"))
        })
        .max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .expect("rustc wrote field_update's assembly");
    let text = std::fs::read_to_string(&asm).unwrap();
    let typed = instructions(&text, "typed_rctl_enable");
    let hand = instructions(&text, "hand_rctl_enable");
    println!(
        "typed ({}):\n  {}\nhand-written ({}):\n  {}",
        typed.len(),
        typed.join("\n  "),
        hand.len(),
        hand.join("\n  ")
    );
    assert!(!typed.is_empty() && !hand.is_empty(), "both functions are in {}", asm.display());
    assert_eq!(typed.len(), hand.len(), "typed:\n{typed:#?}\nhand-written:\n{hand:#?}");
}
