//! The values of one `[vary]` key: a list, or a range written as an inline table, expanded
//! into a list of TOML values.

use super::MAX_RUNS;

/// The forms a `[vary]` value may take, for error messages.
pub(super) const FORMS: &str = "write a list of values ([1.0, 2.0]), { start, stop, step }, \
     { start, stop, count } or { first, count }";

/// Expands the value of a `[vary]` key into its list of values. Errors are the message
/// only; the caller names the file and the key.
pub(super) fn expand(value: &toml::Value) -> Result<Vec<toml::Value>, String> {
    let values = match value {
        toml::Value::Array(items) => items.clone(),
        toml::Value::Table(t) => range(t)?,
        other => {
            return Err(format!(
                "is a single {} ({other}): {FORMS}; for one value write [{other}]",
                other.type_str()
            ))
        }
    };
    if values.is_empty() {
        return Err(format!("has no values: {FORMS}"));
    }
    if values.len() > MAX_RUNS {
        return Err(format!(
            "has {} values, more than the {MAX_RUNS} runs a sweep may have",
            values.len()
        ));
    }
    Ok(values)
}

/// A range table: `{ start, stop, step }`, `{ start, stop, count }` or
/// `{ first, count[, step] }`.
fn range(t: &toml::Table) -> Result<Vec<toml::Value>, String> {
    let has = |k: &str| t.contains_key(k);
    let allowed: &[&str] = if has("first") {
        &["first", "count", "step"]
    } else if has("count") {
        &["start", "stop", "count"]
    } else {
        &["start", "stop", "step"]
    };
    if let Some(k) = t.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(format!(
            "is a table with the key `{k}`, which no range form has: {FORMS}; \
             to set a scenario key inside a table, quote the dotted key: \"oxygen.km_mmhg\" = [1.0, 2.0]"
        ));
    }
    // `step` is optional in `{ first, count[, step] }` only.
    let optional = |k: &str| k == "step" && has("first");
    if let Some(k) = allowed.iter().find(|k| !optional(k) && !has(k)) {
        return Err(format!("is a range without `{k}`: {FORMS}"));
    }
    if has("first") {
        sequence(t)
    } else if has("count") {
        linspace(t)
    } else {
        stepped(t)
    }
}

fn number(t: &toml::Table, key: &str) -> Result<f64, String> {
    match &t[key] {
        toml::Value::Integer(i) => Ok(*i as f64),
        toml::Value::Float(f) if f.is_finite() => Ok(*f),
        other => Err(format!("`{key}` is {other}, must be a finite number")),
    }
}

fn integer(t: &toml::Table, key: &str) -> Option<i64> {
    t.get(key).and_then(toml::Value::as_integer)
}

fn count(t: &toml::Table) -> Result<usize, String> {
    match integer(t, "count") {
        Some(n) if n >= 1 && n as u64 <= MAX_RUNS as u64 => Ok(n as usize),
        _ => Err(format!(
            "`count` is {}, must be a whole number from 1 to {MAX_RUNS}",
            t["count"]
        )),
    }
}

/// Rounds to 13 significant digits, so that `0.1 + 2 × 0.1` is written `0.3`: the same
/// decimal on every machine, and ids that do not depend on float noise.
fn clean(x: f64) -> f64 {
    format!("{x:.12e}").parse().unwrap_or(x)
}

/// `{ start, stop, step }`: start, start + step, … up to stop inclusive.
fn stepped(t: &toml::Table) -> Result<Vec<toml::Value>, String> {
    let (start, stop, step) = (number(t, "start")?, number(t, "stop")?, number(t, "step")?);
    if step.is_nan() || step <= 0.0 {
        return Err(format!("`step` is {step}, must be > 0"));
    }
    if start > stop {
        return Err(format!(
            "`start` ({start}) is above `stop` ({stop}): a range goes up, start ≤ stop"
        ));
    }
    // The tolerance keeps `stop` when float division lands just below a whole number.
    let steps = ((stop - start) / step * (1.0 + 1e-12) + 1e-9).floor();
    if steps >= MAX_RUNS as f64 {
        return Err(format!(
            "gives more than {MAX_RUNS} values: make `step` larger"
        ));
    }
    let n = steps as usize + 1;
    if let (Some(a), Some(s)) = (integer(t, "start"), integer(t, "step")) {
        if integer(t, "stop").is_some() {
            return (0..n as i64)
                .map(|i| {
                    i.checked_mul(s)
                        .and_then(|d| a.checked_add(d))
                        .map(toml::Value::Integer)
                        .ok_or_else(|| "runs past the largest whole number TOML holds".to_string())
                })
                .collect();
        }
    }
    Ok((0..n)
        .map(|i| toml::Value::Float(clean(start + i as f64 * step)))
        .collect())
}

/// `{ start, stop, count }`: count values evenly spaced from start to stop, both included.
/// Integer ends give integers, and must then divide evenly.
fn linspace(t: &toml::Table) -> Result<Vec<toml::Value>, String> {
    let (start, stop, n) = (number(t, "start")?, number(t, "stop")?, count(t)?);
    if start > stop {
        return Err(format!(
            "`start` ({start}) is above `stop` ({stop}): a range goes up, start ≤ stop"
        ));
    }
    if n == 1 && start != stop {
        return Err(format!(
            "`count` is 1 but `start` ({start}) and `stop` ({stop}) differ: use count ≥ 2, or a list [{start}]"
        ));
    }
    let at = |i: usize| {
        if i + 1 == n {
            stop
        } else {
            start + (stop - start) * i as f64 / (n - 1).max(1) as f64
        }
    };
    if let (Some(a), Some(b)) = (integer(t, "start"), integer(t, "stop")) {
        let gaps = (n - 1).max(1) as i64;
        let Some(span) = b.checked_sub(a) else {
            return Err(format!(
                "`start` {a} and `stop` {b} are too far apart for whole numbers; write floats \
                 (start = {a}.0)"
            ));
        };
        if span % gaps != 0 {
            return Err(format!(
                "`start` {a} and `stop` {b} are whole numbers but {n} values between them are not; \
                 write floats (start = {a}.0) for fractional values"
            ));
        }
        let d = span / gaps;
        return Ok((0..n as i64)
            .map(|i| toml::Value::Integer(a + i * d))
            .collect());
    }
    Ok((0..n).map(|i| toml::Value::Float(clean(at(i)))).collect())
}

/// `{ first, count[, step] }`: whole numbers first, first + step, … (count of them).
fn sequence(t: &toml::Table) -> Result<Vec<toml::Value>, String> {
    let Some(first) = integer(t, "first") else {
        return Err(format!("`first` is {}, must be a whole number", t["first"]));
    };
    let n = count(t)?;
    let step = match t.get("step") {
        None => 1,
        Some(v) => match v.as_integer() {
            Some(s) if s >= 1 => s,
            _ => return Err(format!("`step` is {v}, must be a whole number ≥ 1")),
        },
    };
    (0..n as i64)
        .map(|i| {
            i.checked_mul(step)
                .and_then(|d| first.checked_add(d))
                .map(toml::Value::Integer)
                .ok_or_else(|| "runs past the largest whole number TOML holds".to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(text: &str) -> Result<Vec<toml::Value>, String> {
        let t: toml::Table = toml::from_str(&format!("v = {text}")).unwrap();
        expand(&t["v"])
    }

    #[test]
    fn float_steps_land_on_clean_decimals() {
        let v = ex("{ start = 0.1, stop = 0.7, step = 0.2 }").unwrap();
        let f: Vec<f64> = v.iter().map(|x| x.as_float().unwrap()).collect();
        assert_eq!(f, [0.1, 0.3, 0.5, 0.7]);
    }

    #[test]
    fn integer_linspace_must_divide() {
        assert!(ex("{ start = 0, stop = 10, count = 4 }").is_err());
        let v = ex("{ start = 0, stop = 9, count = 4 }").unwrap();
        assert_eq!(v, [0, 3, 6, 9].map(toml::Value::Integer));
    }

    #[test]
    fn missing_range_key_is_named() {
        let e = ex("{ start = 1.0, step = 1.0 }").unwrap_err();
        assert!(e.contains("`stop`"), "{e}");
    }
}
