//! The `run` job as a library call: assemble the scenario, solve O2 to steady state on
//! a backend, and write the outputs, `summary.json` last. With `[boundary] medium_um`
//! the solves run on the block in its medium, balances are taken there, and everything
//! else (statistics, fields, figures) on the block: `crop_to_block` is the one place
//! the medium is cut away.

use crate::assemble::{assemble, Assembled, VesselNetwork};
use crate::atomic;
use crate::backend::O2Backend;
use crate::config::Scenario;
use crate::metrics::{self, MassBalance, O2Stats};
use crate::npy;
use crate::output::{blood, ros as output_ros, slices, summary};
use crate::problem::medium::MediumExchange;
use crate::ros::balance::{RosBalance, RosStats};
use crate::ros::steady::RosSteady;
use crate::ros::RosSources;
use crate::solver::{self, SolveReport};
use crate::vessels::coupling::solve_coupled;
use crate::vessels::formats;
use crate::vessels::transport::BloodState;
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// What a run produced.
#[derive(Debug)]
pub struct RunResult {
    /// The output folder.
    pub out_dir: PathBuf,
    /// The assembled problem, on the user's block (with a medium, the solver's problem
    /// cropped; `assembled.medium` says what the solver added).
    pub assembled: Assembled,
    /// The steady pO2 field (mmHg) on the user's block.
    pub po2: Vec<f32>,
    /// The solve.
    pub report: SolveReport,
    /// pO2 statistics.
    pub stats: O2Stats,
    /// Mass balance, over the solver's grid (the medium adds no source or sink).
    pub mass: MassBalance,
    /// O2 crossing the block's faces into and out of the medium, when it is on.
    pub medium_exchange: Option<MediumExchange>,
    /// ROS and antioxidant fields, when `[ros]` is enabled.
    pub ros: Option<RosRun>,
    /// The summary document as written.
    pub summary: serde_json::Value,
    /// What did not converge but was kept under `solver.allow_unconverged` (empty for a
    /// converged run).
    pub not_converged: Vec<String>,
}

/// The default output folder of a scenario: `oxyfield-out/<name>/`.
pub fn default_out_dir(sc: &Scenario) -> PathBuf {
    Path::new("oxyfield-out").join(&sc.name)
}

/// Runs `sc` on `backend`, writing into `out_dir` (created if needed).
pub fn run_scenario(
    sc: &Scenario,
    backend: &mut dyn O2Backend,
    out_dir: &Path,
) -> Result<RunResult> {
    crate::backend::memory::preflight(&sc.solver_grid(), false, backend)?;
    let mut assembled = assemble(sc)?;
    let info = backend.info();
    log::info!(
        "scenario {}: grid {:?} (zyx) at {} µm on {} [{}]",
        sc.name,
        sc.grid().shape_zyx(),
        sc.grid().spacing_um,
        info.kind,
        info.adapter
    );
    let opts = sc.solve_options();
    let (po2, report, blood) = solve_o2(backend, &mut assembled, &opts)?;
    log::info!(
        "O2 steady state ({}): {} iterations ({:.0} sweep-equivalents), relative residual {:.2e}, {:.2} s{}",
        report.method,
        report.iterations,
        report.sweep_equivalents,
        report.residual,
        report.seconds,
        if report.converged {
            ""
        } else {
            " (NOT converged)"
        }
    );
    // Balances on the solver's grid: the medium has no source or sink, so they are the
    // block's, and the O2 it passes between the block's faces cancels in them.
    let solved = &assembled.problem;
    let mass = metrics::mass_balance(solved, &po2);
    let medium_exchange = assembled.medium.map(|m| m.exchange(solved, &po2));
    let transport_summary = match (&assembled.vessels, &blood) {
        (
            Some(VesselNetwork {
                net,
                transport: Some(t),
                ..
            }),
            Some((b, c)),
        ) => Some(blood::summary(
            net,
            t,
            b,
            c,
            &mass,
            sc.spec.vessels.transport.alpha_tissue,
        )),
        _ => None,
    };

    let ros = if sc.spec.ros.enabled {
        Some(solve_ros(sc, backend, solved, &po2)?)
    } else {
        None
    };
    let (po2, ros) = crop_to_block(&mut assembled, po2, ros);
    let problem = &assembled.problem;
    let stats = metrics::o2_stats(problem, &po2);
    let ros = ros.map(|(steady, balance)| ros_run(sc, problem, steady, balance));
    let blood_balance = match (&assembled.vessels, &blood) {
        (Some(_), Some((b, _))) => Some(blood::balance_relative_error(
            b,
            &mass,
            sc.spec.vessels.transport.alpha_tissue,
        )),
        _ => None,
    };
    let kept = accept_result(
        sc,
        &report,
        blood.as_ref().map(|b| &b.1),
        &mass,
        blood_balance,
        ros.as_ref(),
    )?;

    // Only now, with a result to write, do an earlier run's outputs in the folder go.
    crate::output::previous::remove_and_say(out_dir)?;
    std::fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, e))?;
    let out = &sc.spec.output;
    let mut files = Vec::new();
    if out.npy {
        let g = &problem.grid;
        npy::write_field(
            &out_dir.join("o2.npy"),
            &po2,
            g,
            "mmHg",
            "tissue pO2 at steady state",
        )?;
        npy::write_field(
            &out_dir.join("vessels_sv.npy"),
            problem.wall_area_sv(),
            g,
            "1/um",
            "vessel wall area per voxel volume (Sv)",
        )?;
        npy::write_field(
            &out_dir.join("vessels_pb.npy"),
            &problem.pb,
            g,
            "mmHg",
            "blood pO2 at the vessel wall, wall-area weighted (Pb; 0 where Sv = 0)",
        )?;
        files.extend(
            [
                "o2.npy",
                "o2.json",
                "vessels_sv.npy",
                "vessels_sv.json",
                "vessels_pb.npy",
                "vessels_pb.json",
            ]
            .map(String::from),
        );
        let tissue = crate::output::tissue::mask(problem);
        files.extend(crate::output::tissue::write(
            out_dir,
            g,
            &tissue,
            "at steady state",
        )?);
    }
    if let Some(v) = &assembled.vessels {
        files.extend(write_network(out_dir, v, blood.as_ref().map(|b| &b.0))?);
    }
    if out.png {
        let style = slices::SliceStyle {
            limits: out.png_limits_mmhg,
            colormap: out.colormap,
            pixels_per_voxel: out.png_pixels_per_voxel,
        };
        let tissue = crate::output::tissue::mask(problem);
        let title = format!("{}: pO\u{2082}", sc.name);
        for p in slices::write_centre_slices(
            out_dir,
            "o2",
            "o2",
            &po2,
            &problem.grid,
            &style,
            slices::SliceExtras {
                title: Some(&title),
                vessels: Some(&problem.sv),
                tissue: Some(&tissue),
            },
        )? {
            files.push(
                p.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
            );
        }
    }
    if let Some(r) = &ros {
        files.extend(output_ros::write(sc, out_dir, problem, &r.steady)?);
    }
    let mut volume: Vec<(&str, &[f32], &str)> = vec![
        ("o2", &po2, "mmHg"),
        ("vessels_sv", problem.wall_area_sv(), "1/um"),
        ("vessels_pb", &problem.pb, "mmHg"),
    ];
    if let Some(r) = &ros {
        volume.push(("ros", &r.steady.ros, "uM"));
        volume.push(("gsh", &r.steady.gsh, "mM"));
    }
    files.extend(crate::output::volumes::write(
        out_dir,
        &problem.grid,
        out,
        &volume,
    )?);
    files.extend(crate::output::figures::write_steady(
        out_dir, sc, problem, &po2,
    )?);
    files.push("summary.json".into());
    let summary = summary::build(&summary::SummaryInputs {
        scenario: sc,
        assembled: &assembled,
        backend: &info,
        report: &report,
        stats: &stats,
        mass: &mass,
        medium_exchange: medium_exchange.as_ref(),
        files: &files,
        transport: transport_summary,
        not_converged: &kept,
        ros: ros.as_ref().map(|r| {
            (
                output_ros::summary(&r.steady, &r.stats, &r.balance),
                output_ros::gsh_summary(&r.stats),
            )
        }),
    });
    let text = serde_json::to_string_pretty(&summary).expect("JSON of plain values");
    atomic::write(&out_dir.join("summary.json"), text.as_bytes())?;
    Ok(RunResult {
        out_dir: out_dir.to_path_buf(),
        assembled,
        po2,
        report,
        stats,
        mass,
        medium_exchange,
        ros,
        summary,
        not_converged: kept,
    })
}

/// Checks that a steady result may be written: every solve converged and the O2, blood
/// and ROS balances hold to [`metrics::MASS_BALANCE_TOLERANCE`]. Otherwise
/// [`Error::NotConverged`] — or, with `solver.allow_unconverged`, a loud warning and the
/// list of what is wrong, which `summary.json` records (`not_converged`).
fn accept_result(
    sc: &Scenario,
    report: &SolveReport,
    coupling: Option<&crate::vessels::coupling::CouplingReport>,
    mass: &MassBalance,
    blood_balance: Option<f64>,
    ros: Option<&RosRun>,
) -> Result<Vec<String>> {
    let tol = metrics::MASS_BALANCE_TOLERANCE;
    let mut wrong = Vec::new();
    if !report.converged {
        wrong.push(format!(
            "O2 solve not converged ({}, relative residual {:.2e})",
            report.status.name(),
            report.residual
        ));
    }
    if coupling.is_some_and(|c| !c.converged) {
        wrong.push("vessel–tissue coupling not converged".to_string());
    }
    // A balance is only worth tightening the tolerance for when the solve itself was
    // accepted; otherwise the unconverged solve is the cause.
    let fix = |key: &str, ok: bool| {
        if ok {
            format!("; tighten {key} (e.g. 1e-7), or report the scenario as a bug")
        } else {
            String::new()
        }
    };
    if mass.relative_error > tol {
        wrong.push(format!(
            "O2 mass balance error {:.2e} > {tol:.0e} (supply {:.4e}, consumption {:.4e} \
             mmHg·µm³/s){}",
            mass.relative_error,
            mass.supply,
            mass.consumption,
            fix("solver.tolerance", report.converged)
        ));
    }
    if let Some(b) = blood_balance.filter(|&b| b > tol) {
        // The blood march is consistent with the last tissue field only once the
        // coupling has settled: a loose coupling tolerance is the usual cause.
        let settled = coupling.is_none_or(|c| c.converged);
        wrong.push(format!(
            "blood O2 balance error {b:.2e} > {tol:.0e} (in − out ≠ wall exchange){}",
            if settled && report.converged {
                "; tighten vessels.transport.tolerance_mmhg (e.g. 0.01) or solver.tolerance"
            } else {
                ""
            }
        ));
    }
    if let Some(r) = ros {
        if !r.steady.report.converged {
            wrong.push(format!(
                "ROS solve not converged ({}, relative residual {:.2e})",
                r.steady.report.status.name(),
                r.steady.report.residual
            ));
        } else if !r.steady.converged {
            wrong.push(format!(
                "ROS–GSH iteration not settled (G still changing by {:.2e}·G0 after {} R \
                 solves)",
                r.steady.gsh_change, r.steady.gsh_iterations
            ));
        }
        if r.balance.relative_error > tol {
            wrong.push(format!(
                "ROS balance error {:.2e} > {tol:.0e}{}",
                r.balance.relative_error,
                fix("ros.tolerance", r.steady.converged)
            ));
        }
    }
    if !wrong.is_empty() {
        crate::solver::refuse_or_keep(
            &format!(
                "scenario {}: {}; nothing was written",
                sc.name,
                wrong.join("; ")
            ),
            "as named for each",
            sc.spec.solver.allow_unconverged,
        )?;
    }
    Ok(wrong)
}

/// The ROS part of a run.
#[derive(Debug)]
pub struct RosRun {
    /// R and G at steady state.
    pub(crate) steady: RosSteady,
    /// Their statistics over tissue.
    pub stats: RosStats,
    /// The R balance.
    pub balance: RosBalance,
}

/// Solves the joint R–G steady state on `backend` (after O2), and its R balance.
fn solve_ros(
    sc: &Scenario,
    backend: &mut dyn O2Backend,
    problem: &crate::problem::O2Problem,
    po2: &[f32],
) -> Result<(RosSteady, RosBalance)> {
    let params = sc.spec.ros.params();
    let sources = RosSources {
        po2,
        po2_previous: None,
        dose_rate_gy_per_s: params.dose_rate_gy_per_s,
    };
    let r = crate::ros::steady::solve_steady_state(
        backend,
        problem,
        &params,
        &sources,
        &sc.ros_solve_options(),
    )?;
    let bal = crate::ros::balance::balance(problem, &params, &r.production, &r.gsh, &r.ros)?;
    Ok((r, bal))
}

/// The ROS part of a run on `problem` (the block): statistics over its tissue, logged.
fn ros_run(
    sc: &Scenario,
    problem: &crate::problem::O2Problem,
    r: RosSteady,
    bal: RosBalance,
) -> RosRun {
    let params = sc.spec.ros.params();
    let stats = crate::ros::balance::stats(problem, &params, &r.ros, &r.gsh);
    log::info!(
        "ROS steady state: {} R–G iterations, mean {:.4} µM, p95 {:.4} µM, {:.1} % of tissue above {} µM, mean GSH {:.2} mM, balance {:.1e}, {:.2} s{}",
        r.gsh_iterations,
        stats.mean,
        stats.p95,
        100.0 * stats.damage_fraction,
        stats.damage_threshold,
        stats.gsh_mean,
        bal.relative_error,
        r.seconds,
        if r.converged { "" } else { " (NOT converged)" }
    );
    RosRun {
        steady: r,
        stats,
        balance: bal,
    }
}

/// The block's part of a solve: with a medium, the problem, the pO2 field and the ROS
/// fields cropped to the block, so that every statistic and output after this is the
/// block's; unchanged without one.
fn crop_to_block(
    assembled: &mut Assembled,
    po2: Vec<f32>,
    ros: Option<(RosSteady, RosBalance)>,
) -> (Vec<f32>, Option<(RosSteady, RosBalance)>) {
    let Some(m) = assembled.medium else {
        return (po2, ros);
    };
    // The wall map went with the coupling (`solve_o2`): no voxel numbers to crop.
    assembled.problem = m.crop_problem(&assembled.problem);
    let ros = ros.map(|(r, balance)| {
        let steady = RosSteady {
            ros: m.crop(&r.ros),
            gsh: m.crop(&r.gsh),
            production: m.crop(&r.production),
            ..r
        };
        (steady, balance)
    });
    (m.crop(&po2), ros)
}

/// The blood state and coupling report of a solve with blood O2 transport.
pub(crate) type BloodResult = (BloodState, crate::vessels::coupling::CouplingReport);

/// Solves the steady O2 field of `assembled`: coupled with blood O2 transport when the
/// network has it (updating the problem's Pb, and dropping the wall map once the
/// coupling has made its matrices: the blood state per ring and the transport's rings
/// of each segment stay), plain otherwise. With transport it runs once per assembled
/// scenario.
pub(crate) fn solve_o2(
    backend: &mut dyn O2Backend,
    assembled: &mut Assembled,
    opts: &crate::solver::SolveOptions,
) -> Result<(Vec<f32>, SolveReport, Option<BloodResult>)> {
    Ok(match assembled.vessels.as_mut() {
        Some(VesselNetwork {
            transport: Some(t),
            net,
            ..
        }) => {
            let wall = t
                .wall
                .take()
                .expect("solve_o2 runs once per assembled scenario with transport");
            let start = wall.fixed_ring_pb(net);
            let c = solve_coupled(
                backend,
                &mut assembled.problem,
                wall,
                &mut t.transport,
                start,
                opts,
                &t.options,
            )?;
            (c.po2, c.report, Some((c.blood, c.coupling)))
        }
        _ => {
            let problem = &mut assembled.problem;
            let start = problem.initial_guess();
            let (po2, report) =
                solver::host::solve_lent(backend, problem, start, "pO2", "after the solve", opts)?;
            (po2, report, None)
        }
    })
}

/// `network.vtp` (for ParaView; with transport, each segment's mean blood pO2 and its
/// flow) and, with transport, `network_blood.csv`. Returns the file names.
fn write_network(
    out_dir: &Path,
    v: &VesselNetwork,
    blood: Option<&BloodState>,
) -> Result<Vec<String>> {
    let mut files = Vec::new();
    let mut net = v.net.clone();
    if let (Some(b), Some(t)) = (blood, v.transport.as_ref()) {
        let means = blood::segment_mean_po2(&v.net, t.transport.segments(), &b.ring_pb);
        for (s, seg) in net.segments.iter_mut().enumerate() {
            seg.blood_po2_mmhg = means[s];
            seg.flow_nl_per_min =
                Some(t.flows.q_um3_per_s[s] / crate::physics::blood::UM3_PER_S_PER_NL_PER_MIN);
        }
        atomic::write(
            &out_dir.join("network_blood.csv"),
            blood::segment_table(v, b).as_bytes(),
        )?;
        files.push("network_blood.csv".to_string());
    }
    formats::write(
        &net,
        &out_dir.join("network.vtp"),
        Some(formats::Format::Vtp),
    )?;
    files.push("network.vtp".to_string());
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::FieldStore;

    /// Issue 19.4: with blood O2 transport, a coupling iteration sends only values per
    /// ring each way (the blood pO2 up, the wall pO2 down) and residual norms; whole
    /// fields cross once (the problem up at the start, the field and its Pb down at the
    /// end), not once per iteration.
    #[test]
    fn the_blood_coupling_moves_values_per_ring_not_fields() {
        let toml = "seed = 7\n[grid]\nshape_zyx = [20, 28, 28]\nspacing_um = 10.0\n\
                    [vessels.synthetic]\nkind = \"tree\"\ntrees = 2\n\
                    density_mm_per_mm3 = 150.0\nradius_um = [3.0, 5.0]\n\
                    blood_po2_mmhg = [30.0, 50.0]\ninlet_pressure_mmhg = 16.0\n\
                    outlet_pressure_mmhg = 15.0\n[vessels.transport]\nmode = \"auto\"\n";
        let sc =
            Scenario::from_toml(toml, "test.toml", "t", std::path::PathBuf::from(".")).unwrap();
        let mut assembled = crate::assemble::assemble(&sc).unwrap();
        let v = assembled.vessels.as_ref().unwrap();
        let wall = v
            .transport
            .as_ref()
            .and_then(|t| t.wall.as_ref())
            .expect("transport must be on");
        let (rings, entries) = (wall.rings() as u64, wall.ring_rows().col.len() as u64);
        let field = 4 * assembled.problem.grid.len() as u64;
        let mut cpu = crate::backend::cpu::CpuBackend::new();
        let before = cpu.counters();
        let (_, _, blood) = solve_o2(&mut cpu, &mut assembled, &sc.solve_options()).unwrap();
        let used = cpu.counters().since(&before);
        let iterations = u64::from(blood.unwrap().1.iterations);
        assert!(
            iterations >= 3,
            "{iterations} coupling iterations: too few to tell"
        );
        eprintln!(
            "{iterations} coupling iterations, {rings} rings, fields of {field} bytes: \
             {} bytes down, {} bytes up",
            used.bytes_down, used.bytes_up
        );
        // Down: the field and Pb at the end, then per iteration the ring values (the CPU
        // backend does not count its residual norms, which the GPU reads: 4 bytes each).
        let per_iteration_down = used.bytes_down.saturating_sub(2 * field) / iterations;
        assert!(
            per_iteration_down <= 4 * rings,
            "{} bytes down in {iterations} iterations ({rings} rings, fields of {field} bytes)",
            used.bytes_down
        );
        // Up: five fields and the two sparse matrices at the start, then the ring values.
        let start = 5 * field + 4 * (rings + 1 + 2 * entries) + 4 * (field / 4 + 1 + 2 * entries);
        let per_iteration_up = used.bytes_up.saturating_sub(start) / iterations;
        assert!(
            per_iteration_up <= 4 * rings,
            "{} bytes up in {iterations} iterations ({rings} rings, fields of {field} bytes)",
            used.bytes_up
        );
    }
}
