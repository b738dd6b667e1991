//! Record routing: where a thread's source records go (by key, dealt, forwarded), waiting
//! for room downstream while draining its own record edges, and the end of its streams.

use wire::PacketRecord;

use super::{RouteOut, Worker, sample_release};
use crate::metrics::is_latency_sample;
use crate::query::key::owner_of_hash;
use crate::queue::batch::Recv;
use crate::runtime::router::Router;

impl Worker<'_, '_> {
    /// Sends source records where the route says; `wm` is the source's watermark after them.
    pub(super) fn route_source(
        &mut self,
        records: &[PacketRecord],
        released_ns: u64,
        wm: u64,
        clock: u64,
    ) {
        let router = match &mut self.route {
            RouteOut::Aggregate => {
                self.aggregate(records, released_ns, true);
                return;
            }
            RouteOut::ByKey { router: _, owners } => {
                let n = owners.len();
                let q = &self.env.query;
                self.local.clear();
                let mut out = std::mem::take(&mut self.routed);
                out.clear();
                for r in records {
                    // The first side whose filter keeps the record decides its owner; a record
                    // no side keeps goes nowhere. (A join's other side, keyed differently,
                    // may be owned elsewhere: its partials merge at output.)
                    let Some(h) = q.sides.iter().find_map(|s| s.route_hash(r)) else {
                        continue;
                    };
                    let owner = owner_of_hash(h, n);
                    match owners[owner] {
                        None => self.local.push(*r),
                        Some(d) => out.push((d, *r)),
                    }
                }
                self.m.records_out += out.len() as u64;
                for &(d, r) in &out {
                    self.push_record(d, r, released_ns);
                }
                self.routed = out;
                let local = std::mem::take(&mut self.local);
                if !local.is_empty() {
                    self.aggregate(&local, released_ns, true);
                }
                self.local = local;
                self.router_mut()
            }
            RouteOut::RoundRobin(router) => {
                let d = router.turn;
                router.turn = (d + 1) % router.len();
                self.send_records(d, records, released_ns);
                self.router_mut()
            }
            RouteOut::Forward(_) => {
                self.send_records(0, records, released_ns);
                self.router_mut()
            }
        };
        if let Some(router) = router
            && router.set_watermark(wm, clock)
        {
            self.publish_all();
        }
    }

    pub(super) fn router_mut(&mut self) -> Option<&mut Router> {
        match &mut self.route {
            RouteOut::Aggregate => None,
            RouteOut::ByKey { router, .. }
            | RouteOut::RoundRobin(router)
            | RouteOut::Forward(router) => Some(router),
        }
    }

    /// Appends a record to destination `d`'s batch, sending it when full.
    pub(super) fn push_record(&mut self, d: usize, r: PacketRecord, released_ns: u64) {
        loop {
            let now = self.now();
            let Some(router) = self.router_mut() else { return };
            if router.ensure_batch(d, released_ns, now) {
                if is_latency_sample(r.seq_no) {
                    let at = sample_release(&self.samples, r.seq_no, released_ns);
                    if let Some(router) = self.router_mut() {
                        router.note_sample(d, at);
                    }
                }
                let Some(router) = self.router_mut() else { return };
                if router.push(d, r) {
                    self.send_blocking(d);
                }
                return;
            }
            self.wait_downstream(d);
        }
    }

    /// Sends a run of records to destination `d` as whole batches.
    pub(super) fn send_records(
        &mut self,
        d: usize,
        mut records: &[PacketRecord],
        released_ns: u64,
    ) {
        self.m.records_out += records.len() as u64;
        while !records.is_empty() {
            let now = self.now();
            let Some(router) = self.router_mut() else { return };
            if !router.ensure_batch(d, released_ns, now) {
                self.wait_downstream(d);
                continue;
            }
            let moved = router.extend(d, records);
            records = &records[moved..];
            self.send_blocking(d);
        }
    }

    /// Sends `d`'s pending batch, waiting for room.
    pub(super) fn send_blocking(&mut self, d: usize) {
        while let Some(router) = self.router_mut() {
            if router.try_send(d) {
                return;
            }
            self.wait_downstream(d);
        }
    }

    /// Every destination gets a batch now (its pending one, or an empty one) carrying the
    /// watermark: a window end has passed.
    pub(super) fn publish_all(&mut self) {
        let n = self.router_mut().map_or(0, |r| r.len());
        for d in 0..n {
            loop {
                let now = self.now();
                let Some(router) = self.router_mut() else { return };
                if router.ensure_batch(d, now, now) {
                    break;
                }
                self.wait_downstream(d);
            }
            self.send_blocking(d);
        }
    }

    /// The source has ended: publish everything with the final watermark and drop the senders,
    /// which ends each destination's stream.
    pub(super) fn end_routing(&mut self) {
        if self.route_done {
            return;
        }
        let now = self.now();
        if let Some(router) = self.router_mut() {
            router.set_watermark(u64::MAX, now);
            let n = router.len();
            for d in 0..n {
                if self.router_mut().is_some_and(|r| r.has_pending(d)) {
                    self.send_blocking(d);
                }
            }
        }
        let m = &mut self.m;
        if let RouteOut::ByKey { router, .. }
        | RouteOut::RoundRobin(router)
        | RouteOut::Forward(router) = &mut self.route
        {
            m.full_events += std::mem::take(&mut router.full_events);
            router.senders.clear();
        }
        self.route_done = true;
    }

    /// Waits once for destination `d` to make room or recycle a batch. A thread whose own
    /// record edges feed its aggregation keeps draining them meanwhile (see the module doc).
    pub(super) fn wait_downstream(&mut self, d: usize) {
        if let Some(router) = self.router_mut() {
            // A destination thread ends before its input only by panicking; waiting for room
            // it will never make would hang the run instead of reporting that panic.
            assert!(!router.receiver_gone(d), "a thread ended before its input did");
        }
        if self.inputs_aggregate && !self.inputs.is_empty() && self.drain_inputs() {
            self.backoff.reset();
            return;
        }
        let t0 = self.now();
        self.backoff.snooze_until(None, t0);
        self.m.idle_ns += self.now().saturating_sub(t0);
    }

    /// Aggregates what waits on the record edges, one batch each; true when any was there.
    pub(super) fn drain_inputs(&mut self) -> bool {
        let mut got = false;
        for i in 0..self.inputs.len() {
            if self.inputs[i].done {
                continue;
            }
            if let Recv::Batch(b) = self.inputs[i].rx.recv() {
                self.m.records_received += b.len() as u64;
                self.note_edge_watermark(i, b.watermark_ns, b.watermark_clock_ns);
                self.aggregate(b.as_slice(), b.sample_release(), false);
                self.inputs[i].rx.recycle(b);
                got = true;
            }
        }
        got
    }
}
