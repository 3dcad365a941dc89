//! A vessel network: nodes in µm and straight cylindrical segments between them.

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
    /// Blood pO2 at the wall (mmHg).
    pub blood_po2_mmhg: f64,
}

/// Nodes and segments.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Network {
    /// Node positions (µm).
    pub nodes: Vec<DVec3>,
    /// Segments between nodes.
    pub segments: Vec<Segment>,
}

/// Summary numbers of a network inside a block.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NetworkStats {
    /// Number of segments.
    pub segments: usize,
    /// Σ segment lengths (µm).
    pub total_length_um: f64,
    /// Σ 2πrL (µm²).
    pub wall_area_um2: f64,
    /// Length per block volume (mm/mm³).
    pub density_mm_per_mm3: f64,
}

impl Network {
    /// Length of segment `s` (µm).
    pub fn length(&self, s: &Segment) -> f64 {
        self.nodes[s.a].distance(self.nodes[s.b])
    }

    /// Counts, length, wall area and density in a block of `volume_um3`.
    pub fn stats(&self, volume_um3: f64) -> NetworkStats {
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
}
