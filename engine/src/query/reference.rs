//! The single-threaded reference: the plainest possible implementation of each app, against
//! which every topology, queue, batch size and worker count is tested.

use wire::{FrameBuffer, parse_frame};

use super::{AppKind, FlowCounts};
use crate::state::flow_table::Counters;

/// Runs `app` over `frames` replayed `loops` times, in order, on this thread: parse each frame,
/// count it. No RSS, no queues, no batching, no flow table of our own (a `BTreeMap`).
pub fn run_reference(app: AppKind, frames: &FrameBuffer, loops: u64) -> FlowCounts {
    run_reference_looped(app, frames, loops, false)
}

/// [`run_reference`], with `--unique-ip` when `unique_ip` is set: the records of loop `k >= 1`
/// have their addresses rewritten by [`wire::unique_ip::rewrite_record`] before they are counted.
pub fn run_reference_looped(
    app: AppKind,
    frames: &FrameBuffer,
    loops: u64,
    unique_ip: bool,
) -> FlowCounts {
    match app {
        AppKind::FlowCounter => {
            let mut out = FlowCounts::default();
            for k in 0..loops {
                for (i, f) in frames.iter().enumerate() {
                    if let Ok(mut r) = parse_frame(&f, i as u32) {
                        if unique_ip {
                            wire::unique_ip::rewrite_record(&mut r, k);
                        }
                        out.add(
                            r.flow_key(),
                            Counters { packets: 1, bytes: u64::from(r.wire_len()) },
                        );
                    }
                }
            }
            out
        }
    }
}
