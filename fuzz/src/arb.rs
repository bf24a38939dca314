//! The inverse of `arbitrary` 1.5's decoding, for the few shapes the
//! structured targets use: the bytes from which `T::arbitrary_take_rest`
//! builds a given value. Seed corpora are written with it
//! (`examples/seeds.rs`), which decodes every seed again and compares, so a
//! change in `arbitrary`'s format fails there rather than leaving seeds that
//! mean something else.
//!
//! The format (arbitrary 1.5): integers are little-endian; a `bool` is a
//! byte's low bit; an enum's variant is a `u32` `x` scaled to
//! `(x * variants) >> 32`; a `Vec` is its elements each after a `true`
//! byte, then a `false`; a `String`'s length is taken from the *end* of the
//! remaining data (1, 2 or 4 bytes, big-endian, depending on how much data
//! remains), its bytes from the front.

/// What an encoded value is made of, in the order the decoder reads it.
enum Op {
    Front(Vec<u8>),
    /// A length read from the end of the remaining data.
    Len(usize),
}

/// Builds the bytes of a value, field by field in declaration order.
#[derive(Default)]
pub struct Enc {
    ops: Vec<Op>,
}

/// A value [`Enc`] can write.
pub trait Encode {
    fn encode(&self, e: &mut Enc);
}

impl Enc {
    pub fn bytes(&mut self, b: &[u8]) {
        self.ops.push(Op::Front(b.to_vec()));
    }

    /// Variant `k` of an enum with `n` variants.
    pub fn variant(&mut self, k: u32, n: u32) {
        let x = ((u64::from(k) << 32).div_ceil(u64::from(n))) as u32;
        debug_assert_eq!((u64::from(x) * u64::from(n)) >> 32, u64::from(k));
        self.bytes(&x.to_le_bytes());
    }

    pub fn str(&mut self, s: &str) {
        self.ops.push(Op::Len(s.len()));
        self.bytes(s.as_bytes());
    }

    /// A `Vec` that is not the last field (ended by a `false`); the last
    /// field's `Vec` may be written the same way.
    pub fn vec<T: Encode>(&mut self, v: &[T]) {
        for x in v {
            true.encode(self);
            x.encode(self);
        }
        false.encode(self);
    }

    /// The bytes the decoder reads back as what was written.
    pub fn finish(self) -> Vec<u8> {
        // How many bytes `arbitrary_byte_size` takes off the end of `d`
        // remaining bytes.
        fn width(d: usize) -> usize {
            match d {
                0 => 0,
                1..=256 => 1,
                257..=65537 => 2,
                _ => 4,
            }
        }
        let front: Vec<usize> = self.ops.iter().map(|o| if let Op::Front(b) = o { b.len() } else { 0 }).collect();
        // Front bytes still unread when op i runs.
        let mut front_after = vec![0; self.ops.len() + 1];
        for i in (0..self.ops.len()).rev() {
            front_after[i] = front_after[i + 1] + front[i];
        }
        // Widths of the lengths, last first: each depends on what is left
        // then, its own bytes included.
        let mut widths = vec![0; self.ops.len()];
        let mut later: usize = 0;
        for i in (0..self.ops.len()).rev() {
            if let Op::Len(_) = self.ops[i] {
                let left = front_after[i] + later;
                let w = [0, 1, 2, 4].into_iter().find(|&w| width(left + w) == w).expect("a consistent width");
                widths[i] = w;
                later += w;
            }
        }
        let mut out = Vec::new();
        let mut back: Vec<Vec<u8>> = Vec::new();
        // `later` now counts the length bytes still unread at each op.
        for (i, op) in self.ops.iter().enumerate() {
            match op {
                Op::Front(b) => out.extend_from_slice(b),
                Op::Len(n) => {
                    let w = widths[i];
                    let d = front_after[i] + later;
                    later -= w;
                    if w == 0 || d == 1 {
                        assert_eq!(*n, 0, "no room for a length");
                        back.push(vec![0; w]);
                        continue;
                    }
                    let max = d - w;
                    assert!(*n <= max);
                    // `int_in_range(0..=max)` reads as many of the `w` bytes
                    // as `max` has significant bytes, big-endian.
                    let k = (0..w).take_while(|&c| (max >> (c * 8)) > 0).count();
                    let mut b = vec![0; w];
                    for (c, slot) in b.iter_mut().take(k).enumerate() {
                        *slot = (*n >> ((k - 1 - c) * 8)) as u8;
                    }
                    back.push(b);
                }
            }
        }
        for b in back.into_iter().rev() {
            out.extend_from_slice(&b);
        }
        out
    }
}

/// The bytes of `v`.
pub fn encode<T: Encode>(v: &T) -> Vec<u8> {
    let mut e = Enc::default();
    v.encode(&mut e);
    e.finish()
}

impl Encode for bool {
    fn encode(&self, e: &mut Enc) {
        e.bytes(&[u8::from(*self)]);
    }
}

macro_rules! ints {
    ($($t:ty)*) => {$(
        impl Encode for $t {
            fn encode(&self, e: &mut Enc) {
                e.bytes(&self.to_le_bytes());
            }
        }
    )*};
}
ints!(u8 u16 u32 u64 i32);

impl Encode for String {
    fn encode(&self, e: &mut Enc) {
        e.str(self);
    }
}

impl<T: Encode> Encode for Vec<T> {
    fn encode(&self, e: &mut Enc) {
        e.vec(self);
    }
}

impl<T: Encode> Encode for Option<T> {
    fn encode(&self, e: &mut Enc) {
        self.is_some().encode(e);
        if let Some(v) = self {
            v.encode(e);
        }
    }
}
