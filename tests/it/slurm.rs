//! The example job script `assets/slurm/sweep_array.sbatch` under a real Slurm: a 4-task
//! array job of an 8-scenario sweep runs every planned scenario exactly once, each in the
//! array task whose shard it belongs to (plan index ≡ task id mod 4), and leaves one
//! finished folder per scenario.
//!
//! Needs a running Slurm with an idle node on this host (`.ci/slurm-up`, as root, starts
//! a single-node one on loopback); without one the test is skipped, unless
//! `OXYFIELD_REQUIRE_SLURM=1`, which makes it fail instead.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Array tasks, and so shards.
const TASKS: usize = 4;
/// The most the array job may take, queueing included, before the test gives up.
const JOB_TIMEOUT: Duration = Duration::from_secs(300);

fn require_slurm() -> bool {
    std::env::var("OXYFIELD_REQUIRE_SLURM").is_ok_and(|v| v.trim() == "1")
}

/// Notes on stderr why the test is skipped (the caller returns), or with
/// `OXYFIELD_REQUIRE_SLURM=1` fails.
fn unavailable(why: &str) {
    if require_slurm() {
        panic!("OXYFIELD_REQUIRE_SLURM=1 but {why}; start Slurm with `.ci/slurm-up` (as root)");
    }
    eprintln!(
        "skipped: {why}; to run this test, start a single-node Slurm on this host with \
         `.ci/slurm-up` (as root), or set OXYFIELD_REQUIRE_SLURM=1 to make this a failure"
    );
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|dir| dir.join(tool).is_file()))
}

/// A finished command's status and output; `None` for the status when it ran past
/// `limit` and was killed.
struct Ran {
    status: Option<ExitStatus>,
    stdout: String,
    stderr: String,
}

/// Runs `cmd` for at most `limit`, reading its output as it goes.
fn run_for(cmd: &mut Command, limit: Duration) -> std::io::Result<Ran> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            String::from_utf8_lossy(&v).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait()? {
            break Some(s);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Ok(Ran {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    })
}

/// Whether Slurm answers with a node that can take a job now (idle or partly used);
/// otherwise what it said. A node in another state (just finishing a job, say) gets
/// a few seconds.
fn slurm_node_ready() -> Result<(), String> {
    let start = Instant::now();
    let mut last = String::new();
    while start.elapsed() < Duration::from_secs(6) {
        match run_for(
            Command::new("sinfo").args(["-h", "-o", "%t"]),
            Duration::from_secs(5),
        ) {
            Err(e) => return Err(format!("sinfo could not run: {e}")),
            Ok(r) => {
                let states: Vec<&str> = r.stdout.split_whitespace().collect();
                if r.status.is_some_and(|s| s.success())
                    && states.iter().any(|s| matches!(*s, "idle" | "mix"))
                {
                    return Ok(());
                }
                last = match r.status {
                    // A controller that is down makes sinfo retry for ~10 s: no point
                    // asking again.
                    None => {
                        return Err("sinfo did not answer within 5 s (is slurmctld running?)".into())
                    }
                    Some(s) if !s.success() => {
                        let said: Vec<&str> = r
                            .stderr
                            .lines()
                            .map(str::trim)
                            .filter(|l| !l.is_empty())
                            .collect();
                        return Err(format!("sinfo failed ({s}): {}", said.join(" | ")));
                    }
                    Some(_) => format!("no idle node (sinfo -h -o %t: {states:?})"),
                };
            }
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    Err(last)
}

/// The `[k/n] ID ...` progress lines of a task log: the ids, in order.
fn progress_ids(log: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for line in log.lines() {
        // env_logger prefixes "[LEVEL target] "; the progress part is the first
        // bracket holding "k/n" with digits on both sides.
        let mut rest = line;
        while let Some(open) = rest.find('[') {
            rest = &rest[open + 1..];
            let Some(close) = rest.find(']') else { break };
            let inside = &rest[..close];
            let is_kn = inside.split_once('/').is_some_and(|(k, n)| {
                !k.is_empty()
                    && !n.is_empty()
                    && k.bytes().all(|b| b.is_ascii_digit())
                    && n.bytes().all(|b| b.is_ascii_digit())
            });
            if is_kn {
                if let Some(id) = rest[close + 1..].split_whitespace().next() {
                    ids.push(id.to_string());
                }
                break;
            }
        }
    }
    ids
}

/// All task logs, for failure messages.
fn task_logs(dir: &Path) -> String {
    let mut text = String::new();
    for task in 0..TASKS {
        let path = dir.join(format!("task-{task}.log"));
        let body =
            std::fs::read_to_string(&path).unwrap_or_else(|e| format!("(not readable: {e})\n"));
        text.push_str(&format!("--- {}\n{body}", path.display()));
    }
    text
}

#[test]
fn a_slurm_array_job_runs_each_scenario_of_the_sweep_once_in_its_shard() {
    for tool in ["sbatch", "sinfo", "scancel"] {
        if !on_path(tool) {
            unavailable(&format!("`{tool}` is not on PATH (no Slurm here)"));
            return;
        }
    }
    if let Err(why) = slurm_node_ready() {
        unavailable(&format!("Slurm has no node ready for jobs: {why}"));
        return;
    }

    let bin = env!("CARGO_BIN_EXE_oxyfield");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/slurm/sweep_array.sbatch");
    assert!(script.is_file(), "{} is missing", script.display());
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // The job runs as this user on this host; let it (and anyone debugging) read here.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    // 8 small steady scenarios (2 densities × 4 seeds), no figures: well under a second
    // each on the CPU.
    let sweep = dir.join("sweep.toml");
    std::fs::write(
        &sweep,
        "schema_version = 1\nname = \"slurm-test\"\nbase = \"default\"\n[vary]\n\
         \"grid.shape_zyx\" = [[12, 16, 16]]\n\
         \"vessels.synthetic.density_mm_per_mm3\" = [80.0, 120.0]\n\
         seed = [1, 2, 3, 4]\n\
         \"figures.plots\" = [false]\n\"figures.montage\" = [false]\n\"output.png\" = [false]\n",
    )
    .unwrap();
    let plan = Command::new(bin)
        .arg("plan")
        .arg(&sweep)
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("SLURM_ARRAY_TASK_COUNT")
        .env_remove("SLURM_ARRAY_TASK_MIN")
        .output()
        .unwrap();
    assert!(
        plan.status.success(),
        "oxyfield plan failed: {}",
        String::from_utf8_lossy(&plan.stderr)
    );
    // id -> plan index
    let planned: BTreeMap<String, usize> = String::from_utf8_lossy(&plan.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let id = v["id"].as_str().expect("plan line with an id").to_string();
            let index = v["index"].as_u64().expect("plan line with an index") as usize;
            (id, index)
        })
        .collect();
    assert_eq!(planned.len(), 8, "8 distinct planned ids: {planned:?}");

    // The example script as it is, with its resource requests overridden on the command
    // line to fit a small test node (command-line options win over #SBATCH lines): no
    // GPU, one CPU, a little memory, a 10-minute limit, logs and working directory here.
    let out = dir.join("out");
    let t0 = Instant::now();
    let sbatch = run_for(
        Command::new("sbatch")
            .arg("--wait")
            .arg("--parsable")
            .arg(format!("--array=0-{}", TASKS - 1))
            .args([
                "--gres=none",
                "--cpus-per-task=1",
                "--mem=200M",
                "--time=10",
            ])
            .arg(format!("--output={}/task-%a.log", dir.display()))
            .arg(format!("--chdir={}", dir.display()))
            // ALL: the job gets this process's environment, OXYFIELD and RUST_LOG included
            // (set below rather than listed here, so that no comma in a path can split them).
            .arg("--export=ALL")
            .env("OXYFIELD", bin)
            .env("RUST_LOG", "info")
            .arg(&script)
            .arg(&sweep)
            .arg(&out),
        JOB_TIMEOUT,
    )
    .expect("sbatch could not run");
    let job = sbatch
        .stdout
        .lines()
        .next()
        .and_then(|l| l.split(';').next())
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let Some(status) = sbatch.status else {
        if !job.is_empty() {
            let _ = Command::new("scancel").arg(&job).status();
        }
        panic!(
            "the array job {job} did not finish within {} s (cancelled); \
             sbatch: {}\n{}\nsqueue: {}",
            JOB_TIMEOUT.as_secs(),
            sbatch.stderr.trim(),
            task_logs(dir),
            Command::new("squeue")
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                .unwrap_or_default()
        );
    };
    eprintln!(
        "array job {job}: {TASKS} tasks finished in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    let logs = task_logs(dir);
    assert!(
        status.success(),
        "sbatch --wait exited with {status} (the highest exit code of the array tasks): {}\n{logs}",
        sbatch.stderr.trim()
    );

    // One finished folder per planned scenario, nothing else, nothing half-written.
    let mut folders = BTreeSet::new();
    for entry in
        std::fs::read_dir(&out).unwrap_or_else(|e| panic!("{}: {e}\n{logs}", out.display()))
    {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.ends_with(".partial"), "left over: {name}\n{logs}");
        if out.join(&name).is_dir() {
            folders.insert(name);
        }
    }
    let want: BTreeSet<String> = planned.keys().cloned().collect();
    assert_eq!(
        folders,
        want,
        "scenario folders in {}\n{logs}",
        out.display()
    );
    for (id, &index) in &planned {
        let path = out.join(id).join("manifest.json");
        let m: serde_json::Value = serde_json::from_slice(
            &std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}\n{logs}", path.display())),
        )
        .unwrap();
        assert_eq!(m["id"], id.as_str(), "{}", path.display());
        assert_eq!(m["index"], index, "{}", path.display());
        for key in ["parameters", "seed", "backend", "adapter", "seconds"] {
            assert!(m.get(key).is_some(), "{} has no {key}", path.display());
        }
        let task = index % TASKS;
        if let Some(shard) = m.get("shard") {
            assert_eq!(
                shard.as_str(),
                Some(format!("{task}/{TASKS}").as_str()),
                "{}",
                path.display()
            );
        }
        if let Some(t) = m.get("slurm").and_then(|s| s.get("array_task_id")) {
            assert_eq!(
                t.as_str(),
                Some(task.to_string().as_str()),
                "{}",
                path.display()
            );
        }
    }

    // Every planned id in exactly one progress line across the task logs, each in the
    // task of its shard.
    let mut seen: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for task in 0..TASKS {
        let log = std::fs::read_to_string(dir.join(format!("task-{task}.log"))).unwrap();
        assert!(
            log.contains(&format!("shard {task}/{TASKS}:")),
            "task {task} did not report running shard {task}/{TASKS}:\n{log}"
        );
        for id in progress_ids(&log) {
            let index = *planned
                .get(&id)
                .unwrap_or_else(|| panic!("task {task} ran {id}, which is not planned:\n{log}"));
            assert_eq!(
                index % TASKS,
                task,
                "task {task} ran {id} (plan index {index}), which belongs to shard {}:\n{log}",
                index % TASKS
            );
            seen.entry(id).or_default().push(task);
        }
    }
    for id in planned.keys() {
        assert_eq!(
            seen.get(id).map(Vec::len),
            Some(1),
            "{id} should be run once; tasks that ran it: {:?}\n{logs}",
            seen.get(id)
        );
    }
}
