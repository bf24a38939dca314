//! The expansion of an initcall attribute.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, Path, ReturnType};

use crate::args;

pub fn initcall(level: Option<&str>, attr: TokenStream, item: TokenStream) -> TokenStream {
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            let e = syn::Error::new(
                Span::call_site(),
                "an initcall attribute goes on a function: `fn my_init(k: &mut Kernel) -> InitResult`",
            );
            // Keep the item so the user sees only this error.
            return [e.to_compile_error(), item].into_iter().collect();
        }
    };
    let args = args::parse(attr, level.is_none());
    let sig = check_signature(&func);
    let (args, ()) = match (args, sig) {
        (Ok(a), Ok(())) => (a, ()),
        (Err(mut a), Err(s)) => {
            a.combine(s);
            return with_item(a, &func);
        }
        (Err(e), _) | (_, Err(e)) => return with_item(e, &func),
    };
    let level = match (&args.level, level) {
        (Some(l), _) => l.clone(),
        (None, Some(l)) => format_ident!("{}", l),
        (None, None) => unreachable!("args::parse requires a level for #[initcall]"),
    };
    expand(&func, &level, &args.requires, &args.provides)
}

fn with_item(e: syn::Error, func: &ItemFn) -> TokenStream {
    let err = e.to_compile_error();
    quote! { #err #func }
}

/// Checks what can be checked from the syntax, so the common mistakes get a
/// message that names them; the type check that follows catches the rest.
fn check_signature(f: &ItemFn) -> syn::Result<()> {
    let sig = &f.sig;
    let mut errors: Vec<syn::Error> = Vec::new();
    let expected = "an initcall has the signature `fn name(k: &mut Kernel) -> InitResult`";
    if let Some(a) = &sig.asyncness {
        errors.push(syn::Error::new(a.span(), format!("an initcall cannot be `async`: {expected}")));
    }
    if let Some(u) = &sig.unsafety {
        errors.push(syn::Error::new(u.span(), format!("an initcall cannot be `unsafe`: {expected}")));
    }
    if !sig.generics.params.is_empty() {
        errors.push(syn::Error::new(sig.generics.span(), format!("an initcall cannot be generic: {expected}")));
    }
    if let Some(v) = &sig.variadic {
        errors.push(syn::Error::new(v.span(), format!("an initcall cannot be variadic: {expected}")));
    }
    match sig.inputs.len() {
        1 => {
            if let Some(FnArg::Receiver(r)) = sig.inputs.first() {
                errors.push(syn::Error::new(
                    r.span(),
                    format!("an initcall is a free function, not a method: {expected}"),
                ));
            }
        }
        n => errors.push(syn::Error::new(
            if n == 0 { sig.paren_token.span.join() } else { sig.inputs.span() },
            format!("an initcall takes one argument, the kernel, but `{}` takes {n}: {expected}", sig.ident),
        )),
    }
    if let ReturnType::Default = sig.output {
        errors.push(syn::Error::new(
            sig.paren_token.span.close(),
            format!(
                "`{}` returns nothing, but an initcall returns `InitResult` (`Ok(())` or `Err(Errno::..)`): {expected}",
                sig.ident
            ),
        ));
    }
    args::combine(errors)
}

fn last_ident(p: &Path) -> String {
    p.segments.last().map(|s| s.ident.to_string()).unwrap_or_default()
}

fn expand(func: &ItemFn, level: &syn::Ident, requires: &[Path], provides: &[Path]) -> TokenStream {
    let krate = quote!(::netgen_generated);
    let private = quote!(#krate::__private);
    let name = &func.sig.ident;
    let name_str = name.to_string();
    let level_ty = quote_spanned!(level.span()=> #krate::levels::#level);
    let static_name = format_ident!("__NETGEN_INITCALL_{}", name_str.to_uppercase());

    // requires: each must be provided at this level or earlier. One `const`
    // per requirement whose value, the call, is spanned at the resource:
    // rustc reports a failed evaluation at the call, so the error points at
    // the resource, in the spec's words. (Not the `const` itself: rustc
    // would suggest a type parameter after a misspelt resource.)
    let checks = requires.iter().map(|r| {
        let check = quote_spanned! {r.span()=> ::netgen_generated::__private::requires::<#r, #level_ty>(#name_str) };
        quote! {
            #[doc(hidden)]
            const _: () = #check;
        }
    });
    // provides: a spec resource is refused with a message; any other type
    // becomes a resource of this level (see `__netgen_provide!`).
    let provide = provides.iter().map(|p| {
        let last = format_ident!("{}", last_ident(p), span = p.span());
        let res_name = last_ident(p);
        quote_spanned! {p.span()=>
            #krate::__netgen_provide!(#last; #p; #level_ty; #res_name; #name_str);
        }
    });
    let req_names = requires.iter().map(|r| quote_spanned!(r.span()=> <#r as #private::Resource>::NAME));
    let prov_names = provides.iter().map(last_ident);
    let sig_span = func.sig.span();
    let func_ref = quote_spanned!(sig_span=> #private::initcall_fn(#name));

    quote! {
        #func

        #[doc(hidden)]
        const _: () = #private::level::<#level_ty>();
        #(#checks)*

        #(#provide)*

        #[#private::linkme::distributed_slice(#private::INITCALLS)]
        #[linkme(crate = #private::linkme)]
        #[doc(hidden)]
        static #static_name: #private::InitcallDesc = #private::InitcallDesc {
            name: #name_str,
            level: <#level_ty as #private::Level>::NAME,
            requires: &[#(#req_names),*],
            provides: &[#(#prov_names),*],
            func: #func_ref,
            origin: #private::Origin { file: file!(), line: line!(), column: column!() },
        };
    }
}
