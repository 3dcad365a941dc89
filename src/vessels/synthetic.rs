//! A seeded generator of tumour-like, space-filling random vasculature.
//!
//! Vessels start at uniformly random points with uniformly random directions and grow
//! both ways as persistent random walks (`segment_length_um` steps, direction perturbed
//! by `tortuosity` × a normal vector each step) until they leave the block or reach
//! `max_vessel_length_um`. Vessels are added until the length per volume reaches the
//! target density. The uniform placement leaves the irregular avascular gaps that give
//! tumours their diffusion-limited hypoxia (MODEL.md §2: intervessel distances of
//! 50–200 µm; hypoxia beyond ~100–140 µm from a vessel).
//!
//! An avascular core (`core_radius_um` > 0, a sphere centred in the block) is kept free
//! of vessels: start points inside it are rejected, and a walk ends where its next step
//! would enter the sphere (the whole step, not only its end point, is tested). With no
//! core the stream of random numbers, and so the network of a seed, is unchanged.
//!
//! [`generate_any`] picks this generator or the branching trees of
//! `super::tree` by `kind`.

use super::network::{Network, Segment};
use crate::config::kinds::SyntheticKind;
use crate::config::schema::SyntheticSpec;
use crate::grid::Grid;
use crate::rng::Rng;
use glam::DVec3;

/// Generates the network `spec.kind` names: trees give `tree::generate`,
/// random walks this module's `generate`.
pub fn generate_any(grid: &Grid, spec: &SyntheticSpec, seed: u64) -> Network {
    match spec.kind {
        SyntheticKind::Tree => super::tree::generate(grid, spec, seed),
        SyntheticKind::Random => generate(grid, spec, seed),
    }
}

/// The avascular core: a sphere centred in the block; radius 0 means none.
#[derive(Debug, Clone, Copy)]
pub(super) struct Core {
    centre: DVec3,
    radius: f64,
}

impl Core {
    /// The core of `spec` in a block of `extent` (µm).
    pub(super) fn new(extent: DVec3, spec: &SyntheticSpec) -> Self {
        Core {
            centre: extent / 2.0,
            radius: spec.core_radius_um.max(0.0),
        }
    }

    /// True when `p` lies strictly inside the core.
    pub(super) fn contains(&self, p: DVec3) -> bool {
        self.radius > 0.0 && p.distance(self.centre) < self.radius
    }

    /// True when some point of the straight segment `a`–`b` lies inside the core.
    pub(super) fn blocks(&self, a: DVec3, b: DVec3) -> bool {
        self.radius > 0.0 && closest_on_segment(self.centre, a, b).1 < self.radius
    }
}

/// The point of segment `a`–`b` nearest to `p`, and its distance to `p`.
pub(super) fn closest_on_segment(p: DVec3, a: DVec3, b: DVec3) -> (DVec3, f64) {
    let ab = b - a;
    let len2 = ab.length_squared();
    let t = if len2 > 0.0 {
        ((p - a).dot(ab) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let q = a + ab * t;
    (q, q.distance(p))
}

/// Generates a network filling `grid` according to `spec`, fixed by `seed`.
pub(crate) fn generate(grid: &Grid, spec: &SyntheticSpec, seed: u64) -> Network {
    let mut rng = Rng::new(seed);
    let extent = grid.extent_um();
    let volume = extent.x * extent.y * extent.z;
    // mm/mm³ → µm/µm³ is ×1e-6.
    let target = spec.density_mm_per_mm3 * 1e-6 * volume;
    let inside = |p: DVec3| p.cmpge(DVec3::ZERO).all() && p.cmple(extent).all();
    let core = Core::new(extent, spec);
    // A step from p to q is allowed when q is in the block and the step misses the core.
    let allowed = |p: DVec3, q: DVec3| inside(q) && !core.blocks(p, q);
    let mut net = Network::default();
    let mut total = 0.0;
    let mut attempts = 0usize;
    while total < target && attempts < 1_000_000 {
        attempts += 1;
        let start = DVec3::new(
            rng.uniform() * extent.x,
            rng.uniform() * extent.y,
            rng.uniform() * extent.z,
        );
        if core.contains(start) {
            continue;
        }
        let dir = random_unit(&mut rng);
        let radius = rng.range(spec.radius_um[0], spec.radius_um[1]);
        let po2 = rng.range(spec.blood_po2_mmhg[0], spec.blood_po2_mmhg[1]);
        let half = spec.max_vessel_length_um / 2.0;
        let fwd = walk(&mut rng, start, dir, half, spec, &allowed);
        let back = walk(&mut rng, start, -dir, half, spec, &allowed);
        // One polyline: reversed backward walk, start, forward walk.
        let points: Vec<DVec3> = back
            .iter()
            .rev()
            .copied()
            .chain(std::iter::once(start))
            .chain(fwd)
            .collect();
        if points.len() < 2 {
            continue;
        }
        let first = net.nodes.len();
        net.nodes.extend_from_slice(&points);
        for n in first..net.nodes.len() - 1 {
            total += net.nodes[n].distance(net.nodes[n + 1]);
            net.segments.push(Segment::new(n, n + 1, radius, po2));
        }
    }
    if total < target {
        log::warn!(
            "synthetic network: reached {total:.0} of the {target:.0} µm of vessel the density \
             asks for; check segment_length_um and max_vessel_length_um against the block"
        );
    }
    net
}

fn random_unit(rng: &mut Rng) -> DVec3 {
    loop {
        let v = DVec3::new(rng.normal(), rng.normal(), rng.normal());
        let len = v.length();
        if len > 1e-9 {
            return v / len;
        }
    }
}

/// Points of a persistent random walk from `start` (excluded) along `dir`; the walk
/// ends before the first step from p to q that `allowed(p, q)` refuses.
fn walk(
    rng: &mut Rng,
    start: DVec3,
    dir: DVec3,
    max_len: f64,
    spec: &SyntheticSpec,
    allowed: &impl Fn(DVec3, DVec3) -> bool,
) -> Vec<DVec3> {
    let mut out = Vec::new();
    let (mut p, mut d, mut len) = (start, dir, 0.0);
    while len + spec.segment_length_um <= max_len {
        let jitter = DVec3::new(rng.normal(), rng.normal(), rng.normal()) * spec.tortuosity;
        d = (d + jitter).normalize_or(d);
        let next = p + d * spec.segment_length_um;
        if !allowed(p, next) {
            break;
        }
        out.push(next);
        p = next;
        len += spec.segment_length_um;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reproducible_by_seed_and_reaches_target_density() {
        let grid = Grid::from_shape_zyx([20, 30, 30], 10.0);
        let spec = SyntheticSpec::default();
        let a = generate(&grid, &spec, 3);
        assert_eq!(a, generate(&grid, &spec, 3));
        assert_ne!(a, generate(&grid, &spec, 4));
        let e = grid.extent_um();
        let stats = a.stats(e.x * e.y * e.z);
        assert!(stats.density_mm_per_mm3 >= spec.density_mm_per_mm3);
        // Overshoot is at most one vessel.
        assert!(stats.density_mm_per_mm3 < spec.density_mm_per_mm3 * 1.5);
        for p in &a.nodes {
            assert!(p.cmpge(DVec3::ZERO).all() && p.cmple(e).all());
        }
    }

    /// FNV-1a over node coordinates and segment fields, bit for bit.
    fn fingerprint(net: &Network) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut eat = |v: u64| h = (h ^ v).wrapping_mul(0x0000_0100_0000_01b3);
        for p in &net.nodes {
            for v in [p.x, p.y, p.z] {
                eat(v.to_bits());
            }
        }
        for s in &net.segments {
            eat(s.a as u64);
            eat(s.b as u64);
            eat(s.radius_um.to_bits());
            eat(s.blood_po2_mmhg.to_bits());
        }
        h
    }

    /// Adding the avascular core must not change networks without one: these numbers
    /// were taken from the generator before the core existed (the default scenario's
    /// block and seed, and the small block above).
    #[test]
    fn without_a_core_the_network_of_a_seed_is_unchanged() {
        let spec = SyntheticSpec::default();
        let big = generate(&Grid::from_shape_zyx([64, 128, 128], 10.0), &spec, 20261121);
        assert_eq!((big.nodes.len(), big.segments.len()), (5378, 5264));
        assert_eq!(fingerprint(&big), 0x796c_5a87_1df4_6e76);
        let small = generate(&Grid::from_shape_zyx([20, 30, 30], 10.0), &spec, 3);
        assert_eq!((small.nodes.len(), small.segments.len()), (97, 91));
        assert_eq!(fingerprint(&small), 0x090b_0ea2_292f_af59);
    }

    #[test]
    fn core_stays_free_of_vessels() {
        let grid = Grid::from_shape_zyx([40, 60, 60], 10.0);
        let spec = SyntheticSpec {
            core_radius_um: 150.0,
            ..SyntheticSpec::default()
        };
        let net = generate(&grid, &spec, 8);
        let e = grid.extent_um();
        let core = Core::new(e, &spec);
        assert!(net.stats(e.x * e.y * e.z).density_mm_per_mm3 >= spec.density_mm_per_mm3);
        for p in &net.nodes {
            assert!(p.distance(e / 2.0) >= 150.0, "{p} inside the core");
        }
        for s in &net.segments {
            assert!(!core.blocks(net.nodes[s.a], net.nodes[s.b]));
        }
        // Without the core, the same seed puts vessels there.
        let open = generate(&grid, &SyntheticSpec::default(), 8);
        assert!(open.nodes.iter().any(|p| core.contains(*p)));
    }

    #[test]
    fn core_geometry() {
        let spec = SyntheticSpec {
            core_radius_um: 10.0,
            ..SyntheticSpec::default()
        };
        let core = Core::new(DVec3::splat(100.0), &spec);
        assert!(core.contains(DVec3::new(55.0, 50.0, 50.0)));
        assert!(!core.contains(DVec3::new(61.0, 50.0, 50.0)));
        // A chord through the centre whose ends are both outside.
        assert!(core.blocks(DVec3::new(30.0, 50.0, 50.0), DVec3::new(70.0, 50.0, 50.0)));
        assert!(!core.blocks(DVec3::new(30.0, 61.0, 50.0), DVec3::new(70.0, 61.0, 50.0)));
        let none = Core::new(DVec3::splat(100.0), &SyntheticSpec::default());
        assert!(!none.contains(DVec3::splat(50.0)));
        assert!(!none.blocks(DVec3::ZERO, DVec3::splat(100.0)));
    }

    #[test]
    fn generate_any_dispatches_on_kind() {
        let grid = Grid::from_shape_zyx([20, 30, 30], 10.0);
        let random = SyntheticSpec::default();
        assert_eq!(generate_any(&grid, &random, 3), generate(&grid, &random, 3));
        let tree = SyntheticSpec {
            kind: SyntheticKind::Tree,
            ..SyntheticSpec::default()
        };
        let t = generate_any(&grid, &tree, 3);
        assert_eq!(t, super::super::tree::generate(&grid, &tree, 3));
        // Trees, unlike random walks, come with boundary nodes and artery codes.
        assert!(t.boundary.len() > tree.trees && t.segments.iter().all(|s| s.kind == 1));
    }
}
