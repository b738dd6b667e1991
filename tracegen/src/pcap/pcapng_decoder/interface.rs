//! pcapng interfaces: what an interface description block says (link type, snaplen, the
//! options `if_tsresol`, `if_tsoffset` and `if_fcslen`), and turning an interface's timestamps
//! into nanoseconds with integer arithmetic.

use wire::LinkType;

use super::super::{CaptureError, InterfaceInfo, TsResolution};
use super::block::{rd16, rd32};

/// Interface description block options read.
pub(super) const OPT_ENDOFOPT: u16 = 0;
pub(super) const IF_TSRESOL: u16 = 9;
pub(super) const IF_FCSLEN: u16 = 13;
pub(super) const IF_TSOFFSET: u16 = 14;

/// How an interface's timestamp units become nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TsScale {
    /// Units of 10^-n s with n <= 9: nanoseconds per unit.
    Mul(u64),
    /// Units of 10^-n s with n > 9: units per nanosecond (at most 10^38; any more gives 0).
    Div(u128),
    /// Units of 2^-n s.
    Pow2(u32),
}

impl TsScale {
    /// The scale of an `if_tsresol` value: the high bit picks 2^-n over 10^-n.
    pub(super) fn from_tsresol(v: u8) -> Self {
        let n = u32::from(v & 0x7f);
        if v & 0x80 != 0 {
            Self::Pow2(n)
        } else if n <= 9 {
            Self::Mul(10u64.pow(9 - n))
        } else {
            Self::Div(10u128.pow((n - 9).min(38)))
        }
    }

    #[inline(always)]
    pub(super) fn to_ns(self, units: u64) -> u64 {
        match self {
            Self::Mul(m) => units.saturating_mul(m),
            // At most `units`: fits.
            Self::Div(d) => (u128::from(units) / d) as u64,
            Self::Pow2(n) => {
                let ns = (u128::from(units) * 1_000_000_000).checked_shr(n).unwrap_or(0);
                u64::try_from(ns).unwrap_or(u64::MAX)
            }
        }
    }
}

/// What an interface description block says, ready for the packet loop.
#[derive(Clone, Copy, Debug)]
pub(super) struct Interface {
    pub(super) link: LinkType,
    pub(super) snaplen: u32,
    pub(super) scale: TsScale,
    /// `if_tsoffset` in nanoseconds.
    pub(super) offset_ns: i128,
}

impl Interface {
    #[inline(always)]
    pub(super) fn ts_ns(&self, units: u64) -> u64 {
        let ns = self.scale.to_ns(units);
        if self.offset_ns == 0 {
            ns
        } else {
            // In range after the clamp.
            (i128::from(ns) + self.offset_ns).clamp(0, i128::from(u64::MAX)) as u64
        }
    }
}

/// Reads interface description block `block` (at file offset `at`; the `id`th of its section,
/// in byte order `BIG`): the interface for the packet loop, and what the capture's info says of
/// it. An `if_fcslen` option adds a warning.
pub(super) fn describe<const BIG: bool>(
    name: &str,
    block: &[u8],
    at: u64,
    id: usize,
    warnings: &mut Vec<String>,
) -> Result<(Interface, InterfaceInfo), CaptureError> {
    let link = LinkType::from_linktype(u32::from(rd16::<BIG>(block, 8)));
    let snaplen = rd32::<BIG>(block, 12);
    let mut tsresol = 6u8;
    let mut offset_ns = 0i128;
    // Options run from after the snaplen to the trailing length.
    let end = block.len() - 4;
    let mut o = 16usize;
    while o + 4 <= end {
        let code = rd16::<BIG>(block, o);
        let len = rd16::<BIG>(block, o + 2);
        if code == OPT_ENDOFOPT {
            break;
        }
        let value_at = o + 4;
        let value = block
            .get(value_at..value_at + usize::from(len))
            .filter(|_| value_at + usize::from(len) <= end);
        let bad = |expected: String| CaptureError::BadOption {
            file: name.to_owned(),
            offset: at + o as u64,
            code,
            length: len,
            expected,
        };
        let Some(value) = value else {
            return Err(bad(format!(
                "at most the {} bytes left in the interface description block at byte offset \
                 {at}",
                end - value_at
            )));
        };
        match (code, value) {
            (IF_TSRESOL, &[v]) => tsresol = v,
            (IF_TSRESOL, _) => return Err(bad("1 byte (if_tsresol)".into())),
            (IF_TSOFFSET, v) => {
                let Ok(v) = <[u8; 8]>::try_from(v) else {
                    return Err(bad("8 bytes (if_tsoffset)".into()));
                };
                let secs = if BIG { i64::from_be_bytes(v) } else { i64::from_le_bytes(v) };
                offset_ns = i128::from(secs) * 1_000_000_000;
            }
            (IF_FCSLEN, &[bytes]) => {
                warnings.push(format!(
                    "{name}: interface {id} (block at byte offset {at}) says frames end with a \
                     {bytes}-byte FCS (if_fcslen); FCS kept in the frame bytes"
                ));
            }
            _ => {}
        }
        o = value_at + ((usize::from(len) + 3) & !3);
    }
    let interface = Interface { link, snaplen, scale: TsScale::from_tsresol(tsresol), offset_ns };
    let info = InterfaceInfo { link, snaplen, resolution: info_resolution(tsresol) };
    Ok((interface, info))
}

/// The [`TsResolution`] reported for an `if_tsresol` value: the coarser of the two whose unit
/// divides the interface's, so that every timestamp the interface can express is a whole
/// number of it: microseconds for units of 10^-n or 2^-n s with n <= 6 (whole microseconds),
/// nanoseconds otherwise (frames carry nanoseconds either way; finer units are rounded down).
pub(super) fn info_resolution(tsresol: u8) -> TsResolution {
    if (tsresol & 0x7f) <= 6 { TsResolution::Micro } else { TsResolution::Nano }
}
