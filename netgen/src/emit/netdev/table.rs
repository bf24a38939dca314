//! `table.rs`: every register instance with its offset, access and reset
//! value, sorted by offset, and the 64-bit counters: what a software model
//! of the device needs to build its register file and decode an access.

use quote::{format_ident, quote};

use super::super::{Chunk, EmitError};
use super::names::hex;
use crate::ir::Netdev;

pub(super) fn emit(n: &Netdev) -> Result<Vec<Chunk>, Vec<EmitError>> {
    let mut rows: Vec<(u64, proc_macro2::TokenStream)> = Vec::new();
    for r in &n.registers {
        let access = super::names::access(r.access);
        let name = &r.name;
        for i in &r.instances {
            let index = match i.index {
                Some(x) => {
                    let x = proc_macro2::Literal::u16_unsuffixed(x as u16);
                    quote!(Some(#x))
                }
                None => quote!(None),
            };
            let (offset, reset) = (hex(i.offset), hex(i.reset));
            rows.push((i.offset, quote! { reg(#name, #index, #offset, #access, #reset), }));
        }
    }
    rows.sort_by_key(|(o, _)| *o);
    let count = proc_macro2::Literal::usize_unsuffixed(rows.len());
    let rows = rows.into_iter().map(|(_, t)| t);
    let counters = n.counters64.iter().map(|c| {
        let (name, low, high) = (&c.name, format_ident!("{}", c.low), format_ident!("{}", c.high));
        quote! {
            Counter64Info { name: #name, low: offsets::#low as u32, high: offsets::#high as u32 },
        }
    });
    let ncounters = proc_macro2::Literal::usize_unsuffixed(n.counters64.len());
    let doc = format!(" Every register instance of {} (array registers once per index), by offset.", n.name);
    let accesses = super::names::accesses(n);
    Ok(vec![Chunk::Rust(quote! {
        use ::netgen_mmio::Access::{self, #(#accesses),*};
        use ::netgen_mmio::{Counter64Info, RegisterInfo};

        #[allow(unused_imports)]
        use crate::registers::offsets;

        const fn reg(name: &'static str, index: Option<u16>, offset: u32, access: Access, reset: u32) -> RegisterInfo {
            RegisterInfo { name, index, offset, access, reset }
        }

        #[doc = #doc]
        pub static REGISTERS: [RegisterInfo; #count] = [
            #(#rows)*
        ];

        /// The register instance at byte `offset`, if one is there.
        pub fn register_at(offset: usize) -> Option<&'static RegisterInfo> {
            let i = REGISTERS.binary_search_by_key(&offset, |r| r.offset as usize).ok()?;
            Some(&REGISTERS[i])
        }

        /// The 64-bit counters: reading the high half clears both.
        pub static COUNTERS64: [Counter64Info; #ncounters] = [
            #(#counters)*
        ];
    })])
}
