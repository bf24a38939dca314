//! `tables.rs`: the spec's protocol tables as descriptor arrays, a module
//! of named indices per table, and the `ProtoSpec` impl whose methods are
//! `match`es from an index to a direct call of the function the spec names
//! (no function pointers, no `dyn`).
//!
//! The dispatch methods come from [`crate::vtable`]: their parameters and
//! return types as the trait declares them, and what an entry without a
//! method calls instead. Emitted whole through prettyplease.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

use super::rust::{code_list, RustPath};
use super::{all, docs, Chunk, EmitError, Emitted};
use crate::ir::{Ir, Location, MethodImpl, Number, TableKind, Tables};
use crate::vtable::{self, Hook, Missing};

pub fn emit(ir: &Ir) -> Emitted {
    let t = &ir.tables;
    // In the trait's order of dispatch methods.
    let tables = [
        (TableKind::Family, family_rows(t)),
        (TableKind::PacketType, packet_type_rows(t)),
        (TableKind::InetProtocol, inet_protocol_rows(t)),
        (TableKind::ProtoOps, proto_ops_rows(t)),
        (TableKind::Proto, proto_rows(t)),
        (TableKind::Protosw, protosw_rows(t)),
        (TableKind::NfHook, nf_hook_rows(t)),
    ];
    // In the order of the descriptor arrays.
    let modules = [
        TableKind::Family,
        TableKind::InetProtocol,
        TableKind::Proto,
        TableKind::ProtoOps,
        TableKind::Protosw,
        TableKind::PacketType,
        TableKind::NfHook,
    ]
    .map(|kind| tables.iter().find(|(k, _)| *k == kind).map(|(_, rows)| index_module(kind, rows)));
    let arrays = arrays(t);
    let registered_by = registered_by(t);
    let flags: Vec<Ident> = ["ICSK", "PERMANENT", "REUSE"]
        .iter()
        .filter(|f| t.protosw.iter().any(|p| p.flags.iter().any(|g| g == *f)))
        .map(|f| format_ident!("INET_PROTOSW_{f}"))
        .collect();
    let flag_import = (!flags.is_empty()).then(|| quote! { use ::netgen_runtime::inet::{#(#flags),*}; });
    let methods =
        all(tables.iter().flat_map(|(kind, rows)| vtable::hooks(*kind).iter().map(move |h| method(*kind, h, rows))))?;
    Ok(vec![Chunk::Rust(quote! {
        #![doc = " The spec's protocol tables (Linux's `proto_list`, `net_families`,"]
        #![doc = " `inet_protos`, `inetsw`, `ptype_base`) and `proto_ops` vtables, from the"]
        #![doc = " `proto`, `proto_ops`, `family`, `inet_protocol`, `protosw` and"]
        #![doc = " `packet_type` sections: one descriptor array per table, in spec order (an"]
        #![doc = " entry's index is its position; the modules below name every index), and"]
        #![doc = " `impl ProtoSpec for Pernet`, whose methods are `match`es from an index to"]
        #![doc = " a direct call of the function the spec names. A `proto_ops` method an"]
        #![doc = " entry leaves out calls Linux's `sock_no_*`, a `proto` one `sk_prot_no_*`."]
        #![doc = " The `nf_hook` sections are netfilter's hooks (`NF_HOOKS`), dispatched the"]
        #![doc = " same way by `nf_hookfn` and registered in each namespace by the `init`"]
        #![doc = " of the pernet operation each names (`pernet.rs`)."]
        #![doc = ""]
        #![doc = " An initcall that registers entries (`registered_by`) runs through its"]
        #![doc = " wrapper in `pernet.rs`, which calls"]
        #![doc = " `netgen_runtime::stack::register_spec_entries` after its `run`."]

        use ::netgen_runtime::netfilter::{NfHookState, NfVerdict};
        use ::netgen_runtime::skbuff::SkBuff;
        use ::netgen_runtime::tables::{
            FamilyDesc, Fd, InetProtocolDesc, NetCx, NetRx, NfHookDesc, PacketTypeDesc, ProtoDesc, ProtoOpsDesc,
            ProtoSpec, ProtoswDesc, SockAddr,
        };
        use ::netgen_runtime::Errno;
        #flag_import

        use super::pernet::Pernet;

        #(#modules)*

        #arrays

        #registered_by

        /// The spec's protocol tables and the dispatch through them: each method
        /// calls the function the spec names for the entry at the index it is given.
        impl ProtoSpec for Pernet {
            const FAMILIES: &'static [FamilyDesc] = FAMILIES;
            const INET_PROTOCOLS: &'static [InetProtocolDesc] = INET_PROTOCOLS;
            const PROTOS: &'static [ProtoDesc] = PROTOS;
            const PROTO_OPS: &'static [ProtoOpsDesc] = PROTO_OPS;
            const PROTOSW: &'static [ProtoswDesc] = PROTOSW;
            const PACKET_TYPES: &'static [PacketTypeDesc] = PACKET_TYPES;
            const NF_HOOKS: &'static [NfHookDesc] = NF_HOOKS;

            #(#methods)*
        }
    })])
}

/// One entry of a table, as the index module and the dispatch see it.
struct Row<'a> {
    name: &'a str,
    docs: &'a [String],
    origin: &'a Location,
    /// What the index's doc says after `Spec: ..`.
    extra: String,
    /// The function fields it gives: (field, path).
    fns: Vec<(&'a str, &'a str)>,
}

fn family_rows(t: &Tables) -> Vec<Row<'_>> {
    t.families
        .iter()
        .map(|f| Row {
            name: &f.name,
            docs: &f.docs,
            origin: &f.origin,
            extra: format!("Family {}; `sock_register(&{})` by `{}`.", number(&f.family), f.name, f.registered_by),
            fns: vec![("create", &f.create)],
        })
        .collect()
}

fn inet_protocol_rows(t: &Tables) -> Vec<Row<'_>> {
    t.inet_protocols
        .iter()
        .map(|p| {
            let mut fns = vec![("handler", p.handler.as_str())];
            fns.extend(p.err_handler.as_deref().map(|e| ("err_handler", e)));
            Row {
                name: &p.name,
                docs: &p.docs,
                origin: &p.origin,
                extra: format!(
                    "Protocol {}; `inet_add_protocol(&{}, {})` by `{}`.",
                    number(&p.protocol),
                    p.name,
                    p.protocol.written(),
                    p.registered_by
                ),
                fns,
            }
        })
        .collect()
}

fn methods(m: &[MethodImpl]) -> Vec<(&str, &str)> {
    m.iter().map(|m| (m.method.as_str(), m.path.as_str())).collect()
}

fn proto_rows(t: &Tables) -> Vec<Row<'_>> {
    t.protos
        .iter()
        .map(|p| Row {
            name: &p.name,
            docs: &p.docs,
            origin: &p.origin,
            extra: format!("`proto_register(&{}, {})` by `{}`.", p.name, u8::from(p.slab), p.registered_by),
            fns: methods(&p.methods),
        })
        .collect()
}

fn proto_ops_rows(t: &Tables) -> Vec<Row<'_>> {
    t.proto_ops
        .iter()
        .map(|o| {
            let missing: Vec<&str> = vtable::hooks(TableKind::ProtoOps)
                .iter()
                .filter(|h| !o.methods.iter().any(|m| m.method == h.field))
                .map(|h| h.field)
                .collect();
            let mut extra = format!("Family {}.", number(&o.family));
            if !missing.is_empty() {
                extra.push_str(&format!(" `sock_no_*` for {}.", code_list(&missing)));
            }
            Row { name: &o.name, docs: &o.docs, origin: &o.origin, extra, fns: methods(&o.methods) }
        })
        .collect()
}

fn protosw_rows(t: &Tables) -> Vec<Row<'_>> {
    t.protosw
        .iter()
        .map(|p| Row {
            name: &p.name,
            docs: &p.docs,
            origin: &p.origin,
            extra: format!(
                "Type {}, protocol {}: `{}` with `{}`{}; `inet_register_protosw` by `{}`.",
                number(&p.type_),
                number(&p.protocol),
                p.prot,
                p.ops,
                if p.flags.is_empty() { String::new() } else { format!(", {}", p.flags.join(" | ")) },
                p.registered_by
            ),
            fns: Vec::new(),
        })
        .collect()
}

fn packet_type_rows(t: &Tables) -> Vec<Row<'_>> {
    t.packet_types
        .iter()
        .map(|p| Row {
            name: &p.name,
            docs: &p.docs,
            origin: &p.origin,
            extra: format!(
                "Ethertype {}; `dev_add_pack(&{})` by `{}`.",
                match &p.type_.constant {
                    Some(c) => format!("`{c}` ({:#06x})", p.type_.value),
                    None => format!("{:#06x}", p.type_.value),
                },
                p.name,
                p.registered_by
            ),
            fns: std::iter::once(("func", p.func.as_str()))
                .chain(p.list_func.as_deref().map(|f| ("list_func", f)))
                .collect(),
        })
        .collect()
}

fn nf_hook_rows(t: &Tables) -> Vec<Row<'_>> {
    t.nf_hooks
        .iter()
        .map(|h| Row {
            name: &h.name,
            docs: &h.docs,
            origin: &h.origin,
            extra: format!(
                "`{}` at priority {}; `nf_register_net_hook` by the `init` of pernet `{}`.",
                h.hooknum.written(),
                h.priority.written(),
                h.registered_by
            ),
            fns: vec![("hook", h.hook.as_str())],
        })
        .collect()
}

/// `` `PF_INET` (2) `` or `2`, for docs.
fn number(n: &Number) -> String {
    match &n.constant {
        Some(c) => format!("`{c}` ({})", n.value),
        None => n.value.to_string(),
    }
}

/// The module of a table's index constants: `protos`, ...
fn module(kind: TableKind) -> Ident {
    format_ident!(
        "{}",
        match kind {
            TableKind::Proto => "protos",
            TableKind::ProtoOps => "proto_ops",
            TableKind::Family => "families",
            TableKind::InetProtocol => "inet_protocols",
            TableKind::Protosw => "protosw",
            TableKind::PacketType => "packet_types",
            TableKind::NfHook => "nf_hooks",
        }
    )
}

/// The descriptor array of a table: `PROTOS`, ...
fn array(kind: TableKind) -> &'static str {
    match kind {
        TableKind::Proto => "PROTOS",
        TableKind::ProtoOps => "PROTO_OPS",
        TableKind::Family => "FAMILIES",
        TableKind::InetProtocol => "INET_PROTOCOLS",
        TableKind::Protosw => "PROTOSW",
        TableKind::PacketType => "PACKET_TYPES",
        TableKind::NfHook => "NF_HOOKS",
    }
}

fn index_ident(name: &str) -> Ident {
    format_ident!("{}", name.to_uppercase())
}

/// `protos::TCP_PROT`: an entry's index, by name.
fn index_path(kind: TableKind, name: &str) -> TokenStream {
    let m = module(kind);
    let i = index_ident(name);
    quote!(#m::#i)
}

fn index_module(kind: TableKind, rows: &[Row]) -> TokenStream {
    let m = module(kind);
    let doc = format!(" Indices into `{}`: the spec's `{}` sections, in spec order.", array(kind), kind.keyword());
    let consts = rows.iter().enumerate().map(|(i, r)| {
        let docs = docs(r.docs, r.origin, &r.extra);
        let name = index_ident(r.name);
        let i = Literal::u16_unsuffixed(i as u16);
        quote! { #docs pub const #name: u16 = #i; }
    });
    quote! {
        #[doc = #doc]
        pub mod #m {
            #(#consts)*
        }
    }
}

fn strip(path: &str) -> &str {
    path.trim_start_matches("::")
}

fn arrays(t: &Tables) -> TokenStream {
    let families = t.families.iter().map(|f| {
        let (name, create, by) = (&f.name, strip(&f.create), &f.registered_by);
        let family = Literal::u16_unsuffixed(f.family.value as u16);
        quote! { FamilyDesc { name: #name, family: #family, create: #create, registered_by: #by } }
    });
    let inet = t.inet_protocols.iter().map(|p| {
        let (name, handler, by) = (&p.name, strip(&p.handler), &p.registered_by);
        let protocol = Literal::u8_unsuffixed(p.protocol.value as u8);
        let err = match &p.err_handler {
            Some(e) => {
                let e = strip(e);
                quote!(Some(#e))
            }
            None => quote!(None),
        };
        let (no_policy, netns_ok) = (p.no_policy, p.netns_ok);
        quote! {
            InetProtocolDesc {
                name: #name, protocol: #protocol, handler: #handler, err_handler: #err,
                no_policy: #no_policy, netns_ok: #netns_ok, registered_by: #by,
            }
        }
    });
    let protos = t.protos.iter().map(|p| {
        let (ident, name, slab, by) = (&p.name, &p.display_name, p.slab, &p.registered_by);
        let size = Literal::u64_unsuffixed(p.obj_size);
        let methods = method_set("ProtoMethods", TableKind::Proto, &p.methods);
        quote! {
            ProtoDesc {
                ident: #ident, name: #name, obj_size: #size, slab: #slab,
                methods: #methods, registered_by: #by,
            }
        }
    });
    let ops = t.proto_ops.iter().map(|o| {
        let ident = &o.name;
        let family = Literal::u16_unsuffixed(o.family.value as u16);
        let methods = method_set("ProtoOpsMethods", TableKind::ProtoOps, &o.methods);
        quote! { ProtoOpsDesc { ident: #ident, family: #family, methods: #methods } }
    });
    let protosw = t.protosw.iter().map(|p| {
        let (ident, by) = (&p.name, &p.registered_by);
        let ty = Literal::u16_unsuffixed(p.type_.value as u16);
        let protocol = Literal::u8_unsuffixed(p.protocol.value as u8);
        let prot = index_path(TableKind::Proto, &p.prot);
        let ops = index_path(TableKind::ProtoOps, &p.ops);
        let flags = if p.flags.is_empty() {
            quote!(0)
        } else {
            let f = p.flags.iter().map(|f| format_ident!("INET_PROTOSW_{f}"));
            quote!(#(#f)|*)
        };
        quote! {
            ProtoswDesc {
                ident: #ident, type_: #ty, protocol: #protocol, prot: #prot, ops: #ops,
                flags: #flags, registered_by: #by,
            }
        }
    });
    let packet = t.packet_types.iter().map(|p| {
        let (name, func, by) = (&p.name, strip(&p.func), &p.registered_by);
        let ty = syn::LitInt::new(&format!("{:#06x}", p.type_.value), proc_macro2::Span::call_site());
        quote! { PacketTypeDesc { name: #name, type_: #ty, func: #func, registered_by: #by } }
    });
    let nf_hooks = t.nf_hooks.iter().map(|h| {
        let (name, hook, by) = (&h.name, strip(&h.hook), &h.registered_by);
        let pf = Literal::u8_unsuffixed(h.pf.value as u8);
        let hooknum = Literal::u8_unsuffixed(h.hooknum.value);
        let priority = nf_priority(h.priority.value);
        quote! {
            NfHookDesc { name: #name, pf: #pf, hooknum: #hooknum, priority: #priority, hook: #hook, registered_by: #by }
        }
    });
    quote! {
        /// `struct net_proto_family`s (`family` sections), for `sock_register`.
        pub const FAMILIES: &[FamilyDesc] = &[#(#families),*];

        /// `struct net_protocol`s (`inet_protocol` sections), for `inet_add_protocol`.
        pub const INET_PROTOCOLS: &[InetProtocolDesc] = &[#(#inet),*];

        /// `struct proto`s (`proto` sections), for `proto_register`.
        pub const PROTOS: &[ProtoDesc] = &[#(#protos),*];

        /// `struct proto_ops` vtables (`proto_ops` sections).
        pub const PROTO_OPS: &[ProtoOpsDesc] = &[#(#ops),*];

        /// `struct inet_protosw`s (`protosw` sections), for `inet_register_protosw`.
        pub const PROTOSW: &[ProtoswDesc] = &[#(#protosw),*];

        /// `struct packet_type`s (`packet_type` sections), for `dev_add_pack`.
        pub const PACKET_TYPES: &[PacketTypeDesc] = &[#(#packet),*];

        /// `struct nf_hook_ops` (`nf_hook` sections), for `nf_register_net_hook`.
        pub const NF_HOOKS: &[NfHookDesc] = &[#(#nf_hooks),*];
    }
}

/// A priority as a literal; `i32::MIN` has no literal of its own.
fn nf_priority(p: i32) -> TokenStream {
    if p == i32::MIN {
        return quote!(i32::MIN);
    }
    let lit = Literal::i32_unsuffixed(p);
    quote!(#lit)
}

/// `ProtoMethods { bind: true, ..ProtoMethods::NONE }`: the methods an
/// entry gives, as the runtime's presence set.
fn method_set(set: &str, kind: TableKind, methods: &[MethodImpl]) -> TokenStream {
    let set = format_ident!("{set}");
    let given = methods.iter().map(|m| format_ident!("{}", m.method));
    // An entry that gives every method needs no `..NONE` (clippy's
    // needless_update).
    let rest = (methods.len() < vtable::hooks(kind).len()).then(|| quote!(..::netgen_runtime::tables::#set::NONE));
    quote! { ::netgen_runtime::tables::#set { #(#given: true,)* #rest } }
}

/// `pub mod registered_by`: per initcall that registers spec entries, the
/// indices of its entries in each table (what `register_spec_entries`
/// takes), so registration selects entries by index, not by name.
fn registered_by(t: &Tables) -> TokenStream {
    let mut registrars: Vec<&str> = Vec::new();
    let all = t
        .protos
        .iter()
        .map(|p| p.registered_by.as_str())
        .chain(t.families.iter().map(|f| f.registered_by.as_str()))
        .chain(t.inet_protocols.iter().map(|p| p.registered_by.as_str()))
        .chain(t.protosw.iter().map(|p| p.registered_by.as_str()))
        .chain(t.packet_types.iter().map(|p| p.registered_by.as_str()));
    for r in all {
        if !registrars.contains(&r) {
            registrars.push(r);
        }
    }
    let consts = registrars.iter().map(|r| {
        let name = index_ident(r);
        let pick = |kind: TableKind, names: Vec<&str>| {
            let paths = names.into_iter().map(|n| {
                let p = index_path(kind, n);
                quote!(super::#p)
            });
            quote!(&[#(#paths),*])
        };
        let by = |b: &String| b == r;
        let protos =
            pick(TableKind::Proto, t.protos.iter().filter(|p| by(&p.registered_by)).map(|p| p.name.as_str()).collect());
        let families = pick(
            TableKind::Family,
            t.families.iter().filter(|p| by(&p.registered_by)).map(|p| p.name.as_str()).collect(),
        );
        let inet = pick(
            TableKind::InetProtocol,
            t.inet_protocols.iter().filter(|p| by(&p.registered_by)).map(|p| p.name.as_str()).collect(),
        );
        let protosw = pick(
            TableKind::Protosw,
            t.protosw.iter().filter(|p| by(&p.registered_by)).map(|p| p.name.as_str()).collect(),
        );
        let packet = pick(
            TableKind::PacketType,
            t.packet_types.iter().filter(|p| by(&p.registered_by)).map(|p| p.name.as_str()).collect(),
        );
        let doc = format!(" The entries `{r}` registers.");
        quote! {
            #[doc = #doc]
            pub const #name: SpecEntries = SpecEntries {
                protos: #protos, families: #families, inet_protocols: #inet, protosw: #protosw, packet_types: #packet,
            };
        }
    });
    if registrars.is_empty() {
        return quote!();
    }
    quote! {
        /// The spec entries each registering initcall registers, by index.
        pub mod registered_by {
            use ::netgen_runtime::tables::SpecEntries;
            #(#consts)*
        }
    }
}

/// An arm's body: the call or value as tokens, the text arms are merged by,
/// and whether it reads the arguments.
struct ArmBody {
    key: String,
    tokens: TokenStream,
    reads_args: bool,
}

fn body(hook: &Hook, path: Option<&RustPath>) -> Result<ArmBody, EmitError> {
    let names: Vec<&str> = hook.params.iter().map(|(n, _)| *n).collect();
    let args: Vec<Ident> = names.iter().map(|n| format_ident!("{n}")).collect();
    let call = |f: TokenStream, key: String| ArmBody {
        key: format!("{key}({})", names.join(", ")),
        tokens: quote! { #f(#(#args),*) },
        reads_args: true,
    };
    let value = |v: &str| Ok(ArmBody { key: v.to_string(), tokens: parse(v)?, reads_args: false });
    match (path, hook.missing) {
        (Some(p), _) => Ok(call(p.absolute_expr_tokens(), p.absolute_expr())),
        (None, Missing::Default(f)) => Ok(call(parse(f)?, f.to_string())),
        (None, Missing::Value(v)) => value(v),
        // The analyzer reports a missing required method; no IR has one.
        (None, Missing::Required) => value(hook.out_of_range()),
    }
}

/// One dispatch method, `#[inline]`: a `match` on the index, arms with the
/// same body merged, and the out-of-range value for any other index. Written the way
/// clippy wants it: no `match` on a single `_` arm, and `if` rather than a
/// one-arm `match` with `_ => {}`.
fn method(kind: TableKind, hook: &Hook, rows: &[Row]) -> Result<TokenStream, Vec<EmitError>> {
    // (body, patterns), in order of first appearance.
    let mut groups: Vec<(ArmBody, Vec<TokenStream>)> = Vec::new();
    let mut reads_args = false;
    let mut errors = Vec::new();
    for r in rows {
        let path = match r.fns.iter().find(|(f, _)| *f == hook.field) {
            None => None,
            Some((field, text)) => match RustPath::parse(text) {
                Ok(p) => Some(p),
                Err(why) => {
                    errors.push(
                        EmitError::at(
                            r.origin,
                            format!("the `{field}` of {} `{}` is not a Rust path: `{text}`", kind.keyword(), r.name),
                            format!("this entry's `{field}` cannot be written as Rust"),
                        )
                        .with_note(why),
                    );
                    continue;
                }
            },
        };
        let b = body(hook, path.as_ref()).map_err(|e| vec![e])?;
        reads_args |= b.reads_args;
        let pattern = index_path(kind, r.name);
        match groups.iter_mut().find(|g| g.0.key == b.key) {
            Some(g) => g.1.push(pattern),
            None => groups.push((b, vec![pattern])),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // A method returning `()` whose default does nothing (`value({})`,
    // Linux's NULL `list_func`) needs no arm for the entries without it.
    if hook.ret.is_none() {
        groups.retain(|(b, _)| b.key != "{}");
    }
    let internal = |e: EmitError| vec![e];
    let index = format_ident!("{}{}", if groups.is_empty() { "_" } else { "" }, hook.index);
    let mut params = Vec::new();
    for (n, ty) in hook.params {
        let n = format_ident!("{}{n}", if reads_args { "" } else { "_" });
        let ty = parse(ty).map_err(internal)?;
        params.push(quote!(#n: #ty));
    }
    let name = format_ident!("{}", hook.method);
    let ret = match hook.ret {
        Some(r) => {
            let r = parse(r).map_err(internal)?;
            quote!(-> #r)
        }
        None => quote!(),
    };
    let out_of_range = parse(hook.out_of_range()).map_err(internal)?;
    let body = if groups.is_empty() {
        if hook.ret.is_some() {
            out_of_range
        } else {
            quote!()
        }
    } else if hook.ret.is_none() && groups.len() == 1 {
        let (b, patterns) = &groups[0];
        let b = &b.tokens;
        if let [p] = &patterns[..] {
            quote! { if #index == #p { #b; } }
        } else {
            quote! { if matches!(#index, #(#patterns)|*) { #b; } }
        }
    } else {
        let arms = groups.iter().map(|(b, patterns)| {
            let b = &b.tokens;
            quote! { #(#patterns)|* => #b, }
        });
        quote! {
            match #index {
                #(#arms)*
                _ => #out_of_range,
            }
        }
    };
    // `#[inline]`: a caller in another crate (the runtime's generic
    // receive path, instantiated for this spec) may inline the `match`,
    // and with it the handlers the compiler sees.
    Ok(quote! {
        #[inline]
        fn #name(#index: u16, #(#params),*) #ret {
            #body
        }
    })
}

/// Text netgen writes itself (types, default calls and values from
/// [`vtable`]) as tokens; text that does not lex is a bug in `vtable.rs`.
fn parse(text: &str) -> Result<TokenStream, EmitError> {
    text.parse().map_err(|e| EmitError::internal("tables.rs", format!("`{text}` from vtable.rs is not Rust: {e}")))
}
