//! User profiles from a TOML file: `pktstream gen --profile my.toml`.
//!
//! A file starts from a built-in flow-level profile (`base`, `caida-like` by default) and
//! overrides any of its parameters; distributions are given by name and parameters, or as an
//! empirical CDF file (see [`crate::model::dist`]), relative paths resolved against the TOML
//! file's folder. Unknown keys are errors. Example:
//!
//! ```toml
//! base = "caida-like"
//! ipv6_share = 0.25
//! dns_share = 0.05
//! udp_share = 0.10
//! icmp_share = 0.01
//! gap_min = 300          # slots between a flow's packets: fastest flow 1/300 of packets
//! gap_max = 20000
//! tcp_ports = [[443, 0.7], [80, 0.3]]
//!
//! [sizes]                # wire size of data packets, held to 60..=1514 B
//! dist = "empirical"
//! file = "sizes.cdf"
//!
//! [flow_length]          # packets per flow (rounded, at least 1); needs a finite mean
//! dist = "pareto"
//! scale = 1
//! shape = 1.3
//! max = 100000
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::model::dist::Dist;
use crate::model::session::{FlowParams, Lengths, Sizes};
use crate::profile::{ModelOptions, Profile};

/// A user profile file as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileFile {
    /// The built-in flow-level profile it starts from (`caida-like`, `fais-like`,
    /// `datacenter`).
    pub base: Option<String>,
    /// Share of IPv6 flows.
    pub ipv6_share: Option<f64>,
    /// Share of DNS exchanges among flows.
    pub dns_share: Option<f64>,
    /// Share of other UDP flows.
    pub udp_share: Option<f64>,
    /// Share of ICMP echo flows.
    pub icmp_share: Option<f64>,
    /// Share of data packets from server to client.
    pub download_share: Option<f64>,
    /// Share of TCP flows closed by RST.
    pub rst_share: Option<f64>,
    /// Smallest mean gap between a flow's packets, in slots (packets of the whole trace).
    pub gap_min: Option<f64>,
    /// Largest mean gap, in slots.
    pub gap_max: Option<f64>,
    /// Share of new flows the most popular server receives.
    pub server_top_share: Option<f64>,
    /// TCP server ports and weights.
    pub tcp_ports: Option<Vec<(u16, f64)>>,
    /// UDP server ports and weights.
    pub udp_ports: Option<Vec<(u16, f64)>>,
    /// Wire sizes of data packets.
    pub sizes: Option<Dist>,
    /// Packets per flow.
    pub flow_length: Option<Dist>,
}

/// A bad profile file.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("profile file {file}: {problem}")]
pub struct ProfileFileError {
    /// The file.
    pub file: String,
    /// What is wrong, and what was expected.
    pub problem: String,
}

/// A loaded user profile.
#[derive(Clone, Debug)]
pub struct UserProfile {
    /// Its path.
    pub path: PathBuf,
    /// The built-in profile it starts from.
    pub base: Profile,
    file: ProfileFile,
}

impl UserProfile {
    /// Reads and checks `path`.
    pub fn load(path: &Path) -> Result<Self, ProfileFileError> {
        let err = |problem: String| ProfileFileError { file: path.display().to_string(), problem };
        let text =
            std::fs::read_to_string(path).map_err(|e| err(format!("cannot read it: {e}")))?;
        let file: ProfileFile = toml::from_str(&text).map_err(|e| err(e.to_string()))?;
        let base = match file.base.as_deref() {
            None => Profile::CaidaLike,
            Some(name) => name.parse::<Profile>().map_err(|e| err(format!("base: {e}")))?,
        };
        if !matches!(base, Profile::CaidaLike | Profile::FaisLike | Profile::Datacenter) {
            return Err(err(format!(
                "base = \"{base}\": expected a flow-level profile (caida-like, fais-like, datacenter)"
            )));
        }
        let user = Self { path: path.to_path_buf(), base, file };
        // Build once now, so every error shows before generation starts.
        user.flow_params(&ModelOptions { packets_per_window: 1e6, ipv6_share: None, start_ns: 0 })?;
        Ok(user)
    }

    /// The flow model's parameters: the base's, with the file's overrides.
    pub fn flow_params(&self, opts: &ModelOptions) -> Result<FlowParams, ProfileFileError> {
        let err =
            |problem: String| ProfileFileError { file: self.path.display().to_string(), problem };
        let mut p =
            self.base.flow_params(opts).ok_or_else(|| err("base has no flow model".into()))?;
        let f = &self.file;
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let share = |name: &str, v: Option<f64>, into: &mut f64| -> Result<(), ProfileFileError> {
            if let Some(v) = v {
                if !(0.0..=1.0).contains(&v) {
                    return Err(err(format!("{name} = {v}: expected a share from 0 to 1")));
                }
                *into = v;
            }
            Ok(())
        };
        if opts.ipv6_share.is_none() {
            share("ipv6_share", f.ipv6_share, &mut p.ipv6_share)?;
        }
        share("dns_share", f.dns_share, &mut p.dns_share)?;
        share("udp_share", f.udp_share, &mut p.udp_share)?;
        share("icmp_share", f.icmp_share, &mut p.icmp_share)?;
        share("download_share", f.download_share, &mut p.download_share)?;
        share("rst_share", f.rst_share, &mut p.rst_share)?;
        share("server_top_share", f.server_top_share, &mut p.server_top_share)?;
        if p.dns_share + p.udp_share + p.icmp_share > 1.0 {
            return Err(err("dns_share + udp_share + icmp_share is above 1: expected at most 1 (the rest is TCP)".into()));
        }
        if let Some(g) = f.gap_min {
            p.gap_min = g;
        }
        if let Some(g) = f.gap_max {
            p.gap_max = g;
        }
        if !(p.gap_min >= 1.0 && p.gap_max >= p.gap_min && p.gap_max <= 60_000.0) {
            return Err(err(format!(
                "gap_min = {}, gap_max = {}: expected 1 <= gap_min <= gap_max <= 60000",
                p.gap_min, p.gap_max
            )));
        }
        for (name, ports, into) in [
            ("tcp_ports", &f.tcp_ports, &mut p.tcp_ports),
            ("udp_ports", &f.udp_ports, &mut p.udp_ports),
        ] {
            if let Some(ports) = ports {
                if ports.is_empty()
                    || ports.iter().any(|(_, w)| !(w.is_finite() && *w >= 0.0))
                    || ports.iter().all(|(_, w)| *w == 0.0)
                {
                    return Err(err(format!(
                        "{name}: expected [[port, weight], ...] with weights >= 0, not all 0"
                    )));
                }
                into.clone_from(ports);
            }
        }
        if let Some(d) = &f.sizes {
            p.sizes = Sizes::Custom(d.build(dir).map_err(|e| err(format!("sizes: {e}")))?);
        }
        if let Some(d) = &f.flow_length {
            let sampler = d.build(dir).map_err(|e| err(format!("flow_length: {e}")))?;
            let mean = sampler.mean().filter(|m| m.is_finite() && *m >= 1.0).ok_or_else(|| {
                err("flow_length has no finite mean of at least 1: expected one (add a max, or a shape above 1)".into())
            })?;
            p.lengths = Lengths::Custom { sampler, mean };
        }
        Ok(p)
    }

    /// The mean wire size to turn a bit rate into a packet rate: the sizes' mean where known,
    /// else the base profile's.
    pub fn nominal_mean_wire_len(&self) -> f64 {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        self.file
            .sizes
            .as_ref()
            .and_then(|d| d.build(dir).ok())
            .and_then(|s| s.mean())
            .map_or(self.base.nominal_mean_wire_len(), |m| m.clamp(60.0, 1514.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn a_profile_file_overrides_its_base() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "sizes.cdf", "60 0.5\n1514 1\n");
        let path = write(
            dir.path(),
            "p.toml",
            "base = \"fais-like\"\nipv6_share = 0.5\ntcp_ports = [[8443, 1.0]]\n\
             [sizes]\ndist = \"empirical\"\nfile = \"sizes.cdf\"\n\
             [flow_length]\ndist = \"geometric\"\np = 0.1\n",
        );
        let u = UserProfile::load(&path).unwrap();
        assert_eq!(u.base, Profile::FaisLike);
        let p = u
            .flow_params(&ModelOptions { packets_per_window: 1e5, ipv6_share: None, start_ns: 0 })
            .unwrap();
        assert_eq!(p.ipv6_share, 0.5);
        assert_eq!(p.tcp_ports, vec![(8443, 1.0)]);
        assert!((p.lengths.mean() - 9.0).abs() < 1e-9, "{}", p.lengths.mean());
        // Half 60 B, the rest spread linearly to 1514 B.
        assert!((u.nominal_mean_wire_len() - (0.5 * 60.0 + 0.5 * 787.0)).abs() < 1.0);
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            ("base = \"imix\"\n", "expected a flow-level profile"),
            ("ipv6_share = 2.0\n", "ipv6_share = 2: expected a share from 0 to 1"),
            ("colour = 1\n", "unknown field `colour`"),
            ("[flow_length]\ndist = \"pareto\"\nscale = 1\nshape = 0.8\n", "no finite mean"),
            ("[sizes]\ndist = \"empirical\"\nfile = \"missing.cdf\"\n", "missing.cdf"),
            ("gap_min = 10\ngap_max = 5\n", "expected 1 <= gap_min <= gap_max"),
        ];
        for (text, want) in cases {
            let path = write(dir.path(), "bad.toml", text);
            let e = UserProfile::load(&path).unwrap_err().to_string();
            assert!(e.contains(want) && e.contains("bad.toml"), "{text}: {e}");
        }
    }
}
