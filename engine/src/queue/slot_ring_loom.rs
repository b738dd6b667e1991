//! Loom models of the FastForward-family designs: over every interleaving (within a preemption
//! bound), items published by one thread arrive at the other in order, each once, through a
//! ring small enough to wrap around and fill up; batch calls publish and free whole batches; and
//! a consumer polling with [`poll`] sees `Finished` only after the last item.

use super::biffq::biffq_queue_with_line;
use super::fastforward::fastforward_queue;
use super::iffq::iffq_queue_with_line;
use super::sync::thread;
use super::{Consumer, Polled, Producer, poll};

type Halves = (Box<dyn Producer<usize>>, Box<dyn Consumer<usize>>);

/// FastForward of two slots.
fn fastforward() -> Halves {
    let (p, c) = fastforward_queue(2);
    (Box::new(p), Box::new(c))
}

/// IFFQ with 2-slot lines: the smallest ring with a real line (4 slots, capacity 2).
fn iffq() -> Halves {
    let (p, c) = iffq_queue_with_line(2, 2);
    (Box::new(p), Box::new(c))
}

/// BIFFQ with 2-slot lines (4 slots, capacity 2).
fn biffq() -> Halves {
    let (p, c) = biffq_queue_with_line(2, 2);
    (Box::new(p), Box::new(c))
}

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(4);
    builder.check(f);
}

/// Polls until `Finished`, yielding while empty, with `pop_into` batches of up to `batch`
/// (1: `try_pop` through `poll`); returns the items in order.
fn drain(consumer: &mut dyn Consumer<usize>, batch: usize) -> Vec<usize> {
    let mut got = Vec::new();
    loop {
        if batch > 1 {
            if consumer.pop_into(&mut got, batch) > 0 {
                continue;
            }
        }
        match poll(consumer) {
            Polled::Item(item) => got.push(item),
            Polled::Empty => thread::yield_now(),
            Polled::Finished => return got,
        }
    }
}

/// Pushes `items` one at a time, yielding while full, then drops the producer.
fn push_each(mut producer: Box<dyn Producer<usize>>, items: Vec<usize>) {
    for item in items {
        let mut item = item;
        while let Err(back) = producer.try_push(item) {
            item = back;
            thread::yield_now();
        }
    }
}

/// Pushes `items` with `push_from`, yielding while full, then drops the producer.
fn push_batches(mut producer: Box<dyn Producer<usize>>, mut items: Vec<usize>) {
    while !items.is_empty() {
        if producer.push_from(&mut items) == 0 {
            thread::yield_now();
        }
    }
}

/// Single items, more than the ring's slots: wrap-around, full and empty, end of stream.
fn publish_and_consume(make: fn() -> Halves, items: usize) {
    model(move || {
        let (producer, mut consumer) = make();
        let expected: Vec<usize> = (1..=items).collect();
        let sent = expected.clone();
        let sender = thread::spawn(move || push_each(producer, sent));
        assert_eq!(drain(&mut *consumer, 1), expected);
        sender.join().expect("producer thread");
    });
}

/// Batches both ways: `push_from` and `pop_into`.
fn batches(make: fn() -> Halves, items: usize) {
    model(move || {
        let (producer, mut consumer) = make();
        let expected: Vec<usize> = (1..=items).collect();
        let sent = expected.clone();
        let sender = thread::spawn(move || push_batches(producer, sent));
        assert_eq!(drain(&mut *consumer, 2), expected);
        sender.join().expect("producer thread");
    });
}

/// A producer dropped without pushing: the consumer finishes with nothing.
fn empty_stream(make: fn() -> Halves) {
    model(move || {
        let (producer, mut consumer) = make();
        let sender = thread::spawn(move || drop(producer));
        assert_eq!(drain(&mut *consumer, 1), Vec::<usize>::new());
        sender.join().expect("producer thread");
    });
}

/// The consumer drops while the producer pushes: the producer sees it, and the ring's drop
/// frees what is left (loom reports a leak or a double access otherwise).
fn consumer_leaves(make: fn() -> Halves) {
    model(move || {
        let (mut producer, mut consumer) = make();
        let receiver = thread::spawn(move || {
            let _ = consumer.try_pop();
            drop(consumer);
        });
        let _ = producer.try_push(1);
        let _ = producer.try_push(2);
        receiver.join().expect("consumer thread");
        assert!(producer.is_abandoned());
    });
}

#[test]
fn loom_fastforward_wraps_fills_and_finishes() {
    publish_and_consume(fastforward, 3);
}

#[test]
fn loom_fastforward_batches() {
    batches(fastforward, 3);
}

#[test]
fn loom_fastforward_empty_stream_finishes() {
    empty_stream(fastforward);
}

#[test]
fn loom_fastforward_consumer_leaves() {
    consumer_leaves(fastforward);
}

#[test]
fn loom_iffq_wraps_fills_and_finishes() {
    publish_and_consume(iffq, 5);
}

#[test]
fn loom_iffq_batches() {
    batches(iffq, 5);
}

#[test]
fn loom_iffq_empty_stream_finishes() {
    empty_stream(iffq);
}

#[test]
fn loom_iffq_consumer_leaves() {
    consumer_leaves(iffq);
}

#[test]
fn loom_biffq_wraps_fills_and_finishes() {
    publish_and_consume(biffq, 5);
}

#[test]
fn loom_biffq_batches() {
    batches(biffq, 5);
}

#[test]
fn loom_biffq_empty_stream_finishes() {
    empty_stream(biffq);
}

#[test]
fn loom_biffq_consumer_leaves() {
    consumer_leaves(biffq);
}
