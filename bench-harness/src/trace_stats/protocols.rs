//! Protocol mix and TCP flag counts of parsed packets.

use wire::PacketRecord;
use wire::record::tcp_flags::{ACK, FIN, RST, SYN};

use super::dist::ratio;
use crate::results::schema::{ProtocolMix, TcpFlagCounts};

/// Counts parsed packets by IP version, transport and TCP flags.
#[derive(Default)]
pub(super) struct ProtocolCounter {
    parsed: u64,
    ipv6: u64,
    tcp: u64,
    udp: u64,
    icmp: u64,
    flags: TcpFlagCounts,
}

impl ProtocolCounter {
    /// Counts one parsed packet.
    pub(super) fn add(&mut self, r: &PacketRecord) {
        self.parsed += 1;
        if r.ip_version() == 6 {
            self.ipv6 += 1;
        }
        match r.proto {
            6 => {
                self.tcp += 1;
                self.count_flags(r.tcp_flags);
            }
            17 => self.udp += 1,
            1 | 58 => self.icmp += 1,
            _ => {}
        }
    }

    fn count_flags(&mut self, f: u8) {
        let c = &mut self.flags;
        c.syn_only += u64::from(f & (SYN | ACK | FIN | RST) == SYN);
        c.syn_ack += u64::from(f & (SYN | ACK) == SYN | ACK);
        c.fin += u64::from(f & FIN != 0);
        c.rst += u64::from(f & RST != 0);
    }

    /// Parsed packets counted.
    pub(super) fn parsed(&self) -> u64 {
        self.parsed
    }

    /// Shares of IP versions and transports.
    pub(super) fn mix(&self) -> ProtocolMix {
        let share = |n| ratio(n, self.parsed);
        let other = self.parsed - self.tcp - self.udp - self.icmp;
        ProtocolMix {
            ipv4_share: share(self.parsed - self.ipv6),
            ipv6_share: share(self.ipv6),
            tcp_share: share(self.tcp),
            udp_share: share(self.udp),
            icmp_share: share(self.icmp),
            other_share: share(other),
        }
    }

    /// TCP flag counts.
    pub(super) fn flags(&self) -> TcpFlagCounts {
        self.flags
    }
}
