//! `netgen doc`: a reference of a checked spec, as Markdown or as one
//! self-contained HTML page — levels in boot order with their initcalls,
//! resources with their provider and requirers, pernet operations in
//! `pernet_list` order, every protocol table with its entries, and each
//! vtable entry's methods with the defaults it falls back to.
//!
//! [`model`] builds what the page says from the IR; the tera templates in
//! `netgen/templates/` (compiled into the binary) only lay it out.

pub mod model;

use std::collections::HashMap;
use std::fmt;

use pulldown_cmark::{Event, Options, Parser};
use tera::{Context, Tera, Value};

use crate::ir::Ir;
pub use model::SpecDoc;

/// The output format of `netgen doc`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Markdown,
    /// One page: inline CSS, no script, nothing loaded from elsewhere.
    Html,
}

impl Format {
    pub const ALL: [Format; 2] = [Format::Markdown, Format::Html];

    /// The `--format` value and the usual file extension.
    pub fn name(self) -> &'static str {
        match self {
            Format::Markdown => "md",
            Format::Html => "html",
        }
    }

    /// The template that lays the page out. Its name's extension is what
    /// turns tera's HTML escaping on (`.html`) or off.
    fn template(self) -> &'static str {
        match self {
            Format::Markdown => "doc.md",
            Format::Html => "doc.html",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        Format::ALL.into_iter().find(|f| f.name() == s).ok_or_else(|| {
            let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
            format!("unknown format `{s}`: expected one of {}", names.join(", "))
        })
    }
}

/// The templates, compiled in so the binary needs no files next to it.
const TEMPLATES: [(&str, &str); 3] = [
    ("macros.html", include_str!("../../templates/macros.html")),
    ("doc.html", include_str!("../../templates/doc.html")),
    ("doc.md", include_str!("../../templates/doc.md")),
];

/// A template that did not parse or render: a bug in netgen, not in the
/// spec, reported with tera's whole chain of causes.
#[derive(Debug)]
pub struct DocError(String);

impl fmt::Display for DocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "internal error: cannot render the spec reference: {}", self.0)
    }
}

impl std::error::Error for DocError {}

impl From<tera::Error> for DocError {
    fn from(e: tera::Error) -> DocError {
        let mut text = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            text.push_str(": ");
            text.push_str(&s.to_string());
            source = s.source();
        }
        DocError(text)
    }
}

/// The reference of `ir` in `format`.
pub fn render(ir: &Ir, format: Format) -> Result<String, DocError> {
    let mut tera = Tera::default();
    tera.add_raw_templates(TEMPLATES)?;
    tera.register_filter("markdown", markdown_filter);
    tera.register_filter("md_cell", md_cell_filter);
    tera.register_filter("wbr", wbr_filter);
    let context = Context::from_serialize(SpecDoc::new(ir))?;
    Ok(tera.render(format.template(), &context)?)
}

/// Doc comment Markdown as HTML. Raw HTML in a doc comment is shown as
/// text: the page's markup is the template's alone.
pub fn markdown_to_html(text: &str) -> String {
    let events = Parser::new_ext(text, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH).map(|e| match e {
        Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
        e => e,
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

/// Text for one Markdown table cell: one line (a cell cannot hold a line
/// break), and `|` escaped, which GFM requires even inside code spans.
pub fn markdown_cell(text: &str) -> String {
    text.lines().filter(|l| !l.trim().is_empty()).collect::<Vec<_>>().join(" ").replace('|', "\\|")
}

/// A Rust path as HTML that may wrap after each `::` (and nowhere else):
/// escaped, with `<wbr>` after every `::`.
pub fn path_html(path: &str) -> String {
    tera::escape_html(path).replace("::", "::<wbr>")
}

fn string_arg(value: &Value, filter: &str) -> tera::Result<String> {
    value
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| tera::Error::msg(format!("`{filter}` takes a string, not {value}")))
}

fn markdown_filter(value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
    Ok(Value::String(markdown_to_html(&string_arg(value, "markdown")?)))
}

fn wbr_filter(value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
    Ok(Value::String(path_html(&string_arg(value, "wbr")?)))
}

fn md_cell_filter(value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
    Ok(Value::String(markdown_cell(&string_arg(value, "md_cell")?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_doc_comment_cannot_add_markup_to_the_page() {
        assert_eq!(markdown_to_html("`a` <b>x</b>"), "<p><code>a</code> &lt;b&gt;x&lt;/b&gt;</p>\n");
    }

    #[test]
    fn a_markdown_cell_is_one_line_with_pipes_escaped() {
        assert_eq!(markdown_cell("a\nb | c\n\nd"), "a b \\| c d");
        assert_eq!(markdown_cell(" (17)"), " (17)", "spaces between spans stay");
    }

    #[test]
    fn a_path_wraps_only_after_its_separators_and_is_escaped() {
        assert_eq!(path_html("a::B::<C>"), "a::<wbr>B::<wbr>&lt;C&gt;");
    }

    #[test]
    fn every_format_parses_back_from_its_name() {
        for f in Format::ALL {
            assert_eq!(f.name().parse::<Format>(), Ok(f));
        }
        assert!("pdf".parse::<Format>().unwrap_err().contains("md, html"));
    }
}
