//! `--scenario KIND[:k=v,...]`: parsing a scenario flag.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// The attack kinds `--scenario` accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScenarioKind {
    /// Many SYNs to one victim from spoofed sources, never completed.
    SynFlood,
    /// One source probing many TCP ports of a victim.
    PortScan,
    /// One source contacting many destinations.
    Superspreader,
    /// Many sources sending to one victim.
    Ddos,
    /// Many SSH login attempts (same-size packets) to port 22 of a victim.
    SshBrute,
    /// Many connections to a victim's web server that send a few bytes each.
    Slowloris,
    /// DNS answers with RRSIG records from many resolvers to a victim.
    DnsReflection,
    /// A host exchanging many DNS messages (data in names) and opening no TCP connection.
    DnsTunnel,
    /// Telnet brute force on a victim, then the payload `zorro`.
    Zorro,
    /// One flow carrying more than 1% of each window's bytes.
    HeavyHitter,
}

impl ScenarioKind {
    /// Every kind with its name.
    pub const ALL: [(&'static str, ScenarioKind); 10] = [
        ("syn-flood", ScenarioKind::SynFlood),
        ("port-scan", ScenarioKind::PortScan),
        ("superspreader", ScenarioKind::Superspreader),
        ("ddos", ScenarioKind::Ddos),
        ("ssh-brute", ScenarioKind::SshBrute),
        ("slowloris", ScenarioKind::Slowloris),
        ("dns-reflection", ScenarioKind::DnsReflection),
        ("dns-tunnel", ScenarioKind::DnsTunnel),
        ("zorro", ScenarioKind::Zorro),
        ("heavy-hitter", ScenarioKind::HeavyHitter),
    ];

    /// The kind's name.
    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, k)| *k == self).map_or("?", |(n, _)| n)
    }

    /// The valid names, comma-separated.
    pub fn valid_names() -> String {
        Self::ALL.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
    }

    /// Whether the attack is only visible with captured payload (`--full-payload`).
    pub fn needs_payload(self) -> bool {
        matches!(self, ScenarioKind::DnsReflection | ScenarioKind::DnsTunnel | ScenarioKind::Zorro)
    }
}

impl fmt::Display for ScenarioKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A bad `--scenario` flag.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SpecError {
    /// An unknown kind.
    #[error("unknown scenario '{name}'; valid scenarios: {valid}")]
    UnknownKind {
        /// The name given.
        name: String,
        /// The valid names.
        valid: String,
    },
    /// A parameter that is not `k=v`.
    #[error("scenario '{spec}': parameter '{param}' is not of the form key=value")]
    NotKeyValue {
        /// The whole flag.
        spec: String,
        /// The offending part.
        param: String,
    },
    /// A parameter the kind does not take.
    #[error("scenario {kind}: unknown parameter '{key}'; valid parameters: {valid}")]
    UnknownParam {
        /// The kind.
        kind: &'static str,
        /// The key given.
        key: String,
        /// The keys the kind takes.
        valid: String,
    },
    /// A parameter value that does not parse or is out of range.
    #[error("scenario {kind}: parameter {key}={value}: expected {expected}")]
    BadValue {
        /// The kind.
        kind: &'static str,
        /// The key.
        key: String,
        /// The value given.
        value: String,
        /// What was expected.
        expected: String,
    },
    /// The kind needs captured payload.
    #[error(
        "scenario {0} is only visible in captured payload (DNS records or telnet data): add --full-payload"
    )]
    NeedsPayload(&'static str),
    /// More scenarios than address blocks.
    #[error("at most 256 scenarios per trace")]
    TooMany,
}

/// A parsed `--scenario` flag: the kind and its `k=v` parameters (checked when built).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioSpec {
    /// The attack kind.
    pub kind: ScenarioKind,
    /// Parameters as given.
    pub params: BTreeMap<String, String>,
}

impl FromStr for ScenarioSpec {
    type Err = SpecError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, rest) = s.split_once(':').unwrap_or((s, ""));
        let kind = ScenarioKind::ALL.iter().find(|(n, _)| *n == name).map(|(_, k)| *k).ok_or_else(
            || SpecError::UnknownKind {
                name: name.to_string(),
                valid: ScenarioKind::valid_names(),
            },
        )?;
        let mut params = BTreeMap::new();
        for part in rest.split(',').filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').ok_or_else(|| SpecError::NotKeyValue {
                spec: s.to_string(),
                param: part.to_string(),
            })?;
            params.insert(k.trim().to_string(), v.trim().to_string());
        }
        Ok(ScenarioSpec { kind, params })
    }
}

impl fmt::Display for ScenarioSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.name())?;
        for (i, (k, v)) in self.params.iter().enumerate() {
            write!(f, "{}{k}={v}", if i == 0 { ':' } else { ',' })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse_with_parameters() {
        let s: ScenarioSpec = "ddos:sources=100,rate=2000".parse().unwrap();
        assert_eq!(s.kind, ScenarioKind::Ddos);
        assert_eq!(s.params["sources"], "100");
        assert_eq!(s.to_string(), "ddos:rate=2000,sources=100");
        assert_eq!("port-scan".parse::<ScenarioSpec>().unwrap().params.len(), 0);
        let e = "nope".parse::<ScenarioSpec>().unwrap_err();
        assert!(e.to_string().contains("syn-flood"), "{e}");
        assert!(matches!("ddos:rate".parse::<ScenarioSpec>(), Err(SpecError::NotKeyValue { .. })));
    }
}
