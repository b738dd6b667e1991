//! Record fields a query reads, the predicates of `filter` and the record rewrites of `map`.
//!
//! Every field reads as an unsigned integer (`u128`, so addresses fit): an address is its
//! 16-byte form as a big-endian integer (IPv4 as IPv4-mapped IPv6, `::ffff:a.b.c.d`).

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

use serde::{Deserialize, Serialize};
use wire::PacketRecord;
use wire::record::{flags, mapped_v4};

/// A field of a packet record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// Source address.
    Src,
    /// Destination address.
    Dst,
    /// Source port (0 where the packet has none).
    Sport,
    /// Destination port (0 where the packet has none).
    Dport,
    /// IP protocol.
    Proto,
    /// TCP flags (0 for other protocols).
    TcpFlags,
    /// IP length (IPv4 total length, IPv6 40 + payload length).
    IpLen,
    /// Frame length on the wire.
    WireLen,
    /// 4 or 6.
    IpVersion,
    /// TCP sequence number (ICMP: `type << 8 | code`).
    Seq,
    /// TCP acknowledgement number.
    Ack,
}

impl Field {
    /// Every field with its name.
    pub const ALL: [(&'static str, Field); 11] = [
        ("src", Field::Src),
        ("dst", Field::Dst),
        ("sport", Field::Sport),
        ("dport", Field::Dport),
        ("proto", Field::Proto),
        ("tcp_flags", Field::TcpFlags),
        ("ip_len", Field::IpLen),
        ("wire_len", Field::WireLen),
        ("ip_version", Field::IpVersion),
        ("seq", Field::Seq),
        ("ack", Field::Ack),
    ];

    /// The field's name (as in query files and dump headers).
    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, f)| *f == self).map_or("?", |(n, _)| n)
    }

    /// Bits the field's values take (a packed key reserves this many).
    pub fn bits(self) -> u32 {
        match self {
            Field::Src | Field::Dst => 128,
            Field::Sport | Field::Dport | Field::IpLen => 16,
            Field::Proto | Field::TcpFlags => 8,
            Field::WireLen => 20,
            Field::IpVersion => 4,
            Field::Seq | Field::Ack => 32,
        }
    }

    /// Whether the field is an address.
    pub fn is_address(self) -> bool {
        matches!(self, Field::Src | Field::Dst)
    }

    /// The field's value in `r`.
    #[inline]
    pub fn get(self, r: &PacketRecord) -> u128 {
        match self {
            Field::Src => u128::from_be_bytes(r.src),
            Field::Dst => u128::from_be_bytes(r.dst),
            Field::Sport => r.sport.into(),
            Field::Dport => r.dport.into(),
            Field::Proto => r.proto.into(),
            Field::TcpFlags => r.tcp_flags.into(),
            Field::IpLen => r.ip_len.into(),
            Field::WireLen => r.wire_len().into(),
            Field::IpVersion => r.ip_version().into(),
            Field::Seq => r.seq.into(),
            Field::Ack => r.ack.into(),
        }
    }

    /// Formats a value of this field for a dump: addresses as text (`v6` says which version),
    /// everything else as a decimal integer.
    pub fn format(self, value: u128, v6: bool, out: &mut String) {
        use std::fmt::Write as _;
        // Writing to a String cannot fail.
        let _ = if self.is_address() {
            write!(out, "{}", address_text(value, v6))
        } else {
            write!(out, "{value}")
        };
    }
}

/// An address value as text: IPv4 dotted for a v4 record, IPv6 canonical otherwise.
pub fn address_text(value: u128, v6: bool) -> IpAddr {
    let a = Ipv6Addr::from(value);
    match (v6, a.to_ipv4_mapped()) {
        (false, Some(v4)) => IpAddr::V4(v4),
        _ => IpAddr::V6(a),
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A literal in a query file: an integer, or text (an address, or an address prefix for `in`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Literal {
    /// An integer.
    Int(u64),
    /// Text: `"10.0.0.1"`, `"2001:db8::1"`, `"10.0.0.0/8"`.
    Text(String),
}

impl From<u64> for Literal {
    fn from(v: u64) -> Self {
        Literal::Int(v)
    }
}

impl From<&str> for Literal {
    fn from(v: &str) -> Self {
        Literal::Text(v.into())
    }
}

/// How a predicate compares a field with its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CmpOp {
    /// Equal.
    Eq,
    /// Not equal.
    Ne,
    /// Less than.
    Lt,
    /// At most.
    Le,
    /// Greater than.
    Gt,
    /// At least.
    Ge,
    /// Every bit of the value is set in the field (`field & value == value`).
    All,
    /// Some bit of the value is set in the field (`field & value != 0`).
    Any,
    /// The field (an address) lies in the prefix given as text (`"10.0.0.0/8"`).
    In,
}

impl CmpOp {
    /// Whether `a op b` holds (`In` is compiled to a mask and `Eq` before it gets here).
    #[inline]
    pub fn holds(self, a: u128, b: u128) -> bool {
        match self {
            CmpOp::Eq | CmpOp::In => a == b,
            CmpOp::Ne => a != b,
            CmpOp::Lt => a < b,
            CmpOp::Le => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::Ge => a >= b,
            CmpOp::All => a & b == b,
            CmpOp::Any => a & b != 0,
        }
    }
}

/// `field op value`: one condition of a `filter` (a filter keeps a record when all hold).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Predicate {
    /// The field compared.
    pub field: Field,
    /// The comparison.
    pub op: CmpOp,
    /// The value compared with.
    pub value: Literal,
}

impl Predicate {
    /// `field op value`.
    pub fn new(field: Field, op: CmpOp, value: impl Into<Literal>) -> Self {
        Self { field, op, value: value.into() }
    }
}

/// Why a query cannot be compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("query {at}: {why}")]
pub struct QueryError {
    /// Where in the query (`filter[0].value`, `aggregate[2]`, ...).
    pub at: String,
    /// What was expected.
    pub why: String,
}

impl QueryError {
    pub(crate) fn new(at: impl Into<String>, why: impl Into<String>) -> Self {
        Self { at: at.into(), why: why.into() }
    }
}

/// A predicate made ready to test: `(field & mask) op value`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CompiledPredicate {
    field: Field,
    op: CmpOp,
    mask: u128,
    value: u128,
}

impl CompiledPredicate {
    /// Checks the value against the field and compiles it.
    pub fn compile(p: &Predicate, at: &str) -> Result<Self, QueryError> {
        let full = if p.field.bits() == 128 { u128::MAX } else { (1u128 << p.field.bits()) - 1 };
        let (mask, value) = match (&p.value, p.op) {
            (Literal::Text(t), CmpOp::In) if p.field.is_address() => {
                let (addr, len) = parse_prefix(t).ok_or_else(|| {
                    QueryError::new(
                        at,
                        format!("expected an address prefix such as 10.0.0.0/8, found '{t}'"),
                    )
                })?;
                let mask = if len == 0 { 0 } else { u128::MAX << (128 - len) };
                (mask, addr & mask)
            }
            (_, CmpOp::In) => {
                return Err(QueryError::new(at, "'in' takes an address field and a prefix text"));
            }
            (Literal::Text(t), _) if p.field.is_address() => {
                let addr = parse_address(t).ok_or_else(|| {
                    QueryError::new(at, format!("expected an address, found '{t}'"))
                })?;
                (full, addr)
            }
            (Literal::Text(t), _) => {
                return Err(QueryError::new(
                    at,
                    format!("field {} takes an integer, found '{t}'", p.field),
                ));
            }
            (Literal::Int(v), _) => {
                if u128::from(*v) > full {
                    return Err(QueryError::new(
                        at,
                        format!("{v} does not fit field {} ({} bits)", p.field, p.field.bits()),
                    ));
                }
                (full, u128::from(*v))
            }
        };
        Ok(Self { field: p.field, op: p.op, mask, value })
    }

    /// Whether `r` passes.
    #[inline]
    pub fn test(&self, r: &PacketRecord) -> bool {
        self.op.holds(self.field.get(r) & self.mask, self.value)
    }
}

/// Parses an address as the 16-byte integer records hold.
pub fn parse_address(t: &str) -> Option<u128> {
    match t.trim().parse::<IpAddr>().ok()? {
        IpAddr::V4(a) => Some(u128::from_be_bytes(mapped_v4(a.octets()))),
        IpAddr::V6(a) => Some(u128::from(a)),
    }
}

/// Parses `addr/len` into the address and a prefix length over the 128-bit form (an IPv4 /8
/// is a /104 of its mapped form).
fn parse_prefix(t: &str) -> Option<(u128, u32)> {
    let (a, l) = t.split_once('/')?;
    let len: u32 = l.trim().parse().ok()?;
    let v4 = a.trim().parse::<std::net::Ipv4Addr>().is_ok();
    let (max, extra) = if v4 { (32, 96) } else { (128, 0) };
    (len <= max).then_some(())?;
    Some((parse_address(a)?, len + extra))
}

/// A rewrite of a record before it is keyed (`map`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MapOp {
    /// Keeps the first N bits of the source address (of its IPv4 form for IPv4 records).
    MaskSrc(u8),
    /// Keeps the first N bits of the destination address.
    MaskDst(u8),
    /// Swaps source and destination (addresses and ports): the reply direction.
    Reverse,
    /// Orders the endpoints so both directions of a connection look the same: the smaller
    /// (address, port) becomes the source.
    Canonical,
    /// Sets both ports to 0.
    ZeroPorts,
}

impl MapOp {
    /// Checks the operation's argument.
    pub fn validate(self, at: &str) -> Result<(), QueryError> {
        match self {
            MapOp::MaskSrc(n) | MapOp::MaskDst(n) if n > 128 => {
                Err(QueryError::new(at, format!("a mask keeps at most 128 bits, found {n}")))
            }
            _ => Ok(()),
        }
    }

    /// Rewrites `r`.
    #[inline]
    pub fn apply(self, r: &mut PacketRecord) {
        let v6 = r.has(flags::IPV6);
        match self {
            MapOp::MaskSrc(n) => mask_address(&mut r.src, n, v6),
            MapOp::MaskDst(n) => mask_address(&mut r.dst, n, v6),
            MapOp::Reverse => reverse(r),
            MapOp::Canonical => {
                if (r.dst, r.dport) < (r.src, r.sport) {
                    reverse(r);
                }
            }
            MapOp::ZeroPorts => {
                r.sport = 0;
                r.dport = 0;
            }
        }
    }
}

fn reverse(r: &mut PacketRecord) {
    std::mem::swap(&mut r.src, &mut r.dst);
    std::mem::swap(&mut r.sport, &mut r.dport);
}

/// Keeps the first `n` bits of an address (of the last 32 bits for IPv4, whose mapped prefix
/// stays).
fn mask_address(a: &mut [u8; 16], n: u8, v6: bool) {
    let keep = if v6 { u32::from(n).min(128) } else { 96 + u32::from(n).min(32) };
    let mask = if keep == 0 { 0 } else { u128::MAX << (128 - keep) };
    *a = (u128::from_be_bytes(*a) & mask).to_be_bytes();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16) -> PacketRecord {
        let mut r = PacketRecord::default();
        (r.src, r.dst, r.sport, r.dport, r.proto) =
            (mapped_v4(src), mapped_v4(dst), sport, dport, 6);
        r
    }

    #[test]
    fn predicates_compare_fields_prefixes_and_flag_bits() {
        let mut r = v4([10, 1, 2, 3], [192, 168, 0, 1], 1234, 80);
        r.tcp_flags = 0x12;
        let t = |p: Predicate| CompiledPredicate::compile(&p, "t").unwrap().test(&r);
        assert!(t(Predicate::new(Field::Dport, CmpOp::Eq, 80)));
        assert!(!t(Predicate::new(Field::Dport, CmpOp::Gt, 80)));
        assert!(t(Predicate::new(Field::Src, CmpOp::In, "10.0.0.0/8")));
        assert!(!t(Predicate::new(Field::Src, CmpOp::In, "11.0.0.0/8")));
        assert!(t(Predicate::new(Field::Dst, CmpOp::Eq, "192.168.0.1")));
        assert!(t(Predicate::new(Field::TcpFlags, CmpOp::All, 0x02)));
        assert!(!t(Predicate::new(Field::TcpFlags, CmpOp::All, 0x03)));
        assert!(t(Predicate::new(Field::TcpFlags, CmpOp::Any, 0x03)));
        assert!(t(Predicate::new(Field::TcpFlags, CmpOp::Ne, 0x02)));
    }

    #[test]
    fn bad_literals_name_the_place_and_what_was_expected() {
        let e = CompiledPredicate::compile(
            &Predicate::new(Field::Dport, CmpOp::Eq, 70000),
            "filter[1]",
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "query filter[1]: 70000 does not fit field dport (16 bits)");
        let e =
            CompiledPredicate::compile(&Predicate::new(Field::Src, CmpOp::In, "10.0.0.0/40"), "f")
                .unwrap_err();
        assert!(e.to_string().contains("address prefix"), "{e}");
        let e = CompiledPredicate::compile(&Predicate::new(Field::Proto, CmpOp::Eq, "tcp"), "f")
            .unwrap_err();
        assert!(e.to_string().contains("takes an integer"), "{e}");
    }

    #[test]
    fn maps_mask_reverse_and_canonicalise() {
        let mut r = v4([10, 1, 2, 3], [192, 168, 7, 9], 1234, 80);
        MapOp::MaskSrc(24).apply(&mut r);
        assert_eq!(address_text(Field::Src.get(&r), false).to_string(), "10.1.2.0");
        let mut c = r;
        MapOp::Canonical.apply(&mut c);
        assert_eq!((c.sport, c.dport), (1234, 80), "10.1.2.0 < 192.168.7.9: unchanged");
        MapOp::Reverse.apply(&mut r);
        assert_eq!((r.sport, r.dport), (80, 1234));
        let mut c2 = r;
        MapOp::Canonical.apply(&mut c2);
        assert_eq!(c2, c, "both directions give the same canonical record");
        MapOp::ZeroPorts.apply(&mut c2);
        assert_eq!((c2.sport, c2.dport), (0, 0));
    }
}
