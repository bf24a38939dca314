//! What the packet-path benches (`udp_rx`, `udp_tx`) share: pushing a
//! number of packets through in batches, and the `NETGEN_CALLGRIND` entry
//! point that runs one side under callgrind instead of criterion.

/// Runs `batch(n)` over `packets` packets in batches of `size` (the last
/// one shorter) and sums what the batches return (packets that made it
/// intact). Inlined, so the loop is counted inside the caller that
/// `--toggle-collect` names.
#[inline(always)]
pub fn in_batches(packets: usize, size: usize, mut batch: impl FnMut(usize) -> usize) -> usize {
    let mut done = 0;
    let mut left = packets;
    while left > 0 {
        let n = left.min(size);
        done += batch(n);
        left -= n;
    }
    done
}

/// The bench's `main`: criterion (`benches`) unless `NETGEN_CALLGRIND`
/// names a side, then `run(side)` once, checking that all `packets` made it
/// (`what`: "delivered", "transmitted"); exits 1 if some did not, 2 if the
/// side cannot run.
pub fn main(bench: &str, packets: usize, what: &str, benches: fn(), run: impl FnOnce(&str) -> Result<usize, String>) {
    let Ok(side) = std::env::var("NETGEN_CALLGRIND") else {
        benches();
        criterion::Criterion::default().configure_from_args().final_summary();
        return;
    };
    match run(&side) {
        Ok(n) if n == packets => println!("{bench} callgrind: {side}: {n} packets {what} intact"),
        Ok(n) => {
            eprintln!("{bench} callgrind: {side}: only {n} of {packets} packets {what} intact");
            std::process::exit(1);
        }
        Err(why) => {
            eprintln!("{bench} callgrind: {why}");
            std::process::exit(2);
        }
    }
}
