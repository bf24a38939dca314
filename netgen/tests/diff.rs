//! `netgen diff`: what changed in meaning between two specs, on edited
//! copies of the workspace's spec and on small specs.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use netgen::diff::{diff, Anchor, Change, List};
use netgen::ir::{Ir, TableKind};
use netgen::vtable::{self, Missing};

fn repo_spec() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec")
}

fn compile(root: &Path) -> Ir {
    checked(netgen::compile(root))
}

fn checked(c: netgen::Compiled) -> Ir {
    assert!(!c.has_errors(), "{}", c.render_diagnostics());
    c.ir.expect("no errors, an IR")
}

/// A copy of `spec/` in a temporary directory, to edit.
struct SpecCopy {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl SpecCopy {
    fn new() -> SpecCopy {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("spec");
        std::fs::create_dir_all(&dir).unwrap();
        for f in std::fs::read_dir(repo_spec()).unwrap() {
            let f = f.unwrap().path();
            std::fs::copy(&f, dir.join(f.file_name().unwrap())).unwrap();
        }
        SpecCopy { _tmp: tmp, dir }
    }

    /// Replaces the one occurrence of `from` in `file` (after the first
    /// occurrence of `after`, if given) with `to`.
    fn edit(&self, file: &str, after: Option<&str>, from: &str, to: &str) -> &SpecCopy {
        let path = self.dir.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let start = after.map_or(0, |a| text.find(a).unwrap_or_else(|| panic!("`{a}` in {file}")));
        let at = start + text[start..].find(from).unwrap_or_else(|| panic!("`{from}` in {file} after `{after:?}`"));
        if after.is_none() {
            assert_eq!(text.matches(from).count(), 1, "`{from}` once in {file}");
        }
        std::fs::write(&path, format!("{}{to}{}", &text[..at], &text[at + from.len()..])).unwrap();
        self
    }

    fn root(&self) -> PathBuf {
        self.dir.join("netgen.ng")
    }

    fn ir(&self) -> Ir {
        compile(&self.root())
    }
}

fn lines(changes: &[Change]) -> Vec<String> {
    changes.iter().map(ToString::to_string).collect()
}

fn netgen(args: &[&Path]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_netgen")).arg("diff").args(args).output().expect("netgen runs");
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

#[test]
fn a_spec_has_no_changes_against_itself() {
    for root in [repo_spec().join("netgen.ng"), repo_spec().join("../runtime/testspec/netgen.ng")] {
        let ir = compile(&root);
        assert_eq!(lines(&diff(&ir, &ir)), Vec::<String>::new(), "{}", root.display());
    }
    let (code, stdout, stderr) = netgen(&[&repo_spec(), &repo_spec().join("netgen.ng")]);
    assert_eq!((code, stdout.as_str()), (Some(0), ""), "{stderr}");
}

#[test]
fn text_that_keeps_the_meaning_is_no_change() {
    let old = compile(&repo_spec().join("netgen.ng"));
    let udp = old.tables.inet_protocols.iter().find(|p| p.name == "udp_protocol").unwrap();
    let written = udp.protocol.constant.clone().expect("udp_protocol names its protocol by a constant");
    let copy = SpecCopy::new();
    copy.edit(
        "initcalls.ng",
        None,
        "initcall inet_init @ fs {",
        "/// Other docs.\ninitcall   inet_init\n  @ fs { // a comment\n",
    )
    .edit(
        "protocols.ng",
        Some("inet_protocol udp_protocol"),
        &format!("protocol: {written};"),
        &format!("protocol: {};", udp.protocol.value),
    );
    let new = copy.ir();
    assert_ne!(old.spec_hash, new.spec_hash, "the text changed");
    assert_eq!(lines(&diff(&old, &new)), Vec::<String>::new());
}

/// The case: one level, one table entry, one pernet operation.
#[test]
fn one_level_one_table_entry_and_one_pernet_op_print_exactly_those_three() {
    let old = compile(&repo_spec().join("netgen.ng"));
    // An initcall whose provisions nobody requires moves to the last level:
    // it still runs before the initcalls there, so no boot order changes.
    let moved = old.initcall("ipv4_offload_init").unwrap();
    let last = &old.levels.last().unwrap().name;
    assert!(old.initcalls.iter().all(|c| c.requires.iter().all(|r| !moved.provides.contains(r))));
    let udp = old.tables.protos.iter().find(|p| p.name == "udp_prot").unwrap();
    // The last subsys operation becomes a device one: it moves in
    // pernet_list, which follows from its kind and is not reported again.
    let in_pernet_ng = |p: &&netgen::ir::Pernet| p.origin.file.ends_with("pernet.ng");
    let op = old.pernet.iter().filter(in_pernet_ng).rfind(|p| p.kind == netgen::ir::PernetKind::Subsys).unwrap();
    assert!(old.pernet.iter().all(|p| !p.uses.contains(&op.name)));

    let copy = SpecCopy::new();
    copy.edit(
        "initcalls.ng",
        None,
        &format!("initcall {} @ {}", moved.name, moved.level),
        &format!("initcall {} @ {last}", moved.name),
    )
    .edit(
        "protocols.ng",
        Some("proto udp_prot"),
        &format!("obj_size: {};", udp.obj_size),
        &format!("obj_size: {};", udp.obj_size + 64),
    )
    .edit("pernet.ng", None, &format!("pernet {}: subsys", op.name), &format!("pernet {}: device", op.name));

    let expected = [
        format!("initcall {}: level {} → {last}", moved.name, moved.level),
        format!("pernet {}: kind subsys → device", op.name),
        format!("proto udp_prot: obj_size {} → {}", udp.obj_size, udp.obj_size + 64),
    ];
    assert_eq!(lines(&diff(&old, &copy.ir())), expected);
    let (code, stdout, stderr) = netgen(&[&repo_spec(), &copy.dir]);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(stdout.lines().collect::<Vec<_>>(), expected);
}

#[test]
fn errors_in_either_spec_are_located_and_exit_2() {
    let copy = SpecCopy::new();
    copy.edit("initcalls.ng", None, "initcall inet_init @ fs", "initcall inet_init @ fss");
    let (code, stdout, stderr) = netgen(&[&repo_spec(), &copy.root()]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains(&format!("in the new spec, {}", copy.root().display())), "{stderr}");
    assert!(stderr.contains("error: unknown level `fss`"), "{stderr}");
    let text = std::fs::read_to_string(copy.dir.join("initcalls.ng")).unwrap();
    let line = text.lines().position(|l| l.contains("@ fss")).unwrap() + 1;
    assert!(stderr.contains(&format!("--> spec/initcalls.ng:{line}:")), "{stderr}");
    // Both are reported, the old spec's first.
    let (code, _, stderr) = netgen(&[&copy.dir, &copy.dir]);
    assert_eq!(code, Some(2));
    assert_eq!(stderr.matches("error: unknown level `fss`").count(), 2, "{stderr}");
    assert!(stderr.find("in the old spec").unwrap() < stderr.find("in the new spec").unwrap(), "{stderr}");
    // A spec that is not there.
    let (code, _, stderr) = netgen(&[&copy.dir.join("missing.ng"), &copy.dir]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("cannot read spec file"), "{stderr}");
}

/// Levels: a consistent move is one line; a move that lands before an
/// initcall it used to follow is also a boot-order line; a reorder within a
/// level is the fewest moves that explain it.
#[test]
fn boot_order_lines_are_about_the_order_within_a_level() {
    let spec = |inits: &str| checked(common::compile(inits));
    let base = "initcall a @ core { run: x::a; }\ninitcall b @ fs { run: x::b; }\ninitcall c @ fs { run: x::c; }\n";
    // `a` joins `fs` ahead of `b` and `c`: where it ran already.
    let ahead = "initcall a @ fs { run: x::a; }\ninitcall b @ fs { run: x::b; }\ninitcall c @ fs { run: x::c; }\n";
    assert_eq!(lines(&diff(&spec(base), &spec(ahead))), ["initcall a: level core → fs"]);
    // `a` joins `fs` behind `b` (declared after it): that is news.
    let behind = "initcall b @ fs { run: x::b; }\ninitcall a @ fs { run: x::a; }\ninitcall c @ fs { run: x::c; }\n";
    let changes = diff(&spec(base), &spec(behind));
    assert_eq!(lines(&changes), ["initcall a: level core → fs", "boot order @ fs: a now after b"]);
    assert!(
        matches!(&changes[1], Change::Moved { list: List::BootOrder(l), item, now: Anchor::After(b) } if l == "fs" && item == "a" && b == "b")
    );
    // A dependency reorders a level: `c` now provides what `b` requires.
    let dep = "resource R;\ninitcall a @ core { run: x::a; }\ninitcall b @ fs { requires: [R]; run: x::b; }\ninitcall c @ fs { provides: [R]; run: x::c; }\n";
    assert_eq!(
        lines(&diff(
            &spec(&format!("resource R;\n{base}initcall r @ core {{ provides: [R]; run: x::r; }}\n")),
            &spec(dep)
        )),
        [
            "resource R: provider r → c",
            "initcall r removed (@ core)",
            "initcall b: requires R added",
            "boot order @ fs: c now before b"
        ]
    );
    // Reversing a level of n initcalls is n - 1 moves, not n(n-1)/2 swapped pairs.
    let names: Vec<String> = (0..6).map(|i| format!("i{i}")).collect();
    let decl = |order: &mut dyn Iterator<Item = &String>| -> String {
        order.map(|n| format!("initcall {n} @ subsys {{ run: x::{n}; }}\n")).collect()
    };
    let changes = diff(&spec(&decl(&mut names.iter())), &spec(&decl(&mut names.iter().rev())));
    assert_eq!(changes.len(), names.len() - 1, "{:?}", lines(&changes));
    assert!(changes.iter().all(|c| matches!(c, Change::Moved { list: List::BootOrder(l), .. } if l == "subsys")));
}

#[test]
fn levels_resources_and_constants() {
    let levels = |order: &str| {
        checked(netgen::compile_str(
            "spec/test.ng",
            &format!("levels {{ {order} }}\nresource R;\ninitcall a @ core {{ provides: [R]; run: x::a; }}\ninitcall b @ fs {{ requires: [R]; run: x::b; }}\n"),
        ))
    };
    let old = levels("core @ 1; subsys @ 4; fs @ 5;");
    // `fs` moves ahead of `subsys`: one line, not one per initcall.
    assert_eq!(lines(&diff(&old, &levels("core @ 1; fs @ 5; subsys @ 4;"))), ["levels: fs now before subsys"]);
    assert_eq!(
        lines(&diff(&old, &levels("core @ 1s; subsys @ 4; fs @ 5; late @ 7;"))),
        ["level core: section 1 → 1s", "level late added (.initcall7.init)"]
    );
}

/// Table entries: a method unfilled says what the dispatch does instead,
/// from the vtable; a constant's new value is reported once, not at each
/// entry that names it.
#[test]
fn table_entries_methods_flags_and_constants() {
    let old = compile(&repo_spec().join("netgen.ng"));
    let ops = old.tables.proto_ops.iter().find(|o| o.name == "inet_dgram_ops").unwrap();
    // A method it fills whose absence has a default, and one it leaves out.
    let (gone, now) = vtable::hooks(TableKind::ProtoOps)
        .iter()
        .filter(|h| ops.methods.iter().any(|m| m.method == h.field))
        .find_map(|h| match h.missing {
            Missing::Default(path) => Some((h.field, path.rsplit("::").next().unwrap())),
            _ => None,
        })
        .unwrap();
    let gone_path = &ops.methods.iter().find(|m| m.method == gone).unwrap().path;
    let filled =
        vtable::hooks(TableKind::ProtoOps).iter().find(|h| ops.methods.iter().all(|m| m.method != h.field)).unwrap();
    let udp = old.tables.protosw.iter().find(|p| p.name == "udp").unwrap();
    let family = old.tables.families.iter().find(|f| f.name == "packet_family_ops").unwrap();
    let pf = family.family.constant.clone().expect("a family names its constant");

    let copy = SpecCopy::new();
    copy.edit(
        "protocols.ng",
        Some("proto_ops inet_dgram_ops"),
        &format!("    {gone}: {gone_path};\n"),
        &format!("    {}: x::y;\n", filled.field),
    )
    .edit("protocols.ng", Some("protosw udp "), "flags: [PERMANENT]", "flags: [PERMANENT, REUSE]")
    .edit(
        "protocols.ng",
        None,
        &format!("const {pf} = {};", family.family.value),
        &format!("const {pf} = {};", family.family.value + 10),
    )
    .edit("protocols.ng", None, "packet_type arp_packet_type", "packet_type arp2_packet_type");
    assert_eq!(udp.flags, ["PERMANENT"]);
    let new = copy.ir();
    let arp = old.tables.packet_types.iter().find(|p| p.name == "arp_packet_type").unwrap();
    // Methods in the vtable's order.
    let mut methods = [
        (gone, format!("proto_ops inet_dgram_ops: {gone} unfilled (now {now})")),
        (filled.field, format!("proto_ops inet_dgram_ops: {} filled: x::y", filled.field)),
    ];
    methods.sort_by_key(|(m, _)| vtable::hooks(TableKind::ProtoOps).iter().position(|h| h.field == *m));
    let mut expected = vec![format!("const {pf}: value {} → {}", family.family.value, family.family.value + 10)];
    expected.extend(methods.map(|(_, line)| line));
    expected.extend([
        "protosw udp: flags REUSE added".to_owned(),
        format!("packet_type arp_packet_type removed (registered by {})", arp.registered_by),
        format!("packet_type arp2_packet_type added (registered by {})", arp.registered_by),
    ]);
    assert_eq!(lines(&diff(&old, &new)), expected);
}

/// Pernet operations: a new registrar is one line (the move in
/// `pernet_list` follows from it); two of one registrar and kind that swap
/// declaration order are one move.
#[test]
fn pernet_registrar_and_order() {
    let old = compile(&repo_spec().join("netgen.ng"));
    // Two consecutive subsys operations of one registrar.
    let pair = old
        .pernet
        .windows(2)
        .find(|w| w[0].registered_by == w[1].registered_by && w[0].kind == w[1].kind && !w[1].uses.contains(&w[0].name))
        .expect("two operations of one registrar");
    let (first, second) = (&pair[0], &pair[1]);
    let copy = SpecCopy::new();
    let text = std::fs::read_to_string(copy.dir.join("pernet.ng")).unwrap();
    let block = |name: &str| {
        let start = text.find(&format!("pernet {name}:")).unwrap();
        let start = text[..start].rfind("\n\n").map_or(0, |i| i + 2);
        let end = start + text[start..].find("}\n").unwrap() + 2;
        text[start..end].to_owned()
    };
    let (a, b) = (block(&first.name), block(&second.name));
    std::fs::write(copy.dir.join("pernet.ng"), text.replace(&format!("{a}\n{b}"), &format!("{b}\n{a}"))).unwrap();
    assert_eq!(lines(&diff(&old, &copy.ir())), [format!("pernet_list: {} now before {}", second.name, first.name)]);
    // The first operation of the last registrar of pernet.ng is registered
    // by the registrar's predecessor in boot order instead.
    let last = old.pernet.iter().rfind(|p| p.origin.file.ends_with("pernet.ng")).unwrap();
    let registrar = old.initcall(&last.registered_by).unwrap();
    let before = old.initcalls.iter().take_while(|c| c.name != registrar.name).last().unwrap();
    assert!(last.requires.is_empty() && last.uses.is_empty());
    let copy = SpecCopy::new();
    copy.edit(
        "pernet.ng",
        Some(&format!("pernet {}:", last.name)),
        &format!("registered_by: {};", registrar.name),
        &format!("registered_by: {};", before.name),
    );
    assert_eq!(
        lines(&diff(&old, &copy.ir())),
        [format!("pernet {}: registered_by {} → {}", last.name, registrar.name, before.name)]
    );
}
