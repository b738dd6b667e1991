//! Tests of the aggregates.

use super::*;

fn rec(len: u32, sport: u16) -> PacketRecord {
    let mut r = PacketRecord::default();
    r.sport = sport;
    r.set_wire_len(len);
    r
}

#[test]
fn every_aggregate_computes_and_merges() {
    let specs = [
        AggSpec::count(),
        AggSpec::sum(Field::WireLen),
        AggSpec::min(Field::WireLen),
        AggSpec::max(Field::WireLen),
        AggSpec::mean(Field::WireLen),
        AggSpec::distinct(&[Field::Sport]),
        AggSpec::distinct_hll(&[Field::Sport], 10).named("approx"),
    ];
    let l = AggLayout::new(&specs, "q").unwrap();
    assert_eq!(
        l.names(),
        [
            "count",
            "sum_wire_len",
            "min_wire_len",
            "max_wire_len",
            "mean_wire_len",
            "distinct_sport",
            "approx"
        ]
    );
    let (mut a, mut b, mut whole) = (l.new_acc(), l.new_acc(), l.new_acc());
    for (i, (len, sport)) in [(60, 1), (100, 2), (1500, 1), (61, 3)].into_iter().enumerate() {
        l.update(if i % 2 == 0 { &mut a } else { &mut b }, &rec(len, sport));
        l.update(&mut whole, &rec(len, sport));
    }
    l.merge(&mut a, b);
    let got = l.finish(&a);
    assert_eq!(got, l.finish(&whole));
    let mut line = String::new();
    for v in &got {
        v.format(&mut line);
        line.push(',');
    }
    assert_eq!(line, "4,1721,60,1500,430.250,3,3,");
}

#[test]
fn bad_aggregates_are_refused_with_their_place() {
    let e =
        AggLayout::new(&[AggSpec::count(), AggSpec::of(AggOp::Sum, vec![])], "query").unwrap_err();
    assert_eq!(e.to_string(), "query query.aggregate[1]: Sum takes 1 field(s), found 0");
    let e = AggLayout::new(&[AggSpec::sum(Field::Src)], "query").unwrap_err();
    assert!(e.to_string().contains("is an address"), "{e}");
    assert!(AggLayout::new(&[], "query").is_err());
    let e = AggLayout::new(&[AggSpec::distinct_hll(&[Field::Src], 30)], "q").unwrap_err();
    assert!(e.to_string().contains("precision"), "{e}");
}

#[test]
fn means_compare_and_print_exactly() {
    let m = Value::Mean { sum: 10, count: 3 };
    let mut s = String::new();
    m.format(&mut s);
    assert_eq!(s, "3.333");
    assert_eq!(m.cmp_int(3), std::cmp::Ordering::Greater);
    assert_eq!(m.cmp_int(4), std::cmp::Ordering::Less);
    assert_eq!(m.cmp_value(&Value::Int(3)), std::cmp::Ordering::Greater);
}

#[test]
fn only_exact_sets_beside_order_free_counters_let_pairs_carry_them() {
    let set = |f: Field| AggSpec::distinct(&[f]);
    let carrying = |specs: &[AggSpec]| AggLayout::new(specs, "q").unwrap().carrying_set();
    assert_eq!(carrying(&[set(Field::Src), AggSpec::sum(Field::IpLen)]), Some(0));
    assert_eq!(carrying(&[AggSpec::mean(Field::IpLen), set(Field::Dst), set(Field::Src)]), Some(0));
    // No counter to carry, no set to carry it, or an aggregate that needs every record.
    assert_eq!(carrying(&[set(Field::Src)]), None);
    assert_eq!(carrying(&[AggSpec::count()]), None);
    assert_eq!(carrying(&[set(Field::Src), AggSpec::out_of_order()]), None);
    assert_eq!(
        carrying(&[AggSpec::distinct_hll(&[Field::Src], 10), set(Field::Dst), AggSpec::count()]),
        None
    );
}

#[test]
fn counters_carried_apart_fold_into_the_whole() {
    let specs = [
        AggSpec::count(),
        AggSpec::min(Field::WireLen),
        AggSpec::distinct(&[Field::Sport]),
        AggSpec::max(Field::WireLen),
        AggSpec::mean(Field::WireLen),
    ];
    let l = AggLayout::new(&specs, "q").unwrap();
    assert_eq!(l.new_counters(), [0, u64::MAX, 0, 0, 0]);
    let mut whole = l.new_acc();
    let mut parts = [l.new_counters().to_vec(), l.new_counters().to_vec()];
    for (i, len) in [60, 1500, 61, 700, 90].into_iter().enumerate() {
        l.update(&mut whole, &rec(len, 1));
        l.update_counters(&mut parts[i % 2], &rec(len, 1));
    }
    let mut folded = l.new_acc();
    for p in &parts {
        l.merge_counters(&mut folded.nums, p);
    }
    assert_eq!(folded.nums, whole.nums);
}
