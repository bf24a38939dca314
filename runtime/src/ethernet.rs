//! Ethernet framing (net/ethernet/eth.c, include/linux/etherdevice.h):
//! `eth_type_trans` on receive, `eth_header` on transmit.

use crate::errno::Errno;
use crate::skbuff::{SkBuff, PACKET_BROADCAST, PACKET_HOST, PACKET_MULTICAST, PACKET_OTHERHOST};

/// `ETH_ALEN`: octets in a MAC address.
pub const ETH_ALEN: usize = 6;
/// `ETH_HLEN`: octets in an Ethernet header.
pub const ETH_HLEN: usize = 14;
/// `ETH_ZLEN`: the minimum frame without FCS.
pub const ETH_ZLEN: usize = 60;
/// `ETH_P_802_3_MIN`: type fields below this are 802.3 lengths.
pub const ETH_P_802_3_MIN: u16 = 0x0600;
/// `ETH_P_802_3`: "dummy type for 802.3 frames" (raw Novell IPX).
pub const ETH_P_802_3: u16 = 0x0001;
/// `ETH_P_802_2`: 802.2 LLC frames.
pub const ETH_P_802_2: u16 = 0x0004;

/// The broadcast address `ff:ff:ff:ff:ff:ff`.
pub const ETH_BROADCAST: [u8; ETH_ALEN] = [0xff; ETH_ALEN];

/// `is_multicast_ether_addr`: the group bit of the first octet.
#[inline]
pub fn is_multicast_ether_addr(addr: &[u8]) -> bool {
    addr.first().is_some_and(|b| b & 1 != 0)
}

/// `eth_type_trans(skb, dev)` (net/ethernet/eth.c): the receive side of
/// Ethernet. Sets the MAC header, classifies the frame by its destination
/// (`PACKET_BROADCAST`, `PACKET_MULTICAST`, `PACKET_OTHERHOST` for a
/// unicast address not `dev_addr`, else `PACKET_HOST`), pulls the 14-byte
/// header, sets the network header and `skb->protocol`, and returns it.
/// Type fields below 0x600 are 802.3 lengths: `ETH_P_802_3` for a raw
/// 802.3 frame (0xFFFF after the header), else `ETH_P_802_2`.
///
/// A frame shorter than `ETH_HLEN` is `EINVAL`: Linux's drivers never hand
/// one up (they drop runts, counting `rx_length_errors`), so the caller
/// drops it and counts it so.
#[inline]
pub fn eth_type_trans(skb: &mut SkBuff, dev_addr: &[u8; ETH_ALEN]) -> Result<u16, Errno> {
    let d = skb.data();
    let Some(h) = d.first_chunk::<ETH_HLEN>() else {
        return Err(Errno::EINVAL);
    };
    let dst = [h[0], h[1], h[2], h[3], h[4], h[5]];
    let pkt_type = if dst == *dev_addr {
        PACKET_HOST
    } else if is_multicast_ether_addr(&dst) {
        if dst == ETH_BROADCAST {
            PACKET_BROADCAST
        } else {
            PACKET_MULTICAST
        }
    } else {
        PACKET_OTHERHOST
    };
    let mut proto = u16::from_be_bytes([h[12], h[13]]);
    if proto < ETH_P_802_3_MIN {
        proto = if d.get(ETH_HLEN..ETH_HLEN + 2) == Some(&[0xff, 0xff]) { ETH_P_802_3 } else { ETH_P_802_2 };
    }
    skb.reset_mac_header();
    skb.pull(ETH_HLEN);
    skb.reset_network_header();
    skb.pkt_type = pkt_type;
    skb.protocol = proto;
    Ok(proto)
}

/// `eth_header(skb, dev, type, daddr, saddr, len)`: pushes an Ethernet
/// header in front of `skb->data` and makes it the MAC header.
#[inline]
pub fn eth_header(skb: &mut SkBuff, dst: &[u8; ETH_ALEN], src: &[u8; ETH_ALEN], ethertype: u16) {
    let h = skb.push(ETH_HLEN);
    if let Some(d) = h.get_mut(..ETH_ALEN) {
        d.copy_from_slice(dst);
    }
    if let Some(s) = h.get_mut(ETH_ALEN..2 * ETH_ALEN) {
        s.copy_from_slice(src);
    }
    if let Some(t) = h.get_mut(12..14) {
        t.copy_from_slice(&ethertype.to_be_bytes());
    }
    skb.reset_mac_header();
}

/// Writes the destination address of the Ethernet header at `skb`'s MAC
/// header (what `neigh_resolve_output` does once the address is known).
pub fn eth_set_dest(skb: &mut SkBuff, dst: &[u8; ETH_ALEN]) {
    if let Some(d) = skb.mac_header_mut().get_mut(..ETH_ALEN) {
        d.copy_from_slice(dst);
    }
}

/// `ip_eth_mc_map(addr, buf)`: the multicast MAC address of an IPv4 group
/// (01:00:5e and the group's low 23 bits).
pub fn ip_eth_mc_map(group: u32) -> [u8; ETH_ALEN] {
    let g = group.to_be_bytes();
    [0x01, 0x00, 0x5e, g[1] & 0x7f, g[2], g[3]]
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: [u8; 6] = [2, 0, 0, 0, 0, 1];

    fn frame(dst: [u8; 6], ty: [u8; 2], payload: &[u8]) -> SkBuff {
        let mut f = dst.to_vec();
        f.extend_from_slice(&[2, 0, 0, 0, 0, 9]);
        f.extend_from_slice(&ty);
        f.extend_from_slice(payload);
        SkBuff::from_frame(&f, 3)
    }

    #[test]
    fn classifies_by_destination() {
        for (dst, want) in [
            (ME, PACKET_HOST),
            (ETH_BROADCAST, PACKET_BROADCAST),
            ([0x01, 0, 0x5e, 0, 0, 1], PACKET_MULTICAST),
            ([2, 0, 0, 0, 0, 2], PACKET_OTHERHOST),
        ] {
            let mut skb = frame(dst, [0x08, 0x00], &[0x45]);
            assert_eq!(eth_type_trans(&mut skb, &ME), Ok(0x0800));
            assert_eq!((skb.pkt_type, skb.protocol, skb.data()), (want, 0x0800, &[0x45u8][..]));
            assert_eq!(skb.mac_header().len(), 15);
        }
    }

    #[test]
    fn short_and_802_3_frames() {
        let mut runt = SkBuff::from_frame(&[0; 13], 1);
        assert_eq!(eth_type_trans(&mut runt, &ME), Err(Errno::EINVAL));
        assert_eq!(runt.len(), 13, "untouched");
        let mut bare = frame(ME, [0x08, 0x06], &[]);
        assert_eq!(eth_type_trans(&mut bare, &ME), Ok(0x0806));
        assert!(bare.is_empty());
        let mut raw = frame(ME, [0x00, 0x40], &[0xff, 0xff, 1]);
        assert_eq!(eth_type_trans(&mut raw, &ME), Ok(ETH_P_802_3));
        let mut llc = frame(ME, [0x00, 0x40], &[0xaa, 0xaa]);
        assert_eq!(eth_type_trans(&mut llc, &ME), Ok(ETH_P_802_2));
        let mut llc_bare = frame(ME, [0x00, 0x40], &[]);
        assert_eq!(eth_type_trans(&mut llc_bare, &ME), Ok(ETH_P_802_2));
    }

    #[test]
    fn header_round_trip() {
        let mut skb = SkBuff::with_payload(16, b"ip");
        eth_header(&mut skb, &ETH_BROADCAST, &ME, 0x0806);
        assert_eq!(skb.len(), 16);
        eth_set_dest(&mut skb, &[2, 0, 0, 0, 0, 7]);
        assert_eq!(eth_type_trans(&mut skb, &[2, 0, 0, 0, 0, 7]), Ok(0x0806));
        assert_eq!((skb.pkt_type, skb.data()), (PACKET_HOST, &b"ip"[..]));
        assert_eq!(ip_eth_mc_map(u32::from_be_bytes([224, 0x80, 0, 1])), [1, 0, 0x5e, 0, 0, 1]);
    }
}
