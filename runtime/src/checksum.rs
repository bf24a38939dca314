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
/// to `sum`. The data is read as native-order 32-bit words added into four
/// 64-bit lanes (no carry can be lost before 2^32 words; the compiler
/// vectorizes the loop), folded to 16 bits, and swapped to network order
/// once at the end (the one's-complement sum commutes with byte swapping).
#[inline]
pub fn csum_partial(data: &[u8], sum: u32) -> u32 {
    let mut lanes = [0u64; 4];
    let mut chunks = data.chunks_exact(16);
    for c in &mut chunks {
        let Ok(b) = <[u8; 16]>::try_from(c) else { continue };
        lanes[0] += u64::from(u32::from_ne_bytes([b[0], b[1], b[2], b[3]]));
        lanes[1] += u64::from(u32::from_ne_bytes([b[4], b[5], b[6], b[7]]));
        lanes[2] += u64::from(u32::from_ne_bytes([b[8], b[9], b[10], b[11]]));
        lanes[3] += u64::from(u32::from_ne_bytes([b[12], b[13], b[14], b[15]]));
    }
    let rest = chunks.remainder();
    let mut words = rest.chunks_exact(4);
    for w in &mut words {
        if let [a, b, c, d] = *w {
            lanes[0] += u64::from(u32::from_ne_bytes([a, b, c, d]));
        }
    }
    let tail = words.remainder();
    let mut pairs = tail.chunks_exact(2);
    for p in &mut pairs {
        if let [a, b] = *p {
            lanes[1] += u64::from(u16::from_ne_bytes([a, b]));
        }
    }
    if let [last] = *pairs.remainder() {
        // At an even offset: the high byte of a big-endian word.
        lanes[2] += u64::from(u16::from_ne_bytes([last, 0]));
    }
    // Each lane is below 2^62 for any slice that fits in memory.
    let native = fold64(lanes[0] + lanes[1] + lanes[2] + lanes[3]);
    let total = u64::from(u16::from_be(native)) + u64::from(sum);
    u32::from(fold64(total))
}

/// Folds a 64-bit one's-complement accumulator to 16 bits.
#[inline]
fn fold64(mut x: u64) -> u16 {
    x = (x & 0xffff_ffff) + (x >> 32);
    x = (x & 0xffff_ffff) + (x >> 32);
    x = (x & 0xffff) + (x >> 16);
    x = (x & 0xffff) + (x >> 16);
    x = (x & 0xffff) + (x >> 16);
    x as u16
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
