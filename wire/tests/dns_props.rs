//! Property tests of `wire::dns`: the view never panics on any bytes; built messages parse back
//! to what was built; every truncation of a built message gives a prefix of it, exactly as far
//! as the capture goes.

use proptest::prelude::*;
use wire::dns::{self, DnsMessage, DnsRecord, DnsView};

/// Exercises every accessor of the view; returns the number of answer types seen.
fn touch_everything(v: &DnsView<'_>) -> usize {
    let _ = (v.id(), v.flags(), v.is_response(), v.opcode(), v.rcode(), v.is_truncated());
    let _ = (v.qdcount(), v.ancount(), v.nscount(), v.arcount());
    if let Some(q) = v.question() {
        assert!(q.name.as_str().len() <= dns::MAX_NAME_LEN);
        assert!(q.name.as_str().is_ascii());
        assert!(!q.name.as_str().bytes().any(|b| b.is_ascii_uppercase()));
        let _ = q.name.to_string();
    }
    let n = v.answer_types().count();
    assert!(n <= usize::from(v.ancount()));
    n
}

fn label() -> impl Strategy<Value = String> {
    "[a-z0-9][a-z0-9-]{0,20}"
}

fn name() -> impl Strategy<Value = String> {
    prop::collection::vec(label(), 0..5).prop_map(|l| l.join("."))
}

fn rtype() -> impl Strategy<Value = u16> {
    prop_oneof![
        Just(dns::TYPE_A),
        Just(dns::TYPE_NS),
        Just(dns::TYPE_CNAME),
        Just(dns::TYPE_TXT),
        Just(dns::TYPE_AAAA),
        Just(dns::TYPE_RRSIG),
        any::<u16>(),
    ]
}

fn record(question: String) -> impl Strategy<Value = DnsRecord> {
    (
        prop_oneof![Just(question), name()],
        rtype(),
        any::<u32>(),
        prop::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(|(name, rtype, ttl, rdata)| DnsRecord { name, rtype, ttl, rdata })
}

fn message() -> impl Strategy<Value = DnsMessage> {
    (name(), rtype()).prop_flat_map(|(qname, qtype)| {
        (any::<u16>(), any::<bool>(), 0u8..16, prop::collection::vec(record(qname.clone()), 0..6))
            .prop_map(move |(id, response, rcode, answers)| DnsMessage {
                id,
                response,
                rcode,
                question: (qname.clone(), qtype),
                answers,
            })
    })
}

/// Where each answer's type field ends in `m`'s wire form.
fn type_ends(m: &DnsMessage) -> Vec<usize> {
    (0..m.answers.len())
        .map(|i| {
            let with = DnsMessage { answers: m.answers[..=i].to_vec(), ..m.clone() };
            with.to_bytes().len() - 8 - m.answers[i].rdata.len()
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        match DnsView::new_checked(&bytes) {
            Ok(v) => { touch_everything(&v); }
            Err(e) => prop_assert!(bytes.len() < dns::HEADER_LEN, "{e}"),
        }
    }

    #[test]
    fn mangled_messages_never_panic(
        m in message(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        // Valid structure with a few bytes changed reaches deeper than random bytes do.
        let mut bytes = m.to_bytes();
        for (at, b) in edits {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        touch_everything(&DnsView::new_checked(&bytes).unwrap());
    }

    #[test]
    fn built_messages_round_trip(m in message()) {
        let bytes = m.to_bytes();
        let v = DnsView::new_checked(&bytes).unwrap();
        prop_assert_eq!(v.id(), m.id);
        prop_assert_eq!(v.is_response(), m.response);
        prop_assert_eq!(v.rcode(), m.rcode);
        prop_assert_eq!(v.opcode(), 0);
        prop_assert_eq!((v.qdcount(), usize::from(v.ancount())), (1, m.answers.len()));
        let q = v.question().unwrap();
        prop_assert_eq!(q.name.as_str(), m.question.0.as_str());
        prop_assert_eq!((q.qtype, q.qclass), (m.question.1, dns::CLASS_IN));
        let types: Vec<u16> = v.answer_types().collect();
        let want: Vec<u16> = m.answers.iter().map(|a| a.rtype).collect();
        prop_assert_eq!(types, want);
    }

    #[test]
    fn truncations_give_prefixes(m in message(), cut in any::<prop::sample::Index>()) {
        let bytes = m.to_bytes();
        let cut = cut.index(bytes.len() + 1);
        let v = match DnsView::new_checked(&bytes[..cut]) {
            Ok(v) => v,
            Err(_) => {
                prop_assert!(cut < dns::HEADER_LEN);
                return Ok(());
            }
        };
        prop_assert_eq!(v.id(), m.id);
        // The question is there exactly when its name, type and class are.
        let question_end = DnsMessage { answers: vec![], ..m.clone() }.to_bytes().len();
        match v.question() {
            Some(q) => {
                prop_assert!(cut >= question_end);
                prop_assert_eq!(q.name.as_str(), m.question.0.as_str());
            }
            None => prop_assert!(cut < question_end),
        }
        // An answer's type is seen exactly when its type field was captured.
        let seen: Vec<u16> = v.answer_types().collect();
        let ends = type_ends(&m);
        let n = ends.iter().filter(|&&e| e <= cut).count();
        let want: Vec<u16> = m.answers[..n].iter().map(|a| a.rtype).collect();
        prop_assert_eq!(seen, want);
    }
}
