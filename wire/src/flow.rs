//! IPv4 and IPv6 flow keys (the 5-tuple).

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::record::{PacketRecord, flags};

/// An IPv4 5-tuple, 16 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FlowKeyV4 {
    /// Source address, host byte order.
    pub src: u32,
    /// Destination address, host byte order.
    pub dst: u32,
    /// Source port (0 where the packet has none).
    pub sport: u16,
    /// Destination port (0 where the packet has none).
    pub dport: u16,
    /// IP protocol.
    pub proto: u8,
}

/// An IPv6 5-tuple.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FlowKeyV6 {
    /// Source address, as a big-endian integer.
    pub src: u128,
    /// Destination address, as a big-endian integer.
    pub dst: u128,
    /// Source port (0 where the packet has none).
    pub sport: u16,
    /// Destination port (0 where the packet has none).
    pub dport: u16,
    /// IP protocol (the transport after the extension headers).
    pub proto: u8,
}

/// A 5-tuple of either IP version. Orders IPv4 keys before IPv6 keys, then by address, ports
/// and protocol: the order of `--dump` files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FlowKey {
    /// IPv4 flow.
    V4(FlowKeyV4),
    /// IPv6 flow.
    V6(FlowKeyV6),
}

impl FlowKeyV4 {
    /// The same flow seen from the other end.
    pub fn reversed(self) -> Self {
        Self { src: self.dst, dst: self.src, sport: self.dport, dport: self.sport, ..self }
    }
}

impl FlowKeyV6 {
    /// The same flow seen from the other end.
    pub fn reversed(self) -> Self {
        Self { src: self.dst, dst: self.src, sport: self.dport, dport: self.sport, ..self }
    }
}

impl FlowKey {
    /// The key of a record, in the direction the packet travelled.
    #[inline]
    pub fn from_record(r: &PacketRecord) -> Self {
        if r.has(flags::IPV6) {
            FlowKey::V6(FlowKeyV6 {
                src: u128::from_be_bytes(r.src),
                dst: u128::from_be_bytes(r.dst),
                sport: r.sport,
                dport: r.dport,
                proto: r.proto,
            })
        } else {
            let v4 = |a: &[u8; 16]| u32::from_be_bytes([a[12], a[13], a[14], a[15]]);
            FlowKey::V4(FlowKeyV4 {
                src: v4(&r.src),
                dst: v4(&r.dst),
                sport: r.sport,
                dport: r.dport,
                proto: r.proto,
            })
        }
    }

    /// The same flow seen from the other end.
    pub fn reversed(self) -> Self {
        match self {
            FlowKey::V4(k) => FlowKey::V4(k.reversed()),
            FlowKey::V6(k) => FlowKey::V6(k.reversed()),
        }
    }

    /// The direction-free form: the smaller of the key and its reverse, so both directions of
    /// a connection give the same value.
    pub fn canonical(self) -> Self {
        self.min(self.reversed())
    }

    /// Source port.
    pub fn sport(&self) -> u16 {
        match self {
            FlowKey::V4(k) => k.sport,
            FlowKey::V6(k) => k.sport,
        }
    }

    /// Destination port.
    pub fn dport(&self) -> u16 {
        match self {
            FlowKey::V4(k) => k.dport,
            FlowKey::V6(k) => k.dport,
        }
    }

    /// IP protocol.
    pub fn proto(&self) -> u8 {
        match self {
            FlowKey::V4(k) => k.proto,
            FlowKey::V6(k) => k.proto,
        }
    }
}

/// Prints `src,dst,sport,dport,proto` with addresses as text (IPv6 canonical): the key columns
/// of a flow-counter dump.
impl fmt::Display for FlowKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FlowKey::V4(k) => write!(
                f,
                "{},{},{},{},{}",
                Ipv4Addr::from(k.src),
                Ipv4Addr::from(k.dst),
                k.sport,
                k.dport,
                k.proto
            ),
            FlowKey::V6(k) => write!(
                f,
                "{},{},{},{},{}",
                Ipv6Addr::from(k.src),
                Ipv6Addr::from(k.dst),
                k.sport,
                k.dport,
                k.proto
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::mapped_v4;

    #[test]
    fn key_from_record_and_display() {
        let mut r = PacketRecord::default();
        r.src = mapped_v4([10, 0, 0, 1]);
        r.dst = mapped_v4([192, 168, 1, 2]);
        (r.sport, r.dport, r.proto) = (1234, 80, 6);
        let k = r.flow_key();
        assert_eq!(k.to_string(), "10.0.0.1,192.168.1.2,1234,80,6");
        assert_eq!(k.reversed().to_string(), "192.168.1.2,10.0.0.1,80,1234,6");
        assert_eq!(k.canonical(), k.reversed().canonical());
    }
}
