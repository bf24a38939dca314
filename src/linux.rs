//! The Linux side of a test over real devices: network namespaces made
//! with iproute2 (removed again when their guard drops, on a panic too),
//! commands run in them, threads that enter them, and what `ip -s link`
//! reports for a device there.
//!
//! Traffic stays inside the namespaces made here and the TAP devices in
//! them: nothing is added to the caller's namespace.

use std::fs::File;
use std::io;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Namespaces made by this process so far (for unique names).
static SERIAL: AtomicUsize = AtomicUsize::new(0);

/// A network namespace this process made (`ip netns add`), deleted
/// (`ip netns del`) when dropped. Named `PREFIX-PID-N`, so one whose
/// process died without cleaning up is recognised and removed by the next
/// [`Netns::create`] with the same prefix.
#[derive(Debug)]
pub struct Netns {
    name: String,
}

impl Netns {
    /// Makes a fresh namespace `PREFIX-PID-N` with `lo` up and IPv6 off
    /// (so Linux sends nothing on its own: no router solicitations, no
    /// MLD reports), after removing stale namespaces of this prefix.
    pub fn create(prefix: &str) -> io::Result<Netns> {
        sweep_stale(prefix);
        let n = SERIAL.fetch_add(1, Ordering::Relaxed);
        let name = format!("{prefix}-{}-{n}", std::process::id());
        run(Command::new("ip").args(["netns", "add", &name]))?;
        let ns = Netns { name };
        ns.ip(&["link", "set", "lo", "up"])?;
        ns.sysctl("net.ipv6.conf.all.disable_ipv6", "1")?;
        ns.sysctl("net.ipv6.conf.default.disable_ipv6", "1")?;
        Ok(ns)
    }

    /// Its name (`ip netns exec NAME ...`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `/run/netns/NAME`, the file `setns` takes.
    pub fn path(&self) -> PathBuf {
        PathBuf::from("/run/netns").join(&self.name)
    }

    /// `ip -n NAME ARGS...`; an error carries what `ip` printed.
    pub fn ip(&self, args: &[&str]) -> io::Result<String> {
        run(Command::new("ip").arg("-n").arg(&self.name).args(args))
    }

    /// Sets a sysctl inside the namespace.
    pub fn sysctl(&self, key: &str, value: &str) -> io::Result<String> {
        let path = format!("/proc/sys/{}", key.replace('.', "/"));
        run(self.exec("sh").args(["-c", &format!("echo {value} > {path}")]))
    }

    /// `ip netns exec NAME PROGRAM`: a command to complete and run.
    pub fn exec(&self, program: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name, program]);
        c
    }

    /// Runs `f` on a new thread that first enters the namespace (`setns`),
    /// and returns its result: sockets and TAP devices it creates live in
    /// the namespace. The calling thread stays where it is.
    pub fn in_thread<R: Send + 'static>(&self, f: impl FnOnce() -> R + Send + 'static) -> io::Result<R> {
        let file = File::open(self.path())?;
        std::thread::spawn(move || -> io::Result<R> {
            nix::sched::setns(&file, nix::sched::CloneFlags::CLONE_NEWNET).map_err(io::Error::from)?;
            Ok(f())
        })
        .join()
        .map_err(|_| io::Error::other("the thread in the namespace panicked"))?
    }

    /// Spawns a thread that enters the namespace, then runs `f`.
    pub fn spawn<R: Send + 'static>(
        &self,
        f: impl FnOnce() -> R + Send + 'static,
    ) -> io::Result<std::thread::JoinHandle<io::Result<R>>> {
        let file = File::open(self.path())?;
        Ok(std::thread::spawn(move || -> io::Result<R> {
            nix::sched::setns(&file, nix::sched::CloneFlags::CLONE_NEWNET).map_err(io::Error::from)?;
            Ok(f())
        }))
    }

    /// `ip -s link show dev DEV` in the namespace (its JSON form).
    pub fn link_stats(&self, dev: &str) -> io::Result<LinkStats> {
        let json = self.ip(&["-s", "-j", "link", "show", "dev", dev])?;
        LinkStats::parse(&json).ok_or_else(|| io::Error::other(format!("cannot read `ip -s link` output: {json}")))
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        // Nothing to do about a failure here but say so.
        if let Err(e) = run(Command::new("ip").args(["netns", "del", &self.name])) {
            eprintln!("warning: could not remove network namespace {}: {e}", self.name);
        }
    }
}

/// Removes namespaces `PREFIX-PID-N` whose process is gone (killed before
/// its guards ran).
fn sweep_stale(prefix: &str) {
    let Ok(list) = run(Command::new("ip").args(["netns", "list"])) else { return };
    for line in list.lines() {
        let Some(name) = line.split_whitespace().next() else { continue };
        let Some(rest) = name.strip_prefix(prefix).and_then(|r| r.strip_prefix('-')) else { continue };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else { continue };
        if pid != std::process::id() && !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = run(Command::new("ip").args(["netns", "del", name]));
        }
    }
}

/// Runs a command to completion; its stdout, or an error with its stderr.
pub fn run(cmd: &mut Command) -> io::Result<String> {
    let out: Output = cmd.output()?;
    if !out.status.success() {
        return Err(io::Error::other(format!(
            "{cmd:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Whether `program` can be run (is on `PATH`).
pub fn have(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
}

/// One direction of a device's counters as `ip -s link` shows them
/// (`rtnl_link_stats64`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkDir {
    pub bytes: u64,
    pub packets: u64,
    pub errors: u64,
    pub dropped: u64,
}

/// A device's counters as `ip -s link` shows them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkStats {
    pub rx: LinkDir,
    pub tx: LinkDir,
}

impl LinkStats {
    /// From `ip -s -j link show dev DEV`'s JSON (`stats64.rx`, `.tx`).
    pub fn parse(json: &str) -> Option<LinkStats> {
        let v: serde_json::Value = serde_json::from_str(json).ok()?;
        let s = v.get(0)?.get("stats64")?;
        let dir = |d: &serde_json::Value| -> Option<LinkDir> {
            Some(LinkDir {
                bytes: d.get("bytes")?.as_u64()?,
                packets: d.get("packets")?.as_u64()?,
                errors: d.get("errors")?.as_u64()?,
                dropped: d.get("dropped")?.as_u64()?,
            })
        };
        Some(LinkStats { rx: dir(s.get("rx")?)?, tx: dir(s.get("tx")?)? })
    }
}

/// Why tests over real devices cannot run here, if they cannot: not root,
/// no `/dev/net/tun`, or no `ip` (iproute2).
pub fn unavailable() -> Option<String> {
    if let Some(why) = netgen_tap::Tap::unavailable() {
        return Some(why);
    }
    if !have("ip") {
        return Some("`ip` (iproute2) is not installed".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ip_s_link_json() {
        let json = r#"[{"ifindex":1,"ifname":"lo","stats64":{"rx":{"bytes":10,"packets":2,"errors":0,"dropped":1,"over_errors":0,"multicast":0},"tx":{"bytes":20,"packets":3,"errors":4,"dropped":5,"carrier_errors":0,"collisions":0}}}]"#;
        let s = LinkStats::parse(json).unwrap();
        assert_eq!(s.rx, LinkDir { bytes: 10, packets: 2, errors: 0, dropped: 1 });
        assert_eq!(s.tx, LinkDir { bytes: 20, packets: 3, errors: 4, dropped: 5 });
        assert_eq!(LinkStats::parse("[]"), None);
        assert_eq!(LinkStats::parse("not json"), None);
    }
}
