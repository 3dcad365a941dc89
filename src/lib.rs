//! oxyfield: oxygen and reactive-oxygen-species fields in tumour tissue, on GPU and CPU.
//!
//! Data flows one way (see README, "Architecture"):
//! scenario TOML → [`config`] (validated [`config::Scenario`]) → [`vessels`] (network →
//! voxel source map) → [`problem::O2Problem`] → a [`backend`] (CPU or GPU, the same
//! discrete update) driven by [`solver`] → [`output`] (npy, summary.json, PNG slices).

pub mod assemble;
pub mod atomic;
pub mod backend;
pub mod batch;
pub mod bench;
pub mod colormap;
pub mod config;
pub mod drugs;
pub mod error;
pub mod figures;
pub mod grid;
pub mod hash;
pub mod interrupt;
pub mod metrics;
pub mod npy;
pub mod output;
pub mod physics;
pub mod problem;
pub mod protocol;
pub mod report;
pub mod rng;
pub mod ros;
pub mod run;
pub mod rundir;
pub mod solver;
pub mod therapy;
pub mod toml_error;
pub mod validate;
pub mod vessels;
pub(crate) mod vtk;

pub use error::{Error, Result};

/// The crate version, recorded in every `summary.json`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
