//! The text templates' building blocks: doc lines, string literals and lines
//! prettyplease may break, each written exactly as prettyplease prints it.
//!
//! What prettyplease does with the few constructs the templates use, from its
//! source (0.2, `algorithm.rs` is Oppen's pretty printer):
//!
//! - A doc attribute whose value has no line break and does not start with
//!   `/` prints as `///` and the value, trailing spaces trimmed; the value is
//!   never escaped, and nothing breaks it.
//! - A string literal prints as its token, which is what
//!   `proc_macro2::Literal::string` makes (`escape_debug`, but `'` as is).
//! - A comma-separated list in a consistent box (array elements, generic
//!   arguments) stays on one line if the line's text, from its indentation
//!   up to the next place prettyplease could break, fits in
//!   `max(MARGIN - indent, MIN_SPACE)` bytes; otherwise it puts every
//!   element on a line of its own, one level deeper, each with a trailing
//!   comma, and checks each element's line the same way. The comma after a
//!   list's last element appears only when the list breaks, so it does not
//!   count; a `,` or `;` written after the list does.
//!
//! The test `emitted_text_items_are_what_prettyplease_prints` (tests/render.rs)
//! holds the templates to this, including lines around the margin.

/// prettyplease's `MARGIN`, `INDENT` and `MIN_SPACE`.
const MARGIN: usize = 89;
pub(crate) const INDENT: usize = 4;
const MIN_SPACE: usize = 60;

/// The bytes a line indented by `indent` may hold before prettyplease breaks it.
fn room(indent: usize) -> usize {
    MARGIN.saturating_sub(indent).max(MIN_SPACE)
}

/// `s` as a Rust string literal, as prettyplease prints it.
pub(crate) fn string_literal(s: &str) -> String {
    proc_macro2::Literal::string(s).to_string()
}

/// Writes doc attribute values as the `///` lines prettyplease prints for
/// them, at `indent`. A value prettyplease would print otherwise (one with a
/// line break, or starting with `/`) is an error: it cannot be a `///` line.
pub(crate) fn write_doc_lines(out: &mut String, indent: usize, values: &[String]) -> Result<(), String> {
    for v in values {
        if v.contains('\n') || v.starts_with('/') {
            return Err(format!("the doc line {v:?} cannot be written as a `///` comment"));
        }
        push_indent(out, indent);
        out.push_str("///");
        out.push_str(v.trim_end_matches(' '));
        out.push('\n');
    }
    Ok(())
}

fn push_indent(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// Text prettyplease may break in one place: `head`, then `list` (all on
/// this line, or one element per line), then `tail`.
#[derive(Debug)]
pub(crate) struct Breakable {
    pub head: String,
    pub list: Option<List>,
    pub tail: String,
}

/// A comma-separated list between `open` and `close`, in a consistent box.
#[derive(Debug)]
pub(crate) struct List {
    pub open: &'static str,
    pub items: Vec<Breakable>,
    pub close: &'static str,
}

impl Breakable {
    /// Text that never breaks.
    pub(crate) fn text(head: impl Into<String>) -> Breakable {
        Breakable { head: head.into(), list: None, tail: String::new() }
    }

    /// `head`, then `[items]`.
    pub(crate) fn array(head: impl Into<String>, items: Vec<Breakable>) -> Breakable {
        Breakable { head: head.into(), list: Some(List { open: "[", items, close: "]" }), tail: String::new() }
    }

    fn flat_len(&self) -> usize {
        let list = self.list.as_ref().map_or(0, |l| {
            let items: usize = l.items.iter().map(Breakable::flat_len).sum();
            l.open.len() + items + 2 * l.items.len().saturating_sub(1) + l.close.len()
        });
        self.head.len() + list + self.tail.len()
    }

    fn write_flat(&self, out: &mut String) {
        out.push_str(&self.head);
        if let Some(l) = &self.list {
            out.push_str(l.open);
            for (i, item) in l.items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                item.write_flat(out);
            }
            out.push_str(l.close);
        }
        out.push_str(&self.tail);
    }
}

/// Writes `b` and `suffix` as a line at `indent`, breaking its list if it
/// does not fit. `suffix_counts`: whether prettyplease counts `suffix` when
/// it decides (a `,` or `;` it writes does; the comma it adds after the last
/// element of a broken list does not).
pub(crate) fn write_line(out: &mut String, indent: usize, b: &Breakable, suffix: &str, suffix_counts: bool) {
    let counted = if suffix_counts { suffix.len() } else { 0 };
    push_indent(out, indent);
    match &b.list {
        Some(list) if !list.items.is_empty() && !fits(indent, b.flat_len() + counted) => {
            out.push_str(&b.head);
            out.push_str(list.open);
            out.push('\n');
            let last = list.items.len() - 1;
            for (i, item) in list.items.iter().enumerate() {
                write_line(out, indent + INDENT, item, ",", i != last);
            }
            push_indent(out, indent);
            out.push_str(list.close);
            out.push_str(&b.tail);
        }
        _ => b.write_flat(out),
    }
    out.push_str(suffix);
    out.push('\n');
}

/// Whether a line of `len` bytes at `indent` fits without breaking.
pub(crate) fn fits(indent: usize, len: usize) -> bool {
    len <= room(indent)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(n: usize, len: usize) -> Vec<Breakable> {
        (0..n).map(|i| Breakable::text(format!("\"{}\"", "x".repeat(len - 2 + i % 2)))).collect()
    }

    #[test]
    fn a_list_that_fits_stays_on_its_line() {
        let mut out = String::new();
        write_line(&mut out, 4, &Breakable::array("requires: &", strings(2, 5)), ",", true);
        assert_eq!(out, "    requires: &[\"xxx\", \"xxxx\"],\n");
    }

    #[test]
    fn a_list_that_does_not_fit_puts_each_element_on_its_own_line() {
        let mut out = String::new();
        write_line(&mut out, 4, &Breakable::array("requires: &", strings(8, 10)), ",", true);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 10, "{out}");
        assert_eq!(lines[0], "    requires: &[");
        assert!(lines[1..9].iter().all(|l| l.starts_with("        \"") && l.ends_with("\",")), "{out}");
        assert_eq!(lines[9], "    ],");
    }

    #[test]
    fn doc_lines_are_written_as_prettyplease_prints_them() {
        let mut out = String::new();
        let values = [" A \"quoted\" \\ line  ".to_string(), String::new()];
        write_doc_lines(&mut out, 0, &values).unwrap();
        assert_eq!(out, "/// A \"quoted\" \\ line\n///\n");
        assert!(write_doc_lines(&mut out, 0, &[" two\nlines".to_string()]).is_err());
    }
}
