//! What the property tests of whole runs share: the random run configurations and the lock
//! that makes runs take turns.

use std::sync::{Mutex, MutexGuard};

use engine::EngineConfig;
use engine::plan::Topology;
use engine::queue::QueueKind;
use engine::runtime::pin::PinPlan;
use proptest::prelude::*;

/// Runs take turns: several at once on two cores would only measure the scheduler.
static SERIAL: Mutex<()> = Mutex::new(());

/// Holds the turn until dropped.
pub fn turn() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// A run's knobs: topology, workers (1 to 4), queue design, batch (1, 7, 64), queue capacity
/// (1, 2, 64), fusion, loops (1 or 2).
#[derive(Clone, Debug)]
pub struct RunKnobs {
    pub topology: Topology,
    pub workers: usize,
    pub queue: QueueKind,
    pub batch: usize,
    pub capacity: usize,
    pub fuse: bool,
    pub loops: u64,
}

/// Random knobs over every topology and queue design.
pub fn knobs() -> impl Strategy<Value = RunKnobs> {
    (
        prop::sample::select(Topology::ALL.iter().map(|(_, t)| *t).collect::<Vec<_>>()),
        1usize..=4,
        prop::sample::select(QueueKind::available().to_vec()),
        prop::sample::select(vec![1usize, 7, 64]),
        prop::sample::select(vec![1usize, 2, 64]),
        any::<bool>(),
        1u64..=2,
    )
        .prop_map(|(topology, workers, queue, batch, capacity, fuse, loops)| RunKnobs {
            topology,
            workers,
            queue,
            batch,
            capacity,
            fuse,
            loops,
        })
}

impl RunKnobs {
    /// Sets the knobs on `cfg` (its topology already chosen: the caller may have replaced
    /// one its query cannot run on); pinning off, fusion only where it can be turned off.
    pub fn apply(&self, cfg: &mut EngineConfig) {
        cfg.queue = self.queue;
        cfg.batch = self.batch;
        cfg.queue_capacity = self.capacity;
        cfg.fuse = self.fuse || cfg.topology != Topology::Pipeline;
        cfg.loops = self.loops;
        cfg.pin = PinPlan::None;
    }
}
