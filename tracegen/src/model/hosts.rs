//! Host populations with Zipf popularity and per-host caps that keep benign traffic below every
//! alarm rule of [`wire::sonata`].
//!
//! Every flow holds one client and one server from a [`HostPool`]. A host takes part in at most
//! [`MAX_ACTIVE`] flows at once and starts at most [`MAX_NEW_PER_WINDOW`] flows per 1 s window,
//! so in any window it has at most `MAX_ACTIVE + MAX_NEW_PER_WINDOW` = 32 peers, connections,
//! destination ports, SYNs and SYN-ACKs: below the 40 of the Sonata host rules (45 for DDoS).
//! A host at its cap is passed over and another is drawn; after a few refusals the pool grows
//! by a fresh host, so the caps never stall generation.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use rand::{Rng, RngExt};

use super::zipf::exponent_for_top_share;

/// Flows one host may take part in at once.
pub const MAX_ACTIVE: u16 = 16;
/// Flows one host may start per window.
pub const MAX_NEW_PER_WINDOW: u16 = 16;

/// Where a population's addresses come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressPlan {
    /// Public-looking unicast (IPv4 outside 10/8, 100/8, 127/8, 169/8, 172/8 and 192/8; IPv6
    /// in 2000::/3).
    Public,
    /// A data centre: IPv4 172.16.0.0/12, IPv6 fd00::/8.
    Datacenter,
}

/// Draws addresses of one IP version, never the same twice (across every pool sharing `used`).
#[derive(Clone, Copy, Debug)]
pub struct AddressSource {
    /// The plan.
    pub plan: AddressPlan,
    /// IPv6 or IPv4.
    pub v6: bool,
}

impl AddressSource {
    fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> IpAddr {
        match (self.plan, self.v6) {
            (AddressPlan::Public, false) => loop {
                let a: u32 = rng.random();
                let first = (a >> 24) as u8;
                if (1..=223).contains(&first) && ![10, 100, 127, 169, 172, 192].contains(&first) {
                    return IpAddr::V4(Ipv4Addr::from(a));
                }
            },
            (AddressPlan::Public, true) => {
                let a: u128 = rng.random();
                IpAddr::V6(Ipv6Addr::from((a >> 3) | (0b001u128 << 125)))
            }
            (AddressPlan::Datacenter, false) => {
                let a: u32 = rng.random::<u32>() & 0x000f_ffff;
                IpAddr::V4(Ipv4Addr::from(0xac10_0000 | a))
            }
            (AddressPlan::Datacenter, true) => {
                let a: u128 = rng.random::<u128>() >> 8;
                IpAddr::V6(Ipv6Addr::from((0xfdu128 << 120) | a))
            }
        }
    }

    /// A fresh address not in `used`; records it there.
    pub fn fresh<R: Rng + ?Sized>(&self, rng: &mut R, used: &mut HashSet<IpAddr>) -> IpAddr {
        loop {
            let a = self.draw(rng);
            if used.insert(a) {
                return a;
            }
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Host {
    addr: IpAddr,
    active: u16,
    new_in_window: u16,
    window: u64,
}

/// A population of hosts of one IP version with Zipf popularity and caps.
pub struct HostPool {
    hosts: Vec<Host>,
    /// Cumulative Zipf popularity of the first hosts (the pool's initial ones): a draw is a
    /// binary search, far cheaper than rejection sampling on every new flow.
    popularity: Vec<f64>,
    source: AddressSource,
}

impl HostPool {
    /// `n` hosts whose most popular one is drawn with probability `top_share`.
    pub fn new<R: Rng + ?Sized>(
        n: usize,
        top_share: f64,
        source: AddressSource,
        rng: &mut R,
        used: &mut HashSet<IpAddr>,
    ) -> Self {
        let n = n.max(1);
        let s = exponent_for_top_share(n as u64, top_share);
        let hosts = (0..n)
            .map(|_| Host { addr: source.fresh(rng, used), active: 0, new_in_window: 0, window: 0 })
            .collect();
        let mut acc = 0.0;
        let mut popularity: Vec<f64> = (1..=n)
            .map(|k| {
                acc += (k as f64).powf(-s);
                acc
            })
            .collect();
        for c in &mut popularity {
            *c /= acc;
        }
        Self { hosts, popularity, source }
    }

    /// The address of host `id`.
    pub fn addr(&self, id: u32) -> IpAddr {
        self.hosts[id as usize].addr
    }

    /// Number of hosts (the pool grows when popular hosts are at their caps).
    pub fn len(&self) -> usize {
        self.hosts.len()
    }

    /// Whether the pool is empty (never: it holds at least one host).
    pub fn is_empty(&self) -> bool {
        self.hosts.is_empty()
    }

    fn has_room(&mut self, id: usize, window: u64, new: bool) -> bool {
        let h = &mut self.hosts[id];
        if h.window != window {
            h.window = window;
            h.new_in_window = 0;
        }
        h.active < MAX_ACTIVE && (!new || h.new_in_window < MAX_NEW_PER_WINDOW)
    }

    /// Takes a host for a flow in `window` (`new`: the flow starts now, rather than being in
    /// progress when the trace starts): a popular one if one has room, else a fresh one.
    pub fn acquire<R: Rng + ?Sized>(
        &mut self,
        rng: &mut R,
        window: u64,
        new: bool,
        used: &mut HashSet<IpAddr>,
    ) -> u32 {
        let mut pick = None;
        for attempt in 0..8 {
            let id = if attempt < 4 {
                let u: f64 = rng.random();
                self.popularity.partition_point(|&c| c <= u).min(self.popularity.len() - 1)
            } else {
                rng.random_range(0..self.hosts.len())
            };
            if self.has_room(id, window, new) {
                pick = Some(id);
                break;
            }
        }
        let id = pick.unwrap_or_else(|| {
            let addr = self.source.fresh(rng, used);
            self.hosts.push(Host { addr, active: 0, new_in_window: 0, window });
            self.hosts.len() - 1
        });
        let h = &mut self.hosts[id];
        h.active += 1;
        if new {
            h.new_in_window += 1;
        }
        id as u32
    }

    /// Whether host `id` can start one more flow in `window` (for a follow-up flow of a host
    /// already chosen).
    pub fn try_reacquire(&mut self, id: u32, window: u64) -> bool {
        if self.has_room(id as usize, window, true) {
            let h = &mut self.hosts[id as usize];
            h.active += 1;
            h.new_in_window += 1;
            true
        } else {
            false
        }
    }

    /// Hints the CPU to fetch host `id`, about to be used.
    pub fn prefetch(&self, id: u32) {
        if let Some(h) = self.hosts.get(id as usize) {
            wire::prefetch::prefetch(h);
        }
    }

    /// Releases host `id` at the end of a flow.
    pub fn release(&mut self, id: u32) {
        let h = &mut self.hosts[id as usize];
        h.active = h.active.saturating_sub(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn caps_hold_and_the_pool_grows_instead_of_stalling() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let mut used = HashSet::new();
        let src = AddressSource { plan: AddressPlan::Public, v6: false };
        let mut pool = HostPool::new(4, 0.9, src, &mut rng, &mut used);
        let ids: Vec<u32> = (0..100).map(|_| pool.acquire(&mut rng, 0, true, &mut used)).collect();
        let mut per: std::collections::HashMap<u32, u16> = Default::default();
        for id in &ids {
            *per.entry(*id).or_default() += 1;
        }
        assert!(per.values().all(|&c| c <= MAX_NEW_PER_WINDOW.min(MAX_ACTIVE)), "{per:?}");
        assert!(pool.len() >= 100 / 16, "{}", pool.len());
        for id in ids {
            pool.release(id);
        }
        // A new window resets the new-flow count.
        let a = pool.acquire(&mut rng, 1, true, &mut used);
        assert!((a as usize) < pool.len());
        assert_eq!(used.len(), pool.len());
    }

    #[test]
    fn address_plans_stay_in_their_ranges() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
        let mut used = HashSet::new();
        for _ in 0..1000 {
            let dc = AddressSource { plan: AddressPlan::Datacenter, v6: false };
            match dc.fresh(&mut rng, &mut used) {
                IpAddr::V4(a) => assert_eq!(a.octets()[0], 172),
                a => panic!("{a}"),
            }
            let p = AddressSource { plan: AddressPlan::Public, v6: false };
            match p.fresh(&mut rng, &mut used) {
                IpAddr::V4(a) => assert_ne!(a.octets()[0], 10),
                a => panic!("{a}"),
            }
        }
    }
}
