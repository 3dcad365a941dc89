//! The rings of each segment of a network: the numbering of the blood pO2 per ring
//! that the wall map, the coupling, the blood march and the outputs share.

/// Which rings belong to which segment: all that the blood march and the outputs read
/// of a [`WallMap`](super::WallMap) once the coupling holds its matrices, and what the
/// blood transport keeps when the map goes ([`super::transport::Transport`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SegmentRings {
    /// Rings of segment s: `ring_start[s]..ring_start[s + 1]`.
    ring_start: Vec<usize>,
}

impl Default for SegmentRings {
    fn default() -> Self {
        SegmentRings {
            ring_start: vec![0],
        }
    }
}

impl SegmentRings {
    /// Appends the next segment, with `n` rings.
    pub(crate) fn push(&mut self, n: usize) {
        self.ring_start.push(self.rings() + n);
    }

    /// Number of rings over all segments.
    pub(crate) fn rings(&self) -> usize {
        self.ring_start[self.ring_start.len() - 1]
    }

    /// The rings of segment `s`, from node `a` to node `b`.
    pub(crate) fn rings_of(&self, s: usize) -> std::ops::Range<usize> {
        self.ring_start[s]..self.ring_start[s + 1]
    }
}
