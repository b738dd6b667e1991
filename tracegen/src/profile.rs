//! Named traffic profiles: what `pktstream gen --profile NAME` accepts.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::model::TrafficModel;
use crate::model::backbone::{BackboneModel, BackboneParams};

/// A built-in traffic profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    /// Backbone mix: Zipf flow popularity (busiest flow at most about 1% of packets),
    /// multi-modal sizes averaging about 765 B, IPv4 with some IPv6, TCP, UDP and ICMP.
    CaidaLike,
}

impl Profile {
    /// Every profile with its name, as `--profile` spells it.
    pub const ALL: [(&'static str, Profile); 1] = [("caida-like", Profile::CaidaLike)];

    /// The profile's name.
    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, p)| *p == self).map_or("?", |(n, _)| n)
    }

    /// The valid names, comma-separated, for error messages.
    pub fn valid_names() -> String {
        Self::ALL.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
    }

    /// The traffic model of this profile for a trace of `packets` packets.
    pub fn model(self, packets: u64, seed: u64) -> Box<dyn TrafficModel> {
        match self {
            Profile::CaidaLike => {
                Box::new(BackboneModel::new(&BackboneParams::for_packets(packets), seed))
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
#[error("unknown profile '{name}'; valid profiles: {valid}")]
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
        assert_eq!("caida-like".parse::<Profile>(), Ok(Profile::CaidaLike));
        let e = "nope".parse::<Profile>().unwrap_err();
        assert!(e.to_string().contains("caida-like"), "{e}");
    }
}
