//! Tests of the flow model.

use super::*;
use crate::profile::{ModelOptions, Profile};
use wire::build::PacketSpec;

use crate::model::TrafficModel;

#[test]
fn the_trace_starts_in_steady_state_at_one_packet_per_slot() {
    let opts = ModelOptions { packets_per_window: 1e6, ipv6_share: None, start_ns: 0 };
    for profile in [Profile::CaidaLike, Profile::Datacenter] {
        let mut m = SessionModel::new(profile.flow_params(&opts).unwrap(), 5);
        let mut spec = PacketSpec::default();
        let n = 1_000_000u64;
        let mut first_half_slots = 0;
        for i in 0..n {
            m.next_packet(&mut spec, i * 1000);
            if i == n / 2 {
                first_half_slots = m.cursor;
            }
        }
        let (a, b) = (first_half_slots as f64, (m.cursor - first_half_slots) as f64);
        eprintln!("{profile}: {} slots for {n} packets ({a} then {b})", m.cursor);
        // Both halves of the trace run at the same rate, near one packet per slot.
        assert!((0.8..1.25).contains(&(a / b)), "{profile}: {a} vs {b}");
        assert!((0.8..1.25).contains(&(m.cursor as f64 / n as f64)), "{profile}: {}", m.cursor);
    }
}
