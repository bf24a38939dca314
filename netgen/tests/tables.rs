//! The protocol-table sections (`proto`, `proto_ops`, `family`,
//! `inet_protocol`, `protosw`, `packet_type`): one test per error netgen
//! reports, checking the message and where it points; the IR they lower to;
//! and the dispatch table netgen keeps against the runtime's trait.

mod common;
use common::{compile, errors, location_in, location_of};

/// Resources, constants and initcalls the table tests register from: the
/// shape of spec/initcalls.ng, with `packet_init` not requiring `SockCache`.
const BOOT: &str = "\
resource SockCache;
resource InetProtos;
resource Inetsw;
const NPROTO = 46;
const PF_INET = 2;
const PF_PACKET = 17;
const SOCK_STREAM = 1;
const SOCK_DGRAM = 2;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const ETH_P_IP = 0x0800;
initcall sock_init @ core { provides: [SockRegistry, SockCache]; run: rt::sock_init; }
initcall net_dev_init @ subsys { provides: [PtypeBase]; run: rt::net_dev_init; }
initcall inet_init @ fs { requires: [SockRegistry, SockCache, PtypeBase]; provides: [InetProtos, Inetsw, InetFamily]; run: rt::inet_init; }
initcall packet_init @ device { requires: [SockRegistry, PtypeBase]; run: rt::packet_init; }
";

/// One section of each kind, all valid.
const TABLES: &str = "\
/// net/ipv4/udp.c: `udp_prot`.
proto udp_prot {
    name: \"UDP\";
    obj_size: 1088;
    slab: true;
    registered_by: inet_init;
    sendmsg: rt::udp::udp_sendmsg;
    connect: rt::datagram::ip4_datagram_connect;
}
proto tcp_prot { name: \"TCP\"; obj_size: 2240; registered_by: inet_init; }
proto_ops inet_dgram_ops {
    family: PF_INET;
    release: rt::af_inet::inet_release;
    bind: rt::af_inet::inet_bind;
}
proto_ops packet_ops { family: PF_PACKET; release: rt::packet::packet_release; }
family inet_family_ops { family: PF_INET; create: rt::af_inet::inet_create; registered_by: inet_init; }
inet_protocol udp_protocol {
    protocol: IPPROTO_UDP;
    handler: rt::udp::udp_rcv;
    err_handler: rt::udp::udp_err;
    flags: [netns_ok, no_policy];
    registered_by: inet_init;
}
inet_protocol tcp_protocol { protocol: 6; handler: rt::tcp::tcp_v4_rcv; registered_by: inet_init; }
protosw udp {
    type: SOCK_DGRAM;
    protocol: IPPROTO_UDP;
    prot: udp_prot;
    ops: inet_dgram_ops;
    flags: [PERMANENT];
    registered_by: inet_init;
}
packet_type ip_packet_type { type: ETH_P_IP; func: rt::ip::ip_rcv; registered_by: inet_init; }
";

fn spec(extra: &str) -> String {
    format!("{BOOT}{TABLES}{extra}")
}

/// Asserts `out` has the error `message` whose primary label points at
/// `needle` in the first line of the spec containing `line`.
fn assert_error_at(out: &str, extra: &str, message: &str, line: &str, needle: &str) {
    assert!(out.contains(&format!("error: {message}\n")), "expected `error: {message}` in:\n{out}");
    let loc = location_in(extra, line, needle);
    let at = out.find(&format!("error: {message}\n")).unwrap();
    let next = out[at..].lines().nth(1).unwrap_or_default();
    assert_eq!(next.trim(), format!("--> {loc}"), "{message}:\n{out}");
}

#[test]
fn valid_tables_reach_the_ir_in_spec_order_with_their_registrar() {
    let c = compile(&spec(""));
    assert!(!c.has_errors(), "{}", c.render_diagnostics());
    let ir = c.ir.unwrap();
    let t = &ir.tables;
    let names = |v: Vec<&str>| v.join(" ");
    assert_eq!(names(t.protos.iter().map(|p| p.name.as_str()).collect()), "udp_prot tcp_prot");
    let udp = &t.protos[0];
    assert_eq!((udp.display_name.as_str(), udp.obj_size, udp.slab), ("UDP", 1088, true));
    assert_eq!(udp.docs, ["net/ipv4/udp.c: `udp_prot`."]);
    assert_eq!(udp.origin.to_string(), location_of(&spec(""), "udp_prot {"));
    // Methods in `struct proto` order, not the order written.
    let methods: Vec<_> = udp.methods.iter().map(|m| (m.method.as_str(), m.path.as_str())).collect();
    assert_eq!(methods, [("connect", "rt::datagram::ip4_datagram_connect"), ("sendmsg", "rt::udp::udp_sendmsg")]);
    // Each path with where the spec writes it.
    for (path, at) in [
        (&udp.methods[1].path, "rt::udp::udp_sendmsg"),
        (&t.proto_ops[0].methods[1].path, "rt::af_inet::inet_bind"),
        (&t.families[0].create, "rt::af_inet::inet_create"),
        (&t.inet_protocols[0].handler, "rt::udp::udp_rcv"),
        (t.inet_protocols[0].err_handler.as_ref().unwrap(), "rt::udp::udp_err"),
        (&t.packet_types[0].func, "rt::ip::ip_rcv"),
    ] {
        assert_eq!((path.as_str(), path.at.to_string()), (at, location_of(&spec(""), at)));
    }
    assert!(!t.protos[1].slab, "slab defaults to false");
    assert_eq!(t.proto_ops[0].family.value, 2);
    assert_eq!(t.proto_ops[0].family.constant.as_deref(), Some("PF_INET"));
    let udp_protocol = &t.inet_protocols[0];
    assert_eq!((udp_protocol.no_policy, udp_protocol.netns_ok), (true, true));
    assert_eq!(udp_protocol.err_handler.as_deref(), Some("rt::udp::udp_err"));
    let tcp_protocol = &t.inet_protocols[1];
    assert_eq!((tcp_protocol.protocol.value, tcp_protocol.protocol.constant.as_deref()), (6, None));
    assert_eq!((tcp_protocol.no_policy, tcp_protocol.err_handler.as_deref()), (false, None));
    let udp_sw = &t.protosw[0];
    assert_eq!((udp_sw.type_.value, udp_sw.protocol.value), (2, 17));
    assert_eq!(
        (udp_sw.prot.as_str(), udp_sw.ops.as_str(), udp_sw.flags.clone()),
        ("udp_prot", "inet_dgram_ops", vec!["PERMANENT".to_string()])
    );
    assert_eq!(t.packet_types[0].type_.value, 0x800);
    // inet_init registers in Linux's inet_init order, whatever the spec order.
    let calls: Vec<_> = ir.initcall("inet_init").unwrap().table_entries.iter().map(|e| e.call.as_str()).collect();
    assert_eq!(
        calls,
        [
            "proto_register(&udp_prot, 1)",
            "proto_register(&tcp_prot, 0)",
            "sock_register(&inet_family_ops)",
            "inet_add_protocol(&udp_protocol, IPPROTO_UDP)",
            "inet_add_protocol(&tcp_protocol, 6)",
            "inet_register_protosw(&udp)",
            "dev_add_pack(&ip_packet_type)",
        ]
    );
    assert!(ir.initcall("packet_init").unwrap().table_entries.is_empty());
}

#[test]
fn the_repository_spec_registers_inet_and_packet_entries() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let c = netgen::compile(&repo.join("spec/netgen.ng"));
    let rendered = c.render_diagnostics();
    let ir = c.ir.unwrap_or_else(|| panic!("{rendered}"));
    assert_eq!(ir.tables.len() - ir.tables.nf_hooks.len(), 21, "protocol-table entries");
    let calls =
        |n: &str| -> Vec<String> { ir.initcall(n).unwrap().table_entries.iter().map(|e| e.call.clone()).collect() };
    assert_eq!(calls("packet_init"), ["proto_register(&packet_proto, 0)", "sock_register(&packet_family_ops)"]);
    let inet = calls("inet_init");
    assert_eq!(inet.len(), 15);
    assert_eq!(inet[0], "proto_register(&tcp_prot, 1)");
    assert_eq!(inet.last().unwrap(), "dev_add_pack(&ip_packet_type)");
}

// ---- schemas --------------------------------------------------------------

#[test]
fn unknown_fields_and_methods_are_errors_with_suggestions() {
    let cases = [
        ("proto a_prot { name: \"A\"; obj_sise: 1; registered_by: inet_init; }\n", "obj_sise", "proto", "a_prot", "obj_size"),
        ("proto a_prot { name: \"A\"; obj_size: 1; registered_by: inet_init; sendmesg: rt::a; }\n", "sendmesg", "proto", "a_prot", "sendmsg"),
        ("proto_ops a_ops { family: PF_INET; release: rt::r; acept: rt::a; }\n", "acept", "proto_ops", "a_ops", "accept"),
        ("family a_family { family: 3; creat: rt::c; registered_by: inet_init; }\n", "creat", "family", "a_family", "create"),
        ("inet_protocol a_protocol { protocol: 3; handler: rt::h; err_handlr: rt::e; registered_by: inet_init; }\n", "err_handlr", "inet_protocol", "a_protocol", "err_handler"),
        ("protosw a { type: 1; protocol: 3; prot: udp_prot; ops: inet_dgram_ops; flag: [REUSE]; registered_by: inet_init; }\n", "flag", "protosw", "a", "flags"),
        ("packet_type a_packet_type { type: 3; fun: rt::f; registered_by: inet_init; }\n", "fun", "packet_type", "a_packet_type", "func"),
    ];
    for (section, field, kw, name, suggestion) in cases {
        let extra = spec(section);
        let out = errors(&extra);
        assert_error_at(
            &out,
            &extra,
            &format!("unknown field `{field}` in {kw} `{name}`"),
            section.trim(),
            &format!("{field}:"),
        );
        assert!(out.contains(&format!("did you mean `{suggestion}`?")), "{out}");
        assert!(out.contains(&format!("not a field of `{kw}`")), "{out}");
    }
    // The note lists every field of the kind, methods included.
    let out = errors(&spec("proto_ops a_ops { family: PF_INET; release: rt::r; frobnicate: rt::a; }\n"));
    assert!(
        out.contains("the fields are `family`, `release`, `bind`, `connect`, `accept`, `getname`, `poll`, `ioctl`, `listen`, `shutdown`, `setsockopt`, `getsockopt`, `sendmsg`, `recvmsg`"),
        "{out}"
    );
    let out =
        errors(&spec("proto a_prot { name: \"A\"; obj_size: 1; registered_by: inet_init; frobnicate: rt::a; }\n"));
    assert!(
        out.contains("the fields are `name`, `obj_size`, `slab`, `registered_by`, `init`, `close`, `destroy`, `bind`, `connect`, `disconnect`, `sendmsg`, `recvmsg`, `hash`, `unhash`, `get_port`"),
        "{out}"
    );
}

#[test]
fn a_field_given_twice_is_an_error() {
    let section =
        "family a_family {\n    family: 3;\n    family: 4;\n    create: rt::c;\n    registered_by: inet_init;\n}\n";
    let extra = spec(section);
    let out = errors(&extra);
    assert_error_at(&out, &extra, "duplicate field `family`", "    family: 4;", "family");
    assert!(out.contains(&format!("::: {}", location_in(&extra, "    family: 3;", "family"))), "{out}");
}

#[test]
fn required_fields_are_named_when_missing() {
    let cases = [
        ("proto a_prot { registered_by: inet_init; }\n", "proto", "a_prot", &["name", "obj_size"][..]),
        ("proto a_prot { name: \"A\"; obj_size: 1; }\n", "proto", "a_prot", &["registered_by"][..]),
        ("proto_ops a_ops { bind: rt::b; }\n", "proto_ops", "a_ops", &["family", "release"][..]),
        ("family a_family { }\n", "family", "a_family", &["family", "registered_by", "create"][..]),
        (
            "inet_protocol a_protocol { err_handler: rt::e; }\n",
            "inet_protocol",
            "a_protocol",
            &["protocol", "registered_by", "handler"][..],
        ),
        ("protosw a { flags: [REUSE]; }\n", "protosw", "a", &["type", "protocol", "prot", "ops", "registered_by"][..]),
        ("packet_type a_packet_type { }\n", "packet_type", "a_packet_type", &["type", "registered_by", "func"][..]),
    ];
    for (section, kw, name, fields) in cases {
        let extra = spec(section);
        let out = errors(&extra);
        for f in fields {
            assert_error_at(&out, &extra, &format!("{kw} `{name}` has no `{f}`"), section.trim(), name);
            assert!(out.contains(&format!("add `{f}: ")), "{out}");
        }
        let count = out.matches(&format!("{kw} `{name}` has no")).count();
        assert_eq!(count, fields.len(), "{out}");
    }
}

#[test]
fn names_are_unique_per_kind_lowercase_and_sections_have_bodies() {
    let extra = spec("proto udp_prot { name: \"U2\"; obj_size: 1; registered_by: inet_init; }\n");
    let out = errors(&extra);
    assert_error_at(&out, &extra, "duplicate proto `udp_prot`", "U2", "udp_prot");
    assert!(out.contains(&format!("::: {}", location_of(&extra, "udp_prot {"))), "{out}");
    // The same name in another kind is another table.
    let c = compile(&spec("proto udp { name: \"U\"; obj_size: 1; registered_by: inet_init; }\n"));
    assert!(!c.has_errors(), "{}", c.render_diagnostics());

    let extra = spec("proto UdpProt { name: \"U\"; obj_size: 1; registered_by: inet_init; }\n");
    let out = errors(&extra);
    assert_error_at(&out, &extra, "proto name `UdpProt` is not allowed", "UdpProt", "UdpProt");
    assert!(out.contains("proto names are lowercase, like the C variables they model, e.g. `udp_prot`"), "{out}");

    let extra = spec("packet_type arp_packet_type;\n");
    let out = errors(&extra);
    assert_error_at(&out, &extra, "packet_type `arp_packet_type` needs a body", "arp_packet_type;", "arp_packet_type");

    let extra = spec("family f @ 3 { family: 3; create: rt::c; registered_by: inet_init; }\n");
    let out = errors(&extra);
    assert_error_at(&out, &extra, "`family` takes no `@`", "family f @", "3 {");
}

#[test]
fn field_values_have_the_right_shape() {
    let p = |fields: &str| format!("proto a_prot {{ name: \"A\"; registered_by: inet_init; {fields} }}\n");
    let cases = [
        (p("obj_size: \"big\";"), "`obj_size` must be a number or a constant, found a string", "\"big\""),
        (p("obj_size: 1; slab: yes;"), "`slab` must be `true` or `false`, found `yes`", "yes"),
        (p("obj_size: 1; slab: \"true\";"), "`slab` must be `true` or `false`, found a string", "\"true\""),
        (p("obj_size: 1; bind: raw_bind;"), "`bind` must be a full Rust path, found a name", "raw_bind"),
        (
            "proto a_prot { name: UDP; obj_size: 1; registered_by: inet_init; }\n".to_string(),
            "`name` must be a string, found a name",
            "UDP;",
        ),
        (
            "proto a_prot { name: \"A\"; obj_size: 1; registered_by: rt::inet_init; }\n".to_string(),
            "`registered_by` must be an initcall name, found a path",
            "rt::inet_init",
        ),
        (
            "protosw a { type: 1; protocol: 3; prot: [udp_prot]; ops: inet_dgram_ops; registered_by: inet_init; }\n"
                .to_string(),
            "`prot` must be a proto name, found a list",
            "[udp_prot]",
        ),
        (
            "protosw a { type: 1; protocol: 3; prot: udp_prot; ops: inet_dgram_ops; flags: REUSE; registered_by: inet_init; }\n"
                .to_string(),
            "expected a list of flags, found a name",
            "REUSE;",
        ),
    ];
    for (section, message, at) in cases {
        let extra = spec(&section);
        let out = errors(&extra);
        assert_error_at(&out, &extra, message, section.trim(), at);
    }
}

#[test]
fn int_fields_take_a_number_or_a_known_constant() {
    let section = "inet_protocol a_protocol { protocol: IPPROTO_UPD; handler: rt::h; registered_by: inet_init; }\n";
    let extra = spec(section);
    let out = errors(&extra);
    assert_error_at(&out, &extra, "unknown constant `IPPROTO_UPD`", section.trim(), "IPPROTO_UPD");
    assert!(out.contains("not declared with `const`"), "{out}");
    assert!(out.contains("did you mean `IPPROTO_UDP`?"), "{out}");
    // A constant declared after the section (or in a later file) is fine.
    let c = compile(&spec(
        "inet_protocol a_protocol { protocol: IPPROTO_LATE; handler: rt::h; registered_by: inet_init; }\nconst IPPROTO_LATE = 132;\n",
    ));
    assert!(!c.has_errors(), "{}", c.render_diagnostics());
    assert_eq!(c.ir.unwrap().tables.inet_protocols[2].protocol.value, 132);
}

#[test]
fn flags_are_checked_against_their_kind() {
    let section = "protosw a { type: 1; protocol: 3; prot: udp_prot; ops: inet_dgram_ops; flags: [PERMANET]; registered_by: inet_init; }\n";
    let extra = spec(section);
    let out = errors(&extra);
    assert_error_at(&out, &extra, "unknown flag `PERMANET`", section.trim(), "PERMANET");
    assert!(out.contains("not a flag of `protosw`"), "{out}");
    assert!(out.contains("the flags of `protosw` are `PERMANENT`, `REUSE`, `ICSK`"), "{out}");
    assert!(out.contains("did you mean `PERMANENT`?"), "{out}");

    let section = "inet_protocol a_protocol { protocol: 3; handler: rt::h; flags: [netns_ok, permanent]; registered_by: inet_init; }\n";
    let extra = spec(section);
    let out = errors(&extra);
    assert_error_at(&out, &extra, "unknown flag `permanent`", section.trim(), "permanent");
    assert!(out.contains("the flags of `inet_protocol` are `no_policy`, `netns_ok`"), "{out}");

    let section = "inet_protocol a_protocol { protocol: 3; handler: rt::h; flags: [netns_ok, netns_ok]; registered_by: inet_init; }\n";
    let extra = spec(section);
    let out = errors(&extra);
    assert_error_at(&out, &extra, "`netns_ok` is listed twice", section.trim(), "netns_ok]");
}

// ---- registration --------------------------------------------------------

#[test]
fn registered_by_names_a_known_initcall() {
    let section = "family a_family { family: 3; create: rt::c; registered_by: inet_int; }\n";
    let extra = spec(section);
    let out = errors(&extra);
    assert_error_at(&out, &extra, "unknown initcall `inet_int`", section.trim(), "inet_int");
    assert!(out.contains("did you mean `inet_init`?"), "{out}");
    assert!(
        out.contains("`registered_by` names the initcall whose `run` is followed by registering `a_family`"),
        "{out}"
    );
}

#[test]
fn the_registrar_requires_or_provides_the_table() {
    // The example of the issue: a packet type registered by an initcall that
    // does not wait for ptype_base.
    let section = "packet_type arp_packet_type { type: 0x0806; func: rt::arp::arp_rcv; registered_by: sock_init; }\n";
    let extra = spec(section);
    let out = errors(&extra);
    assert_error_at(
        &out,
        &extra,
        "`packet_type arp_packet_type` is registered by `sock_init`, which neither requires nor provides `PtypeBase`",
        section.trim(),
        "sock_init",
    );
    assert!(out.contains("`dev_add_pack` puts it in `PtypeBase`"), "{out}");
    assert!(out.contains(&format!("::: {}", location_of(&extra, "sock_init @"))), "{out}");
    assert!(out.contains("add `PtypeBase` to the `requires` of `sock_init`"), "{out}");

    // Each kind's table: packet_init does not require SockCache (proto_list).
    let cases = [
        (
            "proto packet_proto { name: \"PACKET\"; obj_size: 1; registered_by: packet_init; }\n",
            "proto packet_proto",
            "packet_init",
            "SockCache",
        ),
        (
            "family f { family: 17; create: rt::c; registered_by: net_dev_init; }\n",
            "family f",
            "net_dev_init",
            "SockRegistry",
        ),
        (
            "inet_protocol p { protocol: 3; handler: rt::h; registered_by: packet_init; }\n",
            "inet_protocol p",
            "packet_init",
            "InetProtos",
        ),
        (
            "protosw s { type: 1; protocol: 3; prot: udp_prot; ops: inet_dgram_ops; registered_by: packet_init; }\n",
            "protosw s",
            "packet_init",
            "Inetsw",
        ),
    ];
    for (section, title, registrar, resource) in cases {
        let extra = spec(section);
        let out = errors(&extra);
        let message =
            format!("`{title}` is registered by `{registrar}`, which neither requires nor provides `{resource}`");
        assert_error_at(&out, &extra, &message, section.trim(), &format!("{registrar};"));
    }
    // A spec that lacks the resource altogether says so.
    let out = errors(
        "initcall a_init @ core { run: rt::a; }\nproto p { name: \"P\"; obj_size: 1; registered_by: a_init; }\n",
    );
    assert!(out.contains("the spec declares no `resource SockCache;`"), "{out}");
}

#[test]
fn a_family_is_below_nproto_and_registered_once() {
    let section = "family a_family { family: NPROTO; create: rt::c; registered_by: inet_init; }\n";
    let extra = spec(section);
    let out = errors(&extra);
    assert_error_at(
        &out,
        &extra,
        "`family a_family` has family 46 (`NPROTO`), which is not below NPROTO (46)",
        section.trim(),
        "NPROTO;",
    );
    assert!(out.contains("`sock_register` would fail with ENOBUFS"), "{out}");

    let section = "proto_ops a_ops { family: 50; release: rt::r; }\n";
    let extra = spec(section);
    let out = errors(&extra);
    assert_error_at(
        &out,
        &extra,
        "`proto_ops a_ops` has family 50, which is not below NPROTO (46)",
        section.trim(),
        "50",
    );

    // Registered by an earlier initcall, so it is the spec's first family
    // that fails.
    let section = "family early_family { family: 2; create: rt::c; registered_by: sock_init; }\n";
    let extra = spec(section);
    let out = errors(&extra);
    assert_error_at(
        &out,
        &extra,
        "`family early_family` and `family inet_family_ops` both register family 2 (`PF_INET`)",
        "family inet_family_ops",
        "PF_INET",
    );
    assert!(out.contains("`sock_register(&inet_family_ops)` would fail with EEXIST"), "{out}");
    assert!(out.contains(&format!("::: {}", location_in(&extra, section.trim(), "2;"))), "{out}");
    assert!(out.contains("`early_family` is registered first"), "{out}");
}

#[test]
fn an_inet_protocol_fits_inet_protos_and_takes_a_free_slot() {
    let section = "inet_protocol a_protocol { protocol: 256; handler: rt::h; registered_by: inet_init; }\n";
    let extra = spec(section);
    let out = errors(&extra);
    assert_error_at(
        &out,
        &extra,
        "`inet_protocol a_protocol` has protocol 256, which is not below MAX_INET_PROTOS (256)",
        section.trim(),
        "256",
    );

    let section = "inet_protocol udplite_protocol { protocol: 17; handler: rt::h; registered_by: inet_init; }\n";
    let extra = spec(section);
    let out = errors(&extra);
    assert_error_at(
        &out,
        &extra,
        "`inet_protocol udp_protocol` and `inet_protocol udplite_protocol` both register protocol 17",
        section.trim(),
        "17",
    );
    assert!(out.contains("`inet_add_protocol(&udplite_protocol, 17)` would fail: the slot is taken"), "{out}");
    assert!(
        out.contains(&format!("::: {}", location_in(&extra, "    protocol: IPPROTO_UDP;", "IPPROTO_UDP"))),
        "{out}"
    );
}

#[test]
fn a_protosw_names_its_proto_and_pf_inet_ops() {
    let sw = |fields: &str| format!("protosw a {{ {fields} registered_by: inet_init; }}\n");
    let section = sw("type: 11; protocol: 3; prot: udp_prot; ops: inet_dgram_ops;");
    let extra = spec(&section);
    let out = errors(&extra);
    assert_error_at(&out, &extra, "`protosw a` has type 11, which is not below SOCK_MAX (11)", section.trim(), "11");
    assert!(out.contains("Ignoring attempt to register invalid socket type"), "{out}");

    let section = sw("type: 1; protocol: 300; prot: udp_prot; ops: inet_dgram_ops;");
    let extra = spec(&section);
    let out = errors(&extra);
    assert_error_at(
        &out,
        &extra,
        "`protosw a` has protocol 300, which is not an IP protocol number",
        section.trim(),
        "300",
    );

    let section = sw("type: 1; protocol: 3; prot: udp_prto; ops: inet_dgram_opts;");
    let extra = spec(&section);
    let out = errors(&extra);
    assert_error_at(&out, &extra, "unknown proto `udp_prto`", section.trim(), "udp_prto");
    assert!(out.contains("did you mean `udp_prot`?"), "{out}");
    assert_error_at(&out, &extra, "unknown proto_ops `inet_dgram_opts`", section.trim(), "inet_dgram_opts");
    assert!(out.contains("did you mean `inet_dgram_ops`?"), "{out}");

    let section = sw("type: 1; protocol: 3; prot: udp_prot; ops: packet_ops;");
    let extra = spec(&section);
    let out = errors(&extra);
    assert_error_at(
        &out,
        &extra,
        "`protosw a` uses `proto_ops packet_ops`, of family 17 (`PF_PACKET`), not PF_INET (2)",
        section.trim(),
        "packet_ops",
    );
    assert!(out.contains(&format!("::: {}", location_of(&extra, "PF_PACKET; release"))), "{out}");
}

#[test]
fn a_protosw_proto_is_registered_no_later_than_the_protosw() {
    let extra = format!(
        "{BOOT}initcall late_init @ device {{ requires: [SockCache]; run: rt::late_init; }}\n\
         proto late_prot {{ name: \"LATE\"; obj_size: 1; registered_by: late_init; }}\n\
         proto_ops inet_dgram_ops {{ family: PF_INET; release: rt::r; }}\n\
         protosw late {{ type: 2; protocol: 99; prot: late_prot; ops: inet_dgram_ops; registered_by: inet_init; }}\n"
    );
    let out = errors(&extra);
    assert_error_at(
        &out,
        &extra,
        "`protosw late` uses `proto late_prot`, which is registered after it",
        "protosw late",
        "late_prot",
    );
    assert!(out.contains("registered by `late_init`, which runs after `inet_init`"), "{out}");
}

#[test]
fn a_permanent_protosw_cannot_be_overridden() {
    // Same (type, protocol) as the permanent `udp`, whether or not permanent.
    for flags in ["[PERMANENT]", "[REUSE]", "[]"] {
        let section = format!(
            "protosw udp2 {{ type: SOCK_DGRAM; protocol: IPPROTO_UDP; prot: udp_prot; ops: inet_dgram_ops; flags: {flags}; registered_by: inet_init; }}\n"
        );
        let extra = spec(&section);
        let out = errors(&extra);
        assert_error_at(
            &out,
            &extra,
            "`protosw udp2` would override permanent `protosw udp` (type 2 (`SOCK_DGRAM`), protocol 17 (`IPPROTO_UDP`))",
            "protosw udp2",
            "udp2",
        );
        assert!(out.contains("would fail with EPERM: \"Attempt to override permanent protocol 17\""), "{out}");
        assert!(out.contains(&format!("::: {}", location_in(&extra, "flags: [PERMANENT];", "PERMANENT"))), "{out}");
    }
    // A permanent entry after a non-permanent one on the same slot is what
    // Linux allows (it goes first in the list).
    let c = compile(&format!(
        "{BOOT}{}",
        TABLES.replace("flags: [PERMANENT];", "flags: [REUSE];")
            + "protosw udp2 { type: SOCK_DGRAM; protocol: IPPROTO_UDP; prot: udp_prot; ops: inet_dgram_ops; flags: [PERMANENT]; registered_by: inet_init; }\n"
    ));
    assert!(!c.has_errors(), "{}", c.render_diagnostics());
}

#[test]
fn a_packet_type_is_a_u16_and_a_proto_name_fits_linux() {
    let section = "packet_type big_packet_type { type: 0x10000; func: rt::f; registered_by: inet_init; }\n";
    let extra = spec(section);
    let out = errors(&extra);
    assert_error_at(
        &out,
        &extra,
        "`packet_type big_packet_type` has type 65536, which does not fit in 16 bits",
        section.trim(),
        "0x10000",
    );

    let section =
        "proto long_prot { name: \"A_NAME_OF_MORE_THAN_31_BYTES_LONG\"; obj_size: 1; registered_by: inet_init; }\n";
    let extra = spec(section);
    let out = errors(&extra);
    assert_error_at(&out, &extra, "the name of `proto long_prot` is 33 bytes long", section.trim(), "\"A_NAME");
    assert!(out.contains("`char name[32]`"), "{out}");
}

#[test]
fn every_table_error_is_reported_in_one_run() {
    let c = compile(&spec(
        "family f { family: 99; create: rt::c; registered_by: inet_init; }\n\
         inet_protocol p { protocol: 999; handler: rt::h; registered_by: inet_init; }\n\
         protosw s { type: 20; protocol: 3; prot: nope; ops: inet_dgram_ops; registered_by: inet_init; }\n\
         packet_type t { type: 0x1_0000; func: rt::f; registered_by: nobody; }\n",
    ));
    let errors = c.diagnostics.iter().filter(|d| d.is_error()).count();
    // A family, a protocol, a socket type and an ethertype out of range, an
    // unknown proto and an unknown initcall: six.
    assert_eq!(errors, 6, "{}", c.render_diagnostics());
}
