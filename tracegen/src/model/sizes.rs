//! Wire sizes: the multi-modal packet size mixture of backbone links.
//!
//! Backbone packet sizes cluster at the minimum frame (TCP acknowledgements, 60 B without
//! FCS), around 576-590 B (the old default MTU, some tunnels) and at the 1514 B Ethernet
//! maximum, with a thin spread in between. The mixture below puts its mean at about 765 B,
//! inside the 700-900 B of CAIDA 2015 links (ANCHORS.md, "Realistic traffic").

/// One mode of the mixture: a weight and an inclusive range of wire lengths (Ethernet frame
/// without FCS).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SizeMode {
    /// Relative weight.
    pub weight: f64,
    /// Smallest wire length.
    pub min: u32,
    /// Largest wire length.
    pub max: u32,
}

/// The backbone mixture (weights sum to 1): a mean of about 765 B.
pub const BACKBONE: [SizeMode; 5] = [
    SizeMode { weight: 0.38, min: 60, max: 60 },
    SizeMode { weight: 0.10, min: 61, max: 575 },
    SizeMode { weight: 0.07, min: 576, max: 604 },
    SizeMode { weight: 0.03, min: 605, max: 1513 },
    SizeMode { weight: 0.42, min: 1514, max: 1514 },
];

/// Data packets of `caida-like` flows. Handshakes, closes and DNS add small packets, so the
/// data mixture sits above the 700-900 B the whole trace should average.
pub const CAIDA_DATA: [SizeMode; 5] = [
    SizeMode { weight: 0.30, min: 60, max: 60 },
    SizeMode { weight: 0.10, min: 61, max: 575 },
    SizeMode { weight: 0.07, min: 576, max: 604 },
    SizeMode { weight: 0.04, min: 605, max: 1513 },
    SizeMode { weight: 0.49, min: 1514, max: 1514 },
];

/// Data packets of `fais-like` flows: more small packets, for a trace mean near 480 B.
pub const FAIS_DATA: [SizeMode; 5] = [
    SizeMode { weight: 0.51, min: 60, max: 60 },
    SizeMode { weight: 0.17, min: 61, max: 575 },
    SizeMode { weight: 0.05, min: 576, max: 604 },
    SizeMode { weight: 0.05, min: 605, max: 1513 },
    SizeMode { weight: 0.22, min: 1514, max: 1514 },
];

/// Data packets of `datacenter` flows: full segments and bare acknowledgements.
pub const DATACENTER_DATA: [SizeMode; 3] = [
    SizeMode { weight: 0.35, min: 60, max: 60 },
    SizeMode { weight: 0.05, min: 61, max: 1513 },
    SizeMode { weight: 0.60, min: 1514, max: 1514 },
];

/// A sampler over a size mixture.
#[derive(Clone, Debug, PartialEq)]
pub struct SizeMixture {
    modes: Vec<SizeMode>,
    cumulative: Vec<f64>,
}

impl SizeMixture {
    /// A sampler over `modes` (weights need not sum to 1).
    pub fn new(modes: &[SizeMode]) -> Self {
        let total: f64 = modes.iter().map(|m| m.weight).sum();
        let mut acc = 0.0;
        let cumulative = modes
            .iter()
            .map(|m| {
                acc += m.weight / total;
                acc
            })
            .collect();
        Self { modes: modes.to_vec(), cumulative }
    }

    /// The mean wire length of the mixture.
    pub fn mean(&self) -> f64 {
        let total: f64 = self.modes.iter().map(|m| m.weight).sum();
        self.modes.iter().map(|m| m.weight / total * f64::from(m.min + m.max) / 2.0).sum()
    }

    /// Draws one wire length.
    ///
    /// One 64-bit draw serves both choices: its top 32 bits pick the mode, its low 32 bits the
    /// length inside a ranged mode (multiply-shift; the bias, below span / 2^32, is far under
    /// anything a size histogram can show).
    pub fn sample<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> u32 {
        let x = rng.next_u64();
        let u = (x >> 32) as f64 * (1.0 / 4_294_967_296.0);
        let i = self.cumulative.iter().position(|&c| u < c).unwrap_or(self.modes.len() - 1);
        let m = self.modes[i];
        let span = u64::from(m.max - m.min) + 1;
        m.min + (((x & 0xffff_ffff) * span) >> 32) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn backbone_mean_is_caida_like() {
        let mix = SizeMixture::new(&BACKBONE);
        assert!((700.0..900.0).contains(&mix.mean()), "{}", mix.mean());
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let n = 200_000;
        let sum: u64 = (0..n).map(|_| u64::from(mix.sample(&mut rng))).sum();
        let mean = sum as f64 / n as f64;
        assert!((mean - mix.mean()).abs() < 10.0, "{mean} vs {}", mix.mean());
    }
}
