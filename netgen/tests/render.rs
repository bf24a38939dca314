//! Snapshots of how diagnostics read, and of the code netgen emits for a
//! small spec.

mod common;

#[test]
fn a_later_level_requirement_reads_like_rustc() {
    let out = common::errors(
        "initcall sock_init @ core { provides: [SockRegistry]; run: rt::sock_init; }\n\
         initcall my_init @ pure {\n    requires: [SockRegistry];\n    run: my_crate::my_init;\n}\n",
    );
    insta::assert_snapshot!(out);
}

#[test]
fn a_syntax_error_reads_like_rustc() {
    let out = common::errors("initcall sock_init @ core {\n    provides: [SockRegistry\n    run: rt::sock_init;\n}\n");
    insta::assert_snapshot!(out);
}

#[test]
fn a_pernet_uses_ordering_error_reads_like_rustc() {
    let out = common::errors(
        "initcall net_ns_init @ pure { provides: [InitNet, SockRegistry]; run: rt::net_ns_init; }\n\
         initcall net_dev_init @ subsys { provides: [PtypeBase]; run: rt::net_dev_init; }\n\
         initcall inet_init @ fs { provides: [InetFamily]; run: rt::inet_init; }\n\
         pernet loopback_net_ops: device {\n    registered_by: net_dev_init;\n    uses: [af_inet_ops];\n    init: rt::loopback_net_init;\n}\n\
         pernet af_inet_ops: subsys {\n    registered_by: inet_init;\n    state: rt::Ipv4Net;\n    init: rt::inet_init_net;\n}\n",
    );
    insta::assert_snapshot!(out);
}

/// A spec with three pernet operations: a subsys one with state, init and
/// exit, a stateless subsys one with init only, a device one with
/// exit_batch; and a registrar whose `run` has generic arguments.
const PERNET_SPEC: &str = "\
/// net/core/net_namespace.c
initcall net_ns_init @ pure { provides: [InitNet, SockRegistry]; run: rt::net_ns_init::<netgen_generated::pernet::Pernet>; }
/// net/core/dev.c
initcall net_dev_init @ subsys { requires: [InitNet]; provides: [PtypeBase, InetFamily]; run: rt::dev::net_dev_init; }

/// net/core/dev.c: the per-namespace device name and ifindex tables.
pernet netdev_net_ops: subsys {
    registered_by: net_dev_init;
    state: rt::dev::NetdevNet;
    requires: [InitNet, PtypeBase];
    init: rt::dev::netdev_init;
    exit: rt::dev::netdev_exit;
}

/// net/core/net-procfs.c: /proc/net/dev.
pernet dev_proc_ops: subsys {
    registered_by: net_dev_init;
    uses: [netdev_net_ops];
    init: rt::dev::dev_proc_net_init;
}

/// net/core/dev.c: unregisters the devices left in dying namespaces.
pernet default_device_ops: device {
    registered_by: net_dev_init;
    uses: [netdev_net_ops];
    exit_batch: rt::dev::default_device_exit_batch;
}
";

#[test]
fn emitted_pernet_code_for_a_small_spec() {
    let c = common::compile(PERNET_SPEC);
    assert!(!c.has_errors(), "{}", c.render_diagnostics());
    let ir = c.ir.unwrap();
    let files = netgen::emit::emit(&ir);
    for name in ["pernet.rs", "initcalls.rs"] {
        let f = files.iter().find(|f| f.name == name).unwrap();
        insta::assert_snapshot!(format!("pernet_spec_{name}"), f.contents);
    }
}

#[test]
fn the_graph_hangs_pernet_operations_off_their_registrar() {
    let c = common::compile(PERNET_SPEC);
    let dot = netgen::graph::dot(&c.ir.expect("no errors"));
    let cluster = dot.split("label=\"subsys (.initcall4.init)\";").nth(1).expect("a subsys cluster");
    let cluster = &cluster[..cluster.find("    }").unwrap()];
    assert!(cluster.contains("\"pernet:netdev_net_ops\" [label=\"netdev_net_ops\", shape=ellipse];"), "{dot}");
    assert!(
        dot.contains("\"net_dev_init\" -> \"pernet:netdev_net_ops\" [style=dashed, label=\"register_pernet_subsys\"];"),
        "{dot}"
    );
    assert!(
        dot.contains(
            "\"net_dev_init\" -> \"pernet:default_device_ops\" [style=dashed, label=\"register_pernet_device\"];"
        ),
        "{dot}"
    );
    assert!(dot.contains("\"net_ns_init\" -> \"pernet:netdev_net_ops\" [label=\"InitNet\"];"), "{dot}");
    assert!(
        dot.contains("\"pernet:netdev_net_ops\" -> \"pernet:dev_proc_ops\" [style=dotted, label=\"uses\"];"),
        "{dot}"
    );
}

#[test]
fn emitted_code_for_a_small_spec() {
    let c = common::compile(
        "/// net/socket.c\ninitcall sock_init @ core { provides: [SockRegistry]; run: rt::sock_init; }\n\
         initcall inet_init @ fs { requires: [SockRegistry]; provides: [InetFamily]; run: rt::inet_init; }\n",
    );
    let ir = c.ir.expect("no errors");
    for f in netgen::emit::emit(&ir) {
        insta::assert_snapshot!(f.name, f.contents);
    }
}

/// Lines of `text` without blank lines and without the `//` header netgen
/// puts on every file (prettyplease drops comments).
fn code_lines(text: &str) -> Vec<&str> {
    text.lines().filter(|l| !l.is_empty() && !l.starts_with("// ")).collect()
}

/// Repeated items are written as text in prettyplease's style rather than
/// formatted one by one (see `emit::item`); this keeps that text identical
/// to what prettyplease prints for the same file.
#[test]
fn emitted_text_items_are_what_prettyplease_prints() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let specs = [
        netgen::compile(&repo.join("spec/netgen.ng")),
        netgen::compile_str("spec/synthetic.ng", &netgen::synthetic::spec(60)),
        common::compile(
            "/// Doc with `code`, [links] and \u{e9}.\n///\n/// Second paragraph.\n\
             initcall sock_init @ core { provides: [SockRegistry, InitNet, PtypeBase, InetFamily]; run: a_rather_long_crate_name::with_a_module::sock_init; }\n",
        ),
        common::compile(PERNET_SPEC),
        // Generic arguments written without the space prettyplease puts after a comma.
        common::compile(
            "initcall a @ core { provides: [SockRegistry, InitNet, PtypeBase, InetFamily]; run: rt::a::<B,C>; }\n\
             initcall b @ core { run: rt::b::<B,C>; }\n\
             pernet b_ops: subsys { registered_by: b; state: rt::T::<B,C>; init: rt::i::<B,C>; }\n",
        ),
    ];
    for c in specs {
        let ir = c.ir.unwrap_or_else(|| panic!("{}", c.diagnostics.len()));
        for f in netgen::emit::emit(&ir) {
            // prettyplease does not lay out macro bodies; netgen writes that one itself.
            let code = f.contents.split("#[doc(hidden)]\n#[macro_export]").next().unwrap();
            let reformatted = prettyplease::unparse(&syn::parse_file(code).expect("generated code parses"));
            assert_eq!(code_lines(code), code_lines(&reformatted), "{} differs from prettyplease's layout", f.name);
        }
    }
}
