//! "did you mean" suggestions for misspelled names, with bounded work.
//!
//! A suggestion compares one unknown name with every candidate, so a spec
//! with many unknown names and many declarations asks for many
//! comparisons. Each comparison is cheap or skipped: a candidate whose
//! length rules it out is not compared, the edit distance is computed only
//! in the band the threshold allows and stops once every cell of a row
//! exceeds it, and a name longer than [`MAX_SUGGEST_NAME_LEN`] gets no
//! suggestion. And all of them together stop at a budget,
//! [`MAX_SUGGEST_WORK`] per analysis: past it, no more suggestions. The work is counted on the analysing
//! thread, so the same spec always gets the same suggestions.

use std::cell::Cell;

use crate::limits::{MAX_SUGGEST_NAME_LEN, MAX_SUGGEST_WORK};

thread_local! {
    /// The work spent since [`reset_work`].
    static SPENT: Cell<u64> = const { Cell::new(0) };
}

/// Starts a fresh budget: at the start of each analysis.
pub fn reset_work() {
    SPENT.set(0);
}

/// The work spent since [`reset_work`]: one unit per candidate looked at
/// and per edit-distance cell computed; at most `MAX_SUGGEST_WORK`.
pub fn work() -> u64 {
    SPENT.get()
}

/// The budget ran out.
struct Exhausted;

/// Spends `units` of work, or runs the budget out.
fn spend(units: usize) -> Result<(), Exhausted> {
    let after = SPENT.get().saturating_add(units as u64);
    if after > MAX_SUGGEST_WORK {
        SPENT.set(MAX_SUGGEST_WORK);
        return Err(Exhausted);
    }
    SPENT.set(after);
    Ok(())
}

/// The candidate closest to `name` by edit distance, if it is close enough
/// to be a plausible typo (at most half the name's length); of several as
/// close, the first in alphabetical order. `None` too when `name` is longer
/// than `MAX_SUGGEST_NAME_LEN` or the budget has run out.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let a: Vec<char> = name.chars().take(MAX_SUGGEST_NAME_LEN + 1).collect();
    if a.len() > MAX_SUGGEST_NAME_LEN {
        return None;
    }
    let limit = (a.len() / 2).max(1);
    let mut best: Option<(usize, &str)> = None;
    let mut scratch = Scratch::default();
    for c in candidates {
        spend(1).ok()?;
        // A character takes one to four bytes: bounds on `c`'s length in
        // characters before counting them.
        if c.len() + limit < a.len() || c.len() > 4 * (a.len() + limit) {
            continue;
        }
        // Only as close as the best so far can still win (on the name).
        let threshold = best.map_or(limit, |(d, _)| d);
        if let Some(d) = distance_within(&a, c, threshold, &mut scratch).ok()? {
            if best.is_none_or(|best| (d, c) < best) {
                best = Some((d, c));
            }
        }
    }
    best.map(|(_, c)| c)
}

/// Buffers [`distance_within`] reuses from one candidate to the next.
#[derive(Default)]
struct Scratch {
    b: Vec<char>,
    prev: Vec<usize>,
    cur: Vec<usize>,
}

/// The Levenshtein distance between `a` and `b` if it is at most `k`,
/// computing only the cells within `k` of the diagonal (a cell further out
/// is more than `k` already) and stopping at the first row whose every cell
/// is more than `k`.
fn distance_within(a: &[char], b: &str, k: usize, s: &mut Scratch) -> Result<Option<usize>, Exhausted> {
    const FAR: usize = usize::MAX / 2;
    s.b.clear();
    s.b.extend(b.chars());
    let (b, n, m) = (&s.b, a.len(), s.b.len());
    if n.abs_diff(m) > k {
        return Ok(None);
    }
    // Reading `b` and setting up the rows.
    spend(m + 1)?;
    // Row 0, then row i from row i - 1; a cell outside the band is FAR.
    let (prev, cur) = (&mut s.prev, &mut s.cur);
    prev.clear();
    prev.extend((0..=m).map(|j| if j <= k { j } else { FAR }));
    cur.clear();
    cur.resize(m + 1, FAR);
    for i in 1..=n {
        let lo = i.saturating_sub(k).max(1);
        let hi = (i + k).min(m);
        spend(hi + 1 - lo)?;
        cur[lo - 1] = if lo == 1 { i } else { FAR };
        let mut row_min = cur[lo - 1];
        for j in lo..=hi {
            let substitute = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            let v = substitute.min(prev[j] + 1).min(cur[j - 1] + 1);
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if hi < m {
            cur[hi + 1] = FAR;
        }
        // Every alignment crosses this row.
        if row_min > k {
            return Ok(None);
        }
        std::mem::swap(prev, cur);
    }
    Ok(Some(prev[m]).filter(|&d| d <= k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_only_near_misses() {
        reset_work();
        assert_eq!(closest("subsytem", ["subsys", "subsystem", "core"]), Some("subsystem"));
        assert_eq!(closest("xyz", ["subsys", "core"]), None);
        // Of two as close, the first alphabetically, in either order.
        assert_eq!(closest("cat", ["cut", "bat"]), Some("bat"));
        assert_eq!(closest("cat", ["bat", "cut"]), Some("bat"));
        assert_eq!(closest("x", ["", "ab", "y"]), Some(""));
    }

    /// The full table, for comparison.
    fn levenshtein(a: &[char], b: &[char]) -> usize {
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.iter().enumerate() {
            let mut cur = vec![i + 1];
            for (j, cb) in b.iter().enumerate() {
                cur.push((prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1));
            }
            prev = cur;
        }
        prev[b.len()]
    }

    #[test]
    fn the_banded_distance_is_the_distance_when_within_the_threshold() {
        reset_work();
        let words = ["", "a", "ab", "ba", "abc", "kitten", "sitting", "sock_init", "sk_init", "inet_init", "xxxxxxxx"];
        for a in words {
            for b in words {
                let d = levenshtein(&a.chars().collect::<Vec<_>>(), &b.chars().collect::<Vec<_>>());
                let a: Vec<char> = a.chars().collect();
                for k in 0..10 {
                    let within = distance_within(&a, b, k, &mut Scratch::default()).ok().expect("budget");
                    assert_eq!(within, (d <= k).then_some(d), "{a:?} {b:?} k={k}");
                }
            }
        }
    }

    #[test]
    fn names_past_the_length_limit_get_no_suggestion() {
        reset_work();
        let at = "a".repeat(MAX_SUGGEST_NAME_LEN);
        let near = format!("{}b", "a".repeat(MAX_SUGGEST_NAME_LEN - 1));
        assert_eq!(closest(&at, [near.as_str()]), Some(near.as_str()));
        let past = "a".repeat(MAX_SUGGEST_NAME_LEN + 1);
        assert_eq!(closest(&past, [near.as_str(), at.as_str()]), None);
    }

    #[test]
    fn the_work_stops_at_the_budget() {
        reset_work();
        let names: Vec<String> =
            (0..2_000).map(|i| format!("{i:04}{}", "x".repeat(MAX_SUGGEST_NAME_LEN - 4))).collect();
        let mut suggested = 0;
        for n in &names {
            suggested += usize::from(closest(n, names.iter().map(String::as_str)).is_some());
        }
        assert_eq!(work(), MAX_SUGGEST_WORK);
        assert!(suggested > 0 && suggested < names.len(), "{suggested}");
        // Spent: no more suggestions, however close.
        assert_eq!(closest("subsytem", ["subsystem"]), None);
        reset_work();
        assert_eq!(closest("subsytem", ["subsystem"]), Some("subsystem"));
    }
}
