//! Command-line interface: clap definitions here, one file per command.

mod args;
mod batch;
mod bench;
mod check;
mod choices;
mod devices;
pub mod logging;
mod network;
mod progress;
mod render;
mod render_plot;
mod run;
mod validate;

use choices::{BackendArg, ColormapArg, FormatArg, PlaneArg, PlotArg, ProblemArg, ProjectionArg};
use clap::{Parser, Subcommand};
use oxyfield::Result;
use std::path::PathBuf;

/// oxyfield: oxygen and ROS fields in tumour tissue, on GPU and CPU.
#[derive(Debug, Parser)]
#[command(name = "oxyfield", version, about, long_about = None)]
pub struct Cli {
    /// More log output: -v debug (each solve's details), -vv trace (also the residual at
    /// every convergence check, and the GPU libraries' own logs). RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Only warnings and errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Solve a scenario (the embedded default when none is given) and write its outputs.
    Run(RunArgs),
    /// List the GPU adapters wgpu can see.
    Devices,
    /// Time steady-state solves (multigrid and red–black SOR) and the smoothing kernel
    /// against the device's copy bandwidth.
    Bench(BenchArgs),
    /// Run the analytic validation cases (docs/model.md) on this device and print
    /// expected, got, error and tolerance for each; exit code 1 if any fails.
    Validate(ValidateArgs),
    /// Vessel network files: print numbers, convert between formats, export a
    /// scenario's synthetic network.
    Network(NetworkArgs),
    /// Validate a therapy protocol file (or a scenario and the protocol it names) and
    /// print the expanded event timeline.
    Check(CheckArgs),
    /// Render figures (slices, projections, montages) from a run's output folder without
    /// re-simulating.
    Render(RenderArgs),
    /// Print the scenarios of a sweep file, one JSON object per line (index, id,
    /// parameters), for workflow managers.
    Plan(PlanArgs),
    /// Run the scenarios of a sweep file (or one shard of them), each into OUT/ID/.
    Batch(BatchArgs),
    /// Gather a batch's finished scenarios into batch.csv and a montage.
    Collect(CollectArgs),
    /// Write DIR/report.html for a run or a batch folder: figures, the sortable
    /// scenario table, the timeline, provenance; self-contained, opens from a file.
    Report(ReportArgs),
}

/// Arguments of `oxyfield report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// A run's output folder (--out of `oxyfield run`) or a batch's (after `collect`).
    pub dir: PathBuf,
}

/// Arguments of `oxyfield plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// Sweep TOML file.
    pub sweep: PathBuf,
    /// Only shard I of N ("I/N", 0-based).
    #[arg(long)]
    pub shard: Option<String>,
}

/// Arguments of `oxyfield batch`.
#[derive(Debug, clap::Args)]
pub struct BatchArgs {
    /// Sweep TOML file.
    pub sweep: PathBuf,
    /// Output folder [default: oxyfield-out/SWEEP_NAME/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Run only shard I of N ("I/N", 0-based; run k belongs to shard k mod N)
    /// [default: the Slurm array task when SLURM_ARRAY_TASK_ID is set, else all].
    #[arg(long)]
    pub shard: Option<String>,
    /// Skip scenarios whose folder is finished (has manifest.json): resumes a batch.
    #[arg(long)]
    pub skip_existing: bool,
    /// Collect the results afterwards (batch.csv and a montage).
    #[arg(long)]
    pub collect: bool,
    /// Backend: auto uses a hardware GPU when present, else the CPU.
    #[arg(long, value_enum, default_value_t = BackendArg::Auto)]
    pub backend: BackendArg,
    /// Use the adapter whose name contains this text (see `oxyfield devices`).
    #[arg(long, conflicts_with = "devices")]
    pub adapter: Option<String>,
    /// Run concurrently on several GPUs, one worker each: "all" (every hardware GPU,
    /// else the software adapter) or adapter numbers from `oxyfield devices`, e.g. 0,1.
    #[arg(long)]
    pub devices: Option<String>,
    /// Concurrent workers (per device with --devices), each with its own backend.
    #[arg(long, default_value_t = 1)]
    pub jobs: usize,
}

/// Arguments of `oxyfield collect`.
#[derive(Debug, clap::Args)]
pub struct CollectArgs {
    /// A batch's output folder.
    pub dir: PathBuf,
    /// Colour limits of the montage "LOW,HIGH" (mmHg) [default: 0,100].
    #[arg(long, allow_hyphen_values = true)]
    pub limits: Option<String>,
}

/// Arguments of `oxyfield render`.
#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// Output folder of a run (its --out). Several folders make a montage comparing
    /// the runs (same field, plane and limits; one panel per run).
    #[arg(required = true, num_args = 1..)]
    pub run_dirs: Vec<PathBuf>,
    /// Field to draw: a NAME.npy in the folder (o2, ros, gsh, viable, …).
    #[arg(long, default_value = "o2")]
    pub field: String,
    /// Plane.
    #[arg(long, value_enum, default_value_t = PlaneArg::Xy)]
    pub plane: PlaneArg,
    /// Position along the plane's normal: "centre", a voxel index ("12"), or µm
    /// ("320um").
    #[arg(long, default_value = "centre")]
    pub at: String,
    /// Project along the normal instead of slicing.
    #[arg(long, value_enum)]
    pub projection: Option<ProjectionArg>,
    /// A montage: "planes" (xy, xz, yz through the centre), "levels:N" (N evenly spaced
    /// slices along the normal) or "snapshots" (the field over protocol time).
    #[arg(long)]
    pub montage: Option<String>,
    /// Colour map [default: viridis; RdBu_r with --minus].
    #[arg(long, value_enum)]
    pub colormap: Option<ColormapArg>,
    /// Colour limits "LOW,HIGH" in the field's units, negative ones included
    /// ("-10,10") [default: the field's usual limits (0–100 mmHg for pO2), else the
    /// data's range].
    #[arg(long, allow_hyphen_values = true)]
    pub limits: Option<String>,
    /// Isolines "2.5,10" (field units; the first solid, the rest dashed) or "none"
    /// [default: 10 dashed and 2.5 solid for pO2, none otherwise].
    #[arg(long, allow_hyphen_values = true)]
    pub contours: Option<String>,
    /// Leave out vessel outlines (drawn on slices from vessels_sv.npy when the folder
    /// has it; never on projections).
    #[arg(long)]
    pub no_vessels: bool,
    /// Resolution in dots per inch (recorded in the PNG).
    #[arg(long, default_value_t = 150)]
    pub dpi: u32,
    /// Width of the (widest) panel in inches.
    #[arg(long, default_value_t = 3.0)]
    pub width_in: f64,
    /// Title above the figure.
    #[arg(long)]
    pub title: Option<String>,
    /// Draw RUN_DIR's field minus this run's (treated against control, or two
    /// scenarios on one grid): a diverging map centred at 0 with symmetric limits
    /// unless --colormap or --limits say otherwise; no isolines unless --contours.
    #[arg(long, value_name = "OTHER_RUN_DIR", conflicts_with_all = ["plot", "animate"])]
    pub minus: Option<PathBuf>,
    /// An animated PNG of the field's protocol snapshots (the chosen plane, position
    /// or projection), one frame per snapshot with its time.
    #[arg(long, conflicts_with_all = ["plot", "montage"])]
    pub animate: bool,
    /// A plot instead of a picture (PNG and SVG).
    #[arg(long, value_enum, conflicts_with_all = ["projection", "montage"])]
    pub plot: Option<PlotArg>,
    /// Frame time of an animation (ms; with --animate).
    #[arg(long, default_value_t = 500, requires = "animate")]
    pub frame_ms: u32,
    /// Output PNG (a plot: its PNG, with the SVG beside it) [default:
    /// RUN_DIR/figures/NAME.png, NAME from the field and options].
    #[arg(short, long)]
    pub out: Option<PathBuf>,
}

/// Arguments of `oxyfield check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// A protocol TOML file (with `schema_version`), or a scenario file.
    pub file: PathBuf,
}

/// Arguments of `oxyfield network`.
#[derive(Debug, clap::Args)]
pub struct NetworkArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: NetworkCommand,
}

/// How to read a network file.
#[derive(Debug, Clone, clap::Args)]
pub struct NetworkReadArgs {
    /// Input format [default: auto].
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// VTK: name of the radius array [default: "Node Radius", else "radius"].
    #[arg(long)]
    pub radius_array: Option<String>,
    /// VTK: the radius array holds diameters.
    #[arg(long)]
    pub diameter: bool,
    /// CSV: the segments table [default: STEM_segments.csv beside STEM_nodes.csv].
    #[arg(long)]
    pub segments_csv: Option<PathBuf>,
}

/// `oxyfield network` commands.
#[derive(Debug, Subcommand)]
pub enum NetworkCommand {
    /// Print counts, total length, volume, density, radius histogram and bounding box.
    Info {
        /// The network file.
        file: PathBuf,
        /// How to read it.
        #[command(flatten)]
        read: NetworkReadArgs,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Convert between formats (by the output's extension unless --to is given).
    Convert {
        /// The network file to read.
        input: PathBuf,
        /// The file to write (.dat, .vtp, or .csv for STEM_nodes.csv and
        /// STEM_segments.csv).
        output: PathBuf,
        /// How to read the input.
        #[command(flatten)]
        read: NetworkReadArgs,
        /// Output format [default: auto, by the output's extension].
        #[arg(long, value_enum)]
        to: Option<FormatArg>,
        /// Multiply coordinates and radii by this (e.g. 1000 for a file in mm).
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
    },
    /// Write the synthetic network of a scenario (the embedded default when none is
    /// given) to a file, for other tools.
    Generate {
        /// Scenario TOML file with a [vessels.synthetic] table.
        scenario: Option<PathBuf>,
        /// The file to write (.dat, .vtp or .csv).
        #[arg(short, long)]
        output: PathBuf,
        /// Output format [default: auto, by the output's extension].
        #[arg(long, value_enum)]
        to: Option<FormatArg>,
    },
}

/// Arguments of `oxyfield validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Backend: auto uses a hardware GPU when present, else the CPU.
    #[arg(long, value_enum, default_value_t = BackendArg::Auto)]
    pub backend: BackendArg,
    /// Use the adapter whose name contains this text (see `oxyfield devices`).
    #[arg(long)]
    pub adapter: Option<String>,
    /// Every case once on small grids (the default; under a minute on 2 CPU cores).
    #[arg(long, conflicts_with = "full")]
    pub quick: bool,
    /// Also refine the refinable cases twice and report observed convergence orders
    /// (grids up to 124³ and 388 × 388 × 8: about 7 s on 2 CPU cores).
    #[arg(long)]
    pub full: bool,
    /// Also write the table as JSON (adapter, backend, date and mode included).
    #[arg(long)]
    pub json: Option<PathBuf>,
}

/// Arguments of `oxyfield bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Grid sizes n (n³ voxels at 10 µm), comma-separated (32,64 with --problem
    /// protocol).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "64,128,256",
        default_value_if("problem", "protocol", "32,64")
    )]
    pub sizes: Vec<usize>,
    /// Backend: auto uses a hardware GPU when present, else the CPU.
    #[arg(long, value_enum, default_value_t = BackendArg::Auto)]
    pub backend: BackendArg,
    /// Use the adapter whose name contains this text (see `oxyfield devices`).
    #[arg(long)]
    pub adapter: Option<String>,
    /// Also write the results as JSON (adapter, backend and date included).
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Skip the red–black SOR baseline (it takes O(n) sweeps).
    #[arg(long)]
    pub no_baseline: bool,
    /// The problem: the default scenario's vascularised tissue, a
    /// diffusion-dominated block (no vessels, one fixed face), or a 24-step protocol on
    /// the tissue (time, bytes host↔device, submits and dispatches per step).
    #[arg(long, value_enum, default_value_t = ProblemArg::Tissue)]
    pub problem: ProblemArg,
}

/// Arguments of `oxyfield run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario TOML file; without it, the embedded default scenario runs.
    pub scenario: Option<PathBuf>,
    /// Output folder [default: oxyfield-out/NAME/, NAME the scenario's name]. The
    /// outputs an earlier run wrote there are removed first (not with --resume); other
    /// files stay.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Backend: auto uses a hardware GPU when present, else the CPU.
    #[arg(long, value_enum, default_value_t = BackendArg::Auto)]
    pub backend: BackendArg,
    /// Use the adapter whose name contains this text (see `oxyfield devices`).
    #[arg(long)]
    pub adapter: Option<String>,
    /// Run this therapy protocol (overrides the scenario's `protocol` key).
    #[arg(long)]
    pub protocol: Option<PathBuf>,
    /// Continue an interrupted protocol run from OUT/checkpoint.bin (same scenario and
    /// protocol); ends with the same results as a run that never stopped.
    #[arg(long)]
    pub resume: bool,
    /// Stop the protocol at this simulated time (e.g. "2w", "36h"), at the end of the
    /// step that reaches it, writing OUT/checkpoint.bin; continue later with --resume.
    #[arg(long, value_name = "DURATION")]
    pub until: Option<String>,
}

/// Runs the parsed command.
pub fn dispatch(cli: Cli) -> Result<()> {
    match cli.command {
        // The two commands that stop cleanly on Ctrl-C (see `oxyfield::interrupt`);
        // every other command keeps the default: the signal ends it at once.
        Command::Run(args) => {
            oxyfield::interrupt::install();
            run::run(args)
        }
        Command::Devices => devices::devices(),
        Command::Bench(args) => bench::bench(args),
        Command::Validate(args) => validate::validate(args),
        Command::Network(args) => network::network(args),
        Command::Check(args) => check::check(args),
        Command::Render(args) => render::render(args),
        Command::Plan(args) => batch::plan(args),
        Command::Batch(args) => {
            oxyfield::interrupt::install();
            batch::batch(args)
        }
        Command::Collect(args) => batch::collect(args),
        Command::Report(args) => {
            let path = oxyfield::report::write_report(&args.dir)?;
            println!("{}", path.display());
            Ok(())
        }
    }
}
