//! The registry of queue designs: every name a configuration may give, and [`spsc`], which
//! builds a queue of the named design behind the [`Producer`] and [`Consumer`] traits.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::rtrb_queue::rtrb_queue;
use super::{Consumer, MAX_CAPACITY, Producer, QueueError};

/// A single-producer/single-consumer queue design, named as configurations and the command line
/// name it (kebab-case: `rtrb`, `lazy-lamport`, ...).
///
/// Every design below is registered; [`QueueKind::available`] lists those built so far (only
/// `rtrb` in this version). The others arrive with the queue-designs issue; see `ANCHORS.md`,
/// "Queue designs between pipeline stages", for what each one is.
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

    /// The designs [`spsc`] can build in this version.
    pub const AVAILABLE: [QueueKind; 1] = [QueueKind::Rtrb];

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

    /// The designs [`spsc`] can build in this version.
    pub fn available() -> &'static [QueueKind] {
        &QueueKind::AVAILABLE
    }

    /// The names of the designs [`spsc`] can build in this version.
    pub fn available_names() -> Vec<&'static str> {
        QueueKind::AVAILABLE.iter().map(|kind| kind.name()).collect()
    }

    /// True when [`spsc`] can build this design in this version.
    pub fn is_available(self) -> bool {
        QueueKind::AVAILABLE.contains(&self)
    }
}

impl fmt::Display for QueueKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for QueueKind {
    type Err = QueueError;

    /// Parses a design's name exactly (kebab-case, as [`QueueKind::name`] gives it). A name that
    /// is registered but not built yet parses; [`spsc`] is what refuses it.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        QueueKind::ALL
            .into_iter()
            .find(|kind| kind.name() == name)
            .ok_or_else(|| QueueError::UnknownQueue { name: name.to_owned() })
    }
}

/// The two halves of a queue, ready to move to their threads.
pub type QueueHalves<T> = (Box<dyn Producer<T>>, Box<dyn Consumer<T>>);

/// Builds a single-producer/single-consumer queue of design `kind` holding `capacity` items.
///
/// # Errors
/// [`QueueError::InvalidCapacity`] unless `1 <= capacity <= MAX_CAPACITY`;
/// [`QueueError::NotYetBuilt`] for a registered design that is not built in this version
/// (see [`QueueKind::available`]).
pub fn spsc<T: Send + 'static>(
    kind: QueueKind,
    capacity: usize,
) -> Result<QueueHalves<T>, QueueError> {
    if !(1..=MAX_CAPACITY).contains(&capacity) {
        return Err(QueueError::InvalidCapacity { capacity });
    }
    match kind {
        QueueKind::Rtrb => {
            let (producer, consumer) = rtrb_queue(capacity);
            Ok((Box::new(producer), Box::new(consumer)))
        }
        QueueKind::Lamport
        | QueueKind::LazyLamport
        | QueueKind::BatchedLamport
        | QueueKind::FastForward
        | QueueKind::Iffq
        | QueueKind::Biffq
        | QueueKind::CrossbeamArray
        | QueueKind::CrossbeamChannel
        | QueueKind::StdSyncChannel => Err(QueueError::NotYetBuilt { kind }),
    }
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
    fn only_rtrb_is_built_and_the_rest_say_when_they_arrive() {
        assert_eq!(QueueKind::available(), &[QueueKind::Rtrb]);
        assert_eq!(QueueKind::default(), QueueKind::Rtrb);
        assert!(spsc::<u64>(QueueKind::Rtrb, 8).is_ok());
        for kind in QueueKind::ALL.into_iter().filter(|kind| !kind.is_available()) {
            let err = spsc::<u64>(kind, 8).err();
            assert_eq!(err, Some(QueueError::NotYetBuilt { kind }));
            let message = err.map(|e| e.to_string()).unwrap_or_default();
            assert!(message.contains(kind.name()), "{message}");
            assert!(message.contains("arrives with the queue-designs issue"), "{message}");
            assert!(message.contains("available now: rtrb"), "{message}");
        }
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
