//! Arbitrary bytes as one spec file (invalid UTF-8 replaced by U+FFFD),
//! compiled with `netgen::compile_str` (includes are not followed: they are
//! an error located at their path). Oracles: no panic; every diagnostic is
//! located (`file:line:column`, inside the file); an accepted spec emits
//! files that all parse with `syn::parse_file`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let c = netgen::compile_str("spec/fuzz.ng", &text);
    netgen_fuzz::check_compiled(&c);
});
