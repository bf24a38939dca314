//! `netgen doc`: the reference of the project's spec states what the IR
//! says (every expectation is read from the IR, so a spec edit changes
//! what is expected, not whether the test passes), every internal link
//! lands on an anchor, and the HTML page loads in a real browser.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use netgen::doc::{self, Format};
use netgen::ir::{Ir, PernetKind, TableKind};
use netgen::vtable::{self, Missing};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn project_ir() -> Ir {
    let c = netgen::compile(&repo().join("spec/netgen.ng"));
    let rendered = c.render_diagnostics();
    c.ir.unwrap_or_else(|| panic!("{rendered}"))
}

/// The specs the reference is checked on: the project's, the runtime's
/// test spec and a synthetic one of many initcalls.
fn specs() -> Vec<(String, Ir)> {
    let synthetic = netgen::compile_str("spec/synthetic.ng", &netgen::synthetic::spec(60));
    let testspec = netgen::compile(&repo().join("runtime/testspec/netgen.ng"));
    vec![
        ("spec/netgen.ng".into(), project_ir()),
        ("runtime/testspec/netgen.ng".into(), testspec.ir.expect("the test spec compiles")),
        ("synthetic".into(), synthetic.ir.expect("the synthetic spec compiles")),
    ]
}

fn render(ir: &Ir, format: Format) -> String {
    doc::render(ir, format).unwrap_or_else(|e| panic!("{e}"))
}

/// Byte offset of the element with id `id`; panics naming it if absent.
fn at(text: &str, id: &str) -> usize {
    text.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no element with id `{id}`"))
}

/// The values of `attr="..."` in `text`, in order.
fn attrs<'a>(text: &'a str, attr: &str) -> Vec<&'a str> {
    let key = format!(" {attr}=\"");
    text.match_indices(&key)
        .map(|(i, _)| {
            let rest = &text[i + key.len()..];
            &rest[..rest.find('"').expect("attribute closed")]
        })
        .collect()
}

/// Every id once, and every `#fragment` link (`href="#x"` in HTML,
/// `](#x)` in Markdown) names one of them.
fn assert_links_resolve(what: &str, text: &str, fragments: &[&str]) {
    let ids = attrs(text, "id");
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "{what}: an id used twice");
    assert!(!fragments.is_empty(), "{what}: no internal links at all");
    for f in fragments {
        assert!(unique.contains(f), "{what}: link to #{f}, which no element has");
    }
}

fn markdown_fragments(text: &str) -> Vec<&str> {
    text.match_indices("](#")
        .map(|(i, _)| &text[i + 3..i + 3 + text[i + 3..].find(')').expect("link closed")])
        .collect()
}

fn html_fragments(text: &str) -> Vec<&str> {
    attrs(text, "href").into_iter().filter_map(|h| h.strip_prefix('#')).collect()
}

/// The part of `text` from the element `id` to the next element whose id
/// starts with `next_prefix` (or the end).
fn section<'a>(text: &'a str, id: &str, next_prefix: &str) -> &'a str {
    let start = at(text, id);
    let rest = &text[start + 1..];
    let end = rest.find(&format!("id=\"{next_prefix}")).map_or(text.len(), |e| start + 1 + e);
    &text[start..end]
}

#[test]
fn every_internal_link_lands_on_an_element_in_both_formats() {
    for (name, ir) in specs() {
        let md = render(&ir, Format::Markdown);
        assert_links_resolve(&format!("{name} (md)"), &md, &markdown_fragments(&md));
        let html = render(&ir, Format::Html);
        assert_links_resolve(&format!("{name} (html)"), &html, &html_fragments(&html));
    }
}

#[test]
fn levels_come_in_boot_order_each_with_its_initcalls() {
    let ir = project_ir();
    for format in Format::ALL {
        let text = render(&ir, format);
        let starts: Vec<usize> = ir.levels.iter().map(|l| at(&text, &format!("level-{}", l.name))).collect();
        assert!(starts.windows(2).all(|w| w[0] < w[1]), "{format:?}: levels out of boot order");
        for c in &ir.initcalls {
            let level = ir.levels.iter().position(|l| l.name == c.level).expect("the initcall's level");
            let pos = at(&text, &format!("initcall-{}", c.name));
            let next = starts.get(level + 1).copied().unwrap_or(usize::MAX);
            assert!(starts[level] < pos && pos < next, "{format:?}: `{}` is not under level `{}`", c.name, c.level);
        }
        let calls: Vec<usize> = ir.initcalls.iter().map(|c| at(&text, &format!("initcall-{}", c.name))).collect();
        assert!(calls.windows(2).all(|w| w[0] < w[1]), "{format:?}: initcalls out of boot order");
    }
    // The `_sync` levels are levels like any other.
    assert!(ir.levels.iter().any(|l| l.section.ends_with('s')), "the spec has sync levels");
}

#[test]
fn each_resource_names_its_provider_and_every_initcall_that_requires_it() {
    let ir = project_ir();
    let md = render(&ir, Format::Markdown);
    for r in &ir.resources {
        let row = md.lines().find(|l| l.contains(&format!("<a id=\"resource-{}\">", r.name))).expect("a resource row");
        let cells: Vec<&str> = row.split(" | ").collect();
        assert!(cells[2].starts_with(&format!("[`{}`](#initcall-{})", r.provider, r.provider)), "{row}");
        assert!(cells[2].contains(&format!("(#level-{})", r.level)), "{row}");
        for c in ir.initcalls.iter().filter(|c| c.requires.contains(&r.name)) {
            assert!(cells[3].contains(&format!("(#initcall-{})", c.name)), "{} requires {}: {row}", c.name, r.name);
        }
        for c in ir.initcalls.iter().filter(|c| !c.requires.contains(&r.name)) {
            assert!(
                !cells[3].contains(&format!("(#initcall-{})", c.name)),
                "{} does not require {}: {row}",
                c.name,
                r.name
            );
        }
    }
}

#[test]
fn pernet_operations_come_in_pernet_list_order() {
    let ir = project_ir();
    // Linux: register_pernet_subsys inserts before first_device,
    // register_pernet_device appends (net/core/net_namespace.c).
    let mut expected: Vec<&str> = Vec::new();
    for kind in [PernetKind::Subsys, PernetKind::Device] {
        expected.extend(ir.pernet.iter().filter(|p| p.kind == kind).map(|p| p.name.as_str()));
    }
    assert!(ir.pernet.iter().any(|p| p.kind == PernetKind::Device), "the spec has device operations");
    for format in Format::ALL {
        let text = render(&ir, format);
        let mut listed: Vec<(usize, &str)> =
            ir.pernet.iter().map(|p| (at(&text, &format!("pernet-{}", p.name)), p.name.as_str())).collect();
        listed.sort();
        let listed: Vec<&str> = listed.into_iter().map(|(_, n)| n).collect();
        assert_eq!(listed, expected, "{format:?}");
    }
}

#[test]
fn every_table_lists_its_entries_in_index_order() {
    let ir = project_ir();
    let md = render(&ir, Format::Markdown);
    for kind in TableKind::ALL {
        let entries = ir.tables.function_fields(kind);
        let table = section(&md, &format!("table-{}", kind.keyword()), "table-");
        for (index, (name, _)) in entries.iter().enumerate() {
            let row = table
                .lines()
                .find(|l| l.contains(&format!("<a id=\"{}-{name}\">", kind.keyword())))
                .unwrap_or_else(|| panic!("no row for {} {name}", kind.keyword()));
            assert!(row.starts_with(&format!("| {index} | ")), "{row}");
        }
    }
}

/// The row of method `field` in a vtable entry's table.
fn method_row<'a>(format: Format, part: &'a str, field: &str) -> Option<&'a str> {
    match format {
        Format::Markdown => part.lines().find(|l| l.starts_with(&format!("| `{field}` |"))),
        Format::Html => part.split("<tr>").find(|r| r.starts_with(&format!("\n<td><code>{field}</code></td>"))),
    }
}

#[test]
fn each_vtable_entry_shows_the_methods_it_fills_and_the_defaults_of_the_rest() {
    let ir = project_ir();
    let mut defaults_seen = 0;
    for format in Format::ALL {
        let text = render(&ir, format);
        // Every kind with a method an entry may leave out has a section.
        let kinds =
            TableKind::ALL.into_iter().filter(|&k| vtable::hooks(k).iter().any(|h| h.missing != Missing::Required));
        for kind in kinds {
            for (name, fns) in ir.tables.function_fields(kind) {
                let id = format!("vtable-{}-{name}", kind.keyword());
                let part = section(&text, &id, "vtable-");
                for hook in vtable::hooks(kind) {
                    let given = fns.iter().find(|f| f.method == hook.field);
                    let shown = match (given, hook.missing) {
                        (Some(f), _) => f.path.path.clone(),
                        (None, Missing::Default(path)) => {
                            defaults_seen += 1;
                            path.rsplit("::").next().unwrap().to_string()
                        }
                        (None, Missing::Value(value)) => value.to_string(),
                        (None, Missing::Required) => panic!("{name} leaves out `{}`, which is required", hook.field),
                    };
                    let row = method_row(format, part, hook.field)
                        .unwrap_or_else(|| panic!("{format:?} {id}: no row for `{}`", hook.field));
                    // HTML lets a path wrap after each `::`.
                    let shown = if format == Format::Html { doc::path_html(&shown) } else { shown };
                    assert!(row.contains(&shown), "{format:?} {id}: `{}` should show {shown}: {row}", hook.field);
                    if let (None, Missing::Default(_)) = (given, hook.missing) {
                        assert!(row.contains("default"), "{row}");
                    }
                }
            }
        }
    }
    assert!(defaults_seen > 0, "the spec leaves some method to a sock_no_* default");
}

#[test]
fn the_spec_doc_comments_appear_in_the_reference() {
    let ir = project_ir();
    let md = render(&ir, Format::Markdown);
    let html = render(&ir, Format::Html);
    let docs = ir
        .levels
        .iter()
        .map(|l| &l.docs)
        .chain(ir.initcalls.iter().map(|c| &c.docs))
        .chain(ir.resources.iter().map(|r| &r.docs))
        .chain(ir.pernet.iter().map(|p| &p.docs))
        .chain(ir.tables.proto_ops.iter().map(|o| &o.docs))
        .filter(|d| !d.is_empty());
    let mut n = 0;
    for d in docs {
        n += 1;
        // Markdown: the lines as written (a table cell joins them).
        assert!(md.contains(&d.join("\n")) || md.contains(&doc::markdown_cell(&d.join("\n"))), "{d:?}");
        // HTML: rendered from Markdown, the paragraph's HTML inside.
        let rendered = doc::markdown_to_html(&d.join("\n"));
        let inner = rendered.trim_end().trim_start_matches("<p>").trim_end_matches("</p>");
        assert!(html.contains(inner), "{inner}");
    }
    assert!(n > 0, "the spec has doc comments");
}

#[test]
fn the_html_page_is_self_contained() {
    let html = render(&project_ir(), Format::Html);
    assert!(html.starts_with("<!DOCTYPE html>"));
    for external in ["<script", "<link", " src=", "url(", "@import"] {
        assert!(!html.contains(external), "the page loads something: {external}");
    }
    assert!(attrs(&html, "href").iter().all(|h| h.starts_with('#')), "every link is internal");
}

fn netgen(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_netgen")).args(args).output().expect("netgen runs");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

#[test]
fn the_doc_command_writes_either_format_to_stdout_or_a_file() {
    let spec = repo().join("spec/netgen.ng").display().to_string();
    let ir = project_ir();
    let (ok, md, err) = netgen(&["doc", "--spec", &spec]);
    assert!(ok, "{err}");
    assert_eq!(md, render(&ir, Format::Markdown), "Markdown is the default");
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("spec.html");
    let (ok, out, err) = netgen(&["doc", "--spec", &spec, "--format", "html", "-o", &file.display().to_string()]);
    assert!(ok, "{err}");
    assert!(out.is_empty(), "with -o nothing goes to stdout: {out}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), render(&ir, Format::Html));
    let (ok, _, err) = netgen(&["doc", "--spec", &spec, "--format", "pdf"]);
    assert!(!ok);
    assert!(err.contains("unknown format `pdf`: expected one of md, html"), "{err}");
    let (ok, _, err) =
        netgen(&["doc", "--spec", &spec, "-o", &tmp.path().join("no/such/dir/x.md").display().to_string()]);
    assert!(!ok);
    assert!(err.contains("error: cannot write"), "{err}");
}

// ---- in a real browser ------------------------------------------------------

const CHROMIUM: &str = "/usr/bin/chromium";

/// Runs headless Chromium with `args`, killing it after a minute: its
/// exit status, stdout and stderr (read while it runs, so a large DOM
/// cannot fill the pipe and stall it).
fn chromium(args: &[&str], profile: &Path) -> (std::process::ExitStatus, String, String) {
    use std::io::Read;
    let mut child = Command::new(CHROMIUM)
        .args(["--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--disable-extensions"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("piped")));
    let stderr = drain(Box::new(child.stderr.take().expect("piped")));
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("chromium waits") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium {args:?} did not finish in 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    (status, stdout.join().expect("stdout read"), stderr.join().expect("stderr read"))
}

#[test]
fn the_html_page_loads_in_headless_chromium_with_every_link_resolving() {
    if !Path::new(CHROMIUM).exists() {
        eprintln!("skipped: {CHROMIUM} is missing (Debian's `chromium` package; .ci/run installs it)");
        return;
    }
    let ir = project_ir();
    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("spec.html");
    std::fs::write(&page, render(&ir, Format::Html)).unwrap();
    let url = format!("file://{}", page.display());
    let profile = tmp.path().join("profile");

    // The DOM the browser built: the page parsed whole, and every link
    // resolves in it (what a reader clicking through would find).
    let (status, dom, err) = chromium(&["--dump-dom", &url], &profile);
    assert!(status.success(), "{err}");
    assert!(dom.contains("</main>") && dom.contains("</nav>"), "the page did not load whole: {dom}");
    let fragments = html_fragments(&dom);
    assert_links_resolve("the DOM", &dom, &fragments);
    for p in &ir.pernet {
        assert!(dom.contains(&format!("id=\"pernet-{}\"", p.name)), "{} is not on the page", p.name);
    }

    // A screenshot, which a person can look at (kept where
    // NETGEN_DOC_SCREENSHOT says, e.g. /tmp/netgen-doc.png).
    let png = tmp.path().join("spec.png");
    let (status, _, err) =
        chromium(&["--window-size=1280,4000", &format!("--screenshot={}", png.display()), &url], &profile);
    assert!(status.success(), "{err}");
    let bytes = std::fs::read(&png).expect("chromium wrote the screenshot");
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    if let Some(keep) = std::env::var_os("NETGEN_DOC_SCREENSHOT") {
        std::fs::write(&keep, &bytes).unwrap();
        eprintln!("screenshot: {}", Path::new(&keep).display());
    }
}
