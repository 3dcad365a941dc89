//! Criterion benches of the O2 kernels and a full steady-state solve at small sizes
//! (CPU always; GPU when an adapter exists). Throughput is in voxels per iteration, so
//! criterion reports voxel-updates/s. `oxyfield bench` covers large grids and
//! copy-bandwidth ratios.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use oxyfield::assemble::assemble;
use oxyfield::backend::cpu::CpuBackend;
use oxyfield::backend::gpu::{GpuBackend, GpuContext};
use oxyfield::backend::O2Backend;
use oxyfield::config::Scenario;
use oxyfield::solver::{solve_steady, SolveOptions};

fn problem(n: usize) -> oxyfield::problem::O2Problem {
    let toml = format!(
        "[grid]\nshape_zyx = [{n}, {n}, {n}]\nspacing_um = 10.0\n[vessels.synthetic]\ndensity_mm_per_mm3 = 100.0\n"
    );
    let sc = Scenario::from_toml(&toml, "bench", "bench", ".".into()).expect("bench scenario");
    assemble(&sc).expect("assemble").problem
}

fn backends() -> Vec<(&'static str, Box<dyn O2Backend>)> {
    let mut v: Vec<(&str, Box<dyn O2Backend>)> = vec![("cpu", Box::new(CpuBackend::new()))];
    match GpuContext::open(None, true).and_then(GpuBackend::new) {
        Ok(g) => v.push(("gpu", Box::new(g))),
        Err(e) => eprintln!("GPU benches skipped: {e}"),
    }
    v
}

fn kernels(c: &mut Criterion) {
    let mut group = c.benchmark_group("o2_kernels");
    for n in [32usize, 64] {
        let p = problem(n);
        let start = p.initial_guess();
        let voxels = p.grid.len() as u64;
        for (name, mut b) in backends() {
            b.load(&p, &[], &start).expect("load");
            // Ten sweeps, then one scalar read-back so the GPU work is complete; the
            // read-back's latency is spread over ten sweeps, as in the solver.
            group.throughput(Throughput::Elements(10 * voxels));
            let id = BenchmarkId::new(format!("{name}/sor_sweep_x10"), n);
            group.bench_with_input(id, &n, |bench, _| {
                bench.iter(|| {
                    b.smooth(0, 10, 1.8).expect("sweep");
                    b.residual_sq_sum().expect("sync")
                })
            });
            group.throughput(Throughput::Elements(voxels));
            let id = BenchmarkId::new(format!("{name}/residual"), n);
            group.bench_with_input(id, &n, |bench, _| {
                bench.iter(|| b.residual_sq_sum().expect("residual"))
            });
        }
    }
    group.finish();
}

fn full_solve(c: &mut Criterion) {
    let mut group = c.benchmark_group("o2_steady_state");
    group.sample_size(10);
    let p = problem(48);
    for (name, mut b) in backends() {
        group.bench_function(BenchmarkId::new(name, 48), |bench| {
            bench.iter(|| {
                let opts = SolveOptions::default();
                oxyfield::solver::load(b.as_mut(), &p, opts.method, &p.initial_guess())
                    .expect("load");
                let r = solve_steady(b.as_mut(), &p, &opts).expect("solve");
                assert!(r.converged);
                r.iterations
            })
        });
    }
    group.finish();
}

fn v_cycle(c: &mut Criterion) {
    let mut group = c.benchmark_group("o2_multigrid");
    group.sample_size(10);
    let p = problem(64);
    let coarse = oxyfield::problem::hierarchy::coarse_levels(&p);
    for (name, mut b) in backends() {
        b.load(&p, &coarse, &p.initial_guess()).expect("load");
        group.throughput(Throughput::Elements(p.grid.len() as u64));
        // One V(2,2) cycle by hand, then a scalar read-back for completion.
        group.bench_function(BenchmarkId::new(format!("{name}/v_cycle"), 64), |bench| {
            bench.iter(|| {
                let levels = b.levels();
                for l in 0..levels - 1 {
                    b.smooth(l, 2, 1.15).expect("smooth");
                    b.restrict(l).expect("restrict");
                }
                b.smooth(levels - 1, 8, 1.0).expect("coarsest");
                for l in (0..levels - 1).rev() {
                    b.prolong(l).expect("prolong");
                    b.smooth(l, 2, 1.15).expect("smooth");
                }
                b.residual_sq_sum().expect("sync")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, kernels, v_cycle, full_solve);
criterion_main!(benches);
