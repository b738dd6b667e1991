//! The record rewrites of `map`, applied before a record is keyed.

use serde::{Deserialize, Serialize};
use wire::PacketRecord;
use wire::record::flags;

use super::field::QueryError;

/// A rewrite of a record before it is keyed (`map`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MapOp {
    /// Keeps the first N bits of the source address (of its IPv4 form for IPv4 records).
    MaskSrc(u8),
    /// Keeps the first N bits of the destination address.
    MaskDst(u8),
    /// Swaps source and destination (addresses and ports): the reply direction.
    Reverse,
    /// Orders the endpoints so both directions of a connection look the same: the smaller
    /// (address, port) becomes the source.
    Canonical,
    /// Sets both ports to 0.
    ZeroPorts,
}

impl MapOp {
    /// Checks the operation's argument.
    pub fn validate(self, at: &str) -> Result<(), QueryError> {
        match self {
            MapOp::MaskSrc(n) | MapOp::MaskDst(n) if n > 128 => {
                Err(QueryError::new(at, format!("a mask keeps at most 128 bits, found {n}")))
            }
            _ => Ok(()),
        }
    }

    /// Rewrites `r`.
    #[inline]
    pub fn apply(self, r: &mut PacketRecord) {
        let v6 = r.has(flags::IPV6);
        match self {
            MapOp::MaskSrc(n) => mask_address(&mut r.src, n, v6),
            MapOp::MaskDst(n) => mask_address(&mut r.dst, n, v6),
            MapOp::Reverse => reverse(r),
            MapOp::Canonical => {
                if (r.dst, r.dport) < (r.src, r.sport) {
                    reverse(r);
                }
            }
            MapOp::ZeroPorts => {
                r.sport = 0;
                r.dport = 0;
            }
        }
    }
}

fn reverse(r: &mut PacketRecord) {
    std::mem::swap(&mut r.src, &mut r.dst);
    std::mem::swap(&mut r.sport, &mut r.dport);
}

/// Keeps the first `n` bits of an address (of the last 32 bits for IPv4, whose mapped prefix
/// stays).
fn mask_address(a: &mut [u8; 16], n: u8, v6: bool) {
    let keep = if v6 { u32::from(n).min(128) } else { 96 + u32::from(n).min(32) };
    let mask = if keep == 0 { 0 } else { u128::MAX << (128 - keep) };
    *a = (u128::from_be_bytes(*a) & mask).to_be_bytes();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::field::{Field, address_text, v4};

    #[test]
    fn maps_mask_reverse_and_canonicalise() {
        let mut r = v4([10, 1, 2, 3], [192, 168, 7, 9], 1234, 80);
        MapOp::MaskSrc(24).apply(&mut r);
        assert_eq!(address_text(Field::Src.get(&r), false).to_string(), "10.1.2.0");
        let mut c = r;
        MapOp::Canonical.apply(&mut c);
        assert_eq!((c.sport, c.dport), (1234, 80), "10.1.2.0 < 192.168.7.9: unchanged");
        MapOp::Reverse.apply(&mut r);
        assert_eq!((r.sport, r.dport), (80, 1234));
        let mut c2 = r;
        MapOp::Canonical.apply(&mut c2);
        assert_eq!(c2, c, "both directions give the same canonical record");
        MapOp::ZeroPorts.apply(&mut c2);
        assert_eq!((c2.sport, c2.dport), (0, 0));
    }
}
