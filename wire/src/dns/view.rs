//! Reading DNS messages: the bounded, never-panicking view.

use std::fmt;

use super::*;
use crate::proto::{be16, byte};

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
