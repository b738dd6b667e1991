//! Queries on tiny hand-made traces, with the dumps worked out by hand: the reference and the
//! engine on several topologies must both print exactly these (the reference shares the
//! output's finishing step with the engine, so these pin its meaning down).

use std::net::{IpAddr, Ipv4Addr};

use wire::build::{PacketSpec, Transport};
use wire::{FrameBuffer, LinkType};

use super::reference::run_reference;
use super::*;
use crate::plan::Topology;
use crate::runtime::pin::PinPlan;
use crate::{EngineConfig, run};

const SYN: u8 = 0x02;
const SYN_ACK: u8 = 0x12;
const ACK: u8 = 0x10;

fn ip(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(10, 0, 0, last))
}

/// Appends `n` TCP packets `src -> dst` with `flags` at `ts`, `payload` bytes each.
fn push(b: &mut FrameBuffer, n: usize, src: u8, dst: u8, flags: u8, ts: u64, payload: usize) {
    let spec = PacketSpec {
        src: ip(src),
        dst: ip(dst),
        transport: Transport::Tcp {
            sport: 1000 + u16::from(src),
            dport: 80,
            seq: 1,
            ack: 0,
            flags,
            window: 100,
        },
        payload_len: payload,
        ..Default::default()
    };
    for _ in 0..n {
        let mut bytes = Vec::new();
        let wire = spec.write(&mut bytes, 65_535);
        b.push(&bytes, ts, wire, LinkType::Ethernet);
    }
}

/// The dump of `q` by the reference, after checking the engine gives the same on several
/// topologies and worker counts.
fn dump(q: &QuerySpec, frames: &FrameBuffer) -> String {
    let compiled = q.compile().unwrap();
    let expected = run_reference(&compiled, frames, 1, false).to_csv();
    for (topology, workers) in [
        (Topology::TwoStage, 2),
        (Topology::Shuffle, 3),
        (Topology::Farm, 2),
        (Topology::Pipeline, 1),
    ] {
        let mut cfg = EngineConfig::new(AppKind::FlowCounter, topology, workers);
        cfg.query = Some(q.clone());
        cfg.pin = PinPlan::None;
        cfg.batch = 3;
        let o = run(frames, &cfg).unwrap();
        assert!(o.conservation_ok());
        assert_eq!(o.output.to_csv(), expected, "{topology} x{workers}");
    }
    expected
}

#[test]
fn thresholds_and_top_k_per_tumbling_window() {
    let mut b = FrameBuffer::new();
    push(&mut b, 3, 1, 9, SYN, 100, 0);
    push(&mut b, 2, 2, 8, SYN, 200, 0);
    push(&mut b, 1, 3, 7, SYN, 300, 0);
    push(&mut b, 2, 3, 7, SYN, 1_100, 0);
    push(&mut b, 5, 3, 7, ACK, 1_200, 0);
    let q = QuerySpec::new()
        .filter(Predicate::new(Field::TcpFlags, CmpOp::Eq, u64::from(SYN)))
        .key_by(&[Field::Dst])
        .window(Window::tumbling(1_000))
        .aggregate(AggSpec::count().named("syns"))
        .having("syns", Cmp::Ge, 2);
    assert_eq!(
        dump(&q, &b),
        "window_start_ns,dst,syns\n0,10.0.0.8,2\n0,10.0.0.9,3\n1000,10.0.0.7,2\n"
    );
    let top = q.top_k(1, "syns");
    assert_eq!(dump(&top, &b), "window_start_ns,dst,syns\n0,10.0.0.9,3\n1000,10.0.0.7,2\n");
}

#[test]
fn a_join_keeps_keys_present_on_both_sides() {
    let mut b = FrameBuffer::new();
    push(&mut b, 3, 1, 20, SYN, 10, 0); // SYNs to .20
    push(&mut b, 1, 2, 21, SYN, 20, 0); // SYNs to .21 (no SYN-ACK from it)
    push(&mut b, 2, 20, 1, SYN_ACK, 30, 0); // SYN-ACKs from .20
    push(&mut b, 4, 22, 1, SYN_ACK, 40, 0); // SYN-ACKs from .22 (no SYN to it)
    let q = QuerySpec::new()
        .filter(Predicate::new(Field::TcpFlags, CmpOp::Eq, u64::from(SYN)))
        .key_by(&[Field::Dst])
        .aggregate(AggSpec::count().named("syns"))
        .join(SideSpec {
            filter: vec![Predicate::new(Field::TcpFlags, CmpOp::Eq, u64::from(SYN_ACK))],
            key_by: vec![Field::Src],
            aggregate: vec![AggSpec::count().named("syn_acks")],
            ..Default::default()
        });
    assert_eq!(dump(&q, &b), "window_start_ns,dst,syns,syn_acks\n0,10.0.0.20,3,2\n");
}

#[test]
fn sliding_windows_count_a_packet_in_each_window_holding_it() {
    let mut b = FrameBuffer::new();
    for ts in [500, 1_500, 2_500] {
        push(&mut b, 1, 1, 2, ACK, ts, 0);
    }
    let q = QuerySpec::new().window(Window::sliding(2_000, 1_000)).aggregate(AggSpec::count());
    assert_eq!(dump(&q, &b), "window_start_ns,count\n0,2\n1000,2\n2000,1\n");
}

#[test]
fn numeric_and_distinct_aggregates_over_a_masked_key() {
    let mut b = FrameBuffer::new();
    push(&mut b, 1, 1, 9, ACK, 10, 0); // 54 B frame padded to 60 wire, ip_len 40
    push(&mut b, 1, 2, 9, ACK, 20, 100); // ip_len 140, wire 154
    push(&mut b, 2, 3, 9, ACK, 30, 20); // ip_len 60, wire 74
    let q = QuerySpec::new()
        .map(MapOp::MaskSrc(24))
        .key_by(&[Field::Src])
        .aggregate(AggSpec::count())
        .aggregate(AggSpec::min(Field::IpLen))
        .aggregate(AggSpec::max(Field::WireLen))
        .aggregate(AggSpec::mean(Field::IpLen))
        .aggregate(AggSpec::distinct(&[Field::Sport]));
    assert_eq!(
        dump(&q, &b),
        "window_start_ns,src,count,min_ip_len,max_wire_len,mean_ip_len,distinct_sport\n0,10.0.0.0,4,40,154,75.000,3\n"
    );
}
