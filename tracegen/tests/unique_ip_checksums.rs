//! `--unique-ip` on generated full-payload traffic: after the per-loop address rewrite every
//! IPv4 header checksum and every TCP, UDP and ICMPv6 checksum still verifies, and the frame
//! parses to the rewritten record.

use proptest::prelude::*;
use tracegen::generator::FULL_PAYLOAD_SNAPLEN;
use tracegen::{GenConfig, Profile, generate};
use wire::checksum;
use wire::proto::ip_proto::{ICMP, ICMPV6, TCP, UDP};
use wire::proto::ipv4::Ipv4Packet;
use wire::proto::ipv6::Ipv6Packet;
use wire::proto::{NetworkProtocol, ethernet};
use wire::{Frame, LinkType, parse_frame, unique_ip};

/// Whether every checksum of a whole Ethernet frame verifies (an IPv4 UDP checksum of 0,
/// "none", counts as valid).
fn checksums_valid(bytes: &[u8]) -> bool {
    let Ok(net) = ethernet::network_layer(bytes) else { return true };
    let ip = &bytes[net.offset..];
    match net.protocol {
        NetworkProtocol::Ipv4 => {
            let Ok(v) = Ipv4Packet::new_checked(ip) else { return false };
            if checksum::checksum(&ip[..v.header_len()]) != 0 {
                return false;
            }
            let (l4, proto) = (v.payload(), v.protocol());
            match proto {
                UDP if l4.get(6..8) == Some(&[0, 0]) => true,
                TCP | UDP => {
                    let pseudo =
                        checksum::pseudo_v4(v.src_addr(), v.dst_addr(), proto, l4.len() as u16);
                    checksum::finish(checksum::sum(pseudo, l4)) == 0
                }
                ICMP => checksum::checksum(l4) == 0,
                _ => true,
            }
        }
        NetworkProtocol::Ipv6 => {
            let Ok(v) = Ipv6Packet::new_checked(ip) else { return false };
            let (l4, proto) = (v.payload(), v.next_header());
            match proto {
                TCP | UDP | ICMPV6 => {
                    let pseudo =
                        checksum::pseudo_v6(v.src_addr(), v.dst_addr(), proto, l4.len() as u32);
                    checksum::finish(checksum::sum(pseudo, l4)) == 0
                }
                _ => true,
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn rewritten_full_payload_frames_keep_valid_checksums(
        seed in 0u64..1000,
        ipv6_share in prop::sample::select(vec![0.1, 0.5]),
        loop_idx in 1u64..u64::MAX,
    ) {
        let mut cfg = GenConfig::new(Profile::CaidaLike, 400, seed);
        cfg.snaplen = FULL_PAYLOAD_SNAPLEN;
        cfg.ipv6_share = Some(ipv6_share);
        let frames = generate(&cfg).unwrap();
        let mut out = Vec::new();
        for (i, f) in frames.iter().enumerate() {
            prop_assert_eq!(f.link, LinkType::Ethernet);
            prop_assert!(checksums_valid(f.bytes), "frame {} invalid before the rewrite", i);
            let done = unique_ip::rewrite_frame_into(&f, loop_idx, &mut out);
            prop_assert!(checksums_valid(&out), "frame {} invalid after {:?}", i, done);
            let want = parse_frame(&f, 0).map(|mut r| {
                unique_ip::rewrite_record(&mut r, loop_idx);
                r
            });
            prop_assert_eq!(parse_frame(&Frame { bytes: &out, ..f }, 0), want);
        }
    }
}
