//! Random queries built from every operator (filter, map, key-by, windows, aggregates, distinct
//! exact and HyperLogLog, thresholds, joins of every kind (inner, left, outer, anti with or
//! without the next window, union, window totals), computed columns and thresholds on them,
//! top-k, state caps and idle timeouts) on random
//! generated traces and random configurations (topology, queue, batch, capacity, workers 1 to
//! 4, fusion, loops): every run's dump equals the single-threaded reference byte for byte, and
//! conserves packets. A second property aims at the plan where distinct pairs carry their
//! side's counters (exact distinct sets beside count, sum, min, max and mean, no early
//! eviction), which the general strategy reaches only now and then.

use engine::plan::Topology;
use engine::query::reference::run_reference;
use engine::query::{
    AggSpec, Cmp, CmpOp, Computed, Field, JoinHow, MapOp, Predicate, QuerySpec, SideSpec, Window,
};
use engine::{EngineConfig, run};
use proptest::prelude::*;
use tracegen::{GenConfig, Profile, generate};

mod support;

fn predicates() -> impl Strategy<Value = Vec<Predicate>> {
    let one = prop::sample::select(vec![
        Predicate::new(Field::Proto, CmpOp::Eq, 6),
        Predicate::new(Field::Proto, CmpOp::Ne, 17),
        Predicate::new(Field::TcpFlags, CmpOp::All, 0x10),
        Predicate::new(Field::TcpFlags, CmpOp::Any, 0x03),
        Predicate::new(Field::Dport, CmpOp::Lt, 1024),
        Predicate::new(Field::IpLen, CmpOp::Ge, 100),
        Predicate::new(Field::WireLen, CmpOp::Le, 600),
        Predicate::new(Field::Src, CmpOp::In, "0.0.0.0/1"),
        Predicate::new(Field::IpVersion, CmpOp::Eq, 4),
    ]);
    prop::collection::vec(one, 0..=2)
}

fn maps() -> impl Strategy<Value = Vec<MapOp>> {
    let one = prop::sample::select(vec![
        MapOp::MaskSrc(8),
        MapOp::MaskSrc(24),
        MapOp::MaskDst(16),
        MapOp::Canonical,
        MapOp::Reverse,
        MapOp::ZeroPorts,
    ]);
    prop::collection::vec(one, 0..=2)
}

fn key_fields() -> impl Strategy<Value = Vec<Field>> {
    prop_oneof![
        // The 5-tuple, so rtc can run it.
        Just(vec![Field::Src, Field::Dst, Field::Sport, Field::Dport, Field::Proto]),
        prop::sample::subsequence(
            vec![
                Field::Src,
                Field::Dst,
                Field::Sport,
                Field::Dport,
                Field::Proto,
                Field::TcpFlags,
                Field::IpVersion
            ],
            0..=3,
        ),
    ]
}

/// The order-free counters the strategies draw from.
fn counters() -> Vec<AggSpec> {
    vec![
        AggSpec::count(),
        AggSpec::sum(Field::WireLen),
        AggSpec::min(Field::IpLen),
        AggSpec::max(Field::WireLen),
        AggSpec::mean(Field::IpLen),
    ]
}

fn aggregates() -> impl Strategy<Value = Vec<AggSpec>> {
    let mut all = counters();
    all.push(AggSpec::distinct(&[Field::Src, Field::Sport]));
    all.push(AggSpec::distinct_hll(&[Field::Dport], 8));
    prop::sample::subsequence(all, 1..=3)
}

fn window() -> impl Strategy<Value = Window> {
    prop_oneof![
        Just(Window::Whole),
        prop::sample::select(vec![1_000_000u64, 20_000_000, 300_000_000])
            .prop_map(Window::tumbling),
        prop::sample::select(vec![2_000_000u64, 50_000_000])
            .prop_map(|l| Window::sliding(l, l / 2)),
    ]
}

/// The field a join partner keys on in place of `f` (same width).
fn partner(f: Field) -> Field {
    match f {
        Field::Src => Field::Dst,
        Field::Dst => Field::Src,
        Field::Sport => Field::Dport,
        Field::Dport => Field::Sport,
        other => other,
    }
}

prop_compose! {
    fn query()(
        filter in predicates(),
        map in maps(),
        key_by in key_fields(),
        aggregate in aggregates(),
        window in window(),
        having in any::<bool>(),
        join in any::<bool>(),
        join_filter in predicates(),
        how in prop::sample::select(vec![JoinHow::Inner, JoinHow::Left, JoinHow::Outer, JoinHow::Anti, JoinHow::Union]),
        or_next in any::<bool>(),
        total in any::<bool>(),
        compute in any::<bool>(),
        top_k in prop::option::of(1usize..6),
        state_cap in prop::option::of(1usize..64),
        idle in prop::option::of(prop::sample::select(vec![100_000u64, 5_000_000])),
    ) -> QuerySpec {
        let first = aggregate[0].column();
        let mut q = QuerySpec::new().key_by(&key_by).window(window);
        q.side.filter = filter;
        q.side.map = map;
        q.side.aggregate = aggregate;
        if having {
            q = q.having(&first, Cmp::Ge, 2);
        }
        let union = join && how == JoinHow::Union;
        if union {
            // A union's sides output the same columns; its keys may differ.
            let other: Vec<Field> = key_by.iter().map(|f| partner(*f)).collect();
            let side = SideSpec { filter: join_filter, key_by: other, aggregate: q.side.aggregate.clone(), how, ..Default::default() };
            q = q.join(side);
        } else if join {
            // A window total (no key) joins inner or left only.
            let total = total && matches!(how, JoinHow::Inner | JoinHow::Left);
            let key: Vec<Field> = if total { vec![] } else { key_by.iter().map(|f| partner(*f)).collect() };
            let how = if key.is_empty() && !matches!(how, JoinHow::Inner | JoinHow::Left) { JoinHow::Left } else { how };
            let tumbling = matches!(window, Window::Tumbling { .. } | Window::Whole);
            q = q.join(SideSpec {
                filter: join_filter,
                key_by: key,
                aggregate: vec![AggSpec::count().named("joined"), AggSpec::sum(Field::IpLen).named("joined_ip_bytes")],
                how,
                or_next_window: or_next && how == JoinHow::Anti && tumbling,
                ..Default::default()
            });
            if compute && how != JoinHow::Anti {
                q = q.compute(Computed::linear("diff", &[("joined", 3), ("joined_ip_bytes", -1)]))
                    .compute(Computed::ratio("ratio", "joined_ip_bytes", "joined", 100))
                    .having("diff", Cmp::Lt, 0);
            }
        }
        if let Some(k) = top_k {
            q = q.top_k(k, &first);
        }
        q.state_cap = state_cap;
        q.idle_timeout_ns = idle;
        q
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_queries_give_the_reference_dump_on_every_configuration(
        q in query(),
        k in support::knobs(),
        seed in 0u64..500,
        packets in 1u64..3000,
        profile in prop::sample::select(vec![Profile::CaidaLike, Profile::Imix, Profile::Datacenter]),
    ) {
        let _turn = support::turn();
        let compiled = q.compile().expect("the strategy builds valid queries");
        // rtc runs only flow-keyed queries (it refuses the others, tested in the plan's tests).
        let topology = if k.topology == Topology::Rtc && !compiled.keyed_by_flow() { Topology::TwoStage } else { k.topology };
        let frames = generate(&GenConfig::new(profile, packets, seed)).unwrap();
        let mut cfg = EngineConfig::new(engine::query::AppKind::FlowCounter, topology, k.workers);
        cfg.query = Some(q.clone());
        k.apply(&mut cfg);
        let loops = k.loops;
        let o = run(&frames, &cfg).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(o.conservation_ok(), "conservation: {:?}", cfg);
        prop_assert_eq!(o.processed() + o.unparsed_by_reason().values().sum::<u64>(), packets * loops);
        let expected = run_reference(&compiled, &frames, loops, false);
        prop_assert_eq!(o.output.to_csv(), expected.to_csv(), "query {:?} on {:?}", q, cfg);
    }
}

/// Exact distinct sets (one or two) beside order-free counters, in any order, with no state cap
/// or idle timeout: the aggregates whose first set's pairs carry the counters.
fn carrying_aggregates() -> impl Strategy<Value = Vec<AggSpec>> {
    let counters = prop::sample::subsequence(counters(), 1..=3);
    let sets = prop::sample::subsequence(
        vec![AggSpec::distinct(&[Field::Src, Field::Sport]), AggSpec::distinct(&[Field::Dport])],
        1..=2,
    );
    (counters, sets, any::<prop::sample::Index>()).prop_map(|(counters, sets, at)| {
        let mut all = counters;
        let at = at.index(all.len() + 1);
        for (i, s) in sets.into_iter().enumerate() {
            all.insert((at + i).min(all.len()), s);
        }
        all
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn counters_carried_by_distinct_pairs_give_the_reference_dump(
        filter in predicates(),
        map in maps(),
        key_by in key_fields(),
        aggregate in carrying_aggregates(),
        window in window(),
        k in support::knobs(),
        seed in 0u64..500,
        packets in 1u64..3000,
    ) {
        let _turn = support::turn();
        let mut q = QuerySpec::new().key_by(&key_by).window(window);
        q.side.filter = filter;
        q.side.map = map;
        q.side.aggregate = aggregate;
        let compiled = q.compile().expect("the strategy builds valid queries");
        let topology = if k.topology == Topology::Rtc && !compiled.keyed_by_flow() { Topology::TwoStage } else { k.topology };
        let frames = generate(&GenConfig::new(Profile::CaidaLike, packets, seed)).unwrap();
        let mut cfg = EngineConfig::new(engine::query::AppKind::FlowCounter, topology, k.workers);
        cfg.query = Some(q.clone());
        k.apply(&mut cfg);
        let o = run(&frames, &cfg).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(o.conservation_ok(), "conservation: {:?}", cfg);
        let expected = run_reference(&compiled, &frames, k.loops, false);
        prop_assert_eq!(o.output.to_csv(), expected.to_csv(), "query {:?} on {:?}", q, cfg);
    }
}
