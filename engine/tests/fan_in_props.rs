//! Properties of fan-in across threads: with lanes of every queue design and with the shared
//! multi-producer baseline, every producer's items arrive in its order, none lost or
//! duplicated, and the end of the stream comes after the last item of the last producer; a
//! batch fan-in recycles every batch to the pool of the thread that sent it.

use std::collections::{HashMap, HashSet};
use std::thread;

use engine::queue::{
    Backoff, FanInKind, FanInPoll, FanInRecv, MAX_FAN_IN, QueueError, QueueKind, WaitStrategy,
    batch::POOL_SLACK, batch_fan_in, fan_in,
};
use proptest::prelude::*;
use wire::PacketRecord;

/// Producer `p`'s item `i`.
fn item(p: usize, i: u64) -> u64 {
    ((p as u64) << 32) | i
}

/// Pushes `count` items from each of `producers` threads (in chunks of up to `chunk`) through a
/// fan-in and pops them (up to `pop_max` at a time); returns each producer's items in arrival
/// order.
fn fan_in_round_trip(
    kind: FanInKind,
    queue: QueueKind,
    producers: usize,
    capacity: usize,
    count: u64,
    chunk: usize,
    pop_max: usize,
) -> Vec<Vec<u64>> {
    let (senders, mut receiver) =
        fan_in::<u64>(kind, queue, producers, capacity).expect("valid fan-in");
    assert_eq!((receiver.producers(), receiver.kind()), (producers, kind));
    let threads: Vec<_> = senders
        .into_iter()
        .enumerate()
        .map(|(p, mut tx)| {
            thread::spawn(move || {
                let mut backoff = Backoff::new(WaitStrategy::SpinPark);
                let mut next = 0u64;
                let mut pending = Vec::with_capacity(chunk);
                while next < count || !pending.is_empty() {
                    while pending.len() < chunk && next < count {
                        pending.push(item(p, next));
                        next += 1;
                    }
                    if tx.push_from(&mut pending) > 0 {
                        backoff.reset();
                    } else {
                        backoff.snooze();
                    }
                }
            })
        })
        .collect();
    let mut got = vec![Vec::new(); producers];
    let mut out = Vec::new();
    let mut backoff = Backoff::new(WaitStrategy::SpinPark);
    loop {
        out.clear();
        match receiver.pop_into(&mut out, pop_max) {
            FanInPoll::Got(n) => {
                assert!(n >= 1 && n <= pop_max.max(1) && n == out.len());
                if kind == FanInKind::Lanes {
                    let p = out[0] >> 32;
                    assert!(out.iter().all(|&v| v >> 32 == p), "one lane per poll");
                }
                for &v in &out {
                    got[(v >> 32) as usize].push(v & 0xffff_ffff);
                }
                backoff.reset();
            }
            FanInPoll::Empty => backoff.snooze(),
            FanInPoll::Finished => break,
        }
    }
    assert_eq!(receiver.pop_into(&mut out, 1), FanInPoll::Finished, "finished stays");
    for t in threads {
        t.join().expect("producer thread");
    }
    got
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_producer_arrives_in_order_and_complete(
        kind in prop::sample::select(FanInKind::ALL.to_vec()),
        queue in prop::sample::select(QueueKind::available()),
        producers in 1usize..5,
        capacity in 1usize..32,
        count in 0u64..3_000,
        chunk in 1usize..40,
        pop_max in 0usize..40,
    ) {
        let got = fan_in_round_trip(kind, queue, producers, capacity, count, chunk, pop_max);
        for items in got {
            prop_assert_eq!(items, (0..count).collect::<Vec<_>>());
        }
    }

    #[test]
    fn batch_fan_in_recycles_to_the_sender(
        kind in prop::sample::select(FanInKind::ALL.to_vec()),
        queue in prop::sample::select(QueueKind::available()),
        senders in 1usize..4,
        capacity in 1usize..8,
        batch in 1usize..40,
        count in 0u32..3_000,
    ) {
        let (txs, mut rx) = batch_fan_in(kind, queue, senders, capacity, batch).expect("valid");
        prop_assert_eq!((rx.senders(), rx.kind()), (senders, kind));
        let threads: Vec<_> = txs
            .into_iter()
            .enumerate()
            .map(|(lane, mut tx)| {
                thread::spawn(move || {
                    let mut backoff = Backoff::new(WaitStrategy::SpinPark);
                    let mut next = 0u32;
                    while next < count {
                        let Some(mut b) = tx.acquire() else {
                            backoff.snooze();
                            continue;
                        };
                        while !b.is_full() && next < count {
                            let mut r = PacketRecord::default();
                            r.seq_no = next;
                            r.ts_ns = lane as u64;
                            b.push(r);
                            next += 1;
                        }
                        while let Err(back) = tx.send(b) {
                            b = back;
                            backoff.snooze();
                        }
                        backoff.reset();
                    }
                })
            })
            .collect();
        let mut got: Vec<Vec<u32>> = vec![Vec::new(); senders];
        let mut batches: HashMap<usize, HashSet<usize>> = HashMap::new();
        let mut backoff = Backoff::new(WaitStrategy::SpinPark);
        loop {
            match rx.recv() {
                FanInRecv::Batch { lane, batch } => {
                    prop_assert!(batch.iter().all(|r| r.ts_ns == lane as u64), "lane tag");
                    got[lane].extend(batch.iter().map(|r| r.seq_no));
                    batches.entry(lane).or_default().insert(&*batch as *const _ as usize);
                    rx.recycle(lane, batch);
                    backoff.reset();
                }
                FanInRecv::Empty => backoff.snooze(),
                FanInRecv::Finished => break,
            }
        }
        for t in threads {
            t.join().expect("sender thread");
        }
        for (lane, records) in got.into_iter().enumerate() {
            prop_assert_eq!(records, (0..count).collect::<Vec<_>>(), "lane {}", lane);
        }
        for distinct in batches.values() {
            prop_assert!(distinct.len() <= capacity + POOL_SLACK, "a pool never grows");
        }
    }
}

#[test]
fn sizes_and_names_are_checked() {
    let err = |producers, capacity| {
        fan_in::<u64>(FanInKind::Lanes, QueueKind::Rtrb, producers, capacity).err()
    };
    assert_eq!(err(0, 4), Some(QueueError::InvalidProducers { producers: 0 }));
    assert_eq!(
        err(MAX_FAN_IN + 1, 4),
        Some(QueueError::InvalidProducers { producers: MAX_FAN_IN + 1 })
    );
    assert_eq!(err(2, 0), Some(QueueError::InvalidCapacity { capacity: 0 }));
    assert_eq!(
        err(4, usize::MAX / 2),
        Some(QueueError::InvalidCapacity { capacity: usize::MAX / 2 })
    );
    assert!(batch_fan_in(FanInKind::Shared, QueueKind::Rtrb, 0, 4, 4).is_err(), "no senders");
    for kind in FanInKind::ALL {
        assert_eq!(kind.name().parse::<FanInKind>(), Ok(kind));
        assert_eq!(kind.to_string(), kind.name());
    }
    let message = "star".parse::<FanInKind>().unwrap_err().to_string();
    assert!(message.contains("`star`"), "{message}");
    for kind in FanInKind::ALL {
        assert!(message.contains(kind.name()), "{message} lacks {kind}");
    }
    assert_eq!(FanInKind::default(), FanInKind::Lanes);
}
