//! The values of an exact distinct aggregate: held inline while there is one (most keys of a
//! window: a source talks to one destination), in a hash set past it, so the common key costs
//! no allocation when its partial is built, shipped and merged.

use hashbrown::HashSet;

use super::key::PackedKey;

type Set = HashSet<PackedKey, foldhash::fast::FixedState>;

/// A set of packed values (see the module docs).
#[derive(Clone, Debug, Default)]
pub enum ExactSet {
    /// No value.
    #[default]
    Empty,
    /// One value.
    One(PackedKey),
    /// Several.
    Many(Set),
}

fn new_set(capacity: usize) -> Set {
    Set::with_capacity_and_hasher(capacity, foldhash::fast::FixedState::with_seed(0))
}

impl ExactSet {
    /// Adds `v`.
    #[inline]
    pub fn insert(&mut self, v: PackedKey) {
        match self {
            ExactSet::Empty => *self = ExactSet::One(v),
            ExactSet::One(x) if *x == v => {}
            ExactSet::One(x) => {
                let mut s = new_set(2);
                s.insert(*x);
                s.insert(v);
                *self = ExactSet::Many(s);
            }
            ExactSet::Many(s) => {
                s.insert(v);
            }
        }
    }

    /// Values held.
    pub fn len(&self) -> usize {
        match self {
            ExactSet::Empty => 0,
            ExactSet::One(_) => 1,
            ExactSet::Many(s) => s.len(),
        }
    }

    /// True when no value is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `v` is held.
    pub fn contains(&self, v: &PackedKey) -> bool {
        match self {
            ExactSet::Empty => false,
            ExactSet::One(x) => x == v,
            ExactSet::Many(s) => s.contains(v),
        }
    }

    /// Makes room for `n` values in all (a set that will hold more than one allocates once).
    pub fn reserve(&mut self, n: usize) {
        if n <= 1 {
            return;
        }
        match self {
            ExactSet::Many(s) => s.reserve(n.saturating_sub(s.len())),
            ExactSet::Empty => *self = ExactSet::Many(new_set(n)),
            ExactSet::One(x) => {
                let mut s = new_set(n);
                s.insert(*x);
                *self = ExactSet::Many(s);
            }
        }
    }

    /// Adds every value of `other` (the smaller set goes into the larger).
    pub fn merge(&mut self, other: ExactSet) {
        if self.len() < other.len() {
            let small = std::mem::replace(self, other);
            self.merge(small);
            return;
        }
        match other {
            ExactSet::Empty => {}
            ExactSet::One(v) => self.insert(v),
            ExactSet::Many(s) => {
                for v in s {
                    self.insert(v);
                }
            }
        }
    }

    /// Heap bytes held.
    pub fn allocation_size(&self) -> usize {
        match self {
            ExactSet::Many(s) => s.allocation_size(),
            ExactSet::Empty | ExactSet::One(_) => 0,
        }
    }
}

impl PartialEq for ExactSet {
    /// As sets: the same values, however held.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && match self {
                ExactSet::Empty => true,
                ExactSet::One(v) => other.contains(v),
                ExactSet::Many(s) => s.iter().all(|v| other.contains(v)),
            }
    }
}

impl Eq for ExactSet {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn key(v: u8) -> PackedKey {
        PackedKey([u64::from(v), 0, 0, 0, 7])
    }

    proptest! {
        #[test]
        fn behaves_as_a_set(
            a in proptest::collection::vec(0u8..6, 0..8),
            b in proptest::collection::vec(0u8..6, 0..8),
            reserve in 0usize..5,
        ) {
            let (mut x, mut y) = (ExactSet::default(), ExactSet::default());
            x.reserve(reserve);
            a.iter().for_each(|&v| x.insert(key(v)));
            b.iter().for_each(|&v| y.insert(key(v)));
            let want: BTreeSet<u8> = a.iter().chain(&b).copied().collect();
            prop_assert_eq!(x.len(), a.iter().collect::<BTreeSet<_>>().len());
            let mut whole = ExactSet::default();
            want.iter().for_each(|&v| whole.insert(key(v)));
            x.merge(y);
            prop_assert_eq!(x.len(), want.len());
            for v in 0..6 {
                prop_assert_eq!(x.contains(&key(v)), want.contains(&v));
            }
            prop_assert_eq!(&x, &whole);
            prop_assert_eq!(x.is_empty(), want.is_empty());
        }
    }

    #[test]
    fn one_value_needs_no_allocation() {
        let mut s = ExactSet::default();
        s.insert(key(1));
        s.insert(key(1));
        assert_eq!((s.len(), s.allocation_size()), (1, 0));
        s.insert(key(2));
        assert!(s.allocation_size() > 0);
        assert_ne!(s, ExactSet::One(key(1)));
    }
}
