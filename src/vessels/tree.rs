//! Branching trees with Murray's-law radii (stub; being written).

use super::network::Network;
use crate::config::schema::SyntheticSpec;
use crate::grid::Grid;

/// Grows trees filling `grid` according to `spec`, fixed by `seed`.
pub fn generate(grid: &Grid, spec: &SyntheticSpec, seed: u64) -> Network {
    let _ = (grid, spec, seed);
    Network::default()
}
