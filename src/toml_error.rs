//! TOML parse and schema errors in the style of the other input errors: the line and
//! column, the dotted key, what was expected in plain words, and the fix (for an
//! unknown key, the nearest known one), followed by the offending line with a caret.
//! Used for scenario, protocol and sweep files.

/// Reads a text file (a scenario, protocol or sweep: `what`); the error names the
/// file and says why it cannot be read, or where it stops being UTF-8 text.
pub fn read_text(path: &std::path::Path, what: &str) -> crate::Result<String> {
    let bytes = std::fs::read(path).map_err(|e| {
        crate::Error::input(
            path,
            format!("cannot read this {what} ({e}); check the path"),
        )
    })?;
    String::from_utf8(bytes).map_err(|e| crate::Error::input(path, not_utf8(&e, what)))
}

/// Where a file stops being UTF-8, and the fix.
pub(crate) fn not_utf8(e: &std::string::FromUtf8Error, what: &str) -> String {
    let bytes = e.as_bytes();
    let at = e.utf8_error().valid_up_to();
    let good = String::from_utf8_lossy(&bytes[..at.min(bytes.len())]);
    let line = good.matches('\n').count() + 1;
    let column = good.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    let byte = bytes.get(at).copied().unwrap_or(0);
    format!(
        "line {line}, column {column}: byte 0x{byte:02x} is not UTF-8 text; save this {what} \
         as UTF-8 (µ and other symbols included)"
    )
}

/// The message of `e`, raised while reading `text`: `line L, column C: … ` with the
/// line itself underneath. The file name is added by the caller's error.
pub(crate) fn message(text: &str, e: &toml::de::Error) -> String {
    let raw = e.message().trim_end();
    let key = key_path(text, e);
    let body = describe(raw, key.as_deref(), e.span().map(|s| span_text(text, &s)));
    match e.span() {
        Some(span) => {
            let (line, column, content) = position(text, span.start);
            let width = text
                .get(span.clone())
                .map_or(1, |s| s.lines().next().unwrap_or("").chars().count())
                .max(1);
            let gutter = " ".repeat(line.to_string().len());
            format!(
                "line {line}, column {column}: {body}\n{gutter} |\n{line} | {content}\n{gutter} | {}{}",
                " ".repeat(column - 1),
                "^".repeat(width)
            )
        }
        None => body,
    }
}

/// The dotted key of the value at fault (tables of an array of tables carry no index),
/// found from the error's span in the document's own parse (`toml::de::DeTable`, with
/// the span of every key and value): the innermost value whose span holds the error's
/// start, or, where the span is a key's own (an unknown or duplicate key), the table
/// that holds it. None at the top level, for syntax errors and errors without a span.
fn key_path(text: &str, e: &toml::de::Error) -> Option<String> {
    let at = e.span()?.start;
    let doc = toml::de::DeTable::parse(text).ok()?;
    let mut path = Vec::new();
    find(doc.get_ref(), at, &mut path)
        .then(|| path.join("."))
        .filter(|p| !p.is_empty())
}

/// Searches `table` (and every table below it: a `[a.b]` section's entries lie outside
/// the span of its parent's value) for the entry at byte `at`; on success `path` holds
/// the keys down to the value that holds `at`, or to the table holding the key at `at`.
fn find(table: &toml::de::DeTable<'_>, at: usize, path: &mut Vec<String>) -> bool {
    for (k, v) in table.iter() {
        // At the key itself (an unknown or duplicate key): the table that holds it.
        if k.span().contains(&at) {
            return true;
        }
        path.push(k.get_ref().to_string());
        if children(v.get_ref()).any(|t| find(t, at, path)) || v.span().contains(&at) {
            return true;
        }
        path.pop();
    }
    false
}

/// The tables directly inside value `v`: itself, or its array's table elements.
fn children<'a, 'i>(
    v: &'a toml::de::DeValue<'i>,
) -> Box<dyn Iterator<Item = &'a toml::de::DeTable<'i>> + 'a> {
    match v {
        toml::de::DeValue::Table(t) => Box::new(std::iter::once(t)),
        toml::de::DeValue::Array(items) => {
            Box::new(items.iter().filter_map(|x| match x.get_ref() {
                toml::de::DeValue::Table(t) => Some(t),
                _ => None,
            }))
        }
        _ => Box::new(std::iter::empty()),
    }
}

/// The text under the error's span (one line at most).
fn span_text(text: &str, span: &std::ops::Range<usize>) -> String {
    text.get(span.clone())
        .and_then(|s| s.lines().next())
        .unwrap_or("")
        .trim()
        .to_string()
}

/// 1-based line and column (in characters) of byte `at`, and that line's text.
fn position(text: &str, at: usize) -> (usize, usize, &str) {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let line = text[..start].matches('\n').count() + 1;
    let column = text[start..at].chars().count() + 1;
    (line, column, text[start..end].trim_end_matches('\r'))
}

/// Plain words for serde's type names.
fn plain(expected: &str) -> String {
    let e = expected.trim();
    match e {
        "f64" | "f32" => "a number".into(),
        "usize" | "u64" | "u32" | "u16" | "u8" => "a whole number ≥ 0".into(),
        "i64" | "i32" | "i16" | "i8" | "isize" => "a whole number".into(),
        "a boolean" | "bool" => "true or false".into(),
        "a string" => "a text in quotes".into(),
        "a sequence" => "a list [ … ]".into(),
        "a map" => "a table".into(),
        _ if e.starts_with("struct ") => "a table".into(),
        _ if e.starts_with("an array of length ") => {
            format!("a list of {} values", &e["an array of length ".len()..])
        }
        _ => e.to_string(),
    }
}

/// The key names inside "expected one of `a`, `b`" / "expected `a` or `b`".
fn known_keys(list: &str) -> Vec<String> {
    list.split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, s)| s.to_string())
        .collect()
}

/// Edit distance (Levenshtein) between two short names.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The known key nearest to `name`, when it is near enough to be a likely misspelling
/// (or shares its stem, such as a wrong unit suffix).
fn nearest<'a>(name: &str, known: &'a [String]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| {
            (
                distance(&name.to_ascii_lowercase(), &k.to_ascii_lowercase()),
                k,
            )
        })
        .filter(|(d, k)| *d <= (name.len().max(k.len()) / 3).max(1) || stem(name) == stem(k))
        .min_by_key(|(d, k)| (stem(name) != stem(k), *d))
        .map(|(_, k)| k.as_str())
}

/// A key's name without its unit suffix (`spacing_um` → `spacing`).
fn stem(s: &str) -> String {
    s.split('_').next().unwrap_or(s).to_ascii_lowercase()
}

fn join(parent: Option<&str>, name: &str) -> String {
    match parent {
        Some(p) => format!("{p}.{name}"),
        None => name.to_string(),
    }
}

/// For a serde "unknown field" message, the known key nearest to the unknown one, as
/// "did you mean `x`?"; None for other messages or when no key is near.
pub(crate) fn suggestion(raw: &str) -> Option<String> {
    let rest = raw.strip_prefix("unknown field `")?;
    let (name, tail) = rest.split_once('`')?;
    let known = known_keys(tail);
    nearest(name, &known).map(|k| format!("did you mean `{k}`?"))
}

/// The sentence for one serde or syntax message.
fn describe(raw: &str, key: Option<&str>, at: Option<String>) -> String {
    // unknown field `x`, expected one of `a`, `b` | expected `a` or `b` | there are no fields
    if let Some(rest) = raw.strip_prefix("unknown field `") {
        if let Some((name, tail)) = rest.split_once('`') {
            let full = join(key, name);
            let known = known_keys(tail);
            let place = match key {
                Some(k) => format!("[{k}]"),
                None => "the top level".to_string(),
            };
            if known.is_empty() {
                return format!("`{full}` is not a known key: {place} takes no keys; remove it");
            }
            let hint = match nearest(name, &known) {
                Some(k) if stem(k) == stem(name) => {
                    format!("did you mean `{k}`? (units are part of the key names)")
                }
                Some(k) => format!("did you mean `{k}`?"),
                None => "remove it or correct its spelling".to_string(),
            };
            return format!(
                "`{full}` is not a known key; {hint} ({place} takes {})",
                known.join(", ")
            );
        }
    }
    if let Some(rest) = raw.strip_prefix("missing field `") {
        if let Some((name, _)) = rest.split_once('`') {
            let full = join(key, name);
            return format!("`{full}` is required but missing: add it");
        }
    }
    let subject = key.map_or(String::new(), |k| format!("`{k}`: "));
    for (prefix, word) in [("invalid type: ", "found"), ("invalid value: ", "found")] {
        if let Some(rest) = raw.strip_prefix(prefix) {
            if let Some((found, expected)) = rest.split_once(", expected ") {
                let want = plain(expected);
                let mut s = format!("{subject}expected {want}, {word} {found}");
                if want == "a number" || want.starts_with("a whole number") {
                    if let Some(inner) = found
                        .strip_prefix("string \"")
                        .and_then(|f| f.strip_suffix('"'))
                    {
                        if inner.trim().parse::<f64>().is_ok() {
                            s.push_str(&format!(": write {} without quotes", inner.trim()));
                        }
                    }
                }
                if want == "a table" {
                    let k = key.unwrap_or("…");
                    s.push_str(&format!(": write it as a [{k}] table of keys"));
                }
                return s;
            }
        }
    }
    if let Some(rest) = raw.strip_prefix("invalid length ") {
        if let Some((n, expected)) = rest.split_once(", expected ") {
            return format!("{subject}has {n} values, expected {}", plain(expected));
        }
    }
    if raw == "duplicate key" {
        let name = at.unwrap_or_default();
        return format!("`{name}` is set twice in this table: keep one");
    }
    if key.is_some() {
        return format!("{subject}{raw}");
    }
    format!("TOML syntax error: {raw}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        grid: Grid,
    }
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Grid {
        shape_zyx: [usize; 3],
        spacing_um: f64,
    }

    fn msg(text: &str) -> String {
        let e = toml::from_str::<Doc>(text).unwrap_err();
        message(text, &e)
    }

    #[test]
    fn messages_name_line_key_and_fix() {
        let m = msg("[grid]\nshape_zyx = [1, 2, 3]\nspacing_mm = 1.0\n");
        assert!(
            m.starts_with("line 3, column 1: `grid.spacing_mm` is not a known key"),
            "{m}"
        );
        assert!(m.contains("did you mean `spacing_um`?"), "{m}");
        assert!(m.contains("3 | spacing_mm = 1.0"), "{m}");
        let m = msg("[grid]\nshape_zyx = [1, 2, 3]\nspacing_um = \"10\"\n");
        assert!(
            m.contains("`grid.spacing_um`: expected a number, found string \"10\""),
            "{m}"
        );
        assert!(m.contains("write 10 without quotes"), "{m}");
        let m = msg("[grid]\nshape_zyx = [1, -2, 3]\nspacing_um = 1.0\n");
        assert!(
            m.contains("`grid.shape_zyx`: expected a whole number ≥ 0"),
            "{m}"
        );
        let m = msg("[grid]\nshape_zyx = [1, 2]\nspacing_um = 1.0\n");
        assert!(
            m.contains("`grid.shape_zyx`: has 2 values, expected a list of 3 values"),
            "{m}"
        );
        let m = msg("x = 1\n");
        assert!(m.contains("`x` is not a known key"), "{m}");
        assert!(m.contains("the top level takes grid"), "{m}");
        let m = msg("[grid]\nshape_zyx = [1, 2, 3]\n");
        assert!(
            m.contains("`grid.spacing_um` is required but missing: add it"),
            "{m}"
        );
        let m = msg("[grid\n");
        assert!(
            m.contains("line 1, column 6: TOML syntax error: unclosed table"),
            "{m}"
        );
        let m = msg("[grid]\nshape_zyx = [1, 2, 3]\nspacing_um = 1.0\nspacing_um = 2.0\n");
        assert!(
            m.contains("line 4, column 1: `spacing_um` is set twice"),
            "{m}"
        );
        let m = msg("grid = 3\n");
        assert!(
            m.contains("`grid`: expected a table, found integer `3`"),
            "{m}"
        );
    }

    #[test]
    fn position_survives_any_span() {
        assert_eq!(position("", 5), (1, 1, ""));
        assert_eq!(position("ab\ncd", 4), (2, 2, "cd"));
        assert_eq!(position("é\n", 1), (1, 1, "é"));
        assert_eq!(
            nearest("tortuousity", &["tortuosity".into(), "kind".into()]),
            Some("tortuosity")
        );
        assert_eq!(nearest("zzz", &["tortuosity".into()]), None);
        assert_eq!(
            suggestion("unknown field `km`, expected `km_mmhg` or `d`").as_deref(),
            Some("did you mean `km_mmhg`?")
        );
        assert_eq!(suggestion("missing field `km`"), None);
    }
}
