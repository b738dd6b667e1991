//! `pktstream queue-bench`: one queue design's throughput between two pinned threads and,
//! with `--pingpong`, its round-trip time beside the hardware floor (see
//! [`crate::queue_bench`]).

use std::path::PathBuf;

use clap::Args;
use engine::queue::QueueKind;

use crate::queue_bench::{
    DEFAULT_CAPACITY, PingPong, PingPongConfig, ThroughputConfig, atomic_pingpong, pingpong,
    throughput,
};
use crate::results::schema::{QueueBenchConfig, QueueBenchReport, ResultsFile};
use crate::results::{provenance, write_json};

/// Flags of `pktstream queue-bench`.
#[derive(Debug, Args, Clone)]
pub struct QueueBenchArgs {
    /// Queue design (rtrb, lamport, iffq, ...; an unknown name lists every valid one).
    #[arg(long)]
    pub queue: String,
    /// Items per push_from/pop_into call; 1 uses try_push/try_pop.
    #[arg(long, default_value_t = 32)]
    pub batch: usize,
    /// Bytes per item: 8, 16, 32, 64, 128 or 256.
    #[arg(long, default_value_t = 8)]
    pub item_bytes: usize,
    /// The consumer reads every byte of every item (else only its sequence number).
    #[arg(long)]
    pub touch: bool,
    /// Also measure the round trip through two queues of the design, and of one atomic word.
    #[arg(long)]
    pub pingpong: bool,
    /// Items moved under the clock (a tenth as many warm up first).
    #[arg(long, default_value_t = 20_000_000)]
    pub items: u64,
    /// Round trips under the clock with --pingpong (a tenth as many warm up first).
    #[arg(long, default_value_t = 1_000_000)]
    pub rounds: u64,
    /// Queue capacity in items.
    #[arg(long, default_value_t = DEFAULT_CAPACITY)]
    pub capacity: usize,
    /// Two distinct cores: the producer's (and ping-pong sender's), then the consumer's.
    #[arg(long, default_value = "0,1", value_parser = parse_cores)]
    pub cores: CorePair,
    /// Write the results object (JSON) to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Machine id for the results' provenance.
    #[arg(long)]
    pub machine: Option<String>,
}

/// Two core numbers, as `--cores A,B` gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CorePair(pub [usize; 2]);

fn parse_cores(s: &str) -> Result<CorePair, String> {
    let bad = || format!("expected two distinct cores such as 0,1; got '{s}'");
    let (a, b) = s.split_once(',').ok_or_else(bad)?;
    let a: usize = a.trim().parse().map_err(|_| bad())?;
    let b: usize = b.trim().parse().map_err(|_| bad())?;
    if a == b {
        return Err(bad());
    }
    Ok(CorePair([a, b]))
}

/// Measures as the flags ask: throughput, then (with `--pingpong`) the queue's round trip and
/// the atomic floor, all in this process on the same two cores.
pub fn queue_bench_report(args: &QueueBenchArgs) -> anyhow::Result<QueueBenchReport> {
    let queue: QueueKind = args.queue.parse()?;
    let cores = Some(args.cores.0);
    let cfg = ThroughputConfig {
        capacity: args.capacity,
        batch: args.batch,
        touch: args.touch,
        cores,
        ..ThroughputConfig::new(queue, args.items)
    };
    let t = throughput(&cfg, args.item_bytes)?;
    let mut pinned = t.pinned;
    let mut rtt = |p: PingPong| {
        pinned = [pinned[0] && p.pinned[0], pinned[1] && p.pinned[1]];
        Some(p.rtt_ns())
    };
    let (rtt_ns, atomic_pingpong_rtt_ns) = if args.pingpong {
        let cfg = PingPongConfig {
            capacity: args.capacity,
            cores,
            ..PingPongConfig::new(queue, args.rounds)
        };
        let queue_rtt = rtt(pingpong(&cfg, args.item_bytes)?);
        let floor = rtt(atomic_pingpong(args.rounds, args.rounds / 10, cores)?);
        (queue_rtt, floor)
    } else {
        (None, None)
    };
    Ok(QueueBenchReport {
        queue: queue.to_string(),
        batch: args.batch,
        item_bytes: args.item_bytes,
        items: t.items,
        mitems_per_s: t.mitems_per_s(),
        rtt_ns,
        atomic_pingpong_rtt_ns,
        seconds: t.elapsed.as_secs_f64(),
        pinned: pinned.to_vec(),
    })
}

/// The one-line human summary `queue-bench` prints.
pub fn queue_bench_summary(r: &QueueBenchReport, cores: CorePair) -> String {
    let mut s = format!(
        "{}, {} B items, batch {}: {:.1} M items/s ({} items in {:.3} s)",
        r.queue, r.item_bytes, r.batch, r.mitems_per_s, r.items, r.seconds
    );
    if let (Some(rtt), Some(floor)) = (r.rtt_ns, r.atomic_pingpong_rtt_ns) {
        s.push_str(&format!("; round trip {rtt:.0} ns (atomic floor {floor:.0} ns)"));
    }
    let [a, b] = cores.0;
    match r.pinned[..] {
        [true, true] => s.push_str(&format!("; cores {a},{b}")),
        _ => s.push_str(&format!("; NOT pinned to cores {a},{b} (pinned: {:?})", r.pinned)),
    }
    s
}

pub(super) fn run(args: &QueueBenchArgs) -> anyhow::Result<()> {
    let report = queue_bench_report(args)?;
    println!("{}", queue_bench_summary(&report, args.cores));
    if let Some(json) = &args.json {
        let config = QueueBenchConfig {
            queue: report.queue.clone(),
            batch: args.batch,
            item_bytes: args.item_bytes,
            touch: args.touch,
            pingpong: args.pingpong,
            items: args.items,
            rounds: args.rounds,
            capacity: args.capacity,
            cores: args.cores.0.to_vec(),
        };
        // No trace is involved: generator version 0 and an empty trace hash.
        let prov = provenance::collect(args.machine.as_deref(), 0, String::new());
        write_json(json, &ResultsFile::new(prov, config, report))?;
    }
    Ok(())
}
