//! What the fuzz targets share: the spec compiler's oracles, the receive
//! input's record format and a booted kernel.
//!
//! Every check is an `assert!`: libFuzzer reports a panic as a crash and
//! keeps the input.

pub mod arb;
pub mod calls;
pub mod includes;

use netgen::diag::{Diagnostic, Label};
use netgen::source::SourceMap;
use netgen::Compiled;
use netgen_runtime::init::BootOptions;
use netgen_stack::Kernel;

// ---------------------------------------------------------------------------
// The spec compiler

/// The oracles of a compiled spec:
///
/// * every diagnostic (the compiler's and the emitter's) is located: each
///   label's span is inside a loaded file, and the rendered text points at
///   `file:line:column` of its primary span;
/// * no IR means at least one error;
/// * an accepted spec emits (an emitter error is located too, and is never
///   an "internal error", which is netgen's own bug: Rust it built that does
///   not parse) and every emitted file parses with `syn::parse_file`.
pub fn check_compiled(c: &Compiled) {
    for d in &c.diagnostics {
        check_located(d, &c.sources);
    }
    if c.ir.is_none() {
        assert!(c.has_errors(), "no IR and no error: {:#?}", c.diagnostics);
    }
    if c.has_errors() {
        return;
    }
    match c.emit() {
        Ok(files) => {
            for f in files {
                if parsed_before(&f.contents) {
                    continue;
                }
                if let Err(e) = syn::parse_file(&f.contents) {
                    panic!("emitted {} does not parse: {e}\n{}", f.name, f.contents);
                }
            }
        }
        Err(diags) => {
            assert!(!diags.is_empty(), "emit failed without a diagnostic");
            for d in &diags {
                check_located(d, &c.sources);
                assert!(!d.message.starts_with("internal error"), "netgen's emitter failed:\n{}", d.render(&c.sources));
            }
        }
    }
}

/// Whether these exact contents were parsed (successfully) before in this
/// process; records them. Mutated specs often emit files identical to ones
/// seen already, and parsing the whole spec's output again costs as much as
/// emitting it.
fn parsed_before(contents: &str) -> bool {
    use std::hash::{Hash, Hasher};
    thread_local! {
        static SEEN: std::cell::RefCell<std::collections::HashSet<u64>> = Default::default();
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    contents.hash(&mut h);
    let key = h.finish();
    SEEN.with(|s| {
        let mut s = s.borrow_mut();
        if s.len() > 100_000 {
            s.clear();
        }
        !s.insert(key)
    })
}

fn check_label(l: &Label, sources: &SourceMap, d: &Diagnostic) {
    let s = l.span;
    let n = sources.files().len();
    assert!((s.file.0 as usize) < n, "span {s:?} names file {} of {n}: {d:?}", s.file.0);
    let f = sources.get(s.file);
    assert!(s.start <= s.end && s.end <= f.text.len(), "span {s:?} outside {} ({} bytes): {d:?}", f.name, f.text.len());
    let loc = sources.location(s);
    let lines = f.text.matches('\n').count() + 1;
    assert!(loc.line >= 1 && loc.line <= lines && loc.column >= 1, "location {loc} outside {} ({lines} lines)", f.name);
    assert!(!loc.file.is_empty(), "diagnostic located in a file with no name: {d:?}");
}

/// A diagnostic's labels are inside the loaded files and its rendering
/// says `--> file:line:column`.
pub fn check_located(d: &Diagnostic, sources: &SourceMap) {
    check_label(&d.primary, sources, d);
    for l in &d.secondary {
        check_label(l, sources, d);
    }
    let rendered = d.render(sources);
    let at = format!("--> {}\n", sources.location(d.primary.span));
    assert!(rendered.contains(&at), "diagnostic not rendered at {at}:\n{rendered}");
}

// ---------------------------------------------------------------------------
// The receive path's input: frames, each possibly repeated

/// Copies of one record past this many are not made (a record asks for at
/// most 2,048).
pub const MAX_COPIES: usize = 2048;

/// One record of an `rx_frames` input: a frame received `copies` times,
/// copy `i` with `i` added (big-endian, wrapping) to the 32-bit word at
/// `bump_at` (when the frame has it), so one record can be a flood from
/// many senders or ports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RxRecord {
    pub copies: usize,
    pub bump_at: usize,
    pub frame: Vec<u8>,
}

impl RxRecord {
    pub fn once(frame: Vec<u8>) -> RxRecord {
        RxRecord { copies: 1, bump_at: 0, frame }
    }

    /// Copy `i` of the frame.
    pub fn copy(&self, i: usize) -> Vec<u8> {
        let mut f = self.frame.clone();
        if i > 0 {
            if let Some(w) = f.get_mut(self.bump_at..self.bump_at + 4) {
                let v = u32::from_be_bytes([w[0], w[1], w[2], w[3]]).wrapping_add(i as u32);
                w.copy_from_slice(&v.to_be_bytes());
            }
        }
        f
    }
}

/// Parses an `rx_frames` input: records of
///
/// ```text
/// repeat:u8  bump_at:u8  len:u16 (little-endian)  frame:[u8; len]
/// ```
///
/// `repeat` below 0x80 is one copy, else `(repeat - 0x7f) * 16` copies
/// (16 to 2,048); a record whose frame is cut short by the end of the input
/// takes what is there.
pub fn parse_rx(mut data: &[u8]) -> Vec<RxRecord> {
    let mut out = Vec::new();
    while let [repeat, bump_at, l0, l1, rest @ ..] = data {
        let copies = if *repeat < 0x80 { 1 } else { usize::from(*repeat - 0x7f) * 16 };
        let len = usize::from(u16::from_le_bytes([*l0, *l1])).min(rest.len());
        out.push(RxRecord {
            copies: copies.min(MAX_COPIES),
            bump_at: usize::from(*bump_at),
            frame: rest[..len].to_vec(),
        });
        data = &rest[len..];
    }
    out
}

/// The bytes [`parse_rx`] reads back as `records` (for seed corpora).
/// `copies` is rounded down to what the format can say.
pub fn encode_rx(records: &[RxRecord]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in records {
        let repeat = if r.copies <= 1 { 0 } else { (r.copies / 16).clamp(1, 128) as u8 + 0x7f };
        let len = u16::try_from(r.frame.len()).expect("a frame of at most 65,535 bytes");
        out.push(repeat);
        out.push(u8::try_from(r.bump_at).expect("bump_at below 256"));
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&r.frame);
    }
    out
}

// ---------------------------------------------------------------------------
// The stack

/// The kernel, booted once per process (boot is the expensive part; each
/// input gets a namespace of its own). `Kernel` is not `Sync` (user
/// crates' states are `Send` only), so it is the fuzzing thread's, and
/// lives as long as the process.
pub fn kernel() -> &'static Kernel {
    thread_local! {
        static K: &'static Kernel = Box::leak(Box::new(netgen_stack::boot(1, &BootOptions::default()).0));
    }
    K.with(|k| *k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rx_records_round_trip() {
        let rs = vec![
            RxRecord::once(vec![1, 2, 3]),
            RxRecord { copies: 32, bump_at: 28, frame: vec![0; 42] },
            RxRecord { copies: 2048, bump_at: 0, frame: vec![] },
        ];
        assert_eq!(parse_rx(&encode_rx(&rs)), rs);
        assert_eq!(rs[1].copy(3)[28..32], [0, 0, 0, 3]);
    }
}
