//! `kernel.rs`: the struct of the spec's kernel-wide states, one `Option`
//! field per `resource` that names a state type, and the impls that make
//! `Kernel::get::<T>()` a field access: `impl KernelSpec` (the struct, and
//! the executor's check that an initcall built what it declares) and one
//! `impl KernelState` per state type. Emitted whole through prettyplease.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::rust::RustPath;
use super::{docs, Chunk, EmitError, Emitted};
use crate::ir::{Ir, Resource};

pub fn emit(ir: &Ir) -> Emitted {
    let mut with_state: Vec<(&Resource, TokenStream)> = Vec::new();
    let mut errors = Vec::new();
    for r in &ir.resources {
        let Some(text) = r.state.as_deref() else { continue };
        match RustPath::parse(text) {
            Ok(path) => with_state.push((r, path.absolute_type_tokens())),
            Err(why) => errors.push(
                EmitError::at(
                    &r.origin,
                    format!("the state type of resource `{}` is not a Rust path: `{text}`", r.name),
                    "this resource's state type cannot be written as Rust",
                )
                .with_note(why),
            ),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let fields = with_state.iter().map(|(r, ty)| {
        let field = field(&r.name);
        let doc = format!(" `{}`: provided by `{}` at level `{}`.", r.name, r.provider, r.level);
        quote! {
            #[doc = #doc]
            pub #field: Option<#ty>,
        }
    });
    let provided = with_state.iter().map(|(r, _)| {
        let (name, field) = (&r.name, field(&r.name));
        quote! { #name => Some(states.#field.is_some()), }
    });
    let impls = with_state.iter().map(|(r, ty)| {
        let (name, field) = (&r.name, field(&r.name));
        let docs = docs(&r.docs, &r.origin, &format!("The state of resource `{name}`."));
        // Not recommended: "`T` is not the state of any `resource`" lists
        // no states, so it reads the same whatever states the spec has.
        quote! {
            #docs
            #[diagnostic::do_not_recommend]
            impl KernelState<Pernet> for #ty {
                #[inline(always)]
                fn slot(states: &KernelStates) -> &Option<Self> {
                    &states.#field
                }
                #[inline(always)]
                fn slot_mut(states: &mut KernelStates) -> &mut Option<Self> {
                    &mut states.#field
                }
            }
        }
    });
    let states_arg = if with_state.is_empty() { quote!(_states) } else { quote!(states) };
    Ok(vec![Chunk::Rust(quote! {
        #![doc = " The kernel-wide state of every spec `resource` that names a state type,"]
        #![doc = " as one struct: `Kernel<Pernet>` holds a `KernelStates`, and"]
        #![doc = " `k.get::<T>()` is a field access. A type no resource names is not a"]
        #![doc = " `KernelState` and does not compile."]

        use ::netgen_runtime::kernel::{KernelSpec, KernelState};

        use super::pernet::Pernet;

        /// One field per spec resource with a state, `None` until its provider
        /// has run.
        #[derive(Default)]
        pub struct KernelStates {
            #(#fields)*
        }

        impl KernelSpec for Pernet {
            type States = KernelStates;

            fn provided(#states_arg: &KernelStates, resource: &str) -> Option<bool> {
                match resource {
                    #(#provided)*
                    _ => None,
                }
            }
        }

        #(#impls)*
    })])
}

/// `SockRegistry` -> `sock_registry`.
fn field(resource: &str) -> proc_macro2::Ident {
    let mut out = String::new();
    for (i, c) in resource.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    format_ident!("{out}")
}
