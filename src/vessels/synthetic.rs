//! A seeded generator of tumour-like, space-filling random vasculature.
//!
//! Vessels start at uniformly random points with uniformly random directions and grow
//! both ways as persistent random walks (`segment_length_um` steps, direction perturbed
//! by `tortuosity` × a normal vector each step) until they leave the block or reach
//! `max_vessel_length_um`. Vessels are added until the length per volume reaches the
//! target density. The uniform placement leaves the irregular avascular gaps that give
//! tumours their diffusion-limited hypoxia (MODEL.md §2: intervessel distances of
//! 50–200 µm; hypoxia beyond ~100–140 µm from a vessel). Branching trees with Murray's
//! law radii come with the vessel-network work.

use super::network::{Network, Segment};
use crate::config::schema::SyntheticSpec;
use crate::grid::Grid;
use crate::rng::Rng;
use glam::DVec3;

/// Generates a network filling `grid` according to `spec`, fixed by `seed`.
pub fn generate(grid: &Grid, spec: &SyntheticSpec, seed: u64) -> Network {
    let mut rng = Rng::new(seed);
    let extent = grid.extent_um();
    let volume = extent.x * extent.y * extent.z;
    // mm/mm³ → µm/µm³ is ×1e-6.
    let target = spec.density_mm_per_mm3 * 1e-6 * volume;
    let inside = |p: DVec3| p.cmpge(DVec3::ZERO).all() && p.cmple(extent).all();
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
        let dir = random_unit(&mut rng);
        let radius = rng.range(spec.radius_um[0], spec.radius_um[1]);
        let po2 = rng.range(spec.blood_po2_mmhg[0], spec.blood_po2_mmhg[1]);
        let half = spec.max_vessel_length_um / 2.0;
        let fwd = walk(&mut rng, start, dir, half, spec, &inside);
        let back = walk(&mut rng, start, -dir, half, spec, &inside);
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

/// Points of a persistent random walk from `start` (excluded) along `dir`.
fn walk(
    rng: &mut Rng,
    start: DVec3,
    dir: DVec3,
    max_len: f64,
    spec: &SyntheticSpec,
    inside: &impl Fn(DVec3) -> bool,
) -> Vec<DVec3> {
    let mut out = Vec::new();
    let (mut p, mut d, mut len) = (start, dir, 0.0);
    while len + spec.segment_length_um <= max_len {
        let jitter = DVec3::new(rng.normal(), rng.normal(), rng.normal()) * spec.tortuosity;
        d = (d + jitter).normalize_or(d);
        let next = p + d * spec.segment_length_um;
        if !inside(next) {
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
}
