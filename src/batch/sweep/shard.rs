//! Which share of a sweep this process runs: `--shard I/N`, or a Slurm job array.

use crate::{Error, Result};

/// Parses `--shard I/N` (shard I of N, 0-based): `0 ≤ I < N`.
pub fn parse_shard(text: &str) -> Result<(usize, usize)> {
    let bad = || {
        Error::input(
            "--shard",
            format!("\"{text}\" is not I/N with 0 ≤ I < N (shard I of N, 0-based), e.g. 0/4"),
        )
    };
    let (i, n) = text.trim().split_once('/').ok_or_else(bad)?;
    let i: usize = i.trim().parse().map_err(|_| bad())?;
    let n: usize = n.trim().parse().map_err(|_| bad())?;
    if i < n {
        Ok((i, n))
    } else {
        Err(bad())
    }
}

/// The shard of a Slurm job array: `SLURM_ARRAY_TASK_ID` of `SLURM_ARRAY_TASK_COUNT`,
/// made 0-based with `SLURM_ARRAY_TASK_MIN`. None outside a job array. A thin wrapper
/// over [`shard_from_vars`], which holds the logic.
pub fn shard_from_env() -> Result<Option<(usize, usize)>> {
    let var = |name: &str| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned());
    let (id, count, min) = (var(TASK_ID), var(TASK_COUNT), var(TASK_MIN));
    shard_from_vars(id.as_deref(), count.as_deref(), min.as_deref())
}

const TASK_ID: &str = "SLURM_ARRAY_TASK_ID";
const TASK_COUNT: &str = "SLURM_ARRAY_TASK_COUNT";
const TASK_MIN: &str = "SLURM_ARRAY_TASK_MIN";

/// The shard `(I, N)` from the values of `SLURM_ARRAY_TASK_ID`, `SLURM_ARRAY_TASK_COUNT`
/// and `SLURM_ARRAY_TASK_MIN` (None or empty: unset). None when none of them is set;
/// `I = ID − MIN` (MIN defaults to 0). The array must be contiguous
/// (`--array=1-8`, not `--array=1-8:2`), so that the tasks are shards `0..N`;
/// anything else is an error naming the variables.
pub fn shard_from_vars(
    id: Option<&str>,
    count: Option<&str>,
    min: Option<&str>,
) -> Result<Option<(usize, usize)>> {
    fn set(v: Option<&str>) -> Option<&str> {
        v.map(str::trim).filter(|s| !s.is_empty())
    }
    let (id, count, min) = (set(id), set(count), set(min));
    let err = |msg: String| {
        Error::input(
            format!("environment ({TASK_ID}, {TASK_COUNT}, {TASK_MIN})"),
            msg,
        )
    };
    let number = |name: &str, v: &str| {
        v.parse::<usize>()
            .map_err(|_| err(format!("{name} is \"{v}\", must be a whole number ≥ 0")))
    };
    let (id, count) = match (id, count) {
        (None, None) if min.is_none() => return Ok(None),
        (Some(id), Some(count)) => (number(TASK_ID, id)?, number(TASK_COUNT, count)?),
        _ => {
            return Err(err(format!(
            "{TASK_ID} and {TASK_COUNT} must be set together (they are inside a Slurm job array); \
                 unset them, or pass --shard I/N"
        )))
        }
    };
    let min = min.map(|m| number(TASK_MIN, m)).transpose()?.unwrap_or(0);
    if count == 0 {
        return Err(err(format!("{TASK_COUNT} is 0, must be ≥ 1")));
    }
    match id.checked_sub(min) {
        Some(i) if i < count => Ok(Some((i, count))),
        _ => Err(err(format!(
            "{TASK_ID} = {id} is outside {TASK_MIN} = {min} .. {TASK_MIN} + {TASK_COUNT} = {}: \
             use a contiguous array (--array=0-{}), or pass --shard I/N",
            min + count,
            count - 1
        ))),
    }
}
