//! The fixed-size items a queue benchmark moves: `W` machine words, the first of them a
//! sequence number, and the run-time choice of size (`--item-bytes`) turned into a type.

use super::QueueBenchError;

/// The item sizes in bytes `--item-bytes` accepts, smallest first.
pub const ITEM_BYTES: [usize; 6] = [8, 16, 32, 64, 128, 256];

/// An item of `W` 64-bit words (`8 * W` bytes). Word 0 is the item's sequence number; every
/// word holds that number, so a consumer that reads the whole item can check it arrived intact.
///
/// 8-byte items model the engine's `Box<Batch>` handles, 64-byte items a packet record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C, align(8))]
pub struct Item<const W: usize>(pub [u64; W]);

/// What the benchmark kernels need of an item: make one from a sequence number, read the
/// number back, and read every byte.
pub trait BenchItem: Copy + Send + 'static {
    /// The item's size in bytes.
    const BYTES: usize;

    /// The item numbered `seq`: every word holds `seq`.
    fn new(seq: u64) -> Self;

    /// The item's sequence number (word 0).
    fn seq(&self) -> u64;

    /// The wrapping sum of every word: reads every byte of the item.
    fn sum_words(&self) -> u64;

    /// What [`BenchItem::sum_words`] gives for an intact item numbered `seq`.
    fn expected_sum(seq: u64) -> u64 {
        seq.wrapping_mul((Self::BYTES / 8) as u64)
    }
}

impl<const W: usize> BenchItem for Item<W> {
    const BYTES: usize = 8 * W;

    #[inline(always)]
    fn new(seq: u64) -> Self {
        Item([seq; W])
    }

    #[inline(always)]
    fn seq(&self) -> u64 {
        self.0[0]
    }

    #[inline(always)]
    fn sum_words(&self) -> u64 {
        self.0.iter().fold(0u64, |sum, &word| sum.wrapping_add(word))
    }
}

/// Code generic over the item type, run for the size chosen at run time by
/// [`with_item_bytes`]: one monomorphised copy per size.
pub trait ItemVisitor {
    /// What the visitor makes.
    type Output;

    /// Runs with items of type `I`.
    fn visit<I: BenchItem>(self) -> Self::Output;
}

/// Calls `visitor` with the item type of `bytes` bytes.
///
/// # Errors
/// [`QueueBenchError::InvalidItemBytes`] unless `bytes` is one of [`ITEM_BYTES`].
pub fn with_item_bytes<V: ItemVisitor>(
    bytes: usize,
    visitor: V,
) -> Result<V::Output, QueueBenchError> {
    Ok(match bytes {
        8 => visitor.visit::<Item<1>>(),
        16 => visitor.visit::<Item<2>>(),
        32 => visitor.visit::<Item<4>>(),
        64 => visitor.visit::<Item<8>>(),
        128 => visitor.visit::<Item<16>>(),
        256 => visitor.visit::<Item<32>>(),
        _ => return Err(QueueBenchError::InvalidItemBytes { bytes }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct SizeOf;
    impl ItemVisitor for SizeOf {
        type Output = (usize, usize);
        fn visit<I: BenchItem>(self) -> (usize, usize) {
            (size_of::<I>(), I::BYTES)
        }
    }

    #[test]
    fn every_size_maps_to_an_item_of_that_size() {
        for bytes in ITEM_BYTES {
            assert_eq!(with_item_bytes(bytes, SizeOf), Ok((bytes, bytes)));
        }
        let err = with_item_bytes(7, SizeOf).unwrap_err().to_string();
        assert!(err.contains("8, 16, 32, 64, 128, 256"), "{err}");
    }

    #[test]
    fn items_carry_their_number_in_every_word() {
        let item = Item::<8>::new(5);
        assert_eq!(item.seq(), 5);
        assert_eq!(item.sum_words(), Item::<8>::expected_sum(5));
        assert_eq!(Item::<1>::new(u64::MAX).sum_words(), Item::<1>::expected_sum(u64::MAX));
    }
}
