//! One test per semantic error netgen reports, plus the order it computes.

mod common;
use common::{compile, errors, line_of};

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
    let line = line_of(spec, "run: rt::sock_init");
    assert!(out.contains("error: syntax error: unexpected `run`"), "{out}");
    assert!(out.contains(&format!("--> spec/test.ng:{line}:5")), "{out}");
    assert!(out.contains("^^^ expected"), "{out}");
    assert!(out.contains("`;`"), "{out}");
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
fn sections_of_later_issues_are_clear_errors_not_silence() {
    let out = errors("register CTRL @ 0x0000: u32 {\n    FD [0];\n    SPEED [9:8];\n}\n");
    assert!(out.contains("`register` sections are not supported yet"), "{out}");
    assert!(out.contains("What is missing"), "{out}");
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
    let pos: std::collections::HashMap<_, _> = ir.initcalls.iter().enumerate().map(|(i, c)| (c.name.clone(), i)).collect();
    for (i, c) in ir.initcalls.iter().enumerate() {
        for r in &c.requires {
            let provider = &ir.resources.iter().find(|x| x.name == *r).unwrap().provider;
            assert!(pos[provider] < i, "{} runs before its provider {provider}", c.name);
        }
    }
}
