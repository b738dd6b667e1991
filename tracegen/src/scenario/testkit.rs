//! Helpers of the scenario unit tests: an environment, running a flag to its packets, checking
//! the packets parse back, and the alarms they raise on their own.

use std::net::IpAddr;

use wire::build::{PacketSpec, Transport};
use wire::sonata::{Alarm, WINDOW_NS};
use wire::{Frame, parse_frame};

use super::{ScenarioEnv, ScenarioSpec, SpecError, TruthCounter, TruthRow};

/// The environment of scenario `index` in a trace starting at a time not aligned to windows.
pub(super) fn env(index: u8) -> ScenarioEnv {
    ScenarioEnv {
        index,
        seed: 42,
        trace_start_ns: 1_700_000_000_300_000_000,
        full_payload: true,
        benign_bytes_per_s: 12_500_000.0,
    }
}

/// Every packet of the scenario `flag` builds, with its time.
pub(super) fn run(flag: &str, env: &ScenarioEnv) -> Vec<(u64, PacketSpec)> {
    let spec: ScenarioSpec = flag.parse().expect("flag parses");
    let mut s = spec.build(env).expect("scenario builds");
    let mut out = Vec::new();
    let mut p = PacketSpec::default();
    while let Some(t) = s.next_time() {
        s.emit(&mut p);
        out.push((t, p.clone()));
    }
    let row = s.attack();
    assert_eq!(row.packets, out.len() as u64);
    assert_eq!((row.start_ns, row.end_ns), (out[0].0, out.last().unwrap().0));
    out
}

/// The error building `flag` gives.
pub(super) fn error(flag: &str, env: &ScenarioEnv) -> SpecError {
    let spec: ScenarioSpec = flag.parse().expect("flag parses");
    spec.build(env).err().expect("flag is refused")
}

/// Checks times never decrease, every address is in the scenario's block and every packet
/// written whole parses back to its description.
pub(super) fn check_packets(packets: &[(u64, PacketSpec)], env: &ScenarioEnv) {
    assert!(packets.windows(2).all(|w| w[0].0 <= w[1].0), "times never decrease");
    let mut buf = Vec::new();
    for (i, (t, spec)) in packets.iter().enumerate() {
        for a in [spec.src, spec.dst] {
            let IpAddr::V4(a) = a else { panic!("IPv4 only") };
            assert_eq!(a.octets()[..2], [10, env.index], "{a} outside 10.{}.0.0/16", env.index);
        }
        buf.clear();
        let wire_len = spec.write(&mut buf, 65535);
        assert_eq!(buf.len(), wire_len as usize);
        let frame = Frame { bytes: &buf, ts_ns: *t, wire_len, link: spec.link };
        let r = parse_frame(&frame, i as u32).expect("a scenario packet parses");
        assert_eq!((r.src_ip(), r.dst_ip()), (spec.src, spec.dst));
        assert_eq!(usize::from(r.ip_len), spec.ip_len());
        match spec.transport {
            Transport::Tcp { sport, dport, flags, .. } => {
                assert_eq!((r.proto, r.sport, r.dport, r.tcp_flags), (6, sport, dport, flags));
            }
            Transport::Udp { sport, dport } => {
                assert_eq!((r.proto, r.sport, r.dport), (17, sport, dport))
            }
            Transport::Icmp { .. } => assert_eq!(r.proto, 1),
        }
        assert!(spec.payload.len() <= spec.payload_len);
        let off = usize::from(r.payload_off());
        assert_eq!(&buf[off..off + spec.payload.len()], &spec.payload[..]);
    }
}

/// The alarms the packets raise on their own (window totals are theirs alone).
pub(super) fn truth(packets: &[(u64, PacketSpec)]) -> Vec<TruthRow> {
    let mut t = TruthCounter::new();
    for (ts, p) in packets {
        t.observe_attack(*ts, p);
        t.observe_bytes(*ts, p.wire_len() as u32);
    }
    t.finish(packets[0].0, packets.last().unwrap().0)
}

/// The windows wholly inside `[from, to]`.
pub(super) fn whole_windows(from: u64, to: u64) -> Vec<u64> {
    let first = from.div_ceil(WINDOW_NS) * WINDOW_NS;
    (first..).step_by(WINDOW_NS as usize).take_while(|w| w + WINDOW_NS <= to).collect()
}

/// The windows in which `alarm` is raised for `key`.
pub(super) fn windows_of(rows: &[TruthRow], alarm: Alarm, key: &str) -> Vec<u64> {
    rows.iter().filter(|r| r.alarm == alarm && r.key == key).map(|r| r.window_start_ns).collect()
}

/// Checks the defaults of `flag` raise `alarm` for `key` in every whole window the packets
/// cover from `from_ns` on (at least two), and returns every alarm raised.
pub(super) fn check_main_rule(
    flag: &str,
    env: &ScenarioEnv,
    alarm: Alarm,
    key: &str,
    from_ns: Option<u64>,
) -> Vec<TruthRow> {
    let packets = run(flag, env);
    check_packets(&packets, env);
    let rows = truth(&packets);
    let from = from_ns.unwrap_or(packets[0].0);
    let whole = whole_windows(from, packets.last().unwrap().0);
    assert!(whole.len() >= 2, "{flag}: covers {} whole windows", whole.len());
    let fired = windows_of(&rows, alarm, key);
    for w in &whole {
        assert!(
            fired.contains(w),
            "{flag}: {} for {key} missing in window {w}: {fired:?}",
            alarm.name()
        );
    }
    rows
}
