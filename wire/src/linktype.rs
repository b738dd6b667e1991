//! Capture link types: what sits at the start of each frame.

use serde::{Deserialize, Serialize};

/// The link-layer header type of a frame, from the capture's `LINKTYPE_*` number.
///
/// Only the link types the parser reads have their own variant; every other number is kept in
/// [`LinkType::Other`] so the frame can be counted `unparsed` with its reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LinkType {
    /// `LINKTYPE_ETHERNET` (1): Ethernet II, with 802.1Q / QinQ tags.
    Ethernet,
    /// `LINKTYPE_NULL` (0): BSD loopback, a 4-byte address family in the writer's byte order.
    BsdLoopback,
    /// `LINKTYPE_LOOP` (108): OpenBSD loopback, a 4-byte address family in network byte order.
    OpenBsdLoopback,
    /// `LINKTYPE_RAW` (101, and the historical DLT values 12 and 14): raw IPv4 or IPv6.
    RawIp,
    /// `LINKTYPE_IPV4` (228): raw IPv4.
    RawIpv4,
    /// `LINKTYPE_IPV6` (229): raw IPv6.
    RawIpv6,
    /// `LINKTYPE_LINUX_SLL` (113): Linux cooked capture v1 (16-byte header).
    LinuxSll,
    /// `LINKTYPE_LINUX_SLL2` (276): Linux cooked capture v2 (20-byte header).
    LinuxSll2,
    /// Any other link type number: frames of it are counted `unparsed` (`unsupported_link_type`).
    Other(u32),
}

impl LinkType {
    /// Every link type the parser reads (all but [`LinkType::Other`]).
    pub const SUPPORTED: [LinkType; 8] = [
        LinkType::Ethernet,
        LinkType::BsdLoopback,
        LinkType::OpenBsdLoopback,
        LinkType::RawIp,
        LinkType::RawIpv4,
        LinkType::RawIpv6,
        LinkType::LinuxSll,
        LinkType::LinuxSll2,
    ];

    /// The link type for a capture file's `LINKTYPE_*` number.
    pub fn from_linktype(n: u32) -> Self {
        match n {
            0 => Self::BsdLoopback,
            1 => Self::Ethernet,
            12 | 14 | 101 => Self::RawIp,
            108 => Self::OpenBsdLoopback,
            113 => Self::LinuxSll,
            228 => Self::RawIpv4,
            229 => Self::RawIpv6,
            276 => Self::LinuxSll2,
            other => Self::Other(other),
        }
    }

    /// The `LINKTYPE_*` number written to capture files for this link type.
    pub fn to_linktype(self) -> u32 {
        match self {
            Self::BsdLoopback => 0,
            Self::Ethernet => 1,
            Self::RawIp => 101,
            Self::OpenBsdLoopback => 108,
            Self::LinuxSll => 113,
            Self::RawIpv4 => 228,
            Self::RawIpv6 => 229,
            Self::LinuxSll2 => 276,
            Self::Other(n) => n,
        }
    }

    /// Whether the parser reads frames of this link type.
    pub fn is_supported(self) -> bool {
        !matches!(self, Self::Other(_))
    }

    /// A short stable name, as reports and `trace-stats` print it.
    pub fn name(self) -> String {
        match self {
            Self::Ethernet => "ethernet".into(),
            Self::BsdLoopback => "bsd-loopback".into(),
            Self::OpenBsdLoopback => "openbsd-loopback".into(),
            Self::RawIp => "raw-ip".into(),
            Self::RawIpv4 => "raw-ipv4".into(),
            Self::RawIpv6 => "raw-ipv6".into(),
            Self::LinuxSll => "linux-sll".into(),
            Self::LinuxSll2 => "linux-sll2".into(),
            Self::Other(n) => format!("linktype-{n}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip() {
        for n in [0, 1, 101, 108, 113, 228, 229, 276, 147] {
            assert_eq!(LinkType::from_linktype(n).to_linktype(), n);
        }
        assert_eq!(LinkType::from_linktype(12), LinkType::RawIp);
        assert!(!LinkType::from_linktype(127).is_supported());
    }
}
