//! Pernet operations (Linux's `struct pernet_operations`): who registers
//! them, what their `init` needs, and their registration order.
//!
//! An initcall registers its operations after its `run` returns, in spec
//! order; registering one runs its `init` for every namespace that exists
//! (at boot, `init_net`). A namespace created later runs every subsys
//! operation, in registration order, then every device operation (Linux's
//! `first_device` splits `pernet_list`). So an operation's requirements must
//! exist when its registrar has run, and the state it `uses` must come from an
//! operation registered before it and not placed after it in `pernet_list`.

use std::collections::HashMap;

use super::decls::{Decls, PernetDecl};
use super::deps::Graph;
use super::suggest::closest;
use crate::diag::Diagnostic;
use crate::ir::PernetKind;

/// Checks every pernet operation and returns `(operation, registrar)` index
/// pairs (into `Decls::pernet` and `Decls::initcalls`) in registration order.
/// Operations whose registrar is unknown or not in `boot_order` are left out
/// (they are reported, or their registrar is).
pub fn check(d: &Decls, g: &Graph, boot_order: &[usize], diags: &mut Vec<Diagnostic>) -> Vec<(usize, usize)> {
    let mut boot_pos = vec![None; d.initcalls.len()];
    for (pos, &i) in boot_order.iter().enumerate() {
        boot_pos[i] = Some(pos);
    }
    let initcall: HashMap<&str, usize> =
        d.initcalls.iter().enumerate().map(|(i, c)| (c.name.name.as_str(), i)).collect();
    let registrar: Vec<Option<usize>> = d.pernet.iter().map(|op| registrar(d, &initcall, op, diags)).collect();
    let ctx = Ctx { d, boot_pos, registrar };
    states(d, diags);
    for i in 0..d.pernet.len() {
        ctx.requires(g, i, diags);
        ctx.uses(i, diags);
    }

    let mut order: Vec<(usize, usize)> = (0..d.pernet.len()).filter_map(|i| Some((i, ctx.registrar[i]?))).collect();
    order.retain(|&(i, _)| ctx.position(i).is_some());
    order.sort_by_key(|&(i, _)| ctx.position(i));
    order
}

/// A `state` needs an `init` to build it, and a type of its own.
fn states(d: &Decls, diags: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, op) in d.pernet.iter().enumerate() {
        let Some((state, span)) = &op.state else {
            continue;
        };
        if op.init.is_none() {
            diags.push(
                Diagnostic::error(
                    format!("pernet operation `{}` has a `state` but no `init`", op.name.name),
                    *span,
                    "nothing builds this state",
                )
                .with_note(format!(
                    "`init` builds the state: add `init: path::to::fn;`, a `fn(&mut Net<S>) -> Result<{}, Errno>`",
                    last_segment(state)
                )),
            );
        }
        // Spaces in generic arguments do not make another type.
        let key: String = state.chars().filter(|c| !c.is_whitespace()).collect();
        if let Some(&first) = seen.get(&key) {
            let other = &d.pernet[first];
            let first_span = other.state.as_ref().map_or(other.name.span, |s| s.1);
            diags.push(
                Diagnostic::error(
                    format!("pernet operations `{}` and `{}` have the same state type `{key}`", other.name.name, op.name.name),
                    *span,
                    format!("state of `{}`", op.name.name),
                )
                .with_label(first_span, format!("also the state of `{}`", other.name.name))
                .with_note("a namespace's state is looked up by its type (`PernetState`), so each operation needs a type of its own"),
            );
        } else {
            seen.insert(key, i);
        }
    }
}

fn registrar(
    d: &Decls,
    initcall: &HashMap<&str, usize>,
    op: &PernetDecl,
    diags: &mut Vec<Diagnostic>,
) -> Option<usize> {
    let by = op.registered_by.as_ref()?;
    if let Some(&i) = initcall.get(by.name.as_str()) {
        return Some(i);
    }
    let mut diag =
        Diagnostic::error(format!("unknown initcall `{}`", by.name), by.span, "not declared with `initcall`")
            .with_note(format!("`registered_by` names the initcall whose `run` registers `{}`", op.name.name))
            .assuming_absent(&by.name);
    if let Some(s) = closest(&by.name, d.initcalls.iter().map(|c| c.name.name.as_str())) {
        diag = diag.with_note(format!("did you mean `{s}`?"));
    }
    diags.push(diag);
    None
}

/// `a::b::NetdevNet` -> `NetdevNet`, for messages.
fn last_segment(path: &str) -> &str {
    let plain = path.split("::<").next().unwrap_or(path);
    plain.rsplit("::").next().unwrap_or(plain)
}

struct Ctx<'a> {
    d: &'a Decls,
    /// Position of each initcall in the boot order.
    boot_pos: Vec<Option<usize>>,
    /// Index of each operation's registrar in `Decls::initcalls`.
    registrar: Vec<Option<usize>>,
}

impl Ctx<'_> {
    /// Where operation `i` is registered: its registrar's place in the boot
    /// order, then its place in the spec.
    fn position(&self, i: usize) -> Option<(usize, usize)> {
        Some((self.boot_pos[self.registrar[i]?]?, i))
    }

    /// Each resource `init` needs exists once the registrar has run: it is
    /// provided at an earlier level, or earlier at the same level, or by the
    /// registrar itself.
    fn requires(&self, g: &Graph, i: usize, diags: &mut Vec<Diagnostic>) {
        let d = self.d;
        let op = &d.pernet[i];
        for r in &op.requires {
            let Some(&p) = g.provider.get(r.name.as_str()) else {
                diags.push(
                    Diagnostic::error(
                        format!(
                            "`{}` is required by pernet operation `{}` but no initcall provides it",
                            r.name, op.name.name
                        ),
                        r.span,
                        "never provided",
                    )
                    .with_note(format!("add `{}` to the `provides` of the initcall that creates it", r.name))
                    .assuming_absent(&r.name),
                );
                continue;
            };
            let Some(reg) = self.registrar[i] else {
                continue;
            };
            if p == reg {
                continue;
            }
            let (pc, rc) = (&d.initcalls[p], &d.initcalls[reg]);
            let (Some(theirs), Some(mine)) = (pc.level_index, rc.level_index) else {
                continue;
            };
            let provided_at = pc.provides_span(&r.name);
            if theirs > mine {
                diags.push(
                    Diagnostic::error(
                        format!(
                            "`{}` is provided at level `{}` but pernet operation `{}` is registered by `{}` at `{}`",
                            r.name, pc.level.name, op.name.name, rc.name.name, rc.level.name
                        ),
                        r.span,
                        format!("required here, at level `{}`", rc.level.name),
                    )
                    .with_label(
                        provided_at,
                        format!("provided here by `{}`, at level `{}`", pc.name.name, pc.level.name),
                    )
                    .with_note(format!(
                        "`{}` registers `{}` and so runs its `init` for `init_net` at level `{}`; register it from an \
                         initcall at level `{}` or later, or provide `{}` earlier",
                        rc.name.name, op.name.name, rc.level.name, pc.level.name, r.name
                    )),
                );
            } else if theirs == mine {
                let (Some(pp), Some(rp)) = (self.boot_pos[p], self.boot_pos[reg]) else {
                    continue;
                };
                if pp > rp {
                    diags.push(
                        Diagnostic::error(
                            format!(
                                "`{}` is provided by `{}` after `{}` registers pernet operation `{}`",
                                r.name, pc.name.name, rc.name.name, op.name.name
                            ),
                            r.span,
                            format!("required here, by the time `{}` has run", rc.name.name),
                        )
                        .with_label(
                            provided_at,
                            format!("provided here by `{}`, which runs after `{}` at level `{}`", pc.name.name, rc.name.name, pc.level.name),
                        )
                        .with_note(format!(
                            "initcalls of one level run in dependency order; make `{}` require `{}` so it runs after `{}`, \
                             or register `{}` from a later initcall",
                            rc.name.name, r.name, pc.name.name, op.name.name
                        )),
                    );
                }
            }
        }
    }

    /// Each operation in `uses` is initialized before this one in every
    /// namespace: registered before it (so `init_net`, where registering runs
    /// `init`, has its state), and not a device operation used by a subsys
    /// one (so a new namespace, which runs subsys operations first, has it).
    fn uses(&self, i: usize, diags: &mut Vec<Diagnostic>) {
        let d = self.d;
        let op = &d.pernet[i];
        for u in &op.uses {
            if u.name == op.name.name {
                diags.push(
                    Diagnostic::error(format!("pernet operation `{}` uses itself", op.name.name), u.span, "its own state")
                        .with_note("its state does not exist until its own `init` returns; `uses` lists the operations whose state `init` reads"),
                );
                continue;
            }
            let Some(j) = d.pernet.iter().position(|o| o.name.name == u.name) else {
                let mut diag = Diagnostic::error(
                    format!("unknown pernet operation `{}`", u.name),
                    u.span,
                    "not declared with `pernet`",
                )
                .assuming_absent(&u.name);
                if let Some(s) = closest(&u.name, d.pernet.iter().map(|o| o.name.name.as_str())) {
                    diag = diag.with_note(format!("did you mean `{s}`?"));
                }
                diags.push(diag);
                continue;
            };
            let used = &d.pernet[j];
            if let (Some((PernetKind::Subsys, _)), Some((PernetKind::Device, kind_span))) = (op.kind, used.kind) {
                diags.push(
                    Diagnostic::error(
                        format!("subsys pernet operation `{}` uses device pernet operation `{}`", op.name.name, u.name),
                        u.span,
                        format!("the state of `{}` never exists when `{}`'s `init` runs", u.name, op.name.name),
                    )
                    .with_label(kind_span, format!("`{}` is a device operation", u.name))
                    .with_note(
                        "in every namespace the subsys operations run before every device operation \
                         (Linux's `first_device` splits `pernet_list`)",
                    )
                    .with_note(format!("make `{}` a `device` operation, or `{}` a `subsys` one", op.name.name, u.name)),
                );
                continue;
            }
            let (Some(mine), Some(theirs)) = (self.position(i), self.position(j)) else {
                continue;
            };
            if theirs < mine {
                continue;
            }
            let (Some(ri), Some(rj)) = (self.registrar[i], self.registrar[j]) else {
                continue;
            };
            let (rc, uc) = (&d.initcalls[ri], &d.initcalls[rj]);
            let label_span = used.registered_by.as_ref().map_or(used.name.span, |r| r.span);
            let (label, note) = if mine.0 == theirs.0 {
                (
                    format!("`{}` is declared after `{}`, and `{}` registers both", u.name, op.name.name, rc.name.name),
                    format!(
                        "an initcall registers its pernet operations in spec order, and registering `{}` runs its `init` \
                         for `init_net` at once; declare `{}` before `{}`",
                        op.name.name, u.name, op.name.name
                    ),
                )
            } else {
                (
                    format!("`{}` is registered by `{}` (at level `{}`), which runs after `{}`", u.name, uc.name.name, uc.level.name, rc.name.name),
                    format!(
                        "registering `{}` runs its `init` for `init_net` when `{}` (at level `{}`) has run, before `{}` exists; \
                         register `{}` from an earlier initcall, or `{}` from a later one",
                        op.name.name, rc.name.name, rc.level.name, u.name, u.name, op.name.name
                    ),
                )
            };
            diags.push(
                Diagnostic::error(
                    format!("pernet operation `{}` uses `{}`, which is registered after it", op.name.name, u.name),
                    u.span,
                    format!("`{}` is not registered yet when `{}` is", u.name, op.name.name),
                )
                .with_label(label_span, label)
                .with_note(note),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn last_segment_drops_the_path_and_generics() {
        assert_eq!(super::last_segment("netgen_runtime::dev::NetdevNet"), "NetdevNet");
        assert_eq!(super::last_segment("a::Table::<b::C>"), "Table");
    }
}
