//! `spec_includes`' input: up to [`MAX_FILES`] spec files with `include`
//! lines between them, written into a directory and compiled from the
//! first.

use std::path::{Path, PathBuf};

use arbitrary::Arbitrary;

use crate::arb::{Enc, Encode};

/// The real spec, by file name.
pub const REAL: [(&str, &str); 6] = [
    ("netgen.ng", include_str!("../../spec/netgen.ng")),
    ("levels.ng", include_str!("../../spec/levels.ng")),
    ("resources.ng", include_str!("../../spec/resources.ng")),
    ("initcalls.ng", include_str!("../../spec/initcalls.ng")),
    ("pernet.ng", include_str!("../../spec/pernet.ng")),
    ("protocols.ng", include_str!("../../spec/protocols.ng")),
];

pub const MAX_FILES: usize = 8;

#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub files: Vec<File>,
}

#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub name: Name,
    /// In `spec/sub/` rather than `spec/`.
    pub sub: bool,
    pub body: Body,
    pub includes: Vec<Include>,
}

#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub enum Name {
    /// A real spec file's name (so the real files' `include`s find it).
    Real(u8),
    /// `fN.ng`.
    Numbered(u8),
    /// The string's letters, digits, `_`, `-` and `.` (`fI.ng` if none).
    Raw(String),
}

#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub enum Body {
    Real(u8),
    /// Characters `from..to` of a real file.
    RealSlice {
        which: u8,
        from: u16,
        to: u16,
    },
    Text(String),
}

#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub struct Include {
    /// The file of the input it names (modulo how many there are).
    pub target: u8,
    /// Inserted before this line of the body (modulo its lines + 1).
    pub before_line: u16,
    pub form: Form,
}

#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub enum Form {
    /// Relative to the including file's directory.
    Relative,
    /// The same with `./` in front.
    DotSlash,
    /// The absolute path of the file in the temporary directory.
    Absolute,
    /// The path as given, whatever it names.
    Raw(String),
}

fn file_name(name: &Name, i: usize) -> String {
    match name {
        Name::Real(r) => REAL[usize::from(*r) % REAL.len()].0.to_string(),
        Name::Numbered(n) => format!("f{n}.ng"),
        Name::Raw(s) => {
            let s: String =
                s.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')).take(40).collect();
            if s.is_empty() || s.chars().all(|c| c == '.') {
                format!("f{i}.ng")
            } else {
                s
            }
        }
    }
}

fn body(b: &Body) -> String {
    match b {
        Body::Real(r) => REAL[usize::from(*r) % REAL.len()].1.to_string(),
        Body::RealSlice { which, from, to } => {
            let t = REAL[usize::from(*which) % REAL.len()].1;
            let (a, b) = (usize::from(*from.min(to)), usize::from(*from.max(to)));
            t.chars().skip(a).take(b - a).collect()
        }
        Body::Text(s) => s.clone(),
    }
}

/// The include path of `to_name` (in `spec/sub/` if `to_sub`) from a file
/// in `spec/sub/` (`from_sub`) or `spec/`.
fn relative(from_sub: bool, to_sub: bool, to_name: &str) -> String {
    match (from_sub, to_sub) {
        (false, false) | (true, true) => to_name.to_string(),
        (false, true) => format!("sub/{to_name}"),
        (true, false) => format!("../{to_name}"),
    }
}

/// Writes the input's files under `dir/spec/` and returns the root file's
/// path, or `None` if there is no file. A file at a path an earlier file
/// took is left out. File names are sanitized: nothing is written outside
/// `dir`.
pub fn write(input: &Input, dir: &Path) -> Option<PathBuf> {
    let spec = dir.join("spec");
    std::fs::create_dir_all(spec.join("sub")).expect("spec/sub");
    let mut placed: Vec<(&File, String, PathBuf)> = Vec::new();
    for (i, f) in input.files.iter().take(MAX_FILES).enumerate() {
        let name = file_name(&f.name, i);
        let path = if f.sub { spec.join("sub").join(&name) } else { spec.join(&name) };
        if placed.iter().all(|(_, _, p)| *p != path) {
            placed.push((f, name, path));
        }
    }
    for (f, _, path) in &placed {
        let text = body(&f.body);
        let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
        for inc in &f.includes {
            let (to, to_name, to_path) = &placed[usize::from(inc.target) % placed.len()];
            let target = match &inc.form {
                Form::Relative => relative(f.sub, to.sub, to_name),
                Form::DotSlash => format!("./{}", relative(f.sub, to.sub, to_name)),
                Form::Absolute => to_path.display().to_string(),
                Form::Raw(s) => s.clone(),
            };
            let at = usize::from(inc.before_line) % (lines.len() + 1);
            lines.insert(at, format!("include \"{target}\";"));
        }
        std::fs::write(path, lines.join("\n")).expect("write a spec file");
    }
    placed.first().map(|(_, _, p)| p.clone())
}

// The encoding of an input, for seed corpora (fields in declaration order,
// variants numbered in declaration order).

impl Encode for Input {
    fn encode(&self, e: &mut Enc) {
        self.files.encode(e);
    }
}

impl Encode for File {
    fn encode(&self, e: &mut Enc) {
        self.name.encode(e);
        self.sub.encode(e);
        self.body.encode(e);
        self.includes.encode(e);
    }
}

impl Encode for Name {
    fn encode(&self, e: &mut Enc) {
        match self {
            Name::Real(r) => {
                e.variant(0, 3);
                r.encode(e);
            }
            Name::Numbered(n) => {
                e.variant(1, 3);
                n.encode(e);
            }
            Name::Raw(s) => {
                e.variant(2, 3);
                s.encode(e);
            }
        }
    }
}

impl Encode for Body {
    fn encode(&self, e: &mut Enc) {
        match self {
            Body::Real(r) => {
                e.variant(0, 3);
                r.encode(e);
            }
            Body::RealSlice { which, from, to } => {
                e.variant(1, 3);
                which.encode(e);
                from.encode(e);
                to.encode(e);
            }
            Body::Text(s) => {
                e.variant(2, 3);
                s.encode(e);
            }
        }
    }
}

impl Encode for Include {
    fn encode(&self, e: &mut Enc) {
        self.target.encode(e);
        self.before_line.encode(e);
        self.form.encode(e);
    }
}

impl Encode for Form {
    fn encode(&self, e: &mut Enc) {
        match self {
            Form::Relative => e.variant(0, 4),
            Form::DotSlash => e.variant(1, 4),
            Form::Absolute => e.variant(2, 4),
            Form::Raw(s) => {
                e.variant(3, 4);
                s.encode(e);
            }
        }
    }
}
