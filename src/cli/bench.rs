//! `oxyfield bench`.

use super::BenchArgs;
use oxyfield::atomic;
use oxyfield::backend::BackendChoice;
use oxyfield::bench::Problem;
use oxyfield::output::summary::utc_now_iso8601;
use oxyfield::{Error, Result};
use serde::Serialize;

/// What `--json` writes: the run's version, date, device and problem beside the
/// problem's own keys `fields` (fields in the file's alphabetical order; the file lists
/// all keys sorted).
#[derive(Debug, Serialize)]
struct BenchJson<'a, T> {
    adapter: &'a str,
    backend: oxyfield::backend::BackendKind,
    /// The CPU backend's row kernels ("avx512f": the smoother's colour pass in 16
    /// AVX-512 lanes, the other rows in 8 AVX2 lanes; "avx2"; "portable"); absent on a
    /// GPU.
    #[serde(skip_serializing_if = "Option::is_none")]
    cpu_kernels: Option<&'static str>,
    date_utc: String,
    oxyfield_version: &'static str,
    problem: Problem,
    tolerance: f64,
    #[serde(flatten)]
    fields: T,
}

/// The keys of a solve benchmark's `--json`.
#[derive(Debug, Serialize)]
struct SolveFields<'a> {
    bytes_moved_per_voxel_sweep: f64,
    bytes_per_voxel_sweep: f64,
    copy_min_bytes: usize,
    sizes: &'a [oxyfield::bench::SizeRow],
}

/// The keys of `--problem protocol`'s `--json`.
#[derive(Debug, Serialize)]
struct ProtocolFields<'a> {
    protocol_toml: &'static str,
    sizes: &'a [oxyfield::bench::ProtocolSizeRow],
}

pub fn bench(args: BenchArgs) -> Result<()> {
    // n³ must stay below the 2³¹-voxel limit of a grid.
    if args.sizes.is_empty() || args.sizes.iter().any(|&n| !(4..=1290).contains(&n)) {
        return Err(Error::input(
            "--sizes",
            format!(
                "{:?}: give sizes between 4 and 1290, e.g. --sizes 64,128,256",
                args.sizes
            ),
        ));
    }
    super::args::backend_and_adapter(BackendChoice::from(args.backend), args.adapter.as_deref())?;
    let mut backend =
        oxyfield::backend::open(BackendChoice::from(args.backend), args.adapter.as_deref())?;
    let info = backend.info();
    println!(
        "oxyfield {} bench ({:?} problem) on {} [{}]",
        oxyfield::VERSION,
        Problem::from(args.problem),
        info.kind,
        info.adapter
    );
    if let Some(kernels) = cpu_kernels(&info) {
        println!("CPU row kernels: {kernels}");
    }
    if Problem::from(args.problem) == oxyfield::bench::Problem::Protocol {
        return protocol(&args, backend.as_mut(), &info);
    }
    let mut rows = Vec::new();
    for &n in &args.sizes {
        rows.push(oxyfield::bench::bench_size(
            backend.as_mut(),
            n,
            Problem::from(args.problem),
            !args.no_baseline,
        )?);
    }
    print!("{}", oxyfield::bench::table(&rows));
    println!(
        "sweep-eq: fine-grid sweep-equivalents to a relative residual of 1e-6; BW ratio: \
         smoothing at {} bytes/voxel (the least a sweep must move) over the copy bandwidth \
         (measured on ≥ {} MiB); BW moved: at the {} bytes/voxel the kernel moves; mean pO2: \
         free voxels, mmHg",
        oxyfield::bench::BYTES_PER_VOXEL_SWEEP,
        oxyfield::bench::COPY_MIN_BYTES >> 20,
        oxyfield::bench::BYTES_MOVED_PER_VOXEL_SWEEP
    );
    write_json(
        &args,
        &info,
        SolveFields {
            bytes_moved_per_voxel_sweep: oxyfield::bench::BYTES_MOVED_PER_VOXEL_SWEEP,
            bytes_per_voxel_sweep: oxyfield::bench::BYTES_PER_VOXEL_SWEEP,
            copy_min_bytes: oxyfield::bench::COPY_MIN_BYTES,
            sizes: &rows,
        },
    )
}

/// Writes `--json` when asked: the run's version, date, device and problem, and the
/// keys of `fields` (see [`BenchJson`]).
fn write_json<T: Serialize>(
    args: &BenchArgs,
    info: &oxyfield::backend::BackendInfo,
    fields: T,
) -> Result<()> {
    let Some(path) = &args.json else {
        return Ok(());
    };
    let text = oxyfield::output::json::pretty(&BenchJson {
        adapter: &info.adapter,
        backend: info.kind,
        cpu_kernels: cpu_kernels(info),
        date_utc: utc_now_iso8601(),
        oxyfield_version: oxyfield::VERSION,
        problem: Problem::from(args.problem),
        tolerance: 1e-6,
        fields,
    });
    atomic::write(path, text.as_bytes())?;
    println!("written {}", path.display());
    Ok(())
}

/// `--problem protocol`: one short protocol run per size.
fn protocol(
    args: &BenchArgs,
    backend: &mut dyn oxyfield::backend::O2Backend,
    info: &oxyfield::backend::BackendInfo,
) -> Result<()> {
    use std::io::Write;
    let mut rows = Vec::new();
    for &n in &args.sizes {
        println!("{n}³: running the protocol (24 steps) …");
        let _ = std::io::stdout().flush();
        let row = oxyfield::bench::bench_protocol(backend, n)?;
        println!(
            "{n}³: {} steps in {:.2} s",
            row.protocol.steps, row.protocol.seconds
        );
        rows.push(row);
    }
    print!("{}", oxyfield::bench::protocol_table(&rows));
    println!(
        "per step: the run's wall time (t=0 s, the first solves, included), the median \
         step's solve time, and the steps' own bytes host→device (up) and device→host \
         (down), submits and dispatches (the start, snapshots and the final read aside; \
         max kB/step leaves out the first step, which sets up the solves)"
    );
    write_json(
        args,
        info,
        ProtocolFields {
            protocol_toml: oxyfield::bench::PROTOCOL_TOML,
            sizes: &rows,
        },
    )
}

/// The CPU backend's row kernels where `info` is the CPU backend's: CPU figures depend
/// on them as GPU figures on the adapter.
fn cpu_kernels(info: &oxyfield::backend::BackendInfo) -> Option<&'static str> {
    (info.kind == oxyfield::backend::BackendKind::Cpu)
        .then(oxyfield::backend::cpu::fast::rows::active)
}
