//! The contracts of the Rust code a spec names: for each section field that
//! names a function or a type, what that function's signature or that
//! type's bounds must be.
//!
//! This is the one place they are written down. The emitter checks every
//! path of a spec against them in the generated crate (`emit/signatures.rs`),
//! `netgen check --rust` quotes them when rustc finds a path that does not
//! meet them, and `netgen explain` prints them (the README's *Functions the
//! spec names* is that output). The `proto_ops`, `proto`, `family`,
//! `inet_protocol` and `packet_type` fields are the dispatch methods of the
//! vtable table ([`crate::vtable`], from `netgen_vtables::vtables!`), less
//! the entry index; the others are declared here, as the runtime calls them
//! (`InitcallDesc::func`, `PernetSpec`, `KernelState`, `PernetState`).

use std::fmt::Write;

use crate::ir::TableKind;
use crate::vtable::{self, Missing};

/// A spec section kind `netgen explain` describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Initcall,
    Resource,
    Pernet,
    Table(TableKind),
}

impl Kind {
    /// Every kind, in the order the spec's files declare them.
    pub const ALL: [Kind; 10] = [
        Kind::Resource,
        Kind::Initcall,
        Kind::Pernet,
        Kind::Table(TableKind::Proto),
        Kind::Table(TableKind::ProtoOps),
        Kind::Table(TableKind::Family),
        Kind::Table(TableKind::InetProtocol),
        Kind::Table(TableKind::Protosw),
        Kind::Table(TableKind::PacketType),
        Kind::Table(TableKind::NfHook),
    ];

    /// The spec keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            Kind::Initcall => "initcall",
            Kind::Resource => "resource",
            Kind::Pernet => "pernet",
            Kind::Table(t) => t.keyword(),
        }
    }

    pub fn from_keyword(keyword: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.keyword() == keyword)
    }

    /// How the section is written, its Rust fields as `PATH`.
    fn syntax(self) -> &'static str {
        match self {
            Kind::Initcall => "initcall NAME @ LEVEL { requires: [..]; provides: [..]; run: PATH; }",
            Kind::Resource => "resource Name: PATH;",
            Kind::Pernet => {
                "pernet NAME: subsys|device { registered_by: INITCALL; state: PATH; init: PATH; pre_exit: PATH; \
                 exit: PATH; exit_batch: PATH; }"
            }
            Kind::Table(TableKind::Proto) => {
                "proto NAME { name: \"..\"; obj_size: N; registered_by: INITCALL; METHOD: PATH; .. }"
            }
            Kind::Table(TableKind::ProtoOps) => "proto_ops NAME { family: PF_..; METHOD: PATH; .. }",
            Kind::Table(TableKind::Family) => "family NAME { family: PF_..; create: PATH; registered_by: INITCALL; }",
            Kind::Table(TableKind::InetProtocol) => {
                "inet_protocol NAME { protocol: N; handler: PATH; err_handler: PATH; registered_by: INITCALL; }"
            }
            Kind::Table(TableKind::Protosw) => {
                "protosw NAME { type: SOCK_..; protocol: N; prot: PROTO; ops: PROTO_OPS; registered_by: INITCALL; }"
            }
            Kind::Table(TableKind::PacketType) => {
                "packet_type NAME { type: ETH_P_..; func: PATH; registered_by: INITCALL; }"
            }
            Kind::Table(TableKind::NfHook) => {
                "nf_hook NAME { pf: NFPROTO_IPV4; hooknum: NF_INET_..; priority: NF_IP_PRI_..; hook: PATH; \
                 registered_by: PERNET; }"
            }
        }
    }

    /// What the section is, in Linux's terms.
    fn doc(self) -> String {
        match self {
            Kind::Initcall => " A boot step (Linux's `*_initcall(fn)`): `do_initcalls` runs `run` at its\n \
                               level, after what it `requires`; it builds the state of each resource it\n \
                               `provides` (`k.provide(state)`)."
                .to_string(),
            Kind::Resource => " What one initcall provides and others require; with a type, the\n \
                               kernel-wide state the provider builds."
                .to_string(),
            Kind::Pernet => " `struct pernet_operations` (include/net/net_namespace.h): what every\n \
                             network namespace runs when it is created (`setup_net`) and destroyed\n \
                             (`cleanup_net`)."
                .to_string(),
            Kind::Table(TableKind::Protosw) => {
                " `struct inet_protosw` (include/net/protocol.h): names no Rust code; `prot`\n \
                 and `ops` name a `proto` and a `proto_ops` section."
                    .to_string()
            }
            Kind::Table(t) => vtable::doc(t).trim_end().to_string(),
        }
    }
}

/// What a field names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A function generic over the spec, `S` in the types.
    Fn { params: Vec<(&'static str, String)>, ret: Ret },
    /// A type meeting these bounds.
    Type { bounds: &'static str },
}

/// What a function returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ret {
    Unit,
    Type(String),
    /// `Result<State, Errno>`: the section's `state`, `()` (that is,
    /// `InitResult`) without one.
    State,
}

/// The contract of one field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contract {
    pub kind: Kind,
    pub field: &'static str,
    pub shape: Shape,
    /// What a section without the field does; `None`: it is required.
    pub missing: Option<String>,
    /// What the function does or the type is, one line per `\n`.
    pub doc: String,
}

/// The spec's type in a contract's types.
pub const SPEC: &str = "S";

/// What a section's `state` is called in [`Ret::State`].
const STATE: &str = "State";

/// Where each type a contract names lives, for the generated checks'
/// imports and `netgen explain`. A type missing here makes the generated
/// crate fail to compile (and `every_type_a_contract_names_has_a_home`).
pub const TYPES: &[(&str, &str)] = &[
    ("Errno", "netgen_runtime::Errno"),
    ("Fd", "netgen_runtime::tables::Fd"),
    ("InitResult", "netgen_runtime::init::InitResult"),
    ("Kernel", "netgen_runtime::Kernel"),
    ("Net", "netgen_runtime::netns::Net"),
    ("NetCx", "netgen_runtime::tables::NetCx"),
    ("NetRx", "netgen_runtime::tables::NetRx"),
    ("NfHookState", "netgen_runtime::netfilter::NfHookState"),
    ("NfVerdict", "netgen_runtime::netfilter::NfVerdict"),
    ("SkBuff", "netgen_runtime::skbuff::SkBuff"),
    ("SockAddr", "netgen_runtime::tables::SockAddr"),
];

/// Every field of `kind` that names Rust code, in spec order.
pub fn contracts(kind: Kind) -> Vec<Contract> {
    let net = || vec![("net", format!("&mut Net<{SPEC}>"))];
    let f = |field, shape, missing: Option<&str>, doc: &str| Contract {
        kind,
        field,
        shape,
        missing: missing.map(str::to_string),
        doc: doc.to_string(),
    };
    match kind {
        Kind::Initcall => vec![f(
            "run",
            Shape::Fn { params: vec![("k", format!("&mut Kernel<{SPEC}>"))], ret: Ret::Type("InitResult".into()) },
            None,
            " `Ok(())`, or the errno boot logs; what requires a resource it failed to\n \
             provide is skipped.",
        )],
        Kind::Resource => vec![f(
            "type",
            Shape::Type { bounds: "Send + 'static" },
            Some("the resource only orders initcalls"),
            " The resource's kernel-wide state, built by its provider\n \
             (`k.provide(state)`), reached as `k.get::<Type>()` (a field of the\n \
             generated `KernelStates`).",
        )],
        Kind::Pernet => vec![
            f(
                "state",
                Shape::Type { bounds: "Send + Sync + 'static" },
                Some("the operation keeps nothing in the namespace"),
                " What `init` builds in each namespace, reached as `net.get::<State>()`\n \
                 (a field of the generated `PernetStates`) and dropped after `exit`.",
            ),
            f(
                "init",
                Shape::Fn { params: net(), ret: Ret::State },
                Some("nothing to do; a `state` needs one"),
                " `ops->init(net)`: builds the state (`State` is the `state`, `()` without\n \
                 one); on `Err` the namespace is not created.",
            ),
            f(
                "pre_exit",
                Shape::Fn { params: net(), ret: Ret::Unit },
                Some("nothing to do"),
                " `ops->pre_exit(net)`: runs for every operation before any `exit`.",
            ),
            f(
                "exit",
                Shape::Fn { params: net(), ret: Ret::Unit },
                Some("nothing to do"),
                " `ops->exit(net)`: the state is still there.",
            ),
            f(
                "exit_batch",
                Shape::Fn { params: vec![("nets", format!("&mut [&mut Net<{SPEC}>]"))], ret: Ret::Unit },
                Some("nothing to do"),
                " `ops->exit_batch(net_exit_list)`: once per operation for the namespaces\n \
                 cleaned up together.",
            ),
        ],
        Kind::Table(t) => vtable::hooks(t)
            .iter()
            .map(|h| Contract {
                kind,
                field: h.field,
                shape: Shape::Fn {
                    params: std::iter::once(("cx", format!("&mut NetCx<'_, {SPEC}>")))
                        .chain(h.args().iter().map(|(n, ty)| (*n, pretty_type(ty))))
                        .collect(),
                    ret: h.ret.map_or(Ret::Unit, |r| Ret::Type(pretty_type(r))),
                },
                missing: match h.missing {
                    Missing::Required => None,
                    Missing::Default(f) => Some(format!("`{}`", f.rsplit("::").next().unwrap_or(f))),
                    // `{}`: nothing to do (Linux's NULL, not called).
                    Missing::Value(v) if pretty_expr(v) == "{}" => Some("nothing".to_string()),
                    Missing::Value(v) => Some(format!("`{}`", pretty_expr(v))),
                },
                doc: h.doc.trim_end().to_string(),
            })
            .collect(),
    }
}

/// The contract of `field` of `kind`.
pub fn contract(kind: Kind, field: &str) -> Option<Contract> {
    contracts(kind).into_iter().find(|c| c.field == field)
}

impl Contract {
    /// The signature as `netgen explain` prints it: `fn handler<S>(cx:
    /// &mut NetCx<'_, S>, skb: SkBuff) -> NetRx`, `type State: Send +
    /// 'static`.
    pub fn signature(&self) -> String {
        match &self.shape {
            Shape::Fn { params, ret } => {
                let params: Vec<String> = params.iter().map(|(n, ty)| format!("{n}: {ty}")).collect();
                format!("fn {}<{SPEC}>({}){}", self.field, params.join(", "), self.ret_text(ret, STATE))
            }
            Shape::Type { bounds } => format!("type {}: {bounds}", self.type_name()),
        }
    }

    /// A function's type with `spec` for the spec and `state` for the
    /// `state`: `fn(&mut NetCx<'_, Pernet>, SkBuff) -> NetRx`. `None` for a
    /// type.
    pub fn fn_type(&self, spec: &str, state: &str) -> Option<String> {
        let Shape::Fn { params, ret } = &self.shape else { return None };
        let types: Vec<String> = params.iter().map(|(_, ty)| with_spec(ty, spec)).collect();
        Some(format!("fn({}){}", types.join(", "), with_spec(&self.ret_text(ret, state), spec)))
    }

    fn ret_text(&self, ret: &Ret, state: &str) -> String {
        match ret {
            Ret::Unit => String::new(),
            Ret::Type(t) => format!(" -> {t}"),
            Ret::State => format!(" -> Result<{state}, Errno>"),
        }
    }

    /// How the spec writes the field: `run: PATH;`, `resource Name: PATH;`.
    fn written(&self) -> String {
        match self.kind {
            Kind::Resource => "resource Name: PATH;".to_string(),
            _ => format!("{}: PATH;", self.field),
        }
    }

    /// `Type` for a resource's type, `State` for a pernet `state`.
    fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Resource => "Type",
            _ => STATE,
        }
    }

    /// The contract in one phrase, for error messages: "`fn(&mut Net<S>) ->
    /// Result<State, Errno>` (`State` is the `state`)", "a type that is
    /// `Send + 'static`".
    pub fn summary(&self, spec: &str, state: Option<&str>) -> String {
        match &self.shape {
            Shape::Fn { .. } => {
                let state = state.unwrap_or("()");
                format!("`{}`", self.fn_type(spec, state).unwrap_or_default())
            }
            Shape::Type { bounds } => format!("a type that is `{bounds}`"),
        }
    }

    /// The names from [`TYPES`] the contract's types use.
    pub fn type_names(&self) -> Vec<&'static str> {
        let text = match &self.shape {
            Shape::Fn { params, ret } => {
                let mut t: String = params.iter().map(|(_, ty)| format!("{ty} ")).collect();
                t.push_str(&self.ret_text(ret, STATE));
                t
            }
            Shape::Type { .. } => String::new(),
        };
        let words: Vec<&str> = words(&text).collect();
        TYPES.iter().filter(|(n, _)| words.contains(n)).map(|(n, _)| *n).collect()
    }
}

/// The identifiers in `text`.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).filter(|w| !w.is_empty())
}

/// `ty` with the word [`SPEC`] replaced by `spec`.
pub fn with_spec(ty: &str, spec: &str) -> String {
    let mut out = String::with_capacity(ty.len());
    let mut word = String::new();
    for c in ty.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        out.push_str(if word == SPEC { spec } else { &word });
        word.clear();
        out.push(c);
    }
    out.pop();
    out
}

/// A type from the vtable's `stringify!` (`Result < (), Errno >`) as
/// prettyplease prints it (`Result<(), Errno>`).
fn pretty_type(ty: &str) -> String {
    pretty_item(&format!("type T = {ty};"), "type T = ", ";")
}

/// An expression from the vtable's `stringify!`, as prettyplease prints it.
fn pretty_expr(expr: &str) -> String {
    pretty_item(&format!("const C: () = {expr};"), "const C: () = ", ";")
}

fn pretty_item(item: &str, prefix: &str, suffix: &str) -> String {
    match syn::parse_file(item) {
        Ok(file) => {
            let printed = prettyplease::unparse(&file);
            let printed = printed.trim();
            printed.strip_prefix(prefix).and_then(|p| p.strip_suffix(suffix)).unwrap_or(printed).to_string()
        }
        // The vtable is Rust (the runtime compiles it); keep it as written.
        Err(_) => item[prefix.len()..item.len() - suffix.len()].to_string(),
    }
}

/// `netgen explain` without a kind: the kinds, and where the code a spec
/// names may live.
pub fn explain_all() -> String {
    let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.keyword()).collect();
    format!(
        "netgen explain KIND: the Rust code a spec section names and the contract it must meet.\n\
         \n\
         Kinds: {}\n\
         \n\
         Where the code lives\n\
         \n\
         A spec path is absolute and starts with a crate the generated crate depends on:\n\
         `netgen_runtime::..` (the runtime), or a crate of your own added to the\n\
         `[dependencies]` of generated/Cargo.toml (for spec/; runtime/testspec/ is compiled\n\
         inside netgen-runtime, so its paths name netgen_runtime's items):\n\
         \n    \
             my-proto = {{ path = \"../my-proto\" }}    # then `my_proto::udp_lite::udplite_rcv`\n\
         \n\
         Such a crate cannot depend on netgen-generated (that would be a cycle), so each\n\
         function is generic over the spec `S`, which the generated crate instantiates\n\
         with its `netgen_generated::pernet::Pernet`. Bound `S` by what the function uses:\n\
         the runtime's spec traits (`PernetSpec`, `ProtoSpec`, `InetSpec`, ..., which\n\
         `Pernet` implements); per-namespace state through `S: NetState<T>` and\n\
         `cx.state::<T>()` (or `T: PernetState<S>` and `net.get::<T>()`); kernel state\n\
         through `S: HasState<T>` and `k.get::<T>()`. A type parameter the signature does\n\
         not fix is written in the path (`my_proto::init::<netgen_generated::pernet::Pernet>`).\n\
         Name an item in the module that defines it, not through a re-export.\n\
         \n\
         The crate that holds the generated files may hold the code too, in its\n\
         hand-written modules, named through `extern crate self as its_name;` in its\n\
         lib.rs (benches/dispatch-spec/ keeps its handlers so); there a function may name\n\
         the spec's type instead of being generic over it.\n\
         \n\
         The generated crate checks each path against its contract (generated/src/\n\
         signatures.rs); `netgen check --rust` compiles it and reports a missing path or\n\
         a wrong signature at its line in the spec.\n",
        kinds.join(", ")
    )
}

/// `netgen explain KIND`: the section, then each field that names Rust
/// code with its signature, when it may be left out, and what it is.
pub fn explain(kind: Kind) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", kind.syntax());
    write_doc(&mut out, &kind.doc(), "");
    let contracts = contracts(kind);
    for c in &contracts {
        out.push('\n');
        let when = match &c.missing {
            None => "required".to_string(),
            Some(m) => format!("optional; left out: {m}"),
        };
        let _ = writeln!(out, "{}  ({when})", c.written());
        let _ = writeln!(out, "    {}", c.signature());
        write_doc(&mut out, &c.doc, "    ");
    }
    let mut names: Vec<&str> = contracts.iter().flat_map(Contract::type_names).collect();
    names.sort_unstable();
    names.dedup();
    if !names.is_empty() {
        out.push('\n');
        let _ = writeln!(out, "Types:");
        let width = names.iter().map(|n| n.len()).max().unwrap_or(0);
        for (n, p) in names.iter().filter_map(|n| TYPES.iter().find(|(t, _)| t == n)) {
            let _ = writeln!(out, "    {n:width$}  {p}");
        }
    }
    if contracts.iter().any(|c| matches!(c.shape, Shape::Fn { .. })) {
        let _ = writeln!(
            out,
            "`{SPEC}` is the spec's type (`netgen_generated::pernet::Pernet`); the functions live in a crate\n\
             the generated crate depends on, generic over it: see `netgen explain`."
        );
    }
    out
}

/// Writes doc lines (each starting with a space, as `///` leaves them)
/// with `indent`.
fn write_doc(out: &mut String, doc: &str, indent: &str) {
    for line in doc.lines() {
        let _ = writeln!(out, "{indent}{}", line.strip_prefix(' ').unwrap_or(line));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_contracts_are_the_vtable_less_the_index() {
        for t in TableKind::ALL {
            let kind = Kind::Table(t);
            assert_eq!(contracts(kind).len(), vtable::hooks(t).len(), "{t:?}");
        }
        let handler = contract(Kind::Table(TableKind::InetProtocol), "handler").unwrap();
        assert_eq!(handler.signature(), "fn handler<S>(cx: &mut NetCx<'_, S>, skb: SkBuff) -> NetRx");
        assert_eq!(handler.fn_type("Pernet", "()").unwrap(), "fn(&mut NetCx<'_, Pernet>, SkBuff) -> NetRx");
        assert_eq!(handler.missing, None);
        let err = contract(Kind::Table(TableKind::InetProtocol), "err_handler").unwrap();
        assert_eq!(err.missing.as_deref(), Some("`Ok(())`"));
        let bind = contract(Kind::Table(TableKind::ProtoOps), "bind").unwrap();
        assert_eq!(bind.missing.as_deref(), Some("`sock_no_bind`"));
        assert_eq!(bind.signature(), "fn bind<S>(cx: &mut NetCx<'_, S>, fd: Fd, addr: &SockAddr) -> Result<(), Errno>");
    }

    #[test]
    fn pernet_init_returns_the_state_or_nothing() {
        let init = contract(Kind::Pernet, "init").unwrap();
        assert_eq!(init.signature(), "fn init<S>(net: &mut Net<S>) -> Result<State, Errno>");
        assert_eq!(init.fn_type("Pernet", "Lo").unwrap(), "fn(&mut Net<Pernet>) -> Result<Lo, Errno>");
        assert_eq!(init.summary("Pernet", None), "`fn(&mut Net<Pernet>) -> Result<(), Errno>`");
        let state = contract(Kind::Pernet, "state").unwrap();
        assert_eq!(state.signature(), "type State: Send + Sync + 'static");
        assert_eq!(state.fn_type("Pernet", "()"), None);
    }

    #[test]
    fn the_spec_is_replaced_as_a_word() {
        assert_eq!(with_spec("&mut [&mut Net<S>]", "P"), "&mut [&mut Net<P>]");
        assert_eq!(with_spec("Sx<S, SS>", "P"), "Sx<P, SS>");
    }

    #[test]
    fn every_type_a_contract_names_has_a_home() {
        for kind in Kind::ALL {
            for c in contracts(kind) {
                let Shape::Fn { params, ret } = &c.shape else { continue };
                let text: String =
                    params.iter().map(|(_, t)| format!("{t} ")).collect::<String>() + &c.ret_text(ret, STATE);
                for w in words(&text) {
                    let known = TYPES.iter().any(|(n, _)| *n == w)
                        || [
                            SPEC, STATE, "_", "mut", "Result", "Option", "Vec", "u8", "u16", "u32", "u64", "i32",
                            "i64", "usize", "bool",
                        ]
                        .contains(&w);
                    assert!(known, "`{w}` in `{}` of {} has no home in TYPES", c.field, kind.keyword());
                }
            }
        }
    }

    #[test]
    fn every_kind_explains_itself() {
        for kind in Kind::ALL {
            let text = explain(kind);
            assert!(text.starts_with(kind.keyword()), "{text}");
            for c in contracts(kind) {
                assert!(text.contains(&c.signature()), "{text}");
            }
        }
        assert!(explain_all().contains("Kinds: resource, initcall, pernet, proto, proto_ops"));
    }
}
