//! Where a run's frames come from: a capture file, or a generated profile through the trace
//! cache (`target/traces/`, keyed by profile, seed, packets and generator version).

use std::path::{Path, PathBuf};

use anyhow::Context;
use tracegen::pcap::{Capture, ReadOptions, TsResolution, read_file, write_file};
use tracegen::{GENERATOR_VERSION, GenConfig, Profile};

use crate::results::provenance::sha256_file;

/// A loaded trace and what the results need to know of it.
pub struct LoadedTrace {
    /// The capture.
    pub capture: Capture,
    /// Its file (the cache file for generated traces).
    pub path: PathBuf,
    /// SHA-256 of the file.
    pub sha256: String,
}

/// The trace cache folder: `$PKTSTREAM_TRACE_CACHE`, else `target/traces` of the workspace the
/// binary was built from.
pub fn cache_dir() -> PathBuf {
    std::env::var_os("PKTSTREAM_TRACE_CACHE").map(PathBuf::from).unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("target").join("traces")
    })
}

/// The cache file of a generated trace.
pub fn cache_path(profile: Profile, packets: u64, seed: u64) -> PathBuf {
    cache_dir().join(format!("{profile}-n{packets}-s{seed}-g{GENERATOR_VERSION}.pcap"))
}

/// Generates (or reuses from the cache) a profile's trace and returns its file.
pub fn generated(profile: Profile, packets: u64, seed: u64) -> anyhow::Result<PathBuf> {
    let path = cache_path(profile, packets, seed);
    if path.is_file() {
        return Ok(path);
    }
    let cfg = GenConfig::new(profile, packets, seed);
    let frames = tracegen::generate(&cfg)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    write_file(&path, &frames, wire::LinkType::Ethernet, cfg.snaplen, TsResolution::Nano)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// Loads a capture file, printing its warnings.
pub fn load(path: &Path, strict: bool) -> anyhow::Result<LoadedTrace> {
    let capture = read_file(path, &ReadOptions { strict, ..Default::default() })?;
    for w in &capture.info.warnings {
        eprintln!("pktstream: warning: {w}");
    }
    let sha256 = sha256_file(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(LoadedTrace { capture, path: path.to_path_buf(), sha256 })
}
