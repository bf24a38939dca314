//! Frame builders and parsers for tests, fuzzers and benchmarks: Ethernet II,
//! ARP (Ethernet/IPv4), IPv4, UDP and ICMP echo, each with correct Internet
//! checksums (RFC 1071). Nothing here uses the stack's own code, so a test
//! that feeds the stack these frames checks it against a second
//! implementation.
//!
//! Builders return whole Ethernet frames: no FCS, and no padding to the
//! 60-byte minimum ([`pad_to_min`] adds it, as a NIC would). IPv4 headers are
//! built without options; [`Ipv4Header`]'s `with_*` methods set TTL, id,
//! flags and fragment offset, TOS and protocol.
//!
//! Parsers check what a receiving host checks and return `None` otherwise:
//! EtherType, IPv4 version, header length, total length and header checksum,
//! the transport checksum over the pseudo-header. Bytes after the IPv4 total
//! length (Ethernet padding) are ignored, as Linux's `ip_rcv` trims them.
//!
//! ```
//! use std::net::SocketAddrV4;
//! use netgen_stack::frames::{parse_udp_frame, udp_frame};
//!
//! let (a, b): (SocketAddrV4, SocketAddrV4) = ("10.0.0.1:5000".parse().unwrap(), "10.0.0.2:7".parse().unwrap());
//! let frame = udp_frame([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2], a, b, b"ping");
//! assert_eq!(parse_udp_frame(&frame), Some((a, b, &b"ping"[..])));
//! ```

use std::net::{Ipv4Addr, SocketAddrV4};

/// An Ethernet (EUI-48) address.
pub type Mac = [u8; 6];

/// `ff:ff:ff:ff:ff:ff`.
pub const BROADCAST: Mac = [0xff; 6];
/// `00:00:00:00:00:00`: the target hardware address of an ARP request.
pub const ZERO_MAC: Mac = [0; 6];

/// Ethernet II header length.
pub const ETH_HLEN: usize = 14;
/// Minimum Ethernet frame length without the FCS (Linux's `ETH_ZLEN`).
pub const ETH_ZLEN: usize = 60;
/// EtherType IPv4.
pub const ETH_P_IP: u16 = 0x0800;
/// EtherType ARP.
pub const ETH_P_ARP: u16 = 0x0806;

/// IPv4 header length without options.
pub const IPV4_HLEN: usize = 20;
/// UDP header length.
pub const UDP_HLEN: usize = 8;
/// ICMP echo header length (type, code, checksum, id, sequence).
pub const ICMP_ECHO_HLEN: usize = 8;
/// ARP payload length for Ethernet/IPv4.
pub const ARP_LEN: usize = 28;

/// IP protocol numbers (`IPPROTO_*`).
pub const IPPROTO_ICMP: u8 = 1;
/// IGMP.
pub const IPPROTO_IGMP: u8 = 2;
/// TCP.
pub const IPPROTO_TCP: u8 = 6;
/// UDP.
pub const IPPROTO_UDP: u8 = 17;

/// ICMP type echo reply.
pub const ICMP_ECHOREPLY: u8 = 0;
/// ICMP type echo request.
pub const ICMP_ECHO: u8 = 8;

/// ARP operation request.
pub const ARPOP_REQUEST: u16 = 1;
/// ARP operation reply.
pub const ARPOP_REPLY: u16 = 2;

/// IPv4 "don't fragment" flag, in the flags/fragment-offset word.
pub const IP_DF: u16 = 0x4000;
/// IPv4 "more fragments" flag.
pub const IP_MF: u16 = 0x2000;
/// IPv4 fragment offset mask (in 8-byte units).
pub const IP_OFFSET: u16 = 0x1fff;

// ---------------------------------------------------------------------------
// Checksums

/// Adds `data` as big-endian 16-bit words (an odd last byte is the high byte
/// of a zero-padded word) to `acc`, without folding.
fn sum_be_words(data: &[u8], mut acc: u64) -> u64 {
    let mut words = data.chunks_exact(2);
    for w in &mut words {
        acc += u64::from(u16::from_be_bytes([w[0], w[1]]));
    }
    if let [last] = words.remainder() {
        acc += u64::from(*last) << 8;
    }
    acc
}

/// Folds the carries of a one's-complement sum into 16 bits.
fn fold(mut acc: u64) -> u16 {
    while acc >> 16 != 0 {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

/// The Internet checksum of RFC 1071: the one's complement of the
/// one's-complement sum of `data` as big-endian 16-bit words (an odd length
/// is padded with a zero byte). Store it big-endian. Computed over data that
/// already holds a correct checksum, it is 0.
pub fn internet_checksum(data: &[u8]) -> u16 {
    !fold(sum_be_words(data, 0))
}

/// The IPv4 pseudo-header's sum: source, destination, protocol, length.
fn pseudo_header_sum(src: Ipv4Addr, dst: Ipv4Addr, protocol: u8, len: usize) -> u64 {
    let mut acc = sum_be_words(&src.octets(), 0);
    acc = sum_be_words(&dst.octets(), acc);
    acc + u64::from(protocol) + len as u64
}

/// The UDP checksum of `segment` (header and payload, as given) with the
/// IPv4 pseudo-header of `src`, `dst` and the segment's length. With the
/// checksum field zeroed this is the value to store (after mapping 0 to
/// 0xffff, which [`udp_datagram`] does); over a received segment it is 0 when
/// the stored checksum is right.
pub fn udp_checksum(src: Ipv4Addr, dst: Ipv4Addr, segment: &[u8]) -> u16 {
    !fold(sum_be_words(segment, pseudo_header_sum(src, dst, IPPROTO_UDP, segment.len())))
}

// ---------------------------------------------------------------------------
// Ethernet

/// An Ethernet II header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EthHeader {
    /// Destination address.
    pub dst: Mac,
    /// Source address.
    pub src: Mac,
    /// EtherType ([`ETH_P_IP`], [`ETH_P_ARP`], ...).
    pub ethertype: u16,
}

impl EthHeader {
    /// The 14 bytes on the wire.
    pub fn to_bytes(&self) -> [u8; ETH_HLEN] {
        let mut b = [0; ETH_HLEN];
        b[0..6].copy_from_slice(&self.dst);
        b[6..12].copy_from_slice(&self.src);
        b[12..14].copy_from_slice(&self.ethertype.to_be_bytes());
        b
    }
}

/// Splits an Ethernet II frame into its header and payload (`None` if it is
/// shorter than a header). No address filtering.
pub fn parse_eth(frame: &[u8]) -> Option<(EthHeader, &[u8])> {
    if frame.len() < ETH_HLEN {
        return None;
    }
    let hdr = EthHeader {
        dst: frame[0..6].try_into().ok()?,
        src: frame[6..12].try_into().ok()?,
        ethertype: u16::from_be_bytes([frame[12], frame[13]]),
    };
    Some((hdr, &frame[ETH_HLEN..]))
}

/// Pads `frame` with zeros to [`ETH_ZLEN`] (60) bytes, as a NIC does before
/// sending a short frame; receivers must ignore the padding.
pub fn pad_to_min(frame: &mut Vec<u8>) {
    if frame.len() < ETH_ZLEN {
        frame.resize(ETH_ZLEN, 0);
    }
}

fn eth_frame(src_mac: Mac, dst_mac: Mac, ethertype: u16, payload_len: usize) -> Vec<u8> {
    let mut f = Vec::with_capacity(ETH_HLEN + payload_len);
    f.extend_from_slice(&EthHeader { dst: dst_mac, src: src_mac, ethertype }.to_bytes());
    f
}

// ---------------------------------------------------------------------------
// IPv4

/// An IPv4 header without options. [`Ipv4Header::new`] gives TTL 64, id 0,
/// DF set, TOS 0; the `with_*` methods change one field each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv4Header {
    /// Source address.
    pub src: Ipv4Addr,
    /// Destination address.
    pub dst: Ipv4Addr,
    /// Protocol ([`IPPROTO_UDP`], ...).
    pub protocol: u8,
    /// Time to live.
    pub ttl: u8,
    /// Type of service (DSCP and ECN).
    pub tos: u8,
    /// Identification.
    pub id: u16,
    /// Flags and fragment offset as on the wire: [`IP_DF`], [`IP_MF`], and
    /// the offset in 8-byte units in the low 13 bits ([`IP_OFFSET`]).
    pub frag_off: u16,
}

impl Ipv4Header {
    /// A header from `src` to `dst` carrying `protocol`: TTL 64, id 0, DF, TOS 0.
    pub fn new(src: Ipv4Addr, dst: Ipv4Addr, protocol: u8) -> Self {
        Ipv4Header { src, dst, protocol, ttl: 64, tos: 0, id: 0, frag_off: IP_DF }
    }

    /// Sets the TTL.
    pub fn with_ttl(mut self, ttl: u8) -> Self {
        self.ttl = ttl;
        self
    }

    /// Sets the identification.
    pub fn with_id(mut self, id: u16) -> Self {
        self.id = id;
        self
    }

    /// Sets the protocol.
    pub fn with_protocol(mut self, protocol: u8) -> Self {
        self.protocol = protocol;
        self
    }

    /// Sets the type of service.
    pub fn with_tos(mut self, tos: u8) -> Self {
        self.tos = tos;
        self
    }

    /// Sets the flags and the fragment offset, given in 8-byte units (as on
    /// the wire; at most 0x1fff: higher bits are masked off).
    pub fn with_frag(mut self, df: bool, mf: bool, offset_units: u16) -> Self {
        self.frag_off = (offset_units & IP_OFFSET) | if df { IP_DF } else { 0 } | if mf { IP_MF } else { 0 };
        self
    }

    /// Whether this is a fragment (MF set or a non-zero offset).
    pub fn is_fragment(&self) -> bool {
        self.frag_off & (IP_MF | IP_OFFSET) != 0
    }

    /// The 20 header bytes for a packet with `payload_len` bytes after the
    /// header, with the header checksum filled in.
    ///
    /// # Panics
    /// If `20 + payload_len` does not fit the 16-bit total length.
    pub fn to_bytes(&self, payload_len: usize) -> [u8; IPV4_HLEN] {
        let total = u16::try_from(IPV4_HLEN + payload_len).expect("IPv4 total length exceeds 65535");
        let mut h = [0; IPV4_HLEN];
        h[0] = 0x45;
        h[1] = self.tos;
        h[2..4].copy_from_slice(&total.to_be_bytes());
        h[4..6].copy_from_slice(&self.id.to_be_bytes());
        h[6..8].copy_from_slice(&self.frag_off.to_be_bytes());
        h[8] = self.ttl;
        h[9] = self.protocol;
        h[12..16].copy_from_slice(&self.src.octets());
        h[16..20].copy_from_slice(&self.dst.octets());
        let csum = internet_checksum(&h);
        h[10..12].copy_from_slice(&csum.to_be_bytes());
        h
    }
}

/// Parses an IPv4 packet (starting at its header): version 4, header length
/// at least 20 and within the total length, total length within `packet`,
/// correct header checksum. Options are checksummed and skipped. Returns the
/// header and the payload up to the total length.
pub fn parse_ipv4(packet: &[u8]) -> Option<(Ipv4Header, &[u8])> {
    if packet.len() < IPV4_HLEN || packet[0] >> 4 != 4 {
        return None;
    }
    let ihl = usize::from(packet[0] & 0x0f) * 4;
    let total = usize::from(u16::from_be_bytes([packet[2], packet[3]]));
    if ihl < IPV4_HLEN || total < ihl || total > packet.len() {
        return None;
    }
    if internet_checksum(&packet[..ihl]) != 0 {
        return None;
    }
    let hdr = Ipv4Header {
        tos: packet[1],
        id: u16::from_be_bytes([packet[4], packet[5]]),
        frag_off: u16::from_be_bytes([packet[6], packet[7]]),
        ttl: packet[8],
        protocol: packet[9],
        src: Ipv4Addr::new(packet[12], packet[13], packet[14], packet[15]),
        dst: Ipv4Addr::new(packet[16], packet[17], packet[18], packet[19]),
    };
    Some((hdr, &packet[ihl..total]))
}

/// An Ethernet frame carrying an IPv4 packet with header `ip` and payload
/// `l4` (used as is: its checksum must already be right, or deliberately
/// wrong).
pub fn ipv4_frame(src_mac: Mac, dst_mac: Mac, ip: &Ipv4Header, l4: &[u8]) -> Vec<u8> {
    let mut f = eth_frame(src_mac, dst_mac, ETH_P_IP, IPV4_HLEN + l4.len());
    f.extend_from_slice(&ip.to_bytes(l4.len()));
    f.extend_from_slice(l4);
    f
}

/// Parses an Ethernet frame carrying IPv4 ([`parse_eth`] then
/// [`parse_ipv4`]).
pub fn parse_ipv4_frame(frame: &[u8]) -> Option<(Ipv4Header, &[u8])> {
    let (eth, payload) = parse_eth(frame)?;
    if eth.ethertype != ETH_P_IP {
        return None;
    }
    parse_ipv4(payload)
}

// ---------------------------------------------------------------------------
// UDP

/// A UDP datagram (header and payload) from `src` to `dst` with its checksum
/// (a computed 0 is sent as 0xffff, RFC 768).
///
/// # Panics
/// If the datagram is longer than 65535 bytes.
pub fn udp_datagram(src: SocketAddrV4, dst: SocketAddrV4, payload: &[u8]) -> Vec<u8> {
    let len = u16::try_from(UDP_HLEN + payload.len()).expect("UDP length exceeds 65535");
    let mut d = Vec::with_capacity(usize::from(len));
    d.extend_from_slice(&src.port().to_be_bytes());
    d.extend_from_slice(&dst.port().to_be_bytes());
    d.extend_from_slice(&len.to_be_bytes());
    d.extend_from_slice(&[0, 0]);
    d.extend_from_slice(payload);
    let csum = match udp_checksum(*src.ip(), *dst.ip(), &d) {
        0 => 0xffff,
        c => c,
    };
    d[6..8].copy_from_slice(&csum.to_be_bytes());
    d
}

/// An Ethernet/IPv4/UDP frame from `src` to `dst` with a default
/// [`Ipv4Header`] (TTL 64, id 0, DF) and correct checksums.
pub fn udp_frame(src_mac: Mac, dst_mac: Mac, src: SocketAddrV4, dst: SocketAddrV4, payload: &[u8]) -> Vec<u8> {
    udp_frame_with(
        src_mac,
        dst_mac,
        &Ipv4Header::new(*src.ip(), *dst.ip(), IPPROTO_UDP),
        src.port(),
        dst.port(),
        payload,
    )
}

/// Like [`udp_frame`] with a caller-built IPv4 header (its addresses go into
/// the UDP pseudo-header; its protocol is used as is).
pub fn udp_frame_with(src_mac: Mac, dst_mac: Mac, ip: &Ipv4Header, sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let d = udp_datagram(SocketAddrV4::new(ip.src, sport), SocketAddrV4::new(ip.dst, dport), payload);
    ipv4_frame(src_mac, dst_mac, ip, &d)
}

/// Parses an Ethernet/IPv4/UDP frame: a valid IPv4 packet (see
/// [`parse_ipv4`]) of protocol 17 that is not a fragment, a UDP length within
/// the IPv4 payload, and a correct UDP checksum, where a stored 0 means "no
/// checksum" and is accepted (RFC 768, as Linux does for IPv4). Returns
/// source, destination and the payload (up to the UDP length).
pub fn parse_udp_frame(frame: &[u8]) -> Option<(SocketAddrV4, SocketAddrV4, &[u8])> {
    let (ip, l4) = parse_ipv4_frame(frame)?;
    if ip.protocol != IPPROTO_UDP || ip.is_fragment() || l4.len() < UDP_HLEN {
        return None;
    }
    let len = usize::from(u16::from_be_bytes([l4[4], l4[5]]));
    if len < UDP_HLEN || len > l4.len() {
        return None;
    }
    let d = &l4[..len];
    let stored = u16::from_be_bytes([d[6], d[7]]);
    if stored != 0 && udp_checksum(ip.src, ip.dst, d) != 0 {
        return None;
    }
    let sport = u16::from_be_bytes([d[0], d[1]]);
    let dport = u16::from_be_bytes([d[2], d[3]]);
    Some((SocketAddrV4::new(ip.src, sport), SocketAddrV4::new(ip.dst, dport), &d[UDP_HLEN..]))
}

// ---------------------------------------------------------------------------
// ICMP echo

/// An ICMP echo request (`reply == false`, type 8) or reply (type 0)
/// message with its checksum.
pub fn icmp_echo(id: u16, seq: u16, payload: &[u8], reply: bool) -> Vec<u8> {
    let mut m = Vec::with_capacity(ICMP_ECHO_HLEN + payload.len());
    m.push(if reply { ICMP_ECHOREPLY } else { ICMP_ECHO });
    m.push(0);
    m.extend_from_slice(&[0, 0]);
    m.extend_from_slice(&id.to_be_bytes());
    m.extend_from_slice(&seq.to_be_bytes());
    m.extend_from_slice(payload);
    let csum = internet_checksum(&m);
    m[2..4].copy_from_slice(&csum.to_be_bytes());
    m
}

/// An Ethernet/IPv4/ICMP echo request or reply frame with a default
/// [`Ipv4Header`] and correct checksums.
#[allow(clippy::too_many_arguments)]
pub fn icmp_echo_frame(
    src_mac: Mac,
    dst_mac: Mac,
    src: Ipv4Addr,
    dst: Ipv4Addr,
    id: u16,
    seq: u16,
    payload: &[u8],
    reply: bool,
) -> Vec<u8> {
    ipv4_frame(src_mac, dst_mac, &Ipv4Header::new(src, dst, IPPROTO_ICMP), &icmp_echo(id, seq, payload, reply))
}

/// A parsed ICMP echo request or reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IcmpEcho<'a> {
    /// IPv4 source.
    pub src: Ipv4Addr,
    /// IPv4 destination.
    pub dst: Ipv4Addr,
    /// Echo identifier.
    pub id: u16,
    /// Echo sequence number.
    pub seq: u16,
    /// Reply (type 0) rather than request (type 8).
    pub reply: bool,
    /// The echo data.
    pub payload: &'a [u8],
}

/// Parses an Ethernet/IPv4/ICMP echo frame: a valid IPv4 packet of protocol
/// 1 that is not a fragment, type 8 or 0 with code 0, correct ICMP checksum.
pub fn parse_icmp_echo_frame(frame: &[u8]) -> Option<IcmpEcho<'_>> {
    let (ip, m) = parse_ipv4_frame(frame)?;
    if ip.protocol != IPPROTO_ICMP || ip.is_fragment() || m.len() < ICMP_ECHO_HLEN {
        return None;
    }
    let reply = match (m[0], m[1]) {
        (ICMP_ECHO, 0) => false,
        (ICMP_ECHOREPLY, 0) => true,
        _ => return None,
    };
    if internet_checksum(m) != 0 {
        return None;
    }
    Some(IcmpEcho {
        src: ip.src,
        dst: ip.dst,
        id: u16::from_be_bytes([m[4], m[5]]),
        seq: u16::from_be_bytes([m[6], m[7]]),
        reply,
        payload: &m[ICMP_ECHO_HLEN..],
    })
}

// ---------------------------------------------------------------------------
// ARP

/// An ARP packet for Ethernet/IPv4.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arp {
    /// Operation ([`ARPOP_REQUEST`], [`ARPOP_REPLY`], ...).
    pub op: u16,
    /// Sender hardware address.
    pub sha: Mac,
    /// Sender protocol address.
    pub spa: Ipv4Addr,
    /// Target hardware address.
    pub tha: Mac,
    /// Target protocol address.
    pub tpa: Ipv4Addr,
}

impl Arp {
    /// The 28 bytes after the Ethernet header.
    pub fn to_bytes(&self) -> [u8; ARP_LEN] {
        let mut a = [0; ARP_LEN];
        a[0..2].copy_from_slice(&1u16.to_be_bytes()); // ARPHRD_ETHER
        a[2..4].copy_from_slice(&ETH_P_IP.to_be_bytes());
        a[4] = 6;
        a[5] = 4;
        a[6..8].copy_from_slice(&self.op.to_be_bytes());
        a[8..14].copy_from_slice(&self.sha);
        a[14..18].copy_from_slice(&self.spa.octets());
        a[18..24].copy_from_slice(&self.tha);
        a[24..28].copy_from_slice(&self.tpa.octets());
        a
    }
}

/// An Ethernet ARP frame. The Ethernet source is `sha`; the destination is
/// broadcast for a request and `tha` otherwise. A request conventionally has
/// `tha` = [`ZERO_MAC`].
pub fn arp_frame(op: u16, sha: Mac, spa: Ipv4Addr, tha: Mac, tpa: Ipv4Addr) -> Vec<u8> {
    let dst = if op == ARPOP_REQUEST { BROADCAST } else { tha };
    let mut f = eth_frame(sha, dst, ETH_P_ARP, ARP_LEN);
    f.extend_from_slice(&Arp { op, sha, spa, tha, tpa }.to_bytes());
    f
}

/// Parses an Ethernet ARP frame for Ethernet/IPv4: EtherType 0x0806,
/// hardware type 1, protocol type 0x0800, lengths 6 and 4. Any operation is
/// returned; trailing padding is ignored.
pub fn parse_arp_frame(frame: &[u8]) -> Option<Arp> {
    let (eth, a) = parse_eth(frame)?;
    if eth.ethertype != ETH_P_ARP || a.len() < ARP_LEN || a[0..6] != [0, 1, 0x08, 0x00, 6, 4] {
        return None;
    }
    Some(Arp {
        op: u16::from_be_bytes([a[6], a[7]]),
        sha: a[8..14].try_into().ok()?,
        spa: Ipv4Addr::new(a[14], a[15], a[16], a[17]),
        tha: a[18..24].try_into().ok()?,
        tpa: Ipv4Addr::new(a[24], a[25], a[26], a[27]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAC_A: Mac = [0x02, 0, 0, 0, 0, 0x01];
    const MAC_B: Mac = [0x02, 0, 0, 0, 0, 0x02];

    fn sa(s: &str) -> SocketAddrV4 {
        s.parse().expect("socket address")
    }

    #[test]
    fn rfc1071_example() {
        // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(fold(sum_be_words(&data, 0)), 0xddf2);
        assert_eq!(internet_checksum(&data), 0x220d);
        // Appending the checksum makes the whole sum check to 0.
        let mut with = data.to_vec();
        with.extend_from_slice(&0x220du16.to_be_bytes());
        assert_eq!(internet_checksum(&with), 0);
    }

    #[test]
    fn odd_length_pads_with_zero() {
        assert_eq!(internet_checksum(&[0xab]), !0xab00);
        assert_eq!(internet_checksum(&[0x12, 0x34, 0x56]), internet_checksum(&[0x12, 0x34, 0x56, 0x00]));
        assert_eq!(internet_checksum(&[]), 0xffff);
    }

    #[test]
    fn captured_ipv4_header() {
        // A captured header (192.168.0.1 -> 192.168.0.199, UDP, TTL 64, DF),
        // the classic worked example of the IPv4 header checksum: b861.
        let hdr = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8,
            0x00, 0xc7,
        ];
        assert_eq!(internet_checksum(&hdr), 0);
        let mut zeroed = hdr;
        zeroed[10..12].fill(0);
        assert_eq!(internet_checksum(&zeroed), 0xb861);
        let built = Ipv4Header::new(Ipv4Addr::new(192, 168, 0, 1), Ipv4Addr::new(192, 168, 0, 199), IPPROTO_UDP)
            .to_bytes(0x73 - IPV4_HLEN);
        assert_eq!(built, hdr);
        let mut packet = hdr.to_vec();
        packet.resize(0x73, 0);
        let (h, payload) = parse_ipv4(&packet).expect("valid header");
        assert_eq!((h.ttl, h.protocol, h.frag_off, payload.len()), (64, IPPROTO_UDP, IP_DF, 0x73 - 20));
    }

    // Known answers from smoltcp's wire tests (a second implementation).
    #[test]
    fn smoltcp_ipv4_vector() {
        let bytes: [u8; 30] = [
            0x45, 0x00, 0x00, 0x1e, 0x01, 0x02, 0x62, 0x03, 0x1a, 0x01, 0xd5, 0x6e, 0x11, 0x12, 0x13, 0x14, 0x21, 0x22,
            0x23, 0x24, 0xaa, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff,
        ];
        let h = Ipv4Header::new(Ipv4Addr::new(0x11, 0x12, 0x13, 0x14), Ipv4Addr::new(0x21, 0x22, 0x23, 0x24), 0)
            .with_protocol(IPPROTO_ICMP)
            .with_ttl(0x1a)
            .with_id(0x102)
            .with_frag(true, true, 0x203);
        assert_eq!(h.to_bytes(10), bytes[..20]);
        assert!(h.is_fragment());
        let (parsed, payload) = parse_ipv4(&bytes).expect("valid");
        assert_eq!(parsed, h);
        assert_eq!(payload, &bytes[20..]);
    }

    #[test]
    fn smoltcp_udp_vector() {
        let bytes = [0xbf, 0x00, 0x00, 0x35, 0x00, 0x0c, 0x12, 0x4d, 0xaa, 0x00, 0x00, 0xff];
        let d = udp_datagram(sa("192.168.1.1:48896"), sa("192.168.1.2:53"), &[0xaa, 0x00, 0x00, 0xff]);
        assert_eq!(d, bytes);
        assert_eq!(udp_checksum(Ipv4Addr::new(192, 168, 1, 1), Ipv4Addr::new(192, 168, 1, 2), &bytes), 0);
    }

    #[test]
    fn smoltcp_icmp_vector() {
        let bytes = [0x08, 0x00, 0x8e, 0xfe, 0x12, 0x34, 0xab, 0xcd, 0xaa, 0x00, 0x00, 0xff];
        assert_eq!(icmp_echo(0x1234, 0xabcd, &[0xaa, 0x00, 0x00, 0xff], false), bytes);
    }

    #[test]
    fn smoltcp_arp_vector() {
        let bytes = [
            0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x21, 0x22, 0x23, 0x24,
            0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x41, 0x42, 0x43, 0x44,
        ];
        let arp = Arp {
            op: ARPOP_REQUEST,
            sha: [0x11, 0x12, 0x13, 0x14, 0x15, 0x16],
            spa: Ipv4Addr::new(0x21, 0x22, 0x23, 0x24),
            tha: [0x31, 0x32, 0x33, 0x34, 0x35, 0x36],
            tpa: Ipv4Addr::new(0x41, 0x42, 0x43, 0x44),
        };
        assert_eq!(arp.to_bytes(), bytes);
        let f = arp_frame(arp.op, arp.sha, arp.spa, arp.tha, arp.tpa);
        assert_eq!(&f[..6], &BROADCAST);
        assert_eq!(&f[6..12], &arp.sha);
        assert_eq!(&f[12..14], &[0x08, 0x06]);
        assert_eq!(&f[14..], &bytes);
        assert_eq!(parse_arp_frame(&f), Some(arp));
    }

    #[test]
    fn arp_reply_goes_to_target_and_parses_with_padding() {
        let mut f = arp_frame(ARPOP_REPLY, MAC_B, Ipv4Addr::new(10, 0, 0, 2), MAC_A, Ipv4Addr::new(10, 0, 0, 1));
        assert_eq!(&f[..6], &MAC_A);
        pad_to_min(&mut f);
        assert_eq!(f.len(), ETH_ZLEN);
        let a = parse_arp_frame(&f).expect("valid");
        assert_eq!((a.op, a.sha, a.tha), (ARPOP_REPLY, MAC_B, MAC_A));
        // Wrong hardware length.
        let mut bad = f.clone();
        bad[14 + 4] = 8;
        assert_eq!(parse_arp_frame(&bad), None);
        assert_eq!(parse_arp_frame(&f[..14 + 27]), None);
    }

    #[test]
    fn udp_round_trip_all_lengths_and_padding() {
        let (a, b) = (sa("10.0.0.1:5000"), sa("10.0.0.2:7"));
        for len in 0..=300 {
            let payload: Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8).collect();
            let mut f = udp_frame(MAC_A, MAC_B, a, b, &payload);
            assert_eq!(f.len(), ETH_HLEN + IPV4_HLEN + UDP_HLEN + len);
            assert_eq!(parse_udp_frame(&f), Some((a, b, &payload[..])), "len {len}");
            pad_to_min(&mut f);
            assert_eq!(parse_udp_frame(&f), Some((a, b, &payload[..])), "padded len {len}");
        }
    }

    #[test]
    fn every_single_bit_flip_is_rejected() {
        let (a, b) = (sa("10.0.0.1:5000"), sa("10.0.0.2:7"));
        let f = udp_frame(MAC_A, MAC_B, a, b, b"hello, world: 21 byte");
        let stored = u16::from_be_bytes([f[40], f[41]]);
        for byte in ETH_HLEN..f.len() {
            for bit in 0..8 {
                let mut g = f.clone();
                g[byte] ^= 1 << bit;
                let in_csum = byte == 40 || byte == 41;
                let now_zero = in_csum && u16::from_be_bytes([g[40], g[41]]) == 0;
                if !now_zero {
                    assert_eq!(parse_udp_frame(&g), None, "flip of byte {byte} bit {bit} (stored csum {stored:#x})");
                }
            }
        }
        // The Ethernet header carries no checksum: a changed MAC still parses.
        let mut g = f.clone();
        g[0] ^= 1;
        assert!(parse_udp_frame(&g).is_some());
    }

    #[test]
    fn udp_zero_checksum_means_none_and_computed_zero_is_sent_as_ffff() {
        let (a, b) = (sa("10.0.0.1:5000"), sa("10.0.0.2:7"));
        // Choose a payload word that makes the checksum come out 0.
        let probe = udp_datagram(a, b, &[0, 0]);
        let c = u16::from_be_bytes([probe[6], probe[7]]);
        let payload = c.to_be_bytes();
        let d = udp_datagram(a, b, &payload);
        assert_eq!(&d[6..8], &[0xff, 0xff]);
        let f = ipv4_frame(MAC_A, MAC_B, &Ipv4Header::new(*a.ip(), *b.ip(), IPPROTO_UDP), &d);
        assert_eq!(parse_udp_frame(&f), Some((a, b, &payload[..])));
        // A stored 0 is "no checksum".
        let mut none = udp_datagram(a, b, b"xyz");
        none[6..8].fill(0);
        let f = ipv4_frame(MAC_A, MAC_B, &Ipv4Header::new(*a.ip(), *b.ip(), IPPROTO_UDP), &none);
        assert_eq!(parse_udp_frame(&f), Some((a, b, &b"xyz"[..])));
    }

    #[test]
    fn udp_rejects_fragments_wrong_protocol_and_bad_lengths() {
        let (a, b) = (sa("10.0.0.1:5000"), sa("10.0.0.2:7"));
        let d = udp_datagram(a, b, b"data");
        let ip = Ipv4Header::new(*a.ip(), *b.ip(), IPPROTO_UDP);
        assert!(parse_udp_frame(&ipv4_frame(MAC_A, MAC_B, &ip, &d)).is_some());
        assert_eq!(parse_udp_frame(&ipv4_frame(MAC_A, MAC_B, &ip.with_frag(false, true, 0), &d)), None);
        assert_eq!(parse_udp_frame(&ipv4_frame(MAC_A, MAC_B, &ip.with_frag(false, false, 3), &d)), None);
        assert_eq!(parse_udp_frame(&ipv4_frame(MAC_A, MAC_B, &ip.with_protocol(IPPROTO_TCP), &d)), None);
        // UDP length larger than the IP payload.
        let mut long = d.clone();
        long[4..6].copy_from_slice(&100u16.to_be_bytes());
        assert_eq!(parse_udp_frame(&ipv4_frame(MAC_A, MAC_B, &ip, &long)), None);
        // Truncated frames never panic.
        let f = ipv4_frame(MAC_A, MAC_B, &ip, &d);
        for n in 0..f.len() {
            assert_eq!(parse_udp_frame(&f[..n]), None, "truncated to {n}");
        }
        // TTL, id and TOS are carried through.
        let custom = ip.with_ttl(1).with_id(0xbeef).with_tos(0x10);
        let f = udp_frame_with(MAC_A, MAC_B, &custom, 5000, 7, b"data");
        assert_eq!(parse_ipv4_frame(&f).map(|(h, _)| h), Some(custom));
        assert_eq!(parse_udp_frame(&f), Some((a, b, &b"data"[..])));
    }

    #[test]
    fn icmp_echo_round_trip() {
        let (s, d) = (Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2));
        for reply in [false, true] {
            for len in [0usize, 1, 56, 57] {
                let payload: Vec<u8> = (0..len as u8).collect();
                let mut f = icmp_echo_frame(MAC_A, MAC_B, s, d, 0x1234, 7, &payload, reply);
                let want = IcmpEcho { src: s, dst: d, id: 0x1234, seq: 7, reply, payload: &payload };
                assert_eq!(parse_icmp_echo_frame(&f), Some(want));
                pad_to_min(&mut f);
                assert_eq!(parse_icmp_echo_frame(&f), Some(want));
                if len > 0 {
                    f[ETH_HLEN + IPV4_HLEN + ICMP_ECHO_HLEN] ^= 0x40;
                } else {
                    f[ETH_HLEN + IPV4_HLEN + 4] ^= 0x40; // the id
                }
                assert_eq!(parse_icmp_echo_frame(&f), None);
            }
        }
        // Not an echo: destination unreachable (type 3) with a valid checksum.
        let mut m = icmp_echo(1, 1, b"", false);
        m[0] = 3;
        m[2..4].fill(0);
        let c = internet_checksum(&m);
        m[2..4].copy_from_slice(&c.to_be_bytes());
        let f = ipv4_frame(MAC_A, MAC_B, &Ipv4Header::new(s, d, IPPROTO_ICMP), &m);
        assert_eq!(parse_icmp_echo_frame(&f), None);
    }

    /// Cross-check against smoltcp's parsers (a dev-dependency).
    #[test]
    fn smoltcp_accepts_what_we_build() {
        use smoltcp::wire::{
            ArpOperation, ArpPacket, EthernetFrame, EthernetProtocol, Icmpv4Packet, IpAddress, Ipv4Packet, UdpPacket,
        };
        let (a, b) = (sa("10.0.0.1:5000"), sa("10.0.0.2:7"));
        let (sip, dip): (IpAddress, IpAddress) = ((*a.ip()).into(), (*b.ip()).into());
        for len in 0..=100usize {
            let payload: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(len as u8)).collect();
            let f = udp_frame(MAC_A, MAC_B, a, b, &payload);
            let eth = EthernetFrame::new_checked(&f[..]).expect("eth");
            assert_eq!(eth.ethertype(), EthernetProtocol::Ipv4);
            let ip = Ipv4Packet::new_checked(eth.payload()).expect("ipv4");
            assert!(ip.verify_checksum());
            let udp = UdpPacket::new_checked(ip.payload()).expect("udp");
            assert!(udp.verify_checksum(&sip, &dip), "udp len {len}");
            assert_eq!(udp.payload(), &payload[..]);

            for reply in [false, true] {
                let f = icmp_echo_frame(MAC_A, MAC_B, *a.ip(), *b.ip(), 9, len as u16, &payload, reply);
                let eth = EthernetFrame::new_checked(&f[..]).expect("eth");
                let ip = Ipv4Packet::new_checked(eth.payload()).expect("ipv4");
                assert!(ip.verify_checksum());
                let icmp = Icmpv4Packet::new_checked(ip.payload()).expect("icmp");
                assert!(icmp.verify_checksum(), "icmp len {len}");
                assert_eq!(icmp.echo_seq_no(), len as u16);
            }
        }
        let f = arp_frame(ARPOP_REQUEST, MAC_A, *a.ip(), ZERO_MAC, *b.ip());
        let eth = EthernetFrame::new_checked(&f[..]).expect("eth");
        assert_eq!(eth.ethertype(), EthernetProtocol::Arp);
        let arp = ArpPacket::new_checked(eth.payload()).expect("arp");
        assert_eq!(arp.operation(), ArpOperation::Request);
        assert_eq!(arp.source_protocol_addr(), &a.ip().octets());
        assert_eq!(arp.target_protocol_addr(), &b.ip().octets());
    }
}
