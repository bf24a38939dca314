//! `descriptors.rs`: one module per descriptor (`e1000_adv_rx_desc`), with
//! the descriptor's bytes as a type (`E1000AdvRxDesc`, `#[repr(C)]`, as
//! Linux's union) and one view per struct of it, named by its path
//! (`desc.wb().upper().status_error()`, `desc.read_mut().set_pkt_addr(a)`).
//! Integers are little-endian (`__le32`); an integer with bit fields reads
//! as its own value type (`StatusError`).

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::super::{docs, Chunk, EmitError};
use super::names::{camel, method_ident, type_ident, uint};
use super::words::{self, Word};
use crate::ir::{DescKind, DescMember, Descriptor, Netdev};

pub(super) fn emit(n: &Netdev) -> Result<Vec<Chunk>, Vec<EmitError>> {
    let mut mods = Vec::new();
    let mut errors = Vec::new();
    for d in &n.descriptors {
        match descriptor(d) {
            Ok(m) => mods.push(m),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(vec![Chunk::Rust(quote! { #(#mods)* })])
}

/// What is emitted for a group of members: the getters on its reader,
/// the getters and setters on its writer, and the items it needs (nested
/// views, word types). At the top the reader and writer are the
/// descriptor itself.
#[derive(Default)]
struct Out {
    read: Vec<TokenStream>,
    write: Vec<TokenStream>,
    items: Vec<TokenStream>,
}

/// Who a getter is on.
#[derive(Clone, Copy)]
enum On {
    /// The descriptor: `&self`, `self.bytes`.
    Top,
    /// A reader view, `Copy` over `&'a [u8; N]`: `self`, `self.0`.
    Reader,
    /// A writer view over `&'a mut [u8; N]`: `&self`, `&*self.0`.
    Writer,
}

impl On {
    fn recv(self) -> TokenStream {
        match self {
            On::Top | On::Writer => quote!(&self),
            On::Reader => quote!(self),
        }
    }

    fn bytes(self) -> TokenStream {
        match self {
            On::Top => quote!(&self.bytes),
            On::Reader => quote!(self.0),
            On::Writer => quote!(&*self.0),
        }
    }

    /// The lifetime of a nested view it hands out.
    fn life(self) -> TokenStream {
        match self {
            On::Reader => quote!('a),
            On::Top | On::Writer => quote!('_),
        }
    }
}

fn descriptor(d: &Descriptor) -> Result<TokenStream, Vec<EmitError>> {
    let module = method_ident(&d.name, &d.origin, "descriptor").map_err(|e| vec![e])?;
    let ty = type_ident(&d.name, &d.origin, "descriptor").map_err(|e| vec![e])?;
    let size = proc_macro2::Literal::usize_unsuffixed(d.size as usize);
    let kind = if d.union { "union" } else { "struct" };
    let extra = format!("Linux's `{kind} {}`: {} bytes.", d.name, d.size);
    let ddocs = docs(&d.docs, &d.origin, &extra);
    let mdoc = format!(" `{kind} {}` and its views.", d.name);
    let mut out = Out::default();
    // A struct's members are the descriptor's own accessors; a union's are
    // its views, each reached by a method.
    members(&d.members, "", d.size as usize, &mut out)?;
    let Out { read, write, items } = out;
    Ok(quote! {
        #[doc = #mdoc]
        pub mod #module {
            #[allow(unused_imports)]
            use ::netgen_mmio::le;

            #ddocs
            #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
            #[repr(C)]
            pub struct #ty {
                bytes: [u8; #size],
            }

            impl #ty {
                /// Its size in bytes.
                pub const SIZE: usize = #size;

                /// All zeroes.
                pub const fn zeroed() -> Self {
                    Self { bytes: [0; #size] }
                }

                /// The descriptor whose bytes are `bytes`, as they lie in the ring.
                pub const fn from_bytes(bytes: [u8; #size]) -> Self {
                    Self { bytes }
                }

                /// Its bytes, as they lie in the ring.
                pub const fn to_bytes(self) -> [u8; #size] {
                    self.bytes
                }

                #(#read)*
                #(#write)*
            }

            impl Default for #ty {
                fn default() -> Self {
                    Self::zeroed()
                }
            }

            #(#items)*
        }
    })
}

/// The accessors of `members` (of the group at `path`, "" at the top)
/// into `out`.
fn members(list: &[DescMember], path: &str, size: usize, out: &mut Out) -> Result<(), Vec<EmitError>> {
    let top = path.is_empty();
    let (reader, writer) = if top { (On::Top, On::Top) } else { (On::Reader, On::Writer) };
    let bytes_mut = if top { quote!(&mut self.bytes) } else { quote!(self.0) };
    for m in list {
        let name = method_ident(&m.name, &m.origin, "descriptor member").map_err(|e| vec![e])?;
        let full = if top { m.name.clone() } else { format!("{path}.{}", m.name) };
        match &m.kind {
            DescKind::Field { offset, bits, fields } => {
                let at = proc_macro2::Literal::usize_unsuffixed(*offset as usize);
                let (get_fn, set_fn) = (format_ident!("u{bits}_at"), format_ident!("set_u{bits}_at"));
                let set_name = format_ident!("set_{name}");
                let place = format!("`{full}`: bytes {}..{}, little-endian.", offset, offset + u64::from(bits / 8));
                let mdocs = docs(&m.docs, &m.origin, &place);
                let set_doc = format!(" Sets `{full}`.");
                let (ty, wrap, unwrap) = if fields.is_empty() {
                    let t = uint(*bits);
                    (quote!(#t), None, quote!(value))
                } else {
                    let wty = type_ident(&m.name, &m.origin, "descriptor member").map_err(|e| vec![e])?;
                    let wdoc_extra = format!("The bits of `{full}`.");
                    out.items.push(words::emit(&Word {
                        ty: wty.clone(),
                        bits: *bits,
                        fields,
                        docs: docs(&m.docs, &m.origin, &wdoc_extra),
                        consts: TokenStream::new(),
                        field_types_of: None,
                    })?);
                    (quote!(#wty), Some(wty), quote!(value.bits()))
                };
                let getter = |on: On| {
                    let (recv, bytes) = (on.recv(), on.bytes());
                    let load = quote!(le::#get_fn(#bytes, #at));
                    let value = match &wrap {
                        Some(w) => quote!(#w::from_bits(#load)),
                        None => load,
                    };
                    quote! {
                        #mdocs
                        #[inline(always)]
                        pub fn #name(#recv) -> #ty {
                            #value
                        }
                    }
                };
                out.read.push(getter(reader));
                if !top {
                    out.write.push(getter(writer));
                }
                out.write.push(quote! {
                    #[doc = #set_doc]
                    #[inline(always)]
                    pub fn #set_name(&mut self, value: #ty) -> &mut Self {
                        le::#set_fn(#bytes_mut, #at, #unwrap);
                        self
                    }
                });
            }
            DescKind::Struct(inner) | DescKind::Union(inner) => {
                let view = format_ident!("{}", camel(&full.replace('.', "_")));
                let view_mut = format_ident!("{view}Mut");
                let name_mut = format_ident!("{name}_mut");
                let kind = if matches!(m.kind, DescKind::Union(_)) { "union" } else { "struct" };
                let vdocs = docs(&m.docs, &m.origin, &format!("The `{kind} {full}` of this descriptor."));
                let vdoc_mut = format!(" `{full}`, to write.");
                let getter = |on: On| {
                    let (recv, bytes, life) = (on.recv(), on.bytes(), on.life());
                    quote! {
                        #vdocs
                        #[inline(always)]
                        pub fn #name(#recv) -> #view<#life> {
                            #view(#bytes)
                        }
                    }
                };
                out.read.push(getter(reader));
                if !top {
                    out.write.push(getter(writer));
                }
                let inner_mut = if top { quote!(&mut self.bytes) } else { quote!(&mut *self.0) };
                out.write.push(quote! {
                    #[doc = #vdoc_mut]
                    #[inline(always)]
                    pub fn #name_mut(&mut self) -> #view_mut<'_> {
                        #view_mut(#inner_mut)
                    }
                });
                let mut inner_out = Out::default();
                members(inner, &full, size, &mut inner_out)?;
                out.items.push(view_types(&view, &view_mut, &full, size, inner_out));
            }
        }
    }
    Ok(())
}

/// The reader and writer of the group at `path`, over the descriptor's
/// `size` bytes.
fn view_types(view: &Ident, view_mut: &Ident, path: &str, size: usize, inner: Out) -> TokenStream {
    let Out { read, write, items } = inner;
    let rdoc = format!(" `{path}`, to read.");
    let wdoc = format!(" `{path}`, to write (and read).");
    let size = proc_macro2::Literal::usize_unsuffixed(size);
    quote! {
        #[doc = #rdoc]
        #[derive(Clone, Copy)]
        pub struct #view<'a>(&'a [u8; #size]);

        impl<'a> #view<'a> {
            #(#read)*
        }

        #[doc = #wdoc]
        pub struct #view_mut<'a>(&'a mut [u8; #size]);

        impl #view_mut<'_> {
            #(#write)*
        }

        #(#items)*
    }
}
