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
