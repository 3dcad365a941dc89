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

/// `render --plane`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlaneArg {
    /// Constant z; x right, y up.
    Xy,
    /// Constant y; x right, z up.
    Xz,
    /// Constant x; y right, z up.
    Yz,
}

impl From<PlaneArg> for oxyfield::figures::Plane {
    fn from(p: PlaneArg) -> Self {
        use oxyfield::figures::Plane;
        match p {
            PlaneArg::Xy => Plane::Xy,
            PlaneArg::Xz => Plane::Xz,
            PlaneArg::Yz => Plane::Yz,
        }
    }
}

/// `render --projection`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProjectionArg {
    /// The largest value along the normal.
    Max,
    /// The smallest value along the normal.
    Min,
    /// The mean along the normal.
    Mean,
}

impl From<ProjectionArg> for oxyfield::figures::Projection {
    fn from(p: ProjectionArg) -> Self {
        use oxyfield::figures::Projection;
        match p {
            ProjectionArg::Max => Projection::Max,
            ProjectionArg::Min => Projection::Min,
            ProjectionArg::Mean => Projection::Mean,
        }
    }
}

/// `render --colormap`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColormapArg {
    /// Perceptually uniform, dark blue to yellow (the default).
    Viridis,
    /// Perceptually uniform, black to light yellow through red.
    Magma,
    /// Perceptually uniform, black to yellow through red.
    Inferno,
    /// Readable with colour-vision deficiency, blue to yellow.
    Cividis,
    /// Diverging, blue to red through white (signed fields).
    #[value(name = "RdBu_r")]
    RdBuR,
}

impl From<ColormapArg> for oxyfield::colormap::Colormap {
    fn from(c: ColormapArg) -> Self {
        use oxyfield::colormap::Colormap;
        match c {
            ColormapArg::Viridis => Colormap::VIRIDIS,
            ColormapArg::Magma => Colormap::MAGMA,
            ColormapArg::Inferno => Colormap::INFERNO,
            ColormapArg::Cividis => Colormap::CIVIDIS,
            ColormapArg::RdBuR => Colormap::RDBU_R,
        }
    }
}

/// `render --plot`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlotArg {
    /// The pO2 histogram and the hypoxic volume histogram.
    Histogram,
    /// pO2 against the distance to the nearest vessel.
    Distance,
    /// Hypoxic fractions and mean pO2 over a protocol.
    Timeline,
}

/// `network --format` and `--to`: a network file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// By the file's extension: .dat Secomb, .vtp VTK, .csv tables.
    Auto,
    /// Secomb's GreensV4/NetFlow `network.dat`.
    #[value(alias = "dat")]
    Secomb,
    /// VTK XML PolyData.
    #[value(alias = "vtk")]
    Vtp,
    /// A nodes table and a segments table (STEM_nodes.csv, STEM_segments.csv).
    Csv,
}

impl FormatArg {
    /// The format asked for; None: by extension.
    pub fn format(arg: Option<FormatArg>) -> Option<oxyfield::vessels::formats::Format> {
        use oxyfield::vessels::formats::Format;
        match arg? {
            FormatArg::Auto => None,
            FormatArg::Secomb => Some(Format::Secomb),
            FormatArg::Vtp => Some(Format::Vtp),
            FormatArg::Csv => Some(Format::Csv),
        }
    }
}
