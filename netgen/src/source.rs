//! Spec sources and spans: every AST node remembers the file and byte range it
//! came from, so every diagnostic can point at `file:line:column`.

use serde::{Deserialize, Serialize};

/// Index of a file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FileId(pub u32);

/// A byte range in one spec file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub file: FileId,
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span { file, start, end }
    }
}

/// One loaded spec file.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The name shown to users: relative to the spec's base directory
    /// (the parent of the directory holding the root file), e.g. `spec/levels.ng`.
    pub name: String,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> SourceFile {
        let text = text.into();
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        SourceFile { name: name.into(), text, line_starts }
    }

    /// 1-based line and column (in characters) of byte offset `pos`.
    pub fn line_col(&self, pos: usize) -> (usize, usize) {
        let pos = pos.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= pos) - 1;
        let start = self.line_starts[line];
        let col = self.text.get(start..pos).map_or(pos - start, |s| s.chars().count());
        (line + 1, col + 1)
    }

    /// The text of 1-based line `line`, without its newline.
    pub fn line_text(&self, line: usize) -> &str {
        let Some(&start) = self.line_starts.get(line.wrapping_sub(1)) else {
            return "";
        };
        let end = self.line_starts.get(line).map_or(self.text.len(), |&e| e);
        self.text.get(start..end).unwrap_or("").trim_end_matches(['\n', '\r'])
    }
}

/// Every file of one spec, in load order.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(self.files.len() as u32 - 1)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// `file:line:column` of the start of `span`.
    pub fn location(&self, span: Span) -> Location {
        let f = self.get(span.file);
        let (line, column) = f.line_col(span.start);
        Location { file: f.name.clone(), line, column }
    }

    /// The span of the name at `loc` (what the IR locates items by): from
    /// that position to the end of the identifier there, or empty if none
    /// starts there. `None` if no loaded file has that name and position.
    pub fn span_at(&self, loc: &Location) -> Option<Span> {
        let (i, f) = self.files.iter().enumerate().find(|(_, f)| f.name == loc.file)?;
        let line_start = *f.line_starts.get(loc.line.checked_sub(1)?)?;
        let line = f.line_text(loc.line);
        let skip = loc.column.checked_sub(1)?;
        let column = match line.char_indices().nth(skip) {
            Some((b, _)) => b,
            None if skip == line.chars().count() => line.len(),
            None => return None,
        };
        let rest = &line[column..];
        let len = rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len());
        let start = line_start + column;
        Some(Span::new(FileId(i as u32), start, start + len))
    }
}

/// A resolved position, as the IR and generated doc comments carry it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let f = SourceFile::new("a.ng", "ab\n\u{e9}cd\nx");
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        assert_eq!(f.line_col(5), (2, 2)); // after the two-byte é
        assert_eq!(f.line_text(2), "\u{e9}cd");
        assert_eq!(f.line_text(9), "");
    }

    #[test]
    fn a_location_maps_back_to_the_name_it_points_at() {
        let mut map = SourceMap::default();
        map.add(SourceFile::new("a.ng", "x\n\u{e9} initcall sock_init @ core;\n"));
        let id = map.add(SourceFile::new("b.ng", "ab\n\u{e9} name_1 {\n"));
        let loc = Location { file: "b.ng".into(), line: 2, column: 3 };
        let span = map.span_at(&loc).unwrap();
        assert_eq!((span.file, &map.get(id).text[span.start..span.end]), (id, "name_1"));
        assert_eq!(map.location(span), loc);
        assert_eq!(map.span_at(&Location { file: "b.ng".into(), line: 9, column: 1 }), None);
        assert_eq!(map.span_at(&Location { file: "c.ng".into(), line: 1, column: 1 }), None);
    }
}
