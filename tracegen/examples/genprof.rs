//! Where generation time goes: the model alone, plus building frames, plus the generator.
use std::time::Instant;
use tracegen::profile::ModelOptions;
use tracegen::{GenConfig, Generator, Profile};
use wire::build::{PacketSpec, Transport};

fn main() {
    if std::env::var("AB_PUSH").is_ok() {
        ab_push();
        return;
    }
    if std::env::var("ONLY_WRITE").is_ok() {
        write_only();
        return;
    }
    let n: u64 = std::env::var("N").ok().and_then(|v| v.parse().ok()).unwrap_or(4_000_000);
    for profile in [Profile::CaidaLike, Profile::Datacenter, Profile::Imix] {
        let opts = ModelOptions { packets_per_window: 1.5e6, ipv6_share: None, start_ns: 0 };
        let t = Instant::now();
        let mut m = profile.model(&opts, 1);
        let build = t.elapsed();
        let mut spec = PacketSpec::default();
        let t = Instant::now();
        for i in 0..n {
            m.next_packet(&mut spec, i * 600);
        }
        let model = t.elapsed();
        let mut buf = Vec::with_capacity(4096);
        let mut m = profile.model(&opts, 1);
        let t = Instant::now();
        for i in 0..n {
            m.next_packet(&mut spec, i * 600);
            buf.clear();
            std::hint::black_box(spec.write(&mut buf, 78));
        }
        let write = t.elapsed();
        let cfg = GenConfig::new(profile, n, 1);
        let mut g = Generator::new(&cfg).unwrap();
        let t = Instant::now();
        while g.next_frame(&mut buf).is_some() {
            buf.clear();
        }
        let gen_ = t.elapsed();
        let ns = |d: std::time::Duration| d.as_nanos() as f64 / n as f64;
        println!(
            "{profile}: build {:?}, model {:.1} ns/pkt, +write {:.1}, generator {:.1} ({:.2} Mpps)",
            build,
            ns(model),
            ns(write),
            ns(gen_),
            1e3 / ns(gen_)
        );
    }
}

fn write_only() {
    let spec = PacketSpec {
        link: wire::LinkType::Ethernet,
        vlans: vec![],
        src: std::net::Ipv4Addr::new(1, 2, 3, 4).into(),
        dst: std::net::Ipv4Addr::new(5, 6, 7, 8).into(),
        ttl: 1,
        ip_id: 0,
        transport: Transport::Tcp { sport: 1, dport: 2, seq: 3, ack: 4, flags: 0x10, window: 5 },
        payload_len: 1400,
        payload: vec![],
    };
    let mut buf = Vec::with_capacity(4096);
    let n = 20_000_000;
    let t = Instant::now();
    for _ in 0..n {
        buf.clear();
        std::hint::black_box(spec.write(&mut buf, 78));
    }
    println!("write only: {:.1} ns", t.elapsed().as_nanos() as f64 / n as f64);
}

/// A/B inside one process: frames copied from a scratch buffer, or written in place.
fn ab_push() {
    let n = 2_000_000u64;
    for round in 0..3 {
        for in_place in [false, true] {
            let cfg = GenConfig::new(Profile::CaidaLike, n, 1);
            let mut g = Generator::new(&cfg).unwrap();
            let mut frames = wire::FrameBuffer::with_capacity(n as usize, n as usize * 78);
            let t = Instant::now();
            if in_place {
                while frames.push_with(wire::LinkType::Ethernet, |out| {
                    g.next_frame(out).map(|i| (i.ts_ns, i.wire_len))
                }) {}
            } else {
                let mut scratch = Vec::with_capacity(2048);
                loop {
                    scratch.clear();
                    let Some(i) = g.next_frame(&mut scratch) else { break };
                    frames.push(&scratch, i.ts_ns, i.wire_len, wire::LinkType::Ethernet);
                }
            }
            let ns = t.elapsed().as_nanos() as f64 / n as f64;
            println!("round {round} in_place {in_place}: {ns:.1} ns/pkt ({:.2} Mpps)", 1e3 / ns);
        }
    }
}
