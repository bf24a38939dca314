//! The netgen command line: `generate`, `check`, `graph`, `ir`, `diff`, `doc`,
//! `explain`.

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// netgen: compile the network stack spec into the `generated/` crate.
///
/// Without `--spec`, `generate` and `check` work on the workspace's three
/// specs: the stack's (`spec/netgen.ng` -> `generated/src`), the
/// runtime's test spec (`runtime/testspec/netgen.ng` ->
/// `runtime/src/testspec`, what the runtime's own tests run against) and
/// the dispatch bench's (`benches/dispatch-spec/netgen.ng` ->
/// `benches/dispatch-spec/src`); `graph`, `ir` and `doc` show the stack's.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// The root spec file.
    #[arg(long, global = true)]
    spec: Option<PathBuf>,
    /// Where generated files go (with `--spec`; default `generated/src`).
    #[arg(long, global = true, requires = "spec")]
    out: Option<PathBuf>,
    /// Where a netdev's register layer goes, `NAME=DIR` (with `--spec`;
    /// may be repeated). Without it, a netdev's layer is not written.
    #[arg(long, global = true, requires = "spec", value_name = "NAME=DIR")]
    netdev_out: Vec<String>,
    #[command(subcommand)]
    command: Command,
}

/// The workspace's specs and where each one's code goes, the stack's first.
const WORKSPACE_SPECS: [(&str, &str); 3] = [
    ("spec/netgen.ng", "generated/src"),
    ("runtime/testspec/netgen.ng", "runtime/src/testspec"),
    ("benches/dispatch-spec/netgen.ng", "benches/dispatch-spec/src"),
];

#[derive(Subcommand)]
enum Command {
    /// Check the spec and (re)write the generated files.
    Generate,
    /// Check the spec and fail if a generated file is stale or missing.
    Check {
        /// Also compile the generated crate (`cargo check`) and report each
        /// Rust path the spec names that does not exist or does not have
        /// its signature at its line in the spec.
        #[arg(long)]
        rust: bool,
    },
    /// Print a NIC's register map (`show registers igb`: `NAME OFFSET` a line,
    /// array registers once per index) or descriptor layouts (`show
    /// descriptors igb`: `DESCRIPTOR VIEW.FIELD BYTE_OFFSET BIT_WIDTH`).
    Show {
        /// `registers` or `descriptors`.
        what: ShowWhat,
        /// The netdev: `igb`.
        netdev: String,
    },
    /// Print the init dependency graph as Graphviz DOT (levels top to bottom in boot order).
    Graph,
    /// Print the checked IR as JSON.
    Ir,
    /// Print what changed in meaning from spec OLD to spec NEW, one line each.
    ///
    /// Exit status: 0 when nothing changed, 1 when something did, 2 when
    /// either spec has errors.
    Diff {
        /// The old spec: its root file, or the directory holding `netgen.ng`.
        old: PathBuf,
        /// The new spec, likewise.
        new: PathBuf,
    },
    /// Write a reference of the spec: levels and their initcalls, resources,
    /// pernet operations, protocol tables and vtables, with the spec's doc
    /// comments.
    Doc {
        /// `md` (Markdown) or `html` (one self-contained page).
        #[arg(long, default_value = "md")]
        format: netgen::doc::Format,
        /// Write to FILE instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Print what the Rust code a spec section names must be: each field's
    /// signature and where the code may live. Without KIND, the kinds.
    Explain {
        /// A section kind: `initcall`, `resource`, `pernet`, `proto`, ...
        kind: Option<String>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ShowWhat {
    Registers,
    Descriptors,
}

/// Where the workspace's specs' netdevs get their register layer: a crate
/// of its own, so the driver can depend on it while `generated/` depends on
/// the driver.
const WORKSPACE_NETDEVS: [(&str, &str, &str); 1] = [("spec/netgen.ng", "igb", "drivers/igb/regs/src")];

/// A spec, where its stack crate's files go, and where each netdev's
/// register layer goes.
type Project = (PathBuf, PathBuf, Vec<(String, PathBuf)>);

/// A relative default path is looked up from the current directory, then from
/// the workspace netgen was built in, so `cargo run -p netgen` works anywhere
/// inside the workspace.
fn resolve(p: &Path) -> PathBuf {
    if p.is_absolute() || p.exists() {
        return p.to_path_buf();
    }
    let ws = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(p);
    if ws.exists() || ws.parent().is_some_and(Path::exists) {
        ws
    } else {
        p.to_path_buf()
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Explain { kind } = &cli.command {
        return explain(kind.as_deref());
    }
    if let Command::Diff { old, new } = &cli.command {
        return diff(old, new);
    }
    let mut netdev_outs = Vec::new();
    for n in &cli.netdev_out {
        match n.split_once('=') {
            Some((name, dir)) if !name.is_empty() && !dir.is_empty() => {
                netdev_outs.push((name.to_string(), PathBuf::from(dir)))
            }
            _ => {
                eprintln!("error: `--netdev-out {n}`: expected NAME=DIR, as in `--netdev-out igb=regs/src`");
                return ExitCode::FAILURE;
            }
        }
    }
    let workspace_netdevs = |spec: &str| -> Vec<(String, PathBuf)> {
        WORKSPACE_NETDEVS
            .iter()
            .filter(|(s, _, _)| *s == spec)
            .map(|(_, n, d)| (n.to_string(), resolve(Path::new(d))))
            .collect()
    };
    let projects: Vec<Project> = match (&cli.spec, &cli.command) {
        (Some(spec), _) => {
            vec![(spec.clone(), cli.out.clone().unwrap_or_else(|| PathBuf::from("generated/src")), netdev_outs)]
        }
        (None, Command::Generate | Command::Check { .. }) => {
            WORKSPACE_SPECS.iter().map(|(s, o)| (PathBuf::from(s), PathBuf::from(o), workspace_netdevs(s))).collect()
        }
        (None, _) => vec![(
            PathBuf::from(WORKSPACE_SPECS[0].0),
            PathBuf::from(WORKSPACE_SPECS[0].1),
            workspace_netdevs(WORKSPACE_SPECS[0].0),
        )],
    };
    let mut code = ExitCode::SUCCESS;
    for (spec, out, netdevs) in projects {
        if run(&cli.command, &resolve(&spec), &resolve(&out), &netdevs) != ExitCode::SUCCESS {
            code = ExitCode::FAILURE;
        }
    }
    code
}

/// Runs `command` on one spec; `netdevs` says where each netdev's register
/// layer goes.
fn run(command: &Command, spec: &Path, out: &Path, netdevs: &[(String, PathBuf)]) -> ExitCode {
    let spec = spec.to_path_buf();
    let out = out.to_path_buf();
    let compiled = netgen::compile(&spec);
    if !compiled.diagnostics.is_empty() {
        eprint!("{}", compiled.render_diagnostics());
    }
    let Some(ir) = &compiled.ir else {
        return ExitCode::FAILURE;
    };
    // What the emitter cannot write is reported like the analyzer's errors.
    let emitted = || {
        compiled.emit().map_err(|errors| {
            eprint!("{}", netgen::diag::render_all(&errors, &compiled.sources));
            ExitCode::FAILURE
        })
    };
    // Each netdev's register layer, with where it goes; a netdev without a
    // directory is left out, saying so.
    let netdev_files = || -> Result<Vec<(PathBuf, Vec<netgen::emit::GeneratedFile>)>, ExitCode> {
        let mut out = Vec::new();
        for n in &ir.netdevs {
            let Some((_, dir)) = netdevs.iter().find(|(name, _)| *name == n.name) else {
                eprintln!(
                    "note: the register layer of netdev `{}` is not written: no directory for it \
                     (`--netdev-out {}=DIR`)",
                    n.name, n.name
                );
                continue;
            };
            match compiled.emit_netdev(&n.name) {
                Some(Ok(files)) => out.push((dir.clone(), files)),
                Some(Err(errors)) => {
                    eprint!("{}", netgen::diag::render_all(&errors, &compiled.sources));
                    return Err(ExitCode::FAILURE);
                }
                None => {}
            }
        }
        Ok(out)
    };
    match command {
        Command::Show { what, netdev } => {
            let Some(n) = ir.netdevs.iter().find(|n| n.name == *netdev) else {
                let names: Vec<&str> = ir.netdevs.iter().map(|n| n.name.as_str()).collect();
                eprintln!(
                    "error: the spec has no netdev `{netdev}`; it has {}",
                    if names.is_empty() { "none".to_string() } else { names.join(", ") }
                );
                return ExitCode::FAILURE;
            };
            match what {
                ShowWhat::Registers => print!("{}", netgen::show::registers(n)),
                ShowWhat::Descriptors => print!("{}", netgen::show::descriptors(n)),
            }
            ExitCode::SUCCESS
        }
        Command::Generate => {
            let files = match emitted() {
                Ok(files) => files,
                Err(code) => return code,
            };
            let netdev_files = match netdev_files() {
                Ok(f) => f,
                Err(code) => return code,
            };
            for (dir, files) in &netdev_files {
                match netgen::emit::write(dir, files) {
                    Ok(written) => {
                        for w in &written {
                            eprintln!("wrote {}", w.display());
                        }
                    }
                    Err(e) => {
                        eprintln!("error: cannot write {}: {e}", dir.display());
                        return ExitCode::FAILURE;
                    }
                }
            }
            match netgen::emit::write(&out, &files) {
                Ok(written) => {
                    for w in &written {
                        eprintln!("wrote {}", w.display());
                    }
                    eprintln!(
                        "netgen: {} levels, {} resources, {} initcalls, {} pernet operations, {} protocol-table entries; \
                         {} of {} files changed",
                        ir.levels.len(),
                        ir.resources.len(),
                        ir.initcalls.len(),
                        ir.pernet.len(),
                        ir.tables.len(),
                        written.len(),
                        files.len()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: cannot write {}: {e}", out.display());
                    ExitCode::FAILURE
                }
            }
        }
        Command::Check { rust } => {
            let files = match emitted() {
                Ok(files) => files,
                Err(code) => return code,
            };
            let netdev_files = match netdev_files() {
                Ok(f) => f,
                Err(code) => return code,
            };
            let mut stale = netgen::emit::stale(&out, &files);
            for (dir, files) in &netdev_files {
                stale.extend(netgen::emit::stale(dir, files));
            }
            for s in &stale {
                eprintln!("error: {} is stale: {}", s.path.display(), s.reason);
            }
            if !stale.is_empty() {
                eprintln!("run `cargo run -p netgen -- generate` and commit the result");
                return ExitCode::FAILURE;
            }
            eprintln!("netgen: {} OK, generated files in {} up to date", spec.display(), out.display());
            if *rust {
                return check_rust(&compiled, ir, &out, &files);
            }
            ExitCode::SUCCESS
        }
        Command::Graph => {
            print!("{}", netgen::graph::dot(ir));
            ExitCode::SUCCESS
        }
        // `main` runs it before compiling any one spec.
        Command::Diff { old, new } => diff(old, new),
        Command::Doc { format, output } => doc(ir, *format, output.as_deref()),
        Command::Explain { kind } => explain(kind.as_deref()),
        Command::Ir => match serde_json::to_string_pretty(ir) {
            Ok(s) => {
                println!("{s}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
    }
}

/// `netgen diff OLD NEW`: the changes on stdout, one per line. Exit codes as
/// diff(1): 0 nothing changed, 1 something did, 2 trouble (a spec with
/// errors, reported located as `check` does, each under its spec's path:
/// the two specs' files usually have the same names).
fn diff(old: &Path, new: &Path) -> ExitCode {
    const TROUBLE: u8 = 2;
    let compile = |which: &str, path: &Path| {
        let root = if path.is_dir() { path.join("netgen.ng") } else { path.to_path_buf() };
        let compiled = netgen::compile(&root);
        if !compiled.diagnostics.is_empty() {
            eprintln!("netgen diff: in the {which} spec, {}:", root.display());
            eprint!("{}", compiled.render_diagnostics());
        }
        compiled.ir
    };
    let (Some(old), Some(new)) = (compile("old", old), compile("new", new)) else {
        return ExitCode::from(TROUBLE);
    };
    let changes = netgen::diff::diff(&old, &new);
    for change in &changes {
        println!("{change}");
    }
    if changes.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `netgen doc`: the reference, to `output` or standard output.
fn doc(ir: &netgen::ir::Ir, format: netgen::doc::Format, output: Option<&Path>) -> ExitCode {
    let text = match netgen::doc::render(ir, format) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match output {
        None => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => {
                eprintln!("wrote {}", path.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                ExitCode::FAILURE
            }
        },
    }
}

/// `netgen explain [KIND]`.
fn explain(kind: Option<&str>) -> ExitCode {
    use netgen::contract::{explain, explain_all, Kind};
    match kind {
        None => {
            print!("{}", explain_all());
            ExitCode::SUCCESS
        }
        Some(k) => match Kind::from_keyword(k) {
            Some(kind) => {
                print!("{}", explain(kind));
                ExitCode::SUCCESS
            }
            None => {
                let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.keyword()).collect();
                eprintln!("error: `{k}` is not a section kind; the kinds are {}", kinds.join(", "));
                ExitCode::FAILURE
            }
        },
    }
}

/// `check --rust`: compiles the crate holding `out` and reports rustc's
/// errors about the spec's paths at the spec (see `netgen::rustc`).
fn check_rust(
    compiled: &netgen::Compiled,
    ir: &netgen::ir::Ir,
    out: &Path,
    files: &[netgen::emit::GeneratedFile],
) -> ExitCode {
    let Some(manifest) = netgen::rustc::manifest_of(out) else {
        eprintln!("error: no Cargo.toml with a [package] holds {}: nothing to compile", out.display());
        return ExitCode::FAILURE;
    };
    // Relative to where netgen runs, as the spec's files are named.
    let cwd = std::env::current_dir().ok();
    let manifest = cwd.and_then(|d| manifest.strip_prefix(d).ok().map(Path::to_path_buf)).unwrap_or(manifest);
    eprintln!("netgen: cargo check --manifest-path {}", manifest.display());
    let run = match netgen::rustc::cargo_check(&manifest) {
        Ok(run) => run,
        Err(e) => {
            eprintln!("error: cannot run cargo: {e}");
            return ExitCode::FAILURE;
        }
    };
    let errors = netgen::rustc::errors(&run.stdout);
    if !run.success && errors.is_empty() {
        eprint!("{}", run.stderr);
        eprintln!("error: cargo check --manifest-path {} failed", manifest.display());
        return ExitCode::FAILURE;
    }
    let sites = netgen::emit::signature_sites(ir);
    let generated = netgen::rustc::Generated::new(out, files);
    let report = netgen::rustc::report(&errors, &sites, &compiled.sources, &generated);
    for d in &report.spec {
        eprintln!("{}", d.render(&compiled.sources));
    }
    for r in &report.other {
        eprint!("{r}");
    }
    let n = report.spec.len() + report.other.len();
    if n == 0 && errors.is_empty() && run.success {
        eprintln!("netgen: {} compiles", manifest.display());
        ExitCode::SUCCESS
    } else {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        eprintln!(
            "error: {} does not compile: {} error{} at paths in the spec{}, {} other{}",
            manifest.display(),
            report.spec.len(),
            plural(report.spec.len()),
            match report.consequences {
                0 => String::new(),
                1 => " (1 more follows from them)".to_string(),
                n => format!(" ({n} more follow from them)"),
            },
            report.other.len(),
            plural(report.other.len()),
        );
        ExitCode::FAILURE
    }
}
