//! The boot order of the spec's initcalls, and dependency cycles.
//!
//! Levels run in declaration order. Within a level: Kahn's algorithm, always
//! taking the ready initcall declared first (a min-heap), so the order is
//! deterministic and follows the spec where the dependencies allow. A cycle
//! is an error that prints the cycle.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::decls::Decls;
use super::deps::Graph;
use crate::diag::Diagnostic;

/// Same-level predecessors (providers) of initcall `i`, with the span of the
/// requirement that creates each edge.
fn preds(d: &Decls, g: &Graph, i: usize) -> Vec<(usize, crate::source::Span)> {
    let c = &d.initcalls[i];
    c.requires
        .iter()
        .filter_map(|r| g.provider.get(r.name.as_str()).map(|&p| (p, r.span)))
        .filter(|&(p, _)| d.initcalls[p].level_index == c.level_index)
        .collect()
}

/// Indices of `d.initcalls` in boot order. Initcalls in a cycle are left
/// out (and reported).
pub fn boot_order(d: &Decls, g: &Graph, diags: &mut Vec<Diagnostic>) -> Vec<usize> {
    let n = d.initcalls.len();
    let mut indegree = vec![0usize; n];
    let mut succs: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, deg) in indegree.iter_mut().enumerate() {
        for (p, _) in preds(d, g, i) {
            *deg += 1;
            succs[p].push(i);
        }
    }
    let mut order = Vec::with_capacity(n);
    for level in 0..d.levels.len() {
        let members: Vec<usize> = (0..n).filter(|&i| d.initcalls[i].level_index == Some(level)).collect();
        let mut ready: BinaryHeap<Reverse<usize>> =
            members.iter().filter(|&&i| indegree[i] == 0).map(|&i| Reverse(i)).collect();
        let mut placed = 0;
        while let Some(Reverse(i)) = ready.pop() {
            order.push(i);
            placed += 1;
            for &s in &succs[i] {
                indegree[s] -= 1;
                if indegree[s] == 0 {
                    ready.push(Reverse(s));
                }
            }
        }
        if placed < members.len() {
            report_cycles(d, g, &members, &indegree, diags);
        }
    }
    order
}

/// Reports each cycle among the members Kahn's algorithm could not place.
fn report_cycles(d: &Decls, g: &Graph, members: &[usize], indegree: &[usize], diags: &mut Vec<Diagnostic>) {
    let mut stuck: Vec<bool> = vec![false; d.initcalls.len()];
    for &i in members {
        stuck[i] = indegree[i] > 0;
    }
    let mut reported = vec![false; d.initcalls.len()];
    for &start in members {
        if !stuck[start] || reported[start] {
            continue;
        }
        // Walk stuck predecessors until a node repeats; the tail is a cycle.
        let mut path: Vec<(usize, Option<crate::source::Span>)> = vec![(start, None)];
        let cycle = loop {
            let last = path.last().map_or(start, |p| p.0);
            let Some((next, span)) = preds(d, g, last).into_iter().find(|&(p, _)| stuck[p]) else {
                break None;
            };
            if let Some(p) = path.last_mut() {
                p.1 = Some(span);
            }
            if let Some(pos) = path.iter().position(|p| p.0 == next) {
                break Some(path[pos..].to_vec());
            }
            path.push((next, None));
        };
        let Some(cycle) = cycle else { continue };
        if cycle.iter().any(|&(i, _)| reported[i]) {
            continue;
        }
        // The walk went requirer -> provider; print provider -> requirer,
        // starting from the initcall declared first.
        let mut cycle: Vec<_> = cycle.into_iter().rev().collect();
        let start = cycle.iter().enumerate().min_by_key(|(_, c)| c.0).map_or(0, |(k, _)| k);
        cycle.rotate_left(start);
        let mut names: Vec<&str> = cycle.iter().map(|&(i, _)| d.initcalls[i].name.name.as_str()).collect();
        names.push(names[0]);
        let first = cycle[0].0;
        let mut diag = Diagnostic::error(
            format!("dependency cycle: {}", names.join(" -> ")),
            d.initcalls[first].name.span,
            format!("`{}` is part of the cycle", d.initcalls[first].name.name),
        );
        for &(i, span) in &cycle {
            reported[i] = true;
            if let Some(span) = span {
                let c = &d.initcalls[i];
                let provider =
                    d.initcalls[preds(d, g, i).iter().find(|(_, s)| *s == span).map_or(i, |p| p.0)].name.name.clone();
                diag = diag.with_label(span, format!("`{}` requires this, from `{provider}`", c.name.name));
            }
        }
        diags.push(diag.with_note(format!(
            "initcalls at one level run in dependency order; these {} wait on each other, so none can run first",
            cycle.len()
        )));
    }
}
