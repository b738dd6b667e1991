use super::*;
use crate::query::{AggSpec, Field, QuerySpec};

fn flow_query() -> CompiledQuery {
    let flow = [Field::Src, Field::Dst, Field::Sport, Field::Dport, Field::Proto];
    QuerySpec::new().key_by(&flow).aggregate(AggSpec::count()).compile().unwrap()
}

fn shape(p: &Plan) -> (usize, usize, usize, usize, usize) {
    (p.rings, p.threads.len(), p.record_edges.len(), p.partial_edges.len(), p.workers())
}

#[test]
fn plans_have_the_table_shapes() {
    let q = flow_query();
    let b = |t, w| Plan::build(t, w, &q, true).unwrap();
    assert_eq!(shape(&b(Topology::Rtc, 3)), (3, 3, 0, 0, 3));
    assert_eq!(shape(&b(Topology::TwoStage, 3)), (3, 3, 0, 6, 3));
    assert_eq!(shape(&b(Topology::Shuffle, 3)), (3, 3, 6, 0, 3));
    assert_eq!(shape(&b(Topology::Pipeline, 2)), (1, 3, 2, 0, 2));
    assert_eq!(shape(&b(Topology::Farm, 2)), (1, 3, 2, 2, 2));
    let unfused = Plan::build(Topology::Pipeline, 2, &q, false).unwrap();
    assert_eq!(shape(&unfused), (1, 4, 3, 0, 2));
    assert!(unfused.explain().contains("forward to select"), "{}", unfused.explain());
    let p = b(Topology::Pipeline, 2);
    assert!(p.explain().contains("route by key to worker-0, worker-1"), "{}", p.explain());
    let f = b(Topology::Farm, 2).explain();
    assert!(f.contains("deal batches round-robin to worker-0, worker-1"), "{f}");
    assert!(f.contains("merge partials from worker-0, worker-1"), "{f}");
    let t = b(Topology::TwoStage, 2).explain();
    assert!(t.contains("partials by key to itself, worker-1"), "{t}");
    assert!(t.contains("merge partials from itself, worker-1"), "{t}");
}

#[test]
fn every_partial_edge_feeds_a_merge_and_every_record_edge_an_input() {
    let q = flow_query();
    for (_, t) in Topology::ALL {
        for w in 1..=4 {
            for fused in [true, false] {
                let Ok(p) = Plan::build(t, w, &q, fused) else { continue };
                for (e, &(_, to)) in p.partial_edges.iter().enumerate() {
                    assert!(p.threads[to].merges.contains(&e));
                }
                for (e, &(_, to)) in p.record_edges.iter().enumerate() {
                    assert!(p.threads[to].inputs.contains(&e));
                }
            }
        }
    }
}

#[test]
fn bad_requests_are_refused() {
    let q = flow_query();
    assert_eq!(Plan::build(Topology::Rtc, 0, &q, true), Err(PlanError::NoWorkers));
    assert_eq!(Plan::build(Topology::Rtc, 5000, &q, true), Err(PlanError::TooManyWorkers(5000)));
    assert_eq!(Plan::build(Topology::Rtc, 2, &q, false), Err(PlanError::FuseOnlyOnPipeline));
    let by_src =
        QuerySpec::new().key_by(&[Field::Src]).aggregate(AggSpec::count()).compile().unwrap();
    assert_eq!(Plan::build(Topology::Rtc, 2, &by_src, true), Err(PlanError::NeedsMerge));
    assert!(Plan::build(Topology::TwoStage, 2, &by_src, true).is_ok());
}

#[test]
fn unknown_topology_lists_the_valid_ones() {
    let e = "ring".parse::<Topology>().unwrap_err().to_string();
    assert!(e.contains("rtc, two-stage, shuffle, pipeline, farm"), "{e}");
}
