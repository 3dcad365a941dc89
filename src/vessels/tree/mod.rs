//! A seeded generator of tumour-like branching arterial trees with Murray's-law radii
//! (MODEL.md §2), a simplified form of the constrained constructive optimisation of
//! VascuSynth and VItA.
//!
//! Rules, in the order they act:
//!
//! - **Roots.** `spec.trees` roots lie on the four side faces of the block, tree i on
//!   face x−, x+, y−, y+ for i mod 4, at a uniformly random point of the middle 80 % of
//!   the face (so no stub sits on an edge). Side faces, not all six, because blocks are
//!   usually slabs thinner in z (the default is 1280 × 1280 × 640 µm): a tree entering
//!   through a side face runs along the slab, one entering through a z face would cross
//!   its thin dimension first. Each root carries a stub of one `segment_length_um` (at
//!   most half the block) along the inward normal. Roots inside the avascular core, or
//!   whose stub enters it, are drawn again.
//! - **Growth.** Terminal points are added one at a time. Each round draws
//!   [`CANDIDATES`] points uniformly in the block outside the core, drops those whose
//!   straight chord from the nearest point of the existing vessels enters the core, and
//!   keeps the one farthest from the vessels (best-candidate sampling: space filling,
//!   but with few candidates, so the irregular avascular gaps of tumours remain). A
//!   candidate nearer than one `segment_length_um` to a vessel is not used.
//! - **Connection.** The new branch leaves the nearest point of the nearest segment,
//!   which is split there into a bifurcation. Within a quarter segment length of a
//!   segment end the branch leaves that node instead: a terminal is extended, a node in
//!   the middle of an unbranched vessel becomes a bifurcation; roots and existing
//!   bifurcations are never joined (the split point moves a quarter length away), so
//!   every node has at most two children.
//! - **Branch path.** A persistent random walk of `segment_length_um` steps: each step
//!   perturbs the last direction by `tortuosity` × a standard normal vector (as in
//!   [`super::synthetic`]) and then averages it with the unit vector to the target,
//!   which keeps the walk heading in. Within 1.5 steps of the target it finishes in a
//!   straight line (in two halves when farther than one step, so no piece is shorter
//!   than half a step), ending exactly at the target. A step that would leave the block
//!   or touch the core is drawn again up to [`JITTER_TRIES`] times; a branch that still
//!   fails, or takes more than 4 × chord / step + 16 steps, is dropped.
//! - **Stopping.** Growth stops when the total length (stubs included) reaches
//!   `density_mm_per_mm3` × block volume, overshooting by at most the last branch, or
//!   after [`MAX_FAILED_ROUNDS`] rounds in a row without a branch, with a warning.
//! - **Radii.** Each terminal branch (the unbranched vessel ending at a terminal) gets
//!   a radius uniform in `radius_um`, drawn in node order; every other vessel follows
//!   Murray's law r³ = Σ r_child³, summed from the terminals up. All segments of one
//!   unbranched vessel share a radius.
//! - **Output.** Nodes are numbered in depth-first pre-order from each root, so every
//!   segment a→b points away from its root (a < b) and the segments of one vessel are
//!   consecutive. All segments are arteries (`kind` 1) with blood pO2
//!   `blood_po2_mmhg[1]`, the inflow value the transport solve starts from. Roots are
//!   boundary nodes at `inlet_pressure_mmhg` with haematocrit 0.45 and pO2
//!   `blood_po2_mmhg[1]`; terminals are boundary nodes at `outlet_pressure_mmhg`.
//!   `max_vessel_length_um` is not used: the block bounds every branch.
//!
//! The nearest-segment search uses a uniform bucket grid searched in growing shells,
//! so a default block (~105 mm of vessel) grows in a few tens of milliseconds.

use super::network::{BoundaryCondition, BoundaryNode, Network, Segment};
use super::synthetic::{closest_on_segment, Core};
use crate::config::schema::SyntheticSpec;
use crate::grid::Grid;
use crate::rng::Rng;
use glam::DVec3;

/// Candidate points drawn per new terminal; the farthest from the vessels wins.
pub(crate) const CANDIDATES: usize = 4;
/// Redraws of a walk step that would leave the block or touch the core.
pub(crate) const JITTER_TRIES: usize = 8;
/// Rounds in a row without a new branch after which growth gives up.
pub(crate) const MAX_FAILED_ROUNDS: usize = 2000;
/// Discharge haematocrit of the blood entering at the roots.
pub(crate) const ROOT_HEMATOCRIT: f64 = 0.45;
/// Secomb's vessel type code for an artery.
const ARTERY: i32 = 1;
/// Parent of a root.
const NONE: usize = usize::MAX;
/// Draws of a point outside the core before a candidate or root is given up.
const POINT_TRIES: usize = 64;

/// Grows trees filling `grid` according to `spec`, fixed by `seed`.
pub(crate) fn generate(grid: &Grid, spec: &SyntheticSpec, seed: u64) -> Network {
    let mut rng = Rng::new(seed);
    let extent = grid.extent_um();
    let volume = extent.x * extent.y * extent.z;
    // mm/mm³ → µm/µm³ is ×1e-6.
    let target = spec.density_mm_per_mm3 * 1e-6 * volume;
    let step = spec.segment_length_um;
    let core = Core::new(extent, spec);
    let inside = |p: DVec3| p.cmpge(DVec3::ZERO).all() && p.cmple(extent).all();
    let allowed = |p: DVec3, q: DVec3| inside(q) && !core.blocks(p, q);

    let mut tree = Growing::new(extent, step);
    let mut total = plant_roots(&mut tree, &mut rng, extent, spec, &core);
    if tree.roots.is_empty() {
        log::warn!("tree network: no root could be placed outside the avascular core");
        return Network::default();
    }

    let mut failed = 0usize;
    while total < target && failed < MAX_FAILED_ROUNDS {
        match grow_one(&mut tree, &mut rng, extent, spec, &core, &allowed) {
            Some(len) => {
                total += len;
                failed = 0;
            }
            None => failed += 1,
        }
    }
    if total < target {
        log::warn!(
            "tree network: reached {total:.0} of the {target:.0} µm of vessel the density asks \
             for; {MAX_FAILED_ROUNDS} rounds in a row found no room for a branch (check \
             core_radius_um and segment_length_um against the block)"
        );
    }
    tree.finish(spec, &mut rng)
}

/// Places the roots and their inward stubs; returns the stubs' total length (µm).
fn plant_roots(
    tree: &mut Growing,
    rng: &mut Rng,
    extent: DVec3,
    spec: &SyntheticSpec,
    core: &Core,
) -> f64 {
    // (axis, on the far face) for x−, x+, y−, y+.
    const FACES: [(usize, bool); 4] = [(0, false), (0, true), (1, false), (1, true)];
    let mut total = 0.0;
    for i in 0..spec.trees {
        let (axis, far) = FACES[i % FACES.len()];
        let mut inward = DVec3::ZERO;
        inward[axis] = if far { -1.0 } else { 1.0 };
        let stub = spec.segment_length_um.min(0.5 * extent[axis]);
        let planted = (0..POINT_TRIES).any(|_| {
            let mut p = DVec3::ZERO;
            for ax in 0..3 {
                p[ax] = if ax == axis {
                    if far {
                        extent[ax]
                    } else {
                        0.0
                    }
                } else {
                    rng.range(0.1, 0.9) * extent[ax]
                };
            }
            let q = p + inward * stub;
            if core.contains(p) || core.blocks(p, q) {
                return false;
            }
            let root = tree.add_root(p);
            tree.add_node(q, root);
            total += stub;
            true
        });
        if !planted {
            log::warn!("tree network: no place outside the core for the root of tree {i}");
        }
    }
    total
}

/// One growth round: picks a candidate, draws its branch and adds it. Returns the
/// branch length (µm), or None when no candidate gave a branch.
fn grow_one(
    tree: &mut Growing,
    rng: &mut Rng,
    extent: DVec3,
    spec: &SyntheticSpec,
    core: &Core,
    allowed: &impl Fn(DVec3, DVec3) -> bool,
) -> Option<f64> {
    let step = spec.segment_length_um;
    let mut best: Option<(DVec3, Nearest)> = None;
    for _ in 0..CANDIDATES {
        let Some(x) = (0..POINT_TRIES)
            .map(|_| DVec3::new(rng.uniform(), rng.uniform(), rng.uniform()) * extent)
            .find(|&x| !core.contains(x))
        else {
            continue;
        };
        let Some(near) = tree.nearest(x) else {
            continue;
        };
        if core.blocks(near.point, x) {
            continue;
        }
        if best.as_ref().is_none_or(|(_, b)| near.dist > b.dist) {
            best = Some((x, near));
        }
    }
    let (target, near) = best?;
    if near.dist < step {
        return None;
    }
    let attach = tree.attach(&near, 0.25 * step, extent);
    let start = match attach {
        Attach::Node(n) => tree.nodes[n],
        Attach::Split(_, q) => q,
    };
    let path = walk_to(rng, start, target, step, spec.tortuosity, allowed)?;
    let mut prev = match attach {
        Attach::Node(n) => n,
        Attach::Split(seg, q) => tree.split(seg, q),
    };
    let mut len = 0.0;
    let mut from = start;
    for p in path {
        len += from.distance(p);
        prev = tree.add_node(p, prev);
        from = p;
    }
    Some(len)
}

/// Points of a branch from `start` (excluded) to `target` (included): a persistent random
/// walk biased to the target, finished straight (see the module rules). None when a step
/// finds no allowed place or the walk runs too long.
fn walk_to(
    rng: &mut Rng,
    start: DVec3,
    target: DVec3,
    step: f64,
    tortuosity: f64,
    allowed: &impl Fn(DVec3, DVec3) -> bool,
) -> Option<Vec<DVec3>> {
    let max_steps = (4.0 * start.distance(target) / step) as usize + 16;
    let mut out = Vec::new();
    let mut p = start;
    let mut d = (target - start).normalize_or(DVec3::X);
    for _ in 0..max_steps {
        let r = p.distance(target);
        if r <= 1.5 * step {
            if r > step {
                let mid = p.lerp(target, 0.5);
                if !allowed(p, mid) {
                    return None;
                }
                out.push(mid);
                p = mid;
            }
            if !allowed(p, target) {
                return None;
            }
            out.push(target);
            return Some(out);
        }
        let to_target = (target - p) / r;
        let (q, e) = (0..JITTER_TRIES).find_map(|_| {
            let jitter = DVec3::new(rng.normal(), rng.normal(), rng.normal()) * tortuosity;
            let e = (d + jitter).normalize_or(d);
            let e = (e + to_target).normalize_or(to_target);
            let q = p + e * step;
            allowed(p, q).then_some((q, e))
        })?;
        out.push(q);
        p = q;
        d = e;
    }
    None
}

/// The point of the vessels nearest to a query point.
#[derive(Debug, Clone, Copy)]
struct Nearest {
    /// Segment, named by its child node.
    seg: usize,
    /// Nearest point on it (µm).
    point: DVec3,
    /// Distance from the query point (µm).
    dist: f64,
}

/// Where a new branch leaves the tree.
#[derive(Debug, Clone, Copy)]
enum Attach {
    /// An existing node (a terminal, or a node inside an unbranched vessel).
    Node(usize),
    /// A new node at this point of the segment named by its child node.
    Split(usize, DVec3),
}

/// A tree being grown. Every non-root node has one parent, and the segment from the
/// parent to a node is named by that node.
struct Growing {
    nodes: Vec<DVec3>,
    parent: Vec<usize>,
    children: Vec<u32>,
    roots: Vec<usize>,
    buckets: Buckets,
}

impl Growing {
    fn new(extent: DVec3, step: f64) -> Self {
        Growing {
            nodes: Vec::new(),
            parent: Vec::new(),
            children: Vec::new(),
            roots: Vec::new(),
            buckets: Buckets::new(extent, step),
        }
    }

    fn add_root(&mut self, p: DVec3) -> usize {
        self.nodes.push(p);
        self.parent.push(NONE);
        self.children.push(0);
        self.roots.push(self.nodes.len() - 1);
        self.nodes.len() - 1
    }

    /// Adds node `p` as a child of `parent`, with the segment between them.
    fn add_node(&mut self, p: DVec3, parent: usize) -> usize {
        let id = self.nodes.len();
        self.nodes.push(p);
        self.parent.push(parent);
        self.children.push(0);
        self.children[parent] += 1;
        self.buckets.insert(id, self.nodes[parent], p);
        id
    }

    /// Splits segment `seg` at `q` (a point on it); returns the new node.
    fn split(&mut self, seg: usize, q: DVec3) -> usize {
        let a = self.parent[seg];
        let m = self.nodes.len();
        self.nodes.push(q);
        self.parent.push(a);
        self.children.push(1);
        self.parent[seg] = m;
        // `seg` now spans m..seg, inside the cells it is already listed in.
        self.buckets.insert(m, self.nodes[a], q);
        m
    }

    /// Where a branch toward the nearest point `near` leaves the tree; ends closer than
    /// `snap` are joined when they may take one more child.
    fn attach(&self, near: &Nearest, snap: f64, extent: DVec3) -> Attach {
        let b = near.seg;
        let a = self.parent[b];
        let (pa, pb) = (self.nodes[a], self.nodes[b]);
        let len = pa.distance(pb);
        let at = |t: f64| pa.lerp(pb, t).clamp(DVec3::ZERO, extent);
        let away = |from_a: bool| {
            let t = if len > 2.0 * snap { snap / len } else { 0.5 };
            Attach::Split(b, at(if from_a { t } else { 1.0 - t }))
        };
        if near.point.distance(pb) <= snap {
            if self.children[b] <= 1 {
                Attach::Node(b)
            } else {
                away(false)
            }
        } else if near.point.distance(pa) <= snap {
            if self.parent[a] != NONE && self.children[a] <= 1 {
                Attach::Node(a)
            } else {
                away(true)
            }
        } else {
            Attach::Split(b, near.point.clamp(DVec3::ZERO, extent))
        }
    }

    /// The nearest point of any segment to `p`, searching bucket shells outward until
    /// no farther shell can hold a nearer point.
    fn nearest(&self, p: DVec3) -> Option<Nearest> {
        let bk = &self.buckets;
        let c = bk.coord(p).map(|v| v as isize);
        let dims = bk.dims.map(|v| v as isize);
        let kmax = dims.into_iter().max().unwrap_or(0);
        let mut best: Option<Nearest> = None;
        for k in 0..=kmax {
            for dz in -k..=k {
                let z = c[2] + dz;
                if z < 0 || z >= dims[2] {
                    continue;
                }
                for dy in -k..=k {
                    let y = c[1] + dy;
                    if y < 0 || y >= dims[1] {
                        continue;
                    }
                    // Only the shell's surface: inner rows need just their two ends.
                    let full_row = dz.abs() == k || dy.abs() == k;
                    let dxs: &mut dyn Iterator<Item = isize> = if full_row {
                        &mut (-k..=k)
                    } else {
                        &mut [-k, k].into_iter()
                    };
                    for dx in dxs {
                        let x = c[0] + dx;
                        if x < 0 || x >= dims[0] {
                            continue;
                        }
                        let cell = bk.index([x as usize, y as usize, z as usize]);
                        for &s in &bk.cells[cell] {
                            let s = s as usize;
                            let a = self.nodes[self.parent[s]];
                            let (point, dist) = closest_on_segment(p, a, self.nodes[s]);
                            if best.is_none_or(|b| dist < b.dist) {
                                best = Some(Nearest {
                                    seg: s,
                                    point,
                                    dist,
                                });
                            }
                        }
                    }
                }
            }
            // Points in shells beyond k lie at least k cells away.
            if best.is_some_and(|b| b.dist <= k as f64 * bk.cell) {
                break;
            }
        }
        best
    }

    /// Radii, numbering and boundary nodes of the grown trees (see the module rules).
    fn finish(self, spec: &SyntheticSpec, rng: &mut Rng) -> Network {
        let n = self.nodes.len();
        let mut kids = vec![Vec::new(); n];
        for v in 0..n {
            if self.parent[v] != NONE {
                kids[self.parent[v]].push(v);
            }
        }
        let mut order = Vec::with_capacity(n);
        let mut stack = Vec::new();
        for &r in &self.roots {
            stack.push(r);
            while let Some(v) = stack.pop() {
                order.push(v);
                stack.extend(kids[v].iter().rev());
            }
        }
        let mut new_id = vec![NONE; n];
        for (i, &v) in order.iter().enumerate() {
            new_id[v] = i;
        }
        let is_terminal = |v: usize| kids[v].is_empty() && self.parent[v] != NONE;
        // r³ of the segment ending at each node: drawn at terminals, summed upward.
        let mut r3 = vec![0.0f64; n];
        for &v in &order {
            if is_terminal(v) {
                r3[v] = rng.range(spec.radius_um[0], spec.radius_um[1]).powi(3);
            }
        }
        for &v in order.iter().rev() {
            if self.parent[v] != NONE {
                r3[self.parent[v]] += r3[v];
            }
        }
        let po2 = spec.blood_po2_mmhg[1];
        let segments = order
            .iter()
            .filter(|&&v| self.parent[v] != NONE)
            .map(|&v| Segment {
                kind: ARTERY,
                ..Segment::new(new_id[self.parent[v]], new_id[v], r3[v].cbrt(), po2)
            })
            .collect();
        let roots = self.roots.iter().map(|&r| BoundaryNode {
            node: new_id[r],
            condition: BoundaryCondition::Pressure(spec.inlet_pressure_mmhg),
            hematocrit: Some(ROOT_HEMATOCRIT),
            po2_mmhg: Some(po2),
        });
        let terminals = order
            .iter()
            .filter(|&&v| is_terminal(v))
            .map(|&v| BoundaryNode {
                node: new_id[v],
                condition: BoundaryCondition::Pressure(spec.outlet_pressure_mmhg),
                hematocrit: None,
                po2_mmhg: None,
            });
        Network {
            nodes: order.iter().map(|&v| self.nodes[v]).collect(),
            segments,
            boundary: roots.chain(terminals).collect(),
        }
    }
}

/// Segments listed by the cubic cells their bounding boxes overlap.
struct Buckets {
    /// Cell edge (µm).
    cell: f64,
    /// Cells along x, y, z.
    dims: [usize; 3],
    /// Segment names (child nodes) per cell, x fastest.
    cells: Vec<Vec<u32>>,
}

impl Buckets {
    fn new(extent: DVec3, step: f64) -> Self {
        // Two steps per cell, but no more than 128 cells along the longest side.
        let cell = (2.0 * step).max(extent.max_element() / 128.0).max(1e-9);
        let dims = (extent / cell)
            .ceil()
            .max(DVec3::ONE)
            .to_array()
            .map(|v| v as usize);
        Buckets {
            cell,
            dims,
            cells: vec![Vec::new(); dims[0] * dims[1] * dims[2]],
        }
    }

    fn coord(&self, p: DVec3) -> [usize; 3] {
        let q = (p / self.cell).floor().max(DVec3::ZERO).to_array();
        [0, 1, 2].map(|i| (q[i] as usize).min(self.dims[i] - 1))
    }

    fn index(&self, c: [usize; 3]) -> usize {
        (c[2] * self.dims[1] + c[1]) * self.dims[0] + c[0]
    }

    fn insert(&mut self, seg: usize, a: DVec3, b: DVec3) {
        let (lo, hi) = (self.coord(a.min(b)), self.coord(a.max(b)));
        for z in lo[2]..=hi[2] {
            for y in lo[1]..=hi[1] {
                for x in lo[0]..=hi[0] {
                    let i = self.index([x, y, z]);
                    self.cells[i].push(seg as u32);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
