//! One test per semantic error netgen reports, plus the order it computes.

mod common;
use common::{compile, errors, line_of, location_in, location_of};

const SOCK_INIT: &str = "initcall sock_init @ core { provides: [SockRegistry]; run: rt::sock_init; }\n";

#[test]
fn a_valid_spec_compiles_to_ir_in_boot_order() {
    let c = compile(&format!(
        "initcall inet_init @ fs {{ requires: [SockRegistry]; provides: [InetFamily]; run: rt::inet_init; }}\n\
         {SOCK_INIT}\
         initcall net_ns_init @ pure {{ provides: [InitNet]; run: rt::net_ns_init; }}\n"
    ));
    assert!(!c.has_errors(), "{}", c.render_diagnostics());
    let ir = c.ir.unwrap();
    let names: Vec<_> = ir.initcalls.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["net_ns_init", "sock_init", "inet_init"]);
    assert_eq!(ir.resources.iter().find(|r| r.name == "SockRegistry").unwrap().level, "core");
}

#[test]
fn syntax_error_names_the_expected_token_with_line_and_caret() {
    let spec = "initcall sock_init @ core {\n    provides: [SockRegistry]\n    run: rt::sock_init;\n}\n";
    let out = errors(spec);
    assert!(out.contains("error: syntax error: expected `;`, found `run`\n"), "{out}");
    // The caret after `]`, where `;` is missing (tests/recover.rs checks
    // the column); the token found marked too.
    assert!(out.contains(&format!("--> spec/test.ng:{}:", line_of(spec, "provides: [SockRegistry]"))), "{out}");
    assert!(out.contains(" ^ expected `;`\n"), "{out}");
    assert!(out.contains(&format!("::: {}\n", location_of(spec, "run: rt::sock_init"))), "{out}");
    assert!(out.contains("--- unexpected `run`\n"), "{out}");
}

#[test]
fn unknown_level_suggests_the_closest() {
    let out = errors("initcall proto_init @ subsytem { run: rt::proto_init; }\n");
    assert!(out.contains("error: unknown level `subsytem`"), "{out}");
    assert!(out.contains("did you mean `subsys`?"), "{out}");
    let line = line_of("initcall proto_init @ subsytem { run: rt::proto_init; }\n", "subsytem");
    assert!(out.contains(&format!("spec/test.ng:{line}:23")), "{out}");
}

#[test]
fn unknown_resource_is_an_error_at_its_name() {
    let out = errors("initcall a @ core { requires: [SockRegistri]; run: rt::a; }\n");
    assert!(out.contains("error: unknown resource `SockRegistri`"), "{out}");
    assert!(out.contains("did you mean `SockRegistry`?"), "{out}");
}

#[test]
fn duplicate_names_point_at_both_declarations() {
    let out = errors(&format!("{SOCK_INIT}{}", SOCK_INIT.replace("SockRegistry", "InitNet")));
    assert!(out.contains("error: duplicate initcall `sock_init`"), "{out}");
    assert!(out.contains("first declared here"), "{out}");
    let out = errors("resource SockRegistry;\n");
    assert!(out.contains("error: duplicate resource `SockRegistry`"), "{out}");
    let out = errors("const A = 1;\nconst A = 2;\n");
    assert!(out.contains("error: duplicate constant `A`"), "{out}");
}

#[test]
fn a_resource_provided_twice_names_both_providers() {
    let out = errors(&format!("{SOCK_INIT}initcall other @ core {{ provides: [SockRegistry]; run: rt::other; }}\n"));
    assert!(out.contains("error: resource `SockRegistry` is provided twice"), "{out}");
    assert!(out.contains("provided again by `other`"), "{out}");
    assert!(out.contains("first provided by `sock_init`"), "{out}");
}

#[test]
fn a_requirement_provided_at_a_later_level_names_resource_levels_and_function() {
    let extra = format!("{SOCK_INIT}initcall my_init @ pure {{ requires: [SockRegistry]; run: rt::my_init; }}\n");
    let out = errors(&extra);
    assert!(out.contains("error: `SockRegistry` is provided at level `core` but `my_init` runs at `pure`"), "{out}");
    assert!(out.contains("provided here by `sock_init`, at level `core`"), "{out}");
    assert!(out.contains(&format!("spec/test.ng:{}:", line_of(&extra, "my_init @ pure"))), "{out}");
}

#[test]
fn a_requirement_nobody_provides_is_an_error() {
    let out = errors("initcall a @ core { requires: [InitNet]; run: rt::a; }\n");
    assert!(out.contains("`InitNet` is required by `a` but no initcall provides it"), "{out}");
}

#[test]
fn a_dependency_cycle_is_printed_in_order() {
    let out = errors(
        "initcall a @ core { requires: [InitNet]; provides: [SockRegistry]; run: rt::a; }\n\
         initcall b @ core { requires: [SockRegistry]; provides: [PtypeBase]; run: rt::b; }\n\
         initcall c @ core { requires: [PtypeBase]; provides: [InitNet]; run: rt::c; }\n",
    );
    assert!(out.contains("error: dependency cycle: a -> b -> c -> a"), "{out}");
    assert!(out.contains("`b` requires this, from `a`"), "{out}");
}

#[test]
fn an_initcall_requiring_what_it_provides_is_a_cycle() {
    let out = errors("initcall a @ core { requires: [InitNet]; provides: [InitNet]; run: rt::a; }\n");
    assert!(out.contains("dependency cycle: a -> a"), "{out}");
}

#[test]
fn every_error_of_a_file_is_reported_in_one_run() {
    let c = compile(
        "initcall a @ nowhere { run: rt::a; }\n\
         initcall b @ core { requires: [Missing]; run: rt::b; }\n\
         initcall c @ core { frobnicate: 1; run: rt::c; }\n\
         initcall d @ core { provides: [InitNet]; }\n\
         pernet netdev_net_ops: subsys { init: rt::x; }\n",
    );
    let errors = c.diagnostics.iter().filter(|d| d.is_error()).count();
    assert_eq!(errors, 5, "{}", c.render_diagnostics());
    assert!(c.render_diagnostics().contains("error: the spec has 5 errors"));
}

#[test]
fn fields_are_checked_against_the_initcall_schema() {
    let out = errors("initcall a @ core { provide: [InitNet]; run: rt::a; }\n");
    assert!(out.contains("unknown field `provide` in initcall `a`"), "{out}");
    assert!(out.contains("did you mean `provides`?"), "{out}");
    let out = errors("initcall a @ core { provides: [InitNet]; }\n");
    assert!(out.contains("initcall `a` has no `run`"), "{out}");
    let out = errors("initcall a @ core { run: a; }\n");
    assert!(out.contains("`run` must be a full Rust path, found a name"), "{out}");
    let out = errors("initcall a @ core { provides: InitNet; run: rt::a; }\n");
    assert!(out.contains("expected a list of resources, found a name"), "{out}");
}

#[test]
fn names_follow_the_linux_and_rust_conventions() {
    let out = errors("resource sock_registry;\n");
    assert!(out.contains("resource name `sock_registry` is not allowed"), "{out}");
    let out = errors("initcall SockInit @ core { run: rt::a; }\n");
    assert!(out.contains("initcall name `SockInit` is not allowed"), "{out}");
}

#[test]
fn constants_resolve_and_hex_parses() {
    let c = compile("const NPROTO = 46;\nconst ETH_P_IP = 0x0800;\nconst ALIAS = NPROTO;\n");
    let ir = c.ir.expect("no errors");
    let values: Vec<_> = ir.consts.iter().map(|c| (c.name.as_str(), c.value)).collect();
    assert_eq!(values, [("NPROTO", 46), ("ETH_P_IP", 0x800), ("ALIAS", 46)]);
    let out = errors("const A = B;\n");
    assert!(out.contains("unknown constant `B`"), "{out}");
}

#[test]
fn same_level_order_is_topological_with_declaration_order_breaking_ties() {
    let c = compile(
        "initcall z_last @ core { requires: [SockRegistry]; run: rt::z; }\n\
         initcall y_first @ core { run: rt::y; }\n\
         initcall x_provider @ core { provides: [SockRegistry]; run: rt::x; }\n",
    );
    let ir = c.ir.expect("no errors");
    let names: Vec<_> = ir.initcalls.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["y_first", "x_provider", "z_last"]);
}

#[test]
fn an_unprovided_declared_resource_is_a_warning_not_an_error() {
    let c = compile("");
    assert!(!c.has_errors());
    assert!(c.render_diagnostics().contains("warning: resource `SockRegistry` is never provided"));
}

#[test]
fn a_synthetic_spec_of_a_thousand_initcalls_is_valid_and_ordered() {
    let c = netgen::compile_str("spec/synthetic.ng", &netgen::synthetic::spec(1000));
    assert!(!c.has_errors(), "{}", c.render_diagnostics());
    let ir = c.ir.unwrap();
    assert_eq!(ir.initcalls.len(), 1000);
    // Every requirement's provider comes earlier in the boot order.
    let pos: std::collections::HashMap<_, _> =
        ir.initcalls.iter().enumerate().map(|(i, c)| (c.name.clone(), i)).collect();
    for (i, c) in ir.initcalls.iter().enumerate() {
        for r in &c.requires {
            let provider = &ir.resources.iter().find(|x| x.name == *r).unwrap().provider;
            assert!(pos[provider] < i, "{} runs before its provider {provider}", c.name);
        }
    }
}

// ---- pernet operations -------------------------------------------------

/// Four initcalls over four levels that provide every PRELUDE resource.
const BOOT: &str = "initcall net_ns_init @ pure { provides: [InitNet]; run: rt::net_ns_init; }\n\
                    initcall sock_init @ core { provides: [SockRegistry]; run: rt::sock_init; }\n\
                    initcall net_dev_init @ subsys { requires: [InitNet]; provides: [PtypeBase]; run: rt::net_dev_init; }\n\
                    initcall inet_init @ fs { requires: [SockRegistry, PtypeBase]; provides: [InetFamily]; run: rt::inet_init; }\n";

/// Asserts the primary label of the diagnostics points at `needle`.
fn points_at(out: &str, extra: &str, needle: &str) {
    let loc = location_of(extra, needle);
    assert!(out.contains(&format!("--> {loc}\n")), "expected `--> {loc}` in:\n{out}");
}

#[test]
fn pernet_operations_reach_the_ir_in_registration_order() {
    let c = compile(&format!(
        "{BOOT}\
         /// inet's.\n\
         pernet af_inet_ops: subsys {{ registered_by: inet_init; requires: [InetFamily]; state: rt::Ipv4Net; init: rt::inet_init_net; }}\n\
         pernet dev_proc_ops: subsys {{ registered_by: net_dev_init; init: rt::dev_proc_init; }}\n\
         pernet net_ns_ops: subsys {{ registered_by: net_ns_init; init: rt::ns_init; pre_exit: rt::ns_pre_exit; exit: rt::ns_exit; }}\n\
         pernet netdev_net_ops: subsys {{ registered_by: net_dev_init; state: rt::NetdevNet; uses: [net_ns_ops]; init: rt::netdev_init; }}\n\
         pernet loopback_net_ops: device {{ registered_by: net_dev_init; uses: [netdev_net_ops]; exit_batch: rt::lo_exit_batch; }}\n"
    ));
    assert!(!c.has_errors(), "{}", c.render_diagnostics());
    let ir = c.ir.unwrap();
    let names: Vec<_> = ir.pernet.iter().map(|p| p.name.as_str()).collect();
    // By registrar in boot order (net_ns_init, net_dev_init, inet_init), then
    // in declaration order; the kind does not reorder registration.
    assert_eq!(names, ["net_ns_ops", "dev_proc_ops", "netdev_net_ops", "loopback_net_ops", "af_inet_ops"]);
    let af = &ir.pernet[4];
    assert_eq!(af.kind, netgen::ir::PernetKind::Subsys);
    assert_eq!(af.registered_by, "inet_init");
    assert_eq!(af.state.as_deref(), Some("rt::Ipv4Net"));
    assert_eq!(af.requires, ["InetFamily"]);
    assert_eq!(af.init.as_deref(), Some("rt::inet_init_net"));
    assert_eq!(af.docs, ["inet's."]);
    let lo = &ir.pernet[3];
    assert_eq!(lo.kind, netgen::ir::PernetKind::Device);
    assert_eq!(lo.uses, ["netdev_net_ops"]);
    assert_eq!(lo.exit_batch.as_deref(), Some("rt::lo_exit_batch"));
    assert_eq!(lo.state, None);
    assert_eq!(
        (ir.pernet[0].pre_exit.as_deref(), ir.pernet[0].exit.as_deref()),
        (Some("rt::ns_pre_exit"), Some("rt::ns_exit"))
    );
    let registers = |n: &str| ir.initcall(n).unwrap().registers.clone();
    assert_eq!(registers("net_dev_init"), ["dev_proc_ops", "netdev_net_ops", "loopback_net_ops"]);
    assert_eq!(registers("net_ns_init"), ["net_ns_ops"]);
    assert!(registers("sock_init").is_empty());
}

#[test]
fn a_pernet_operation_name_is_lowercase_and_unique() {
    let extra = format!("{BOOT}pernet NetdevOps: subsys {{ registered_by: net_dev_init; }}\n");
    let out = errors(&extra);
    assert!(out.contains("error: pernet operation name `NetdevOps` is not allowed"), "{out}");
    assert!(
        out.contains("pernet operation names are lowercase, like the C structs they model, e.g. `netdev_net_ops`"),
        "{out}"
    );
    points_at(&out, &extra, "NetdevOps");

    let extra = format!(
        "{BOOT}pernet netdev_net_ops: subsys {{ registered_by: net_dev_init; }}\n\
         pernet other: device {{ registered_by: net_dev_init; }}\n\
         pernet netdev_net_ops: device {{ registered_by: inet_init; }}\n"
    );
    let out = errors(&extra);
    assert!(out.contains("error: duplicate pernet operation `netdev_net_ops`"), "{out}");
    let line = line_of(&extra, "netdev_net_ops: device");
    assert!(out.contains(&format!("--> spec/test.ng:{line}:8")), "{out}");
    assert!(out.contains(&format!("::: {}", location_of(&extra, "netdev_net_ops: subsys"))), "{out}");
    assert!(out.contains("first declared here"), "{out}");
}

#[test]
fn a_pernet_operation_has_a_kind_subsys_or_device() {
    let extra = format!("{BOOT}pernet netdev_net_ops {{ registered_by: net_dev_init; }}\n");
    let out = errors(&extra);
    assert!(out.contains("error: pernet operation `netdev_net_ops` has no kind"), "{out}");
    assert!(
        out.contains("write `pernet netdev_net_ops: subsys { .. }` or `pernet netdev_net_ops: device { .. }`"),
        "{out}"
    );
    points_at(&out, &extra, "netdev_net_ops {");

    let extra = format!("{BOOT}pernet netdev_net_ops: subsystem {{ registered_by: net_dev_init; }}\n");
    let out = errors(&extra);
    assert!(out.contains("error: unknown pernet kind `subsystem`"), "{out}");
    assert!(out.contains("expected `subsys` or `device`"), "{out}");
    assert!(out.contains("did you mean `subsys`?"), "{out}");
    points_at(&out, &extra, "subsystem");

    let out = errors(&format!("{BOOT}pernet netdev_net_ops: netns {{ registered_by: net_dev_init; }}\n"));
    assert!(out.contains("error: unknown pernet kind `netns`"), "{out}");
    assert!(!out.contains("did you mean"), "{out}");

    let extra = format!("{BOOT}pernet netdev_net_ops @ subsys: device {{ registered_by: net_dev_init; }}\n");
    let out = errors(&extra);
    assert!(out.contains("error: a pernet operation takes no `@`"), "{out}");
    points_at(&out, &extra, "subsys: device");
}

#[test]
fn pernet_fields_are_checked_against_the_schema() {
    let extra = format!("{BOOT}pernet a_ops: subsys {{\n    registered_by: net_dev_init;\n    exit_bath: rt::x;\n}}\n");
    let out = errors(&extra);
    assert!(out.contains("error: unknown field `exit_bath` in pernet operation `a_ops`"), "{out}");
    assert!(out.contains("not a field of `pernet`"), "{out}");
    assert!(
        out.contains(
            "the fields are `registered_by`, `state`, `requires`, `uses`, `init`, `pre_exit`, `exit`, `exit_batch`"
        ),
        "{out}"
    );
    assert!(out.contains("did you mean `exit_batch`?"), "{out}");
    points_at(&out, &extra, "exit_bath");

    let extra = format!(
        "{BOOT}pernet a_ops: subsys {{\n    registered_by: net_dev_init;\n    init: rt::a;\n    init: rt::b;\n}}\n"
    );
    let out = errors(&extra);
    assert!(out.contains("error: duplicate field `init`"), "{out}");
    points_at(&out, &extra, "init: rt::b");
}

#[test]
fn pernet_field_values_have_the_right_shape() {
    let cases = [
        (
            "registered_by: rt::net_dev_init;",
            "`registered_by` must be an initcall name, found a path",
            "rt::net_dev_init",
        ),
        ("registered_by: [net_dev_init];", "`registered_by` must be an initcall name, found a list", "[net_dev_init]"),
        ("init: netdev_init;", "`init` must be a full Rust path, found a name", "netdev_init;"),
        ("pre_exit: \"rt::x\";", "`pre_exit` must be a full Rust path, found a string", "\"rt::x\""),
        ("exit: 3;", "`exit` must be a full Rust path, found a number", "3;"),
        ("exit_batch: [rt::x];", "`exit_batch` must be a full Rust path, found a list", "[rt::x]"),
        ("state: NetdevNet;", "`state` must be a full Rust path, found a name", "NetdevNet;"),
        ("uses: net_ns_ops;", "expected a list of pernet operations, found a name", "net_ns_ops;"),
        ("uses: [rt::net_ns_ops];", "expected a pernet operation name, found a path", "rt::net_ns_ops"),
        ("requires: [rt::InitNet];", "expected a resource name, found a path", "rt::InitNet"),
        ("requires: InitNet;", "expected a list of resources, found a name", "InitNet;"),
        ("init { x: rt::y; }", "field `init` takes a value, not a block", "init {"),
        ("exit;", "field `exit` has no value", "exit;"),
    ];
    for (field, message, at) in cases {
        let registered_by = if field.starts_with("registered_by") { "" } else { "registered_by: net_dev_init;" };
        let extra = format!("{BOOT}pernet a_ops: device {{\n    {registered_by}\n    {field}\n}}\n");
        let out = errors(&extra);
        assert!(out.contains(&format!("error: {message}")), "{field}: {out}");
        assert!(out.contains(&format!("--> {}\n", location_in(&extra, field, at))), "{field}: {out}");
    }
    let extra = format!("{BOOT}pernet a_ops: device {{ registered_by: net_dev_init; uses: [b_ops, b_ops]; }}\npernet b_ops: subsys {{ registered_by: net_ns_init; }}\n");
    let out = errors(&extra);
    assert!(out.contains("error: `b_ops` is listed twice"), "{out}");
}

#[test]
fn a_pernet_operation_needs_a_body_and_its_registrar() {
    let extra = format!("{BOOT}pernet a_ops: subsys {{ init: rt::a_init; }}\n");
    let out = errors(&extra);
    assert!(out.contains("error: pernet operation `a_ops` has no `registered_by`"), "{out}");
    assert!(out.contains("add `registered_by: <initcall>;`"), "{out}");
    points_at(&out, &extra, "a_ops");

    let out = errors(&format!("{BOOT}pernet a_ops: subsys;\n"));
    assert!(out.contains("error: pernet operation `a_ops` needs a body"), "{out}");
}

#[test]
fn registered_by_names_a_known_initcall() {
    let extra = format!("{BOOT}pernet a_ops: subsys {{ registered_by: net_dev_int; }}\n");
    let out = errors(&extra);
    assert!(out.contains("error: unknown initcall `net_dev_int`"), "{out}");
    assert!(out.contains("not declared with `initcall`"), "{out}");
    assert!(out.contains("did you mean `net_dev_init`?"), "{out}");
    points_at(&out, &extra, "net_dev_int;");
}

#[test]
fn a_pernet_state_needs_an_init_to_build_it() {
    let extra = format!(
        "{BOOT}pernet a_ops: subsys {{ registered_by: net_dev_init; state: rt::dev::NetdevNet; exit: rt::x; }}\n"
    );
    let out = errors(&extra);
    assert!(out.contains("error: pernet operation `a_ops` has a `state` but no `init`"), "{out}");
    assert!(out.contains("`init` builds the state"), "{out}");
    assert!(out.contains("Result<NetdevNet, Errno>"), "{out}");
    points_at(&out, &extra, "rt::dev::NetdevNet");
}

#[test]
fn two_pernet_operations_cannot_share_a_state_type() {
    let extra = format!(
        "{BOOT}pernet a_ops: subsys {{ registered_by: net_dev_init; state: rt::Table; init: rt::a; }}\n\
         pernet b_ops: subsys {{ registered_by: inet_init; state: rt::Table; init: rt::b; }}\n"
    );
    let out = errors(&extra);
    assert!(out.contains("error: pernet operations `a_ops` and `b_ops` have the same state type `rt::Table`"), "{out}");
    assert!(out.contains(&format!("--> {}", location_in(&extra, "pernet b_ops", "rt::Table"))), "{out}");
    assert!(out.contains(&format!("::: {}", location_in(&extra, "pernet a_ops", "rt::Table"))), "{out}");
    assert!(out.contains("state of `b_ops`"), "{out}");
    assert!(out.contains("also the state of `a_ops`"), "{out}");
    assert!(out.contains("looked up by its type"), "{out}");
}

#[test]
fn pernet_requires_names_known_resources() {
    let extra = format!("{BOOT}pernet a_ops: subsys {{ registered_by: net_dev_init; requires: [PtypeBsae]; }}\n");
    let out = errors(&extra);
    assert!(out.contains("error: unknown resource `PtypeBsae`"), "{out}");
    assert!(out.contains("did you mean `PtypeBase`?"), "{out}");
    points_at(&out, &extra, "PtypeBsae");
}

#[test]
fn a_pernet_requirement_provided_after_the_registrars_level_is_an_error() {
    let extra = format!("{BOOT}pernet a_ops: subsys {{ registered_by: net_dev_init; requires: [InetFamily]; }}\n");
    let out = errors(&extra);
    assert!(
        out.contains("error: `InetFamily` is provided at level `fs` but pernet operation `a_ops` is registered by `net_dev_init` at `subsys`"),
        "{out}"
    );
    assert!(out.contains("required here, at level `subsys`"), "{out}");
    assert!(out.contains("provided here by `inet_init`, at level `fs`"), "{out}");
    assert!(out.contains(&format!("::: {}", location_of(&extra, "InetFamily]; run"))), "{out}");
    points_at(&out, &extra, "InetFamily]; }");
    // Earlier levels, and the registrar itself, are fine.
    let c = compile(&format!(
        "{BOOT}pernet a_ops: subsys {{ registered_by: net_dev_init; requires: [InitNet, SockRegistry, PtypeBase]; }}\n"
    ));
    assert!(!c.has_errors(), "{}", c.render_diagnostics());
}

#[test]
fn a_pernet_requirement_provided_later_at_the_registrars_level_is_an_error() {
    let spec = |registrar_requires: &str| {
        format!(
            "initcall net_ns_init @ pure {{ provides: [InitNet, SockRegistry, InetFamily]; run: rt::net_ns_init; }}\n\
             initcall early_reg @ core {{ requires: [{registrar_requires}]; run: rt::early_reg; }}\n\
             initcall provider @ core {{ provides: [PtypeBase]; run: rt::provider; }}\n\
             pernet a_ops: subsys {{ registered_by: early_reg; requires: [PtypeBase]; }}\n"
        )
    };
    let extra = spec("InitNet");
    let out = errors(&extra);
    assert!(
        out.contains(
            "error: `PtypeBase` is provided by `provider` after `early_reg` registers pernet operation `a_ops`"
        ),
        "{out}"
    );
    assert!(out.contains("provided here by `provider`, which runs after `early_reg` at level `core`"), "{out}");
    assert!(out.contains("make `early_reg` require `PtypeBase` so it runs after `provider`"), "{out}");
    points_at(&out, &extra, "PtypeBase]; }");
    // Following the note fixes it: the registrar now runs after the provider.
    let c = compile(&spec("InitNet, PtypeBase"));
    assert!(!c.has_errors(), "{}", c.render_diagnostics());
}

#[test]
fn a_pernet_requirement_nobody_provides_is_an_error() {
    let extra =
        "initcall net_ns_init @ pure { provides: [SockRegistry, PtypeBase, InetFamily]; run: rt::net_ns_init; }\n\
                 pernet a_ops: subsys { registered_by: net_ns_init; requires: [InitNet]; }\n";
    let out = errors(extra);
    assert!(
        out.contains("error: `InitNet` is required by pernet operation `a_ops` but no initcall provides it"),
        "{out}"
    );
    points_at(&out, extra, "InitNet]; }");
}

#[test]
fn pernet_uses_names_known_operations_other_than_itself() {
    let extra = format!(
        "{BOOT}pernet netdev_net_ops: subsys {{ registered_by: net_dev_init; }}\n\
         pernet lo_ops: device {{ registered_by: net_dev_init; uses: [netdev_ops]; }}\n"
    );
    let out = errors(&extra);
    assert!(out.contains("error: unknown pernet operation `netdev_ops`"), "{out}");
    assert!(out.contains("did you mean `netdev_net_ops`?"), "{out}");
    points_at(&out, &extra, "netdev_ops]");

    let extra = format!("{BOOT}pernet a_ops: subsys {{ registered_by: net_dev_init; uses: [a_ops]; }}\n");
    let out = errors(&extra);
    assert!(out.contains("error: pernet operation `a_ops` uses itself"), "{out}");
    points_at(&out, &extra, "a_ops]");
}

#[test]
fn a_subsys_pernet_operation_cannot_use_a_device_one() {
    let extra = format!(
        "{BOOT}pernet lo_ops: device {{ registered_by: net_ns_init; state: rt::Lo; init: rt::lo_init; }}\n\
         pernet a_ops: subsys {{ registered_by: inet_init; uses: [lo_ops]; }}\n"
    );
    let out = errors(&extra);
    assert!(out.contains("error: subsys pernet operation `a_ops` uses device pernet operation `lo_ops`"), "{out}");
    assert!(out.contains("the subsys operations run before every device operation (Linux's `first_device`"), "{out}");
    assert!(out.contains("`lo_ops` is a device operation"), "{out}");
    points_at(&out, &extra, "lo_ops]");
    assert!(out.contains(&format!("::: {}", location_of(&extra, "device {"))), "{out}");
}

#[test]
fn a_used_pernet_operation_must_be_registered_first() {
    // Same kind, registered by a later initcall.
    let extra = format!(
        "{BOOT}pernet a_ops: subsys {{ registered_by: net_dev_init; uses: [b_ops]; }}\n\
         pernet b_ops: subsys {{ registered_by: inet_init; }}\n"
    );
    let out = errors(&extra);
    assert!(out.contains("error: pernet operation `a_ops` uses `b_ops`, which is registered after it"), "{out}");
    assert!(
        out.contains("`b_ops` is registered by `inet_init` (at level `fs`), which runs after `net_dev_init`"),
        "{out}"
    );
    points_at(&out, &extra, "b_ops]");
    assert!(out.contains(&format!("::: {}", location_in(&extra, "pernet b_ops", "inet_init"))), "{out}");

    // Same registrar, declared later.
    let extra = format!(
        "{BOOT}pernet a_ops: device {{ registered_by: net_dev_init; uses: [b_ops]; }}\n\
         pernet b_ops: device {{ registered_by: net_dev_init; }}\n"
    );
    let out = errors(&extra);
    assert!(out.contains("error: pernet operation `a_ops` uses `b_ops`, which is registered after it"), "{out}");
    assert!(out.contains("`b_ops` is declared after `a_ops`, and `net_dev_init` registers both"), "{out}");
    assert!(out.contains("declare `b_ops` before `a_ops`"), "{out}");
    points_at(&out, &extra, "b_ops]");

    // A device operation registered before the subsys one it uses: in a new
    // namespace the subsys one runs first, but in init_net registering the
    // device operation runs its init before the subsys one exists.
    let extra = format!(
        "{BOOT}pernet lo_ops: device {{ registered_by: net_dev_init; uses: [b_ops]; }}\n\
         pernet b_ops: subsys {{ registered_by: inet_init; }}\n"
    );
    let out = errors(&extra);
    assert!(out.contains("error: pernet operation `lo_ops` uses `b_ops`, which is registered after it"), "{out}");
    assert!(out.contains("registering `lo_ops` runs its `init` for `init_net` when `net_dev_init`"), "{out}");

    // Registered first: by an earlier initcall, or earlier by the same one;
    // and a device operation may use a subsys one registered before it.
    let c = compile(&format!(
        "{BOOT}pernet b_ops: subsys {{ registered_by: inet_init; uses: [a_ops, c_ops]; }}\n\
         pernet a_ops: subsys {{ registered_by: net_ns_init; }}\n\
         pernet c_ops: subsys {{ registered_by: net_dev_init; }}\n\
         pernet d_ops: subsys {{ registered_by: net_dev_init; uses: [c_ops]; }}\n\
         pernet lo_ops: device {{ registered_by: net_dev_init; uses: [c_ops, d_ops, a_ops]; }}\n\
         pernet e_ops: device {{ registered_by: inet_init; uses: [lo_ops, b_ops]; }}\n"
    ));
    assert!(!c.has_errors(), "{}", c.render_diagnostics());
}

#[test]
fn a_path_may_end_in_generic_arguments_and_reaches_the_ir_verbatim() {
    let c = compile(
        "initcall net_ns_init @ pure { provides: [InitNet, SockRegistry, PtypeBase, InetFamily]; \
         run: netgen_runtime::netns::net_ns_init::<netgen_generated::pernet::Pernet>; }\n\
         pernet a_ops: subsys { registered_by: net_ns_init; state: rt::Table::<rt::Key, u32>; \
         init: rt::a_init::<rt::Table::<rt::Key, u32>>; exit_batch: rt::batch::<x::Y>; }\n",
    );
    assert!(!c.has_errors(), "{}", c.render_diagnostics());
    let ir = c.ir.unwrap();
    assert_eq!(ir.initcalls[0].run, "netgen_runtime::netns::net_ns_init::<netgen_generated::pernet::Pernet>");
    let a = &ir.pernet[0];
    assert_eq!(a.state.as_deref(), Some("rt::Table::<rt::Key, u32>"));
    assert_eq!(a.init.as_deref(), Some("rt::a_init::<rt::Table::<rt::Key, u32>>"));
    assert_eq!(a.exit_batch.as_deref(), Some("rt::batch::<x::Y>"));
}

/// Each path reaches the IR with where the spec writes it, so a wrong one
/// can be reported there (`emit/signatures.rs`, `netgen check --rust`).
#[test]
fn every_rust_path_reaches_the_ir_with_its_location() {
    let extra = "resource Table: rt::Table::<u8>;\n\
                 initcall net_ns_init @ pure { provides: [InitNet, SockRegistry, PtypeBase, InetFamily, Table]; run: rt::net_ns_init; }\n\
                 pernet a_ops: subsys { registered_by: net_ns_init; state: rt::A; init: rt::a_init; pre_exit: rt::a_pre; exit: rt::a_exit; exit_batch: rt::a_batch; }\n";
    let c = compile(extra);
    assert!(!c.has_errors(), "{}", c.render_diagnostics());
    let ir = c.ir.unwrap();
    let at = |p: &netgen::ir::SpecPath| p.at.to_string();
    let a = &ir.pernet[0];
    let cases = [
        (at(ir.resources.iter().find(|r| r.name == "Table").unwrap().state.as_ref().unwrap()), "rt::Table::<u8>"),
        (at(&ir.initcalls[0].run), "rt::net_ns_init"),
        (at(a.state.as_ref().unwrap()), "rt::A"),
        (at(a.init.as_ref().unwrap()), "rt::a_init"),
        (at(a.pre_exit.as_ref().unwrap()), "rt::a_pre"),
        (at(a.exit.as_ref().unwrap()), "rt::a_exit"),
        (at(a.exit_batch.as_ref().unwrap()), "rt::a_batch"),
    ];
    for (got, path) in cases {
        assert_eq!(got, location_of(extra, path), "{path}");
    }
}

#[test]
fn a_path_with_generic_arguments_is_not_a_name() {
    let out = errors("const A = x::<y>;\n");
    assert!(out.contains("error: a constant must be a number, found a path"), "{out}");
    let out = errors("initcall a @ core::<x> { run: rt::a; }\n");
    assert!(out.contains("error: an initcall's level is a name, found a path"), "{out}");
    let out = errors("initcall a @ core { requires: [InitNet::<u8>]; run: rt::a; }\n");
    assert!(out.contains("error: expected a resource name, found a path"), "{out}");
    let out = errors(&format!("{BOOT}pernet a_ops: subsys {{ registered_by: net_ns_init::<u8>; }}\n"));
    assert!(out.contains("error: `registered_by` must be an initcall name, found a path"), "{out}");
    // Spaces are not part of a path: `a::< b >` is a syntax error.
    let out = errors("initcall a @ core { run: rt::a::< b >; }\n");
    assert!(out.contains("error: syntax error"), "{out}");
}
