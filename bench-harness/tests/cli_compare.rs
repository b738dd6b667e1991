//! `pktstream compare`: two small trials files (faster, within noise, only in A or B, the JSON),
//! the committed apps results against themselves, and errors that name the file, line and column.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn pktstream(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pktstream")).args(args).output().expect("run pktstream")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Writes a trials file: a warm-up row, then rounds of `app` at 1 and 2 workers; `apps` gives
/// each app's throughput (every round a little different).
fn write_trials(dir: &Path, name: &str, apps: &[(&str, f64)]) -> PathBuf {
    let mut s = String::from("warmup,round,order,app,topology,workers,packets,mpps,gbps\n");
    s.push_str("true,,0,warm,rtc,1,100,1000,1000\n");
    for (round, jitter) in [1.0, 1.03, 0.98, 1.01, 0.99].iter().enumerate() {
        for (app, mpps) in apps {
            for workers in [1, 2] {
                let v = mpps * workers as f64 * jitter;
                s.push_str(&format!("false,{round},0,{app},rtc,{workers},100,{v},{}\n", v * 6.0));
            }
        }
    }
    let path = dir.join(name);
    std::fs::write(&path, s).unwrap();
    path
}

#[test]
fn compares_two_trials_files() {
    let dir = tempfile::tempdir().unwrap();
    let a =
        write_trials(dir.path(), "a.csv", &[("flow-counter", 10.0), ("same", 5.0), ("old", 1.0)]);
    let b =
        write_trials(dir.path(), "b.csv", &[("flow-counter", 20.0), ("same", 5.0), ("new", 1.0)]);
    let json = dir.path().join("out").join("cmp.json");
    let (a, b, j) = (a.to_str().unwrap(), b.to_str().unwrap(), json.to_str().unwrap());
    let o = pktstream(&["compare", a, b, "--json", j]);
    let stdout = text(&o.stdout);
    assert!(o.status.success(), "{stdout}\n{}", text(&o.stderr));
    for expected in [
        "mpps (higher is better)",
        "gbps (higher is better)",
        "only in A (2):\n  app=old topology=rtc workers=1\n",
        "only in B (2):\n  app=new topology=rtc workers=1\n",
    ] {
        assert!(stdout.contains(expected), "no {expected:?} in:\n{stdout}");
    }
    let row = |app: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(&format!("{app} ")))
            .unwrap_or_else(|| panic!("no row of {app}:\n{stdout}"))
            .to_string()
    };
    assert!(row("flow-counter").contains("2.000") && row("flow-counter").ends_with("faster"));
    assert!(row("same").contains("1.000") && row("same").ends_with("within noise"));
    assert!(stdout.contains("mpps: 4 configurations: 2 faster, 2 within noise"), "{stdout}");

    let v: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["tables"][0]["metric"], "mpps");
    let first = &v["tables"][0]["rows"][0];
    assert_eq!(first["config"]["app"], "flow-counter");
    assert_eq!((first["n_a"].as_u64(), first["n_b"].as_u64()), (Some(5), Some(5)));
    assert_eq!(first["verdict"], "faster");
    assert_eq!(v["only_in_b"][0]["app"], "new");

    // One metric only.
    let o = pktstream(&["compare", a, b, "--metric", "gbps"]);
    let stdout = text(&o.stdout);
    assert!(o.status.success() && !stdout.contains("mpps ("), "{stdout}");
}

#[test]
fn committed_apps_results_match_themselves() {
    let apps = concat!(env!("CARGO_MANIFEST_DIR"), "/../results/amd-epyc-2c/apps");
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("cmp.json");
    let o = pktstream(&["compare", apps, apps, "--json", json.to_str().unwrap()]);
    let stdout = text(&o.stdout);
    assert!(o.status.success(), "{stdout}\n{}", text(&o.stderr));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let tables = v["tables"].as_array().unwrap();
    assert!(!tables.is_empty(), "{stdout}");
    for table in tables {
        let rows = table["rows"].as_array().unwrap();
        assert!(!rows.is_empty(), "{stdout}");
        for row in rows {
            assert_eq!(row["verdict"], "within noise", "{row}");
        }
    }
    assert!(!stdout.contains("only in"), "{stdout}");
}

#[test]
fn errors_name_the_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let good = write_trials(dir.path(), "good.csv", &[("x", 1.0)]);
    let good = good.to_str().unwrap();
    let check = |args: &[&str], expected: &[&str]| {
        let o = pktstream(args);
        let stderr = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        for e in expected {
            assert!(stderr.contains(e), "{args:?}: no {e:?} in {stderr}");
        }
        assert!(!stderr.contains("panicked"), "{stderr}");
    };

    let missing = dir.path().join("missing");
    check(&["compare", good, missing.to_str().unwrap()], &["cannot read", "/missing: "]);

    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "app,workers,mpps\nx,1,2.5\nx,1,fast\n").unwrap();
    check(&["compare", good, bad.to_str().unwrap()], &["bad.csv line 3", "`mpps`", "`fast`"]);

    let headless = dir.path().join("headless.csv");
    std::fs::write(&headless, "false,0,0,x,rtc,1,100,1,6\n").unwrap();
    check(&["compare", headless.to_str().unwrap(), good], &["headless.csv line 1", "no header"]);

    check(&["compare", good, good, "--metric", "nope"], &["no column `nope`"]);
}
