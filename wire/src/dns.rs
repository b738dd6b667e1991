//! DNS messages (RFC 1035): a builder for the trace generator and tests, and a bounded,
//! never-panicking view for the queries that read DNS payloads.
//!
//! [`DnsMessage::write`] writes a message with one question and any number of answer records
//! (class IN). Names are written as labels; an answer whose name equals the question's (ASCII
//! case aside) points back to it with a compression pointer, as servers do.
//!
//! [`DnsView::new_checked`] checks that the 12-byte header is captured; every accessor after that
//! is total. [`DnsView::question`] reads the first question, following compression pointers at
//! most [`MAX_POINTER_HOPS`] times; [`DnsView::answer_types`] walks the answer section as far as
//! the capture goes (captures are often cut short) and yields the type of every answer record
//! whose type field was captured. Neither allocates, and neither panics on any input.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::proto::{be16, byte};

/// Length of the DNS header.
pub const HEADER_LEN: usize = 12;
/// The most bytes a name takes on the wire, length octets and the root label included.
pub const MAX_NAME_LEN: usize = 255;
/// The longest label.
pub const MAX_LABEL_LEN: usize = 63;
/// How many compression pointers the view follows in one name before it gives up (a loop).
pub const MAX_POINTER_HOPS: usize = 16;
/// The standard DNS port.
pub const PORT: u16 = 53;

/// Record type A: an IPv4 address.
pub const TYPE_A: u16 = 1;
/// Record type NS: a name server.
pub const TYPE_NS: u16 = 2;
/// Record type CNAME: a canonical name.
pub const TYPE_CNAME: u16 = 5;
/// Record type TXT: text strings.
pub const TYPE_TXT: u16 = 16;
/// Record type AAAA: an IPv6 address.
pub const TYPE_AAAA: u16 = 28;
/// Record type RRSIG: a DNSSEC signature (RFC 4034).
pub const TYPE_RRSIG: u16 = 46;
/// Class IN, the only class the builder writes.
pub const CLASS_IN: u16 = 1;

/// Response codes.
pub mod rcode {
    /// No error.
    pub const NOERROR: u8 = 0;
    /// Format error.
    pub const FORMERR: u8 = 1;
    /// Server failure.
    pub const SERVFAIL: u8 = 2;
    /// Non-existent domain.
    pub const NXDOMAIN: u8 = 3;
    /// Not implemented.
    pub const NOTIMP: u8 = 4;
    /// Refused.
    pub const REFUSED: u8 = 5;
}

// Header flag bits.
const QR: u16 = 0x8000;
const RD: u16 = 0x0100;
const RA: u16 = 0x0080;

/// One resource record of the answer section, for [`DnsMessage`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsRecord {
    /// Owner name, dotted (a trailing dot is allowed).
    pub name: String,
    /// Record type ([`TYPE_A`], ...).
    pub rtype: u16,
    /// Time to live in seconds.
    pub ttl: u32,
    /// Record data as it goes on the wire (see [`a_rdata`], [`aaaa_rdata`], [`Rrsig::rdata`]);
    /// cut to 65535 bytes.
    pub rdata: Vec<u8>,
}

/// A DNS message to build: one question, standard query opcode, class IN, and answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsMessage {
    /// Transaction id.
    pub id: u16,
    /// Whether the message is a response (QR set; RA is then set too). RD is always set.
    pub response: bool,
    /// Response code (low 4 bits used; see [`rcode`]).
    pub rcode: u8,
    /// The question: dotted name and query type.
    pub question: (String, u16),
    /// The answer records (at most 65535 are written).
    pub answers: Vec<DnsRecord>,
}

impl DnsMessage {
    /// A query for `name` of type `qtype`.
    pub fn query(id: u16, name: &str, qtype: u16) -> Self {
        Self { id, response: false, rcode: 0, question: (name.to_string(), qtype), answers: vec![] }
    }

    /// A response to the query for `name` of type `qtype`, with `answers`.
    pub fn response(id: u16, name: &str, qtype: u16, answers: Vec<DnsRecord>) -> Self {
        Self { id, response: true, rcode: 0, question: (name.to_string(), qtype), answers }
    }

    /// Appends the message in wire format to `out`.
    ///
    /// Names are written label by label: empty labels (`a..b`, a leading dot) are dropped, a
    /// label over [`MAX_LABEL_LEN`] bytes is cut to it, and labels that would take the name past
    /// [`MAX_NAME_LEN`] bytes are left off, so the output is always a well-formed message.
    pub fn write(&self, out: &mut Vec<u8>) {
        let mut flags = RD | u16::from(self.rcode & 0x0f);
        if self.response {
            flags |= QR | RA;
        }
        let ancount = self.answers.len().min(usize::from(u16::MAX));
        out.extend_from_slice(&self.id.to_be_bytes());
        out.extend_from_slice(&flags.to_be_bytes());
        out.extend_from_slice(&1u16.to_be_bytes());
        out.extend_from_slice(&(ancount as u16).to_be_bytes());
        out.extend_from_slice(&[0, 0, 0, 0]); // NSCOUNT, ARCOUNT
        write_name(out, &self.question.0);
        out.extend_from_slice(&self.question.1.to_be_bytes());
        out.extend_from_slice(&CLASS_IN.to_be_bytes());
        let question_name = normalise(&self.question.0);
        for rr in &self.answers[..ancount] {
            if normalise(&rr.name) == question_name {
                // A pointer to the question's name, right after the header.
                out.extend_from_slice(&(0xc000 | HEADER_LEN as u16).to_be_bytes());
            } else {
                write_name(out, &rr.name);
            }
            let rdata = &rr.rdata[..rr.rdata.len().min(usize::from(u16::MAX))];
            out.extend_from_slice(&rr.rtype.to_be_bytes());
            out.extend_from_slice(&CLASS_IN.to_be_bytes());
            out.extend_from_slice(&rr.ttl.to_be_bytes());
            out.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
            out.extend_from_slice(rdata);
        }
    }

    /// The message in wire format.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write(&mut out);
        out
    }
}

/// A name's labels as the builder writes them (lowercase, empty labels dropped), for comparing.
fn normalise(name: &str) -> Vec<Vec<u8>> {
    name.split('.')
        .filter(|l| !l.is_empty())
        .map(|l| l.as_bytes()[..l.len().min(MAX_LABEL_LEN)].to_ascii_lowercase())
        .collect()
}

/// Writes `name` as labels ending with the root label (see [`DnsMessage::write`] for the rules).
fn write_name(out: &mut Vec<u8>, name: &str) {
    let mut used = 1; // the root label
    for label in name.split('.').filter(|l| !l.is_empty()) {
        let label = &label.as_bytes()[..label.len().min(MAX_LABEL_LEN)];
        if used + 1 + label.len() > MAX_NAME_LEN {
            break;
        }
        used += 1 + label.len();
        out.push(label.len() as u8);
        out.extend_from_slice(label);
    }
    out.push(0);
}

/// Record data of an A record.
pub fn a_rdata(addr: Ipv4Addr) -> Vec<u8> {
    addr.octets().to_vec()
}

/// Record data of an AAAA record.
pub fn aaaa_rdata(addr: Ipv6Addr) -> Vec<u8> {
    addr.octets().to_vec()
}

/// Record data of an NS or CNAME record: `name` in wire format, uncompressed (written as the
/// builder writes every name, see [`DnsMessage::write`]).
pub fn name_rdata(name: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len() + 2);
    write_name(&mut out, name);
    out
}

/// Record data of a TXT record holding `text`, split into character-strings of at most 255
/// bytes (one empty string for empty text).
pub fn txt_rdata(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + text.len() / 255 + 1);
    if text.is_empty() {
        out.push(0);
    }
    for chunk in text.chunks(255) {
        out.push(chunk.len() as u8);
        out.extend_from_slice(chunk);
    }
    out
}

/// The fields of an RRSIG record (RFC 4034 section 3.1) with algorithm 8 (RSA/SHA-256), for
/// [`Rrsig::rdata`]. The signature is a deterministic filler of the given length.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rrsig {
    /// The type of the records signed.
    pub type_covered: u16,
    /// Number of labels of the owner name (wildcard and root not counted).
    pub labels: u8,
    /// TTL of the signed records.
    pub original_ttl: u32,
    /// Signature expiration, seconds since the Unix epoch (mod 2^32).
    pub expiration: u32,
    /// Signature inception, seconds since the Unix epoch (mod 2^32).
    pub inception: u32,
    /// Key tag of the signing key.
    pub key_tag: u16,
    /// The signer's (zone's) name.
    pub signer: String,
    /// Length of the signature (256 for a 2048-bit RSA key).
    pub signature_len: usize,
}

/// Algorithm number of RSA/SHA-256, what [`Rrsig::rdata`] writes.
pub const ALGORITHM_RSASHA256: u8 = 8;

impl Rrsig {
    /// A plausible signature over the `type_covered` records of `owner`, by `signer`, valid for
    /// 30 days from 2024-01-01, with a 256-byte signature.
    pub fn new(type_covered: u16, owner: &str, signer: &str) -> Self {
        let inception = 1_704_067_200;
        Self {
            type_covered,
            labels: normalise(owner).len().min(usize::from(u8::MAX)) as u8,
            original_ttl: 3600,
            expiration: inception + 30 * 86_400,
            inception,
            key_tag: 20_326,
            signer: signer.to_string(),
            signature_len: 256,
        }
    }

    /// The record data in wire format (the signer's name uncompressed, as RFC 4034 requires).
    pub fn rdata(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(18 + self.signer.len() + 2 + self.signature_len);
        out.extend_from_slice(&self.type_covered.to_be_bytes());
        out.push(ALGORITHM_RSASHA256);
        out.push(self.labels);
        out.extend_from_slice(&self.original_ttl.to_be_bytes());
        out.extend_from_slice(&self.expiration.to_be_bytes());
        out.extend_from_slice(&self.inception.to_be_bytes());
        out.extend_from_slice(&self.key_tag.to_be_bytes());
        write_name(&mut out, &self.signer);
        out.extend((0..self.signature_len).map(|i| (i as u8).wrapping_mul(151).wrapping_add(17)));
        out
    }
}

/// Why [`DnsView::new_checked`] refused its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum DnsError {
    /// Fewer than the 12 bytes of the header are captured.
    #[error("truncated DNS header")]
    TruncatedHeader,
}

/// A validated view of a DNS message: the 12-byte header is captured; the sections may be cut
/// anywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DnsView<'a> {
    bytes: &'a [u8],
}

impl<'a> DnsView<'a> {
    /// Checks that `bytes` hold the header.
    #[inline]
    pub fn new_checked(bytes: &'a [u8]) -> Result<Self, DnsError> {
        if bytes.len() < HEADER_LEN {
            return Err(DnsError::TruncatedHeader);
        }
        Ok(Self { bytes })
    }

    /// The captured bytes of the message.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Transaction id.
    #[inline]
    pub fn id(&self) -> u16 {
        be16(self.bytes, 0)
    }

    /// The 16 flag bits of the header (QR, opcode, AA, TC, RD, RA, Z, AD, CD, rcode).
    #[inline]
    pub fn flags(&self) -> u16 {
        be16(self.bytes, 2)
    }

    /// Whether the message is a response (QR set).
    #[inline]
    pub fn is_response(&self) -> bool {
        self.flags() & QR != 0
    }

    /// Opcode (0: standard query).
    #[inline]
    pub fn opcode(&self) -> u8 {
        (byte(self.bytes, 2) >> 3) & 0x0f
    }

    /// Whether the server truncated the message (TC set).
    #[inline]
    pub fn is_truncated(&self) -> bool {
        byte(self.bytes, 2) & 0x02 != 0
    }

    /// Response code (the header's 4 bits).
    #[inline]
    pub fn rcode(&self) -> u8 {
        byte(self.bytes, 3) & 0x0f
    }

    /// Number of questions the header announces.
    #[inline]
    pub fn qdcount(&self) -> u16 {
        be16(self.bytes, 4)
    }

    /// Number of answer records the header announces.
    #[inline]
    pub fn ancount(&self) -> u16 {
        be16(self.bytes, 6)
    }

    /// Number of authority records the header announces.
    #[inline]
    pub fn nscount(&self) -> u16 {
        be16(self.bytes, 8)
    }

    /// Number of additional records the header announces.
    #[inline]
    pub fn arcount(&self) -> u16 {
        be16(self.bytes, 10)
    }

    /// The first question: `None` when there is none, when its name or its type and class were
    /// not all captured, or when its name is malformed (a reserved label type, a pointer out of
    /// the captured bytes, more than [`MAX_POINTER_HOPS`] pointers, over [`MAX_NAME_LEN`] bytes).
    pub fn question(&self) -> Option<DnsQuestion> {
        if self.qdcount() == 0 {
            return None;
        }
        let (name, end) = read_name(self.bytes, HEADER_LEN)?;
        let fixed = self.bytes.get(end..end + 4)?;
        Some(DnsQuestion {
            name,
            qtype: u16::from_be_bytes([fixed[0], fixed[1]]),
            qclass: u16::from_be_bytes([fixed[2], fixed[3]]),
        })
    }

    /// The types of the answer records whose type field was captured, in order, at most
    /// [`DnsView::ancount`] of them. The walk skips every question first, then reads record
    /// after record; it ends cleanly where the capture ends or a name is malformed, after
    /// yielding the type of a record whose data was cut.
    pub fn answer_types(&self) -> AnswerTypes<'a> {
        let mut at = Some(HEADER_LEN);
        for _ in 0..self.qdcount() {
            at = at.and_then(|p| skip_name(self.bytes, p)).map(|p| p + 4);
            if at.is_none_or(|p| p > self.bytes.len()) {
                at = None;
                break;
            }
        }
        AnswerTypes { bytes: self.bytes, at, left: self.ancount() }
    }

    /// Whether an answer record of type `rtype` was captured (see [`DnsView::answer_types`]).
    pub fn has_answer_type(&self, rtype: u16) -> bool {
        self.answer_types().any(|t| t == rtype)
    }
}

/// The iterator of [`DnsView::answer_types`].
#[derive(Clone, Debug)]
pub struct AnswerTypes<'a> {
    bytes: &'a [u8],
    /// Where the next record starts; `None` once the walk is over.
    at: Option<usize>,
    left: u16,
}

impl Iterator for AnswerTypes<'_> {
    type Item = u16;

    fn next(&mut self) -> Option<u16> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let start = self.at.take()?;
        let name_end = skip_name(self.bytes, start)?;
        let fixed = self.bytes.get(name_end..name_end + 10);
        let rtype = match fixed {
            Some(f) => {
                let rdlen = usize::from(u16::from_be_bytes([f[8], f[9]]));
                let next = name_end + 10 + rdlen;
                if next <= self.bytes.len() {
                    self.at = Some(next);
                }
                u16::from_be_bytes([f[0], f[1]])
            }
            // Type captured, the rest of the fixed part not: the last record.
            None => be16(self.bytes.get(name_end..name_end + 2)?, 0),
        };
        Some(rtype)
    }
}

/// The first question of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DnsQuestion {
    /// The name asked for.
    pub name: DnsName,
    /// Query type.
    pub qtype: u16,
    /// Query class.
    pub qclass: u16,
}

/// A name as lowercase dotted text without the trailing dot (the root is empty), held inline.
///
/// Bytes of a label outside printable ASCII, and `.` and `\` within a label, are written as
/// `\DDD` (decimal, as in zone files). A wire name holds at most 255 bytes, but escapes can take
/// its text past the 255 bytes held: the text is then cut after the last whole character that
/// fits, and [`DnsName::is_cut`] says so.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct DnsName {
    text: [u8; MAX_NAME_LEN],
    len: u8,
    cut: bool,
}

impl DnsName {
    fn empty() -> Self {
        Self { text: [0; MAX_NAME_LEN], len: 0, cut: false }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever pushed; the fallback keeps the accessor total.
        std::str::from_utf8(&self.text[..usize::from(self.len)]).unwrap_or_default()
    }

    /// Whether the text was cut to fit (see the type's doc).
    pub fn is_cut(&self) -> bool {
        self.cut
    }

    /// Appends `s` (ASCII) whole, or marks the name cut when it does not fit.
    fn push(&mut self, s: &[u8]) {
        let len = usize::from(self.len);
        if self.cut || len + s.len() > MAX_NAME_LEN {
            self.cut = true;
            return;
        }
        self.text[len..len + s.len()].copy_from_slice(s);
        self.len = (len + s.len()) as u8;
    }

    /// Appends a label, the separating dot together with its first character so that a cut
    /// text never ends with a dot.
    fn push_label(&mut self, label: &[u8]) {
        let mut dot = self.len > 0;
        for &b in label {
            let mut unit = [0u8; 5];
            let mut n = 0;
            if dot {
                unit[0] = b'.';
                n = 1;
                dot = false;
            }
            match b {
                b'.' | b'\\' | 0..=0x20 | 0x7f..=0xff => {
                    unit[n..n + 4].copy_from_slice(&[
                        b'\\',
                        b'0' + b / 100,
                        b'0' + b / 10 % 10,
                        b'0' + b % 10,
                    ]);
                    n += 4;
                }
                _ => {
                    unit[n] = b.to_ascii_lowercase();
                    n += 1;
                }
            }
            self.push(&unit[..n]);
        }
    }
}

impl fmt::Display for DnsName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for DnsName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DnsName({:?}{})", self.as_str(), if self.cut { ", cut" } else { "" })
    }
}

/// Reads the name at `at`, following pointers. Returns it with the offset just past the name
/// where it began (past the first pointer, if any).
fn read_name(b: &[u8], mut at: usize) -> Option<(DnsName, usize)> {
    let mut name = DnsName::empty();
    let mut wire_len = 1; // the root label
    let mut hops = 0;
    let mut end = None;
    loop {
        let len = *b.get(at)?;
        match len >> 6 {
            0 if len == 0 => return Some((name, end.unwrap_or(at + 1))),
            0 => {
                let label = b.get(at + 1..at + 1 + usize::from(len))?;
                wire_len += 1 + label.len();
                if wire_len > MAX_NAME_LEN {
                    return None;
                }
                name.push_label(label);
                at += 1 + label.len();
            }
            3 => {
                let target = usize::from(be16(b.get(at..at + 2)?, 0) & 0x3fff);
                hops += 1;
                if hops > MAX_POINTER_HOPS {
                    return None;
                }
                end.get_or_insert(at + 2);
                at = target;
            }
            _ => return None, // 01 and 10: extended label types, reserved
        }
    }
}

/// The offset just past the name at `at`, without following pointers; `None` when the name is
/// not all captured or is malformed.
fn skip_name(b: &[u8], mut at: usize) -> Option<usize> {
    let mut wire_len = 1;
    loop {
        let len = *b.get(at)?;
        match len >> 6 {
            0 if len == 0 => return Some(at + 1),
            0 => {
                wire_len += 1 + usize::from(len);
                if wire_len > MAX_NAME_LEN {
                    return None;
                }
                at += 1 + usize::from(len);
            }
            3 => return (at + 2 <= b.len()).then_some(at + 2),
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> DnsMessage {
        DnsMessage::response(
            0xbeef,
            "WWW.Example.com.",
            TYPE_A,
            vec![
                DnsRecord {
                    name: "www.example.com".into(),
                    rtype: TYPE_A,
                    ttl: 300,
                    rdata: a_rdata(Ipv4Addr::new(192, 0, 2, 1)),
                },
                DnsRecord {
                    name: "www.example.com".into(),
                    rtype: TYPE_RRSIG,
                    ttl: 300,
                    rdata: Rrsig::new(TYPE_A, "www.example.com", "example.com").rdata(),
                },
                DnsRecord {
                    name: "other.example".into(),
                    rtype: TYPE_AAAA,
                    ttl: 60,
                    rdata: aaaa_rdata(Ipv6Addr::LOCALHOST),
                },
            ],
        )
    }

    #[test]
    fn header_fields() {
        let mut m = sample();
        m.rcode = rcode::NXDOMAIN;
        let bytes = m.to_bytes();
        let v = DnsView::new_checked(&bytes).unwrap();
        assert_eq!((v.id(), v.is_response(), v.opcode(), v.rcode()), (0xbeef, true, 0, 3));
        assert_eq!((v.qdcount(), v.ancount(), v.nscount(), v.arcount()), (1, 3, 0, 0));
        assert!(!v.is_truncated());
        assert_eq!(v.flags(), 0x8183);
        let q = DnsMessage::query(7, "a.b", TYPE_TXT).to_bytes();
        let v = DnsView::new_checked(&q).unwrap();
        assert_eq!((v.id(), v.is_response(), v.flags()), (7, false, 0x0100));
    }

    #[test]
    fn question_and_answers_round_trip() {
        let bytes = sample().to_bytes();
        let v = DnsView::new_checked(&bytes).unwrap();
        let q = v.question().unwrap();
        assert_eq!((q.name.as_str(), q.qtype, q.qclass), ("www.example.com", TYPE_A, CLASS_IN));
        let types: Vec<u16> = v.answer_types().collect();
        assert_eq!(types, [TYPE_A, TYPE_RRSIG, TYPE_AAAA]);
        assert!(v.has_answer_type(TYPE_RRSIG));
        assert!(!v.has_answer_type(TYPE_TXT));
        // The first two answers point at the question's name.
        assert_eq!(&bytes[33..35], &[0xc0, 12]);
    }

    #[test]
    fn rrsig_layout() {
        let r = Rrsig::new(TYPE_AAAA, "a.example.org.", "example.org");
        assert_eq!(r.labels, 3);
        let d = r.rdata();
        assert_eq!(&d[..4], &[0, 28, 8, 3]);
        assert_eq!(&d[18..31], b"\x07example\x03org\x00");
        assert_eq!(d.len(), 18 + 13 + 256);
    }

    #[test]
    fn name_data() {
        assert_eq!(name_rdata("A.b."), b"\x01A\x01b\x00");
        assert_eq!(name_rdata(""), [0]);
    }

    #[test]
    fn txt_strings() {
        assert_eq!(txt_rdata(b""), [0]);
        assert_eq!(txt_rdata(b"hi"), [2, b'h', b'i']);
        let long = txt_rdata(&[b'x'; 300]);
        assert_eq!((long[0], long[256], long.len()), (255, 45, 302));
    }

    #[test]
    fn builder_keeps_names_well_formed() {
        let long_label = "x".repeat(100);
        let q = DnsMessage::query(1, &format!("{long_label}..y."), 1).to_bytes();
        let v = DnsView::new_checked(&q).unwrap();
        assert_eq!(v.question().unwrap().name.as_str(), format!("{}.y", "x".repeat(63)));
        let huge = vec!["abcdefghi"; 40].join(".");
        let q = DnsMessage::query(1, &huge, 1).to_bytes();
        let name = DnsView::new_checked(&q).unwrap().question().unwrap().name;
        assert_eq!(name.as_str().len(), 25 * 10 - 1);
        assert_eq!(
            DnsView::new_checked(&DnsMessage::query(1, ".", 2).to_bytes())
                .unwrap()
                .question()
                .unwrap()
                .name
                .as_str(),
            ""
        );
    }

    #[test]
    fn escapes_and_cut_text() {
        let mut m = vec![0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        m.extend_from_slice(b"\x04a.\\\x01\x00\x00\x01\x00\x01");
        let v = DnsView::new_checked(&m).unwrap();
        assert_eq!(v.question().unwrap().name.as_str(), "a\\046\\092\\001");
        // 63 + 63 + 63 + 61 bytes of 0xff: 250 wire bytes, 1000 bytes of escapes.
        let mut m = vec![0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        for n in [63, 63, 63, 61] {
            m.push(n);
            m.extend(std::iter::repeat_n(0xff, n as usize));
        }
        m.extend_from_slice(&[0, 0, 1, 0, 1]);
        let name = DnsView::new_checked(&m).unwrap().question().unwrap().name;
        assert!(name.is_cut());
        assert_eq!(name.as_str().len(), 252);
        assert!(name.as_str().ends_with("\\255"));
    }

    #[test]
    fn pointer_loops_and_bad_labels_are_refused() {
        let header = [0u8, 1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0];
        for body in [
            &[0xc0, 12][..],      // points at itself
            &[1, b'a', 0xc0, 12], // a loop through a label
            &[0xc0, 200],         // out of the capture
            &[0x40, 0],           // extended label type
            &[0x80, 0],           // reserved label type
            &[5, b'a'],           // label cut
            &[1, b'a', 0],        // type and class cut
        ] {
            let m = [&header[..], body].concat();
            let v = DnsView::new_checked(&m).unwrap();
            assert_eq!(v.question(), None, "{body:?}");
            assert_eq!(v.answer_types().count(), 0, "{body:?}");
        }
    }

    #[test]
    fn truncation_stops_the_walk() {
        let bytes = sample().to_bytes();
        assert_eq!(DnsView::new_checked(&bytes[..11]), Err(DnsError::TruncatedHeader));
        // Cut inside the RRSIG's data: A and RRSIG are seen, AAAA is not.
        let rrsig_at = bytes.len() - (13 + 10 + 16) - 50;
        let v = DnsView::new_checked(&bytes[..rrsig_at]).unwrap();
        assert_eq!(v.answer_types().collect::<Vec<_>>(), [TYPE_A, TYPE_RRSIG]);
        // Cut just after the first answer's type.
        let v = DnsView::new_checked(&bytes[..37]).unwrap();
        assert_eq!(v.answer_types().collect::<Vec<_>>(), [TYPE_A]);
        let v = DnsView::new_checked(&bytes[..36]).unwrap();
        assert_eq!(v.answer_types().count(), 0);
    }
}
