//! The dispatch methods of `netgen_runtime::tables::ProtoSpec`: for each
//! function field of a protocol section, the trait method that dispatches
//! on it, its parameters and return type exactly as the trait declares
//! them, what an entry without the field does, and what an index out of
//! range returns.
//!
//! The analyzer takes the field names from here (the methods a `proto` or
//! `proto_ops` may give); the emitter writes each method from it. The test
//! `vtable_matches_the_runtime_trait` (tests/tables.rs) compares this table
//! with runtime/src/tables.rs.

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
    /// The other parameters, names and types as the trait declares them
    /// (types as written in generated/src/tables.rs, with its imports); the
    /// call passes them on in this order.
    pub params: &'static [(&'static str, &'static str)],
    /// The return type; `None` for `()`.
    pub ret: Option<&'static str>,
    /// What an entry without the field does.
    pub missing: Missing,
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
    /// The body for an index that is no entry of the table.
    pub fn out_of_range(&self) -> &'static str {
        match self.ret {
            None => "{}",
            Some("NetRx") => "NetRx::Drop",
            Some(_) => "Err(Errno::EINVAL)",
        }
    }
}

const CX: (&str, &str) = ("cx", "&mut NetCx<'_, Self>");
const FD: (&str, &str) = ("fd", "Fd");
const ADDR: (&str, &str) = ("addr", "&SockAddr");
const FLAGS: (&str, &str) = ("flags", "i32");
const UNIT: Option<&str> = Some("Result<(), Errno>");
const SENT: Option<&str> = Some("Result<usize, Errno>");
const RECEIVED: Option<&str> = Some("Result<(usize, Option<SockAddr>), Errno>");

const fn hook(
    field: &'static str,
    method: &'static str,
    index: &'static str,
    params: &'static [(&'static str, &'static str)],
    ret: Option<&'static str>,
    missing: Missing,
) -> Hook {
    Hook { field, method, index, params, ret, missing }
}

const fn sock_no(
    field: &'static str,
    method: &'static str,
    params: &'static [(&'static str, &'static str)],
    ret: Option<&'static str>,
    default: &'static str,
) -> Hook {
    hook(field, method, "ops", params, ret, Missing::Default(default))
}

const fn prot_no(
    field: &'static str,
    method: &'static str,
    params: &'static [(&'static str, &'static str)],
    ret: Option<&'static str>,
    default: &'static str,
) -> Hook {
    hook(field, method, "prot", params, ret, Missing::Default(default))
}

/// `struct proto_ops`, in Linux's field order. A method an entry leaves out
/// is Linux's `sock_no_*`.
pub const PROTO_OPS: &[Hook] = &[
    hook("release", "ops_release", "ops", &[CX, FD], UNIT, Missing::Required),
    sock_no("bind", "ops_bind", &[CX, FD, ADDR], UNIT, "::netgen_runtime::socket::no::sock_no_bind"),
    sock_no("connect", "ops_connect", &[CX, FD, ADDR, FLAGS], UNIT, "::netgen_runtime::socket::no::sock_no_connect"),
    sock_no(
        "accept",
        "ops_accept",
        &[CX, FD, FLAGS],
        Some("Result<Fd, Errno>"),
        "::netgen_runtime::socket::no::sock_no_accept",
    ),
    sock_no(
        "getname",
        "ops_getname",
        &[CX, FD, ("peer", "bool")],
        Some("Result<SockAddr, Errno>"),
        "::netgen_runtime::socket::no::sock_no_getname",
    ),
    sock_no("poll", "ops_poll", &[CX, FD], Some("Result<u32, Errno>"), "::netgen_runtime::socket::no::sock_no_poll"),
    sock_no(
        "ioctl",
        "ops_ioctl",
        &[CX, FD, ("cmd", "u32"), ("arg", "u64")],
        Some("Result<i64, Errno>"),
        "::netgen_runtime::socket::no::sock_no_ioctl",
    ),
    sock_no(
        "listen",
        "ops_listen",
        &[CX, FD, ("backlog", "i32")],
        UNIT,
        "::netgen_runtime::socket::no::sock_no_listen",
    ),
    sock_no(
        "shutdown",
        "ops_shutdown",
        &[CX, FD, ("how", "i32")],
        UNIT,
        "::netgen_runtime::socket::no::sock_no_shutdown",
    ),
    sock_no(
        "setsockopt",
        "ops_setsockopt",
        &[CX, FD, ("level", "i32"), ("name", "i32"), ("val", "&[u8]")],
        UNIT,
        "::netgen_runtime::socket::no::sock_no_setsockopt",
    ),
    sock_no(
        "getsockopt",
        "ops_getsockopt",
        &[CX, FD, ("level", "i32"), ("name", "i32"), ("val", "&mut [u8]")],
        SENT,
        "::netgen_runtime::socket::no::sock_no_getsockopt",
    ),
    sock_no(
        "sendmsg",
        "ops_sendmsg",
        &[CX, FD, ("msg", "&[u8]"), ("to", "Option<&SockAddr>"), FLAGS],
        SENT,
        "::netgen_runtime::socket::no::sock_no_sendmsg",
    ),
    sock_no(
        "recvmsg",
        "ops_recvmsg",
        &[CX, FD, ("buf", "&mut [u8]"), FLAGS],
        RECEIVED,
        "::netgen_runtime::socket::no::sock_no_recvmsg",
    ),
];

/// `struct proto`, in Linux's field order. A method an entry leaves out is
/// NULL in Linux; here it is `sk_prot_no_*` (callers check
/// `ProtoDesc::has` first where Linux checks for NULL).
pub const PROTO: &[Hook] = &[
    prot_no("init", "prot_init", &[CX, FD], UNIT, "::netgen_runtime::socket::no::sk_prot_no_init"),
    prot_no("close", "prot_close", &[CX, FD], None, "::netgen_runtime::socket::no::sk_prot_no_close"),
    prot_no("destroy", "prot_destroy", &[CX, FD], None, "::netgen_runtime::socket::no::sk_prot_no_destroy"),
    prot_no("bind", "prot_bind", &[CX, FD, ADDR], UNIT, "::netgen_runtime::socket::no::sk_prot_no_bind"),
    prot_no("connect", "prot_connect", &[CX, FD, ADDR], UNIT, "::netgen_runtime::socket::no::sk_prot_no_connect"),
    prot_no(
        "disconnect",
        "prot_disconnect",
        &[CX, FD, FLAGS],
        UNIT,
        "::netgen_runtime::socket::no::sk_prot_no_disconnect",
    ),
    prot_no(
        "sendmsg",
        "prot_sendmsg",
        &[CX, FD, ("msg", "&[u8]"), ("to", "Option<&SockAddr>"), FLAGS],
        SENT,
        "::netgen_runtime::socket::no::sk_prot_no_sendmsg",
    ),
    prot_no(
        "recvmsg",
        "prot_recvmsg",
        &[CX, FD, ("buf", "&mut [u8]"), FLAGS],
        RECEIVED,
        "::netgen_runtime::socket::no::sk_prot_no_recvmsg",
    ),
    prot_no("hash", "prot_hash", &[CX, FD], UNIT, "::netgen_runtime::socket::no::sk_prot_no_hash"),
    prot_no("unhash", "prot_unhash", &[CX, FD], None, "::netgen_runtime::socket::no::sk_prot_no_unhash"),
    prot_no(
        "get_port",
        "prot_get_port",
        &[CX, FD, ("snum", "u16")],
        UNIT,
        "::netgen_runtime::socket::no::sk_prot_no_get_port",
    ),
];

/// `struct net_proto_family`.
pub const FAMILY: &[Hook] = &[hook(
    "create",
    "family_create",
    "i",
    &[CX, ("sock", "&mut ::netgen_runtime::socket::sock::Sock"), ("protocol", "i32"), ("kern", "bool")],
    UNIT,
    Missing::Required,
)];

/// `struct net_protocol`.
pub const INET_PROTOCOL: &[Hook] = &[
    hook("handler", "inet_protocol_rcv", "i", &[CX, ("skb", "SkBuff")], Some("NetRx"), Missing::Required),
    hook(
        "err_handler",
        "inet_protocol_err",
        "i",
        &[CX, ("skb", "&SkBuff"), ("info", "u32")],
        UNIT,
        Missing::Value("Ok(())"),
    ),
];

/// `struct packet_type`.
pub const PACKET_TYPE: &[Hook] =
    &[hook("func", "packet_type_rcv", "i", &[CX, ("skb", "SkBuff")], Some("NetRx"), Missing::Required)];

/// The function fields of a section kind (`protosw` has none).
pub fn hooks(kind: TableKind) -> &'static [Hook] {
    match kind {
        TableKind::Proto => PROTO,
        TableKind::ProtoOps => PROTO_OPS,
        TableKind::Family => FAMILY,
        TableKind::InetProtocol => INET_PROTOCOL,
        TableKind::PacketType => PACKET_TYPE,
        TableKind::Protosw => &[],
    }
}
