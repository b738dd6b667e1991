//! Tests of the DNS builder and view.

use std::net::{Ipv4Addr, Ipv6Addr};

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
