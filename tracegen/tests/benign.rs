//! Benign traffic of every profile stays below every alarm rule of `wire::sonata` in every
//! window, checked by the independent oracle in `support/alarm_oracle.rs` on full-payload
//! traces (so the DNS and payload rules see everything). Two loads: every profile over several
//! whole windows at a moderate rate, and `caida-like` at 10 Gb/s, where the host caps bind.

#[path = "support/alarm_oracle.rs"]
mod alarm_oracle;

use tracegen::generator::FULL_PAYLOAD_SNAPLEN;
use tracegen::{GenConfig, Pacing, Profile, generate};

fn assert_silent(profile: Profile, pacing: Pacing, seconds: f64) {
    let mut cfg = GenConfig::new(profile, u64::MAX, 11);
    cfg.pacing = pacing;
    cfg.duration_ns = Some((seconds * 1e9) as u64);
    cfg.snaplen = FULL_PAYLOAD_SNAPLEN;
    let frames = generate(&cfg).expect("generate");
    let alarms = alarm_oracle::alarms(&frames);
    let (fan_out, fan_in) = alarm_oracle::fan_maxima(&frames);
    println!(
        "{profile} at {pacing:?} for {seconds} s: {} packets, {} alarms, largest fan-out {fan_out}, \
         fan-in {fan_in}",
        frames.len(),
        alarms.len()
    );
    assert!(
        alarms.is_empty(),
        "{profile}: benign traffic raised {:?}",
        alarms.iter().take(10).collect::<Vec<_>>()
    );
}

#[test]
fn every_profile_is_silent_over_whole_windows() {
    for (_, p) in Profile::ALL {
        assert_silent(p, Pacing::Pps(150_000.0), 3.5);
    }
}

#[test]
fn caida_like_at_ten_gigabit_is_silent() {
    assert_silent(Profile::CaidaLike, Pacing::Mbps(10_000.0), 1.6);
}
