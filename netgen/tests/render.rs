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
    // Every other resource provided, so that the syntax error is all there is.
    let out = common::errors(
        "initcall net_ns_init @ pure { provides: [InitNet, PtypeBase, InetFamily]; run: rt::net_ns_init; }\n\
         initcall sock_init @ core {\n    provides: [SockRegistry\n    run: rt::sock_init;\n}\n",
    );
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

/// `tag` padded with `x` to `len` bytes.
fn name(tag: &str, len: usize) -> String {
    format!("{tag}{}", "x".repeat(len - tag.len()))
}

/// A spec whose text-template lines sit a few bytes either side of
/// prettyplease's margin (89 columns), one byte apart: `requires`/`provides`
/// arrays of one and two names, `func` paths with generic arguments, nested
/// generic arguments (as the last argument and not), the proofs'
/// `requires::<..>()` calls, and `impl Resource for ..` headers.
fn margin_spec() -> String {
    let mut s = String::new();
    // Resource names of 20 to 80 bytes, all provided by one initcall (whose
    // `provides` breaks).
    let resources: Vec<String> = (20..=80).map(|len| name("Res", len)).collect();
    for r in &resources {
        s.push_str(&format!("resource {r};\n"));
    }
    s.push_str(&format!("initcall provider @ core {{ provides: [{}]; run: rt::provider; }}\n", resources.join(", ")));
    // `    requires: &["R"],` is 20 + len bytes; the proof's call line is
    // 47 + len bytes for `one_NN`.
    for (i, r) in resources.iter().enumerate() {
        s.push_str(&format!("initcall one_{i:02} @ fs {{ requires: [{r}]; run: rt::one; }}\n"));
    }
    // `    requires: &["A", "B"],` is 24 + both lengths.
    for i in 0..20 {
        let (a, b) = (&resources[i], &resources[20]);
        s.push_str(&format!("initcall two_{i:02} @ fs {{ requires: [{a}, {b}]; run: rt::two; }}\n"));
    }
    // `    func: ::rt::f::<A, B>,` is 24 + both lengths.
    for len in 50..=70 {
        s.push_str(&format!("initcall gen_{len} @ core {{ run: rt::f::<{}, Tb>; }}\n", name("Ta", len - 2)));
    }
    // The nested arguments' line, `        m::Outer<C, D>` (a last argument:
    // its comma does not count) is 20 + both lengths.
    for len in 60..=80 {
        let (c, d) = (name("Tc", len - 10), "Td12345678");
        s.push_str(&format!("initcall nest_{len} @ core {{ run: rt::f::<m::Outer::<{c}, {d}>>; }}\n"));
        s.push_str(&format!("initcall nest2_{len} @ core {{ run: rt::f::<m::Outer::<{c},{d}>, Z>; }}\n"));
    }
    s
}

/// Repeated items are written by text templates in prettyplease's layout
/// rather than formatted one by one (see `emit/mod.rs`); this keeps that
/// text identical to what prettyplease prints for the same file, with lines
/// on both sides of the margin, escaped strings and unusual docs.
#[test]
fn emitted_text_items_are_what_prettyplease_prints() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let specs = [
        netgen::compile(&repo.join("spec/netgen.ng")),
        netgen::compile_str("spec/synthetic.ng", &netgen::synthetic::spec(60)),
        common::compile(
            "/// Doc with `code`, [links], \"quotes\", a \\ backslash, and \u{e9}.\n///\n/// Second paragraph.\n\
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
        common::compile(&margin_spec()),
        // A file name that string literals escape and doc lines do not.
        netgen::compile_str(
            "spec/w\u{e9}\"ird\\ \u{301}name\t.ng",
            &format!("{}initcall a @ core {{ provides: [SockRegistry]; run: rt::a; }}\n", common::PRELUDE),
        ),
    ];
    for c in specs {
        let rendered = c.render_diagnostics();
        let ir = c.ir.unwrap_or_else(|| panic!("{rendered}"));
        for f in netgen::emit::emit(&ir).expect("the spec emits") {
            syn::parse_file(&f.contents).unwrap_or_else(|e| panic!("{} does not parse: {e}", f.name));
            // prettyplease does not lay out macro bodies; netgen writes that one itself. It
            // also writes the signature checks, one a line with a comment prettyplease drops.
            let code = f.contents.split("#[doc(hidden)]\n#[macro_export]").next().unwrap();
            let code = code.split("// The checks: one a line").next().unwrap();
            let reformatted = prettyplease::unparse(&syn::parse_file(code).expect("generated code parses"));
            assert_eq!(code_lines(code), code_lines(&reformatted), "{} differs from prettyplease's layout", f.name);
        }
    }
}

/// The margin spec does exercise both layouts of every breakable line.
#[test]
fn the_margin_spec_has_lines_broken_and_not() {
    let c = common::compile(&margin_spec());
    let rendered = c.render_diagnostics();
    let files = netgen::emit::emit(&c.ir.unwrap_or_else(|| panic!("{rendered}"))).expect("the spec emits");
    let text = |name: &str| files.iter().find(|f| f.name == name).unwrap().contents.clone();
    let (initcalls, resources) = (text("initcalls.rs"), text("resources.rs"));
    for (broken, flat) in [
        ("    requires: &[\n", "    requires: &[\""),
        ("    func: ::rt::f::<\n", "    func: ::rt::f::<T"),
        ("        m::Outer<\n", "        m::Outer<T"),
        ("    requires::<\n", "    requires::<resources::"),
    ] {
        assert!(initcalls.contains(broken), "no `{broken}`");
        assert!(initcalls.contains(flat), "no `{flat}`");
    }
    assert!(resources.contains("impl Resource\nfor Res"));
    assert!(resources.contains("impl Resource for Res"));
}

// ---- what the emitter cannot write ----------------------------------------

/// The emitter's errors for PRELUDE + `extra`, rendered like the analyzer's.
fn emit_errors(extra: &str) -> String {
    let c = common::compile(extra);
    assert!(!c.has_errors(), "the analyzer accepts it:\n{}", c.render_diagnostics());
    let ir = c.ir.as_ref().unwrap();
    let errors = netgen::emit::emit(ir).expect_err("the emitter refuses it");
    let diagnostics = c.emit().expect_err("the emitter refuses it");
    assert_eq!(errors.len(), diagnostics.len());
    netgen::diag::render_all(&diagnostics, &c.sources)
}

#[test]
fn a_run_path_that_is_not_rust_is_a_located_error() {
    let spec = "initcall sock_init @ core { provides: [SockRegistry]; run: rt::fn; }\n\
                initcall inet_init @ fs { requires: [SockRegistry]; run: rt::inet_init::<fn>; }\n";
    let out = emit_errors(spec);
    assert!(out.contains("error: the `run` of initcall `sock_init` is not a Rust path: `rt::fn`"), "{out}");
    assert!(out.contains(&format!("--> {}", common::location_of(spec, "sock_init"))), "{out}");
    assert!(
        out.contains("error: the `run` of initcall `inet_init` is not a Rust path: `rt::inet_init::<fn>`"),
        "{out}"
    );
    assert!(out.contains(&format!("--> {}", common::location_of(spec, "inet_init"))), "{out}");
    assert!(out.contains("= note: `fn` is a Rust keyword"), "{out}");
    assert!(out.ends_with("error: the spec has 2 errors\n"), "{out}");
    assert!(!out.contains("invalid_run_path"), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn every_path_the_emitter_writes_is_checked_where_it_is_written() {
    // A registrar's `run` (written in its wrapper in pernet.rs), a pernet
    // operation's function and state, a table entry's function.
    let out = emit_errors(&format!(
        "{}pernet bad_ops: subsys {{ registered_by: packet_init; state: rt::type; init: rt::i; exit: rt::x::<_>; }}\n",
        TABLES_SPEC
            .replace("run: rt::packet::packet_init;", "run: rt::packet::packet_init::<a::fn>;")
            .replace("handler: rt::igmp::igmp_rcv;", "handler: rt::igmp::match;")
    ));
    for (message, note) in [
        (
            "the `run` of initcall `packet_init` is not a Rust path: `rt::packet::packet_init::<a::fn>`",
            "`fn` is a Rust keyword",
        ),
        ("the `state` of pernet operation `bad_ops` is not a Rust path: `rt::type`", "`type` is a Rust keyword"),
        ("the `exit` of pernet operation `bad_ops` is not a Rust path: `rt::x::<_>`", "`_` is a pattern, not a name"),
        (
            "the `handler` of inet_protocol `igmp_protocol` is not a Rust path: `rt::igmp::match`",
            "`match` is a Rust keyword",
        ),
    ] {
        assert!(out.contains(&format!("error: {message}")), "{message}\n{out}");
        assert!(out.contains(&format!("= note: {note}")), "{note}\n{out}");
    }
    assert!(out.ends_with("error: the spec has 4 errors\n"), "{out}");
}

#[test]
fn a_name_that_is_no_rust_identifier_is_a_located_error() {
    let spec = "resource Self;\ninitcall fn @ core { provides: [Self]; run: rt::f; }\n";
    let out = emit_errors(spec);
    assert!(
        out.contains("error: the resource name `Self` is not a Rust identifier: `Self` is a Rust keyword"),
        "{out}"
    );
    assert!(out.contains(&format!("--> {}", common::location_of(spec, "Self"))), "{out}");
    assert!(out.contains("error: the initcall name `fn` is not a Rust identifier: `fn` is a Rust keyword"), "{out}");
    assert!(out.contains(&format!("--> {}", common::location_of(spec, "fn @"))), "{out}");
    // Reported where declared, not again where used.
    assert!(out.ends_with("error: the spec has 2 errors\n"), "{out}");
}

#[test]
fn an_ir_the_templates_cannot_write_is_refused_not_written() {
    let c = common::compile("initcall sock_init @ core { provides: [SockRegistry]; run: rt::sock_init; }\n");
    let ir = c.ir.expect("no errors");
    // A doc line with a line break is no `///` line.
    let mut docs = ir.clone();
    docs.initcalls[0].docs.push("two\nlines".into());
    let errors = netgen::emit::emit(&docs).expect_err("refused");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].origin.as_ref(), Some(&ir.initcalls[0].origin));
    assert!(errors[0].message.contains("cannot be written as a `///` comment"), "{errors:?}");
    // A `run` that is not a path at all.
    let mut run = ir.clone();
    run.initcalls[0].run.path = "rt::sock_init(); evil()".into();
    let errors = netgen::emit::emit(&run).expect_err("refused");
    assert_eq!(
        errors[0].to_string(),
        format!(
            "{}: the `run` of initcall `sock_init` is not a Rust path: `rt::sock_init(); evil()`",
            ir.initcalls[0].origin
        )
    );
    // A name that is no identifier.
    let mut name = ir;
    name.resources[0].name = "Sock Registry".into();
    let errors = netgen::emit::emit(&name).expect_err("refused");
    assert!(errors[0].message.contains("is not an identifier"), "{errors:?}");
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
