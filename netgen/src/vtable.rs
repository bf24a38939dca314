//! The dispatch methods of `netgen_runtime::tables::ProtoSpec`, read from
//! the one table both netgen and the runtime derive them from
//! ([`netgen_vtables::vtables!`]): for each function field of a protocol
//! section, the trait method that dispatches on it, its parameters and
//! return type, what an entry without the field does, and what an index
//! out of range returns.
//!
//! The analyzer takes the field names from here (the methods a `proto` or
//! `proto_ops` may give); the emitter writes each method from it.

use crate::ir::TableKind;

/// One dispatch method.
#[derive(Clone, Copy, Debug)]
pub struct Hook {
    /// The spec field: `bind`.
    pub field: &'static str,
    /// The trait method: `ops_bind`.
    pub method: &'static str,
    /// The name of the index parameter (a `u16`): `ops`.
    pub index: &'static str,
    /// The parameters, names and types as the trait declares them (types
    /// as written in generated/src/tables.rs, with its imports), the
    /// context first; the call passes them on in this order.
    pub params: &'static [(&'static str, &'static str)],
    /// The return type; `None` for `()`.
    pub ret: Option<&'static str>,
    /// What an entry without the field does.
    pub missing: Missing,
    /// The table's doc comment for the method, one line per `///`.
    pub doc: &'static str,
}

/// What the dispatch of an entry that does not give a field does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Missing {
    /// The field is required; the analyzer reports its absence.
    Required,
    /// Calls this runtime function with the same arguments (Linux's
    /// `sock_no_*` defaults, or `sk_prot_no_*` where Linux leaves NULL).
    Default(&'static str),
    /// Evaluates to this expression (`Ok(())`: no `err_handler`).
    Value(&'static str),
}

impl Hook {
    /// The parameters after the context (`cx: &mut NetCx<'_, S>`), which
    /// every method takes first: what the spec's function takes besides it.
    pub fn args(&self) -> &'static [(&'static str, &'static str)] {
        &self.params[1..]
    }

    /// The body for an index that is no entry of the table.
    pub fn out_of_range(&self) -> &'static str {
        match self.ret {
            None => "{}",
            Some("NetRx") => "NetRx::Drop",
            Some("NfVerdict") => "NfVerdict::Drop(Errno::EINVAL)",
            Some(_) => "Err(Errno::EINVAL)",
        }
    }
}

/// Where the runtime defines the defaults the table names.
macro_rules! defaults_module {
    () => {
        "::netgen_runtime::socket::no::"
    };
}

macro_rules! missing {
    (required) => {
        Missing::Required
    };
    (value($($v:tt)*)) => {
        Missing::Value(stringify!($($v)*))
    };
    (default($name:ident { $($body:tt)* })) => {
        Missing::Default(concat!(defaults_module!(), stringify!($name)))
    };
}

macro_rules! ret {
    () => {
        None
    };
    ($t:ty) => {
        Some(stringify!($t))
    };
}

/// The table as `(section, doc, hooks)`: each `///` line of a doc ends in
/// `\n`.
macro_rules! hook_table {
    ($(
        $(#[doc = $tdoc:literal])*
        $table:ident($index:ident) {
            $(
                $(#[doc = $doc:literal])*
                $field:ident => $method:ident($($p:ident: $t:ty),*) $(-> $ret:ty)? = $kind:ident $(($($missing:tt)*))?;
            )*
        }
    )*) => {
        &[$(
            (stringify!($table), concat!($($tdoc, "\n"),*), &[$(Hook {
                field: stringify!($field),
                method: stringify!($method),
                index: stringify!($index),
                params: &[("cx", "&mut NetCx<'_, Self>"), $((stringify!($p), stringify!($t))),*],
                ret: ret!($($ret)?),
                missing: missing!($kind $(($($missing)*))?),
                doc: concat!($($doc, "\n"),*),
            }),*]),
        )*]
    };
}

/// Every vtable: the spec section it belongs to, its doc and its methods.
const VTABLES: &[(&str, &str, &[Hook])] = netgen_vtables::vtables!(hook_table {});

/// The function fields of a section kind (`protosw` has none).
pub fn hooks(kind: TableKind) -> &'static [Hook] {
    VTABLES.iter().find(|(s, _, _)| *s == kind.keyword()).map_or(&[], |(_, _, h)| h)
}

/// The table's doc comment for a section kind's C struct (`struct
/// net_protocol` ...), one line per `///`; empty for `protosw`.
pub fn doc(kind: TableKind) -> &'static str {
    VTABLES.iter().find(|(s, _, _)| *s == kind.keyword()).map_or("", |(_, d, _)| d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_function_section_has_its_methods() {
        assert_eq!(hooks(TableKind::ProtoOps).len(), 13);
        assert_eq!(hooks(TableKind::Proto).len(), 11);
        let bind = hooks(TableKind::ProtoOps)[1];
        assert_eq!((bind.field, bind.method, bind.index), ("bind", "ops_bind", "ops"));
        assert_eq!(bind.missing, Missing::Default("::netgen_runtime::socket::no::sock_no_bind"));
        assert_eq!(hooks(TableKind::InetProtocol)[1].missing, Missing::Value("Ok(())"));
        assert_eq!(hooks(TableKind::Proto)[1].ret, None);
        assert_eq!(bind.args(), [("fd", "Fd"), ("addr", "& SockAddr")]);
        assert_eq!(bind.doc, " `bind(sock, uaddr, addr_len)`.\n");
        assert!(doc(TableKind::InetProtocol).starts_with(" `struct net_protocol`"), "{}", doc(TableKind::InetProtocol));
        assert_eq!(doc(TableKind::Protosw), "");
    }
}
