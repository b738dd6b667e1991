//! Named traffic profiles: what `pktstream gen --profile NAME` accepts.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::model::TrafficModel;
use crate::model::hosts::AddressPlan;
use crate::model::lengths::{FlowLengths, SHORT_DECAY};
use crate::model::session::{FlowParams, Lengths, SessionModel, Sizes};
use crate::model::simple::{IMIX, MIN64, STRESS_FLOWS, StressModel};
use crate::model::sizes::{CAIDA_DATA, DATACENTER_DATA, FAIS_DATA, SizeMixture};

/// A built-in traffic profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    /// Backbone mix: flows with TCP life cycles, DNS, UDP and ICMP; Zipf host popularity;
    /// campus flow lengths (about half single-packet, 78.6 packets per flow on average);
    /// multi-modal sizes averaging 700 to 900 B; no flow above about 0.4% of packets.
    CaidaLike,
    /// The same mix with more small packets: about 480 B on average, as Fais et al.'s
    /// 20 Gb/s (5.2 Mpps) run.
    FaisLike,
    /// TRex IMIX: 60, 590 and 1514 B frames at 28:20:4, UDP over 4096 flows.
    Imix,
    /// Minimum-size frames (64 B with FCS, `orig_len` 60): the 14.88 Mpps 10 GbE stress.
    Min64,
    /// Data-centre flows: heavy-tailed lengths (web search and Hadoop-like), full segments
    /// and acknowledgements, private addresses (172.16.0.0/12), almost all TCP.
    Datacenter,
    /// Every packet a new flow (minimum-size UDP): flow-table stress.
    FlowFlood,
}

/// Options of a profile that the command line may override.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ModelOptions {
    /// Packets the trace carries per 1 s window (sizes host populations).
    pub packets_per_window: f64,
    /// Share of IPv6 flows (the profile's own when `None`).
    pub ipv6_share: Option<f64>,
    /// Timestamp of the trace's first packet (per-window host budgets start in its window).
    pub start_ns: u64,
}

impl Profile {
    /// Every profile with its name, as `--profile` spells it.
    pub const ALL: [(&'static str, Profile); 6] = [
        ("caida-like", Profile::CaidaLike),
        ("fais-like", Profile::FaisLike),
        ("imix", Profile::Imix),
        ("min64", Profile::Min64),
        ("datacenter", Profile::Datacenter),
        ("flow-flood", Profile::FlowFlood),
    ];

    /// The profile's name.
    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, p)| *p == self).map_or("?", |(n, _)| n)
    }

    /// The valid names, comma-separated, for error messages.
    pub fn valid_names() -> String {
        Self::ALL.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
    }

    /// The profile's own IPv6 share.
    pub fn ipv6_share(self) -> f64 {
        match self {
            Profile::CaidaLike | Profile::FaisLike => 0.10,
            Profile::Imix | Profile::Min64 | Profile::Datacenter | Profile::FlowFlood => 0.0,
        }
    }

    /// The mean wire size the profile aims at (to turn a bit rate into a packet rate ahead of
    /// generation; the measured mean is in `trace-stats`).
    pub fn nominal_mean_wire_len(self) -> f64 {
        match self {
            Profile::CaidaLike => 800.0,
            Profile::FaisLike => 480.0,
            Profile::Imix => (28.0 * 60.0 + 20.0 * 590.0 + 4.0 * 1514.0) / 52.0,
            Profile::Min64 | Profile::FlowFlood => 60.0,
            Profile::Datacenter => 900.0,
        }
    }

    /// The flow model's parameters of the flow-level profiles (`None` for the stress ones).
    pub fn flow_params(self, opts: &ModelOptions) -> Option<FlowParams> {
        let backbone = |sizes: &[crate::model::sizes::SizeMode]| FlowParams {
            lengths: Lengths::Plan(FlowLengths::campus()),
            gap_min: 250.0,
            gap_max: 40_000.0,
            sizes: Sizes::Mixture(SizeMixture::new(sizes)),
            ipv6_share: opts.ipv6_share.unwrap_or(self.ipv6_share()),
            dns_share: 0.06,
            udp_share: 0.08,
            icmp_share: 0.01,
            tcp_ports: vec![
                (443, 0.55),
                (80, 0.25),
                (22, 0.03),
                (25, 0.03),
                (993, 0.04),
                (8080, 0.04),
                (3306, 0.02),
                (5222, 0.04),
            ],
            udp_ports: vec![(443, 0.6), (123, 0.1), (4500, 0.15), (5353, 0.05), (1194, 0.1)],
            download_share: 0.6,
            rst_share: 0.1,
            addresses: AddressPlan::Public,
            server_top_share: 0.02,
            packets_per_window: opts.packets_per_window,
            start_ns: opts.start_ns,
        };
        match self {
            Profile::CaidaLike => Some(backbone(&CAIDA_DATA)),
            Profile::FaisLike => Some(backbone(&FAIS_DATA)),
            Profile::Datacenter => Some(FlowParams {
                // Web-search and Hadoop-like: fewer single-packet flows, a tail to millions.
                lengths: Lengths::Plan(FlowLengths::calibrated(
                    0.15,
                    0.45,
                    SHORT_DECAY,
                    0.9,
                    150.0,
                )),
                gap_min: 250.0,
                gap_max: 4_000.0,
                sizes: Sizes::Mixture(SizeMixture::new(&DATACENTER_DATA)),
                ipv6_share: opts.ipv6_share.unwrap_or(self.ipv6_share()),
                dns_share: 0.02,
                udp_share: 0.02,
                icmp_share: 0.002,
                tcp_ports: vec![(9000, 0.3), (50010, 0.3), (443, 0.2), (8080, 0.1), (6379, 0.1)],
                udp_ports: vec![(5000, 0.8), (123, 0.2)],
                download_share: 0.5,
                rst_share: 0.05,
                addresses: AddressPlan::Datacenter,
                server_top_share: 0.02,
                packets_per_window: opts.packets_per_window,
                start_ns: opts.start_ns,
            }),
            Profile::Imix | Profile::Min64 | Profile::FlowFlood => None,
        }
    }

    /// The traffic model of this profile.
    pub fn model(self, opts: &ModelOptions, seed: u64) -> Box<dyn TrafficModel> {
        let v6 = opts.ipv6_share.unwrap_or(self.ipv6_share());
        match self {
            Profile::Imix => Box::new(StressModel::new(&IMIX, Some(STRESS_FLOWS), v6, seed)),
            Profile::Min64 => Box::new(StressModel::new(&MIN64, Some(STRESS_FLOWS), v6, seed)),
            Profile::FlowFlood => Box::new(StressModel::new(&MIN64, None, v6, seed)),
            Profile::CaidaLike | Profile::FaisLike | Profile::Datacenter => {
                let params = self.flow_params(opts).expect("flow-level profile");
                Box::new(SessionModel::new(params, seed))
            }
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown profile name.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown profile '{name}'; valid profiles: {valid} (or a .toml profile file)")]
pub struct UnknownProfile {
    /// The name given.
    pub name: String,
    /// The valid names.
    pub valid: String,
}

impl FromStr for Profile {
    type Err = UnknownProfile;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .find(|(n, _)| *n == s)
            .map(|(_, p)| *p)
            .ok_or_else(|| UnknownProfile { name: s.to_string(), valid: Self::valid_names() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_unknown_lists_valid() {
        for (n, p) in Profile::ALL {
            assert_eq!(n.parse::<Profile>(), Ok(p));
            assert_eq!(p.to_string(), n);
        }
        let e = "nope".parse::<Profile>().unwrap_err();
        assert!(e.to_string().contains("caida-like, fais-like, imix"), "{e}");
    }
}
