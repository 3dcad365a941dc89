//! `oxyfield validate`: the quick suite passes on both backends with the tolerances it
//! prints, and a deliberately wrong parameter makes its case fail (the suite can fail).

use crate::common;

use oxyfield::backend::cpu::CpuBackend;
use oxyfield::backend::O2Backend;
use oxyfield::validate::{self, Check, Mode, Options, Perturbation, Status};

fn quick() -> Options {
    Options {
        mode: Mode::Quick,
        perturb: None,
    }
}

fn report(label: &str, checks: &[Check]) {
    eprintln!("{label}:\n{}", validate::table(checks));
}

#[test]
fn quick_suite_passes_on_cpu() {
    let checks = validate::run(&mut CpuBackend::new(), None, &quick()).unwrap();
    report("cpu", &checks);
    assert!(checks.len() >= 14);
    for c in &checks {
        assert!(
            c.status != Status::Fail,
            "{}: {} = {} (tolerance {})",
            c.case,
            c.quantity,
            c.error,
            c.tolerance
        );
    }
    // Without a second backend the agreement case is skipped, and says so.
    assert!(checks
        .iter()
        .any(|c| c.case == "gpu-vs-cpu" && c.status == Status::Skip));
}

#[test]
fn quick_suite_passes_on_gpu_and_agrees_with_cpu() {
    let Some(mut gpu) = common::gpu_backend("quick_suite_passes_on_gpu_and_agrees_with_cpu") else {
        return;
    };
    let mut cpu = CpuBackend::new();
    let checks = validate::run(&mut gpu, Some(&mut cpu as &mut dyn O2Backend), &quick()).unwrap();
    report("gpu", &checks);
    assert!(
        checks.iter().all(|c| c.status == Status::Pass),
        "every check runs and passes"
    );
}

#[test]
fn halved_diffusivity_fails_its_case_and_only_its_case() {
    for case in ["spheroid-oxygenated", "line-source", "cosine-decay"] {
        let opts = Options {
            mode: Mode::Quick,
            perturb: Some(Perturbation {
                case: case.into(),
                diffusivity_factor: 0.5,
            }),
        };
        let checks = validate::run(&mut CpuBackend::new(), None, &opts).unwrap();
        let failed: Vec<&Check> = checks.iter().filter(|c| c.status == Status::Fail).collect();
        assert!(!failed.is_empty(), "{case}: halving D went unnoticed");
        assert!(
            failed.iter().all(|c| c.case == case),
            "{case}: other cases failed too: {failed:?}"
        );
    }
}
