//! drivers/net/veth.c: a pair of Ethernet devices joined by an in-memory
//! wire, usually in two namespaces; and external devices, whose wire is a
//! pair of rings a driver (pcap, TAP, a test) serves.

use super::netdevice::{NetDevKind, NetDevTables, NetDevice, RxQueue, TxQueue};
use crate::errno::Errno;
use crate::netns::Net;
use crate::skbuff::SkBuff;
use crate::tables::{NetRx, NetState};

fn veth_ends(name_a: &str, name_b: &str, macs: ([u8; 6], [u8; 6])) -> (NetDevice, NetDevice) {
    let mut a = NetDevice::ether(name_a, macs.0);
    let mut b = NetDevice::ether(name_b, macs.1);
    a.kind = NetDevKind::Veth { peer: b.rx.clone(), peer_ifindex: 0 };
    b.kind = NetDevKind::Veth { peer: a.rx.clone(), peer_ifindex: 0 };
    (a, b)
}

fn set_peer_ifindex(t: &mut NetDevTables, ifindex: i32, peer: i32) {
    if let Some(NetDevKind::Veth { peer_ifindex, .. }) = t.get_by_index_mut(ifindex).map(|d| &mut d.kind) {
        *peer_ifindex = peer;
    }
}

fn name_of(t: &NetDevTables, ifindex: i32) -> String {
    t.get_by_index(ifindex).map(|d| d.name.clone()).unwrap_or_default()
}

/// `veth_newlink` (`ip link add NAME_A type veth peer name NAME_B netns
/// B`): creates both ends, down, `name_a` in `a` with MAC `macs.0` and
/// `name_b` in `b` with `macs.1`. A frame one end transmits is queued on
/// the other's receive ring (`veth_xmit`); if the peer is down or its ring
/// full, it is dropped and counted in the sender's `tx_dropped`. Returns
/// the two ifindexes. If the second end cannot be registered the first is
/// unregistered again.
pub fn veth_pair_tables(
    a: &mut NetDevTables,
    name_a: &str,
    b: &mut NetDevTables,
    name_b: &str,
    macs: ([u8; 6], [u8; 6]),
) -> Result<(i32, i32), Errno> {
    let (da, db) = veth_ends(name_a, name_b, macs);
    let ia = a.register_netdevice(da)?;
    let ib = match b.register_netdevice(db) {
        Ok(i) => i,
        Err(e) => {
            let _ = a.unregister_netdevice(&name_of(a, ia));
            return Err(e);
        }
    };
    set_peer_ifindex(a, ia, ib);
    set_peer_ifindex(b, ib, ia);
    Ok((ia, ib))
}

/// [`veth_pair_tables`] for two namespaces (lock both first; they must be
/// different namespaces, see [`NetDevTables::veth_pair_local`]).
pub fn veth_pair<S: NetState<NetDevTables>>(
    a: &mut Net<S>,
    name_a: &str,
    b: &mut Net<S>,
    name_b: &str,
    macs: ([u8; 6], [u8; 6]),
) -> Result<(i32, i32), Errno> {
    let ta = <S as NetState<NetDevTables>>::state_mut(a)?;
    let tb = <S as NetState<NetDevTables>>::state_mut(b)?;
    veth_pair_tables(ta, name_a, tb, name_b, macs)
}

impl NetDevTables {
    /// A veth pair with both ends in this namespace.
    pub fn veth_pair_local(
        &mut self,
        name_a: &str,
        name_b: &str,
        macs: ([u8; 6], [u8; 6]),
    ) -> Result<(i32, i32), Errno> {
        let (da, db) = veth_ends(name_a, name_b, macs);
        let ia = self.register_netdevice(da)?;
        let ib = match self.register_netdevice(db) {
            Ok(i) => i,
            Err(e) => {
                let _ = self.unregister_netdevice(&name_of(self, ia));
                return Err(e);
            }
        };
        set_peer_ifindex(self, ia, ib);
        set_peer_ifindex(self, ib, ia);
        Ok((ia, ib))
    }

    /// Registers an external device `name` (MAC `mac`, down) whose
    /// transmitted frames wait in a ring of `tx_queue_len` frames for its
    /// driver; a full ring drops and counts `tx_dropped`. Returns the
    /// driver's handle.
    pub fn register_external(&mut self, name: &str, mac: [u8; 6], tx_queue_len: usize) -> Result<ExternalDev, Errno> {
        let mut dev = NetDevice::ether(name, mac);
        let tx = TxQueue::new(tx_queue_len);
        dev.kind = NetDevKind::External { tx: tx.clone() };
        dev.tx_queue_len = u32::try_from(tx_queue_len).unwrap_or(u32::MAX);
        let rx = dev.rx.clone();
        let ifindex = self.register_netdevice(dev)?;
        Ok(ExternalDev { ifindex, rx, tx })
    }
}

/// The driver's side of an external device: deliver received frames with
/// [`ExternalDev::netif_rx`], take transmitted ones with
/// [`ExternalDev::pop_tx`] / [`ExternalDev::drain_tx`]. Needs no
/// namespace lock; `Clone` + `Send`.
#[derive(Clone, Debug)]
pub struct ExternalDev {
    /// The device's ifindex in its namespace.
    pub ifindex: i32,
    /// Its receive ring.
    pub rx: RxQueue,
    /// Its transmit ring.
    pub tx: TxQueue,
}

impl ExternalDev {
    /// `netif_rx(skb)`: a received frame (`data` at the Ethernet header).
    pub fn netif_rx(&self, skb: SkBuff) -> NetRx {
        self.rx.netif_rx(skb)
    }

    /// A received frame given as bytes (copied once).
    pub fn netif_rx_frame(&self, frame: &[u8]) -> NetRx {
        self.rx.netif_rx(SkBuff::from_frame(frame, self.ifindex))
    }

    /// The oldest transmitted frame.
    pub fn pop_tx(&self) -> Option<SkBuff> {
        self.tx.pop()
    }

    /// Every transmitted frame waiting, as bytes.
    pub fn drain_tx(&self) -> Vec<Vec<u8>> {
        self.tx.drain_frames()
    }
}
