//! The kernels over every available design and item size, with tiny counts: every item
//! arrives, in order. No timing is checked.

use engine::queue::QueueKind;

use super::*;

/// Unpinned, so tests running side by side on a small machine share its cores.
const UNPINNED: Cores = None;

#[test]
fn throughput_moves_every_item_in_order_for_every_design_and_size() {
    for &queue in QueueKind::available() {
        for bytes in ITEM_BYTES {
            for (batch, touch) in [(1, false), (32, true), (7, false)] {
                let mut cfg = ThroughputConfig::new(queue, 1_000);
                cfg.capacity = 64;
                cfg.batch = batch;
                cfg.touch = touch;
                cfg.cores = UNPINNED;
                let what = format!("{queue} {bytes} B batch {batch}");
                let t = throughput(&cfg, bytes).unwrap_or_else(|e| panic!("{what}: {e}"));
                assert_eq!(t.items, 1_000, "{what}");
                assert_eq!(t.pinned, [false, false], "{what}");
                assert!(t.mitems_per_s() > 0.0, "{what}");
            }
        }
    }
}

#[test]
fn a_batch_larger_than_the_queue_still_moves_every_item() {
    for &queue in QueueKind::available() {
        let mut cfg = ThroughputConfig::new(queue, 1_000);
        cfg.capacity = 8;
        cfg.batch = 50;
        cfg.cores = UNPINNED;
        let t = throughput(&cfg, 8).unwrap_or_else(|e| panic!("{queue}: {e}"));
        assert_eq!(t.items, 1_000);
    }
}

#[test]
fn pingpong_echoes_every_round_for_every_design_and_size() {
    for &queue in QueueKind::available() {
        for bytes in ITEM_BYTES {
            let mut cfg = PingPongConfig::new(queue, 100);
            cfg.capacity = 16;
            cfg.cores = UNPINNED;
            let p = pingpong(&cfg, bytes).unwrap_or_else(|e| panic!("{queue} {bytes} B: {e}"));
            assert_eq!(p.rounds, 100);
            assert!(p.rtt_ns() > 0.0);
        }
    }
}

#[test]
fn atomic_pingpong_bounces() {
    let p = atomic_pingpong(1_000, 100, UNPINNED).expect("atomic ping-pong");
    assert_eq!(p.rounds, 1_000);
    assert!(p.rtt_ns() > 0.0);
}

#[test]
fn pinning_is_recorded_not_required() {
    // Cores this machine lacks (the second beyond any CPU set): pinning fails, the run
    // still happens.
    let mut cfg = ThroughputConfig::new(QueueKind::Rtrb, 100);
    cfg.cores = Some([1000, usize::MAX]);
    let t = throughput(&cfg, 8).expect("runs unpinned");
    assert_eq!(t.pinned, [false, false]);
}

#[test]
fn bad_input_is_an_error() {
    let cfg = ThroughputConfig::new(QueueKind::Rtrb, 100);
    let err = throughput(&cfg, 7).unwrap_err();
    assert_eq!(err, QueueBenchError::InvalidItemBytes { bytes: 7 });
    assert!(err.to_string().contains("8, 16, 32, 64, 128, 256"), "{err}");
    let err = throughput(&ThroughputConfig { batch: 0, ..cfg.clone() }, 8).unwrap_err();
    assert_eq!(err, QueueBenchError::InvalidBatch { batch: 0 });
    let err = throughput(&ThroughputConfig { items: 0, ..cfg.clone() }, 8).unwrap_err();
    assert_eq!(err, QueueBenchError::ZeroCount { what: "items" });
    let err = throughput(&ThroughputConfig { cores: Some([1, 1]), ..cfg.clone() }, 8).unwrap_err();
    assert_eq!(err, QueueBenchError::SameCore { core: 1 });
    let err = throughput(&ThroughputConfig { capacity: 0, ..cfg }, 8).unwrap_err();
    assert!(matches!(err, QueueBenchError::Queue(_)), "{err}");
    assert!(pingpong(&PingPongConfig::new(QueueKind::Rtrb, 0), 8).is_err());
    assert!(atomic_pingpong(0, 0, UNPINNED).is_err());
}

/// A queue that loses or reorders item 5, to show that the kernels report it and stop.
mod faulty {
    use std::collections::VecDeque;
    use std::sync::{Arc, Mutex, MutexGuard};

    use engine::queue::{Consumer, Producer};

    use crate::queue_bench::BenchItem;

    /// What goes wrong with item 5.
    #[derive(Clone, Copy)]
    pub enum Fault {
        /// It is never delivered.
        Lose,
        /// It comes after item 6.
        SwapWithNext,
    }

    struct Shared<I> {
        items: VecDeque<I>,
        held: Option<I>,
        producer_gone: bool,
        consumer_gone: bool,
    }

    pub struct FaultyProducer<I>(Arc<Mutex<Shared<I>>>, Fault);
    pub struct FaultyConsumer<I>(Arc<Mutex<Shared<I>>>);

    const CAPACITY: usize = 4;

    pub fn queue<I>(fault: Fault) -> (FaultyProducer<I>, FaultyConsumer<I>) {
        let shared = Arc::new(Mutex::new(Shared {
            items: VecDeque::new(),
            held: None,
            producer_gone: false,
            consumer_gone: false,
        }));
        (FaultyProducer(shared.clone(), fault), FaultyConsumer(shared))
    }

    fn lock<I>(shared: &Mutex<Shared<I>>) -> MutexGuard<'_, Shared<I>> {
        shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    impl<I: BenchItem> Producer<I> for FaultyProducer<I> {
        fn try_push(&mut self, item: I) -> Result<(), I> {
            let mut s = lock(&self.0);
            if s.items.len() == CAPACITY {
                return Err(item);
            }
            match (item.seq(), self.1) {
                (5, Fault::Lose) => {}
                (5, Fault::SwapWithNext) => s.held = Some(item),
                (6, Fault::SwapWithNext) => {
                    s.items.push_back(item);
                    let held = s.held.take();
                    s.items.extend(held);
                }
                _ => s.items.push_back(item),
            }
            Ok(())
        }
        fn capacity(&self) -> usize {
            CAPACITY
        }
        fn is_abandoned(&self) -> bool {
            lock(&self.0).consumer_gone
        }
    }

    impl<I: BenchItem> Consumer<I> for FaultyConsumer<I> {
        fn try_pop(&mut self) -> Option<I> {
            lock(&self.0).items.pop_front()
        }
        fn capacity(&self) -> usize {
            CAPACITY
        }
        fn is_abandoned(&self) -> bool {
            lock(&self.0).producer_gone
        }
    }

    impl<I> Drop for FaultyProducer<I> {
        fn drop(&mut self) {
            lock(&self.0).producer_gone = true;
        }
    }

    impl<I> Drop for FaultyConsumer<I> {
        fn drop(&mut self) {
            lock(&self.0).consumer_gone = true;
        }
    }
}

#[test]
fn a_lost_or_reordered_item_is_an_error_not_a_hang() {
    use faulty::{Fault, queue};
    for batch in [1, 3] {
        let cfg = ThroughputConfig {
            batch,
            warmup_items: 0,
            cores: UNPINNED,
            ..ThroughputConfig::new(QueueKind::Rtrb, 1_000)
        };
        let (p, c) = queue::<Item<2>>(Fault::Lose);
        let err = throughput::run(&cfg, p, c).unwrap_err();
        assert_eq!(err, QueueBenchError::OutOfOrder { expected: 5, got: 6 }, "batch {batch}");
        let (p, c) = queue::<Item<2>>(Fault::SwapWithNext);
        let err = throughput::run(&cfg, p, c).unwrap_err();
        assert_eq!(err, QueueBenchError::OutOfOrder { expected: 5, got: 6 }, "batch {batch}");
    }
    // In a warm-up too: the items restart from 0 after it, so the fault is in the warm-up.
    let cfg = ThroughputConfig {
        warmup_items: 100,
        cores: UNPINNED,
        ..ThroughputConfig::new(QueueKind::Rtrb, 100)
    };
    let (p, c) = queue::<Item<1>>(Fault::Lose);
    assert!(matches!(throughput::run(&cfg, p, c), Err(QueueBenchError::OutOfOrder { .. })));
    // (Ping-pong has no such test: with one item in flight, a lost item leaves both threads
    // waiting for each other, as any protocol without timeouts would.)
}
