//! `registers.rs`: `Regs<W>`, a register window with one method per
//! register (`regs.rctl()`, `regs.rdbal(q)`, `regs.gorc()` for a 64-bit
//! counter), the offsets (`offsets::RCTL`, `offsets::rdbal(q)` written as
//! e1000_regs.h's macro), and the value type of each register with fields.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::super::{docs, Chunk, EmitError};
use super::names::{hex, method_ident, type_ident};
use super::words::{self, Word};
use crate::ir::{Access, BinOp, Expr, Netdev, Register};

pub(super) fn emit(n: &Netdev) -> Result<Vec<Chunk>, Vec<EmitError>> {
    let mut methods = Vec::new();
    let mut offsets = Vec::new();
    let mut values = Vec::new();
    let mut errors = Vec::new();
    // An index type and a register's value type share the module.
    for s in &n.index_spaces {
        let ty = super::names::camel(&s.name);
        if let Some(r) = n.registers.iter().find(|r| !r.fields.is_empty() && super::names::camel(&r.name) == ty) {
            errors.push(
                EmitError::at(
                    &s.origin,
                    format!("index space `{}` and register `{}` would both be the Rust type `{ty}`", s.name, r.name),
                    "index space declared here",
                )
                .with_note(format!(
                    "register `{}` is at {}; rename the index space (`{}_index`)",
                    r.name, r.origin, s.name
                )),
            );
        }
    }
    for r in &n.registers {
        match register(n, r) {
            Ok((m, o, v)) => {
                methods.push(m);
                offsets.push(o);
                values.push(v);
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    for c in &n.counters64 {
        let name = match method_ident(&c.name, &c.origin, "64-bit counter") {
            Ok(name) => name,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let (low, high) = (format_ident!("{}", c.low), format_ident!("{}", c.high));
        let extra = format!(
            "The 64-bit counter in `{}` (low) and `{}` (high): `read` reads the low half, then the high \
             one, whose read clears both.",
            c.low, c.high
        );
        let cdocs = docs(&c.docs, &c.origin, &extra);
        methods.push(quote! {
            #cdocs
            #[inline(always)]
            pub fn #name(&self) -> Counter64<'_, W> {
                Counter64::new(&self.window, offsets::#low, offsets::#high)
            }
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let spaces: Vec<Ident> = n.index_spaces.iter().map(|s| format_ident!("{}", super::names::camel(&s.name))).collect();
    let regs_doc = format!(
        " The registers of {}, over a register window `W` (a software model, or [`netgen_mmio::Mmio`] \
         over a PCI BAR).",
        n.name
    );
    let accesses = super::names::accesses(n);
    Ok(vec![Chunk::Rust(quote! {
        use ::netgen_mmio::access::{#(#accesses),*};
        use ::netgen_mmio::{Counter64, Reg, RegisterValue, RegisterWindow};

        use crate::index::{#(#spaces),*};

        #[doc = #regs_doc]
        ///
        /// Each method hands out one register, typed by its value and its access: `read`,
        /// `write` and `modify` are there as the datasheet allows.
        pub struct Regs<W> {
            window: W,
        }

        impl<W: RegisterWindow> Regs<W> {
            /// The registers of `window`.
            pub const fn new(window: W) -> Self {
                Regs { window }
            }

            /// The window the registers are read and written through.
            pub fn window(&self) -> &W {
                &self.window
            }

            /// Gives the window back.
            pub fn into_window(self) -> W {
                self.window
            }

            #(#methods)*
        }

        /// Byte offsets of the registers in the window (Linux's `E1000_*` from e1000_regs.h).
        pub mod offsets {
            #[allow(unused_imports)]
            use crate::index::{#(#spaces),*};

            #(#offsets)*
        }

        #(#values)*
    })])
}

/// A register's method, offset and value type.
fn register(n: &Netdev, r: &Register) -> Result<(TokenStream, TokenStream, TokenStream), Vec<EmitError>> {
    let name = method_ident(&r.name, &r.origin, "register").map_err(|e| vec![e])?;
    let konst = format_ident!("{}", r.name);
    let access = super::names::access(r.access);
    let value_ty = if r.fields.is_empty() {
        quote!(u32)
    } else {
        let t = type_ident(&r.name, &r.origin, "register").map_err(|e| vec![e])?;
        quote!(#t)
    };
    let note = access_note(r.access);
    let index = match &r.index {
        None => None,
        Some(i) => {
            let space = n.index_space(&i.space).map(|s| (s, super::names::camel(&s.name)));
            space.map(|(s, ty)| (format_ident!("{}", i.var), format_ident!("{ty}"), s.count))
        }
    };
    let (method, offset) = match &index {
        None => {
            let at = super::names::offset(r.instances[0].offset);
            let extra = format!("Offset `0x{:05X}`, `{}`. {note}", r.instances[0].offset, r.access.keyword());
            let mdocs = docs(&r.docs, &r.origin, &extra);
            let odoc = format!(" `E1000_{}`.", r.name);
            (
                quote! {
                    #mdocs
                    #[inline(always)]
                    pub fn #name(&self) -> Reg<'_, W, #value_ty, #access> {
                        Reg::new(&self.window, offsets::#konst)
                    }
                },
                quote! {
                    #[doc = #odoc]
                    pub const #konst: usize = #at;
                },
            )
        }
        Some((var, space, count)) => {
            let formula = c_text(&r.offset, &var.to_string(), 0);
            let extra = format!("One per `{space}` ({count}), at `{formula}`, `{}`. {note}", r.access.keyword());
            let mdocs = docs(&r.docs, &r.origin, &extra);
            let body: syn::Expr = syn::parse_str(&rust_text(&r.offset, &var.to_string(), 0)).map_err(|e| {
                vec![EmitError::internal("registers.rs", format!("the offset of `{}` does not parse: {e}", r.name))]
            })?;
            let odoc = format!(" `E1000_{}({})`: `{formula}`.", r.name, var);
            (
                quote! {
                    #mdocs
                    #[inline(always)]
                    pub fn #name(&self, #var: #space) -> Reg<'_, W, #value_ty, #access> {
                        Reg::new(&self.window, offsets::#name(#var))
                    }
                },
                quote! {
                    #[doc = #odoc]
                    #[inline(always)]
                    pub const fn #name(#var: #space) -> usize {
                        let #var = #var.index();
                        #body
                    }
                },
            )
        }
    };
    if r.fields.is_empty() {
        return Ok((method, offset, TokenStream::new()));
    }
    let ty = type_ident(&r.name, &r.origin, "register").map_err(|e| vec![e])?;
    let consts = match &index {
        None => {
            let reset = hex(r.instances[0].reset);
            quote! {
                /// The value after reset.
                pub const RESET: Self = Self(#reset);
            }
        }
        Some((var, space, _)) => {
            let body: syn::Expr = syn::parse_str(&rust_text(&r.reset, &var.to_string(), 0)).map_err(|e| {
                vec![EmitError::internal("registers.rs", format!("the reset of `{}` does not parse: {e}", r.name))]
            })?;
            let doc = format!(" The value after reset of instance `{var}`.");
            if !r.reset.uses_index() {
                let unused = format_ident!("_{var}");
                quote! {
                    #[doc = #doc]
                    pub const fn reset(#unused: #space) -> Self {
                        Self(#body)
                    }
                }
            } else {
                // Numbers computed from the index are `usize`; a condition on
                // it picks between constants, which are already `u32`.
                let value = if value_uses_index(&r.reset) { quote!((#body) as u32) } else { quote!(#body) };
                quote! {
                    #[doc = #doc]
                    pub const fn reset(#var: #space) -> Self {
                        let #var = #var.index();
                        Self(#value)
                    }
                }
            }
        }
    };
    let extra = match &r.fields_of {
        Some(of) => format!("The value of `{}`: the fields of `{of}`.", r.name),
        None => format!("The value of `{}`.", r.name),
    };
    let field_types_of = match &r.fields_of {
        Some(of) => Some(type_ident(of, &r.origin, "register").map_err(|e| vec![e])?),
        None => None,
    };
    let value = words::emit(&Word {
        ty: ty.clone(),
        bits: 32,
        fields: &r.fields,
        docs: docs(&r.docs, &r.origin, &extra),
        consts,
        field_types_of,
    })?;
    let default = index.is_none().then(|| {
        quote! {
            impl Default for #ty {
                /// [`Self::RESET`].
                fn default() -> Self {
                    Self::RESET
                }
            }
        }
    });
    Ok((
        method,
        offset,
        quote! {
            #value

            #default

            impl RegisterValue for #ty {
                #[inline(always)]
                fn from_bits(bits: u32) -> Self {
                    Self(bits)
                }

                #[inline(always)]
                fn bits(self) -> u32 {
                    self.0
                }
            }
        },
    ))
}

/// Whether the value of `e` (not only a condition in it) depends on the index.
fn value_uses_index(e: &Expr) -> bool {
    match e {
        Expr::Int(_) => false,
        Expr::Index => true,
        Expr::Binary(_, a, b) => a.uses_index() || b.uses_index(),
        Expr::Cond(_, a, b) => value_uses_index(a) || value_uses_index(b),
    }
}

/// What the access means for software, for the register's docs.
fn access_note(a: Access) -> &'static str {
    match a {
        Access::Ro => "Read only.",
        Access::Rw => "Read and write.",
        Access::Wo => "Write only: it has no `read`.",
        Access::W1c => "Writing 1 to a bit clears it, 0 leaves it: it has no `modify`.",
        Access::Rc => "Clear on read: a `read` returns the value and zeroes it.",
        Access::RcW1c => {
            "Clear on read: a `read` returns the bits and clears them; writing 1 to a bit clears it. It has no `modify`."
        }
        Access::Rw1s => "Writing 1 to a bit sets it, 0 leaves it: it has no `modify`.",
    }
}

/// Binding strength of an operator, as C and Rust agree for these.
fn prec(op: BinOp) -> u8 {
    match op {
        BinOp::Mul => 4,
        BinOp::Add | BinOp::Sub => 3,
        BinOp::Shl => 2,
        _ => 1,
    }
}

/// The expression as Rust over `usize` (`var` the index): `if n < 4 { .. } else { .. }`.
fn rust_text(e: &Expr, var: &str, outer: u8) -> String {
    match e {
        Expr::Int(v) => super::names::number_text(*v),
        Expr::Index => var.to_string(),
        Expr::Binary(op, a, b) => {
            let p = prec(*op);
            let text = format!("{} {} {}", rust_text(a, var, p), op.symbol(), rust_text(b, var, p + 1));
            if p < outer {
                format!("({text})")
            } else {
                text
            }
        }
        Expr::Cond(c, a, b) => {
            let text = format!(
                "if {} {{ {} }} else {{ {} }}",
                rust_text(c, var, 0),
                rust_text(a, var, 0),
                rust_text(b, var, 0)
            );
            if outer > 0 {
                format!("({text})")
            } else {
                text
            }
        }
    }
}

/// The expression as the spec (and e1000_regs.h) writes it, for docs.
fn c_text(e: &Expr, var: &str, outer: u8) -> String {
    match e {
        Expr::Cond(c, a, b) => {
            let text = format!("{} ? {} : {}", c_text(c, var, 1), c_text(a, var, 1), c_text(b, var, 1));
            if outer > 0 {
                format!("({text})")
            } else {
                text
            }
        }
        Expr::Binary(op, a, b) => {
            let p = prec(*op) + 1;
            let text = format!("{} {} {}", c_text(a, var, p), op.symbol(), c_text(b, var, p + 1));
            if p < outer {
                format!("({text})")
            } else {
                text
            }
        }
        other => rust_text(other, var, 0),
    }
}
