//! `pktstream plot RESULTS`: redraws a suite's figures from its results folder or its
//! `summary.json`, without running anything: the sweep suites (`jetstream`, `fais`, `scaling`,
//! `sharding`, `latency`, or a suite file's) and the `queues` and `apps` suites, with the
//! captions their runs drew.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::suite_sweep::{SweepResults, draw_figures};
use crate::results::schema::Provenance;
use crate::suite::{apps, queues};

/// Flags of `pktstream plot`.
#[derive(Debug, Args)]
pub struct PlotArgs {
    /// A suite's results folder (holding `summary.json`) or the `summary.json` itself.
    pub results: PathBuf,
    /// Where to write the figures (default: beside `summary.json`).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub(super) fn run(args: &PlotArgs) -> anyhow::Result<()> {
    let summary = if args.results.is_dir() {
        args.results.join("summary.json")
    } else {
        args.results.clone()
    };
    let text =
        std::fs::read(&summary).with_context(|| format!("cannot read {}", summary.display()))?;
    let v: Value = serde_json::from_slice(&text)
        .with_context(|| format!("{}: not JSON", summary.display()))?;
    let dir = match &args.out {
        Some(d) => d.clone(),
        None => summary.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let at = |what: &str| format!("{}: {what}", summary.display());
    let files = match v["config"]["suite"].as_str() {
        Some("queues") => {
            let prov: Provenance = field(&v, "provenance").with_context(|| at("provenance"))?;
            let s = queues::QueuesSummary {
                points: field(&v, "points").with_context(|| at("points"))?,
                targets: field(&v, "targets").with_context(|| at("targets"))?,
            };
            let designs: Vec<String> =
                field(&v["config"], "designs").with_context(|| at("config.designs"))?;
            let designs = designs
                .iter()
                .map(|d| d.parse())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| anyhow::anyhow!("{}: config.designs: {e}", summary.display()))?;
            let rounds = v["config"]["rounds"].as_u64().unwrap_or(0) as usize;
            super::suite_queues::draw(
                &dir,
                &s,
                &designs,
                &super::suite_queues::caption(&prov, rounds),
            )?
        }
        Some("apps") => {
            let prov: Provenance = field(&v, "provenance").with_context(|| at("provenance"))?;
            let points: Vec<apps::PointSummary> =
                field(&v, "points").with_context(|| at("points"))?;
            let c = &v["config"];
            let caption = super::suite_apps::caption(
                &prov,
                c["rounds"].as_u64().unwrap_or(0) as usize,
                c["trace"]["packets"].as_u64().unwrap_or(0),
                c["trace"]["scenarios"].as_array().map_or(0, Vec::len),
                c["quick"].as_bool().unwrap_or(false),
                v["partial"].as_bool().unwrap_or(false),
            );
            super::suite_apps::draw(&dir, &points, &caption)?
        }
        _ => {
            let file: SweepResults = serde_json::from_value(v).with_context(|| {
                at("not the summary of a suite (jetstream, fais, scaling, sharding, latency, \
                    queues, apps, or a suite file's)")
            })?;
            draw_figures(&dir, &file)?
        }
    };
    for f in files {
        println!("{}", f.display());
    }
    Ok(())
}

/// Field `name` of `v`, deserialised.
fn field<T: DeserializeOwned>(v: &Value, name: &str) -> anyhow::Result<T> {
    serde_json::from_value(v[name].clone()).map_err(|e| anyhow::anyhow!("{e}"))
}
