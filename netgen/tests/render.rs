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
