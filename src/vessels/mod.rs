//! Vessel networks and the voxel source map they become.
//!
//! network (generated, or read from a file in a later release) → [`rasterise()`] →
//! [`SourceMap`] {Sv, Pb, lumen}.

pub mod formats;
pub mod network;
pub mod rasterise;
pub mod synthetic;
pub mod tree;

pub use network::{BoundaryCondition, BoundaryNode, Network, NetworkStats, Segment};
pub use rasterise::{rasterise, SourceMap};
