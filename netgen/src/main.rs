//! The netgen command line: `generate`, `check`, `graph`, `ir`.

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
/// `benches/dispatch-spec/src`); `graph` and `ir` show the stack's.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// The root spec file.
    #[arg(long, global = true)]
    spec: Option<PathBuf>,
    /// Where generated files go (with `--spec`; default `generated/src`).
    #[arg(long, global = true, requires = "spec")]
    out: Option<PathBuf>,
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
    Check,
    /// Print the init dependency graph as Graphviz DOT (levels as clusters).
    Graph,
    /// Print the checked IR as JSON.
    Ir,
}

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
    let projects: Vec<(PathBuf, PathBuf)> = match (&cli.spec, &cli.command) {
        (Some(spec), _) => vec![(spec.clone(), cli.out.clone().unwrap_or_else(|| PathBuf::from("generated/src")))],
        (None, Command::Generate | Command::Check) => {
            WORKSPACE_SPECS.iter().map(|(s, o)| (PathBuf::from(s), PathBuf::from(o))).collect()
        }
        (None, _) => vec![(PathBuf::from(WORKSPACE_SPECS[0].0), PathBuf::from(WORKSPACE_SPECS[0].1))],
    };
    let mut code = ExitCode::SUCCESS;
    for (spec, out) in projects {
        if run(&cli.command, &resolve(&spec), &resolve(&out)) != ExitCode::SUCCESS {
            code = ExitCode::FAILURE;
        }
    }
    code
}

/// Runs `command` on one spec.
fn run(command: &Command, spec: &Path, out: &Path) -> ExitCode {
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
    match command {
        Command::Generate => {
            let files = match emitted() {
                Ok(files) => files,
                Err(code) => return code,
            };
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
        Command::Check => {
            let files = match emitted() {
                Ok(files) => files,
                Err(code) => return code,
            };
            let stale = netgen::emit::stale(&out, &files);
            for s in &stale {
                eprintln!("error: {} is stale: {}", s.path.display(), s.reason);
            }
            if stale.is_empty() {
                eprintln!("netgen: {} OK, generated files in {} up to date", spec.display(), out.display());
                ExitCode::SUCCESS
            } else {
                eprintln!("run `cargo run -p netgen -- generate` and commit the result");
                ExitCode::FAILURE
            }
        }
        Command::Graph => {
            print!("{}", netgen::graph::dot(ir));
            ExitCode::SUCCESS
        }
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
