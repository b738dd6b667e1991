//! The single-threaded reference: the plainest evaluation of a query, against which every
//! topology, queue, batch size and worker count is tested. One thread reads the trace in order
//! (each loop shifted by the trace span, as the engine's NIC does), parses each frame, and for
//! each side applies filter, map and key (after the query's payload probe), and updates the state of every window holding the
//! record's time, in an ordered map. No RSS, no queues, no batches, no watermarks, no eviction.

use std::collections::BTreeMap;

use wire::{FrameBuffer, parse_frame};

use super::compile::CompiledQuery;
use super::output::QueryOutput;
use crate::runtime::nic::event_times;
use crate::runtime::trace_span_ns;
use crate::state::windowed::Row;

/// Runs `q` over `frames` replayed `loops` times; with `unique_ip`, the records of loop
/// `k >= 1` have their addresses rewritten by [`wire::unique_ip::rewrite_record`].
pub fn run_reference(
    q: &CompiledQuery,
    frames: &FrameBuffer,
    loops: u64,
    unique_ip: bool,
) -> QueryOutput {
    let times = event_times(frames);
    let span = trace_span_ns(frames);
    let window = q.window();
    let mut state = BTreeMap::new();
    for k in 0..loops {
        for (i, f) in frames.iter().enumerate() {
            let Ok(mut r) = parse_frame(&f, i as u32) else { continue };
            r.ts_ns = times.as_ref().map_or(f.ts_ns, |t| t[i]) + k * span;
            if unique_ip {
                wire::unique_ip::rewrite_record(&mut r, k);
            }
            q.probe.apply(f.bytes, &mut r);
            for (s, side) in q.sides.iter().enumerate() {
                let Some(m) = side.select(&r) else { continue };
                let key = side.key.pack(&m);
                window.for_each_start(r.ts_ns, |start| {
                    let acc =
                        state.entry((start, s as u8, key)).or_insert_with(|| side.aggs.new_acc());
                    side.aggs.update(acc, &m);
                });
            }
        }
    }
    QueryOutput::collect(
        q,
        state.into_iter().map(|((window, side, key), acc)| Row { window, side, key, acc }),
    )
}

/// [`run_reference`] for the query, loops and `--unique-ip` of a run configuration.
pub fn run_reference_config(
    cfg: &crate::EngineConfig,
    frames: &FrameBuffer,
) -> Result<QueryOutput, super::QueryError> {
    Ok(run_reference(&cfg.query_spec().compile()?, frames, cfg.loops, cfg.unique_ip))
}
