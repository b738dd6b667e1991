//! The payload probe: what a query reads of a packet's payload, computed by the thread that
//! parsed the packet (the only one holding its captured bytes) and stored in the record, so
//! it travels to whatever thread filters and keys the record.
//!
//! - DNS fields (`dns_qr`, `dns_rcode`, `dns_ancount`, `dns_qtype`, `dns_qname_len`): for a
//!   UDP record from or to port 53 whose payload holds a whole DNS header, the probe reads the
//!   header and first question with the bounded parser [`wire::dns::DnsView`] and stores them
//!   in the record's `seq` and `ack`, which UDP records do not otherwise use ([`store_dns`]).
//! - Payload tests (`payload contains "text"`, `dns_answer_type has T`, `dns_qname contains
//!   "text"` on the question's lowercase dotted name), at most
//!   [`MAX_TESTS`] per query: each gets a bit of the record's payload tags
//!   ([`wire::PacketRecord::payload_tags`]). A test runs only on records that pass the other
//!   conditions of the filter it appears in (its guards), so `payload contains "zorro"` next to
//!   `dport eq 23` reads the payload of telnet packets only.
//!
//! The payload is the captured bytes after the transport header, to the end of the frame
//! (Ethernet padding included: zeros, which spell no text and no record type). Nothing here
//! panics or reads past the capture, whatever the bytes.

use memchr::memmem;
use wire::PacketRecord;
use wire::dns::DnsView;
use wire::record::PAYLOAD_OFF_UNKNOWN;

use super::field::{CompiledPredicate, PayloadTest, QueryError};

/// IP protocol number of UDP.
pub const UDP: u8 = 17;
/// The most payload tests one query may hold (one bit each).
pub const MAX_TESTS: usize = 8;

/// One test and the conditions that must hold before it runs.
#[derive(Clone, Debug)]
struct Probe {
    test: PayloadTest,
    /// Guards per filter the test appears in: the test runs when any filter's guards all hold.
    guards: Vec<Vec<CompiledPredicate>>,
}

/// A query's payload probe (empty for queries that read no payload).
#[derive(Clone, Debug, Default)]
pub struct PayloadProbe {
    probes: Vec<Probe>,
    /// Whether any side reads a DNS field.
    dns: bool,
}

impl PayloadProbe {
    /// The bit of `test`, numbering a new test if need be.
    pub(crate) fn bit_for(&mut self, test: PayloadTest) -> Result<u8, QueryError> {
        if let Some(i) = self.probes.iter().position(|p| p.test == test) {
            return Ok(i as u8);
        }
        if self.probes.len() == MAX_TESTS {
            return Err(QueryError::new(
                "query",
                format!("a query holds at most {MAX_TESTS} distinct payload tests"),
            ));
        }
        if matches!(test, PayloadTest::AnswerType(_) | PayloadTest::NameContains(_)) {
            self.dns = true;
        }
        self.probes.push(Probe { test, guards: Vec::new() });
        Ok((self.probes.len() - 1) as u8)
    }

    /// Records that the query reads a DNS field.
    pub(crate) fn read_dns(&mut self) {
        self.dns = true;
    }

    /// Gives the tests of one filter their guards: the filter's other conditions.
    pub(crate) fn guard(&mut self, filter: &[CompiledPredicate]) {
        let tagged: Vec<u8> =
            filter.iter().filter(|p| p.field().is_payload_test()).filter_map(|p| p.bit()).collect();
        let guards: Vec<CompiledPredicate> =
            filter.iter().filter(|p| !p.field().is_payload_test()).cloned().collect();
        for bit in tagged {
            if let Some(p) = self.probes.get_mut(usize::from(bit)) {
                p.guards.push(guards.clone());
            }
        }
    }

    /// Whether the query reads nothing of the payload.
    pub fn is_empty(&self) -> bool {
        self.probes.is_empty() && !self.dns
    }

    /// Runs the probe on a record just parsed from `frame` (its captured bytes).
    #[inline]
    pub fn apply(&self, frame: &[u8], r: &mut PacketRecord) {
        if self.is_empty() {
            return;
        }
        let off = r.payload_off();
        let payload = if off == PAYLOAD_OFF_UNKNOWN {
            &[][..]
        } else {
            frame.get(usize::from(off)..).unwrap_or(&[])
        };
        let is_dns = r.proto == UDP && (r.sport == wire::dns::PORT || r.dport == wire::dns::PORT);
        let dns = if is_dns { DnsView::new_checked(payload).ok() } else { None };
        if self.dns
            && let Some(d) = &dns
        {
            store_dns(r, d);
        }
        let mut tags = 0u8;
        for (i, p) in self.probes.iter().enumerate() {
            if !p.guards.iter().any(|g| g.iter().all(|c| c.test(r))) {
                continue;
            }
            let hit = match &p.test {
                PayloadTest::Contains(text) => memmem::find(payload, text).is_some(),
                PayloadTest::AnswerType(t) => dns.as_ref().is_some_and(|d| d.has_answer_type(*t)),
                PayloadTest::NameContains(text) => dns
                    .as_ref()
                    .and_then(DnsView::question)
                    .is_some_and(|q| memmem::find(q.name.as_str().as_bytes(), text).is_some()),
            };
            tags |= u8::from(hit) << i;
        }
        r.set_payload_tags(tags);
    }
}

/// Stores a DNS header's facts in a UDP record: `seq` = flags << 16 | answer count, `ack` =
/// 1 << 31 (a header was read) | question type << 8 | question name length (0 when the
/// question was not captured).
pub fn store_dns(r: &mut PacketRecord, d: &DnsView<'_>) {
    let (qtype, name_len) =
        d.question().map_or((0, 0), |q| (q.qtype, q.name.as_str().len().min(255) as u32));
    r.seq = u32::from(d.flags()) << 16 | u32::from(d.ancount());
    r.ack = 1 << 31 | u32::from(qtype) << 8 | name_len;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::{CmpOp, Field, Predicate};

    fn compile(p: &mut PayloadProbe, filter: &[Predicate]) -> Vec<CompiledPredicate> {
        let f: Vec<CompiledPredicate> = filter
            .iter()
            .map(|x| CompiledPredicate::compile(x, "t", &mut |t| p.bit_for(t)).unwrap())
            .collect();
        p.guard(&f);
        f
    }

    fn record(proto: u8, sport: u16, dport: u16, off: usize) -> PacketRecord {
        let mut r = PacketRecord::default();
        (r.proto, r.sport, r.dport) = (proto, sport, dport);
        r.set_payload_off(off);
        r
    }

    #[test]
    fn payload_tests_run_behind_their_guards() {
        let mut p = PayloadProbe::default();
        let f = compile(
            &mut p,
            &[
                Predicate::new(Field::Dport, CmpOp::Eq, 23),
                Predicate::new(Field::Payload, CmpOp::Contains, "zorro"),
            ],
        );
        let frame = b"HEADERget zorro now";
        let mut telnet = record(6, 4000, 23, 6);
        p.apply(frame, &mut telnet);
        assert!(f.iter().all(|c| c.test(&telnet)));
        let mut web = record(6, 4000, 80, 6);
        p.apply(frame, &mut web);
        assert_eq!(web.payload_tags(), 0, "the guard dport = 23 fails: no test");
        let mut short = record(6, 4000, 23, 200);
        p.apply(frame, &mut short);
        assert_eq!(short.payload_tags(), 0, "payload past the capture reads as empty");
        let mut unknown = record(6, 4000, 23, 6);
        unknown.set_payload_off(usize::from(PAYLOAD_OFF_UNKNOWN));
        p.apply(frame, &mut unknown);
        assert_eq!(unknown.payload_tags(), 0);
    }

    #[test]
    fn dns_fields_and_answer_types_come_from_the_header() {
        let mut p = PayloadProbe::default();
        let f = compile(
            &mut p,
            &[
                Predicate::new(Field::DnsQr, CmpOp::Eq, 1),
                Predicate::new(Field::DnsAnswerType, CmpOp::Has, 46),
            ],
        );
        assert!(!p.is_empty());
        let mut msg = vec![0u8; 8];
        msg.extend_from_slice(&[0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]);
        msg.extend_from_slice(&[1, b'a', 0, 0, 48, 0, 1]); // question a. DNSKEY
        msg.extend_from_slice(&[0xc0, 12, 0, 46, 0, 1, 0, 0, 0, 0, 0, 2, 9, 9]); // RRSIG
        let mut r = record(UDP, 53, 5000, 8);
        p.apply(&msg, &mut r);
        assert!(f.iter().all(|c| c.test(&r)));
        assert_eq!(Field::DnsAncount.get(&r), 1);
        let names = |text: &str| {
            let mut p = PayloadProbe::default();
            let f = compile(&mut p, &[Predicate::new(Field::DnsQname, CmpOp::Contains, text)]);
            let mut r = record(UDP, 53, 5000, 8);
            p.apply(&msg, &mut r);
            f[0].test(&r)
        };
        assert!(names("A") && !names("b"), "names compare in lowercase");
        assert_eq!(Field::DnsQtype.get(&r), 48);
        assert_eq!(Field::DnsQnameLen.get(&r), 1);
        assert_eq!(Field::DnsRcode.get(&r), 0);
        // Not port 53, or cut inside the header: no DNS facts.
        let mut other = record(UDP, 54, 5000, 8);
        p.apply(&msg, &mut other);
        assert_eq!((Field::DnsQr.get(&other), other.payload_tags()), (0, 0));
        let mut cut = record(UDP, 53, 5000, 8);
        p.apply(&msg[..15], &mut cut);
        assert_eq!(Field::DnsQr.get(&cut), 0);
        // A TCP record's seq and ack are never read as DNS.
        let mut tcp = PacketRecord::default();
        (tcp.proto, tcp.seq, tcp.ack) = (6, u32::MAX, u32::MAX);
        assert_eq!(Field::DnsQr.get(&tcp), 0);
    }

    #[test]
    fn a_query_holds_at_most_eight_tests() {
        let mut p = PayloadProbe::default();
        for i in 0..MAX_TESTS {
            assert_eq!(p.bit_for(PayloadTest::AnswerType(i as u16)).unwrap(), i as u8);
        }
        assert_eq!(p.bit_for(PayloadTest::AnswerType(3)).unwrap(), 3, "the same test, same bit");
        assert!(p.bit_for(PayloadTest::Contains(b"x".to_vec())).is_err());
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut p = PayloadProbe::default();
        compile(&mut p, &[Predicate::new(Field::DnsAnswerType, CmpOp::Has, 46)]);
        p.read_dns();
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for len in 0..300 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            for off in [0, 3, 8, 40] {
                let mut r = record(UDP, 53, 53, off);
                p.apply(&bytes, &mut r);
            }
        }
    }
}
