//! The release loop delivers every frame exactly once per loop, in order, at every pacing, and
//! stops exactly where the limit and the duration say.

use wire::{Frame, FrameBuffer, parse_frame, unique_ip};

use super::*;
use crate::{GenConfig, Profile, generate};

fn trace(packets: u64) -> FrameBuffer {
    generate(&GenConfig::new(Profile::CaidaLike, packets, 3)).unwrap()
}

fn run(frames: &FrameBuffer, cfg: &ReplayConfig) -> (ReplayOutcome, FrameBuffer) {
    let mut sink = CollectingSink::default();
    let out = replay(&mut PreloadedSource::new(frames), &mut sink, cfg, &mut |_| {}).unwrap();
    (out, sink.frames)
}

/// Fast enough for a test: each mode replays a few thousand frames in well under a second.
fn pacings() -> Vec<Pacing> {
    vec![
        Pacing::TopSpeed,
        Pacing::Pps(5e6),
        Pacing::Mbps(40_000.0),
        // The generated trace is paced at 10 Gb/s: 20 times faster is 200 Gb/s.
        Pacing::Original { multiplier: 20.0 },
    ]
}

#[test]
fn every_pacing_releases_every_frame_once_in_order_with_its_timestamp() {
    let frames = trace(3000);
    let first_ts = frames.metas()[0].ts_ns;
    for pacing in pacings() {
        let cfg = ReplayConfig { pacing, loops: 3, ..ReplayConfig::default() };
        let (out, got) = run(&frames, &cfg);
        assert_eq!(out.stop, StopReason::Loops, "{pacing}");
        assert_eq!((out.packets, out.dropped), (9000, 0), "{pacing}");
        assert_eq!(out.loops.completed, 3);
        assert_eq!(out.loops.frames_per_loop, Some(3000));
        let bytes: u64 = frames.metas().iter().map(|m| u64::from(m.wire_len)).sum();
        assert_eq!(out.bytes, 3 * bytes);
        assert_eq!(out.loops.bytes_per_loop, Some(bytes));
        if let Pacing::Mbps(r) = pacing {
            let offered = out.loops.offered_gbps().unwrap();
            assert!((offered - r / 1e3).abs() < 1e-6 * offered, "{offered}");
        }
        if let Pacing::Pps(r) = pacing {
            assert!((out.loops.offered_pps().unwrap() - r).abs() < 1e-6 * r);
        }
        assert_eq!(out.loops.offered_pps().is_some(), pacing.is_paced());
        let sched = schedule_buffer(&frames, pacing).unwrap();
        let ts_span = out.loops.timestamp_span_ns.unwrap();
        assert_eq!(out.loops.span_ns, Some(sched.span_ns));
        assert_eq!(got.len(), 9000);
        for (i, g) in got.iter().enumerate() {
            let (k, j) = ((i / 3000) as u64, i % 3000);
            let f = frames.get(j).unwrap();
            assert_eq!((g.bytes, g.wire_len, g.link), (f.bytes, f.wire_len, f.link), "{pacing}");
            let want_ts = if pacing.is_paced() {
                first_ts + k * sched.span_ns + sched.times[j]
            } else {
                f.ts_ns + k * ts_span
            };
            assert_eq!(g.ts_ns, want_ts, "{pacing}: frame {i}");
        }
        let recorded = out.departure_error_ns.len();
        assert_eq!(recorded, if pacing.is_paced() { 9000 } else { 0 }, "{pacing}");
        assert!(out.duration_ns >= 3 * sched.span_ns);
    }
}

#[test]
fn original_timing_at_multiplier_one_keeps_the_timestamps() {
    let frames = trace(500);
    let cfg = ReplayConfig { pacing: Pacing::Original { multiplier: 1.0 }, ..Default::default() };
    let (_, got) = run(&frames, &cfg);
    assert_eq!(got, frames);
}

#[test]
fn limit_and_duration_stop_at_exact_counts() {
    let frames = trace(1000);
    for pacing in pacings() {
        let cfg = ReplayConfig { pacing, loops: 0, limit: Some(2345), ..Default::default() };
        let (out, got) = run(&frames, &cfg);
        assert_eq!((out.stop, out.packets, got.len()), (StopReason::Limit, 2345, 2345), "{pacing}");
        assert_eq!(out.loops.started, 3);
        assert_eq!(out.loops.completed, 2);
        assert_eq!(got.get(2344).unwrap().bytes, frames.get(344).unwrap().bytes);
    }
    // Paced, the duration releases exactly the frames scheduled before it: at 1 Mpps, one per
    // microsecond, 1500 frames in 1.5 ms over two loops.
    let cfg = ReplayConfig {
        pacing: Pacing::Pps(1e6),
        loops: 0,
        duration_ns: Some(1_500_000),
        ..Default::default()
    };
    let (out, got) = run(&frames, &cfg);
    assert_eq!((out.stop, out.packets, got.len()), (StopReason::Duration, 1500, 1500));
    assert!(out.duration_ns >= 1_500_000);
    // At top speed the duration is wall-clock time: it stops, and what it released is whole.
    let cfg = ReplayConfig {
        pacing: Pacing::TopSpeed,
        loops: 0,
        duration_ns: Some(2_000_000),
        ..Default::default()
    };
    let (out, got) = run(&frames, &cfg);
    assert_eq!(out.stop, StopReason::Duration);
    assert_eq!(out.packets, got.len() as u64);
    assert!(out.duration_ns >= 2_000_000);
}

#[test]
fn endless_replays_need_a_limit_or_a_duration() {
    let frames = trace(10);
    let mut sink = NullSink::default();
    let cfg = ReplayConfig { loops: 0, ..Default::default() };
    let err = replay(&mut PreloadedSource::new(&frames), &mut sink, &cfg, &mut |_| {});
    assert!(matches!(err, Err(ReplayError::Endless)), "{err:?}");
    assert!(ReplayError::Endless.to_string().contains("--duration or --limit"));
    let cfg = ReplayConfig { pacing: Pacing::Mbps(-1.0), ..Default::default() };
    let err = replay(&mut PreloadedSource::new(&frames), &mut sink, &cfg, &mut |_| {});
    assert!(matches!(err, Err(ReplayError::Pacing(_))));
    assert_eq!(sink.frames, 0, "nothing released before the configuration was checked");
}

#[test]
fn unique_ip_loops_carry_rewritten_frames_and_loop_zero_is_untouched() {
    let frames = trace(800);
    for pacing in [Pacing::TopSpeed, Pacing::Pps(4e6)] {
        let cfg = ReplayConfig { pacing, loops: 3, unique_ip: true, ..Default::default() };
        let (out, got) = run(&frames, &cfg);
        assert_eq!(out.packets, 2400);
        for (i, g) in got.iter().enumerate() {
            let (k, j) = ((i / 800) as u64, i % 800);
            let f = frames.get(j).unwrap();
            if k == 0 {
                assert_eq!(g.bytes, f.bytes);
            }
            let want = parse_frame(&f, 0).map(|mut r| {
                unique_ip::rewrite_record(&mut r, k);
                r
            });
            let have = parse_frame(&Frame { ts_ns: f.ts_ns, ..g }, 0);
            assert_eq!(have, want, "frame {i}");
        }
    }
}

#[test]
fn refused_frames_are_counted_and_the_replay_goes_on() {
    struct EveryOther(u64);
    impl ReplaySink for EveryOther {
        fn accept(&mut self, _: &Frame<'_>, _: u64) -> Result<(), SinkError> {
            self.0 += 1;
            if self.0.is_multiple_of(2) { Err(SinkError::Refused("even".into())) } else { Ok(()) }
        }
    }
    let frames = trace(100);
    let mut sink = EveryOther(0);
    let cfg = ReplayConfig { pacing: Pacing::TopSpeed, loops: 2, ..Default::default() };
    let out = replay(&mut PreloadedSource::new(&frames), &mut sink, &cfg, &mut |_| {}).unwrap();
    assert_eq!((out.packets, out.dropped, sink.0), (100, 100, 200));
    assert_eq!(out.first_refusal.as_deref(), Some("even"));
}

#[test]
fn statistics_arrive_periodically_and_empty_traces_end_at_once() {
    // 20 ms of paced replay, statistics every 0.5 ms. A stalled thread (this runs on shared
    // machines) coalesces the intervals it missed into one callback, so the count is bounded
    // above by the intervals that passed and below only loosely.
    let interval = 500_000;
    let frames = trace(10_000);
    let mut calls = Vec::new();
    let cfg = ReplayConfig {
        pacing: Pacing::Pps(1e6),
        loops: 2,
        stats_interval_ns: Some(interval),
        ..Default::default()
    };
    let mut sink = NullSink::default();
    let out = replay(&mut PreloadedSource::new(&frames), &mut sink, &cfg, &mut |s| calls.push(*s))
        .unwrap();
    let most = (out.duration_ns / interval) as usize;
    assert!((2..=most).contains(&calls.len()), "{} calls in {} ns", calls.len(), out.duration_ns);
    assert!(calls.windows(2).all(|w| w[0].packets <= w[1].packets));
    // Callbacks follow a grid of intervals from the clock's start: at most one per interval.
    assert!(calls.windows(2).all(|w| w[1].elapsed_ns / interval > w[0].elapsed_ns / interval));
    assert!(calls.iter().all(|s| s.dropped == 0 && s.pps > 0.0));

    let empty = FrameBuffer::new();
    let cfg = ReplayConfig { loops: 0, limit: Some(5), ..Default::default() };
    let (out, got) = run(&empty, &cfg);
    assert_eq!((out.stop, out.packets, got.len()), (StopReason::EmptyTrace, 0, 0));
    assert_eq!(out.departure_error_ns.len(), 0);
}
