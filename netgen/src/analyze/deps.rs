//! Checks requires/provides: each resource provided once, each requirement
//! provided, and never by an initcall of a later level.

use std::collections::HashMap;

use super::decls::Decls;
use crate::diag::Diagnostic;

/// Who provides what.
pub struct Graph<'a> {
    /// resource name -> index of its provider in `Decls::initcalls`
    pub provider: HashMap<&'a str, usize>,
}

pub fn check<'a>(d: &'a Decls, diags: &mut Vec<Diagnostic>) -> Graph<'a> {
    let mut provider: HashMap<&str, usize> = HashMap::new();
    for (i, c) in d.initcalls.iter().enumerate() {
        for p in &c.provides {
            if let Some(&first) = provider.get(p.name.as_str()) {
                let f = &d.initcalls[first];
                let first_span = f.provides_span(&p.name);
                diags.push(
                    Diagnostic::error(
                        format!("resource `{}` is provided twice", p.name),
                        p.span,
                        format!("provided again by `{}`", c.name.name),
                    )
                    .with_label(first_span, format!("first provided by `{}`", f.name.name))
                    .with_note("a resource has exactly one provider; give the second one a resource of its own"),
                );
            } else {
                provider.insert(&p.name, i);
            }
        }
    }
    for c in &d.initcalls {
        for r in &c.requires {
            let Some(&p) = provider.get(r.name.as_str()) else {
                diags.push(
                    Diagnostic::error(
                        format!("`{}` is required by `{}` but no initcall provides it", r.name, c.name.name),
                        r.span,
                        "never provided",
                    )
                    .with_note(format!("add `{}` to the `provides` of the initcall that creates it", r.name))
                    .assuming_absent(&r.name),
                );
                continue;
            };
            let pc = &d.initcalls[p];
            if let (Some(mine), Some(theirs)) = (c.level_index, pc.level_index) {
                if theirs > mine {
                    let provided_at = pc.provides_span(&r.name);
                    diags.push(
                        Diagnostic::error(
                            format!(
                                "`{}` is provided at level `{}` but `{}` runs at `{}`",
                                r.name, pc.level.name, c.name.name, c.level.name
                            ),
                            r.span,
                            format!("required here, at level `{}`", c.level.name),
                        )
                        .with_label(
                            provided_at,
                            format!("provided here by `{}`, at level `{}`", pc.name.name, pc.level.name),
                        )
                        .with_note(format!(
                            "move `{}` to level `{}` or later, or provide `{}` earlier",
                            c.name.name, pc.level.name, r.name
                        )),
                    );
                }
            }
        }
    }
    for r in &d.resources {
        if !provider.contains_key(r.name.name.as_str()) {
            let required = d.initcalls.iter().any(|c| c.requires.iter().any(|q| q.name == r.name.name));
            if !required {
                diags.push(
                    Diagnostic::warning(
                        format!("resource `{}` is never provided", r.name.name),
                        r.name.span,
                        "declared but no initcall provides it",
                    )
                    .assuming_absent(&r.name.name),
                );
            }
        }
    }
    Graph { provider }
}
