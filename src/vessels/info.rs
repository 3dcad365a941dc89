//! What `oxyfield network info` prints: counts, length, volume, density, radius
//! histogram and bounding box.

use super::flow::components;
use super::network::{BoundaryCondition, Network};
use glam::DVec3;
use serde::Serialize;
use serde_json::Value;
use std::fmt::Write;

/// Upper edges of the radius histogram bins (µm); the last bin is open.
pub(crate) const RADIUS_BINS_UM: [f64; 10] = [2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 15.0, 25.0, 50.0];

/// Summary numbers of a network.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkInfo {
    /// Nodes.
    pub(crate) nodes: usize,
    /// Segments.
    pub segments: usize,
    /// Boundary nodes with a pressure, and with a flow.
    pub(crate) boundary_pressure: usize,
    /// Boundary nodes with a flow.
    pub(crate) boundary_flow: usize,
    /// Connected components.
    pub(crate) components: usize,
    /// Nodes where three or more segments meet.
    pub(crate) branch_points: usize,
    /// Σ L (µm).
    pub total_length_um: f64,
    /// Σ πr²L (µm³).
    pub(crate) lumen_volume_um3: f64,
    /// Σ 2πrL (µm²).
    pub(crate) wall_area_um2: f64,
    /// Bounding box (µm).
    pub(crate) bbox: (DVec3, DVec3),
    /// Length per bounding-box volume (mm/mm³); None for a flat box.
    pub(crate) density_mm_per_mm3: Option<f64>,
    /// Smallest, length-weighted mean and largest radius (µm).
    pub(crate) radius_um: (f64, f64, f64),
    /// Segments per radius bin (edges [`RADIUS_BINS_UM`]).
    pub(crate) histogram_segments: Vec<usize>,
    /// Length per radius bin (µm).
    pub(crate) histogram_length_um: Vec<f64>,
    /// Every segment carries a flow.
    pub(crate) has_flows: bool,
}

impl NetworkInfo {
    /// Computes the numbers of `net`.
    pub fn of(net: &Network) -> NetworkInfo {
        let bbox = net.bounding_box().unwrap_or((DVec3::ZERO, DVec3::ZERO));
        let e = bbox.1 - bbox.0;
        let vol = e.x * e.y * e.z;
        let stats = net.stats(vol.max(f64::MIN_POSITIVE));
        let mut hist_n = vec![0usize; RADIUS_BINS_UM.len() + 1];
        let mut hist_l = vec![0.0f64; RADIUS_BINS_UM.len() + 1];
        let (mut rmin, mut rmax, mut rl) = (f64::INFINITY, 0.0f64, 0.0);
        for s in &net.segments {
            let b = RADIUS_BINS_UM
                .iter()
                .position(|&edge| s.radius_um < edge)
                .unwrap_or(RADIUS_BINS_UM.len());
            let l = net.length(s);
            hist_n[b] += 1;
            hist_l[b] += l;
            rmin = rmin.min(s.radius_um);
            rmax = rmax.max(s.radius_um);
            rl += s.radius_um * l;
        }
        let comp = components(net);
        let mut roots: Vec<usize> = comp.clone();
        roots.sort_unstable();
        roots.dedup();
        let count = |f: fn(&BoundaryCondition) -> bool| {
            net.boundary.iter().filter(|b| f(&b.condition)).count()
        };
        NetworkInfo {
            nodes: net.nodes.len(),
            segments: net.segments.len(),
            boundary_pressure: count(|c| matches!(c, BoundaryCondition::Pressure(_))),
            boundary_flow: count(|c| matches!(c, BoundaryCondition::Flow(_))),
            components: roots.len(),
            branch_points: net.degrees().iter().filter(|&&d| d >= 3).count(),
            total_length_um: stats.total_length_um,
            lumen_volume_um3: net.lumen_volume_um3(),
            wall_area_um2: stats.wall_area_um2,
            bbox,
            density_mm_per_mm3: (vol > 0.0).then_some(stats.density_mm_per_mm3),
            radius_um: (
                if rmin.is_finite() { rmin } else { 0.0 },
                if stats.total_length_um > 0.0 {
                    rl / stats.total_length_um
                } else {
                    0.0
                },
                rmax,
            ),
            histogram_segments: hist_n,
            histogram_length_um: hist_l,
            has_flows: net.has_flows(),
        }
    }

    /// Bin labels, e.g. "3–4".
    pub(crate) fn bin_labels() -> Vec<String> {
        let mut out = Vec::new();
        let mut lo = 0.0;
        for &hi in &RADIUS_BINS_UM {
            out.push(format!("{lo}–{hi}"));
            lo = hi;
        }
        out.push(format!("≥ {lo}"));
        out
    }

    /// The numbers as text for people.
    pub fn to_text(&self) -> String {
        let mut t = String::new();
        let (lo, hi) = self.bbox;
        let e = hi - lo;
        let _ = writeln!(t, "nodes            {}", self.nodes);
        let _ = writeln!(
            t,
            "segments         {} ({} branch points, {} connected components)",
            self.segments, self.branch_points, self.components
        );
        let _ = writeln!(
            t,
            "boundary nodes   {} with pressure, {} with flow; flows on every segment: {}",
            self.boundary_pressure,
            self.boundary_flow,
            if self.has_flows { "yes" } else { "no" }
        );
        let _ = writeln!(
            t,
            "total length     {:.3} mm",
            self.total_length_um / 1000.0
        );
        let _ = writeln!(
            t,
            "lumen volume     {:.4e} mm³",
            self.lumen_volume_um3 / 1e9
        );
        let _ = writeln!(t, "wall area        {:.4} mm²", self.wall_area_um2 / 1e6);
        let _ = writeln!(
            t,
            "bounding box     [{:.1}, {:.1}, {:.1}] – [{:.1}, {:.1}, {:.1}] µm ({:.1} × {:.1} × {:.1} µm)",
            lo.x, lo.y, lo.z, hi.x, hi.y, hi.z, e.x, e.y, e.z
        );
        match self.density_mm_per_mm3 {
            Some(d) => {
                let _ = writeln!(
                    t,
                    "density          {d:.1} mm/mm³ (length per bounding-box volume)"
                );
            }
            None => {
                let _ = writeln!(t, "density          n/a (the bounding box is flat)");
            }
        }
        let (rmin, rmean, rmax) = self.radius_um;
        let _ = writeln!(
            t,
            "radius           min {rmin:.2}, length-weighted mean {rmean:.2}, max {rmax:.2} µm"
        );
        let _ = writeln!(t, "radius histogram (µm: segments, length)");
        let most = self
            .histogram_length_um
            .iter()
            .cloned()
            .fold(0.0f64, f64::max);
        for (i, label) in Self::bin_labels().iter().enumerate() {
            let (n, l) = (self.histogram_segments[i], self.histogram_length_um[i]);
            if n == 0 {
                continue;
            }
            let bar = if most > 0.0 {
                "#".repeat(((l / most) * 40.0).round().max(1.0) as usize)
            } else {
                String::new()
            };
            let _ = writeln!(t, "  {label:>9}  {n:>7}  {:>9.3} mm  {bar}", l / 1000.0);
        }
        t
    }

    /// The numbers as JSON (`network info --json`; see `InfoJson`).
    pub fn to_json(&self) -> Value {
        let (lo, hi) = self.bbox;
        let doc = InfoJson {
            boundary_nodes: BoundaryNodes {
                flow: self.boundary_flow,
                pressure: self.boundary_pressure,
            },
            bounding_box_um: BoundingBox {
                max: hi.to_array(),
                min: lo.to_array(),
            },
            branch_points: self.branch_points,
            components: self.components,
            density_mm_per_mm3: self.density_mm_per_mm3,
            has_flows: self.has_flows,
            lumen_volume_mm3: self.lumen_volume_um3 / 1e9,
            nodes: self.nodes,
            radius_histogram: RadiusHistogram {
                bins_um: Self::bin_labels(),
                length_mm: self
                    .histogram_length_um
                    .iter()
                    .map(|l| l / 1000.0)
                    .collect(),
                segments: &self.histogram_segments,
            },
            radius_um: RadiusRange {
                max: self.radius_um.2,
                mean_length_weighted: self.radius_um.1,
                min: self.radius_um.0,
            },
            segments: self.segments,
            total_length_mm: self.total_length_um / 1000.0,
            wall_area_mm2: self.wall_area_um2 / 1e6,
        };
        serde_json::to_value(doc).expect("JSON of plain values")
    }
}

/// What `network info --json` prints (fields in the file's alphabetical order).
#[derive(Debug, Serialize)]
struct InfoJson<'a> {
    boundary_nodes: BoundaryNodes,
    bounding_box_um: BoundingBox,
    branch_points: usize,
    components: usize,
    density_mm_per_mm3: Option<f64>,
    has_flows: bool,
    lumen_volume_mm3: f64,
    nodes: usize,
    radius_histogram: RadiusHistogram<'a>,
    radius_um: RadiusRange,
    segments: usize,
    total_length_mm: f64,
    wall_area_mm2: f64,
}

/// `boundary_nodes`: boundary nodes with a flow, and with a pressure.
#[derive(Debug, Serialize)]
struct BoundaryNodes {
    flow: usize,
    pressure: usize,
}

/// `bounding_box_um` (x, y, z).
#[derive(Debug, Serialize)]
struct BoundingBox {
    max: [f64; 3],
    min: [f64; 3],
}

/// `radius_histogram`: segments and length (mm) per bin.
#[derive(Debug, Serialize)]
struct RadiusHistogram<'a> {
    bins_um: Vec<String>,
    length_mm: Vec<f64>,
    segments: &'a [usize],
}

/// `radius_um`: smallest, length-weighted mean and largest radius.
#[derive(Debug, Serialize)]
struct RadiusRange {
    max: f64,
    mean_length_weighted: f64,
    min: f64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vessels::Segment;

    #[test]
    fn counts_histogram_and_box() {
        let net = Network {
            nodes: vec![
                DVec3::ZERO,
                DVec3::new(100.0, 0.0, 0.0),
                DVec3::new(100.0, 100.0, 0.0),
                DVec3::new(100.0, 0.0, 100.0),
            ],
            segments: vec![
                Segment::new(0, 1, 5.0, 40.0),
                Segment::new(1, 2, 3.5, 40.0),
                Segment::new(1, 3, 3.5, 40.0),
            ],
            boundary: vec![],
        };
        let i = NetworkInfo::of(&net);
        assert_eq!(
            (i.nodes, i.segments, i.branch_points, i.components),
            (4, 3, 1, 1)
        );
        assert!((i.total_length_um - 300.0).abs() < 1e-9);
        // 300 µm in a 100³ µm³ box: 0.3 mm / 1e-3 mm³ = 300 mm/mm³.
        assert!((i.density_mm_per_mm3.unwrap() - 300.0).abs() < 1e-9);
        assert_eq!(i.histogram_segments[2], 2); // 3–4 µm
        assert_eq!(i.histogram_segments[4], 1); // 5–6 µm
        assert!(i.to_text().contains("0.300 mm"));
        assert_eq!(i.to_json()["segments"], 3);
    }
}
