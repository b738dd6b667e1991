//! Runs a `pktstream` subcommand in a fresh process and reads the results object it writes with
//! `--json`: suites and `reproduce` measure every trial in its own process, so one trial's
//! allocator, caches and thread placement never leak into the next.

use std::path::Path;
use std::process::Command;

use anyhow::Context;
use serde_json::Value;

/// Runs `exe subcommand args... --json json` and returns the JSON object it wrote; fails with the
/// child's stderr when it exits unsuccessfully.
pub(super) fn run_json(
    exe: &Path,
    subcommand: &str,
    args: &[String],
    json: &Path,
) -> anyhow::Result<Value> {
    let out = Command::new(exe)
        .arg(subcommand)
        .args(args)
        .arg("--json")
        .arg(json)
        .output()
        .with_context(|| format!("cannot start {}", exe.display()))?;
    if !out.status.success() {
        anyhow::bail!(
            "pktstream {subcommand} {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let text = std::fs::read(json).with_context(|| format!("cannot read {}", json.display()))?;
    serde_json::from_slice(&text).with_context(|| format!("{} is not JSON", json.display()))
}
