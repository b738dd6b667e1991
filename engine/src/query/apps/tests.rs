use super::*;

#[test]
fn the_flow_counter_runs_on_the_flow_table_and_dumps_its_columns() {
    let q = AppKind::FlowCounter.spec().compile().unwrap();
    assert!(q.is_flow_count() && q.keyed_by_flow());
    assert_eq!(q.header(), "window_start_ns,src,dst,sport,dport,proto,packets,bytes");
}

#[test]
fn src_count_keys_by_source_and_needs_a_merge() {
    let q = AppKind::SrcCount.spec().compile().unwrap();
    assert!(!q.is_flow_count() && !q.keyed_by_flow());
    assert_eq!(q.header(), "window_start_ns,src,packets,bytes");
    assert_eq!("src-count".parse::<AppKind>(), Ok(AppKind::SrcCount));
}

#[test]
fn passthrough_only_counts() {
    let q = AppKind::Passthrough.spec().compile().unwrap();
    assert!(q.is_plain_count() && !q.keyed_by_flow());
    assert_eq!(q.header(), "window_start_ns,packets");
}
