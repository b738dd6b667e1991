//! Collects the provenance every results file carries.

use std::path::Path;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use super::schema::Provenance;

/// The source tree the binary was built from (the workspace root).
const SOURCE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).current_dir(SOURCE_DIR).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The CPU model name from `/proc/cpuinfo`, or `unknown-cpu`.
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown-cpu".into())
}

/// Logical cores available to this process.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A slug of the CPU model and core count: `amd-epyc-7b13-2c`.
pub fn machine_id(cpu_model: &str, cores: usize) -> String {
    let mut slug = String::new();
    // "Intel(R) Xeon(R) CPU E5-1660 v3 @ 3.00GHz": the clock after '@' is not part of the model.
    let model = cpu_model.split('@').next().unwrap_or_default();
    for word in model
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .filter(|w| !matches!(w.as_str(), "r" | "tm" | "c" | "cpu" | "processor" | "with"))
        .filter(|w| !w.ends_with("core") || w.len() > 10)
    {
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&word);
    }
    if slug.is_empty() {
        slug.push_str("unknown");
    }
    format!("{slug}-{cores}c")
}

/// Civil date of days since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// ISO 8601 UTC of a Unix time in seconds.
pub fn iso8601(secs: u64) -> String {
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let t = secs % 86_400;
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", t / 3600, t / 60 % 60, t % 60)
}

/// Provenance of a measurement made now, on this machine, of the trace at `trace` (if any).
/// `machine` overrides the machine id.
pub fn collect(machine: Option<&str>, generator_version: u32, trace_sha256: String) -> Provenance {
    let cpu = cpu_model();
    let cores = cores();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    Provenance {
        git_commit: git(&["rev-parse", "HEAD"]).unwrap_or_else(|| "unknown".into()),
        // Results files are written by the measurements themselves (a reproduce run rewrites
        // committed results as it goes): they do not make the measuring code dirty.
        git_dirty: git(&[
            "status",
            "--porcelain",
            "--untracked-files=no",
            "--",
            ".",
            ":(exclude)results",
        ])
        .is_some_and(|s| !s.is_empty()),
        machine_id: machine.map_or_else(|| machine_id(&cpu, cores), str::to_string),
        cpu_model: cpu,
        cores,
        kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map_or_else(|_| "unknown".into(), |s| s.trim().to_string()),
        rustc: env!("PKTSTREAM_RUSTC_VERSION").to_string(),
        date_utc: iso8601(now),
        generator_version,
        trace_sha256,
    }
}

/// SHA-256 of a file's bytes, hex.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h)?;
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_ids_are_slugs() {
        assert_eq!(machine_id("AMD EPYC 7B13", 2), "amd-epyc-7b13-2c");
        assert_eq!(
            machine_id("Intel(R) Xeon(R) CPU E5-1660 v3 @ 3.00GHz", 8),
            "intel-xeon-e5-1660-v3-8c"
        );
        assert_eq!(machine_id("", 4), "unknown-4c");
    }

    #[test]
    fn dates_are_iso8601() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(1_767_225_600), "2026-01-01T00:00:00Z");
        assert_eq!(iso8601(951_782_400 + 3661), "2000-02-29T01:01:01Z");
    }
}
