//! Vessel networks and the voxel source map they become.
//!
//! network (generated, or read from a file) → [`rasterise()`] (through a [`WallMap`]) →
//! [`SourceMap`] {Sv, Pb, lumen}; with flows, `transport` marches blood O2 along the
//! network and the coupled solve feeds it back into Pb. A 0/1 voxel mask goes through
//! `mask` instead.

pub(crate) mod coupling;
pub(crate) mod flow;
pub mod formats;
pub mod info;
pub(crate) mod mask;
pub(crate) mod network;
pub(crate) mod plausibility;
pub mod rasterise;
pub(crate) mod segment_rings;
pub mod synthetic;
pub(crate) mod transport;
pub(crate) mod tree;
mod wall_cut;

pub use network::{BoundaryCondition, BoundaryNode, Network, NetworkStats, Segment};
pub use rasterise::{rasterise, SourceMap, WallMap};
