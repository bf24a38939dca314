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
    let files = netgen::emit::emit(&ir).expect("the spec emits");
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
    for f in netgen::emit::emit(&ir).expect("the spec emits") {
        insta::assert_snapshot!(f.name, f.contents);
    }
}

/// Lines of `text` without blank lines and without the `//` header netgen
/// puts on every file (prettyplease drops comments).
fn code_lines(text: &str) -> Vec<&str> {
    text.lines().filter(|l| !l.is_empty() && !l.starts_with("// ")).collect()
}

/// Repeated items are written by text templates in prettyplease's layout
/// rather than formatted one by one (see `emit/mod.rs`); this keeps that
/// text identical to what prettyplease prints for the same file.
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
        common::compile(TABLES_SPEC),
        // Generic arguments written without the space prettyplease puts after a comma.
        common::compile(
            "initcall a @ core { provides: [SockRegistry, InitNet, PtypeBase, InetFamily]; run: rt::a::<B,C>; }\n\
             initcall b @ core { run: rt::b::<B,C>; }\n\
             pernet b_ops: subsys { registered_by: b; state: rt::T::<B,C>; init: rt::i::<B,C>; }\n",
        ),
    ];
    for c in specs {
        let ir = c.ir.unwrap_or_else(|| panic!("{}", c.diagnostics.len()));
        for f in netgen::emit::emit(&ir).expect("the spec emits") {
            // prettyplease does not lay out macro bodies; netgen writes that one itself.
            let code = f.contents.split("#[doc(hidden)]\n#[macro_export]").next().unwrap();
            let reformatted = prettyplease::unparse(&syn::parse_file(code).expect("generated code parses"));
            assert_eq!(code_lines(code), code_lines(&reformatted), "{} differs from prettyplease's layout", f.name);
        }
    }
}

// ---- protocol tables ----------------------------------------------------

/// A spec with every table kind: `inet_init` registers table entries and a
/// pernet operation, `packet_init` table entries only; arms that call the
/// same function merge, `proto_ops` without a method fall back to
/// `sock_no_*`, a `proto` without one to `sk_prot_no_*`, an inet protocol
/// without `err_handler` returns `Ok(())`.
const TABLES_SPEC: &str = "\
resource SockCache;
resource InetProtos;
resource Inetsw;
const PF_INET = 2;
const PF_PACKET = 17;
const IPPROTO_UDP = 17;
const ETH_P_IP = 0x0800;
initcall sock_init @ core { provides: [SockRegistry, SockCache, InitNet]; run: rt::sock_init; }
initcall net_dev_init @ subsys { provides: [PtypeBase]; run: rt::dev::net_dev_init; }
/// net/ipv4/af_inet.c
initcall inet_init @ fs { requires: [SockRegistry, SockCache, PtypeBase]; provides: [InetProtos, Inetsw, InetFamily]; run: rt::inet::inet_init; }
initcall packet_init @ device { requires: [SockRegistry, SockCache, PtypeBase]; run: rt::packet::packet_init; }
pernet af_inet_ops: subsys { registered_by: inet_init; init: rt::inet::inet_init_net; }

/// net/ipv4/udp.c: `udp_prot`.
proto udp_prot {
    name: \"UDP\";
    obj_size: 1088;
    slab: true;
    registered_by: inet_init;
    close: rt::udp::udp_lib_close;
    connect: rt::datagram::ip4_datagram_connect;
}
/// net/ipv4/raw.c: `raw_prot`.
proto raw_prot {
    name: \"RAW\";
    obj_size: 984;
    slab: true;
    registered_by: inet_init;
    close: rt::raw::raw_close;
    connect: rt::datagram::ip4_datagram_connect;
}
/// net/packet/af_packet.c: `packet_proto`.
proto packet_proto { name: \"PACKET\"; obj_size: 1472; registered_by: packet_init; }
/// net/ipv4/af_inet.c: `inet_dgram_ops`.
proto_ops inet_dgram_ops {
    family: PF_INET;
    release: rt::af_inet::inet_release;
    bind: rt::af_inet::inet_bind;
    poll: rt::udp::udp_poll;
}
/// net/packet/af_packet.c: `packet_ops`.
proto_ops packet_ops {
    family: PF_PACKET;
    release: rt::packet::packet_release;
    bind: rt::packet::packet_bind;
}
family inet_family_ops { family: PF_INET; create: rt::af_inet::inet_create; registered_by: inet_init; }
family packet_family_ops { family: PF_PACKET; create: rt::packet::packet_create; registered_by: packet_init; }
inet_protocol udp_protocol {
    protocol: IPPROTO_UDP;
    handler: rt::udp::udp_rcv;
    err_handler: rt::udp::udp_err;
    flags: [no_policy, netns_ok];
    registered_by: inet_init;
}
inet_protocol igmp_protocol { protocol: 2; handler: rt::igmp::igmp_rcv; flags: [netns_ok]; registered_by: inet_init; }
/// UDP: datagram sockets; permanent.
protosw udp {
    type: 2;
    protocol: IPPROTO_UDP;
    prot: udp_prot;
    ops: inet_dgram_ops;
    flags: [PERMANENT];
    registered_by: inet_init;
}
protosw raw { type: 3; protocol: 0; prot: raw_prot; ops: inet_dgram_ops; flags: [REUSE]; registered_by: inet_init; }
packet_type ip_packet_type { type: ETH_P_IP; func: rt::ip::ip_rcv; registered_by: inet_init; }
";

#[test]
fn emitted_tables_code_for_a_small_spec() {
    let c = common::compile(TABLES_SPEC);
    assert!(!c.has_errors(), "{}", c.render_diagnostics());
    let files = netgen::emit::emit(&c.ir.unwrap()).expect("the spec emits");
    for name in ["tables.rs", "pernet.rs"] {
        let f = files.iter().find(|f| f.name == name).unwrap();
        insta::assert_snapshot!(format!("tables_spec_{name}"), f.contents);
    }
}

#[test]
fn a_table_registered_before_its_table_exists_reads_like_rustc() {
    let out = common::errors(&format!(
        "{TABLES_SPEC}/// net/ipv4/arp.c\npacket_type arp_packet_type {{\n    type: 0x0806;\n    func: rt::arp::arp_rcv;\n    registered_by: sock_init;\n}}\n"
    ));
    insta::assert_snapshot!(out);
}

#[test]
fn the_graph_hangs_table_entries_off_their_registrar() {
    let c = common::compile(TABLES_SPEC);
    let dot = netgen::graph::dot(&c.ir.expect("no errors"));
    let cluster = dot.split("label=\"device (.initcall6.init)\";").nth(1).expect("a device cluster");
    let cluster = &cluster[..cluster.find("    }").unwrap()];
    assert!(
        cluster.contains("\"family:packet_family_ops\" [label=\"family packet_family_ops\", shape=note];"),
        "{dot}"
    );
    assert!(
        dot.contains("\"inet_init\" -> \"inet_protocol:udp_protocol\" [style=dashed, label=\"inet_add_protocol\"];"),
        "{dot}"
    );
    assert!(
        dot.contains("\"packet_init\" -> \"proto:packet_proto\" [style=dashed, label=\"proto_register\"];"),
        "{dot}"
    );
}
