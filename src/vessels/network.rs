//! A vessel network: nodes in µm, straight cylindrical segments between them, and the
//! boundary nodes where blood enters or leaves (MODEL.md §2).
//!
//! Flows follow Secomb's convention: a segment's flow is positive from node `a` to node
//! `b`, in nl/min. Boundary conditions are either a pressure (mmHg) or a flow into the
//! network (nl/min; negative leaves it), with the inflow haematocrit and pO2.

use glam::DVec3;

/// One straight vessel segment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    /// Index of the first node.
    pub a: usize,
    /// Index of the second node.
    pub b: usize,
    /// Lumen radius (µm).
    pub radius_um: f64,
    /// Blood pO2 at the wall (mmHg) used when blood O2 transport is off; the transport
    /// solve replaces it by the pO2 along the flow.
    pub blood_po2_mmhg: f64,
    /// Volume flow from `a` to `b` (nl/min), when known.
    pub flow_nl_per_min: Option<f64>,
    /// Discharge haematocrit, when known.
    pub hematocrit: Option<f64>,
    /// Vessel type code as in Secomb's files (e.g. 1 artery, 2 capillary, 3 vein,
    /// 5 unclassified); 0 when unknown.
    pub kind: i32,
}

impl Segment {
    /// A segment with a radius and a fixed blood pO2, and nothing else known.
    pub fn new(a: usize, b: usize, radius_um: f64, blood_po2_mmhg: f64) -> Self {
        Segment {
            a,
            b,
            radius_um,
            blood_po2_mmhg,
            flow_nl_per_min: None,
            hematocrit: None,
            kind: 0,
        }
    }
}

/// What is given at a boundary node.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BoundaryCondition {
    /// Blood pressure (mmHg).
    Pressure(f64),
    /// Flow into the network (nl/min); negative flows out.
    Flow(f64),
}

/// A node where blood enters or leaves the network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoundaryNode {
    /// Index of the node.
    pub node: usize,
    /// Pressure or flow.
    pub condition: BoundaryCondition,
    /// Discharge haematocrit of blood entering here.
    pub hematocrit: Option<f64>,
    /// pO2 of blood entering here (mmHg).
    pub po2_mmhg: Option<f64>,
}

/// Nodes, segments and boundary nodes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Network {
    /// Node positions (µm).
    pub nodes: Vec<DVec3>,
    /// Segments between nodes.
    pub segments: Vec<Segment>,
    /// Inflow and outflow nodes.
    pub boundary: Vec<BoundaryNode>,
}

/// Summary numbers of a network inside a block.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NetworkStats {
    /// Number of segments.
    pub(crate) segments: usize,
    /// Σ segment lengths (µm).
    pub(crate) total_length_um: f64,
    /// Σ 2πrL (µm²).
    pub(crate) wall_area_um2: f64,
    /// Length per block volume (mm/mm³).
    pub(crate) density_mm_per_mm3: f64,
}

impl Network {
    /// Length of segment `s` (µm).
    pub(crate) fn length(&self, s: &Segment) -> f64 {
        self.nodes[s.a].distance(self.nodes[s.b])
    }

    /// Counts, length, wall area and density in a block of `volume_um3`.
    pub(crate) fn stats(&self, volume_um3: f64) -> NetworkStats {
        let total_length_um: f64 = self.segments.iter().map(|s| self.length(s)).sum();
        let wall_area_um2 = self
            .segments
            .iter()
            .map(|s| std::f64::consts::TAU * s.radius_um * self.length(s))
            .sum();
        NetworkStats {
            segments: self.segments.len(),
            total_length_um,
            wall_area_um2,
            // 1 mm/mm³ = 1e3 µm / 1e9 µm³.
            density_mm_per_mm3: total_length_um / volume_um3 * 1e6,
        }
    }

    /// Σ πr²L (µm³).
    pub(crate) fn lumen_volume_um3(&self) -> f64 {
        self.segments
            .iter()
            .map(|s| std::f64::consts::PI * s.radius_um * s.radius_um * self.length(s))
            .sum()
    }

    /// Smallest and largest node coordinates (µm); None without nodes.
    pub fn bounding_box(&self) -> Option<(DVec3, DVec3)> {
        let first = *self.nodes.first()?;
        Some(
            self.nodes
                .iter()
                .fold((first, first), |(lo, hi), &p| (lo.min(p), hi.max(p))),
        )
    }

    /// True when every segment has a flow.
    pub(crate) fn has_flows(&self) -> bool {
        !self.segments.is_empty() && self.segments.iter().all(|s| s.flow_nl_per_min.is_some())
    }

    /// Moves every node to `p · scale + offset`, scaling radii by `scale` too.
    pub fn transform(&mut self, scale: f64, offset: DVec3) {
        for p in &mut self.nodes {
            *p = *p * scale + offset;
        }
        for s in &mut self.segments {
            s.radius_um *= scale;
        }
    }

    /// Number of segments meeting at each node.
    pub fn degrees(&self) -> Vec<usize> {
        let mut d = vec![0usize; self.nodes.len()];
        for s in &self.segments {
            d[s.a] += 1;
            d[s.b] += 1;
        }
        d
    }

    /// Checks indices, finite coordinates, positive radii and lengths; the message names
    /// the first fault by segment or node index (0-based).
    pub fn check(&self) -> Result<(), String> {
        if let Some(i) = self.nodes.iter().position(|p| !p.is_finite()) {
            return Err(format!("node {i} has a non-finite coordinate"));
        }
        for (i, s) in self.segments.iter().enumerate() {
            if s.a >= self.nodes.len() || s.b >= self.nodes.len() {
                return Err(format!(
                    "segment {i} joins nodes {} and {}, but there are {} nodes",
                    s.a,
                    s.b,
                    self.nodes.len()
                ));
            }
            if !(s.radius_um.is_finite() && s.radius_um > 0.0) {
                return Err(format!(
                    "segment {i} has radius {} µm; radii must be positive",
                    s.radius_um
                ));
            }
            if s.a == s.b || self.length(s) == 0.0 {
                return Err(format!(
                    "segment {i} has zero length (both ends at one point)"
                ));
            }
            if !(s.blood_po2_mmhg.is_finite() && s.blood_po2_mmhg >= 0.0) {
                return Err(format!(
                    "segment {i} has blood pO2 {} mmHg; it must be ≥ 0",
                    s.blood_po2_mmhg
                ));
            }
            if let Some(h) = s.hematocrit {
                if !(0.0..1.0).contains(&h) {
                    return Err(format!(
                        "segment {i} has haematocrit {h}; it must lie in [0, 1)"
                    ));
                }
            }
            if s.flow_nl_per_min.is_some_and(|q| !q.is_finite()) {
                return Err(format!("segment {i} has a non-finite flow"));
            }
        }
        for b in &self.boundary {
            if b.node >= self.nodes.len() {
                return Err(format!(
                    "boundary node {} does not exist ({} nodes)",
                    b.node,
                    self.nodes.len()
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_box_and_transform() {
        let mut net = Network {
            nodes: vec![DVec3::ZERO, DVec3::new(100.0, 0.0, 0.0)],
            segments: vec![Segment::new(0, 1, 5.0, 40.0)],
            boundary: vec![],
        };
        let st = net.stats(1e9);
        assert!((st.total_length_um - 100.0).abs() < 1e-12);
        assert!((st.wall_area_um2 - std::f64::consts::TAU * 500.0).abs() < 1e-9);
        assert!((st.density_mm_per_mm3 - 0.1).abs() < 1e-12);
        net.transform(2.0, DVec3::new(1.0, 2.0, 3.0));
        let (lo, hi) = net.bounding_box().unwrap();
        assert_eq!(lo, DVec3::new(1.0, 2.0, 3.0));
        assert_eq!(hi, DVec3::new(201.0, 2.0, 3.0));
        assert_eq!(net.segments[0].radius_um, 10.0);
        assert!(net.check().is_ok());
        net.segments[0].b = 7;
        assert!(net.check().unwrap_err().contains("segment 0"));
    }
}
