//! NICs in the spec: every check of `netdev`, `registers` and `descriptors`
//! is a located error (one test each), and `netgen show` prints the map.

mod common;
use common::{compile, errors, location_in, location_of};

const NETDEV: &str = "netdev nic { rx_queue: 16; }\n";

/// `registers nic { BODY }` after the netdev.
fn regs(body: &str) -> String {
    format!("{NETDEV}registers nic {{\n{body}}}\n")
}

/// `descriptors nic { BODY }` after the netdev.
fn descs(body: &str) -> String {
    format!("{NETDEV}descriptors nic {{\n{body}}}\n")
}

/// The errors of `spec`, which must point at `needle` in the line holding `line`.
fn error_at(spec: &str, message: &str, line: &str, needle: &str) -> String {
    let out = errors(spec);
    assert!(out.contains(&format!("error: {message}\n")), "expected `error: {message}` in:\n{out}");
    let at = location_in(spec, line, needle);
    assert!(out.contains(&format!("--> {at}\n")), "expected `--> {at}` in:\n{out}");
    out
}

#[test]
fn a_valid_register_map_and_descriptor_compile_to_ir() {
    let spec = format!(
        "{}{}",
        regs("    RCTL @ 0x00100 { access: rw; EN [1]; BSIZE [17:16] { SZ_2048: 0; SZ_1024: 1; } }\n\
              RDBAL(n: rx_queue) @ n < 4 ? 0x02800 + n * 0x100 : 0x0C000 + n * 0x40 { access: rw; }\n\
              GORCL @ 0x04088 { access: rc; }\n    GORCH @ 0x0408C { access: rc; }\n    GORC: [GORCL, GORCH];\n"),
        "descriptors nic {\n    union d { size: 16; read { u64 a @ 0; u64 b @ 8; } wb { u32 c @ 0 { DD [0]; } u32 e @ 4; u64 f @ 8; } }\n}\n"
    );
    let c = compile(&spec);
    assert!(!c.has_errors(), "{}", c.render_diagnostics());
    let n = &c.ir.unwrap().netdevs[0];
    let rdbal = n.register("RDBAL").unwrap();
    let offsets: Vec<u64> = rdbal.instances.iter().map(|i| i.offset).collect();
    assert_eq!(offsets.len(), 16);
    assert_eq!(&offsets[..5], [0x2800, 0x2900, 0x2A00, 0x2B00, 0xC100]);
    assert_eq!(n.counters64[0].low, "GORCL");
    assert_eq!(n.descriptors[0].leaves().len(), 5);
}

#[test]
fn offsets_are_4_byte_aligned() {
    let spec = regs("    CTRL @ 0x00002 { access: rw; }\n");
    error_at(&spec, "offset 0x00002 of `CTRL` is not a multiple of 4", "CTRL @", "0x00002");
    // Every instance of an array register is checked.
    let spec = regs("    X(n: rx_queue) @ 0x100 + n * 2 { access: rw; }\n");
    error_at(&spec, "offset 0x00102 of `X(1)` is not a multiple of 4", "X(n", "0x100");
}

#[test]
fn offsets_are_unique_over_every_instance() {
    // RDBAL(4) is at 0x0C100, where a register of another range sits.
    let spec = regs(
        "    RDBAL(n: rx_queue) @ n < 4 ? 0x02800 + n * 0x100 : 0x0C000 + n * 0x40 { access: rw; }\n\
         OTHER @ 0x0C100 { access: rw; }\n",
    );
    let out = error_at(&spec, "`RDBAL(4)` and `OTHER` are both at offset 0x0C100", "OTHER @", "0x0C100");
    assert!(out.contains(&format!("::: {}", location_of(&spec, "n < 4"))), "{out}");
}

#[test]
fn bit_ranges_lie_inside_the_32_bit_register() {
    let spec = regs("    CTRL @ 0 { access: rw; WIDE [32:30]; }\n");
    error_at(&spec, "bit 32 of field `WIDE` is outside the 32-bit `CTRL`", "WIDE", "[32:30]");
}

#[test]
fn overlapping_bit_fields_are_an_error_at_the_second() {
    let spec = regs("    CTRL @ 0 { access: rw; SPEED [9:8]; SLOW [8]; }\n");
    let out = error_at(&spec, "fields `SPEED` and `SLOW` of `CTRL` overlap", "SLOW", "[8]");
    assert!(out.contains("bits 8..=9 of `SPEED`"), "{out}");
}

#[test]
fn named_values_fit_their_field() {
    let spec = regs("    RCTL @ 0x100 { access: rw; BSIZE [17:16] { SZ_2048: 0; HUGE: 4; } }\n");
    let out = error_at(&spec, "value 0x4 of `HUGE` does not fit field `BSIZE`", "HUGE", "4;");
    assert!(out.contains("`BSIZE` has 2 bits: at most 0x3"), "{out}");
}

#[test]
fn reset_values_fit_the_register_and_name_a_fields_value() {
    let spec = regs("    CTRL @ 0 { access: rw; reset: 0x1_0000_0000; }\n");
    error_at(&spec, "reset value 0x100000000 of `CTRL` does not fit in 32 bits", "reset", "0x1_0000_0000");
    // SPEED = 3 is no named value; per index, queue 2's reset is checked.
    let spec = regs("    CTRL @ 0 { access: rw; reset: 0x300; SPEED [9:8] { S10: 0; S100: 1; S1000: 2; } }\n");
    let out = error_at(
        &spec,
        "the reset value 0x00000300 of `CTRL` gives field `SPEED` the value 3, which it does not name",
        "reset",
        "0x300",
    );
    assert!(out.contains("`SPEED` names S10 = 0, S100 = 1, S1000 = 2"), "{out}");
    let spec =
        regs("    Q(n: rx_queue) @ 0x100 + n * 4 { access: rw; reset: n == 2 ? 0x3 : 0x1; M [1:0] { A: 1; B: 2; } }\n");
    error_at(
        &spec,
        "the reset value 0x00000003 of `Q(2)` gives field `M` the value 3, which it does not name",
        "reset",
        "n == 2",
    );
}

#[test]
fn a_64_bit_counters_halves_are_adjacent_clear_on_read_registers() {
    let spec =
        regs("    GORCL @ 0x04088 { access: rc; }\n    GORCH @ 0x04090 { access: rc; }\n    GORC: [GORCL, GORCH];\n");
    let out = error_at(
        &spec,
        "the halves of 64-bit counter `GORC` are not adjacent: `GORCL` at 0x04088, `GORCH` at 0x04090",
        "GORC:",
        "GORCH]",
    );
    assert!(out.contains("expected at 0x0408C"), "{out}");
    let spec =
        regs("    GORCL @ 0x04088 { access: rw; }\n    GORCH @ 0x0408C { access: rc; }\n    GORC: [GORCL, GORCH];\n");
    error_at(&spec, "`GORCL` cannot be half of a 64-bit counter", "GORC:", "GORCL,");
}

#[test]
fn index_spaces_and_names_in_offsets_are_checked() {
    let spec = regs("    X(n: rx_queues) @ 0x100 + n * 4 { access: rw; }\n");
    let out = error_at(&spec, "unknown index space `rx_queues`", "X(n", "rx_queues");
    assert!(out.contains("did you mean `rx_queue`?"), "{out}");
    let spec = regs("    X(n: rx_queue) @ 0x100 + i * 4 { access: rw; }\n");
    error_at(&spec, "unknown name `i`", "X(n", "i * 4");
    let spec = regs("    X(n: rx_queue) @ (n < 4) + 0x100 { access: rw; }\n");
    error_at(&spec, "`+` takes numbers, not a comparison", "X(n", "n < 4)");
    let spec = regs("    X(n: rx_queue) @ n ? 0x100 : 0x200 { access: rw; }\n");
    error_at(&spec, "the condition of `? :` must be a comparison", "X(n", "n ?");
    let spec = regs("    X(n: rx_queue) @ 0x100 - n * 0x20 { access: rw; }\n");
    error_at(&spec, "the offset of `X(9)` overflows", "X(n", "0x100 -");
}

#[test]
fn access_is_required_and_known() {
    let spec = regs("    CTRL @ 0 { access: rwx; }\n");
    let out = error_at(&spec, "unknown access `rwx`", "CTRL", "rwx");
    assert!(out.contains("did you mean `rw`?"), "{out}");
    let spec = regs("    CTRL @ 0 { reset: 1; }\n");
    error_at(&spec, "register `CTRL` has no `access`", "CTRL", "CTRL");
}

#[test]
fn a_registers_block_names_a_declared_netdev() {
    let spec = "netdev nic { rx_queue: 16; }\nregisters nec {\n    CTRL @ 0 { access: rw; }\n}\n";
    let out = error_at(spec, "unknown netdev `nec`", "registers nec", "nec");
    assert!(out.contains("did you mean `nic`?"), "{out}");
}

#[test]
fn a_descriptor_view_covers_exactly_its_size() {
    let spec = descs("    union d { size: 16; read { u64 a @ 0; u64 b @ 8; } wb { u64 a @ 0; u32 c @ 12; } }\n");
    let out = error_at(&spec, "view `wb` of `d` leaves bytes 8..12 uncovered", "union d", "wb {");
    assert!(out.contains("covers 12 of the 16 bytes"), "{out}");
    let spec = descs("    d { size: 8; u64 a @ 0; u32 b @ 8; }\n");
    error_at(&spec, "`b` ends at byte 12, past the 8-byte `d`", "d {", "8; }");
}

#[test]
fn fields_of_a_struct_view_do_not_overlap_but_a_unions_may() {
    let spec = descs("    d { size: 8; u32 a @ 0; u16 b @ 2; u16 c @ 6; }\n");
    let out = error_at(&spec, "`a` and `b` of `d` overlap", "d {", "2;");
    assert!(out.contains("write `union NAME { .. }` for alternatives"), "{out}");
    let ok = descs("    d { size: 8; union u { u32 a @ 0; s { u16 b @ 0; u16 c @ 2; } } u32 e @ 4; }\n");
    let c = compile(&ok);
    assert!(!c.has_errors(), "{}", c.render_diagnostics());
}

#[test]
fn descriptor_integers_are_aligned_and_their_bits_inside_their_width() {
    let spec = descs("    d { size: 8; u32 a @ 2; u16 b @ 0; u16 c @ 6; }\n");
    error_at(&spec, "`a` at byte 2 is not aligned", "d {", "2;");
    let spec = descs("    d { size: 4; u16 a @ 0 { HI [16]; } u16 b @ 2; }\n");
    error_at(&spec, "bit 16 of field `HI` is outside the 16-bit `a`", "d {", "[16]");
}

#[test]
fn show_prints_every_register_instance_and_every_descriptor_field() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let c = netgen::compile(&repo.join("spec/netgen.ng"));
    let ir = c.ir.expect("the spec compiles");
    let igb = ir.netdevs.iter().find(|n| n.name == "igb").expect("spec/igb_regs.ng declares igb");
    let run = |what: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_netgen"))
            .args(["show", what, "igb", "--spec", &repo.join("spec/netgen.ng").display().to_string()])
            .output()
            .expect("netgen runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let registers = run("registers");
    let lines: Vec<&str> = registers.lines().collect();
    let instances: usize = igb.registers.iter().map(|r| r.instances.len()).sum();
    assert_eq!(lines.len(), instances);
    for expected in [
        "CTRL 0x00000",
        "RDBAL(0) 0x02800",
        "RDBAL(3) 0x02B00",
        "RDBAL(4) 0x0C100",
        "TDT(15) 0x0E3D8",
        "RAL(16) 0x054E0",
        "GORCH 0x0408C",
    ] {
        assert!(lines.contains(&expected), "no `{expected}` in:\n{registers}");
    }
    // By offset, one instance each.
    let offsets: Vec<u64> = lines
        .iter()
        .map(|l| u64::from_str_radix(l.rsplit_once(" 0x").expect("NAME 0xOFFSET").1, 16).unwrap())
        .collect();
    assert!(offsets.windows(2).all(|w| w[0] < w[1]), "{registers}");
    let rdbal = igb.register("RDBAL").unwrap();
    let queues = igb.index_space("rx_queue").unwrap().count;
    assert_eq!(lines.iter().filter(|l| l.starts_with("RDBAL(")).count() as u64, queues);
    assert_eq!(rdbal.instances.len() as u64, queues);

    let descriptors = run("descriptors");
    let leaves: usize = igb.descriptors.iter().map(|d| d.leaves().len()).sum();
    assert_eq!(descriptors.lines().count(), leaves);
    for expected in [
        "e1000_adv_rx_desc read.pkt_addr 0 64",
        "e1000_adv_rx_desc wb.lower.hi_dword.csum_ip.csum 6 16",
        "e1000_adv_rx_desc wb.upper.status_error 8 32",
        "e1000_adv_tx_desc read.olinfo_status 12 32",
        "e1000_adv_tx_context_desc mss_l4len_idx 12 32",
    ] {
        assert!(descriptors.lines().any(|l| l == expected), "no `{expected}` in:\n{descriptors}");
    }
}

#[test]
fn show_names_the_netdevs_when_asked_for_another() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_netgen"))
        .args(["show", "registers", "e1000e", "--spec", &repo.join("spec/netgen.ng").display().to_string()])
        .output()
        .expect("netgen runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("error: the spec has no netdev `e1000e`; it has igb"));
}
