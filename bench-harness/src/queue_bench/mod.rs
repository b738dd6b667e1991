//! Queue micro-benchmarks (`pktstream queue-bench` and `benches/queues.rs`): how fast one
//! single-producer/single-consumer queue design moves fixed-size items between two pinned
//! threads, and how long a round trip through two queues of that design takes, beside the
//! hardware floor of a round trip on one shared atomic.
//!
//! Every kernel gets the queue's halves as concrete types from
//! [`engine::queue::spsc_with`] and the item type from [`with_item_bytes`], so its inner loop
//! is compiled once per design and item size, with no dynamic dispatch per operation. Kernels
//! check what they receive (count and order, and contents with `touch`) and report a mismatch
//! as an error, never a panic. A thread that could not be pinned is recorded, not refused.

mod items;
mod pingpong;
mod spin;
mod throughput;

use std::time::Duration;

use engine::queue::{MAX_BATCH, QueueError, QueueKind};

pub use items::{BenchItem, ITEM_BYTES, Item, ItemVisitor, with_item_bytes};
pub use pingpong::{atomic_pingpong, pingpong};
pub use throughput::throughput;

/// The default queue capacity, in items.
pub const DEFAULT_CAPACITY: usize = 4096;

/// Errors of a queue benchmark.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueBenchError {
    /// An item size that is not one of [`ITEM_BYTES`].
    #[error(
        "item size {bytes} bytes is not supported; valid item sizes: {}",
        ITEM_BYTES.map(|b| b.to_string()).join(", ")
    )]
    InvalidItemBytes {
        /// The size that was asked for.
        bytes: usize,
    },
    /// The queue could not be built (unknown or not yet built design, bad capacity).
    #[error(transparent)]
    Queue(#[from] QueueError),
    /// A batch size outside `1..=MAX_BATCH`.
    #[error("batch size {batch} is out of range: use 1 to {MAX_BATCH} items")]
    InvalidBatch {
        /// The batch size that was asked for.
        batch: usize,
    },
    /// A count (items, rounds) of zero.
    #[error("{what} must be at least 1")]
    ZeroCount {
        /// What was zero.
        what: &'static str,
    },
    /// Both threads asked for the same core.
    #[error("the two threads need two distinct cores; got {core},{core}")]
    SameCore {
        /// The core given twice.
        core: usize,
    },
    /// An item arrived out of order, or one went missing or came twice.
    #[error("item out of order: expected sequence number {expected}, got {got}")]
    OutOfOrder {
        /// The sequence number that should have come next.
        expected: u64,
        /// The one that came.
        got: u64,
    },
    /// An item's words did not all hold its sequence number.
    #[error("item {seq} arrived corrupted: its words do not all hold its sequence number")]
    Corrupted {
        /// The item's sequence number.
        seq: u64,
    },
    /// One side stopped early because the other had gone (its queue half was dropped).
    #[error("the {side} stopped after {done} of {wanted} items: the other thread had gone")]
    Stopped {
        /// Which thread stopped.
        side: &'static str,
        /// Items (or rounds) it had finished.
        done: u64,
        /// Items (or rounds) it was to finish.
        wanted: u64,
    },
    /// A benchmark thread panicked.
    #[error("the {0} thread panicked")]
    Panicked(&'static str),
    /// The two queues built for a ping-pong were not of one type (a registry bug).
    #[error("queue `{0}` built two queues of different types for one ping-pong")]
    MismatchedQueues(QueueKind),
}

/// Two cores for the two threads of a benchmark, or `None` to leave placement to the OS.
pub type Cores = Option<[usize; 2]>;

/// The two threads' cores, one each (`None`: not pinned).
fn split_cores(cores: Cores) -> (Option<usize>, Option<usize>) {
    cores.map_or((None, None), |[a, b]| (Some(a), Some(b)))
}

/// Checks that the two cores differ.
fn check_cores(cores: Cores) -> Result<(), QueueBenchError> {
    match cores {
        Some([a, b]) if a == b => Err(QueueBenchError::SameCore { core: a }),
        _ => Ok(()),
    }
}

/// What to measure in a throughput run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThroughputConfig {
    /// The queue design.
    pub queue: QueueKind,
    /// Queue capacity in items.
    pub capacity: usize,
    /// Items per `push_from`/`pop_into` call; 1 uses `try_push`/`try_pop`.
    pub batch: usize,
    /// Items moved under the clock.
    pub items: u64,
    /// Items moved through the same queue before the clock starts.
    pub warmup_items: u64,
    /// Whether the consumer reads every byte of every item (else only the sequence number).
    pub touch: bool,
    /// Cores of the producer and the consumer.
    pub cores: Cores,
}

impl ThroughputConfig {
    /// `items` items of `queue` with the defaults: capacity [`DEFAULT_CAPACITY`], batch 1, a
    /// tenth as many warm-up items, no touching, cores 0 and 1.
    pub fn new(queue: QueueKind, items: u64) -> Self {
        Self {
            queue,
            capacity: DEFAULT_CAPACITY,
            batch: 1,
            items,
            warmup_items: items / 10,
            touch: false,
            cores: Some([0, 1]),
        }
    }
}

/// What a throughput run measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Throughput {
    /// Items moved under the clock (all of them checked).
    pub items: u64,
    /// From the start barrier to the consumer's receipt of the last item, on the consumer.
    pub elapsed: Duration,
    /// Whether the producer and the consumer were pinned to their cores.
    pub pinned: [bool; 2],
}

impl Throughput {
    /// Millions of items per second.
    pub fn mitems_per_s(&self) -> f64 {
        self.items as f64 / self.elapsed.as_secs_f64().max(f64::MIN_POSITIVE) / 1e6
    }
}

/// What to measure in a ping-pong run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PingPongConfig {
    /// The queue design (two queues of it, one each way).
    pub queue: QueueKind,
    /// Capacity of each queue in items.
    pub capacity: usize,
    /// Round trips under the clock.
    pub rounds: u64,
    /// Round trips before the clock starts.
    pub warmup_rounds: u64,
    /// Cores of the thread that sends and times, and of the one that echoes.
    pub cores: Cores,
}

impl PingPongConfig {
    /// `rounds` round trips through `queue` with capacity [`DEFAULT_CAPACITY`], a tenth as
    /// many warm-up rounds, on cores 0 and 1.
    pub fn new(queue: QueueKind, rounds: u64) -> Self {
        Self {
            queue,
            capacity: DEFAULT_CAPACITY,
            rounds,
            warmup_rounds: rounds / 10,
            cores: Some([0, 1]),
        }
    }
}

/// What a ping-pong run measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PingPong {
    /// Round trips under the clock.
    pub rounds: u64,
    /// Their total time, on the sending thread.
    pub elapsed: Duration,
    /// Whether the sending and the echoing thread were pinned to their cores.
    pub pinned: [bool; 2],
}

impl PingPong {
    /// Nanoseconds per round trip.
    pub fn rtt_ns(&self) -> f64 {
        self.elapsed.as_nanos() as f64 / self.rounds.max(1) as f64
    }
}

#[cfg(test)]
mod tests;
