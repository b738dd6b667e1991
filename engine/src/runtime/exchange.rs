//! Partial edges: partial aggregates and watermarks from one thread's aggregation to another
//! thread's merge, over a queue of the run's design.
//!
//! Sending never blocks: a message the queue has no room for waits in the sender's outbox and
//! goes out on a later poll. Partials leave only at window close or eviction, so the outbox
//! stays small; and a thread blocked on a partial edge could deadlock with a merge blocked on
//! a record edge, which never-blocking sends rule out.

use std::collections::VecDeque;

use crate::queue::{Consumer, Producer, QueueKind, spsc};
use crate::state::windowed::Row;

/// Partials and the sender's watermark: every row it sends later belongs to a window that
/// ends after `wm`.
#[derive(Debug)]
pub(crate) struct PartialMsg {
    pub(crate) rows: Vec<Row>,
    pub(crate) wm: u64,
    pub(crate) wm_clock: u64,
}

/// The sending half of a partial edge.
pub(crate) struct PartialTx {
    tx: Option<Box<dyn Producer<Box<PartialMsg>>>>,
    outbox: VecDeque<Box<PartialMsg>>,
    closing: bool,
    /// Messages the queue had no room for at first.
    pub(crate) full_events: u64,
}

/// The receiving half of a partial edge.
pub(crate) struct PartialRx {
    rx: Box<dyn Consumer<Box<PartialMsg>>>,
    done: bool,
}

/// A partial edge of `capacity` messages.
pub(crate) fn partial_edge(
    kind: QueueKind,
    capacity: usize,
) -> Result<(PartialTx, PartialRx), crate::queue::QueueError> {
    let (tx, rx) = spsc::<Box<PartialMsg>>(kind, capacity)?;
    Ok((
        PartialTx { tx: Some(tx), outbox: VecDeque::new(), closing: false, full_events: 0 },
        PartialRx { rx, done: false },
    ))
}

impl PartialTx {
    /// Queues a message behind any waiting ones and sends what fits.
    pub(crate) fn send(&mut self, msg: PartialMsg) {
        self.outbox.push_back(Box::new(msg));
        self.flush();
    }

    /// Sends waiting messages while the queue has room; true when any went. Once closed and
    /// empty, drops the queue's producer: the receiver sees the end of the stream.
    pub(crate) fn flush(&mut self) -> bool {
        let mut sent = false;
        if let Some(tx) = &mut self.tx {
            while let Some(m) = self.outbox.pop_front() {
                match tx.try_push(m) {
                    Ok(()) => sent = true,
                    Err(back) => {
                        self.outbox.push_front(back);
                        self.full_events += 1;
                        break;
                    }
                }
            }
        }
        if self.closing && self.outbox.is_empty() {
            self.tx = None;
        }
        sent
    }

    /// Ends the stream once the outbox is empty.
    pub(crate) fn close(&mut self) {
        self.closing = true;
        self.flush();
    }

    /// Whether the stream has ended (closed, everything sent).
    pub(crate) fn is_closed(&self) -> bool {
        self.tx.is_none()
    }
}

/// What one poll of a partial edge found.
pub(crate) enum Polled {
    /// A message.
    Msg(Box<PartialMsg>),
    /// Nothing now.
    Empty,
    /// The sender has ended and everything it sent was received (reported once).
    Ended,
    /// Already ended.
    Done,
}

impl PartialRx {
    /// Polls once.
    pub(crate) fn poll(&mut self) -> Polled {
        if self.done {
            return Polled::Done;
        }
        if let Some(m) = self.rx.try_pop() {
            return Polled::Msg(m);
        }
        // Abandoned first, then one more pop: see `Consumer::is_abandoned`.
        if self.rx.is_abandoned() {
            if let Some(m) = self.rx.try_pop() {
                return Polled::Msg(m);
            }
            self.done = true;
            return Polled::Ended;
        }
        Polled::Empty
    }
}
