//! The Rust names of a netdev's items: Linux's upper-case register and
//! field names become types in camel case (`CTRL_EXT` -> `CtrlExt`) and
//! methods in lower case (`ctrl_ext`); named values keep their names as
//! constants (`RctlBsize::SZ_2048`). A name that is no Rust identifier is
//! an error at its spec line.

use proc_macro2::Ident;
use quote::format_ident;

use super::super::rust::ident_error;
use super::EmitError;
use crate::ir::Location;

/// `CTRL_EXT`, `rx_queue`, `e1000_adv_rx_desc` -> `CtrlExt`, `RxQueue`,
/// `E1000AdvRxDesc`.
pub(super) fn camel(name: &str) -> String {
    name.split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next().map_or(String::new(), |f| f.to_ascii_uppercase().to_string() + &c.as_str().to_ascii_lowercase())
        })
        .collect()
}

/// `name` as an identifier, or an error at `origin` saying why it is none.
pub(super) fn ident(name: &str, origin: &Location, what: &str) -> Result<Ident, EmitError> {
    match ident_error(name) {
        None => Ok(format_ident!("{name}")),
        Some(why) => {
            Err(EmitError::at(origin, format!("{what} `{name}` is not a Rust name"), "named here").with_note(why))
        }
    }
}

/// The type named after `name`: `camel(name)`.
pub(super) fn type_ident(name: &str, origin: &Location, what: &str) -> Result<Ident, EmitError> {
    ident(&camel(name), origin, what)
}

/// The method named after `name`: lower case.
pub(super) fn method_ident(name: &str, origin: &Location, what: &str) -> Result<Ident, EmitError> {
    ident(&name.to_ascii_lowercase(), origin, what)
}

/// A number as the datasheet and Linux write it: decimal below 10, else
/// upper-case hex (`0xC000`).
pub(super) fn number_text(v: u64) -> String {
    if v < 10 {
        v.to_string()
    } else {
        format!("0x{v:X}")
    }
}

/// [`number_text`] as a literal.
pub(super) fn hex(v: u64) -> proc_macro2::Literal {
    let lit: syn::LitInt = syn::parse_str(&number_text(v)).expect("a number is a literal");
    lit.token()
}

/// A register offset as e1000_regs.h writes it: `0x00100`.
pub(super) fn offset(v: u64) -> proc_macro2::Literal {
    let lit: syn::LitInt = syn::parse_str(&format!("0x{v:05X}")).expect("a hex number is a literal");
    lit.token()
}

/// The unsigned type of `bits` bits (8, 16, 32 or 64), or the smallest
/// holding a field of `bits`.
pub(super) fn uint(bits: u32) -> Ident {
    match bits {
        1..=8 => format_ident!("u8"),
        9..=16 => format_ident!("u16"),
        17..=32 => format_ident!("u32"),
        _ => format_ident!("u64"),
    }
}

/// The name of an access kind in `netgen_mmio` (`Rw`, `RcW1c`).
pub(super) fn access(a: crate::ir::Access) -> Ident {
    use crate::ir::Access;
    format_ident!(
        "{}",
        match a {
            Access::Ro => "Ro",
            Access::Rw => "Rw",
            Access::Wo => "Wo",
            Access::W1c => "W1c",
            Access::Rc => "Rc",
            Access::RcW1c => "RcW1c",
            Access::Rw1s => "Rw1s",
        }
    )
}

/// The access kinds `n`'s registers use, each once, in [`crate::ir::Access::ALL`]'s order.
pub(super) fn accesses(n: &crate::ir::Netdev) -> Vec<Ident> {
    crate::ir::Access::ALL.into_iter().filter(|a| n.registers.iter().any(|r| r.access == *a)).map(access).collect()
}
