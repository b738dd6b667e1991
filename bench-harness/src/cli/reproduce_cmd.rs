//! `pktstream reproduce`: the flow counter of Fais et al. on the built-in caida-like traffic,
//! 1 and 2 workers on `rtc` and `pipeline`, three separate process runs per configuration with
//! configurations interleaved, written as results files and a figure beside the papers' numbers.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use serde_json::Value;
use tracegen::Profile;

use crate::plot::scaling::{RefKind, ReferenceLine, ScalingPoint, ScalingSeries, draw_scaling};
use crate::results::csv::{flatten, to_csv};
use crate::results::{provenance, write_atomic, write_json};
use crate::traces;

/// Flags of `pktstream reproduce`.
#[derive(Debug, Args)]
pub struct ReproduceArgs {
    /// A short run (small trace, short measurements) to check that everything works.
    #[arg(long)]
    pub quick: bool,
    /// Results folder; files go to DIR/<machine_id>/flow-counter/.
    #[arg(long, default_value = "results")]
    pub out: PathBuf,
    /// Machine id (default: a slug of the CPU model and core count).
    #[arg(long)]
    pub machine: Option<String>,
    /// Separate process runs per configuration.
    #[arg(long, default_value_t = 3)]
    pub trials: usize,
}

/// The configurations measured: (topology, workers).
const CONFIGS: [(&str, usize); 4] = [("rtc", 1), ("rtc", 2), ("pipeline", 1), ("pipeline", 2)];

/// Jetstream (HotCloud'18): about 2.9 Mpps per core.
const JETSTREAM_MPPS_PER_CORE: f64 = 2.9;
/// Fais et al. (Sensors 2021): about 5.2 Mpps, nearly 20 Gb/s of ~480 B packets.
const FAIS_MPPS: f64 = 5.2;
const FAIS_GBPS: f64 = 20.0;

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    match s.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => s[n / 2],
        n => (s[n / 2 - 1] + s[n / 2]) / 2.0,
    }
}

/// Runs `pktstream run` in a fresh process and returns its results object.
fn run_process(exe: &Path, args: &[String], json: &Path) -> anyhow::Result<Value> {
    super::child::run_json(exe, "run", args, json)
}

pub(super) fn run(args: &ReproduceArgs) -> anyhow::Result<()> {
    let (packets, target_s) = if args.quick { (200_000u64, 0.3) } else { (2_000_000, 2.0) };
    let trials = args.trials.max(1);
    let exe = std::env::current_exe().context("cannot find the pktstream executable")?;
    eprintln!("reproduce: caida-like trace of {packets} packets (generated once, then cached)");
    let path = traces::generated(Profile::CaidaLike, packets, 1)?;
    let trace = traces::load(&path, false, Default::default())?;
    let stats = crate::trace_stats::compute(&trace.capture);
    let prov =
        provenance::collect(args.machine.as_deref(), tracegen::GENERATOR_VERSION, trace.sha256);
    let dir = args.out.join(&prov.machine_id).join("flow-counter");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let tmp = tempdir_in(&dir)?;

    // Calibrate the loop count so the fastest configuration lasts at least about `target_s`:
    // two workers may run more than twice as fast as one (each table is half the size), and the
    // probe itself may land on a slow moment of a noisy machine.
    let base = |topology: &str, workers: usize, loops: u64| -> Vec<String> {
        let mut v: Vec<String> = ["--app", "flow-counter", "--trace"].map(String::from).to_vec();
        v.push(path.display().to_string());
        v.extend(["--topology".into(), topology.into(), "--workers".into(), workers.to_string()]);
        v.extend(["--loop".into(), loops.to_string(), "--machine".into(), prov.machine_id.clone()]);
        v
    };
    let probe = run_process(&exe, &base("rtc", 1, 1), &tmp.join("probe.json"))?;
    let probe_mpps = probe["mpps"].as_f64().unwrap_or(1.0).max(0.01);
    let loops = ((target_s * 3.0 * probe_mpps * 1e6 / packets as f64).ceil() as u64).max(1);
    eprintln!(
        "reproduce: probe {probe_mpps:.1} Mpps on rtc x1; looping the trace {loops}x so each \
         measurement lasts about {target_s} s or more; {} runs",
        trials * CONFIGS.len()
    );

    let mut rows: Vec<Value> = Vec::new();
    for trial in 0..trials {
        // Interleave: every trial runs every configuration, starting one further along.
        for k in 0..CONFIGS.len() {
            let (topology, workers) = CONFIGS[(k + trial) % CONFIGS.len()];
            let json = tmp.join(format!("{topology}-{workers}-{trial}.json"));
            let mut v = run_process(&exe, &base(topology, workers, loops), &json)?;
            eprintln!(
                "  trial {} {topology} x{workers}: {:.2} Mpps, {:.2} Gb/s over {:.2} s",
                trial + 1,
                v["mpps"].as_f64().unwrap_or(f64::NAN),
                v["gbps"].as_f64().unwrap_or(f64::NAN),
                v["duration_s"].as_f64().unwrap_or(f64::NAN),
            );
            v["trial"] = Value::from(trial);
            rows.push(v);
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);

    // Raw trials, every field, and the summary per configuration.
    write_json(&dir.join("runs.json"), &rows)?;
    let flat: Vec<_> = rows.iter().map(flatten).collect();
    write_atomic(&dir.join("runs.csv"), to_csv(&flat).as_bytes())?;
    let mut series: Vec<ScalingSeries> = Vec::new();
    let mut summary_rows = Vec::new();
    for (topology, workers) in CONFIGS {
        let mine: Vec<&Value> =
            rows.iter().filter(|r| r["topology"] == topology && r["workers"] == workers).collect();
        let get = |k: &str| mine.iter().filter_map(|r| r[k].as_f64()).collect::<Vec<f64>>();
        let share: Vec<f64> = mine
            .iter()
            .filter_map(|r| {
                let w: Vec<f64> = r["per_worker"]
                    .as_array()?
                    .iter()
                    .filter_map(|w| w["packets"].as_f64())
                    .collect();
                let total: f64 = w.iter().sum();
                (total > 0.0).then(|| w.iter().copied().fold(0.0, f64::max) / total)
            })
            .collect();
        let point =
            ScalingPoint { workers, mpps: get("mpps"), gbps: get("gbps"), max_worker_share: share };
        summary_rows.push(serde_json::json!({
            "topology": topology, "workers": workers, "trials": mine.len(),
            "mpps_median": median(&point.mpps), "mpps_min": point.mpps.iter().copied().fold(f64::INFINITY, f64::min),
            "mpps_max": point.mpps.iter().copied().fold(0.0, f64::max),
            "gbps_median": median(&point.gbps), "max_worker_share_median": median(&point.max_worker_share),
            "duration_s_median": median(&get("duration_s")),
            "oversubscribed": mine.first().map_or(Value::Null, |r| r["oversubscribed"].clone()),
            "conservation_ok": mine.iter().all(|r| r["conservation_ok"] == true),
        }));
        match series.iter_mut().find(|s| s.label == topology) {
            Some(s) => s.points.push(point),
            None => series.push(ScalingSeries { label: topology.into(), points: vec![point] }),
        }
    }
    let summary = serde_json::json!({
        "schema_version": crate::results::schema::SCHEMA_VERSION,
        "provenance": prov,
        "config": {"app": "flow-counter", "profile": "caida-like", "packets": packets, "seed": 1,
                   "loops": loops, "trials": trials, "configs": CONFIGS.iter().map(|(t, w)| format!("{t}x{w}")).collect::<Vec<_>>()},
        "trace": stats,
        "summary": summary_rows,
    });
    write_json(&dir.join("summary.json"), &summary)?;
    let flat: Vec<_> = summary_rows.iter().map(flatten).collect();
    write_atomic(&dir.join("summary.csv"), to_csv(&flat).as_bytes())?;

    let commit: String = prov.git_commit.chars().take(10).collect();
    let oversubscribed: Vec<String> = summary_rows
        .iter()
        .filter(|r| r["oversubscribed"] == true)
        .map(|r| format!("{} x{}", r["topology"].as_str().unwrap_or("?"), r["workers"]))
        .collect();
    let caption = format!(
        "{} ({}, {} cores), commit {}{}, {}. In-memory, header-only: caida-like trace, {} packets, \
         {} flows, mean {:.0} B, looped {}x. Median of {} process runs; bars min to max.{}",
        prov.machine_id,
        prov.cpu_model,
        prov.cores,
        commit,
        if prov.git_dirty { "+dirty" } else { "" },
        prov.date_utc,
        stats.packets,
        stats.flows,
        stats.mean_wire_len,
        loops,
        trials,
        if oversubscribed.is_empty() {
            String::new()
        } else {
            format!(" Oversubscribed (more threads than cores): {}.", oversubscribed.join(", "))
        }
    );
    let refs = [
        ReferenceLine {
            label: format!("Jetstream (HotCloud'18): {JETSTREAM_MPPS_PER_CORE} Mpps per core"),
            kind: RefKind::PerCoreMpps(JETSTREAM_MPPS_PER_CORE),
        },
        ReferenceLine {
            label: format!("Fais et al. (Sensors'21): {FAIS_MPPS} Mpps"),
            kind: RefKind::ConstantMpps(FAIS_MPPS),
        },
        ReferenceLine {
            label: format!("Fais et al. (Sensors'21): {FAIS_GBPS} Gb/s"),
            kind: RefKind::ConstantGbps(FAIS_GBPS),
        },
    ];
    let files =
        draw_scaling(&series, &refs, stats.mean_wire_len, &caption, &dir.join("throughput"))?;

    println!(
        "flow-counter, caida-like ({} packets, {} flows), looped {loops}x, median of {trials}:",
        stats.packets, stats.flows
    );
    println!(
        "  {:<10} {:>7} {:>10} {:>10} {:>14} {:>8}",
        "topology", "workers", "Mpps", "Gb/s", "largest share", "over-sub"
    );
    for r in &summary_rows {
        println!(
            "  {:<10} {:>7} {:>10.2} {:>10.2} {:>14.3} {:>8}",
            r["topology"].as_str().unwrap_or("?"),
            r["workers"],
            r["mpps_median"].as_f64().unwrap_or(f64::NAN),
            r["gbps_median"].as_f64().unwrap_or(f64::NAN),
            r["max_worker_share_median"].as_f64().unwrap_or(f64::NAN),
            r["oversubscribed"],
        );
    }
    for topology in ["rtc", "pipeline"] {
        let find =
            |w: usize| summary_rows.iter().find(|r| r["topology"] == topology && r["workers"] == w);
        if let (Some(one), Some(two)) = (find(1), find(2)) {
            let speedup = two["mpps_median"].as_f64().unwrap_or(0.0)
                / one["mpps_median"].as_f64().unwrap_or(1.0);
            let share = two["max_worker_share_median"].as_f64().unwrap_or(0.5);
            println!(
                "  {topology}: speedup 1->2 workers {speedup:.2}x, scaling efficiency (speedup x largest share) {:.2}",
                speedup * share
            );
        }
    }
    println!(
        "wrote {} and {}",
        dir.join("summary.csv").display(),
        files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", ")
    );
    Ok(())
}

/// A fresh scratch folder inside `dir` for the runs' JSON files.
fn tempdir_in(dir: &Path) -> anyhow::Result<PathBuf> {
    let p = dir.join(format!(".runs-{}", std::process::id()));
    std::fs::create_dir_all(&p).with_context(|| format!("cannot create {}", p.display()))?;
    Ok(p)
}
