//! Compile-time checks of the attribute macros: what fails to compile, with
//! the message a user reads, and what compiles.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
