//! Parsing `requires = [..], provides = [..]` (and `level = ..`).

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{bracketed, Ident, Path, Token};

/// The parsed arguments of an initcall attribute.
#[derive(Default)]
pub struct Args {
    pub level: Option<Ident>,
    pub requires: Vec<Path>,
    pub provides: Vec<Path>,
}

enum Value {
    List(Vec<Path>),
    Name(Ident),
}

struct Arg {
    key: Ident,
    value: Value,
}

impl Parse for Arg {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let key: Ident = input.parse()?;
        input
            .parse::<Token![=]>()
            .map_err(|e| syn::Error::new(e.span(), format!("expected `=` after `{key}`, as in `{key} = [..]`")))?;
        let value = if input.peek(syn::token::Bracket) {
            let content;
            bracketed!(content in input);
            let list = Punctuated::<Path, Token![,]>::parse_terminated(&content)?;
            Value::List(list.into_iter().collect())
        } else {
            Value::Name(input.parse()?)
        };
        Ok(Arg { key, value })
    }
}

/// Parses the attribute's arguments. Every problem is reported, combined.
pub fn parse(tokens: proc_macro2::TokenStream, level_allowed: bool) -> syn::Result<Args> {
    let list = syn::parse::Parser::parse2(Punctuated::<Arg, Token![,]>::parse_terminated, tokens)?;
    let mut args = Args::default();
    let mut errors: Vec<syn::Error> = Vec::new();
    let mut push = |e: syn::Error| errors.push(e);
    let mut seen: Vec<String> = Vec::new();
    for arg in list {
        let key = arg.key.to_string();
        if seen.contains(&key) {
            push(syn::Error::new(arg.key.span(), format!("`{key}` is given twice")));
            continue;
        }
        seen.push(key.clone());
        match (key.as_str(), arg.value) {
            ("requires", Value::List(l)) => args.requires = l,
            ("provides", Value::List(l)) => args.provides = l,
            ("level", Value::Name(n)) if level_allowed => args.level = Some(n),
            ("requires" | "provides", Value::Name(n)) => {
                push(syn::Error::new(n.span(), format!("`{key}` takes a list of resources: `{key} = [{n}]`")))
            }
            ("level", _) if !level_allowed => push(syn::Error::new(
                arg.key.span(),
                "this attribute already names its level; use `#[initcall(level = ..)]` to choose one",
            )),
            ("level", Value::List(_)) => {
                push(syn::Error::new(arg.key.span(), "`level` takes one level name: `level = subsys`"))
            }
            _ => {
                let expected = if level_allowed {
                    "`level = ..`, `requires = [..]` or `provides = [..]`"
                } else {
                    "`requires = [..]` or `provides = [..]`"
                };
                push(syn::Error::new(arg.key.span(), format!("unknown argument `{key}`: expected {expected}")));
            }
        }
    }
    if level_allowed && args.level.is_none() && errors.is_empty() {
        errors.push(syn::Error::new(Span::call_site(), "`#[initcall]` needs a level: `#[initcall(level = subsys)]`"));
    }
    combine(errors).map(|()| args)
}

/// All of `errors` as one error (rustc shows each at its own span), or `Ok`
/// when there are none.
pub fn combine(errors: Vec<syn::Error>) -> syn::Result<()> {
    let mut errors = errors.into_iter();
    match errors.next() {
        Some(mut first) => {
            errors.for_each(|e| first.combine(e));
            Err(first)
        }
        None => Ok(()),
    }
}
