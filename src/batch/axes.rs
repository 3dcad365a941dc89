//! A sweep's axes as the collected scenarios show them: every parameter that takes more
//! than one value, its values in order, and short labels for figures ("density 60",
//! "mm/mm³") made from the dotted scenario keys.

use serde_json::Value;
use std::cmp::Ordering;

/// One varied parameter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SweepAxis {
    /// The dotted scenario key (`vessels.synthetic.density_mm_per_mm3`).
    pub(crate) key: String,
    /// Its distinct values, numbers ascending (others in first-seen order).
    pub(crate) values: Vec<Value>,
}

impl SweepAxis {
    /// The position of `v` among the values (the end when absent).
    pub(crate) fn index_of(&self, v: &Value) -> usize {
        self.values
            .iter()
            .position(|x| x == v)
            .unwrap_or(self.values.len())
    }

    /// True for the network seed, which repeats a case rather than changing it.
    pub(crate) fn is_seed(&self) -> bool {
        self.key == "seed" || self.key.ends_with(".seed")
    }

    /// True when every value is a number (an axis that can be plotted against).
    pub(crate) fn numeric(&self) -> bool {
        self.values.iter().all(Value::is_number)
    }

    /// Name and unit for figures: [`label`].
    pub(crate) fn label(&self) -> (String, &'static str) {
        label(&self.key)
    }
}

/// The axes of a sweep: the keys of the scenarios' `parameters` that take more than one
/// value, in first-seen key order.
pub(crate) fn sweep_axes<'a>(parameters: impl IntoIterator<Item = &'a Value>) -> Vec<SweepAxis> {
    let mut axes: Vec<SweepAxis> = Vec::new();
    for p in parameters {
        let Some(map) = p.as_object() else { continue };
        for (k, v) in map {
            match axes.iter_mut().find(|a| &a.key == k) {
                Some(a) if !a.values.contains(v) => a.values.push(v.clone()),
                Some(_) => {}
                None => axes.push(SweepAxis {
                    key: k.clone(),
                    values: vec![v.clone()],
                }),
            }
        }
    }
    axes.retain(|a| a.values.len() > 1);
    for a in &mut axes {
        if a.numeric() {
            a.values.sort_by(|x, y| {
                let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
                x.partial_cmp(&y).unwrap_or(Ordering::Equal)
            });
        }
    }
    axes
}

/// Unit suffixes of scenario keys and how figures write them, longest first.
const UNITS: [(&str, &str); 11] = [
    ("_mmhg_per_s", "mmHg/s"),
    ("_mm_per_mm3", "mm/mm³"),
    ("_um2_per_s", "µm²/s"),
    ("_um_per_s", "µm/s"),
    ("_gy_per_s", "Gy/s"),
    ("_per_s", "1/s"),
    ("_mmhg", "mmHg"),
    ("_um", "µm"),
    ("_gy", "Gy"),
    ("_h", "h"),
    ("_mm", "mm"),
];

/// A short name and the unit of a dotted key: its last part without the unit suffix,
/// underscores as spaces (`oxygen.max_consumption_mmhg_per_s` → "max consumption",
/// "mmHg/s"; `seed` → "seed", "").
pub(crate) fn label(key: &str) -> (String, &'static str) {
    let last = key.rsplit('.').next().unwrap_or(key);
    for (suffix, unit) in UNITS {
        if let Some(stem) = last.strip_suffix(suffix) {
            if !stem.is_empty() {
                return (stem.replace('_', " "), unit);
            }
        }
    }
    (last.replace('_', " "), "")
}

/// A value as a figure shows it: numbers without a trailing ".0", strings bare, arrays
/// as "24×48×48".
pub(crate) fn value_text(v: &Value) -> String {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", x as i64),
            Some(x) => format!("{x}"),
            None => n.to_string(),
        },
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(value_text).collect::<Vec<_>>().join("×"),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn labels_drop_the_unit_suffix() {
        assert_eq!(
            label("oxygen.max_consumption_mmhg_per_s"),
            ("max consumption".to_string(), "mmHg/s")
        );
        assert_eq!(
            label("vessels.synthetic.density_mm_per_mm3"),
            ("density".to_string(), "mm/mm³")
        );
        assert_eq!(label("seed"), ("seed".to_string(), ""));
        assert_eq!(value_text(&json!(60.0)), "60");
        assert_eq!(value_text(&json!(2.5)), "2.5");
        assert_eq!(value_text(&json!([24, 48, 48])), "24×48×48");
    }

    #[test]
    fn axes_are_the_keys_that_vary_with_sorted_values() {
        let p = [
            json!({"a.x_um": 3.0, "b": 1, "c": "k"}),
            json!({"a.x_um": 1.0, "b": 1, "c": "j"}),
            json!({"a.x_um": 2.0, "b": 1, "c": "k"}),
        ];
        let axes = sweep_axes(&p);
        assert_eq!(axes.len(), 2, "b is constant");
        assert_eq!(axes[0].key, "a.x_um");
        assert_eq!(axes[0].values, vec![json!(1.0), json!(2.0), json!(3.0)]);
        assert_eq!(axes[1].values, vec![json!("k"), json!("j")]);
        assert!(axes[0].numeric() && !axes[1].numeric());
        assert_eq!(axes[0].index_of(&json!(2.0)), 1);
    }
}
