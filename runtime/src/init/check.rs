//! Compile-time checks the attribute macros and the generated crate expand
//! to. Each is a `const fn` called in a `const` item, so the compiler runs
//! it while compiling the crate that calls it: a failed check is a compile
//! error whose message is written in the spec's words.

use super::level::Level;
use super::resource::Resource;

/// Proves that resource `R` is provided at a level no later than `L`, the
/// level of initcall `initcall`, or fails to compile with
/// "`SockRegistry` is provided at level `core` but `my_init` runs at
/// `pure`", at the caller (`#[track_caller]`: the attribute's resource).
///
/// A const evaluation rather than a trait bound between level types, so the
/// message names the levels as the spec writes them (a type named `fs`
/// prints as `netgen_generated::levels::fs`, since `std::fs` exists) and
/// lists no other levels.
#[track_caller]
pub const fn requires<R: Resource, L: Level>(initcall: &str) {
    let provided_at = <R::ProvidedAt as Level>::NAME;
    if <R::ProvidedAt as Level>::ORDINAL > L::ORDINAL {
        let message = Message::new(&[
            "`",
            R::NAME,
            "` is provided at level `",
            provided_at,
            "` but `",
            initcall,
            "` runs at `",
            L::NAME,
            "`: move `",
            initcall,
            "` to level `",
            provided_at,
            "` or later, or provide `",
            R::NAME,
            "` earlier",
        ]);
        panic!("{}", message.as_str());
    }
}

/// Proves that `L` is a level.
pub const fn level<L: Level>() {}

/// Proves a function has the initcall signature `fn(&mut Kernel) -> InitResult`
/// (the generated crate's `Kernel`, of its spec).
pub const fn initcall_fn<S: crate::kernel::KernelSpec>(f: super::InitFn<S>) -> super::InitFn<S> {
    f
}

/// A message joined from parts at compile time (const code cannot
/// allocate), cut at `MESSAGE_LEN` bytes, at a character boundary.
struct Message {
    bytes: [u8; MESSAGE_LEN],
    len: usize,
}

/// Room for the sentence and four names of a few hundred bytes each.
const MESSAGE_LEN: usize = 2048;

impl Message {
    const fn new(parts: &[&str]) -> Message {
        let mut bytes = [0; MESSAGE_LEN];
        let mut len = 0;
        let mut i = 0;
        while i < parts.len() {
            let part = parts[i].as_bytes();
            let mut j = 0;
            while j < part.len() && len < MESSAGE_LEN {
                bytes[len] = part[j];
                len += 1;
                j += 1;
            }
            i += 1;
        }
        Message { bytes, len }
    }

    const fn as_str(&self) -> &str {
        let (text, _) = self.bytes.split_at(self.len);
        match core::str::from_utf8(text) {
            Ok(s) => s,
            // Cut inside a character: up to it.
            Err(e) => match core::str::from_utf8(text.split_at(e.valid_up_to()).0) {
                Ok(s) => s,
                Err(_) => "",
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_its_parts_cut_at_a_character() {
        assert_eq!(Message::new(&["`a`", " is ", "b"]).as_str(), "`a` is b");
        let long = "\u{e9}".repeat(MESSAGE_LEN);
        let m = Message::new(&["x", &long]);
        assert_eq!(m.as_str().len(), MESSAGE_LEN - 1, "the last whole character");
        assert!(m.as_str().starts_with("x\u{e9}"));
    }
}
