//! The protocol's step loop: open the state (from t = 0 or a checkpoint), settle it,
//! then per slow step apply the open windows, deliver what is due, advance drugs, ROS,
//! O2 and the tissue by one step, and record its row, its traffic, snapshots and
//! checkpoints. Whole fields cross to the host only in snapshots, checkpoints and
//! [`super::finish`].

use super::checkpoint::{self, Checkpoint};
use super::interventions::{self, Conditions};
use super::progress::OnProgress;
use super::recovery::Track;
use super::state::State;
use super::{
    events, fields, fingerprint, finish, fraction, label_due, next_multiple, output, read_ros,
    settle, RunOptions, StepCounters, TherapyParams, TherapyResult, DEFAULT_CHECKPOINT_EVERY_S,
    EPS_S,
};
use crate::backend::O2Backend;
use crate::config::Scenario;
use crate::protocol::windows::WindowEffect;
use crate::protocol::{Event, EventKind, Protocol};
use crate::{Error, Result};
use std::path::Path;
use std::time::Instant;

/// What every step of one run shares.
struct Run<'a> {
    sc: &'a Scenario,
    protocol: &'a Protocol,
    params: &'a TherapyParams,
    snapshot_dir: Option<&'a Path>,
    checkpoint_dir: Option<&'a Path>,
    stop_at_s: Option<f64>,
    progress: OnProgress<'a>,
    track: &'a Track,
    fingerprint: u64,
    kind: crate::backend::BackendKind,
    events: Vec<Event>,
    /// The fractions' dose maps, read before the first solve.
    maps: Vec<Option<Vec<f32>>>,
}

/// Runs the protocol from `run.resume` or t = 0 (see [`super::run_protocol`]).
pub(super) fn steps(
    sc: &Scenario,
    protocol: &Protocol,
    params: &TherapyParams,
    backend: &mut dyn O2Backend,
    run: RunOptions,
    track: &Track,
) -> Result<TherapyResult> {
    let start = Instant::now();
    crate::backend::memory::preflight(&sc.grid(), true, backend)?;
    let r = Run {
        sc,
        protocol,
        params,
        snapshot_dir: run.snapshot_dir,
        checkpoint_dir: run.checkpoint_dir,
        stop_at_s: run.stop_at_s,
        progress: run.progress,
        track,
        fingerprint: fingerprint(sc, protocol, params),
        kind: backend.info().kind,
        events: protocol.events(),
        // Read before the first solve, so that a bad map costs no solve.
        maps: super::state::dose_maps(protocol, &sc.grid())?,
    };
    let resumed = run.resume.is_some();
    let mut st = r.open(backend, run.resume)?;
    // The fields are freed whatever happens (a batch or bench reuses the backend).
    let result = r.steps(backend, &mut st, resumed, start);
    st.free(backend);
    result
}

impl Run<'_> {
    /// The state at t = 0, or that of `resume` once its checkpoint is checked.
    fn open(&self, backend: &mut dyn O2Backend, resume: Option<Checkpoint>) -> Result<State> {
        let Some(c) = resume else {
            return State::initial(self.sc, self.protocol, backend);
        };
        let file = self
            .checkpoint_dir
            .unwrap_or(Path::new("."))
            .join(checkpoint::FILE_NAME);
        if c.fingerprint != self.fingerprint {
            return Err(Error::input(
                &file,
                "was written for a different scenario, protocol or model parameters; \
                 resume with the files of the interrupted run, or run without --resume \
                 to start from t = 0",
            ));
        }
        if c.backend != self.kind.name() {
            log::warn!(
                "{}: written by the {} backend, continuing on the {} backend: the \
                 results agree to the solver tolerance, not bitwise",
                file.display(),
                c.backend,
                self.kind
            );
        }
        log::info!("resuming at t = {:.2} h", c.time_s / 3600.0);
        State::resume(self.sc, self.protocol, self.params, backend, c, &file)
    }

    /// Writes the snapshots due by now (whole fields cross to the host here).
    fn snapshots(&self, backend: &mut dyn O2Backend, st: &mut State) -> Result<()> {
        let times = &self.protocol.snapshot_times_s;
        while st.next_snapshot < times.len() && times[st.next_snapshot] <= st.t + EPS_S {
            if let Some(dir) = self.snapshot_dir {
                let po2 = backend.field_read(st.po2)?;
                let n = backend.field_read(st.tissue.viable)?;
                let sv = backend.field_read(st.o2.sv)?;
                // Only the slices use it (their tissue mask).
                let fixed = if self.sc.spec.output.png {
                    backend.field_read(st.o2.fixed)?
                } else {
                    Vec::new()
                };
                let ros = read_ros(backend, st)?;
                output::write_snapshot(
                    self.sc,
                    dir,
                    st.t,
                    &times[..=st.next_snapshot],
                    &po2,
                    &n,
                    &fixed,
                    ros.as_ref(),
                    Some(&sv),
                )?;
            }
            st.next_snapshot += 1;
        }
        Ok(())
    }

    /// Writes a checkpoint when the run has a checkpoint folder.
    fn save(&self, backend: &mut dyn O2Backend, st: &State) -> Result<()> {
        if let Some(dir) = self.checkpoint_dir {
            st.checkpoint(backend, self.fingerprint, self.kind.name())?
                .write(dir)?;
            self.track.saved_s.set(Some(st.t));
        }
        Ok(())
    }

    /// The step loop on the opened state `st`.
    fn steps(
        &self,
        backend: &mut dyn O2Backend,
        st: &mut State,
        resumed: bool,
        start: Instant,
    ) -> Result<TherapyResult> {
        let protocol = self.protocol;
        if !resumed && protocol.settle {
            settle::settle(self.sc, self.params, backend, st)?;
        }
        if resumed {
            self.track.saved_s.set(Some(st.t));
        }
        if st.rows.is_empty() {
            // t = 0: the pre-treatment pO2 bands of the endpoints.
            super::endpoints::Endpoints::start(st, backend)?;
            let row = st.row(
                backend,
                protocol,
                String::new(),
                start.elapsed().as_secs_f64(),
            )?;
            st.rows.push(row);
            self.snapshots(backend, st)?;
        }
        let every = protocol
            .checkpoint_every_s
            .or(self.checkpoint_dir.map(|_| DEFAULT_CHECKPOINT_EVERY_S));
        let mut next_checkpoint = every.map(|e| next_multiple(st.t, e));
        self.progress.start(st.t, protocol.duration_s);
        let mut step_counters = StepCounters::default();
        while st.t < protocol.duration_s - EPS_S {
            self.track.now_s.set(st.t);
            if self.stop_at_s.is_some_and(|stop| st.t >= stop - EPS_S) {
                label_due(protocol, &self.events, st);
                self.save(backend, st)?;
                return finish(backend, st, false, step_counters);
            }
            if crate::interrupt::requested() {
                self.save(backend, st)?;
                return Err(Error::Interrupted(format!(
                    "{} with {} stopped at t = {:.2} h of {:.1} h; {}",
                    self.sc.name,
                    protocol.name,
                    st.t / 3600.0,
                    protocol.duration_s / 3600.0,
                    self.track.resume_hint(self.checkpoint_dir)
                )));
            }
            let at_step = backend.counters();
            let row = self.step(backend, st)?;
            self.progress.step(
                st.t,
                protocol.duration_s,
                &format!(
                    "median pO2 {:.2} mmHg, viable {:.4}, log10 kill {:.3}",
                    row.median_po2_mmhg, row.viable_fraction, row.log10_cell_kill
                ),
            );
            st.rows.push(row);
            step_counters.record(backend.counters().since(&at_step));
            self.snapshots(backend, st)?;
            if let (Some(e), Some(next)) = (every, next_checkpoint) {
                if st.t >= next - EPS_S {
                    self.save(backend, st)?;
                    next_checkpoint = Some(next_multiple(st.t, e));
                }
            }
        }
        // Events at the very end (a window closing with the run) are listed; they change
        // nothing more.
        label_due(protocol, &self.events, st);
        if every.is_some() {
            self.save(backend, st)?;
        }
        finish(backend, st, true, step_counters)
    }

    /// One slow step from `st.t`: the events due now, then drugs, ROS, O2 and the tissue
    /// over the step; returns the new time's row.
    fn step(
        &self,
        backend: &mut dyn O2Backend,
        st: &mut State,
    ) -> Result<crate::output::timeline::Row> {
        // What the open windows change holds for the whole step (they open and close on
        // step boundaries).
        let cond = Conditions::at(self.protocol, st.t);
        interventions::apply_vessels(backend, st, &cond)?;
        self.deliver_due(backend, st, &cond)?;
        let dt = self.step_length(st);
        let solve_start = Instant::now();
        // Kill over the step: drug exposure and ROS above the damage threshold.
        backend.field_fill(st.kill, 0.0)?;
        let killed = fields::drugs(self.sc, self.protocol, &cond, backend, st, dt)?;
        settle::slow_step(self.sc, self.params, &cond, backend, st, dt, killed)?;
        st.t += dt;
        let elapsed = solve_start.elapsed().as_secs_f64();
        st.row(backend, self.protocol, String::new(), elapsed)
    }

    /// Takes the events due at `st.t`: labels them on the current row (its values are
    /// from just before: the effects show from the next row on), delivers the fraction
    /// and applies windows that open.
    fn deliver_due(
        &self,
        backend: &mut dyn O2Backend,
        st: &mut State,
        cond: &Conditions,
    ) -> Result<()> {
        let protocol = self.protocol;
        let end = events::due_end(&self.events, st.next_event, st.t);
        let due = &self.events[st.next_event..end];
        st.next_event = end;
        if let Some(row) = st.rows.last_mut() {
            row.events = events::labels(protocol, due);
        }
        if let Some(f) = events::fraction(protocol, &self.maps, due) {
            let map = f.map.as_deref();
            fraction(
                self.sc,
                self.params,
                cond,
                backend,
                st,
                f.dose_gy,
                map,
                f.seconds,
            )?;
        }
        for e in due {
            // Exhaustive on purpose: a new event kind must be handled here.
            match e.kind {
                // Delivered above, all courses at this time as one fraction.
                EventKind::Radiotherapy { .. } => {}
                // The plasma curve is analytic: a dose only starts it.
                EventKind::Drug { .. } => {}
                EventKind::Window { item, open } => {
                    let w = &protocol.windows[item];
                    if let (true, WindowEffect::Normalisation { prune_fraction, .. }) =
                        (open, w.effect)
                    {
                        interventions::prune(backend, st, prune_fraction)?;
                        interventions::apply_vessels(backend, st, cond)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The length of the step from `st.t`: the protocol's step, cut at the next event
    /// or snapshot (and never below [`EPS_S`]).
    fn step_length(&self, st: &State) -> f64 {
        let protocol = self.protocol;
        let until = self
            .events
            .get(st.next_event)
            .map_or(protocol.duration_s, |e| e.time_s.min(protocol.duration_s))
            .min(
                protocol
                    .snapshot_times_s
                    .get(st.next_snapshot)
                    .copied()
                    .unwrap_or(f64::INFINITY),
            );
        protocol.time_step_s.min(until - st.t).max(EPS_S)
    }
}

impl StepCounters {
    /// Adds one step's traffic `moved`.
    fn record(&mut self, moved: crate::backend::Counters) {
        if self.steps == 0 {
            self.first_step_bytes = moved.bytes();
        } else {
            self.max_bytes_per_step = self.max_bytes_per_step.max(moved.bytes());
        }
        self.steps += 1;
        self.total.add(&moved);
    }
}
