//! A problem held as host arrays (a steady run's O2 problem, the steady R problem, the
//! tissue side of the blood coupling) solved as resident fields: its coefficients go up
//! once, the coarse levels are made on the backend (`mg_coarsen`, not the host
//! hierarchy), the field stays there between solves and comes back once per solve.
//! The fields are freed on every path, errors included, since `batch` and `bench` reuse
//! a backend.

use super::{solve_fields, SolveOptions, SolveReport};
use crate::backend::{Field, FieldProblem, O2Backend};
use crate::problem::O2Problem;
use crate::{Error, Result};

/// A host problem's fields on the backend, with its solution field.
pub(crate) struct Uploaded {
    problem: FieldProblem,
    solution: Field,
    /// Whether the coefficient arrays are lent ([`Uploaded::lend`]) and go back to the
    /// host problem when released.
    lent: bool,
}

impl Uploaded {
    /// Uploads `problem`'s coefficients and `start` (which must hold the fixed values:
    /// [`O2Problem::apply_fixed`]). On an error nothing stays allocated.
    pub(crate) fn new(
        backend: &mut dyn O2Backend,
        problem: &O2Problem,
        start: &[f32],
    ) -> Result<Self> {
        let fields = backend.fields_from(&[
            (&problem.sv, "steady.sv"),
            (&problem.pb, "steady.pb"),
            (&problem.viable, "steady.viable"),
            (&problem.fixed, "steady.fixed"),
            (start, "steady.solution"),
        ])?;
        Ok(Self::of(problem, fields))
    }

    /// [`Uploaded::new`] giving `problem` and `start` up
    /// ([`crate::backend::FieldStore::fields_from_vecs`]): on the CPU backend the arrays
    /// become the fields as they are, so the host holds no second copy while it solves.
    pub(crate) fn from_owned(
        backend: &mut dyn O2Backend,
        problem: O2Problem,
        start: Vec<f32>,
    ) -> Result<Self> {
        let head = O2Problem {
            sv: Vec::new(),
            wall_sv: None,
            pb: Vec::new(),
            viable: Vec::new(),
            fixed: Vec::new(),
            ..problem
        };
        let fields = backend.fields_from_vecs(vec![
            (problem.sv, "steady.sv"),
            (problem.pb, "steady.pb"),
            (problem.viable, "steady.viable"),
            (problem.fixed, "steady.fixed"),
            (start, "steady.solution"),
        ])?;
        Ok(Self::of(&head, fields))
    }

    /// The uploaded problem of `problem`'s grid, parameters and faces, from the fields
    /// Sv, Pb, n, fixed and the solution, in that order.
    fn of(problem: &O2Problem, fields: Vec<Field>) -> Self {
        Uploaded {
            problem: FieldProblem {
                grid: problem.grid,
                params: problem.params,
                faces: problem.faces,
                sv: fields[0],
                pb: fields[1],
                viable: fields[2],
                fixed: fields[3],
            },
            solution: fields[4],
            lent: false,
        }
    }

    /// The wall pO2 field Pb (the blood coupling rewrites it on the backend).
    pub(crate) fn pb(&self) -> Field {
        self.problem.pb
    }

    /// The solution field.
    pub(crate) fn solution(&self) -> Field {
        self.solution
    }

    /// Solves in place from the field held (warm); the field stays on the backend.
    pub(crate) fn solve_in_place(
        &self,
        backend: &mut dyn O2Backend,
        opts: &SolveOptions,
    ) -> Result<SolveReport> {
        match solve_fields(backend, &self.problem, self.solution, opts) {
            Ok(r) => Ok(r),
            Err(Error::Numerical(m)) if !m.contains("is not finite at voxel") => {
                // The field stayed finite: name a non-finite coefficient if there is one
                // (read back: a failure's cost, and what the backend solved with).
                Err(Error::Numerical(
                    match self.non_finite_coefficient(backend) {
                        Some(at) => format!("{m}: {at}"),
                        None => m,
                    },
                ))
            }
            Err(e) => Err(e),
        }
    }

    /// The first coefficient field that is not finite, as
    /// [`O2Problem::non_finite_coefficient`] words it; None also where it cannot be read.
    fn non_finite_coefficient(&self, backend: &mut dyn O2Backend) -> Option<String> {
        let p = &self.problem;
        let mut read = |f: Field| backend.field_read(f).ok();
        let host = O2Problem {
            grid: p.grid,
            params: p.params,
            faces: p.faces,
            sv: read(p.sv)?,
            wall_sv: None,
            pb: read(p.pb)?,
            viable: read(p.viable)?,
            fixed: read(p.fixed)?,
            edge_width: [1.0; 3],
        };
        host.non_finite_coefficient()
    }

    /// Reads the solution back, refusing a non-finite value: `name` and `when` say
    /// which field and at which point, for the message.
    pub(crate) fn read(
        &self,
        backend: &mut dyn O2Backend,
        name: &str,
        when: &str,
    ) -> Result<Vec<f32>> {
        let field = backend.field_read(self.solution)?;
        super::refuse_non_finite(&field, &self.problem.grid, name, when)?;
        Ok(field)
    }

    /// Lends `problem`'s coefficient arrays (Sv, Pb, n, fixed) to a backend whose fields
    /// are host arrays ([`crate::backend::FieldStore::host_resident`], the CPU): they
    /// move onto it, and `problem` is without them until [`Uploaded::release`] hands
    /// them back; other backends get copies ([`Uploaded::new`]).
    /// `problem.wall_sv` stays where it is.
    pub(crate) fn lend(
        backend: &mut dyn O2Backend,
        problem: &mut O2Problem,
        start: Vec<f32>,
    ) -> Result<Self> {
        if !backend.host_resident() {
            return Self::new(backend, problem, &start);
        }
        let lent = O2Problem {
            sv: std::mem::take(&mut problem.sv),
            wall_sv: None,
            pb: std::mem::take(&mut problem.pb),
            viable: std::mem::take(&mut problem.viable),
            fixed: std::mem::take(&mut problem.fixed),
            ..*problem
        };
        // A host-resident store does not fail to take arrays.
        let up = Self::from_owned(backend, lent, start)?;
        Ok(Uploaded { lent: true, ..up })
    }

    /// Whether the coefficient arrays are lent, so that the host problem is without them
    /// until [`Uploaded::release`].
    pub(crate) fn is_lent(&self) -> bool {
        self.lent
    }

    /// Frees the coefficient fields, or, where they are lent, hands them back into
    /// `host` (the problem [`Uploaded::lend`] took them from: the backend's current
    /// values, so a Pb the blood coupling rewrote comes back as rewritten); the
    /// solution field stays.
    fn release_coefficients(
        &self,
        backend: &mut dyn O2Backend,
        host: Option<&mut O2Problem>,
    ) -> Result<()> {
        let p = &self.problem;
        match host.filter(|_| self.lent) {
            Some(host) => {
                host.sv = backend.field_reclaim(p.sv)?;
                host.pb = backend.field_reclaim(p.pb)?;
                host.viable = backend.field_reclaim(p.viable)?;
                host.fixed = backend.field_reclaim(p.fixed)?;
            }
            None => {
                for f in p.fields() {
                    backend.field_free(f);
                }
            }
        }
        Ok(())
    }

    /// Frees every field, handing lent arrays back into `host` first
    /// ([`Uploaded::release_coefficients`]).
    pub(crate) fn release(self, backend: &mut dyn O2Backend, host: &mut O2Problem) -> Result<()> {
        let back = self.release_coefficients(backend, Some(host));
        backend.field_free(self.solution);
        back
    }

    /// Solves once from the field held, frees the fields (handing lent arrays back into
    /// `host`) and hands the solution over
    /// ([`crate::backend::FieldStore::field_take`]: no copy on the CPU), refusing a
    /// non-finite value (`name` and `when` as for [`Uploaded::read`]). A failed solve
    /// frees the solution without reading it.
    fn solve_once(
        self,
        backend: &mut dyn O2Backend,
        host: Option<&mut O2Problem>,
        name: &str,
        when: &str,
        opts: &SolveOptions,
    ) -> Result<(Vec<f32>, SolveReport)> {
        let report = self.solve_in_place(backend, opts);
        let back = self.release_coefficients(backend, host);
        let report = match report {
            Ok(r) => r,
            Err(e) => {
                backend.field_free(self.solution);
                return Err(e);
            }
        };
        let field = backend.field_take(self.solution)?;
        back?;
        super::refuse_non_finite(&field, &self.problem.grid, name, when)?;
        Ok((field, report))
    }
}

/// Solves `problem` once from `start` as resident fields ([`Uploaded`]) and frees them:
/// the field read back and the report.
pub(crate) fn solve_host(
    backend: &mut dyn O2Backend,
    problem: &O2Problem,
    start: &[f32],
    name: &str,
    when: &str,
    opts: &SolveOptions,
) -> Result<(Vec<f32>, SolveReport)> {
    Uploaded::new(backend, problem, start)?.solve_once(backend, None, name, when, opts)
}

/// [`solve_host`] giving `problem` and `start` up ([`Uploaded::from_owned`]), for a
/// problem made for this one solve: on the CPU backend neither is copied.
pub(crate) fn solve_owned(
    backend: &mut dyn O2Backend,
    problem: O2Problem,
    start: Vec<f32>,
    name: &str,
    when: &str,
    opts: &SolveOptions,
) -> Result<(Vec<f32>, SolveReport)> {
    Uploaded::from_owned(backend, problem, start)?.solve_once(backend, None, name, when, opts)
}

/// [`solve_host`] lending `problem`'s arrays where the backend's fields are host arrays
/// ([`Uploaded::lend`]): they move onto the backend for the solve and back into
/// `problem` after, on every path, instead of being copied.
pub(crate) fn solve_lent(
    backend: &mut dyn O2Backend,
    problem: &mut O2Problem,
    start: Vec<f32>,
    name: &str,
    when: &str,
    opts: &SolveOptions,
) -> Result<(Vec<f32>, SolveReport)> {
    Uploaded::lend(backend, problem, start)?.solve_once(backend, Some(problem), name, when, opts)
}
