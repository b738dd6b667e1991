//! Fan-in: several producer threads feeding one consumer, as a collector, a shuffle's receiving
//! side or a farm's gatherer needs. Two designs, chosen by [`FanInKind`]:
//!
//! - [`FanInKind::Lanes`] (the default): one single-producer/single-consumer lane per producer,
//!   of any [`QueueKind`], which the consumer polls in turn, as FastFlow builds its all-to-all.
//!   No two threads ever write the same cache line of queue state, so producers never contend.
//! - [`FanInKind::Shared`]: the baseline, one bounded multi-producer queue
//!   ([`shared_queue`](super::mpsc)), a crossbeam `ArrayQueue` every producer pushes into with
//!   a compare-and-swap on its shared tail.
//!
//! Each producer's items arrive in the order it pushed them, each exactly once; items of
//! different producers interleave in no promised order. The stream ends when every producer
//! has been dropped and everything they pushed has been popped: [`FanInPoll::Finished`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::mpsc::{SharedQueueConsumer, shared_queue};
use super::{Consumer, MAX_CAPACITY, Producer, QueueError, QueueKind, spsc};

/// The most producers one fan-in takes.
pub const MAX_FAN_IN: usize = 1024;

/// How several producers reach one consumer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FanInKind {
    /// `lanes`: a single-producer lane per producer, polled in turn by the consumer.
    #[default]
    Lanes,
    /// `shared`: one bounded multi-producer queue (crossbeam `ArrayQueue`), as a baseline.
    Shared,
}

impl FanInKind {
    /// Every fan-in design, in the order error messages list them.
    pub const ALL: [FanInKind; 2] = [FanInKind::Lanes, FanInKind::Shared];

    /// The design's name, as configurations and the command line spell it.
    pub const fn name(self) -> &'static str {
        match self {
            FanInKind::Lanes => "lanes",
            FanInKind::Shared => "shared",
        }
    }
}

impl fmt::Display for FanInKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for FanInKind {
    type Err = QueueError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        FanInKind::ALL
            .into_iter()
            .find(|kind| kind.name() == name)
            .ok_or_else(|| QueueError::UnknownFanIn { name: name.to_owned() })
    }
}

/// What one [`FanInReceiver::pop_into`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum FanInPoll {
    /// This many items (at least 1) were appended, each producer's in its order (with lanes,
    /// all from one producer).
    Got(usize),
    /// Nothing right now; some producer is still alive.
    Empty,
    /// Every producer is gone and everything they pushed has been popped. Stays so.
    Finished,
}

/// The consumer of a fan-in.
pub struct FanInReceiver<T> {
    source: Source<T>,
    producers: usize,
}

enum Source<T> {
    Lanes {
        lanes: Vec<Box<dyn Consumer<T>>>,
        /// Lanes whose producer is gone and which have been drained.
        finished: Vec<bool>,
        /// Lanes not finished.
        open: usize,
        /// The lane the next poll looks at first.
        next: usize,
    },
    Shared {
        consumer: SharedQueueConsumer<T>,
        finished: bool,
    },
}

impl<T: Send> FanInReceiver<T> {
    /// Appends up to `max` (at least 1) of the oldest items to `out`: with lanes, one
    /// producer's; with the shared queue, in the order the producers' pushes landed.
    ///
    /// With lanes, the poll starts at the lane after the one that last gave items, so a busy
    /// producer cannot starve the others.
    pub fn pop_into(&mut self, out: &mut Vec<T>, max: usize) -> FanInPoll {
        let max = max.max(1);
        match &mut self.source {
            Source::Lanes { lanes, finished, open, next } => {
                let count = lanes.len();
                for step in 0..count {
                    let i = (*next + step) % count;
                    if finished[i] {
                        continue;
                    }
                    let lane = &mut lanes[i];
                    let mut got = lane.pop_into(out, max);
                    // The end-of-stream protocol of `Consumer::is_abandoned`: abandonment is
                    // checked first, and a pop after it that finds nothing means drained.
                    if got == 0 && lane.is_abandoned() {
                        got = lane.pop_into(out, max);
                        if got == 0 {
                            finished[i] = true;
                            *open -= 1;
                        }
                    }
                    if got > 0 {
                        *next = (i + 1) % count;
                        return FanInPoll::Got(got);
                    }
                }
                if *open == 0 { FanInPoll::Finished } else { FanInPoll::Empty }
            }
            Source::Shared { consumer, finished } => {
                if *finished {
                    return FanInPoll::Finished;
                }
                let mut got = consumer.pop_into(out, max);
                if got == 0 && consumer.is_abandoned() {
                    got = consumer.pop_into(out, max);
                    if got == 0 {
                        *finished = true;
                        return FanInPoll::Finished;
                    }
                }
                if got > 0 { FanInPoll::Got(got) } else { FanInPoll::Empty }
            }
        }
    }

    /// How many producers the fan-in was built with.
    pub fn producers(&self) -> usize {
        self.producers
    }

    /// The design this fan-in was built with.
    pub fn kind(&self) -> FanInKind {
        match self.source {
            Source::Lanes { .. } => FanInKind::Lanes,
            Source::Shared { .. } => FanInKind::Shared,
        }
    }
}

/// The producers of a fan-in, one per producer thread, in lane order.
pub type FanInSenders<T> = Vec<Box<dyn Producer<T>>>;

/// Builds a fan-in of design `kind` from `producers` producers to one consumer.
///
/// With [`FanInKind::Lanes`] each lane is a queue of design `queue` holding `capacity` items;
/// with [`FanInKind::Shared`] the one shared queue holds `producers * capacity` items, the same
/// total, and `queue` is not used.
///
/// # Errors
/// [`QueueError::InvalidProducers`] unless `1 <= producers <= MAX_FAN_IN`;
/// [`QueueError::InvalidCapacity`] unless `1 <= producers * capacity <= MAX_CAPACITY`.
pub fn fan_in<T: Send + 'static>(
    kind: FanInKind,
    queue: QueueKind,
    producers: usize,
    capacity: usize,
) -> Result<(FanInSenders<T>, FanInReceiver<T>), QueueError> {
    if !(1..=MAX_FAN_IN).contains(&producers) {
        return Err(QueueError::InvalidProducers { producers });
    }
    let total = producers.saturating_mul(capacity);
    if capacity == 0 || total > MAX_CAPACITY {
        return Err(QueueError::InvalidCapacity { capacity });
    }
    match kind {
        FanInKind::Lanes => {
            let mut senders = Vec::with_capacity(producers);
            let mut lanes = Vec::with_capacity(producers);
            for _ in 0..producers {
                let (tx, rx) = spsc::<T>(queue, capacity)?;
                senders.push(tx);
                lanes.push(rx);
            }
            let source =
                Source::Lanes { lanes, finished: vec![false; producers], open: producers, next: 0 };
            Ok((senders, FanInReceiver { source, producers }))
        }
        FanInKind::Shared => {
            let (senders, consumer) = shared_queue::<T>(producers, total);
            let senders =
                senders.into_iter().map(|p| Box::new(p) as Box<dyn Producer<T>>).collect();
            let source = Source::Shared { consumer, finished: false };
            Ok((senders, FanInReceiver { source, producers }))
        }
    }
}
