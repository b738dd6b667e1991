//! Writing DNS messages: the builder, names as labels, typical record data.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::*;

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
