//! `nf_hook` sections (spec/netfilter.ng): one test per error or warning
//! netgen reports, checking the message and where it points, and the IR
//! they lower to. The names (`NFPROTO_*`, `NF_INET_*`, `NF_IP_PRI_*`) are
//! `netgen_vtables::netfilter`'s, which the runtime's constants come from.

mod common;
use common::{compile, errors, location_in};
use netgen_vtables::netfilter::{NF_INET_HOOKS, NF_IP_PRIORITIES, NF_IP_PRI_FILTER};

/// The hook lists (`NfHooks`), an initcall that registers a pernet
/// operation, and that operation.
const BOOT: &str = "\
resource NfHooks;
initcall sock_init @ core { provides: [SockRegistry, NfHooks]; run: rt::sock_init; }
initcall filter_init @ device { requires: [NfHooks]; run: rt::filter_init; }
initcall late_init @ device { run: rt::late_init; }
pernet filter_net_ops: subsys { registered_by: filter_init; init: rt::filter_net_init; }
pernet late_net_ops: subsys { registered_by: late_init; init: rt::late_net_init; }
";

fn spec(extra: &str) -> String {
    format!("{BOOT}{extra}")
}

/// Asserts `out` has `kind: message` whose primary label points at
/// `needle` in the first line of the spec containing `line`.
fn assert_at(out: &str, extra: &str, kind: &str, message: &str, line: &str, needle: &str) {
    let head = format!("{kind}: {message}\n");
    let at = out.find(&head).unwrap_or_else(|| panic!("expected `{head}` in:\n{out}"));
    let loc = location_in(extra, line, needle);
    let next = out[at..].lines().nth(1).unwrap_or_default();
    assert_eq!(next.trim(), format!("--> {loc}"), "{message}:\n{out}");
}

#[test]
fn a_valid_hook_reaches_the_ir_with_linux_names_and_its_pernet_registrar() {
    let c = compile(&spec(
        "/// Drops what it is told to.\n\
         nf_hook my_filter { pf: NFPROTO_IPV4; hooknum: NF_INET_LOCAL_IN; priority: NF_IP_PRI_FILTER; hook: rt::nf::my_hook; registered_by: filter_net_ops; }\n\
         nf_hook early { pf: 2; hooknum: NF_INET_PRE_ROUTING; priority: NF_IP_PRI_FIRST; hook: rt::nf::early; registered_by: filter_net_ops; }\n",
    ));
    assert!(!c.has_errors(), "{}", c.render_diagnostics());
    let ir = c.ir.unwrap();
    let hooks = &ir.tables.nf_hooks;
    assert_eq!(hooks.len(), 2);
    let h = &hooks[0];
    assert_eq!((h.name.as_str(), h.pf.value, h.registered_by.as_str()), ("my_filter", 2, "filter_net_ops"));
    let local_in = NF_INET_HOOKS.iter().find(|(n, _)| *n == "NF_INET_LOCAL_IN").unwrap().1;
    assert_eq!((h.hooknum.value, h.hooknum.written()), (local_in, "NF_INET_LOCAL_IN".to_string()));
    assert_eq!((h.priority.value, h.priority.written()), (NF_IP_PRI_FILTER, "NF_IP_PRI_FILTER".to_string()));
    assert_eq!(h.hook.path, "rt::nf::my_hook");
    assert_eq!(h.docs, ["Drops what it is told to."]);
    assert_eq!(hooks[1].priority.value, i32::MIN);
    // Registered by its pernet operation, not by the initcall's wrapper.
    assert!(ir.initcall("filter_init").unwrap().table_entries.is_empty());
}

#[test]
fn every_linux_priority_name_is_known() {
    for (name, value) in NF_IP_PRIORITIES {
        let c = compile(&spec(&format!(
            "nf_hook h {{ pf: NFPROTO_IPV4; hooknum: NF_INET_LOCAL_OUT; priority: {name}; hook: rt::h; registered_by: filter_net_ops; }}\n"
        )));
        assert!(!c.has_errors(), "{name}: {}", c.render_diagnostics());
        assert_eq!(c.ir.unwrap().tables.nf_hooks[0].priority.value, *value, "{name}");
    }
}

#[test]
fn names_are_checked_with_suggestions() {
    let section = "nf_hook h { pf: NFPROTO_IPV4; hooknum: NF_INET_LOCAL_INN; priority: NF_IP_PRI_FILTR; hook: rt::h; registered_by: filter_net_ops; }\n";
    let extra = spec(section);
    let out = errors(&extra);
    assert_at(
        &out,
        &extra,
        "error",
        "unknown name `NF_INET_LOCAL_INN` for `hooknum`",
        section.trim(),
        "NF_INET_LOCAL_INN",
    );
    assert!(out.contains("did you mean `NF_INET_LOCAL_IN`?"), "{out}");
    assert_at(
        &out,
        &extra,
        "error",
        "unknown name `NF_IP_PRI_FILTR` for `priority`",
        section.trim(),
        "NF_IP_PRI_FILTR",
    );
    assert!(out.contains("did you mean `NF_IP_PRI_FILTER`?"), "{out}");
}

#[test]
fn the_point_is_a_name_and_the_family_ipv4() {
    let section =
        "nf_hook h { pf: NFPROTO_IPV6; hooknum: 1; priority: 0; hook: rt::h; registered_by: filter_net_ops; }\n";
    let extra = spec(section);
    let out = errors(&extra);
    assert_at(
        &out,
        &extra,
        "error",
        "`hooknum` must be a hook point (`NF_INET_*`), found a number",
        section.trim(),
        "1;",
    );
    assert_at(
        &out,
        &extra,
        "error",
        "`nf_hook h` is for family 10 (`NFPROTO_IPV6`), not NFPROTO_IPV4 (2)",
        section.trim(),
        "NFPROTO_IPV6",
    );
    assert!(out.contains("`nf_register_net_hook` would fail with EINVAL: no hook lists for NFPROTO_IPV6"), "{out}");
}

#[test]
fn a_priority_fits_an_int() {
    let section = "nf_hook h { pf: NFPROTO_IPV4; hooknum: NF_INET_LOCAL_IN; priority: 2147483648; hook: rt::h; registered_by: filter_net_ops; }\n";
    let extra = spec(section);
    let out = errors(&extra);
    assert_at(&out, &extra, "error", "`priority` is 2147483648, above 2147483647", section.trim(), "2147483648");
}

#[test]
fn the_hook_is_a_rust_path_and_required_fields_are_named() {
    let section =
        "nf_hook h { pf: NFPROTO_IPV4; hooknum: NF_INET_LOCAL_IN; hook: my_hook; registered_by: filter_net_ops; }\n";
    let extra = spec(section);
    let out = errors(&extra);
    assert_at(&out, &extra, "error", "`hook` must be a full Rust path, found a name", section.trim(), "my_hook");
    assert_at(&out, &extra, "error", "nf_hook `h` has no `priority`", section.trim(), "h {");
    assert!(out.contains("add `priority: NF_IP_PRI_FILTER;`"), "{out}");
}

#[test]
fn registered_by_names_a_pernet_operation() {
    let section = "nf_hook h { pf: NFPROTO_IPV4; hooknum: NF_INET_LOCAL_IN; priority: 0; hook: rt::h; registered_by: filter_net_opz; }\n";
    let extra = spec(section);
    let out = errors(&extra);
    assert_at(&out, &extra, "error", "unknown pernet operation `filter_net_opz`", section.trim(), "filter_net_opz");
    assert!(out.contains("did you mean `filter_net_ops`?"), "{out}");
}

#[test]
fn the_registering_initcall_requires_the_hook_lists() {
    let section = "nf_hook h { pf: NFPROTO_IPV4; hooknum: NF_INET_LOCAL_IN; priority: 0; hook: rt::h; registered_by: late_net_ops; }\n";
    let extra = spec(section);
    let out = errors(&extra);
    assert_at(
        &out,
        &extra,
        "error",
        "`nf_hook h` is registered by `late_init`, which neither requires nor provides `NfHooks`",
        section.trim(),
        "late_net_ops",
    );
}

/// Linux allows equal priorities; their order is their registration order
/// (`nf_hook_entries_grow`: the one registered later runs first). A
/// warning names both; the spec still compiles.
#[test]
fn equal_priorities_at_one_point_are_a_warning_naming_both() {
    let first = "nf_hook a { pf: NFPROTO_IPV4; hooknum: NF_INET_LOCAL_IN; priority: NF_IP_PRI_FILTER; hook: rt::a; registered_by: filter_net_ops; }\n";
    let second = "nf_hook b { pf: NFPROTO_IPV4; hooknum: NF_INET_LOCAL_IN; priority: 0; hook: rt::b; registered_by: filter_net_ops; }\n";
    let other_point = "nf_hook c { pf: NFPROTO_IPV4; hooknum: NF_INET_LOCAL_OUT; priority: 0; hook: rt::c; registered_by: filter_net_ops; }\n";
    let extra = spec(&format!("{first}{second}{other_point}"));
    let c = compile(&extra);
    assert!(!c.has_errors(), "{}", c.render_diagnostics());
    let out = c.render_diagnostics();
    assert_at(
        &out,
        &extra,
        "warning",
        "`nf_hook a` and `nf_hook b` are both at NF_INET_LOCAL_IN with priority 0",
        second.trim(),
        "0;",
    );
    assert!(out.contains("registered after `a`, so it runs before it"), "{out}");
    assert_eq!(out.matches("warning: `nf_hook").count(), 1, "`c` is at another point:\n{out}");
}

#[test]
fn a_hook_at_forward_never_runs_and_says_so() {
    let section = "nf_hook fwd { pf: NFPROTO_IPV4; hooknum: NF_INET_FORWARD; priority: 0; hook: rt::f; registered_by: filter_net_ops; }\n";
    let extra = spec(section);
    let c = compile(&extra);
    assert!(!c.has_errors(), "{}", c.render_diagnostics());
    let out = c.render_diagnostics();
    assert_at(
        &out,
        &extra,
        "warning",
        "`nf_hook fwd` is at NF_INET_FORWARD, which never runs",
        section.trim(),
        "NF_INET_FORWARD",
    );
}

#[test]
fn every_nf_hook_error_is_reported_in_one_run() {
    let c = compile(&spec(
        "nf_hook a { pf: 10; hooknum: NF_INET_LOCL_IN; priority: 0; hook: rt::a; registered_by: filter_net_ops; }\n\
         nf_hook b { pf: NFPROTO_IPV4; hooknum: NF_INET_LOCAL_IN; priority: NF_IP_PRI_NOPE; hook: rt::b; registered_by: nobody; }\n",
    ));
    let errors = c.diagnostics.iter().filter(|d| d.is_error()).count();
    // A family that is not IPv4, an unknown point, an unknown priority and
    // an unknown pernet operation: four.
    assert_eq!(errors, 4, "{}", c.render_diagnostics());
}
