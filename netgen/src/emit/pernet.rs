//! `pernet.rs`: the spec's pernet operations, their per-namespace state, the
//! `PernetSpec` impl that dispatches to their functions, and the wrappers
//! that register them (and the initcall's protocol-table entries, see
//! `tables.rs`) after their initcall's `run`.
//!
//! Emitted whole through prettyplease: there are few operations, and their
//! `match` arms are laid out best by the formatter.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::initcalls::run_error;
use super::rust::{code_list, RustPath};
use super::{all, docs, Chunk, EmitError, Emitted};
use crate::ir::{Initcall, Ir, Pernet, PernetKind, SpecPath};

pub fn emit(ir: &Ir) -> Emitted {
    let registrars: Vec<&Initcall> = ir.initcalls.iter().filter(|c| c.has_wrapper()).collect();
    let (ops, runs) = match (all(ir.pernet.iter().map(|p| Op::new(ir, p))), all(registrars.iter().map(|c| run(c)))) {
        (Ok(ops), Ok(runs)) => (ops, runs),
        (ops, runs) => return Err(ops.err().into_iter().chain(runs.err()).flatten().collect()),
    };
    let stateful: Vec<&Op> = ops.iter().filter(|o| o.state.is_some()).collect();
    let imports = imports(ir);
    let op_enum = op_enum(&ir.pernet);
    let states = states_struct(&stateful);
    let descs = ir.pernet.iter().map(desc);
    let spec_impl = spec_impl(&ops);
    let state_impls = stateful.iter().map(|o| state_impl(o));
    let wrappers = registrars.iter().zip(runs).map(|(c, run)| wrapper(ir, c, run));
    // Like initcalls.rs: a requirement provided after the registrar's level
    // does not compile. An operation's requirements are checked at the level
    // of the initcall that registers it, since that is when its `init` runs.
    let proofs = ir.pernet.iter().filter(|p| !p.requires.is_empty()).filter_map(|p| proof(ir, p));
    Ok(vec![Chunk::Rust(quote! {
        #![doc = " The spec's pernet operations (Linux's `struct pernet_operations`), in"]
        #![doc = " registration order: by the boot order of the initcalls that register them,"]
        #![doc = " then in spec order."]
        #![doc = ""]
        #![doc = " [`Pernet`] is the spec's `pernet_list`: its `PernetSpec` impl dispatches on"]
        #![doc = " [`PernetOp`] to the functions the spec names, and each state type finds its"]
        #![doc = " slot in [`PernetStates`] through `PernetState`. An initcall that registers"]
        #![doc = " operations or protocol-table entries runs through a wrapper at the end of"]
        #![doc = " this file, which `initcalls.rs` names instead of its `run`."]
        #![allow(non_camel_case_types)]

        #imports

        #op_enum

        #states

        /// The spec's pernet operations, in registration order.
        pub const PERNET_OPS: &[PernetDesc<PernetOp>] = &[#(#descs),*];

        /// The spec's `pernet_list`: its operations and how to run them.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct Pernet;

        #spec_impl

        #(#state_impls)*

        #(#wrappers)*

        #(#proofs)*
    })])
}

/// A pernet operation with its paths parsed: its functions as absolute
/// paths, its state as an absolute type, so a crate named like a module of
/// `generated` cannot shadow them (as initcalls.rs does for `run`). `state`
/// is `Some` exactly when the operation has one.
struct Op<'a> {
    p: &'a Pernet,
    init: Option<TokenStream>,
    pre_exit: Option<TokenStream>,
    exit: Option<TokenStream>,
    exit_batch: Option<TokenStream>,
    state: Option<TokenStream>,
    /// The spec's `nf_hook`s it registers in each namespace after its
    /// `init` (and unregisters before its `exit`), as index paths.
    nf_hooks: Option<TokenStream>,
}

impl<'a> Op<'a> {
    /// The operation, or an error for each of its paths that is not a Rust path.
    fn new(ir: &Ir, p: &'a Pernet) -> Result<Op<'a>, Vec<EmitError>> {
        let mut errors = Vec::new();
        let mut path = |field: &str, text: &Option<SpecPath>, ty: bool| {
            let text = text.as_deref()?;
            match RustPath::parse(text) {
                Ok(path) => Some(if ty { path.absolute_type_tokens() } else { path.absolute_expr_tokens() }),
                Err(why) => {
                    errors.push(
                        EmitError::at(
                            &p.origin,
                            format!("the `{field}` of pernet operation `{}` is not a Rust path: `{text}`", p.name),
                            format!("this operation's `{field}` cannot be written as Rust"),
                        )
                        .with_note(why),
                    );
                    None
                }
            }
        };
        let op = Op {
            p,
            init: path("init", &p.init, false),
            pre_exit: path("pre_exit", &p.pre_exit, false),
            exit: path("exit", &p.exit, false),
            exit_batch: path("exit_batch", &p.exit_batch, false),
            state: path("state", &p.state, true),
            nf_hooks: nf_hooks(ir, p),
        };
        if errors.is_empty() {
            Ok(op)
        } else {
            Err(errors)
        }
    }
}

/// `&[super::tables::nf_hooks::UDP_FILTER, ..]`: the `nf_hook`s whose
/// `registered_by` names `p`, in spec order; `None` if it registers none.
fn nf_hooks(ir: &Ir, p: &Pernet) -> Option<TokenStream> {
    let hooks: Vec<Ident> = ir
        .tables
        .nf_hooks
        .iter()
        .filter(|h| h.registered_by == p.name)
        .map(|h| format_ident!("{}", h.name.to_uppercase()))
        .collect();
    (!hooks.is_empty()).then(|| quote! { &[#(super::tables::nf_hooks::#hooks),*] })
}

/// A registrar's `run`, as an absolute path.
fn run(c: &Initcall) -> Result<TokenStream, Vec<EmitError>> {
    RustPath::parse(&c.run).map(|p| p.absolute_expr_tokens()).map_err(|why| vec![run_error(c, why)])
}

/// Exactly the imports the file uses: it must compile without warnings for
/// any spec, including one without pernet operations.
fn imports(ir: &Ir) -> TokenStream {
    let ops = &ir.pernet;
    let stateful = ops.iter().any(|p| p.state.is_some());
    let proofs = ops.iter().any(|p| !p.requires.is_empty());
    let wrappers = ir.initcalls.iter().any(Initcall::has_wrapper);
    let mut init_items = vec![quote!(InitResult)];
    let mut netns_items = vec![quote!(Net), quote!(PernetDesc)];
    if !ops.is_empty() {
        init_items.push(quote!(Origin));
        netns_items.push(quote!(PernetKind));
        netns_items.push(quote!(PernetMethods));
    }
    netns_items.push(quote!(PernetSpec));
    if stateful {
        netns_items.push(quote!(PernetState));
    }
    let requires = proofs.then(|| quote! { use ::netgen_runtime::init::check::requires; });
    let init = use_item(quote!(::netgen_runtime::init), &init_items);
    let netns = use_item(quote!(::netgen_runtime::netns), &netns_items);
    let kernel = wrappers.then(|| {
        quote! {
            /// The kernel of this spec, which the initcall wrappers build.
            type Kernel = ::netgen_runtime::Kernel<Pernet>;
        }
    });
    let local = proofs.then(|| quote! { use super::{levels, resources}; });
    quote! { #requires #init #netns #kernel #local }
}

fn op_enum(ops: &[Pernet]) -> TokenStream {
    let variants = ops.iter().map(|p| {
        let docs = docs(&p.docs, &p.origin, &variant_doc(p));
        let v = op_ident(p);
        quote! { #docs #v }
    });
    quote! {
        /// The spec's pernet operations, in registration order.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum PernetOp {
            #(#variants),*
        }
    }
}

fn states_struct(stateful: &[&Op]) -> TokenStream {
    let fields = stateful.iter().map(|o| {
        let p = o.p;
        let extra = format!("The state of [`PernetOp::{}`], built by its `init`, dropped by `free`.", p.name);
        let docs = docs(&[], &p.origin, &extra);
        let field = op_ident(p);
        let ty = &o.state;
        quote! { #docs pub #field: Option<#ty> }
    });
    quote! {
        /// Per-namespace state of the spec's pernet operations: one field per
        /// operation that has a `state`, `None` until its `init` has run.
        #[derive(Default)]
        pub struct PernetStates {
            #(#fields),*
        }
    }
}

/// How a state type finds its slot in `PernetStates`.
fn state_impl(o: &Op) -> TokenStream {
    let ty = &o.state;
    let field = op_ident(o.p);
    // Not recommended: "`T` is not the per-namespace state of any `pernet`
    // operation" lists no states, whatever states the spec has.
    quote! {
        #[diagnostic::do_not_recommend]
        impl PernetState<Pernet> for #ty {
            fn slot(states: &PernetStates) -> &Option<Self> {
                &states.#field
            }
            fn slot_mut(states: &mut PernetStates) -> &mut Option<Self> {
                &mut states.#field
            }
        }
    }
}

fn use_item(base: TokenStream, items: &[TokenStream]) -> TokenStream {
    match items {
        [one] => quote! { use #base::#one; },
        _ => quote! { use #base::{#(#items),*}; },
    }
}

fn op_ident(p: &Pernet) -> Ident {
    format_ident!("{}", p.name)
}

fn kind_ident(kind: PernetKind) -> Ident {
    match kind {
        PernetKind::Subsys => format_ident!("Subsys"),
        PernetKind::Device => format_ident!("Device"),
    }
}

fn variant_doc(p: &Pernet) -> String {
    let mut extra = format!("`{}`, by initcall `{}`", p.kind.register_fn(), p.registered_by);
    if let Some(state) = &p.state {
        extra.push_str(&format!("; state `{}`", state.trim_start_matches("::")));
    }
    if !p.requires.is_empty() {
        extra.push_str(&format!("; requires {}", code_list(&p.requires)));
    }
    if !p.uses.is_empty() {
        extra.push_str(&format!("; uses {}", code_list(&p.uses)));
    }
    extra.push('.');
    extra
}

fn desc(p: &Pernet) -> TokenStream {
    let op = op_ident(p);
    let name = &p.name;
    let kind = kind_ident(p.kind);
    let registered_by = &p.registered_by;
    let uses = &p.uses;
    let state = match &p.state {
        Some(s) => {
            let s = s.trim_start_matches("::");
            quote!(Some(#s))
        }
        None => quote!(None),
    };
    let file = &p.origin.file;
    let line = proc_macro2::Literal::u32_unsuffixed(p.origin.line as u32);
    let column = proc_macro2::Literal::u32_unsuffixed(p.origin.column as u32);
    let [init, pre_exit, exit, exit_batch] =
        [&p.init, &p.pre_exit, &p.exit, &p.exit_batch].map(|m| if m.is_some() { quote!(true) } else { quote!(false) });
    quote! {
        PernetDesc {
            op: PernetOp::#op,
            name: #name,
            kind: PernetKind::#kind,
            registered_by: #registered_by,
            uses: &[#(#uses),*],
            state: #state,
            methods: PernetMethods { init: #init, pre_exit: #pre_exit, exit: #exit, exit_batch: #exit_batch },
            origin: Origin { file: #file, line: #line, column: #column },
        }
    }
}

/// The body of one hook and which of its arguments it reads.
struct Body {
    tokens: TokenStream,
    reads_op: bool,
    reads_net: bool,
}

impl Body {
    /// `match op {}`: the spec has no operations, so there is nothing to
    /// run (and `PernetOp` has no values).
    fn empty() -> Body {
        Body { tokens: quote! { match op {} }, reads_op: true, reads_net: false }
    }

    /// A body that ignores both arguments.
    fn constant(tokens: TokenStream) -> Body {
        Body { tokens, reads_op: false, reads_net: false }
    }

    /// A body that dispatches on `op` and passes the namespace on.
    fn dispatch(tokens: TokenStream) -> Body {
        Body { tokens, reads_op: true, reads_net: true }
    }
}

/// Dispatch of a hook that returns nothing: `arms` for the operations that
/// have it. Written the way clippy wants it: `match op {}` without
/// operations, `if op == ..` for one arm among several operations (a `match`
/// with a single arm and `_ => {}` is `clippy::single_match`), and no
/// unreachable `_` arm when every operation has the hook.
fn unit_dispatch(ops: &[Op], arms: Vec<(Ident, TokenStream)>) -> Body {
    if ops.is_empty() {
        return Body::empty();
    }
    if arms.is_empty() {
        return Body::constant(quote! {});
    }
    let tokens = if arms.len() == 1 && ops.len() > 1 {
        let (v, body) = &arms[0];
        quote! {
            if op == PernetOp::#v {
                #body;
            }
        }
    } else {
        let rest = (arms.len() < ops.len()).then(|| quote! { _ => {} });
        let arms = arms.iter().map(|(v, body)| quote! { PernetOp::#v => #body, });
        quote! {
            match op {
                #(#arms)*
                #rest
            }
        }
    };
    Body::dispatch(tokens)
}

/// `init`: each operation's `init`, storing the state it builds; `Ok(())`
/// for the operations without one, named so a reader sees which they are.
/// An operation that registers `nf_hook`s registers them after its `init`
/// (`nf_register_net_hooks` in a pernet `init`, as `iptable_filter_net_init`
/// does); if that fails, its `exit` undoes the `init` and its state is
/// freed, so nothing of it is left in the namespace.
fn init_body(ops: &[Op]) -> Body {
    if ops.is_empty() {
        return Body::empty();
    }
    if ops.iter().all(|o| o.init.is_none() && o.nf_hooks.is_none()) {
        return Body::constant(quote! { Ok(()) });
    }
    let arms = ops.iter().filter_map(|o| {
        let v = op_ident(o.p);
        if let Some(hooks) = &o.nf_hooks {
            let init = o.init.as_ref().map(|init| match o.state {
                Some(_) => quote! { net.states.#v = Some(#init(net)?); },
                None => quote! { #init(net)?; },
            });
            let exit = o.exit.as_ref().map(|exit| quote! { #exit(net); });
            let free = o.state.as_ref().map(|_| quote! { net.states.#v = None; });
            return Some(quote! {
                PernetOp::#v => {
                    #init
                    let registered = ::netgen_runtime::netfilter::nf_register_spec_hooks(net, #hooks);
                    if registered.is_err() {
                        #exit
                        #free
                    }
                    registered
                }
            });
        }
        let init = o.init.as_ref()?;
        Some(if o.state.is_some() {
            quote! {
                PernetOp::#v => {
                    let state = #init(net)?;
                    net.states.#v = Some(state);
                    Ok(())
                }
            }
        } else {
            quote! { PernetOp::#v => #init(net), }
        })
    });
    let without: Vec<Ident> =
        ops.iter().filter(|o| o.init.is_none() && o.nf_hooks.is_none()).map(|o| op_ident(o.p)).collect();
    let rest = (!without.is_empty()).then(|| quote! { #(PernetOp::#without)|* => Ok(()), });
    Body::dispatch(quote! { match op { #(#arms)* #rest } })
}

/// The arms of a hook `fn(arg)` for the operations that have it.
fn hook_arms<'a>(
    ops: &'a [Op],
    hook: impl Fn(&'a Op) -> Option<&'a TokenStream>,
    arg: &str,
) -> Vec<(Ident, TokenStream)> {
    let arg = format_ident!("{arg}");
    ops.iter()
        .filter_map(|o| {
            let f = hook(o)?;
            Some((op_ident(o.p), quote! { #f(#arg) }))
        })
        .collect()
}

/// The arms of `exit`: an operation that registered `nf_hook`s
/// unregisters them first (`nf_unregister_net_hooks`), then its `exit`.
fn exit_arms(ops: &[Op]) -> Vec<(Ident, TokenStream)> {
    ops.iter()
        .filter_map(|o| {
            let v = op_ident(o.p);
            match (&o.nf_hooks, &o.exit) {
                (None, None) => None,
                (None, Some(exit)) => Some((v, quote! { #exit(net) })),
                (Some(hooks), exit) => {
                    let exit = exit.as_ref().map(|exit| quote! { #exit(net); });
                    Some((v, quote! {{ ::netgen_runtime::netfilter::nf_unregister_spec_hooks(net, #hooks); #exit }}))
                }
            }
        })
        .collect()
}

/// One method of the `PernetSpec` impl; its parameters are `op` and `net`,
/// `_`-prefixed when the body ignores them.
fn method(name: &str, body: Body, net: &str, net_ty: &TokenStream, ret: TokenStream) -> TokenStream {
    let name = format_ident!("{name}");
    let op = if body.reads_op { format_ident!("op") } else { format_ident!("_op") };
    let net = if body.reads_net { format_ident!("{net}") } else { format_ident!("_{net}") };
    let tokens = body.tokens;
    quote! {
        fn #name(#op: PernetOp, #net: #net_ty) #ret {
            #tokens
        }
    }
}

fn spec_impl(ops: &[Op]) -> TokenStream {
    let net = quote!(&mut Net<Pernet>);
    let nets = quote!(&mut [&mut Net<Pernet>]);
    let frees = ops
        .iter()
        .filter(|o| o.state.is_some())
        .map(|o| {
            let v = op_ident(o.p);
            (v.clone(), quote! { net.states.#v = None })
        })
        .collect();
    let methods = [
        method("init", init_body(ops), "net", &net, quote!(-> InitResult)),
        method("pre_exit", unit_dispatch(ops, hook_arms(ops, |o| o.pre_exit.as_ref(), "net")), "net", &net, quote!()),
        method("exit", unit_dispatch(ops, exit_arms(ops)), "net", &net, quote!()),
        method(
            "exit_batch",
            unit_dispatch(ops, hook_arms(ops, |o| o.exit_batch.as_ref(), "nets")),
            "nets",
            &nets,
            quote!(),
        ),
        method("free", unit_dispatch(ops, frees), "net", &net, quote!()),
    ];
    quote! {
        impl PernetSpec for Pernet {
            type Op = PernetOp;
            type States = PernetStates;
            const OPS: &'static [PernetDesc<PernetOp>] = PERNET_OPS;
            #(#methods)*
        }
    }
}

/// The initcall function of a registrar: its `run`; then the protocol-table
/// entries it registers (`register_spec_entries`, which registers them in
/// Linux's `inet_init` order and undoes them if one fails); then
/// `register_pernet_subsys`/`register_pernet_device` of each operation it
/// registers, in registration order, unregistering its table entries if
/// that fails.
fn wrapper(ir: &Ir, c: &Initcall, run: TokenStream) -> TokenStream {
    let registered: Vec<&Pernet> = c.registers.iter().filter_map(|n| ir.pernet.iter().find(|p| p.name == *n)).collect();
    let run_text = c.run.trim_start_matches("::");
    let mut lines = vec![if c.table_entries.is_empty() {
        format!("Initcall `{}`: `{run_text}`, then the pernet operations it registers, in spec order:", c.name)
    } else {
        format!("Initcall `{}`: `{run_text}`, then what it registers:", c.name)
    }];
    lines.extend(
        c.table_entries
            .iter()
            .map(|e| e.call.clone())
            .chain(registered.iter().map(|p| format!("{}(&{})", p.kind.register_fn(), p.name)))
            .map(|call| format!("- `{call}`")),
    );
    if !c.table_entries.is_empty() {
        lines.push(String::new());
        lines.push(format!(
            "`register_spec_entries` registers the protocol-table entries in Linux's `inet_init` order (protos, \
             families, inet protocols, protosw entries, packet types){}",
            if registered.is_empty() {
                "."
            } else {
                ", then the pernet operations are registered in spec order; if one fails, the table entries are \
                 unregistered again."
            }
        ));
    }
    let docs = docs(&lines, &c.origin, "");
    let name = format_ident!("{}", c.name);
    let registrar = &c.name;
    let entries = format_ident!("{}", c.name.to_uppercase());
    let entries = quote!(&super::tables::registered_by::#entries);
    let ops = registered.iter().map(|p| op_ident(p));
    let register_ops = quote! { ::netgen_runtime::netns::register_spec_ops::<Pernet>(k, &ops) };
    let body = match (c.table_entries.is_empty(), registered.is_empty()) {
        (true, _) => quote! {
            let ops = [#(PernetOp::#ops),*];
            #register_ops
        },
        (false, true) => quote! {
            let entries = #entries;
            ::netgen_runtime::stack::register_spec_entries::<Pernet>(k, #registrar, entries)
        },
        (false, false) => quote! {
            let entries = #entries;
            ::netgen_runtime::stack::register_spec_entries::<Pernet>(k, #registrar, entries)?;
            let ops = [#(PernetOp::#ops),*];
            if let Err(e) = #register_ops {
                ::netgen_runtime::stack::unregister_spec_entries::<Pernet>(k, entries);
                return Err(e);
            }
            Ok(())
        },
    };
    quote! {
        #docs
        pub fn #name(k: &mut Kernel) -> InitResult {
            #run(k)?;
            #body
        }
    }
}

fn proof(ir: &Ir, p: &Pernet) -> Option<TokenStream> {
    let level = format_ident!("{}", ir.initcall(&p.registered_by)?.level);
    let name = &p.name;
    let reqs = p.requires.iter().map(|r| format_ident!("{}", r));
    Some(quote! {
        const _: () = {
            #(requires::<resources::#reqs, levels::#level>(#name);)*
        };
    })
}
