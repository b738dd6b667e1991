//! Host conditions of one run, so suites can judge how noisy a trial was: CPU steal time of the
//! whole machine and the process's context switches over the run, and the CPU clock at its end.
//!
//! Reading never fails: a file that is missing or cannot be parsed gives 0 (or `None` for the
//! clock), never an error. The parsers take the files' text, so tests can feed them literals.

use serde::{Deserialize, Serialize};

/// Host conditions over one measured run (`host` in `run` results; CSV `host_steal_pct`, ...).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HostSample {
    /// CPU steal time of the whole machine over the run, as a percentage of all its CPU time
    /// (the `cpu` line of `/proc/stat`); 0 where it cannot be read.
    pub steal_pct: f64,
    /// Involuntary context switches of the process over the run (`getrusage` `ru_nivcsw`).
    pub involuntary_ctx_switches: u64,
    /// Voluntary context switches of the process over the run (`getrusage` `ru_nvcsw`).
    pub voluntary_ctx_switches: u64,
    /// Mean current clock of all CPUs at the end of the run, in MHz (`cpufreq`'s
    /// `scaling_cur_freq`, else `cpu MHz` of `/proc/cpuinfo`); `None` where neither is readable.
    pub cpu_mhz: Option<f64>,
}

/// Jiffies of the machine's `cpu` line of `/proc/stat`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpuJiffies {
    /// Time stolen by the hypervisor (the 8th field).
    pub steal: u64,
    /// All CPU time: `user` through `steal` (`guest` and `guest_nice` are left out, as the
    /// kernel already counts them in `user` and `nice`).
    pub total: u64,
}

/// The counters a [`HostSample`] is the difference of.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Counters {
    cpu: CpuJiffies,
    involuntary: u64,
    voluntary: u64,
}

/// Counters read just before a run; [`HostProbe::finish`] reads them again after it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostProbe {
    start: Counters,
}

impl HostProbe {
    /// Reads the counters now: call it right before the measured run.
    pub fn start() -> Self {
        let cpu = read_cpu_jiffies();
        // The process's own counters last, closest to the run.
        let (involuntary, voluntary) = read_ctx_switches();
        Self { start: Counters { cpu, involuntary, voluntary } }
    }

    /// Reads the counters again (call it right after the run) and the CPU clock, and returns
    /// what changed in between.
    pub fn finish(&self) -> HostSample {
        // The process's own counters first, closest to the run.
        let (involuntary, voluntary) = read_ctx_switches();
        let cpu = read_cpu_jiffies();
        HostSample {
            steal_pct: steal_pct(self.start.cpu, cpu),
            involuntary_ctx_switches: involuntary.saturating_sub(self.start.involuntary),
            voluntary_ctx_switches: voluntary.saturating_sub(self.start.voluntary),
            cpu_mhz: read_cpu_mhz(),
        }
    }
}

/// Parses the text of `/proc/stat`: the jiffies of its `cpu` line (the whole machine), `None`
/// where there is no such line or a field of it is not a number. Fields an old kernel lacks
/// count as 0.
pub fn parse_proc_stat(text: &str) -> Option<CpuJiffies> {
    let line = text.lines().find(|l| l.split_whitespace().next() == Some("cpu"))?;
    let fields: Vec<u64> =
        line.split_whitespace().skip(1).map(str::parse).collect::<Result<_, _>>().ok()?;
    if fields.is_empty() {
        return None;
    }
    // user nice system idle iowait irq softirq steal [guest guest_nice]
    let counted = &fields[..fields.len().min(8)];
    Some(CpuJiffies {
        steal: fields.get(7).copied().unwrap_or(0),
        total: counted.iter().fold(0u64, |a, &v| a.saturating_add(v)),
    })
}

/// Steal time between two readings as a percentage of all CPU time between them, from 0 to
/// 100; 0 where no time passed or the counters went backwards.
pub fn steal_pct(before: CpuJiffies, after: CpuJiffies) -> f64 {
    let total = after.total.saturating_sub(before.total);
    let steal = after.steal.saturating_sub(before.steal);
    if total == 0 { 0.0 } else { (steal as f64 / total as f64 * 100.0).min(100.0) }
}

/// Parses the text of `/proc/cpuinfo`: the mean of its `cpu MHz` lines, `None` where none
/// holds a positive number (lines that do not parse are skipped).
pub fn parse_cpuinfo_mhz(text: &str) -> Option<f64> {
    mean_positive(text.lines().filter_map(|l| {
        let (key, value) = l.split_once(':')?;
        if key.trim() != "cpu MHz" {
            return None;
        }
        value.trim().parse::<f64>().ok()
    }))
}

/// The mean clock in MHz of the texts of `scaling_cur_freq` files (one per CPU, in kHz),
/// `None` where none holds a positive number (texts that do not parse are skipped).
pub fn mean_scaling_mhz<'a>(khz_texts: impl IntoIterator<Item = &'a str>) -> Option<f64> {
    mean_positive(
        khz_texts.into_iter().filter_map(|t| t.trim().parse::<f64>().ok()).map(|khz| khz / 1e3),
    )
}

/// The mean of the finite, positive values, `None` where there are none.
fn mean_positive(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold((0.0, 0u32), |(sum, n), v| (sum + v, n + 1));
    (n > 0).then(|| sum / f64::from(n))
}

/// The machine's CPU jiffies now (zeros where `/proc/stat` cannot be read).
fn read_cpu_jiffies() -> CpuJiffies {
    std::fs::read_to_string("/proc/stat").ok().and_then(|t| parse_proc_stat(&t)).unwrap_or_default()
}

/// The mean current clock of all CPUs in MHz: `cpufreq` where the kernel has it, else
/// `/proc/cpuinfo`.
fn read_cpu_mhz() -> Option<f64> {
    let cpus = std::fs::read_dir("/sys/devices/system/cpu").into_iter().flatten().flatten();
    let texts: Vec<String> = cpus
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.strip_prefix("cpu")
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
        .filter_map(|e| std::fs::read_to_string(e.path().join("cpufreq/scaling_cur_freq")).ok())
        .collect();
    mean_scaling_mhz(texts.iter().map(String::as_str)).or_else(|| {
        std::fs::read_to_string("/proc/cpuinfo").ok().and_then(|t| parse_cpuinfo_mhz(&t))
    })
}

/// The process's involuntary and voluntary context switches so far, all threads (those that
/// ended included); zeros where `getrusage` fails.
fn read_ctx_switches() -> (u64, u64) {
    // SAFETY: an all-zero `rusage` is a valid value of the plain C struct.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `ru` is a valid, writable rusage that outlives the call.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    if rc != 0 {
        return (0, 0);
    }
    (u64::try_from(ru.ru_nivcsw).unwrap_or(0), u64::try_from(ru.ru_nvcsw).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::csv::flatten;
    use crate::results::schema::RunReport;

    const STAT: &str = "cpu  4422698 104 611755 3116091 14722 0 2441 26587 0 0\n\
                        cpu0 1943698 66 297336 1836748 4107 0 218 13261 0 0\n\
                        intr 123 0 0\nctxt 999\n";

    #[test]
    fn proc_stat_gives_the_machine_line() {
        let j = parse_proc_stat(STAT).expect("a cpu line");
        assert_eq!(j.steal, 26587);
        assert_eq!(j.total, 4422698 + 104 + 611755 + 3116091 + 14722 + 2441 + 26587);
        // Guest time is not counted twice; an old kernel's short line counts steal as 0.
        let guest = parse_proc_stat("cpu 10 0 0 80 0 0 0 10 5 5\n").expect("a cpu line");
        assert_eq!(guest, CpuJiffies { steal: 10, total: 100 });
        let old = parse_proc_stat("cpu 10 0 5 85\n").expect("a cpu line");
        assert_eq!(old, CpuJiffies { steal: 0, total: 100 });
    }

    #[test]
    fn malformed_proc_stat_gives_none() {
        for bad in ["", "cpu\n", "cpu0 1 2 3 4\n", "cpu 1 2 x 4\n", "cpu -1 2\n", "garbage"] {
            assert_eq!(parse_proc_stat(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn steal_is_a_share_of_the_time_between_readings() {
        let a = CpuJiffies { steal: 100, total: 1000 };
        let b = CpuJiffies { steal: 105, total: 1200 };
        assert!((steal_pct(a, b) - 2.5).abs() < 1e-12);
        assert_eq!(steal_pct(a, a), 0.0);
        assert_eq!(steal_pct(b, a), 0.0, "counters that went backwards");
        assert_eq!(steal_pct(CpuJiffies::default(), CpuJiffies::default()), 0.0);
    }

    #[test]
    fn cpuinfo_gives_the_mean_clock() {
        let text = "processor\t: 0\ncpu MHz\t\t: 2000.000\nmodel name\t: X @ 3.00GHz\n\n\
                    processor\t: 1\ncpu MHz\t\t: 3000.500\n";
        assert_eq!(parse_cpuinfo_mhz(text), Some(2500.25));
        assert_eq!(parse_cpuinfo_mhz("cpu MHz : 1000\ncpu MHz : soon\n"), Some(1000.0));
        for bad in ["", "processor : 0\n", "cpu MHz : \n", "cpu MHz : 0\n", "cpu MHz : nan\n"] {
            assert_eq!(parse_cpuinfo_mhz(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn scaling_frequencies_are_khz() {
        assert_eq!(mean_scaling_mhz(["2000000\n", "3000000\n"]), Some(2500.0));
        assert_eq!(mean_scaling_mhz(["2000000\n", "<unsupported>\n"]), Some(2000.0));
        assert_eq!(mean_scaling_mhz([]), None);
        assert_eq!(mean_scaling_mhz(["", "-5", "0"]), None);
    }

    #[test]
    fn a_probe_never_fails_and_counts_forward() {
        let probe = HostProbe::start();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let s = probe.finish();
        assert!((0.0..=100.0).contains(&s.steal_pct));
        assert!(s.voluntary_ctx_switches >= 1, "a sleep switches voluntarily: {s:?}");
        assert!(s.cpu_mhz.is_none_or(|m| m > 0.0));
    }

    #[test]
    fn run_reports_without_host_still_parse_and_host_flattens() {
        let zero = serde_json::json!({"p50": 0, "p90": 0, "p99": 0, "p999": 0, "max": 0});
        let mut v = serde_json::json!({
            "app": "flow-counter", "topology": "rtc", "queue": "rtrb", "batch": 32,
            "workers": 1, "threads": 1, "oversubscribed": false, "packets": 1, "processed": 1,
            "unparsed": 0, "dropped_by_reason": {}, "conservation_ok": true, "bytes": 60,
            "duration_s": 1.0, "mpps": 1e-6, "offered_mpps": null, "gbps": 0.0, "gbps_l1": 0.0,
            "per_worker": [], "cpu_ns_per_packet": 1.0, "max_rss_bytes": 1,
            "latency_ns": zero.clone(), "result_delay_ns": zero, "truncated_at_offset": null
        });
        let old: RunReport = serde_json::from_value(v.clone()).expect("an old report parses");
        assert_eq!(old.host, HostSample::default());
        v["host"] = serde_json::json!({"steal_pct": 1.5, "involuntary_ctx_switches": 3});
        let new: RunReport = serde_json::from_value(v).expect("a partial host parses");
        assert_eq!(new.host.steal_pct, 1.5);
        assert_eq!(new.host.involuntary_ctx_switches, 3);
        let flat = flatten(&serde_json::to_value(&new).expect("serialises"));
        let host: Vec<(&str, &str)> = flat
            .iter()
            .filter(|(k, _)| k.starts_with("host_"))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            host,
            [
                ("host_steal_pct", "1.5"),
                ("host_involuntary_ctx_switches", "3"),
                ("host_voluntary_ctx_switches", "0"),
                ("host_cpu_mhz", ""),
            ]
        );
    }
}
