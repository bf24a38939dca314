//! `netgen explain`: what it prints, and that the README's *Functions the
//! spec names* is that output, so the two cannot drift.

use std::process::Command;

use netgen::contract::{contracts, explain, explain_all, Kind};

fn netgen_explain(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_netgen")).arg("explain").args(args).output().expect("netgen runs");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

#[test]
fn explain_prints_each_kind_and_refuses_an_unknown_one() {
    let (ok, out, _) = netgen_explain(&[]);
    assert!(ok);
    assert_eq!(out, explain_all());
    for kind in Kind::ALL {
        let (ok, out, err) = netgen_explain(&[kind.keyword()]);
        assert!(ok, "{err}");
        assert_eq!(out, explain(kind));
        // Every field that names Rust code, with its signature.
        for c in contracts(kind) {
            assert!(
                out.contains(&format!("\n    {}\n", c.signature())),
                "{}: no `{}` in:\n{out}",
                kind.keyword(),
                c.signature()
            );
        }
    }
    let (ok, out, err) = netgen_explain(&["protocol"]);
    assert!(!ok && out.is_empty());
    assert!(err.contains("error: `protocol` is not a section kind; the kinds are resource, initcall, pernet"), "{err}");
}

/// The README section holds `netgen explain` and `netgen explain KIND` for
/// every kind, in that order, each as a `text` block.
#[test]
fn the_readme_section_is_explains_output() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let start = readme.find("\n## Functions the spec names\n").expect("the README has the section");
    let section = &readme[start + 1..];
    let section = &section[..section[1..].find("\n## ").map_or(section.len(), |e| e + 1)];
    let mut expected = format!("```text\n$ netgen explain\n{}```\n", explain_all());
    for kind in Kind::ALL {
        expected.push_str(&format!("\n```text\n$ netgen explain {}\n{}```\n", kind.keyword(), explain(kind)));
    }
    assert!(
        section.contains(&expected),
        "README.md's *Functions the spec names* differs from `netgen explain`; its blocks should be:\n\n{expected}"
    );
}
