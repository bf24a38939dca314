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
        // Not recommended: an error about a type that is not a level lists
        // no levels, so it reads the same whatever levels the spec has.
        quote! {
            #docs
            pub enum #ty {}
            #[diagnostic::do_not_recommend]
            impl Level for #ty {
                const NAME: &'static str = #name;
                const ORDINAL: u16 = #ordinal;
            }
        }
    });
    let descs = ir.levels.iter().map(|l| {
        let (name, section) = (&l.name, &l.section);
        quote! { LevelDesc { name: #name, section: #section } }
    });
    Ok(vec![super::Chunk::Rust(quote! {
        #![doc = " Initcall levels, in boot order."]
        #![doc = ""]
        #![doc = " Each level is an uninhabited type implementing `Level`, its `ORDINAL` its"]
        #![doc = " place in boot order: `netgen_runtime::init::check::requires` compares them,"]
        #![doc = " which is how a requirement on a resource provided at a later level becomes a"]
        #![doc = " compile error."]
        #![allow(non_camel_case_types)]

        use ::netgen_runtime::init::{Level, LevelDesc};

        #(#types)*

        /// Every level, in boot order.
        pub const LEVELS: &[LevelDesc] = &[#(#descs),*];
    })])
}
