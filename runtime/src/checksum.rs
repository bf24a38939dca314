//! The Internet checksum (lib/checksum.c, include/net/checksum.h,
//! arch/x86/include/asm/checksum_64.h): RFC 1071's 16-bit one's-complement
//! sum, computed over 64-bit words with end-around carry.
//!
//! A partial sum ([`csum_partial`]) is kept as a `u32` in network byte
//! order (the value a big-endian machine would compute), already folded to
//! 16 bits, so partial sums chain: pass one call's result as the next
//! call's `sum`. Every piece but the last must have an even length (the
//! pieces Linux chains, a pseudo-header and a transport segment, do).

/// `csum_partial(buff, len, sum)`: adds the one's-complement sum of `data`
/// to `sum`. As arch/x86's `csum_partial` does, the data is read as
/// native-order 64-bit words added with end-around carry (a 128-bit
/// accumulator: one `add`/`adc` pair a word, the carries folded once at
/// the end), the tail as one zero-padded word; the result is folded to 16
/// bits and swapped to network order once (the one's-complement sum
/// commutes with byte swapping).
#[inline]
pub fn csum_partial(data: &[u8], sum: u32) -> u32 {
    let mut acc: u128 = 0;
    let (words, tail) = data.as_chunks::<8>();
    for w in words {
        acc += u128::from(u64::from_ne_bytes(*w));
    }
    if !tail.is_empty() {
        // Zero-padded at the end: an odd last byte is the high byte of a
        // big-endian word, as RFC 1071 pads it.
        let mut last = [0u8; 8];
        if let Some(dst) = last.get_mut(..tail.len()) {
            dst.copy_from_slice(tail);
        }
        acc += u128::from(u64::from_ne_bytes(last));
    }
    // Fewer than 2^64 words fit in memory: the high half holds the carries.
    let native = fold64(add_carry(acc as u64, (acc >> 64) as u64));
    let total = u64::from(u16::from_be(native)) + u64::from(sum);
    u32::from(fold64(total))
}

/// `a + b` in one's-complement arithmetic (the carry out added back in).
#[inline]
fn add_carry(a: u64, b: u64) -> u64 {
    let (s, c) = a.overflowing_add(b);
    s + u64::from(c)
}

/// Folds a 64-bit one's-complement accumulator to 16 bits, as Linux's
/// `csum_fold` does: adding a word to itself rotated by half its width
/// leaves the end-around sum of the halves in the high half.
#[inline]
fn fold64(x: u64) -> u16 {
    let x = (x.wrapping_add(x.rotate_left(32)) >> 32) as u32;
    (x.wrapping_add(x.rotate_left(16)) >> 16) as u16
}

/// `csum_fold(sum)`: the final checksum field value, the complement of the
/// folded sum. Over a message whose checksum field is right it is 0.
#[inline]
pub fn csum_fold(sum: u32) -> u16 {
    !fold64(u64::from(sum))
}

/// `ip_fast_csum(iph, ihl)`: 0 for an IPv4 header whose checksum is right;
/// the checksum to store when the field is 0.
#[inline]
pub fn ip_fast_csum(iph: &[u8]) -> u16 {
    // The usual header (no options) as five 32-bit words, like the x86
    // `ip_fast_csum`: no loop.
    if let Ok(h) = <&[u8; 20]>::try_from(iph) {
        let w = |i: usize| u64::from(u32::from_ne_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]));
        return !u16::from_be(fold64(w(0) + w(4) + w(8) + w(12) + w(16)));
    }
    csum_fold(csum_partial(iph, 0))
}

/// `csum_tcpudp_nofold(saddr, daddr, len, proto, sum)`: adds the IPv4
/// pseudo-header (addresses in host order) to `sum`.
#[inline]
pub fn csum_tcpudp_nofold(saddr: u32, daddr: u32, len: u16, proto: u8, sum: u32) -> u32 {
    let s = u64::from(sum)
        + u64::from(saddr >> 16)
        + u64::from(saddr & 0xffff)
        + u64::from(daddr >> 16)
        + u64::from(daddr & 0xffff)
        + u64::from(proto)
        + u64::from(len);
    u32::from(fold64(s))
}

/// `csum_tcpudp_magic(..)`: the folded pseudo-header checksum.
#[inline]
pub fn csum_tcpudp_magic(saddr: u32, daddr: u32, len: u16, proto: u8, sum: u32) -> u16 {
    csum_fold(csum_tcpudp_nofold(saddr, daddr, len, proto, sum))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 1071's reference: a plain loop over big-endian 16-bit words.
    fn reference(data: &[u8]) -> u16 {
        let mut sum: u32 = 0;
        for c in data.chunks(2) {
            let w = if c.len() == 2 { u16::from_be_bytes([c[0], c[1]]) } else { u16::from(c[0]) << 8 };
            sum += u32::from(w);
        }
        while sum >> 16 != 0 {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        !(sum as u16)
    }

    #[test]
    fn matches_the_reference_for_every_length_and_alignment() {
        let data: Vec<u8> = (0..300u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
        for start in 0..8 {
            for len in 0..200 {
                let d = &data[start..start + len];
                assert_eq!(csum_fold(csum_partial(d, 0)), reference(d), "start {start} len {len}");
            }
        }
        assert_eq!(csum_fold(csum_partial(&[0xff; 64], 0)), reference(&[0xff; 64]));
    }

    #[test]
    fn ipv4_header_example() {
        // The classic example header (checksum 0xb861).
        let mut h = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8,
            0x00, 0xc7,
        ];
        assert_eq!(ip_fast_csum(&h), 0xb861);
        h[10..12].copy_from_slice(&0xb861u16.to_be_bytes());
        assert_eq!(ip_fast_csum(&h), 0);
    }

    #[test]
    fn chained_sums_equal_one_sum() {
        let a = [1u8, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        let b = [0xde, 0xad, 0xbe, 0xef, 0x01];
        let whole: Vec<u8> = a.iter().chain(b.iter()).copied().collect();
        assert_eq!(csum_fold(csum_partial(&b, csum_partial(&a, 0))), reference(&whole));
        let p = csum_tcpudp_nofold(0x0a00_0001, 0x0a00_0002, 5, 17, 0);
        let pseudo = [10, 0, 0, 1, 10, 0, 0, 2, 0, 17, 0, 5];
        assert_eq!(csum_fold(csum_partial(&b, p)), reference(&[&pseudo[..], &b[..]].concat()));
    }
}
