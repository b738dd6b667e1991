//! Ground truth of injected attacks: rows, and the `F.truth.csv` sidecar.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use wire::sonata::Alarm;

/// One alarm an attack should trigger: a rule holds for `key` in the window starting at
/// `window_start_ns`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TruthRow {
    /// Start of the window (ns since the Unix epoch, a multiple of the window length).
    pub window_start_ns: u64,
    /// The rule.
    pub alarm: Alarm,
    /// The reported key as text: an address (IPv6 canonical) for host rules, or
    /// `src:sport>dst:dport/proto` for `heavy-hitter` (IPv6 addresses in brackets).
    pub key: String,
}

/// What one attack did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttackRow {
    /// Scenario kind, as `--scenario` names it.
    pub kind: String,
    /// The attacking host, or the first of an attacking range written `first-last`.
    pub attacker: String,
    /// The victim host.
    pub victim: String,
    /// Time of its first packet (ns since the Unix epoch; 0 if it sent none).
    pub start_ns: u64,
    /// Time of its last packet.
    pub end_ns: u64,
    /// Packets it sent.
    pub packets: u64,
}

/// The truth sidecar of a capture: `F.truth.csv` for capture `F` (`x.pcap` -> `x.pcap.truth.csv`).
pub fn truth_path(capture: &Path) -> PathBuf {
    let mut name = capture.as_os_str().to_owned();
    name.push(".truth.csv");
    PathBuf::from(name)
}

/// The header of the truth file.
pub const TRUTH_HEADER: &str =
    "row,kind,window_start_ns,key,attacker,victim,start_ns,end_ns,packets";

/// Renders the truth file: first one `attack` row per attack (in flag order), then one `alarm`
/// row per expected alarm, sorted by window, rule name and key. Empty columns are left blank.
pub fn render_truth(attacks: &[AttackRow], alarms: &[TruthRow]) -> String {
    let mut out = String::from(TRUTH_HEADER);
    out.push('\n');
    for a in attacks {
        let _ = writeln!(
            out,
            "attack,{},,,{},{},{},{},{}",
            a.kind, a.attacker, a.victim, a.start_ns, a.end_ns, a.packets
        );
    }
    let mut rows: Vec<&TruthRow> = alarms.iter().collect();
    rows.sort_by(|a, b| {
        (a.window_start_ns, a.alarm.name(), &a.key).cmp(&(
            b.window_start_ns,
            b.alarm.name(),
            &b.key,
        ))
    });
    rows.dedup();
    for r in rows {
        let _ = writeln!(out, "alarm,{},{},{},,,,,", r.alarm.name(), r.window_start_ns, r.key);
    }
    out
}

/// Writes the truth file of `capture` atomically (temporary file, then rename).
pub fn write_truth(
    capture: &Path,
    attacks: &[AttackRow],
    alarms: &[TruthRow],
) -> io::Result<PathBuf> {
    let path = truth_path(capture);
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, render_truth(attacks, alarms))?;
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truth_file_lists_attacks_then_sorted_alarms() {
        let attacks = [AttackRow {
            kind: "ddos".into(),
            attacker: "10.0.1.0-10.0.1.99".into(),
            victim: "10.0.0.1".into(),
            start_ns: 5,
            end_ns: 9,
            packets: 3,
        }];
        let row = |w, alarm, key: &str| TruthRow { window_start_ns: w, alarm, key: key.into() };
        let alarms = [
            row(2_000_000_000, Alarm::Ddos, "10.0.0.1"),
            row(1_000_000_000, Alarm::Ddos, "10.0.0.1"),
            row(1_000_000_000, Alarm::Ddos, "10.0.0.1"),
        ];
        let text = render_truth(&attacks, &alarms);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], TRUTH_HEADER);
        assert_eq!(lines[1], "attack,ddos,,,10.0.1.0-10.0.1.99,10.0.0.1,5,9,3");
        assert_eq!(lines[2], "alarm,sonata-ddos,1000000000,10.0.0.1,,,,,");
        assert_eq!(lines[3], "alarm,sonata-ddos,2000000000,10.0.0.1,,,,,");
        assert_eq!(lines.len(), 4);
        assert_eq!(truth_path(Path::new("a/x.pcap")), PathBuf::from("a/x.pcap.truth.csv"));
    }
}
