//! The registry of queue designs: every name a configuration may give, and [`spsc`], which
//! builds a queue of the named design behind the [`Producer`] and [`Consumer`] traits.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::baselines::{crossbeam_array_queue, crossbeam_channel_queue, std_sync_channel_queue};
use super::batched_lamport::batched_lamport_queue;
use super::biffq::biffq_queue;
use super::fastforward::fastforward_queue;
use super::iffq::iffq_queue;
use super::lamport::lamport_queue;
use super::lazy_lamport::lazy_lamport_queue;
use super::rtrb_queue::rtrb_queue;
use super::{Consumer, MAX_CAPACITY, Producer, QueueError};

/// A single-producer/single-consumer queue design, named as configurations and the command line
/// name it (kebab-case: `rtrb`, `lazy-lamport`, ...).
///
/// `ANCHORS.md`, "Queue designs between pipeline stages", says what each design is; each one's
/// module doc says how it uses the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum QueueKind {
    /// `rtrb`: the `rtrb` crate's lock-free SPSC array ring with cached indices.
    #[default]
    Rtrb,
    /// `lamport`: Lamport's ring; both shared indices are read on every operation.
    Lamport,
    /// `lazy-lamport`: Lamport's ring with a cached copy of the other side's index.
    LazyLamport,
    /// `batched-lamport`: private indices, published once per batch.
    BatchedLamport,
    /// `fastforward`: FastForward; slot contents mark empty or full, no shared index.
    #[serde(rename = "fastforward")]
    FastForward,
    /// `iffq`: improved FastForward; a cache line of slack, slots cleared lazily by line.
    Iffq,
    /// `biffq`: batched improved FastForward.
    Biffq,
    /// `crossbeam-array`: crossbeam's `ArrayQueue` (Vyukov's bounded MPMC), as a baseline.
    CrossbeamArray,
    /// `crossbeam-channel`: a bounded crossbeam channel, as a baseline.
    CrossbeamChannel,
    /// `std-sync-channel`: `std::sync::mpsc::sync_channel`, as a baseline.
    StdSyncChannel,
}

impl QueueKind {
    /// Every registered design, in the order error messages and `--help` list them.
    pub const ALL: [QueueKind; 10] = [
        QueueKind::Rtrb,
        QueueKind::Lamport,
        QueueKind::LazyLamport,
        QueueKind::BatchedLamport,
        QueueKind::FastForward,
        QueueKind::Iffq,
        QueueKind::Biffq,
        QueueKind::CrossbeamArray,
        QueueKind::CrossbeamChannel,
        QueueKind::StdSyncChannel,
    ];

    /// The design's name, as configurations, results and the command line spell it.
    pub const fn name(self) -> &'static str {
        match self {
            QueueKind::Rtrb => "rtrb",
            QueueKind::Lamport => "lamport",
            QueueKind::LazyLamport => "lazy-lamport",
            QueueKind::BatchedLamport => "batched-lamport",
            QueueKind::FastForward => "fastforward",
            QueueKind::Iffq => "iffq",
            QueueKind::Biffq => "biffq",
            QueueKind::CrossbeamArray => "crossbeam-array",
            QueueKind::CrossbeamChannel => "crossbeam-channel",
            QueueKind::StdSyncChannel => "std-sync-channel",
        }
    }

    /// The names of every registered design, in the order of [`QueueKind::ALL`].
    pub fn names() -> Vec<&'static str> {
        QueueKind::ALL.iter().map(|kind| kind.name()).collect()
    }

    /// The designs [`spsc`] builds: every registered one, in the order of [`QueueKind::ALL`].
    pub fn available() -> &'static [QueueKind] {
        &QueueKind::ALL
    }
}

impl fmt::Display for QueueKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for QueueKind {
    type Err = QueueError;

    /// Parses a design's name exactly (kebab-case, as [`QueueKind::name`] gives it).
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        QueueKind::ALL
            .into_iter()
            .find(|kind| kind.name() == name)
            .ok_or_else(|| QueueError::UnknownQueue { name: name.to_owned() })
    }
}

/// The two halves of a queue, ready to move to their threads.
pub type QueueHalves<T> = (Box<dyn Producer<T>>, Box<dyn Consumer<T>>);

/// Receives the two halves of a freshly built queue as their concrete types, so code generic
/// over the design (a benchmark's inner loop) is compiled once per design, with no dynamic
/// dispatch per operation. [`spsc_with`] calls [`QueueVisitor::visit`] exactly once.
pub trait QueueVisitor<T: Send + 'static> {
    /// What the visitor makes of the halves.
    type Output;

    /// Takes the halves of a queue of the design [`spsc_with`] was asked for.
    fn visit<P, C>(self, producer: P, consumer: C) -> Self::Output
    where
        P: Producer<T> + 'static,
        C: Consumer<T> + 'static;
}

/// Boxes both halves: [`spsc`] is [`spsc_with`] with this visitor.
struct Boxed;

impl<T: Send + 'static> QueueVisitor<T> for Boxed {
    type Output = QueueHalves<T>;

    fn visit<P, C>(self, producer: P, consumer: C) -> QueueHalves<T>
    where
        P: Producer<T> + 'static,
        C: Consumer<T> + 'static,
    {
        (Box::new(producer), Box::new(consumer))
    }
}

/// Builds a single-producer/single-consumer queue of design `kind` holding `capacity` items.
///
/// # Errors
/// [`QueueError::InvalidCapacity`] unless `1 <= capacity <= MAX_CAPACITY`.
pub fn spsc<T: Send + 'static>(
    kind: QueueKind,
    capacity: usize,
) -> Result<QueueHalves<T>, QueueError> {
    spsc_with(kind, capacity, Boxed)
}

/// Builds a queue as [`spsc`] does and hands its halves, unboxed, to `visitor`.
///
/// # Errors
/// As [`spsc`]; the visitor is not called then.
pub fn spsc_with<T: Send + 'static, V: QueueVisitor<T>>(
    kind: QueueKind,
    capacity: usize,
    visitor: V,
) -> Result<V::Output, QueueError> {
    if !(1..=MAX_CAPACITY).contains(&capacity) {
        return Err(QueueError::InvalidCapacity { capacity });
    }
    Ok(match kind {
        QueueKind::Rtrb => {
            let (producer, consumer) = rtrb_queue(capacity);
            visitor.visit(producer, consumer)
        }
        QueueKind::Lamport => {
            let (producer, consumer) = lamport_queue(capacity);
            visitor.visit(producer, consumer)
        }
        QueueKind::LazyLamport => {
            let (producer, consumer) = lazy_lamport_queue(capacity);
            visitor.visit(producer, consumer)
        }
        QueueKind::BatchedLamport => {
            let (producer, consumer) = batched_lamport_queue(capacity);
            visitor.visit(producer, consumer)
        }
        QueueKind::FastForward => {
            let (producer, consumer) = fastforward_queue(capacity);
            visitor.visit(producer, consumer)
        }
        QueueKind::Iffq => {
            let (producer, consumer) = iffq_queue(capacity);
            visitor.visit(producer, consumer)
        }
        QueueKind::Biffq => {
            let (producer, consumer) = biffq_queue(capacity);
            visitor.visit(producer, consumer)
        }
        QueueKind::CrossbeamArray => {
            let (producer, consumer) = crossbeam_array_queue(capacity);
            visitor.visit(producer, consumer)
        }
        QueueKind::CrossbeamChannel => {
            let (producer, consumer) = crossbeam_channel_queue(capacity);
            visitor.visit(producer, consumer)
        }
        QueueKind::StdSyncChannel => {
            let (producer, consumer) = std_sync_channel_queue(capacity);
            visitor.visit(producer, consumer)
        }
    })
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_from_str_display_and_serde() {
        for kind in QueueKind::ALL {
            assert_eq!(kind.name().parse::<QueueKind>(), Ok(kind));
            assert_eq!(kind.to_string(), kind.name());
            let value =
                serde::de::value::StrDeserializer::<serde::de::value::Error>::new(kind.name());
            assert_eq!(QueueKind::deserialize(value), Ok(kind));
        }
        let mut names = QueueKind::names();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), QueueKind::ALL.len());
    }

    #[test]
    fn unknown_name_lists_every_valid_name() {
        let err = "lamprey".parse::<QueueKind>().unwrap_err();
        let message = err.to_string();
        assert!(message.contains("`lamprey`"), "{message}");
        for name in QueueKind::names() {
            assert!(message.contains(name), "{message} lacks {name}");
        }
        assert!("Rtrb".parse::<QueueKind>().is_err(), "names are exact, lower case");
    }

    #[test]
    fn every_design_builds_with_at_least_the_capacity_asked() {
        assert_eq!(QueueKind::available(), &QueueKind::ALL);
        for kind in QueueKind::ALL {
            let (producer, consumer) = spsc::<u64>(kind, 8).expect("every design builds");
            assert!(producer.capacity() >= 8 && consumer.capacity() >= 8, "{kind}");
        }
        assert_eq!(QueueKind::default(), QueueKind::Rtrb);
    }

    #[test]
    fn capacity_is_checked() {
        assert_eq!(
            spsc::<u64>(QueueKind::Rtrb, 0).err(),
            Some(QueueError::InvalidCapacity { capacity: 0 })
        );
        let too_big = MAX_CAPACITY + 1;
        assert_eq!(
            spsc::<u64>(QueueKind::Rtrb, too_big).err(),
            Some(QueueError::InvalidCapacity { capacity: too_big })
        );
    }
}
