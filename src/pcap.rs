//! Ethernet frames to and from classic pcap files (the libpcap format that
//! tcpdump and Wireshark read and write), on top of the `pcap-file` crate.
//!
//! * [`read_frames`] reads a whole file: every record's timestamp and
//!   captured bytes. Only `LINKTYPE_ETHERNET` (1) captures are accepted;
//!   pcapng and other link types are errors that say so.
//! * [`PcapSink`] writes frames with timestamps: microsecond resolution,
//!   `LINKTYPE_ETHERNET`, snaplen 65535.
//!
//! Every failure is a [`PcapError`]; nothing here panics on bad input.
//!
//! ```no_run
//! use netgen_stack::pcap::{read_frames, PcapSink};
//! # fn main() -> Result<(), netgen_stack::pcap::PcapError> {
//! let mut sink = PcapSink::create("/tmp/out.pcap")?;
//! sink.write(&[0u8; 60])?;
//! sink.finish()?;
//! for (ts, frame) in read_frames("/tmp/out.pcap")? {
//!     println!("{ts:?}: {} bytes", frame.len());
//! }
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pcap_file::pcap::{PcapHeader, PcapParser, PcapWriter, RawPcapPacket};
use pcap_file::{DataLink, Endianness, TsResolution};

/// `LINKTYPE_ETHERNET`.
pub const LINKTYPE_ETHERNET: u32 = 1;
/// The snapshot length [`PcapSink`] writes: longer frames are truncated.
pub const SNAPLEN: u32 = 65535;

/// Why a pcap file could not be read or written.
#[derive(Debug)]
pub enum PcapError {
    /// Opening, reading, writing or flushing `path` failed.
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// Not a classic pcap file, or a malformed one.
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The file ends inside the file header or inside record `frame`
    /// (0-based; the records before it were whole).
    Truncated {
        /// The file.
        path: PathBuf,
        /// The record that is cut short (`None`: the file header).
        frame: Option<usize>,
    },
    /// A capture of another link type than Ethernet.
    LinkType {
        /// The file.
        path: PathBuf,
        /// Its `LINKTYPE_*` value.
        linktype: u32,
    },
}

impl fmt::Display for PcapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PcapError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            PcapError::Format { path, reason } => write!(f, "{}: not a valid pcap file: {reason}", path.display()),
            PcapError::Truncated { path, frame: None } => {
                write!(f, "{}: truncated pcap file: it ends inside the file header", path.display())
            }
            PcapError::Truncated { path, frame: Some(n) } => {
                write!(f, "{}: truncated pcap file: it ends inside record {n} (0-based)", path.display())
            }
            PcapError::LinkType { path, linktype } => write!(
                f,
                "{}: link type {linktype} ({:?}) is not supported: only Ethernet (LINKTYPE_ETHERNET = 1) captures are",
                path.display(),
                DataLink::from(*linktype)
            ),
        }
    }
}

impl std::error::Error for PcapError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PcapError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Maps an error of the `pcap-file` crate, for record `frame` (`None`: the
/// file header).
fn lib_error(path: &Path, frame: Option<usize>, e: pcap_file::PcapError) -> PcapError {
    let path = path.to_path_buf();
    match e {
        pcap_file::PcapError::IncompleteBuffer => PcapError::Truncated { path, frame },
        pcap_file::PcapError::IoError(source) if source.kind() == std::io::ErrorKind::UnexpectedEof => {
            PcapError::Truncated { path, frame }
        }
        pcap_file::PcapError::IoError(source) => PcapError::Io { path, source },
        other => PcapError::Format { path, reason: other.to_string() },
    }
}

/// Magic numbers of pcapng's section header block, either byte order.
const PCAPNG_MAGIC: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];

/// Reads every frame of the Ethernet pcap file at `path`, with its
/// timestamp (since the Unix epoch, in the file's resolution: µs or ns).
/// A record captured short of its original length (snaplen) yields the
/// captured bytes. The whole file is read into memory.
pub fn read_frames(path: impl AsRef<Path>) -> Result<Vec<(Duration, Vec<u8>)>, PcapError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| PcapError::Io { path: path.to_path_buf(), source })?;
    if bytes.starts_with(&PCAPNG_MAGIC) {
        return Err(PcapError::Format {
            path: path.to_path_buf(),
            reason: "this is a pcapng file; convert it with `editcap -F pcap IN OUT` or `tcpdump -r IN -w OUT`".into(),
        });
    }
    let (mut rest, parser) = PcapParser::new(&bytes).map_err(|e| lib_error(path, None, e))?;
    let header = parser.header();
    let linktype = u32::from(header.datalink);
    if linktype != LINKTYPE_ETHERNET {
        return Err(PcapError::LinkType { path: path.to_path_buf(), linktype });
    }
    let mut frames = Vec::new();
    while !rest.is_empty() {
        let n = frames.len();
        // Raw records: `pcap-file`'s checked packets reject a record whose
        // original length exceeds the snaplen, which real truncated
        // captures (`tcpdump -s 96`) have.
        let (next, raw) = parser.next_raw_packet(rest).map_err(|e| lib_error(path, Some(n), e))?;
        let nanos = match header.ts_resolution {
            TsResolution::MicroSecond => raw.ts_frac.checked_mul(1000),
            TsResolution::NanoSecond => Some(raw.ts_frac),
        };
        let nanos = nanos.filter(|&ns| ns < 1_000_000_000).ok_or_else(|| PcapError::Format {
            path: path.to_path_buf(),
            reason: format!("record {n}: sub-second timestamp {} out of range", raw.ts_frac),
        })?;
        frames.push((Duration::new(u64::from(raw.ts_sec), nanos), raw.data.into_owned()));
        rest = next;
    }
    Ok(frames)
}

/// Writes Ethernet frames to a new pcap file (microsecond timestamps,
/// `LINKTYPE_ETHERNET`, snaplen 65535, native byte order). Call
/// [`finish`](PcapSink::finish) to flush and see write errors: dropping a
/// sink flushes too but loses them.
pub struct PcapSink {
    path: PathBuf,
    writer: PcapWriter<BufWriter<File>>,
    frames: usize,
}

impl fmt::Debug for PcapSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PcapSink").field("path", &self.path).field("frames", &self.frames).finish()
    }
}

impl PcapSink {
    /// Creates (or truncates) the file at `path` and writes the pcap header.
    pub fn create(path: impl AsRef<Path>) -> Result<PcapSink, PcapError> {
        let path = path.as_ref().to_path_buf();
        let file = File::create(&path).map_err(|source| PcapError::Io { path: path.clone(), source })?;
        let header = PcapHeader {
            snaplen: SNAPLEN,
            datalink: DataLink::ETHERNET,
            ts_resolution: TsResolution::MicroSecond,
            endianness: Endianness::native(),
            ..PcapHeader::default()
        };
        let writer = PcapWriter::with_header(BufWriter::new(file), header).map_err(|e| lib_error(&path, None, e))?;
        Ok(PcapSink { path, writer, frames: 0 })
    }

    /// Writes `frame` stamped with the current wall-clock time.
    pub fn write(&mut self, frame: &[u8]) -> Result<(), PcapError> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        self.write_at(now, frame)
    }

    /// Writes `frame` stamped `ts` (since the Unix epoch; stored with
    /// microsecond resolution, so sub-microsecond digits are dropped). A
    /// frame longer than the snaplen is stored truncated to 65535 bytes with
    /// its original length recorded, as libpcap does.
    pub fn write_at(&mut self, ts: Duration, frame: &[u8]) -> Result<(), PcapError> {
        let record = self.frames;
        let ts_sec = u32::try_from(ts.as_secs()).map_err(|_| PcapError::Format {
            path: self.path.clone(),
            reason: format!("record {record}: timestamp {}s does not fit pcap's 32-bit seconds", ts.as_secs()),
        })?;
        let orig_len = u32::try_from(frame.len()).map_err(|_| PcapError::Format {
            path: self.path.clone(),
            reason: format!("record {record}: frame of {} bytes is too long", frame.len()),
        })?;
        let captured = &frame[..frame.len().min(SNAPLEN as usize)];
        let raw = RawPcapPacket {
            ts_sec,
            ts_frac: ts.subsec_micros(),
            incl_len: captured.len() as u32,
            orig_len,
            data: captured.into(),
        };
        self.writer.write_raw_packet(&raw).map_err(|e| lib_error(&self.path, Some(record), e))?;
        self.frames += 1;
        Ok(())
    }

    /// How many frames have been written.
    pub fn frames(&self) -> usize {
        self.frames
    }

    /// Flushes the file and closes it.
    pub fn finish(self) -> Result<(), PcapError> {
        let PcapSink { path, writer, .. } = self;
        let mut w = writer.into_writer();
        w.flush().map_err(|source| PcapError::Io { path: path.clone(), source })?;
        let file = w.into_inner().map_err(|e| PcapError::Io { path: path.clone(), source: e.into_error() })?;
        file.sync_all().map_err(|source| PcapError::Io { path, source })
    }
}

/// What tshark made of a capture: each frame's protocol stack
/// (`frame.protocols`, `eth:ethertype:ip:udp:data`), in order.
pub type TsharkDecode = Vec<String>;

/// Has tshark decode the capture at `path` with IP and UDP checksum
/// validation on (off by default in Wireshark; ICMP's is always checked).
/// `Ok(None)` when tshark is not installed; `Err` naming the frame if any
/// frame is malformed or has an expert info of severity warning or error
/// (a bad checksum or length); otherwise each frame's protocol stack.
pub fn tshark_check(path: impl AsRef<Path>) -> Result<Option<TsharkDecode>, String> {
    use std::process::Command;
    let Ok(version) = Command::new("tshark").arg("--version").output() else { return Ok(None) };
    if !version.status.success() {
        return Err("tshark --version failed".into());
    }
    let mut cmd = Command::new("tshark");
    cmd.arg("-n").arg("-r").arg(path.as_ref());
    for pref in ["ip.check_checksum:TRUE", "udp.check_checksum:TRUE"] {
        cmd.args(["-o", pref]);
    }
    cmd.args(["-T", "fields", "-e", "frame.number", "-e", "frame.protocols", "-e", "_ws.expert.severity"]);
    cmd.args(["-e", "_ws.malformed"]);
    let decoded = cmd.output().map_err(|e| format!("tshark: {e}"))?;
    let text = String::from_utf8_lossy(&decoded.stdout);
    if !decoded.status.success() {
        return Err(format!("tshark failed: {}", String::from_utf8_lossy(&decoded.stderr)));
    }
    let mut protos = Vec::new();
    for l in text.lines() {
        let cols: Vec<&str> = l.split('\t').collect();
        if cols.get(3).is_some_and(|m| !m.is_empty()) {
            return Err(format!("malformed: {l}"));
        }
        // Expert infos of severity warning (0x600000) or error (0x800000)
        // flag bad checksums or lengths; notes and chats are fine.
        let sev = cols.get(2).copied().unwrap_or("");
        if sev.split(',').any(|s| s == "6291456" || s == "8388608") {
            return Err(format!("expert warning/error: {l}"));
        }
        protos.push(cols.get(1).copied().unwrap_or("").to_string());
    }
    Ok(Some(protos))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frames;

    fn sample_frames() -> Vec<(Duration, Vec<u8>)> {
        let (a, b) = ("10.0.0.1:5000".parse().expect("addr"), "10.0.0.2:7".parse().expect("addr"));
        let (ma, mb) = ([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2]);
        vec![
            (Duration::new(1_700_000_000, 123_456_000), frames::udp_frame(ma, mb, a, b, b"first")),
            (
                Duration::new(1_700_000_001, 0),
                frames::arp_frame(frames::ARPOP_REQUEST, ma, *a.ip(), frames::ZERO_MAC, *b.ip()),
            ),
            (Duration::new(1_700_000_001, 999_999_000), frames::udp_frame(ma, mb, a, b, &[0xab; 1400])),
            (Duration::new(0, 0), Vec::new()),
        ]
    }

    fn write_all(path: &Path, frames: &[(Duration, Vec<u8>)]) {
        let mut sink = PcapSink::create(path).expect("create");
        for (ts, f) in frames {
            sink.write_at(*ts, f).expect("write");
        }
        assert_eq!(sink.frames(), frames.len());
        sink.finish().expect("finish");
    }

    #[test]
    fn round_trip() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("rt.pcap");
        let frames = sample_frames();
        write_all(&path, &frames);
        assert_eq!(read_frames(&path).expect("read"), frames);
        // The file is a standard pcap: 24-byte header, Ethernet, snaplen 65535.
        let bytes = std::fs::read(&path).expect("read bytes");
        let total: usize = frames.iter().map(|(_, f)| 16 + f.len()).sum();
        assert_eq!(bytes.len(), 24 + total);
        assert_eq!(u32::from_ne_bytes(bytes[0..4].try_into().expect("4")), 0xa1b2c3d4);
        assert_eq!(u32::from_ne_bytes(bytes[16..20].try_into().expect("4")), 65535);
        assert_eq!(u32::from_ne_bytes(bytes[20..24].try_into().expect("4")), LINKTYPE_ETHERNET);
    }

    #[test]
    fn wall_clock_write_and_sub_microsecond_truncation() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("now.pcap");
        let mut sink = PcapSink::create(&path).expect("create");
        let before = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock");
        sink.write(&[1, 2, 3]).expect("write");
        sink.write_at(Duration::new(5, 1_999), &[4]).expect("write");
        sink.finish().expect("finish");
        let got = read_frames(&path).expect("read");
        assert_eq!(got.len(), 2);
        assert!(got[0].0 + Duration::from_micros(1) >= before, "{:?} vs {before:?}", got[0].0);
        assert_eq!(got[1], (Duration::new(5, 1_000), vec![4]));
    }

    #[test]
    fn truncated_files_are_errors_not_panics() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("full.pcap");
        let frames = sample_frames();
        write_all(&path, &frames);
        let bytes = std::fs::read(&path).expect("read");
        // Every record boundary, in order.
        let mut ends = vec![24];
        for (_, f) in &frames {
            ends.push(ends.last().expect("nonempty") + 16 + f.len());
        }
        let cut = dir.path().join("cut.pcap");
        for len in 0..bytes.len() {
            std::fs::write(&cut, &bytes[..len]).expect("write");
            let r = read_frames(&cut);
            if let Some(whole) = ends.iter().position(|&e| e == len) {
                assert_eq!(r.expect("cut at a record boundary").len(), whole, "len {len}");
                continue;
            }
            let err = r.expect_err("truncated");
            let want = if len < 24 { None } else { Some(ends.iter().filter(|&&e| e <= len).count() - 1) };
            match &err {
                PcapError::Truncated { frame, .. } => assert_eq!(*frame, want, "len {len}"),
                other => panic!("len {len}: expected Truncated, got {other:?}"),
            }
            assert!(err.to_string().contains("truncated pcap file"), "{err}");
        }
    }

    #[test]
    fn other_link_types_pcapng_and_garbage_are_clear_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x.pcap");

        // LINKTYPE_RAW (101): a header written by pcap-file itself.
        let mut raw = Vec::new();
        let header = PcapHeader { datalink: DataLink::RAW, ..PcapHeader::default() };
        PcapWriter::with_header(&mut raw, header).expect("header");
        std::fs::write(&path, &raw).expect("write");
        let err = read_frames(&path).expect_err("raw link type");
        assert!(matches!(err, PcapError::LinkType { linktype: 101, .. }), "{err:?}");
        assert!(err.to_string().contains("only Ethernet"), "{err}");

        std::fs::write(&path, [0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0, 0]).expect("write");
        let err = read_frames(&path).expect_err("pcapng");
        assert!(err.to_string().contains("pcapng"), "{err}");

        std::fs::write(&path, [0x55; 64]).expect("write");
        let err = read_frames(&path).expect_err("garbage");
        assert!(matches!(err, PcapError::Format { .. }), "{err:?}");
        assert!(err.to_string().contains("magic"), "{err}");

        let err = read_frames(dir.path().join("missing.pcap")).expect_err("missing");
        assert!(matches!(&err, PcapError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound));
        assert!(std::error::Error::source(&err).is_some());
        let err = PcapSink::create(dir.path().join("no/such/dir/x.pcap")).expect_err("bad dir");
        assert!(err.to_string().contains("no/such/dir"), "{err}");
    }

    #[test]
    fn snapped_records_and_big_endian_files_are_read() {
        // A big-endian, nanosecond file as another tool would write it, with
        // snaplen 96 and a record captured short of its original length.
        let mut file = Vec::new();
        file.extend_from_slice(&0xa1b23c4du32.to_be_bytes());
        file.extend_from_slice(&2u16.to_be_bytes());
        file.extend_from_slice(&4u16.to_be_bytes());
        file.extend_from_slice(&[0; 8]);
        file.extend_from_slice(&96u32.to_be_bytes());
        file.extend_from_slice(&1u32.to_be_bytes());
        for (sec, nsec, data, orig) in [(7u32, 5u32, vec![0x11; 96], 1514u32), (8, 999_999_999, vec![0x22; 60], 60)] {
            file.extend_from_slice(&sec.to_be_bytes());
            file.extend_from_slice(&nsec.to_be_bytes());
            file.extend_from_slice(&(data.len() as u32).to_be_bytes());
            file.extend_from_slice(&orig.to_be_bytes());
            file.extend_from_slice(&data);
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("be.pcap");
        std::fs::write(&path, &file).expect("write");
        let got = read_frames(&path).expect("read");
        assert_eq!(got, vec![(Duration::new(7, 5), vec![0x11; 96]), (Duration::new(8, 999_999_999), vec![0x22; 60])]);
        // A bad sub-second field is a format error.
        let bad = file.len() - 60 - 16 + 4;
        file[bad..bad + 4].copy_from_slice(&1_000_000_000u32.to_be_bytes());
        std::fs::write(&path, &file).expect("write");
        let err = read_frames(&path).expect_err("bad nsec");
        assert!(err.to_string().contains("record 1"), "{err}");
    }
}
