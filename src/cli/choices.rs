//! The command line's choice lists: clap's `ValueEnum` mirrors of the library's enums
//! (clap stays in the binary), each converting into its library type. The doc comment
//! of a variant is its `--help` text.

use oxyfield::backend::BackendChoice;
use oxyfield::bench::Problem;

/// `--backend`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendArg {
    /// A hardware GPU when there is one, otherwise the CPU backend.
    Auto,
    /// The GPU backend on any adapter, software ones included.
    Gpu,
    /// The CPU backend.
    Cpu,
}

impl From<BackendArg> for BackendChoice {
    fn from(b: BackendArg) -> Self {
        match b {
            BackendArg::Auto => BackendChoice::Auto,
            BackendArg::Gpu => BackendChoice::Gpu,
            BackendArg::Cpu => BackendChoice::Cpu,
        }
    }
}

/// `bench --problem`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProblemArg {
    /// The default scenario's tissue: synthetic vasculature at 100 mm/mm³, M = 15
    /// mmHg/s. Vessel exchange and consumption damp the slow error modes, so even SOR
    /// needs a size-independent ~75–100 sweeps here.
    Tissue,
    /// Diffusion-dominated: no vessels, one face held at 60 mmHg, M = 2 mmHg/s. Slow
    /// modes dominate; this is where multigrid's size independence pays.
    Diffusion,
    /// BioFVM's kind of problem (docs/benchmarks.md, "Columns"): ten vertical vessel
    /// columns held at 38 mmHg, D = 1e5 µm²/min, a uniform linear sink of 10.1/min,
    /// no-flux faces.
    Columns,
    /// A short protocol on the tissue problem with ROS on: 24 h in 1 h steps, a 2 Gy
    /// fraction at 2 h and one evofosfamide dose at 0 h; reports time, host↔device
    /// bytes, submits and dispatches per step.
    Protocol,
}

impl From<ProblemArg> for Problem {
    fn from(p: ProblemArg) -> Self {
        match p {
            ProblemArg::Tissue => Problem::Tissue,
            ProblemArg::Diffusion => Problem::Diffusion,
            ProblemArg::Columns => Problem::Columns,
            ProblemArg::Protocol => Problem::Protocol,
        }
    }
}
