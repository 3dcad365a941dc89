//! Vessel networks and the voxel source map they become.
//!
//! network (generated, or read from a file in a later release) → [`rasterise()`] →
//! [`SourceMap`] {Sv, Pb, lumen}.

pub mod network;
pub mod rasterise;
pub mod synthetic;

pub use network::{Network, NetworkStats, Segment};
pub use rasterise::{rasterise, SourceMap};
