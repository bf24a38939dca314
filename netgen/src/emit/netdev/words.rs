//! A word with bit fields as a value type: a register's (`Rctl`) or a
//! descriptor integer's (`StatusError`). A getter and a `with_` builder per
//! field, typed: `bool` for one bit, a field type with the named values
//! (`RctlBsize::SZ_2048`), else the smallest unsigned integer. Each is a
//! shift and a mask on the word; nothing else.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::super::docs;
use super::names::{hex, ident, method_ident, uint};
use super::EmitError;
use crate::ir::{Field, Location};

/// A word to emit.
pub(super) struct Word<'a> {
    /// The value type: `Rctl`.
    pub ty: Ident,
    /// Bits of the word: 32 for a register.
    pub bits: u32,
    pub fields: &'a [Field],
    /// The docs of the type.
    pub docs: TokenStream,
    /// Items of the type's `impl` before the accessors (`RESET`).
    pub consts: TokenStream,
    /// Where the fields' types are named from, when the word's fields are
    /// another's (`IMS` has ICR's): the field types are that word's.
    pub field_types_of: Option<Ident>,
}

/// The type, its `impl`, its `Debug`, and its fields' types.
pub(super) fn emit(w: &Word) -> Result<TokenStream, Vec<EmitError>> {
    let Word { ty, bits, fields, docs: ty_docs, consts, field_types_of } = w;
    let storage = uint(*bits);
    let mut accessors = Vec::new();
    let mut debug = Vec::new();
    let mut field_types = Vec::new();
    let mut errors = Vec::new();
    for f in *fields {
        let name = match method_ident(&f.name, &f.origin, "field") {
            Ok(n) => n,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let with = format_ident!("with_{name}");
        let name_str = name.to_string();
        let hi = f.hi();
        let place = if f.width == 1 { format!("Bit {}.", f.lo) } else { format!("Bits `[{hi}:{}]`.", f.lo) };
        let fdocs = docs(&f.docs, &f.origin, &place);
        let with_doc = format!(" This value with `{name_str}` set to `value`.");
        let with_fit_doc = format!(
            " This value with `{name_str}` set to `value`, which must fit its {} bits (checked in debug \
             builds; higher bits are dropped).",
            f.width
        );
        let placed = hex(f.mask());
        let (get, set) = if !f.values.is_empty() {
            let owner = field_types_of.as_ref().unwrap_or(ty);
            let fty = format_ident!("{owner}{}", super::names::camel(&f.name));
            let fstorage = uint(f.width);
            if field_types_of.is_none() {
                match field_type(f, &fty, &fstorage) {
                    Ok(t) => field_types.push(t),
                    Err(e) => errors.push(e),
                }
            }
            let got = extract(f, *bits, &fstorage);
            let put = insert(f, *bits, &fstorage, quote!(value.bits()));
            (
                quote! {
                    #fdocs
                    #[inline(always)]
                    pub const fn #name(self) -> #fty {
                        #fty::from_bits(#got)
                    }
                },
                quote! {
                    #[doc = #with_doc]
                    #[inline(always)]
                    #[must_use]
                    pub const fn #with(self, value: #fty) -> Self {
                        Self((self.0 & !#placed) | #put)
                    }
                },
            )
        } else if f.width == 1 {
            let put = insert(f, *bits, &format_ident!("bool"), quote!(value));
            (
                quote! {
                    #fdocs
                    #[inline(always)]
                    pub const fn #name(self) -> bool {
                        self.0 & #placed != 0
                    }
                },
                quote! {
                    #[doc = #with_doc]
                    #[inline(always)]
                    #[must_use]
                    pub const fn #with(self, value: bool) -> Self {
                        Self((self.0 & !#placed) | #put)
                    }
                },
            )
        } else {
            let fstorage = uint(f.width);
            let max = hex(u64::MAX >> (64 - f.width));
            let fits = format!("`{name_str}` has {} bits: at most {max}", f.width);
            let get = extract(f, *bits, &fstorage);
            let put = insert(f, *bits, &fstorage, quote!(value));
            // A field as wide as its type cannot be given too much.
            let check = (u64::from(f.width) != storage_bits(&fstorage))
                .then(|| quote! { debug_assert!(value <= #max, #fits); });
            (
                quote! {
                    #fdocs
                    #[inline(always)]
                    pub const fn #name(self) -> #fstorage {
                        #get
                    }
                },
                quote! {
                    #[doc = #with_fit_doc]
                    #[inline(always)]
                    #[must_use]
                    pub const fn #with(self, value: #fstorage) -> Self {
                        #check
                        Self((self.0 & !#placed) | #put)
                    }
                },
            )
        };
        accessors.push(get);
        accessors.push(set);
        debug.push(quote! { .field(#name_str, &self.#name()) });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let ty_str = ty.to_string();
    Ok(quote! {
        #ty_docs
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(transparent)]
        pub struct #ty(#storage);

        impl #ty {
            #consts

            /// The value whose bits are `bits`.
            #[inline(always)]
            pub const fn from_bits(bits: #storage) -> Self {
                Self(bits)
            }

            /// The bits of this value.
            #[inline(always)]
            pub const fn bits(self) -> #storage {
                self.0
            }

            #(#accessors)*
        }

        impl ::core::fmt::Debug for #ty {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(#ty_str)
                    #(#debug)*
                    .field("bits", &format_args!("{:#x}", self.0))
                    .finish()
            }
        }

        #(#field_types)*
    })
}

/// A field's type: its named values as constants; any other value of its
/// bits is representable too (a reserved value a device may report).
fn field_type(f: &Field, fty: &Ident, storage: &Ident) -> Result<TokenStream, EmitError> {
    let mask = hex(u64::MAX >> (64 - f.width));
    let mut consts = Vec::new();
    let mut arms = Vec::new();
    for v in &f.values {
        let name = ident(&v.name, &v.origin, "value")?;
        let value = hex(v.value);
        let vdocs = docs(&v.docs, &v.origin, "");
        let name_str = &v.name;
        consts.push(quote! {
            #vdocs
            pub const #name: Self = Self(#value);
        });
        arms.push(quote! { #value => Some(#name_str), });
    }
    let tdocs = field_type_docs(f);
    let named_fmt = format!("{fty}::{{}}");
    let raw_fmt = format!("{fty}({{:#x}})");
    Ok(quote! {
        #tdocs
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        pub struct #fty(#storage);

        impl #fty {
            #(#consts)*

            /// The value of the field's bits in `bits` (bits above the
            /// field's width are dropped).
            #[inline(always)]
            pub const fn from_bits(bits: #storage) -> Self {
                Self(bits & #mask)
            }

            /// The field's bits.
            #[inline(always)]
            pub const fn bits(self) -> #storage {
                self.0
            }

            /// The spec's name of this value, if it names it.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    #(#arms)*
                    _ => None,
                }
            }
        }

        impl ::core::fmt::Debug for #fty {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                match self.name() {
                    Some(name) => write!(f, #named_fmt, name),
                    None => write!(f, #raw_fmt, self.0),
                }
            }
        }
    })
}

fn field_type_docs(f: &Field) -> TokenStream {
    let first = format!(" The values of field `{}`.", f.name);
    let origin: &Location = &f.origin;
    let rest = docs(&[], origin, "");
    quote! {
        #[doc = #first]
        #[doc = ""]
        #rest
    }
}

fn storage_bits(t: &Ident) -> u64 {
    match t.to_string().as_str() {
        "u8" => 8,
        "u16" => 16,
        "u32" => 32,
        _ => 64,
    }
}

/// The field's bits out of the word (`bits` wide), as `to`: a shift, a
/// mask and a cast, each left out where it does nothing.
fn extract(f: &Field, bits: u32, to: &Ident) -> TokenStream {
    let mut e = quote!(self.0);
    if f.lo > 0 {
        let lo = proc_macro2::Literal::u32_unsuffixed(f.lo);
        e = quote!((#e >> #lo));
    }
    if f.lo + f.width < bits {
        let mask = hex(u64::MAX >> (64 - f.width));
        e = quote!((#e & #mask));
    }
    if u64::from(bits) != storage_bits(to) {
        e = quote!(#e as #to);
    }
    strip_outer(e)
}

/// `value` (of type `from`, `bool` or an unsigned integer) placed in the
/// field's bits of a `bits`-wide word.
fn insert(f: &Field, bits: u32, from: &Ident, value: TokenStream) -> TokenStream {
    let word = uint(bits);
    let mut e = value;
    if from != "bool" && storage_bits(from) == u64::from(bits) {
        // Already the word's type.
    } else {
        e = quote!((#e as #word));
    }
    if from != "bool" && u64::from(f.width) < storage_bits(from) {
        let mask = hex(u64::MAX >> (64 - f.width));
        e = quote!((#e & #mask));
    }
    if f.lo > 0 {
        let lo = proc_macro2::Literal::u32_unsuffixed(f.lo);
        e = quote!((#e << #lo));
    }
    e
}

/// An expression without its outermost parentheses, if it has them.
fn strip_outer(e: TokenStream) -> TokenStream {
    let mut it = e.clone().into_iter();
    match (it.next(), it.next()) {
        (Some(proc_macro2::TokenTree::Group(g)), None) if g.delimiter() == proc_macro2::Delimiter::Parenthesis => {
            g.stream()
        }
        _ => e,
    }
}
