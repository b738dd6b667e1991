//! The apps against the generator's ground truth: each app runs on the engine (two-stage, two
//! workers), its dump is checked equal to its plain reference's (`engine::plain`), and its
//! rows are scored.
//!
//! Every scenario kind is injected alone into benign `caida-like` traffic; for every Sonata
//! app and `heavy-hitter`, the (window, reported key) rows the app outputs are held against the
//! truth's alarms of the same name: precision and recall both at least 0.95. Jetstream's
//! `syn-flood`, `ssh-brute` and `slowloris` are held against the Sonata alarm of the scenario
//! they target, keyed by destination. Then benign traffic of every profile, without a
//! scenario: no detector outputs a row.
//!
//! Run with `--nocapture` to see the counts of every comparison.

use std::collections::BTreeSet;
use std::net::IpAddr;

use engine::plain::{PlainParams, run_plain};
use engine::plan::Topology;
use engine::query::AppKind;
use engine::runtime::pin::PinPlan;
use engine::{EngineConfig, run};
use tracegen::generator::{DEFAULT_SNAPLEN, FULL_PAYLOAD_SNAPLEN, Generated};
use tracegen::scenario::{ScenarioSpec, flow_key_text};
use tracegen::{GenConfig, Pacing, Profile, generate_with_truth};
use wire::FrameBuffer;
use wire::sonata::{Alarm, WINDOW_NS};

/// Benign packets per second (about 200 000 packets per trace). Every test here also passed
/// at 2 000, 5 000, 20 000 and 150 000 pps, and at 50 000 pps with seeds 1, 2 and 3.
const PPS: f64 = 50_000.0;
/// Trace length: the attacks' default span, [0.5 s, 3.5 s), lies inside it.
const SECONDS: u64 = 4;
const SEED: u64 = 5;

/// (window start, reported key) pairs.
type Alarms = BTreeSet<(u64, String)>;

fn generate(profile: Profile, scenario: Option<&str>, full_payload: bool) -> Generated {
    let mut cfg = GenConfig::new(profile, u64::MAX, SEED);
    cfg.pacing = Pacing::Pps(PPS);
    cfg.duration_ns = Some(SECONDS * WINDOW_NS);
    cfg.snaplen = if full_payload { FULL_PAYLOAD_SNAPLEN } else { DEFAULT_SNAPLEN };
    cfg.scenarios = scenario
        .map(|s| vec![s.parse::<ScenarioSpec>().expect("scenario flag")])
        .unwrap_or_default();
    generate_with_truth(&cfg).expect("generate")
}

/// The dump of `app` with its default parameters: the engine's run, which must equal the
/// plain reference's.
fn dump(app: &str, frames: &FrameBuffer) -> String {
    let plain = run_plain(app, &PlainParams::default(), frames).expect("known app");
    let kind: AppKind = app.parse().expect("an app of the query library");
    let mut cfg = EngineConfig::new(kind, Topology::TwoStage, 2);
    cfg.pin = PinPlan::None;
    let out = run(frames, &cfg).expect("the run");
    assert!(out.conservation_ok(), "{app}: conservation");
    let engine = out.output.to_csv();
    assert_eq!(engine, plain, "{app}: the engine's dump is not the plain reference's");
    engine
}

/// Whether the window starting at `w` lies wholly inside the trace (what `heavy-hitter`'s
/// truth judges).
fn whole_window(frames: &FrameBuffer, w: u64) -> bool {
    let m = frames.metas();
    let (first, last) = (m[0].ts_ns, m[m.len() - 1].ts_ns);
    w >= first && w + WINDOW_NS <= last
}

/// The (window, reported key) pairs of a dump: the host column (the first key column) of host
/// apps, projected and deduplicated (`sonata-ssh-brute`'s and `slowloris`'s extra key column
/// is left off); `heavy-hitter`'s 5-tuple as the truth writes it, in whole windows only.
fn reported(app: &str, frames: &FrameBuffer) -> Alarms {
    let csv = dump(app, frames);
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let mut out = Alarms::new();
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let w: u64 = f[0].parse().expect("window");
        if app == "heavy-hitter" {
            assert_eq!(header[1..6], ["src", "dst", "sport", "dport", "proto"]);
            if !whole_window(frames, w) {
                continue;
            }
            let ip = |s: &str| s.parse::<IpAddr>().expect("address");
            let port = |s: &str| s.parse::<u16>().expect("port");
            let key =
                flow_key_text(ip(f[1]), port(f[3]), ip(f[2]), port(f[4]), f[5].parse().unwrap());
            out.insert((w, key));
        } else {
            assert!(["src", "dst", "host"].contains(&header[1]), "{app}: {header:?}");
            out.insert((w, f[1].to_string()));
        }
    }
    out
}

/// The truth's alarms named `alarm`.
fn truth(g: &Generated, alarm: &str) -> Alarms {
    g.truth
        .alarms
        .iter()
        .filter(|r| r.alarm.name() == alarm)
        .map(|r| (r.window_start_ns, r.key.clone()))
        .collect()
}

/// Precision and recall of `got` against `want` (1 where the denominator is empty), and a line
/// saying so.
fn score(what: &str, got: &Alarms, want: &Alarms) -> (f64, f64, String) {
    let tp = got.intersection(want).count();
    let ratio = |n: usize, d: usize| if d == 0 { 1.0 } else { n as f64 / d as f64 };
    let (p, r) = (ratio(tp, got.len()), ratio(tp, want.len()));
    let mut line = format!(
        "{what}: reported {}, truth {}, both {tp}: precision {p:.3}, recall {r:.3}",
        got.len(),
        want.len()
    );
    if p < 0.95 || r < 0.95 {
        let extra: Vec<_> = got.difference(want).take(5).collect();
        let missing: Vec<_> = want.difference(got).take(5).collect();
        line += &format!("; not in the truth: {extra:?}; missed: {missing:?}");
    }
    (p, r, line)
}

/// The Jetstream detector aimed at each scenario kind, and the Sonata alarm it is held to.
const JETSTREAM: [(&str, &str, &str); 3] = [
    ("syn-flood", "syn-flood", "sonata-syn-flood"),
    ("ssh-brute", "ssh-brute", "sonata-ssh-brute"),
    ("slowloris", "slowloris", "sonata-slowloris"),
];

/// The alarm whose rule each scenario kind is built to raise.
fn main_alarm(kind: &str) -> &'static str {
    match kind {
        "heavy-hitter" => "heavy-hitter",
        "zorro" => "sonata-zorro",
        "dns-tunnel" => "sonata-dns-tunnel",
        "dns-reflection" => "sonata-dns-reflection",
        "slowloris" => "sonata-slowloris",
        "ssh-brute" => "sonata-ssh-brute",
        "ddos" => "sonata-ddos",
        "superspreader" => "sonata-superspreader",
        "port-scan" => "sonata-port-scan",
        "syn-flood" => "sonata-syn-flood",
        other => panic!("no scenario kind {other}"),
    }
}

/// Injects `kind` into `caida-like` traffic and scores every Sonata app, `heavy-hitter` and the
/// Jetstream detector aimed at it.
fn check_scenario(kind: &str) {
    let payload = matches!(kind, "dns-reflection" | "dns-tunnel" | "zorro");
    let g = generate(Profile::CaidaLike, Some(kind), payload);
    let main = truth(&g, main_alarm(kind));
    let windows: BTreeSet<u64> = main.iter().map(|(w, _)| *w).collect();
    assert!(windows.len() >= 2, "{kind}: {} in only {} windows", main_alarm(kind), windows.len());
    let mut lines = Vec::new();
    let mut failed = Vec::new();
    let mut judge = |what: String, got: &Alarms, want: &Alarms| {
        let (p, r, line) = score(&what, got, want);
        if p < 0.95 || r < 0.95 {
            failed.push(line.clone());
        }
        lines.push(line);
    };
    for (app, _) in Alarm::ALL {
        judge(format!("{kind}: {app}"), &reported(app, &g.frames), &truth(&g, app));
    }
    for (scenario, app, alarm) in JETSTREAM {
        if scenario == kind {
            judge(
                format!("{kind}: {app} vs {alarm}"),
                &reported(app, &g.frames),
                &truth(&g, alarm),
            );
        }
    }
    println!("{kind} in caida-like, {} packets:\n  {}", g.frames.len(), lines.join("\n  "));
    assert!(failed.is_empty(), "{kind}: below 0.95:\n{}", failed.join("\n"));
}

macro_rules! scenario_tests {
    ($($name:ident: $kind:literal,)*) => {$(
        #[test]
        fn $name() {
            check_scenario($kind);
        }
    )*};
}

scenario_tests! {
    syn_flood: "syn-flood",
    port_scan: "port-scan",
    superspreader: "superspreader",
    ddos: "ddos",
    ssh_brute: "ssh-brute",
    slowloris: "slowloris",
    dns_reflection: "dns-reflection",
    dns_tunnel: "dns-tunnel",
    zorro: "zorro",
    heavy_hitter: "heavy-hitter",
}

/// Every detector on benign traffic of `profile` (whole payloads, so the DNS and payload rules
/// see everything): the rows it outputs (`heavy-hitter` in whole windows only).
fn clean_alarms(profile: Profile) -> Vec<(&'static str, Alarms)> {
    let g = generate(profile, None, true);
    let apps = Alarm::ALL.iter().map(|(n, _)| *n).chain(JETSTREAM.iter().map(|j| j.1));
    let found: Vec<_> = apps.map(|app| (app, reported(app, &g.frames))).collect();
    println!(
        "{profile}: {} packets; rows: {:?}",
        g.frames.len(),
        found.iter().map(|(a, r)| (*a, r.len())).collect::<Vec<_>>()
    );
    found
}

fn assert_clean(profile: Profile) {
    let noisy: Vec<_> = clean_alarms(profile).into_iter().filter(|(_, r)| !r.is_empty()).collect();
    assert!(noisy.is_empty(), "{profile}: benign traffic raised {noisy:?}");
}

#[test]
fn clean_caida_like() {
    assert_clean(Profile::CaidaLike);
}

#[test]
fn clean_fais_like() {
    assert_clean(Profile::FaisLike);
}

#[test]
fn clean_imix() {
    assert_clean(Profile::Imix);
}

#[test]
fn clean_min64() {
    assert_clean(Profile::Min64);
}

#[test]
fn clean_datacenter() {
    assert_clean(Profile::Datacenter);
}

#[test]
fn clean_flow_flood() {
    assert_clean(Profile::FlowFlood);
}

#[test]
fn every_profile_is_checked() {
    assert_eq!(Profile::ALL.len(), 6, "add a clean_* test for the new profile");
}
