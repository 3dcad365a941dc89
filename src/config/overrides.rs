//! Values set at dotted scenario keys (`"oxygen.km_mmhg" = 2.0`): a sweep's `[vary]`
//! values, and the overrides a host program (the Python module) gives a scenario.

use super::schema::ScenarioFile;
use super::Scenario;
use crate::{Error, Result};
use serde_json::{Map, Value as Json};

impl Scenario {
    /// This scenario with each value of `overrides` set at its dotted key (the keys of
    /// a sweep's `[vary]`, e.g. `"vessels.synthetic.density_mm_per_mm3"`), parsed and
    /// checked again. Errors name the scenario's origin and, when a value is at fault,
    /// its key. Relative paths in values resolve against the scenario's folder.
    pub fn with_overrides(&self, overrides: &Map<String, Json>) -> Result<Scenario> {
        if overrides.is_empty() {
            return Ok(self.clone());
        }
        let err = |msg: String| Error::input(&self.origin, msg);
        let mut table: toml::Table = toml::from_str(&self.source_toml)
            .map_err(|e| err(crate::toml_error::message(&self.source_toml, &e)))?;
        for (key, value) in overrides {
            check_path(key, &table).map_err(|m| err(format!("override \"{key}\": {m}")))?;
            set_dotted(&mut table, key, to_toml(value));
        }
        let text = toml::to_string(&table)
            .map_err(|e| err(format!("the overrides give no TOML ({e})")))?;
        let keys: Vec<String> = overrides.keys().map(|k| format!("\"{k}\"")).collect();
        let with = format!("(with the overrides {})", keys.join(", "));
        // Deserialize on our own first, for the parser's message without its snippet
        // of generated text, whose line numbers point into no file the user has.
        if let Err(e) = toml::from_str::<ScenarioFile>(&text) {
            let raw = e.message().trim_end();
            return Err(err(match crate::toml_error::suggestion(raw) {
                Some(hint) => format!("{with} {raw}; {hint}"),
                None => format!("{with} {raw}"),
            }));
        }
        Scenario::from_toml(&text, &self.origin, &self.name, self.base_dir.clone()).map_err(|e| {
            match e {
                Error::Input { file, message } => Error::Input {
                    file,
                    message: format!("{with} {message}"),
                },
                other => other,
            }
        })
    }
}

/// Checks a dotted key: non-empty segments, not `name`'s parents, and no scalar of the
/// table on its path (which the value would silently replace).
fn check_path(key: &str, table: &toml::Table) -> std::result::Result<(), String> {
    let segs: Vec<&str> = key.split('.').collect();
    if segs.iter().any(|s| s.trim().is_empty() || *s != s.trim()) {
        return Err("is not a dotted scenario key: write e.g. \"oxygen.km_mmhg\"".into());
    }
    let mut t = table;
    for (j, seg) in segs[..segs.len() - 1].iter().enumerate() {
        match t.get(*seg) {
            None => break,
            Some(toml::Value::Table(inner)) => t = inner,
            Some(v) => {
                return Err(format!(
                    "`{}` in the scenario is a {}, not a table",
                    segs[..=j].join("."),
                    v.type_str()
                ))
            }
        }
    }
    Ok(())
}

/// Sets `value` at the dotted `key`, creating (or replacing non-table) intermediates.
pub(crate) fn set_dotted(table: &mut toml::Table, key: &str, value: toml::Value) {
    let mut segs: Vec<&str> = key.split('.').collect();
    let Some(last) = segs.pop() else { return };
    let mut t = table;
    for seg in segs {
        let slot = t
            .entry(seg.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if !slot.is_table() {
            *slot = toml::Value::Table(toml::Table::new());
        }
        let toml::Value::Table(inner) = slot else {
            return;
        };
        t = inner;
    }
    t.insert(last.to_string(), value);
}

/// A JSON value as TOML: integers stay integers, floats stay floats.
pub(crate) fn to_toml(v: &Json) -> toml::Value {
    match v {
        Json::Null => toml::Value::String(String::new()),
        Json::Bool(b) => toml::Value::Boolean(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => toml::Value::Integer(i),
            None => toml::Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => toml::Value::String(s.clone()),
        Json::Array(a) => toml::Value::Array(a.iter().map(to_toml).collect()),
        Json::Object(o) => {
            toml::Value::Table(o.iter().map(|(k, v)| (k.clone(), to_toml(v))).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Scenario {
        Scenario::embedded_default().unwrap()
    }

    #[test]
    fn an_override_sets_the_value_at_its_dotted_key() {
        let o: Map<String, Json> = serde_json::from_str(
            r#"{"oxygen.max_consumption_mmhg_per_s": 20, "grid.shape_zyx": [8, 16, 16]}"#,
        )
        .unwrap();
        let sc = base().with_overrides(&o).unwrap();
        assert_eq!(sc.spec.oxygen.max_consumption_mmhg_per_s, 20.0);
        assert_eq!(sc.spec.grid.shape_zyx, [8, 16, 16]);
        assert_eq!(sc.name, "default");
    }

    #[test]
    fn a_wrong_override_is_named_with_the_scenario() {
        let o: Map<String, Json> = serde_json::from_str(r#"{"oxygen.km": 2.0}"#).unwrap();
        let e = base().with_overrides(&o).unwrap_err().to_string();
        assert!(
            e.contains("embedded default") && e.contains("\"oxygen.km\""),
            "{e}"
        );
        assert!(e.contains("km_mmhg"), "{e}");
        let o: Map<String, Json> = serde_json::from_str(r#"{"seed.x": 2}"#).unwrap();
        let e = base().with_overrides(&o).unwrap_err().to_string();
        assert!(e.contains("`seed` in the scenario is a integer"), "{e}");
    }
}
