//! A spec of up to 8 files (`netgen_fuzz::includes::Input`, built with
//! `arbitrary`) written into a temporary directory, under `spec/` and
//! `spec/sub/`, with `include` lines between them, compiled with
//! `netgen::compile` from the first file. A file's name is a real spec
//! file's, `fN.ng` or any (sanitized) name; its body is a real spec file, a
//! slice of one, or any text; its includes name other files of the input
//! (relative, `./`-relative or absolute) or are any path at all.
//!
//! Oracles, as `spec_one_file`: no panic; every diagnostic is located in a
//! loaded file (`file:line:column`); an accepted spec emits files that all
//! parse with `syn::parse_file`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netgen_fuzz::includes::{self, Input};

fuzz_target!(|input: Input| {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let Some(root) = includes::write(&input, dir.path()) else { return };
    let c = netgen::compile(&root);
    netgen_fuzz::check_compiled(&c);
});
