//! Record fields a query reads and the predicates of `filter` (the rewrites of `map` are in
//! [`super::map`]).
//!
//! Every field reads as an unsigned integer (`u128`, so addresses fit): an address is its
//! 16-byte form as a big-endian integer (IPv4 as IPv4-mapped IPv6, `::ffff:a.b.c.d`).
//!
//! Fields from the payload: the `dns_*` fields read the DNS header and first question of a UDP
//! packet from or to port 53 (0 for other packets, or when the header was not captured), and
//! the tests `payload contains "text"` and `dns_answer_type has T` read the captured bytes.
//! The parsing thread computes them (see [`super::probe`]) for queries that use them.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

use serde::{Deserialize, Serialize};
use wire::PacketRecord;
use wire::record::mapped_v4;

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
    /// 1 when a DNS header was captured and its QR bit says response.
    DnsQr,
    /// The DNS response code.
    DnsRcode,
    /// The DNS answer count (the header's, whether or not the records were captured).
    DnsAncount,
    /// The type of the DNS question.
    DnsQtype,
    /// Length of the DNS question's name as text (`www.example.com`: 15).
    DnsQnameLen,
    /// The captured payload (bytes after the transport header): only `contains`.
    Payload,
    /// The types of the DNS answer records: only `has`.
    DnsAnswerType,
    /// The DNS question's name as lowercase dotted text: only `contains`.
    DnsQname,
}

impl Field {
    /// Every field with its name.
    pub const ALL: [(&'static str, Field); 19] = [
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
        ("dns_qr", Field::DnsQr),
        ("dns_rcode", Field::DnsRcode),
        ("dns_ancount", Field::DnsAncount),
        ("dns_qtype", Field::DnsQtype),
        ("dns_qname_len", Field::DnsQnameLen),
        ("payload", Field::Payload),
        ("dns_answer_type", Field::DnsAnswerType),
        ("dns_qname", Field::DnsQname),
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
            Field::DnsQr => 1,
            Field::DnsRcode => 4,
            Field::DnsAncount | Field::DnsQtype | Field::DnsAnswerType => 16,
            Field::DnsQnameLen => 8,
            Field::Payload | Field::DnsQname => 8,
        }
    }

    /// Whether the field is a test on the payload (`payload`, `dns_answer_type`): it can only
    /// be filtered on, with `contains` and `has`.
    pub fn is_payload_test(self) -> bool {
        matches!(self, Field::Payload | Field::DnsAnswerType | Field::DnsQname)
    }

    /// Whether the field is read from the DNS header (see [`super::probe`]).
    pub fn is_dns(self) -> bool {
        matches!(
            self,
            Field::DnsQr
                | Field::DnsRcode
                | Field::DnsAncount
                | Field::DnsQtype
                | Field::DnsQnameLen
        )
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
            Field::DnsQr => u128::from(dns_word(r, 1) >> 15 & 1),
            Field::DnsRcode => u128::from(dns_word(r, 1) & 0xf),
            Field::DnsAncount => u128::from(dns_word(r, 0)),
            Field::DnsQtype => u128::from(dns_word(r, 2)),
            Field::DnsQnameLen => u128::from(dns_word(r, 3)),
            // Payload tests read their match bits (the probe's), as an `all` of one bit.
            Field::Payload | Field::DnsAnswerType | Field::DnsQname => r.payload_tags().into(),
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

/// The DNS facts the probe stored in a UDP record (see [`super::probe::store_dns`]): 0 the
/// answer count, 1 the header flags, 2 the question type, 3 the question name's length; all 0
/// for records without them.
#[inline]
fn dns_word(r: &PacketRecord, which: u8) -> u16 {
    if r.proto != super::probe::UDP || r.ack >> 31 == 0 {
        return 0;
    }
    match which {
        0 => r.seq as u16,
        1 => (r.seq >> 16) as u16,
        2 => (r.ack >> 8) as u16,
        _ => r.ack as u8 as u16,
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
    /// The field (an address) lies in the prefix given as text (`"10.0.0.0/8"`), or in one of
    /// several separated by commas (`"10.0.0.0/8, 192.168.0.0/16"`).
    In,
    /// The payload holds the text (`payload contains "zorro"`).
    Contains,
    /// One of the values is the literal (`dns_answer_type has 46`).
    Has,
}

impl CmpOp {
    /// Whether `a op b` holds (`In` is compiled to a mask and `Eq` before it gets here).
    #[inline]
    pub fn holds(self, a: u128, b: u128) -> bool {
        match self {
            // `in`, `contains` and `has` compile to masks and bit tests before they get here.
            CmpOp::Eq | CmpOp::In | CmpOp::Contains | CmpOp::Has => a == b,
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

/// A predicate made ready to test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompiledPredicate {
    field: Field,
    test: Test,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Test {
    /// `(field & mask) op value`.
    Cmp { op: CmpOp, mask: u128, value: u128 },
    /// The field lies in one of the prefixes (mask, masked address).
    Prefixes(Box<[(u128, u128)]>),
}

/// What a payload test asks of the captured bytes (see [`super::probe`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PayloadTest {
    /// The payload holds these bytes.
    Contains(Vec<u8>),
    /// A DNS answer record has this type.
    AnswerType(u16),
    /// The DNS question's name (lowercase dotted text) holds these bytes.
    NameContains(Vec<u8>),
}

impl CompiledPredicate {
    /// Checks the value against the field and compiles it; a payload test gets its match bit
    /// from `bit_for` (the query's probe numbers them).
    pub fn compile(
        p: &Predicate,
        at: &str,
        bit_for: &mut dyn FnMut(PayloadTest) -> Result<u8, QueryError>,
    ) -> Result<Self, QueryError> {
        let full = if p.field.bits() == 128 { u128::MAX } else { (1u128 << p.field.bits()) - 1 };
        let cmp =
            |op, mask, value| Ok(Self { field: p.field, test: Test::Cmp { op, mask, value } });
        match (p.field, p.op, &p.value) {
            (Field::Payload, CmpOp::Contains, Literal::Text(t)) if !t.is_empty() => {
                let bit = bit_for(PayloadTest::Contains(t.as_bytes().to_vec()))?;
                cmp(CmpOp::All, 0xff, 1 << bit)
            }
            (Field::Payload, ..) => Err(QueryError::new(
                at,
                "payload takes only 'contains' and a non-empty text, such as \"zorro\"",
            )),
            (Field::DnsAnswerType, CmpOp::Has, Literal::Int(t)) if *t <= 0xffff => {
                let bit = bit_for(PayloadTest::AnswerType(*t as u16))?;
                cmp(CmpOp::All, 0xff, 1 << bit)
            }
            (Field::DnsQname, CmpOp::Contains, Literal::Text(t)) if !t.is_empty() => {
                let bit = bit_for(PayloadTest::NameContains(t.to_ascii_lowercase().into_bytes()))?;
                cmp(CmpOp::All, 0xff, 1 << bit)
            }
            (Field::DnsQname, ..) => Err(QueryError::new(
                at,
                "dns_qname takes only 'contains' and a non-empty text, such as \"example.com\"",
            )),
            (Field::DnsAnswerType, ..) => Err(QueryError::new(
                at,
                "dns_answer_type takes only 'has' and a record type (0 to 65535), such as 46",
            )),
            (_, CmpOp::Contains | CmpOp::Has, _) => Err(QueryError::new(
                at,
                "'contains' is for payload and dns_qname, 'has' for dns_answer_type",
            )),
            (f, CmpOp::In, Literal::Text(t)) if f.is_address() => {
                let prefixes = t
                    .split(',')
                    .map(|one| {
                        let (addr, len) = parse_prefix(one).ok_or_else(|| {
                            QueryError::new(
                                at,
                                format!(
                                    "expected an address prefix such as 10.0.0.0/8, found '{}'",
                                    one.trim()
                                ),
                            )
                        })?;
                        let mask = if len == 0 { 0 } else { u128::MAX << (128 - len) };
                        Ok((mask, addr & mask))
                    })
                    .collect::<Result<Vec<_>, QueryError>>()?;
                if let [(mask, value)] = prefixes[..] {
                    return cmp(CmpOp::Eq, mask, value);
                }
                Ok(Self { field: p.field, test: Test::Prefixes(prefixes.into()) })
            }
            (_, CmpOp::In, _) => {
                Err(QueryError::new(at, "'in' takes an address field and a prefix text"))
            }
            (f, op, Literal::Text(t)) if f.is_address() => {
                let addr = parse_address(t).ok_or_else(|| {
                    QueryError::new(at, format!("expected an address, found '{t}'"))
                })?;
                cmp(op, full, addr)
            }
            (f, _, Literal::Text(t)) => {
                Err(QueryError::new(at, format!("field {f} takes an integer, found '{t}'")))
            }
            (f, op, Literal::Int(v)) => {
                if u128::from(*v) > full {
                    return Err(QueryError::new(
                        at,
                        format!("{v} does not fit field {f} ({} bits)", f.bits()),
                    ));
                }
                cmp(op, full, u128::from(*v))
            }
        }
    }

    /// The field it reads.
    pub fn field(&self) -> Field {
        self.field
    }

    /// The match bit of a payload test.
    pub(crate) fn bit(&self) -> Option<u8> {
        match self.test {
            Test::Cmp { value, .. } if self.field.is_payload_test() => {
                Some(value.trailing_zeros() as u8)
            }
            _ => None,
        }
    }

    /// Whether `r` passes.
    #[inline]
    pub fn test(&self, r: &PacketRecord) -> bool {
        let v = self.field.get(r);
        match &self.test {
            Test::Cmp { op, mask, value } => op.holds(v & mask, *value),
            Test::Prefixes(p) => p.iter().any(|(mask, value)| v & mask == *value),
        }
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

/// A TCP record between two IPv4 endpoints (tests).
#[cfg(test)]
pub(crate) fn v4(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16) -> PacketRecord {
    let mut r = PacketRecord::default();
    (r.src, r.dst, r.sport, r.dport, r.proto) = (mapped_v4(src), mapped_v4(dst), sport, dport, 6);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predicates_compare_fields_prefixes_and_flag_bits() {
        let mut r = v4([10, 1, 2, 3], [192, 168, 0, 1], 1234, 80);
        r.tcp_flags = 0x12;
        let t = |p: Predicate| compile(&p, "t").unwrap().test(&r);
        assert!(t(Predicate::new(Field::Dport, CmpOp::Eq, 80)));
        assert!(!t(Predicate::new(Field::Dport, CmpOp::Gt, 80)));
        assert!(t(Predicate::new(Field::Src, CmpOp::In, "10.0.0.0/8")));
        assert!(!t(Predicate::new(Field::Src, CmpOp::In, "11.0.0.0/8")));
        assert!(t(Predicate::new(Field::Dst, CmpOp::Eq, "192.168.0.1")));
        assert!(t(Predicate::new(Field::TcpFlags, CmpOp::All, 0x02)));
        assert!(!t(Predicate::new(Field::TcpFlags, CmpOp::All, 0x03)));
        assert!(t(Predicate::new(Field::TcpFlags, CmpOp::Any, 0x03)));
        assert!(t(Predicate::new(Field::TcpFlags, CmpOp::Ne, 0x02)));
        assert!(t(Predicate::new(Field::Src, CmpOp::In, "11.0.0.0/8, 10.1.0.0/16")));
        assert!(!t(Predicate::new(Field::Src, CmpOp::In, "11.0.0.0/8,10.2.0.0/16")));
        assert!(!t(Predicate::new(Field::Src, CmpOp::In, "2001:db8::/32,11.0.0.0/8")));
        // Payload tests read their bit of the record's match bits.
        r.set_payload_tags(0b100);
        let mut bits = 0u8;
        let mut next = |_| {
            bits += 1;
            Ok(bits + 1)
        };
        let zorro = Predicate::new(Field::Payload, CmpOp::Contains, "zorro");
        assert!(CompiledPredicate::compile(&zorro, "t", &mut next).unwrap().test(&r), "bit 2");
        assert!(!CompiledPredicate::compile(&zorro, "t", &mut next).unwrap().test(&r), "bit 3");
    }

    fn compile(p: &Predicate, at: &str) -> Result<CompiledPredicate, QueryError> {
        CompiledPredicate::compile(p, at, &mut |_| Ok(0))
    }

    #[test]
    fn bad_literals_name_the_place_and_what_was_expected() {
        let e = compile(&Predicate::new(Field::Dport, CmpOp::Eq, 70000), "filter[1]").unwrap_err();
        assert_eq!(e.to_string(), "query filter[1]: 70000 does not fit field dport (16 bits)");
        let e = compile(&Predicate::new(Field::Src, CmpOp::In, "10.0.0.0/40"), "f").unwrap_err();
        assert!(e.to_string().contains("address prefix"), "{e}");
        let e = compile(&Predicate::new(Field::Proto, CmpOp::Eq, "tcp"), "f").unwrap_err();
        assert!(e.to_string().contains("takes an integer"), "{e}");
        let e = compile(&Predicate::new(Field::Payload, CmpOp::Eq, 3), "f").unwrap_err();
        assert!(e.to_string().contains("only 'contains'"), "{e}");
        let e = compile(&Predicate::new(Field::Dport, CmpOp::Has, 3), "f").unwrap_err();
        assert!(e.to_string().contains("'has' for dns_answer_type"), "{e}");
    }
}
