//! `consts.rs`: the spec's named constants.

use quote::{format_ident, quote};

use crate::ir::Ir;

pub fn emit(ir: &Ir) -> super::Emitted {
    let items = ir.consts.iter().map(|c| {
        let docs = super::docs(&c.docs, &c.origin, "");
        let name = format_ident!("{}", c.name);
        let value = proc_macro2::Literal::u64_unsuffixed(c.value);
        quote! { #docs pub const #name: u64 = #value; }
    });
    Ok(vec![super::Chunk::Rust(quote! {
        #![doc = " Named constants of the spec (`const NAME = VALUE;`)."]
        #(#items)*
    })])
}
