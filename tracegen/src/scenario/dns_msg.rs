//! A small DNS message writer for the DNS scenarios: header, questions and resource records,
//! names written label by label (no compression), so every message is well formed.

/// Record type TXT.
pub(super) const TYPE_TXT: u16 = 16;
/// Record type OPT (EDNS).
pub(super) const TYPE_OPT: u16 = 41;
/// Record type RRSIG.
pub(super) const TYPE_RRSIG: u16 = wire::sonata::DNS_TYPE_RRSIG;
/// Record type DNSKEY.
pub(super) const TYPE_DNSKEY: u16 = 48;
/// Class IN.
pub(super) const CLASS_IN: u16 = 1;
/// Header flags of a standard query asking for recursion (RD).
pub(super) const FLAGS_QUERY: u16 = 0x0100;
/// Header flags of a recursive answer without error (QR, RD, RA).
pub(super) const FLAGS_ANSWER: u16 = 0x8180;

/// A DNS message being written.
pub(super) struct Message {
    buf: Vec<u8>,
}

/// Length of `name` on the wire (labels and the root byte).
pub(super) fn name_len(name: &str) -> usize {
    name.split('.').filter(|l| !l.is_empty()).map(|l| l.len() + 1).sum::<usize>() + 1
}

impl Message {
    /// A message with header `id`, `flags` and section counts (questions, answers, authority,
    /// additional).
    pub(super) fn new(id: u16, flags: u16, counts: [u16; 4]) -> Self {
        let mut buf = Vec::with_capacity(512);
        buf.extend_from_slice(&id.to_be_bytes());
        buf.extend_from_slice(&flags.to_be_bytes());
        for c in counts {
            buf.extend_from_slice(&c.to_be_bytes());
        }
        Self { buf }
    }

    /// Writes a name (dot-separated labels, each at most 63 bytes).
    pub(super) fn name(&mut self, name: &str) -> &mut Self {
        for label in name.split('.').filter(|l| !l.is_empty()) {
            debug_assert!(label.len() <= 63);
            self.buf.push(label.len() as u8);
            self.buf.extend_from_slice(label.as_bytes());
        }
        self.buf.push(0);
        self
    }

    /// Writes a question.
    pub(super) fn question(&mut self, name: &str, qtype: u16) -> &mut Self {
        self.name(name);
        self.buf.extend_from_slice(&qtype.to_be_bytes());
        self.buf.extend_from_slice(&CLASS_IN.to_be_bytes());
        self
    }

    /// Writes a resource record.
    pub(super) fn record(
        &mut self,
        name: &str,
        rtype: u16,
        class: u16,
        ttl: u32,
        rdata: &[u8],
    ) -> &mut Self {
        self.name(name);
        self.buf.extend_from_slice(&rtype.to_be_bytes());
        self.buf.extend_from_slice(&class.to_be_bytes());
        self.buf.extend_from_slice(&ttl.to_be_bytes());
        self.buf.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        self.buf.extend_from_slice(rdata);
        self
    }

    /// Writes an EDNS OPT record advertising `udp_size` with the DNSSEC OK bit.
    pub(super) fn opt(&mut self, udp_size: u16) -> &mut Self {
        self.record("", TYPE_OPT, udp_size, 0x0000_8000, &[])
    }

    /// The message bytes.
    pub(super) fn finish(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }
}

/// RDATA of an RRSIG record covering `covered`, signed by `signer` (RSA/SHA-256), with the
/// given signature bytes.
pub(super) fn rrsig_rdata(covered: u16, labels: u8, signer: &str, signature: &[u8]) -> Vec<u8> {
    let mut r = Vec::with_capacity(18 + name_len(signer) + signature.len());
    r.extend_from_slice(&covered.to_be_bytes());
    r.push(8); // algorithm: RSA/SHA-256
    r.push(labels);
    r.extend_from_slice(&3600u32.to_be_bytes()); // original TTL
    r.extend_from_slice(&1_767_225_600u32.to_be_bytes()); // expiration
    r.extend_from_slice(&1_764_547_200u32.to_be_bytes()); // inception
    r.extend_from_slice(&20_326u16.to_be_bytes()); // key tag
    let mut m = Message { buf: r };
    m.name(signer);
    let mut r = m.finish();
    r.extend_from_slice(signature);
    r
}

/// RDATA of a DNSKEY record (zone key, RSA/SHA-256) holding `key`.
pub(super) fn dnskey_rdata(sep: bool, key: &[u8]) -> Vec<u8> {
    let flags: u16 = if sep { 257 } else { 256 };
    let mut r = Vec::with_capacity(4 + key.len());
    r.extend_from_slice(&flags.to_be_bytes());
    r.push(3); // protocol
    r.push(8); // algorithm
    r.extend_from_slice(key);
    r
}

/// RDATA of a TXT record holding `text` as strings of at most 255 bytes.
pub(super) fn txt_rdata(text: &[u8]) -> Vec<u8> {
    let mut r = Vec::with_capacity(text.len() + text.len() / 255 + 1);
    for chunk in text.chunks(255) {
        r.push(chunk.len() as u8);
        r.extend_from_slice(chunk);
    }
    r
}

/// Base32 (RFC 4648 alphabet, lower case, no padding): how DNS tunnels put data in names.
pub(super) fn base32(data: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut out = String::with_capacity(data.len() * 8 / 5 + 1);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in data {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// `text` cut into labels of at most 63 characters, joined by dots.
pub(super) fn labels(text: &str) -> String {
    let bytes = text.as_bytes();
    bytes.chunks(63).map(|c| std::str::from_utf8(c).unwrap_or("x")).collect::<Vec<_>>().join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_records_have_their_wire_lengths() {
        assert_eq!(name_len("a.example"), 11);
        assert_eq!(name_len(""), 1);
        let msg = Message::new(7, FLAGS_ANSWER, [1, 1, 0, 0])
            .question("a.example", TYPE_TXT)
            .record("a.example", TYPE_TXT, CLASS_IN, 0, &txt_rdata(b"hi"))
            .finish();
        assert_eq!(msg.len(), 12 + (11 + 4) + (11 + 10 + 3));
        assert_eq!(&msg[..4], &[0, 7, 0x81, 0x80]);
        assert_eq!(rrsig_rdata(48, 1, "a.example", &[0; 5]).len(), 18 + 11 + 5);
    }

    #[test]
    fn base32_matches_rfc4648() {
        assert_eq!(base32(b"foobar"), "mzxw6ytboi");
        assert_eq!(base32(b"f"), "my");
        assert_eq!(
            labels(&"a".repeat(130)).split('.').map(str::len).collect::<Vec<_>>(),
            [63, 63, 4]
        );
    }
}
