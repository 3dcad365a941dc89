//! Plausibility warnings about an imported network (see [`crate::config::plausibility`]
//! for what a plausibility warning is and how it prints).

use crate::config::plausibility::{blood_po2, MAX_BLOOD_PO2_MMHG, NETWORK_EXTENT_RANGE};
use crate::grid::Grid;
use crate::vessels::Network;
use std::path::Path;

/// The warnings about a network file placed in `grid` (positions in µm): its extent
/// against the block's, and blood pO2 values the file gives.
pub(crate) fn network_file(path: &Path, net: &Network, grid: &Grid) -> Vec<String> {
    let mut out = Vec::new();
    let file = path.display();
    if let Some((lo, hi)) = net.bounding_box() {
        let side = (hi - lo).max_element();
        let block = grid.extent_um().max_element();
        let ratio = side / block;
        let [small, large] = NETWORK_EXTENT_RANGE;
        if ratio < small {
            out.push(format!(
                "{file}: after placement the network spans only {side:.3} µm, {:.2} % of \
                 the block's {block:.0} µm, so most tissue is far from any vessel: is the \
                 file in mm? set `vessels.network.scale` = 1000 (coordinates and radii \
                 are multiplied by it)",
                100.0 * ratio
            ));
        } else if ratio > large {
            out.push(format!(
                "{file}: after placement the network spans {side:.0} µm, {ratio:.0} times \
                 the block's {block:.0} µm, so the block holds a small part of it: check \
                 `vessels.network.scale` (e.g. 0.001 for a file in nm) and the block size \
                 ([grid])"
            ));
        }
    }
    let given = net
        .boundary
        .iter()
        .filter_map(|b| b.po2_mmhg)
        .chain(net.segments.iter().map(|s| s.blood_po2_mmhg))
        .fold(0.0f64, f64::max);
    if given > MAX_BLOOD_PO2_MMHG {
        out.push(format!(
            "{file}: {} (the highest pO2 the file or `vessels.network.blood_po2_mmhg` \
             gives)",
            blood_po2(given)
        ));
    }
    out
}
