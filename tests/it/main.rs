//! The integration tests, one binary (as ripgrep does): every file is a module, so
//! wgpu and the crate are linked once rather than once per file, and the shared
//! helpers live in `common`. Run them all with `cargo test --release`, one module with
//! `cargo test --release --test it resident::`.

mod common;

mod analytic_spheroid;
mod animate;
mod bad_inputs;
mod batch;
mod biology;
mod cli;
mod cli_check;
mod cli_contract;
mod cli_network;
mod cli_progress;
mod cli_render;
mod convergence;
mod determinism;
mod drug_kernels;
mod drugs;
mod endpoints;
mod fast_cpu;
mod faults;
mod figures;
mod gpu_vs_cpu;
mod greens_inputs;
mod interruptions;
mod interventions;
mod json_keys;
mod layers;
mod mass_balance;
mod medium;
mod multigrid;
mod network_formats;
mod npy_sources;
mod outputs_contract;
mod plausibility;
mod plots;
mod pointwise;
mod protocol_semantics;
mod report;
mod resident;
mod ros;
mod ros_kernels;
mod shaders;
mod slurm;
mod stats;
mod submits;
mod summary_keys;
mod sweep;
mod therapy;
mod tissue_kernels;
mod validate;
mod vessel_networks;
mod volumes;
mod webdriver;
