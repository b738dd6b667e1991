//! Runs a `pktstream` subcommand in a fresh process and reads the results object it writes with
//! `--json`: suites and `reproduce` measure every trial in its own process, so one trial's
//! allocator, caches and thread placement never leak into the next.

use std::path::Path;
use std::process::Command;

use anyhow::Context;
use serde_json::Value;

/// Runs `exe subcommand args...` and returns what it printed on stdout; fails with the child's
/// stderr when it exits unsuccessfully.
pub(super) fn run(exe: &Path, subcommand: &str, args: &[String]) -> anyhow::Result<String> {
    let out = Command::new(exe)
        .arg(subcommand)
        .args(args)
        .output()
        .with_context(|| format!("cannot start {}", exe.display()))?;
    if !out.status.success() {
        anyhow::bail!(
            "pktstream {subcommand} {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs `exe subcommand args... --json json` and returns the JSON object it wrote; fails with the
/// child's stderr when it exits unsuccessfully.
pub(super) fn run_json(
    exe: &Path,
    subcommand: &str,
    args: &[String],
    json: &Path,
) -> anyhow::Result<Value> {
    let mut with_json = args.to_vec();
    with_json.extend(["--json".to_string(), json.display().to_string()]);
    run(exe, subcommand, &with_json)?;
    let text = std::fs::read(json).with_context(|| format!("cannot read {}", json.display()))?;
    serde_json::from_slice(&text).with_context(|| format!("{} is not JSON", json.display()))
}
