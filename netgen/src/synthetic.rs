//! Synthetic specs for benchmarks and scaling tests: `n` initcalls spread
//! over Linux's levels, each providing one resource and requiring the
//! previous initcall's and (from the fifth on) the one at half its index,
//! so there are about 2n edges.

use std::fmt::Write;

/// A spec text with `n` initcalls.
pub fn spec(n: usize) -> String {
    const LEVELS: &[(&str, &str)] = &[
        ("early", "early"),
        ("pure", "0"),
        ("core", "1"),
        ("core_sync", "1s"),
        ("postcore", "2"),
        ("arch", "3"),
        ("subsys", "4"),
        ("fs", "5"),
        ("device", "6"),
        ("late", "7"),
    ];
    let mut s = String::with_capacity(n * 160);
    s.push_str("levels {\n");
    for (name, id) in LEVELS {
        let _ = writeln!(s, "    {name} @ {id};");
    }
    s.push_str("}\n");
    for i in 0..n {
        let _ = writeln!(s, "resource R{i};");
    }
    for i in 0..n {
        let level = LEVELS[i * LEVELS.len() / n.max(1)].0;
        let _ = write!(s, "/// Synthetic initcall {i}.\ninitcall init_{i} @ {level} {{\n    provides: [R{i}];\n");
        match i {
            0 => {}
            1..=3 => {
                let _ = writeln!(s, "    requires: [R{}];", i - 1);
            }
            _ => {
                let _ = writeln!(s, "    requires: [R{}, R{}];", i - 1, i / 2);
            }
        }
        let _ = writeln!(s, "    run: synthetic::init_{i};\n}}");
    }
    s
}
