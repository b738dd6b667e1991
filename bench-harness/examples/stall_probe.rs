//! How often this machine takes a spinning thread's core away: the floor under any tail
//! latency figure measured here.
//!
//! ```text
//! cargo run --release -p bench-harness --example stall_probe [SECONDS]
//! ```
//!
//! One thread reads the monotonic clock in a loop for SECONDS (default 1) and counts the gaps
//! between consecutive reads longer than 10 µs and 30 µs, and the time lost in them. On a
//! quiet machine there are none; on a virtual machine whose vCPUs the host preempts, each gap
//! delays every packet waiting behind it, so a p99 latency below the typical gap needs fewer
//! than 1% of samples to fall in one.

use std::time::{Duration, Instant};

fn main() {
    let secs: f64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(1.0);
    let run = Duration::from_secs_f64(secs);
    let start = Instant::now();
    let mut last = start;
    let (mut over_10us, mut over_30us, mut lost) = (0u64, 0u64, Duration::ZERO);
    let mut longest = Duration::ZERO;
    while last - start < run {
        let t = Instant::now();
        let gap = t - last;
        if gap > Duration::from_micros(10) {
            over_10us += 1;
            lost += gap;
            longest = longest.max(gap);
        }
        if gap > Duration::from_micros(30) {
            over_30us += 1;
        }
        last = t;
    }
    let elapsed = (last - start).as_secs_f64();
    println!(
        "{:.1} s spinning: {} gaps over 10 us, {} over 30 us, longest {:.1} us; {:.2}% of the time lost",
        elapsed,
        over_10us,
        over_30us,
        longest.as_secs_f64() * 1e6,
        lost.as_secs_f64() / elapsed * 100.0
    );
}
