//! Segments → voxel source map (MODEL.md §2).
//!
//! Each segment's wall is supersampled on a lattice of patches no larger than h/4 along
//! and around the cylinder; every patch adds its area to the voxel holding its centre
//! (surface model) or, under the subvoxel model, to the 8 voxels around it by trilinear
//! weights. So Sv = (wall area in the voxel)/(voxel volume) and the total equals Σ 2πrL for the
//! parts inside the block, exactly. Each ring of wall exchanges O2 at its own
//! conductance ([`WallModel`]: wall permeability, intravascular resistance K(d), subvoxel
//! tissue resistance), carried as a weight per unit area relative to the reference
//! permeability the O2 kernels use: the O2 problem's Sv is the exchange-weighted wall
//! area per volume, and Pb the exchange-weighted blood pO2. Voxels whose centre lies
//! inside a lumen are marked: they hold blood, not tissue (n = 0).

use super::network::Network;
use super::segment_rings::SegmentRings;
use super::wall_cut::Walls;
use crate::backend::gather::Csr;
use crate::grid::Grid;
use crate::physics::wall::{self, WallModel};
use glam::DVec3;
use rayon::prelude::*;

/// The voxel source map of a network.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceMap {
    /// O2 exchange area per voxel volume (µm⁻¹): the wall area weighted by each ring's
    /// conductance over the reference permeability (the wall area itself under a
    /// uniform [`WallModel`]).
    pub sv: Vec<f32>,
    /// Wall area per voxel volume (µm⁻¹) where it differs from `sv`: what other
    /// solutes cross and what `vessels_sv.npy` shows.
    pub wall_sv: Option<Vec<f32>>,
    /// Blood pO2 at the wall (mmHg), exchange-weighted; 0 where Sv = 0.
    pub pb: Vec<f32>,
    /// True where a voxel centre lies inside a lumen.
    pub(crate) lumen: Vec<bool>,
}

impl SourceMap {
    /// A map with no vessels.
    pub(crate) fn empty(grid: &Grid) -> Self {
        SourceMap {
            sv: vec![0.0; grid.len()],
            wall_sv: None,
            pb: vec![0.0; grid.len()],
            lumen: vec![false; grid.len()],
        }
    }
}

/// Rasterises `net` onto `grid`, each segment at its own blood pO2, every wall at one
/// permeability.
pub fn rasterise(net: &Network, grid: &Grid) -> SourceMap {
    rasterise_with(net, grid, &WallModel::single(1.0))
}

/// Rasterises `net` onto `grid` with each ring's exchange from `model`.
pub fn rasterise_with(net: &Network, grid: &Grid, model: &WallModel) -> SourceMap {
    let wall = WallMap::build(net, grid, model);
    let mut map = wall.source_map(grid, &wall.fixed_ring_pb(net));
    map.lumen = lumen(net, grid);
    map
}

/// Voxels whose centre lies inside a lumen.
pub(crate) fn lumen(net: &Network, grid: &Grid) -> Vec<bool> {
    let mut lumen = vec![false; grid.len()];
    for s in &net.segments {
        let (a, b) = (net.nodes[s.a], net.nodes[s.b]);
        if a.distance(b) > 0.0 && s.radius_um > 0.0 {
            mark_lumen(grid, a, b, s.radius_um, &mut lumen);
        }
    }
    lumen
}

/// Where each piece of vessel wall lies: every segment is cut into rings (from node `a`
/// to node `b`) of length ≤ h/4, each ring into patches of arc ≤ h/4, and each ring
/// keeps the wall area it puts into each voxel. Built once; Sv and Pb are made from it,
/// and, with blood O2 transport, the coupling's gather and spread matrices.
#[derive(Debug, Clone, Default)]
pub struct WallMap {
    /// The rings of each segment.
    segments: SegmentRings,
    /// Entries of ring r: `entry_start[r]..entry_start[r + 1]`.
    entry_start: Vec<usize>,
    /// Voxel of each entry.
    voxel: Vec<u32>,
    /// Wall area of each entry (µm²).
    area: Vec<f64>,
    /// Each ring's conductance over the reference permeability: an entry's exchange
    /// area (what the gather, the spread and the blood march use) is its wall area ×
    /// its ring's factor.
    factor: Vec<f64>,
    /// Rings whose subvoxel conductance reached its cap ([`wall::MAX_FACTOR`]).
    pub(crate) capped_rings: usize,
}

/// What `summary.json` says of a network's wall ([`WallMap::totals`]). Every network
/// keeps it; the map itself is kept only where the blood O2 transport reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct WallTotals {
    /// Number of rings.
    pub(crate) rings: usize,
    /// Σ wall area (µm²).
    pub(crate) wall_area_um2: f64,
    /// Σ exchange area (µm²): wall area × each ring's conductance factor.
    pub(crate) exchange_area_um2: f64,
    /// Rings whose subvoxel conductance reached its cap.
    pub(crate) capped_rings: usize,
}

/// A ring's entries beyond this many voxels lie around a resolved lumen, where the
/// voxels hold the wall's pO2: its subvoxel conductance is not solved for (the solve
/// grows as the cube) and it exchanges at its blood-to-wall conductance.
const MAX_SUBVOXEL_ENTRIES: usize = 256;

impl WallMap {
    /// Cuts the walls of `net` onto `grid`, each ring exchanging as `model` says.
    pub(crate) fn build(net: &Network, grid: &Grid, model: &WallModel) -> WallMap {
        let mut w = WallMap {
            entry_start: vec![0],
            ..WallMap::default()
        };
        // (axis, radius µm) of each ring.
        let mut rings: Vec<(DVec3, f64)> = Vec::new();
        // The segments' walls are cut in parallel, in runs of segments whose pieces are
        // then appended in order (the map is as a serial cut would make it), a block of
        // a few runs per thread (at most 32 runs) at a time, so that the pieces held
        // besides the map stay small. (The threads' allocator arenas keep some of the pieces' memory: about
        // 25 MB more resident at 256³ than the serial cut, for 0.1–1 s less on 2 cores.)
        const RUN: usize = 256;
        let block_len = (4 * rayon::current_num_threads()).min(32) * RUN;
        for block in net.segments.chunks(block_len) {
            let pieces: Vec<Walls> = block
                .par_chunks(RUN)
                .map(|segments| {
                    let mut p = Walls::default();
                    for s in segments {
                        p.cut(net, s, grid, model);
                    }
                    p
                })
                .collect();
            for p in pieces {
                let mut entries = w.voxel.len();
                for n in p.ring_entries {
                    entries += n;
                    w.entry_start.push(entries);
                }
                for n in p.segment_rings {
                    w.segments.push(n);
                }
                w.voxel.extend(p.voxel);
                w.area.extend(p.area);
                rings.extend(p.rings);
            }
        }
        // The map is held until Sv and Pb are made, or until the coupling takes its
        // rows: without the slack of growth.
        w.voxel.shrink_to_fit();
        w.area.shrink_to_fit();
        w.entry_start.shrink_to_fit();
        // Each ring's conductance: independent small solves, in parallel.
        let factors: Vec<(f64, bool)> = (0..rings.len())
            .into_par_iter()
            .map(|r| w.ring_factor(grid, model, r, rings[r].0, rings[r].1))
            .collect();
        w.capped_rings = factors.iter().filter(|f| f.1).count();
        w.factor = factors.iter().map(|f| f.0).collect();
        w
    }

    /// Ring `r`'s conductance over the reference permeability, and whether it is capped.
    fn ring_factor(
        &self,
        grid: &Grid,
        model: &WallModel,
        r: usize,
        axis: DVec3,
        radius_um: f64,
    ) -> (f64, bool) {
        if model.is_uniform() {
            return (1.0, false);
        }
        if model.reference_um_per_s <= 0.0 {
            // Pw = 0: the walls exchange nothing (the check refuses it with a table).
            return (0.0, false);
        }
        let range = self.entry_start[r]..self.entry_start[r + 1];
        if range.len() > MAX_SUBVOXEL_ENTRIES {
            return (
                model.wall_conductance(radius_um) / model.reference_um_per_s,
                false,
            );
        }
        let centres: Vec<DVec3> = self.voxel[range.clone()]
            .iter()
            .map(|&v| {
                let (i, j, k) = grid.ijk(v as usize);
                grid.centre(i, j, k)
            })
            .collect();
        let (pts, areas) = wall::cross_section(&centres, &self.area[range], axis, grid.spacing_um);
        let (g, capped) = model.ring_conductance(radius_um, &pts, &areas);
        (g / model.reference_um_per_s, capped)
    }

    /// Blood pO2 of every ring from the segments' fixed values (`net` must be the
    /// network this map was built from).
    pub(crate) fn fixed_ring_pb(&self, net: &Network) -> Vec<f64> {
        (0..net.segments.len())
            .flat_map(|s| {
                std::iter::repeat_n(net.segments[s].blood_po2_mmhg, self.rings_of(s).len())
            })
            .collect()
    }

    /// The map's totals, which a network keeps where the map itself goes.
    pub(crate) fn totals(&self) -> WallTotals {
        let (wall_area_um2, exchange_area_um2) = self.area_totals();
        WallTotals {
            rings: self.rings(),
            wall_area_um2,
            exchange_area_um2,
            capped_rings: self.capped_rings,
        }
    }

    /// Σ wall area and Σ exchange area over all rings (µm²).
    pub(crate) fn area_totals(&self) -> (f64, f64) {
        let exchange = (0..self.rings())
            .flat_map(|r| self.entries(r).map(|(_, a)| a))
            .sum();
        (self.area.iter().sum(), exchange)
    }

    /// Number of (ring, voxel) entries.
    pub(crate) fn entries_total(&self) -> usize {
        self.voxel.len()
    }

    /// Number of rings over all segments.
    pub(crate) fn rings(&self) -> usize {
        self.entry_start.len() - 1
    }

    /// The rings of segment `s`, from node `a` to node `b`.
    pub(crate) fn rings_of(&self, s: usize) -> std::ops::Range<usize> {
        self.segments.rings_of(s)
    }

    /// The rings of each segment.
    pub(crate) fn segment_rings(&self) -> &SegmentRings {
        &self.segments
    }

    /// (voxel, exchange area µm²) of ring `r` inside the grid.
    pub(crate) fn entries(&self, r: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let range = self.entry_start[r]..self.entry_start[r + 1];
        let f = self.factor[r];
        self.voxel[range.clone()]
            .iter()
            .zip(&self.area[range])
            .map(move |(&v, &a)| (v as usize, a * f))
    }

    /// True when some ring's exchange area differs from its wall area.
    pub(crate) fn is_weighted(&self) -> bool {
        self.factor.iter().any(|&f| f != 1.0)
    }

    /// Exchange area of ring `r` inside the grid (µm²) and the weighted mean of
    /// `field` over it (0 when the ring lies outside), in f64: the reference of the
    /// gather on a backend ([`WallMap::ring_rows`]).
    #[cfg(test)]
    pub(crate) fn ring_mean(&self, r: usize, field: &[f32]) -> (f64, f64) {
        let (mut a, mut s) = (0.0, 0.0);
        for (v, ar) in self.entries(r) {
            a += ar;
            s += ar * f64::from(field[v]);
        }
        (a, if a > 0.0 { s / a } else { 0.0 })
    }

    /// The rings as rows of their voxels weighted by exchange area (f32), for the gather of
    /// the wall pO2 on a backend ([`crate::backend::gather`]); its transpose spreads
    /// the rings' blood pO2 to the voxels as [`WallMap::source_map`] does.
    pub(crate) fn ring_rows(&self) -> Csr {
        Csr {
            row_start: self.entry_start.iter().map(|&e| e as u32).collect(),
            col: self.voxel.clone(),
            weight: (0..self.rings())
                .flat_map(|r| self.entries(r).map(|(_, a)| a as f32))
                .collect(),
        }
    }

    /// Exchange area of ring `r` inside the grid (µm²), in f64: its flux is
    /// Pw·area·(Pb − P̄) at the reference permeability Pw.
    pub(crate) fn ring_area(&self, r: usize) -> f64 {
        self.entries(r).map(|(_, a)| a).sum()
    }

    /// Sv and Pb with blood pO2 `ring_pb` per ring (the lumen is left unmarked).
    pub(crate) fn source_map(&self, grid: &Grid, ring_pb: &[f64]) -> SourceMap {
        let n = grid.len();
        let vol = grid.voxel_volume_um3();
        let (area, pb_area) = self.exchange_sums(n, ring_pb);
        let sv = area.iter().map(|&x| (x / vol) as f32).collect();
        let pb = weighted_pb(&area, &pb_area);
        drop((area, pb_area));
        let wall_sv = self.is_weighted().then(|| {
            let mut wall = vec![0.0f64; n];
            for (&v, &a) in self.voxel.iter().zip(&self.area) {
                wall[v as usize] += a;
            }
            wall.iter().map(|&x| (x / vol) as f32).collect()
        });
        SourceMap {
            wall_sv,
            sv,
            pb,
            lumen: vec![false; n],
        }
    }

    /// The Pb of [`WallMap::source_map`] alone, the same values without Sv's arrays:
    /// the coupling's start, where the map and the problem are both held.
    pub(crate) fn pb_map(&self, grid: &Grid, ring_pb: &[f64]) -> Vec<f32> {
        let (area, pb_area) = self.exchange_sums(grid.len(), ring_pb);
        weighted_pb(&area, &pb_area)
    }

    /// Per voxel of `n`, Σ exchange area and Σ exchange area × blood pO2 (`ring_pb` per
    /// ring), in f64 and ring order.
    fn exchange_sums(&self, n: usize, ring_pb: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let mut area = vec![0.0f64; n];
        let mut pb_area = vec![0.0f64; n];
        for (r, &pb) in ring_pb.iter().enumerate().take(self.rings()) {
            for (v, ar) in self.entries(r) {
                area[v] += ar;
                pb_area[v] += ar * pb;
            }
        }
        (area, pb_area)
    }

    /// Renumbers every entry's voxel through `to`: the block's walls placed in a larger
    /// grid that holds the block ([`crate::problem::medium::Medium::solver_index`]).
    pub(crate) fn renumber_voxels(&mut self, to: impl Fn(usize) -> usize) {
        for v in &mut self.voxel {
            *v = u32::try_from(to(*v as usize)).expect("grids hold at most 2³¹ voxels");
        }
    }
}

/// Exchange-weighted blood pO2 per voxel from [`WallMap`]'s sums (mmHg; 0 where no
/// wall exchanges).
fn weighted_pb(area: &[f64], pb_area: &[f64]) -> Vec<f32> {
    area.iter()
        .zip(pb_area)
        .map(|(&x, &w)| if x > 0.0 { (w / x) as f32 } else { 0.0 })
        .collect()
}

/// Marks voxels whose centre is within `r` of segment a–b.
fn mark_lumen(grid: &Grid, a: DVec3, b: DVec3, r: f64, lumen: &mut [bool]) {
    let h = grid.spacing_um;
    let lo = (a.min(b) - DVec3::splat(r)) / h;
    let hi = (a.max(b) + DVec3::splat(r)) / h;
    let clamp = |v: f64, n: usize| (v.floor().max(0.0) as usize).min(n);
    let (i0, i1) = (clamp(lo.x, grid.nx), clamp(hi.x + 1.0, grid.nx));
    let (j0, j1) = (clamp(lo.y, grid.ny), clamp(hi.y + 1.0, grid.ny));
    let (k0, k1) = (clamp(lo.z, grid.nz), clamp(hi.z + 1.0, grid.nz));
    let ab = b - a;
    let len2 = ab.length_squared();
    for k in k0..k1 {
        for j in j0..j1 {
            for i in i0..i1 {
                let p = grid.centre(i, j, k);
                let t = ((p - a).dot(ab) / len2).clamp(0.0, 1.0);
                if p.distance_squared(a + ab * t) < r * r {
                    lumen[grid.index(i, j, k)] = true;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vessels::Segment;

    /// Two cylinders (radii 4 and 12 µm) wholly inside a 140 × 120 × 100 µm block.
    fn two_vessels() -> (Grid, Network) {
        let grid = Grid::from_shape_zyx([10, 12, 14], 10.0);
        let net = Network {
            nodes: vec![
                DVec3::new(7.0, 33.0, 21.0),
                DVec3::new(120.0, 80.0, 70.0),
                DVec3::new(30.0, 100.0, 80.0),
            ],
            segments: vec![
                Segment::new(0, 1, 4.0, 40.0),
                Segment::new(1, 2, 12.0, 60.0),
            ],
            boundary: vec![],
        };
        (grid, net)
    }

    #[test]
    fn wall_area_is_conserved_and_pb_is_weighted() {
        let (grid, net) = two_vessels();
        let map = rasterise(&net, &grid);
        let total: f64 = map.sv.iter().map(|&s| s as f64).sum::<f64>() * grid.voxel_volume_um3();
        let want = net.stats(1.0).wall_area_um2;
        assert!((total - want).abs() / want < 1e-5, "{total} vs {want}");
        assert!(map
            .pb
            .iter()
            .all(|&p| p == 0.0 || (40.0 - 1e-3..=60.0 + 1e-3).contains(&p)));
        // A 12 µm vessel in 10 µm voxels has voxel centres inside its lumen.
        assert!(map.lumen.iter().any(|&l| l));
    }

    /// The gather on a backend (`ring_rows`, in f32) gives the host's f64 ring means,
    /// and its transpose the host's Pb map, to f32 rounding; also through the CPU
    /// backend's kernel.
    #[test]
    fn ring_rows_gather_and_spread_as_the_host_does() {
        let (grid, net) = two_vessels();
        let wall = WallMap::build(&net, &grid, &WallModel::single(1.0));
        let field: Vec<f32> = (0..grid.len())
            .map(|i| (i % 97) as f32 * 0.37 + 1.0)
            .collect();
        let rows = wall.ring_rows();
        assert_eq!(rows.rows(), wall.rings());
        let got = rows.mean_of(&field);
        for (r, &g) in got.iter().enumerate() {
            let (area, want) = wall.ring_mean(r, &field);
            assert!((wall.ring_area(r) - area).abs() <= 1e-12 * area);
            assert!(
                (f64::from(g) - want).abs() <= 1e-5 * want.max(1.0),
                "ring {r}: {g} vs {want}"
            );
        }
        let ring_pb: Vec<f64> = (0..wall.rings()).map(|r| 30.0 + (r % 11) as f64).collect();
        let host = wall.source_map(&grid, &ring_pb).pb;
        // The coupling's start makes Pb alone, with the same bits; the rings of each
        // segment count the map's rings.
        assert_eq!(wall.pb_map(&grid, &ring_pb), host);
        assert_eq!(wall.segment_rings().rings(), wall.rings());
        assert_eq!(wall.rings_of(1).end, wall.rings());
        let values: Vec<f32> = ring_pb.iter().map(|&p| p as f32).collect();
        let spread = rows.transpose(grid.len()).mean_of(&values);
        for (v, (&h, &g)) in host.iter().zip(&spread).enumerate() {
            assert!((h - g).abs() <= 1e-5 * h.max(1.0), "voxel {v}: {h} vs {g}");
        }
        // The same through the CPU backend's fields and kernel, bit for bit.
        let mut cpu = crate::backend::cpu::CpuBackend::new();
        let b: &mut dyn crate::backend::O2Backend = &mut cpu;
        let up = rows.upload(b).unwrap();
        let x = b.field_from(&field, "x").unwrap();
        let out = b.field_alloc(rows.rows(), "out").unwrap();
        up.mean(b, x, out).unwrap();
        assert_eq!(b.field_read(out).unwrap(), got);
    }

    /// Every wall model the scenario can choose.
    fn models() -> Vec<WallModel> {
        let base = WallModel {
            h_um: 10.0,
            ..WallModel::single(1000.0)
        };
        let table = WallModel {
            wall_um_per_s: None,
            table: Some(crate::physics::wall::ResistanceTable::secomb()),
            ..base.clone()
        };
        vec![
            base.clone(),
            WallModel {
                subvoxel: true,
                ..base
            },
            table.clone(),
            WallModel {
                subvoxel: true,
                wall_um_per_s: Some(5000.0),
                ..table
            },
        ]
    }

    #[test]
    fn a_zero_wall_permeability_exchanges_nothing_under_the_subvoxel_model() {
        let (grid, net) = two_vessels();
        let model = WallModel {
            subvoxel: true,
            ..WallModel::single(0.0)
        };
        let wall = WallMap::build(&net, &grid, &model);
        let map = wall.source_map(&grid, &vec![40.0; wall.rings()]);
        assert!(map.sv.iter().all(|&s| s == 0.0), "no exchange");
        assert!(map.pb.iter().all(|p| p.is_finite()));
        let (area, exchange) = wall.area_totals();
        assert!(area > 0.0 && exchange == 0.0, "{area} {exchange}");
    }

    /// Under every model: the wall area stays Σ 2πrL, and what the rings' blood gives
    /// (Σ Pw·A_exchange·(Pb − P̄) over rings) is what the voxels receive
    /// (Σ Pw·Sv·h³·(Pb − P) over voxels, through the f32 maps), to 1e-5.
    #[test]
    fn exchange_is_conserved_between_rings_and_voxels_under_every_wall_model() {
        let (grid, net) = two_vessels();
        let want_area = net.stats(1.0).wall_area_um2;
        let field: Vec<f32> = (0..grid.len())
            .map(|i| (i % 89) as f32 * 0.41 + 2.0)
            .collect();
        for model in models() {
            let wall = WallMap::build(&net, &grid, &model);
            let map = wall.source_map(
                &grid,
                &(0..wall.rings())
                    .map(|r| 35.0 + (r % 13) as f64)
                    .collect::<Vec<_>>(),
            );
            let vol = grid.voxel_volume_um3();
            let area: f64 = map
                .wall_sv
                .as_ref()
                .unwrap_or(&map.sv)
                .iter()
                .map(|&s| f64::from(s))
                .sum::<f64>()
                * vol;
            assert!(
                (area - want_area).abs() / want_area < 1e-5,
                "{model:?}: {area} vs {want_area}"
            );
            let ring_pb: Vec<f64> = (0..wall.rings()).map(|r| 35.0 + (r % 13) as f64).collect();
            let blood: f64 = (0..wall.rings())
                .map(|r| {
                    let (a, mean) = wall.ring_mean(r, &field);
                    a * (ring_pb[r] - mean)
                })
                .sum();
            let tissue: f64 = (0..grid.len())
                .map(|v| f64::from(map.sv[v]) * vol * (f64::from(map.pb[v]) - f64::from(field[v])))
                .sum();
            assert!(
                (blood - tissue).abs() <= 1e-5 * blood.abs(),
                "{model:?}: rings {blood} vs voxels {tissue}"
            );
            assert_eq!(map.wall_sv.is_some(), !model.is_uniform(), "{model:?}");
        }
    }

    /// The subvoxel model's trilinear deposit is centred on the vessel: each ring's
    /// area-weighted voxel centre lies on its axis (inside the block, away from faces).
    #[test]
    fn trilinear_deposit_is_centred_on_the_vessel() {
        let grid = Grid::from_shape_zyx([12, 12, 12], 10.0);
        let (a, b) = (DVec3::new(20.0, 31.0, 27.0), DVec3::new(95.0, 83.0, 90.0));
        let net = Network {
            nodes: vec![a, b],
            segments: vec![Segment::new(0, 1, 3.0, 40.0)],
            boundary: vec![],
        };
        let model = WallModel {
            subvoxel: true,
            ..WallModel::single(1000.0)
        };
        let wall = WallMap::build(&net, &grid, &model);
        let axis = (b - a).normalize();
        for r in 0..wall.rings() {
            let (mut sum, mut c) = (0.0, DVec3::ZERO);
            for e in wall.entry_start[r]..wall.entry_start[r + 1] {
                let (i, j, k) = grid.ijk(wall.voxel[e] as usize);
                sum += wall.area[e];
                c += grid.centre(i, j, k) * wall.area[e];
            }
            let c = c / sum;
            let off = (c - a) - axis * (c - a).dot(axis);
            assert!(
                off.length() < 1e-9,
                "ring {r}: centroid {off:?} off the axis"
            );
        }
    }
}
