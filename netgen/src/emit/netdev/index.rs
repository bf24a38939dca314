//! `index.rs`: one type per index space (`rx_queue: 16` -> `RxQueue`), so a
//! per-queue register cannot be given a queue the device does not have:
//! `RxQueue::new(n)` checks at run time, `RxQueue::at::<N>()` at compile
//! time (a trait implemented for `Nth<0>` to `Nth<15>` only).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::super::{docs, Chunk, EmitError};
use super::names::type_ident;
use crate::ir::{IndexSpace, Netdev};

pub(super) fn emit(n: &Netdev) -> Result<Vec<Chunk>, Vec<EmitError>> {
    let mut items = vec![quote! { use ::netgen_mmio::Nth; }];
    let mut errors = Vec::new();
    for s in &n.index_spaces {
        match space(n, s) {
            Ok(t) => items.push(t),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(vec![Chunk::Rust(quote! { #(#items)* })])
}

fn space(n: &Netdev, s: &IndexSpace) -> Result<TokenStream, EmitError> {
    let ty = type_ident(&s.name, &s.origin, "index space")?;
    let bound = format_ident!("Is{ty}");
    let count = proc_macro2::Literal::usize_unsuffixed(s.count as usize);
    let last = s.count - 1;
    let extra = format!("`{}`: 0 to {last}.", s.name);
    let tdocs = docs(&s.docs, &s.origin, &extra);
    let message = format!("`{{Self}}` is not a `{ty}`: {} has {} `{}`, 0 to {last}", n.name, s.count, s.name);
    let label = format!("past the last `{ty}`, {last}");
    let impls = (0..s.count).map(|i| {
        let i = proc_macro2::Literal::usize_unsuffixed(i as usize);
        quote! { impl #bound for Nth<#i> {} }
    });
    let trait_doc = format!(" The numbers `{ty}::at` takes: `Nth<0>` to `Nth<{last}>`.");
    let at_doc = format!(" `{ty}` number `N`, checked at compile time: `{ty}::at::<{last}>()` is the last.");
    Ok(quote! {
        #tdocs
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct #ty(u16);

        impl #ty {
            /// How many there are.
            pub const COUNT: usize = #count;

            /// Number `n`, if there is one.
            #[inline(always)]
            pub const fn new(n: usize) -> Option<Self> {
                if n < Self::COUNT { Some(Self(n as u16)) } else { None }
            }

            #[doc = #at_doc]
            #[inline(always)]
            pub const fn at<const N: usize>() -> Self
            where
                Nth<N>: #bound,
            {
                Self(N as u16)
            }

            /// The number, below [`Self::COUNT`].
            #[inline(always)]
            pub const fn index(self) -> usize {
                self.0 as usize
            }

            /// Every one, in order.
            pub fn all() -> impl Iterator<Item = Self> {
                (0..Self::COUNT as u16).map(Self)
            }
        }

        #[doc = #trait_doc]
        #[diagnostic::on_unimplemented(message = #message, label = #label)]
        pub trait #bound {}

        #(#impls)*
    })
}
