//! A query of your own, written in Rust with the query API and run on every topology.
//!
//! ```text
//! cargo run --release -p bench-harness --example own_query
//! ```
//!
//! Per source address and 50 ms window: packets, bytes, the mean IP length and the distinct
//! destination ports (a HyperLogLog of 2^10 registers), for UDP and TCP sources that touched
//! at least 3 ports; the five with the most ports per window. The same query as data is what a
//! `run --config` file's `[query]` table holds (see `examples/top_talkers.toml`).

use engine::plan::Topology;
use engine::query::{AggSpec, Cmp, CmpOp, Field, Predicate, QuerySpec, Window};
use engine::runtime::pin::PinPlan;
use engine::{EngineConfig, run};
use tracegen::{GenConfig, Profile, generate};

fn main() -> anyhow::Result<()> {
    let frames = generate(&GenConfig::new(Profile::CaidaLike, 200_000, 7))?;
    let query = QuerySpec::new()
        .filter(Predicate::new(Field::Proto, CmpOp::Ne, 1))
        .key_by(&[Field::Src])
        .window(Window::tumbling(50_000_000))
        .aggregate(AggSpec::count().named("packets"))
        .aggregate(AggSpec::sum(Field::WireLen).named("bytes"))
        .aggregate(AggSpec::mean(Field::IpLen))
        .aggregate(AggSpec::distinct_hll(&[Field::Dport], 10).named("ports"))
        .having("ports", Cmp::Ge, 3)
        .top_k(5, "ports");
    // A mistake in the query is found here, with its place: `query.having[0]: ...`.
    query.compile()?;
    println!("{}", toml::to_string(&query)?);
    let mut dumps = Vec::new();
    for (name, topology) in Topology::ALL {
        if topology == Topology::Rtc {
            continue; // keyed by source, not by flow: rtc refuses it ("use two-stage")
        }
        let mut cfg = EngineConfig::new(engine::query::AppKind::FlowCounter, topology, 2);
        cfg.query = Some(query.clone());
        cfg.pin = PinPlan::None;
        let outcome = run(&frames, &cfg)?;
        println!(
            "{name:>9}: {:.2} Mpps, {} rows, conservation {}",
            outcome.processed() as f64 / outcome.duration_ns as f64 * 1e3,
            outcome.output.rows.len(),
            outcome.conservation_ok()
        );
        dumps.push(outcome.output.to_csv());
    }
    assert!(dumps.windows(2).all(|w| w[0] == w[1]), "every topology gives the same output");
    println!("\nfirst rows:");
    for line in dumps[0].lines().take(6) {
        println!("  {line}");
    }
    Ok(())
}
