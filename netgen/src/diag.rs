//! Diagnostics: every problem in a spec, with the spans it concerns, rendered
//! the way rustc renders errors (`file:line:column`, the source line, carets).

use crate::limits::MAX_SHOWN_DIAGNOSTICS;
use crate::source::{SourceMap, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// A labelled span: the primary label gets `^^^`, secondary ones `---`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub text: String,
}

/// One problem found in a spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    pub primary: Label,
    pub secondary: Vec<Label>,
    pub notes: Vec<String>,
    /// Names this diagnostic holds to be declared nowhere: the unknown
    /// level, the resource no initcall provides. If text that did not parse
    /// mentions one, the diagnostic may be a mere consequence of that syntax
    /// error, and [`crate::compile`] drops it.
    pub assumes_absent: Vec<String>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>, span: Span, label: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            primary: Label { span, text: label.into() },
            secondary: Vec::new(),
            notes: Vec::new(),
            assumes_absent: Vec::new(),
        }
    }

    pub fn warning(message: impl Into<String>, span: Span, label: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(message, span, label) }
    }

    /// Adds a secondary label (`---`), e.g. where something was first defined.
    pub fn with_label(mut self, span: Span, text: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label { span, text: text.into() });
        self
    }

    /// Adds a `= note:` line.
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// Records that this diagnostic holds `name` to be declared nowhere
    /// (see [`Diagnostic::assumes_absent`]).
    pub fn assuming_absent(mut self, name: impl Into<String>) -> Diagnostic {
        self.assumes_absent.push(name.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders the diagnostic as plain text (no colour), e.g.
    ///
    /// ```text
    /// error: unknown level `subsytem`
    ///   --> spec/initcalls.ng:4:22
    ///    |
    ///  4 | initcall proto_init @ subsytem {
    ///    |                       ^^^^^^^^ not declared in `levels { .. }`
    /// ```
    pub fn render(&self, sources: &SourceMap) -> String {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let labels: Vec<(&Label, char)> =
            std::iter::once((&self.primary, '^')).chain(self.secondary.iter().map(|l| (l, '-'))).collect();
        let width = labels.iter().map(|(l, _)| sources.location(l.span).line.to_string().len()).max().unwrap_or(1);
        let pad = " ".repeat(width);
        let mut out = format!("{kind}: {}\n", self.message);
        for (i, (label, mark)) in labels.iter().enumerate() {
            let loc = sources.location(label.span);
            let file = sources.get(label.span.file);
            let arrow = if i == 0 { "-->" } else { ":::" };
            out.push_str(&format!("{pad}{arrow} {loc}\n{pad} |\n"));
            let text = visible(file.line_text(loc.line));
            out.push_str(&format!("{:>width$} | {text}\n", loc.line));
            // Underline to the span's end, or the end of its first line.
            let line_rest = text.chars().count().saturating_sub(loc.column - 1);
            let span_chars = file.text.get(label.span.start..label.span.end).map_or(1, |s| s.chars().count());
            let len = span_chars.min(line_rest).max(1);
            let marks: String = std::iter::repeat_n(*mark, len).collect();
            let lead = " ".repeat(loc.column - 1);
            let sep = if label.text.is_empty() { "" } else { " " };
            out.push_str(&format!("{pad} | {lead}{marks}{sep}{}\n", label.text));
        }
        for note in &self.notes {
            out.push_str(&format!("{pad} = note: {note}\n"));
        }
        out
    }
}

/// A source line as it can be shown on a terminal: each control character
/// but tab as its Unicode control picture (`␍` for a carriage return), each
/// text-direction character as `�`. One character for one, so carets stay
/// under what they mark.
fn visible(line: &str) -> String {
    line.chars()
        .map(|c| match c {
            '\t' => c,
            '\0'..='\u{1f}' => char::from_u32(0x2400 + u32::from(c)).unwrap_or('\u{fffd}'),
            '\u{7f}' => '\u{2421}',
            c if c.is_control() => '\u{fffd}',
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => '\u{fffd}',
            c => c,
        })
        .collect()
}

/// Renders the diagnostics, errors and warnings in the order found, the
/// first [`MAX_SHOWN_DIAGNOSTICS`] of them and a line counting the rest,
/// plus a closing count line like rustc's.
pub fn render_all(diags: &[Diagnostic], sources: &SourceMap) -> String {
    let mut out = String::new();
    for d in diags.iter().take(MAX_SHOWN_DIAGNOSTICS) {
        out.push_str(&d.render(sources));
        out.push('\n');
    }
    let errors = diags.iter().filter(|d| d.is_error()).count();
    if let Some(rest) = diags.get(MAX_SHOWN_DIAGNOSTICS..).filter(|rest| !rest.is_empty()) {
        let rest_errors = rest.iter().filter(|d| d.is_error()).count();
        let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
        out.push_str(&format!(
            "... and {} more ({}, {}) not shown: netgen shows the first {MAX_SHOWN_DIAGNOSTICS} \
             (netgen::limits::MAX_SHOWN_DIAGNOSTICS)\n\n",
            rest.len(),
            plural(rest_errors, "error"),
            plural(rest.len() - rest_errors, "warning"),
        ));
    }
    if errors > 0 {
        out.push_str(&format!("error: the spec has {errors} error{}\n", if errors == 1 { "" } else { "s" }));
    }
    out
}
