//! Checks every FastForward-family design passes, written once against the [`Producer`] and
//! [`Consumer`] traits: a property test against a `VecDeque` model, dropping of leftover items,
//! end of stream, and a million items across two threads.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;

use super::{Consumer, Producer};

/// Boxed halves of a queue of `T`.
pub(crate) type Halves<T> = (Box<dyn Producer<T>>, Box<dyn Consumer<T>>);

/// One step of a single-threaded run.
#[derive(Debug, Clone)]
enum Op {
    Push,
    PushFrom(usize),
    Pop,
    PopInto(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        Just(Op::Push),
        (0usize..12).prop_map(Op::PushFrom),
        Just(Op::Pop),
        (0usize..12).prop_map(Op::PopInto),
    ]
}

/// Random capacities and random sequences of pushes and pops give what a `VecDeque` gives.
///
/// `make(capacity)` builds the queue and says its refusal slack: a push is refused only when
/// the queue holds more than `capacity() - slack` items (0: exactly when it is full).
pub(crate) fn matches_a_model_queue(make: impl Fn(usize) -> (Halves<u64>, usize)) {
    // Miri runs a few cases: enough to check the pointer accesses of every operation.
    let cases = if cfg!(miri) { 3 } else { 256 };
    let config = ProptestConfig { cases, ..ProptestConfig::default() };
    proptest!(config, |(capacity in 1usize..20, ops in prop::collection::vec(op(), 1..200))| {
        let ((mut p, mut c), slack) = make(capacity);
        let cap = p.capacity();
        prop_assert_eq!(cap, c.capacity());
        prop_assert!(cap >= capacity);
        let mut model = VecDeque::new();
        let mut next = 0u64;
        for op in ops {
            match op {
                Op::Push => match p.try_push(next) {
                    Ok(()) => {
                        model.push_back(next);
                        next += 1;
                    }
                    Err(back) => {
                        prop_assert_eq!(back, next);
                        prop_assert!(model.len() + slack >= cap, "refused at {} of {}", model.len(), cap);
                    }
                },
                Op::PushFrom(n) => {
                    let mut items: Vec<u64> = (next..next + n as u64).collect();
                    let moved = p.push_from(&mut items);
                    prop_assert_eq!(items, (next + moved as u64..next + n as u64).collect::<Vec<_>>());
                    model.extend(next..next + moved as u64);
                    next += moved as u64;
                    if moved < n {
                        prop_assert!(model.len() + slack >= cap, "batch stopped at {} of {}", model.len(), cap);
                    }
                }
                Op::Pop => prop_assert_eq!(c.try_pop(), model.pop_front()),
                Op::PopInto(n) => {
                    let mut out = vec![u64::MAX];
                    let popped = c.pop_into(&mut out, n);
                    let expected: Vec<u64> = model.drain(..n.min(model.len())).collect();
                    prop_assert_eq!(popped, expected.len());
                    prop_assert_eq!(&out[1..], &expected[..]);
                }
            }
            prop_assert!(model.len() <= cap);
        }
        let mut rest = Vec::new();
        c.pop_into(&mut rest, usize::MAX);
        prop_assert_eq!(rest, model.into_iter().collect::<Vec<_>>());
    });
}

/// An item that counts its drops.
#[derive(Debug)]
pub(crate) struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// Items still in the ring are dropped with it, once each, whichever half goes first, also
/// when the consumer stopped inside a line; and each half sees the other's drop.
pub(crate) fn drops_what_is_left_and_sees_abandonment(make: impl Fn(usize) -> Halves<Counted>) {
    for consumer_first in [false, true] {
        for popped in 0..6 {
            let drops = Arc::new(AtomicUsize::new(0));
            let (mut p, mut c) = make(6);
            let mut pushed = 0;
            while p.try_push(Counted(drops.clone())).is_ok() {
                pushed += 1;
            }
            assert_eq!(drops.load(Ordering::Relaxed), 1, "the refused item is given back");
            for _ in 0..popped {
                drop(c.try_pop().expect("pushed"));
            }
            assert_eq!(drops.load(Ordering::Relaxed), 1 + popped);
            assert!(!p.is_abandoned() && !c.is_abandoned());
            if consumer_first {
                drop(c);
                assert!(p.is_abandoned());
                drop(p);
            } else {
                drop(p);
                assert!(c.is_abandoned());
                drop(c);
            }
            assert_eq!(drops.load(Ordering::Relaxed), 1 + pushed, "every item dropped once");
        }
    }
}

/// A million items (a few hundred under Miri, which interprets every spin) through the queue
/// between two threads, with random batch sizes on both sides, arrive in order, each once.
pub(crate) fn a_million_items_cross_threads_in_order(make: impl Fn(usize) -> Halves<u64>) {
    const ITEMS: u64 = if cfg!(miri) { 300 } else { 1_000_000 };
    for capacity in [5, 64] {
        let (mut p, mut c) = make(capacity);
        let sender = std::thread::spawn(move || {
            let mut random = Xorshift(0x9e37_79b9_7f4a_7c15);
            let mut next = 0;
            let mut batch = Vec::new();
            while next < ITEMS || !batch.is_empty() {
                if batch.is_empty() {
                    let n = random.next() % 40;
                    batch.extend(next..(next + n).min(ITEMS));
                    next = (next + n).min(ITEMS);
                }
                let moved = if batch.len() == 1 {
                    match p.try_push(batch[0]) {
                        Ok(()) => batch.clear(),
                        Err(_) => std::thread::yield_now(),
                    }
                    continue;
                } else {
                    p.push_from(&mut batch)
                };
                if moved == 0 {
                    std::thread::yield_now();
                }
            }
        });
        let mut random = Xorshift(0x2545_f491_4f6c_dd1d);
        let mut expected = 0;
        let mut out = Vec::with_capacity(64);
        while expected < ITEMS {
            out.clear();
            let n = (random.next() % 40) as usize;
            let got = if n == 0 {
                c.try_pop().map(|item| out.push(item)).is_some() as usize
            } else {
                c.pop_into(&mut out, n)
            };
            if got == 0 {
                std::thread::yield_now();
            }
            for &item in &out {
                assert_eq!(item, expected);
                expected += 1;
            }
        }
        sender.join().expect("producer thread");
        assert_eq!(c.try_pop(), None);
        assert!(c.is_abandoned());
    }
}

/// A small deterministic generator for batch sizes.
struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}
