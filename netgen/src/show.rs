//! `netgen show registers NETDEV` and `netgen show descriptors NETDEV`: a
//! NIC's register map and descriptor layouts as plain lines, to diff
//! against the datasheet or Linux's headers.

use crate::ir::{DescKind, Netdev};

/// One register instance a line, `NAME OFFSET`, by offset: array
/// registers once per index (`RDBAL(4) 0x0C100`). Offsets in hex as
/// e1000_regs.h writes them.
pub fn registers(n: &Netdev) -> String {
    let mut rows: Vec<(u64, String)> = n
        .registers
        .iter()
        .flat_map(|r| {
            r.instances.iter().map(move |i| {
                let name = match i.index {
                    Some(x) => format!("{}({x})", r.name),
                    None => r.name.clone(),
                };
                (i.offset, format!("{name} 0x{:05X}", i.offset))
            })
        })
        .collect();
    rows.sort_by_key(|(o, _)| *o);
    rows.into_iter().map(|(_, line)| line + "\n").collect()
}

/// One integer field a line, `DESCRIPTOR VIEW.FIELD BYTE_OFFSET BIT_WIDTH`,
/// with Linux's member names (`e1000_adv_rx_desc wb.upper.status_error 8 32`),
/// in declaration order.
pub fn descriptors(n: &Netdev) -> String {
    let mut out = String::new();
    for d in &n.descriptors {
        for (path, m) in d.leaves() {
            if let DescKind::Field { offset, bits, .. } = m.kind {
                out.push_str(&format!("{} {path} {offset} {bits}\n", d.name));
            }
        }
    }
    out
}
