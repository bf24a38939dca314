//! `levels.rs`: one type per initcall level and the order between them.

use quote::{format_ident, quote};

use crate::ir::Ir;

pub fn emit(ir: &Ir) -> super::Emitted {
    let types = ir.levels.iter().enumerate().map(|(i, l)| {
        let extra = format!("Linux section `.initcall{}.init`.", l.section);
        let docs = super::docs(&l.docs, &l.origin, &extra);
        let ty = format_ident!("{}", l.name);
        let name = &l.name;
        let ordinal = proc_macro2::Literal::u16_unsuffixed(i as u16);
        quote! {
            #docs
            pub enum #ty {}
            impl Level for #ty {
                const NAME: &'static str = #name;
                const ORDINAL: u16 = #ordinal;
            }
        }
    });
    // `A: Precedes<B, ..>` for every pair with A no later than B: the bound
    // the attribute macros check a requirement against.
    let precedes = ir.levels.iter().enumerate().flat_map(|(i, a)| {
        ir.levels[i..].iter().map(move |b| {
            let (a, b) = (format_ident!("{}", a.name), format_ident!("{}", b.name));
            quote! { impl<R, F> Precedes<#b, R, F> for #a {} }
        })
    });
    let descs = ir.levels.iter().map(|l| {
        let (name, section) = (&l.name, &l.section);
        quote! { LevelDesc { name: #name, section: #section } }
    });
    Ok(vec![super::Chunk::Rust(quote! {
        #![doc = " Initcall levels, in boot order."]
        #![doc = ""]
        #![doc = " Each level is an uninhabited type implementing `Level`; `A: Precedes<B, ..>`"]
        #![doc = " holds when level `A` runs no later than `B`, which is how a requirement on a"]
        #![doc = " resource provided at a later level becomes a compile error."]
        #![allow(non_camel_case_types)]

        use ::netgen_runtime::init::{Level, LevelDesc, Precedes};

        #(#types)*

        #(#precedes)*

        /// Every level, in boot order.
        pub const LEVELS: &[LevelDesc] = &[#(#descs),*];
    })])
}
