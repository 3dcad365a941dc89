//! `IntravascRes.dat`: the layout is in the parent module's docs.

use super::{integer, parse_finite, starts_with_number, Lines};
use crate::{Error, Result};
use std::path::Path;

/// Parses the text of an `IntravascRes.dat` and returns the table of solute `solute`
/// (1-based): (diameter µm, K) points, diameters strictly increasing, K > 0.
pub fn parse_intravasc_res(text: &str, file: &Path, solute: usize) -> Result<Vec<(f64, f64)>> {
    if solute == 0 {
        return Err(Error::input(
            file,
            "solutes are counted from 1 (oxygen is solute 1 in GreensV4's samples)",
        ));
    }
    let mut l = Lines::new(text, file);
    let mut prev_count_line = 0;
    for k in 1..=solute {
        let Some((count_line, line)) = l.nonblank() else {
            return Err(Error::input(
                file,
                format!(
                    "the file ends before the section of solute {k}{}; each solute has a line \
                     'count title' (e.g. '16 Solute 1 - oxygen') and, when count > 0, a header \
                     line and count rows 'diameter K'",
                    if k == solute {
                        String::new()
                    } else {
                        format!(" (solute {solute} is wanted)")
                    }
                ),
            ));
        };
        let toks: Vec<&str> = line.split_whitespace().take(2).collect();
        if toks.len() == 2 && toks.iter().all(|t| t.parse::<f64>().is_ok()) {
            return Err(l.err(
                count_line,
                format!(
                    "expected the line 'count title' of solute {k} (e.g. '16 Solute {k}'), \
                     found '{}', which looks like a 'diameter K' row{}",
                    line.trim(),
                    if k > 1 {
                        format!(
                            " of solute {}: that section's count (line {prev_count_line}) is \
                             too small",
                            k - 1
                        )
                    } else {
                        ": the count line is missing".to_string()
                    }
                ),
            ));
        }
        prev_count_line = count_line;
        let tok = toks.first().copied().unwrap_or("");
        let count = match tok.parse::<f64>().ok().and_then(integer) {
            Some(c) if c >= 0 => c as usize,
            _ => {
                return Err(l.err(
                    count_line,
                    format!(
                        "expected the line 'count title' of solute {k} (e.g. '16 Solute {k}'), \
                         found '{}': the first token must be the number of rows (an integer \
                         ≥ 0){}",
                        line.trim(),
                        if k > 1 {
                            format!(
                                "; if this is a row of solute {}, that section's count is too \
                                 small",
                                k - 1
                            )
                        } else {
                            String::new()
                        }
                    ),
                ))
            }
        };
        if count == 0 {
            if k == solute {
                return Err(l.err(
                    count_line,
                    format!(
                        "solute {k} has no intravascular resistance points (count 0; GreensV4 \
                         then takes no intravascular resistance); give its table, or do not \
                         use this file for it"
                    ),
                ));
            }
            continue;
        }
        let header = l.nonblank();
        match header {
            None => {
                return Err(l.err(
                    count_line,
                    format!(
                        "the file ends after this count; a header line (e.g. 'D (um)  K') and \
                         {count} rows 'diameter K' should follow"
                    ),
                ))
            }
            Some((ln, h)) if starts_with_number(h) => {
                return Err(l.err(
                    ln,
                    format!(
                        "this should be the header line (e.g. 'D (um)  K (mmHg.um.s/um3O2)') \
                         after the count on line {count_line}, but it starts with a number; \
                         every section with rows has one header line: add it"
                    ),
                ))
            }
            Some(_) => {}
        }
        let mut rows = Vec::new();
        for i in 0..count {
            let Some((ln, row)) = l.nonblank() else {
                return Err(l.err(
                    count_line,
                    format!(
                        "this line announces {count} rows for solute {k}, but the file ends \
                         after {i}; the file is truncated or the count is wrong"
                    ),
                ));
            };
            if k != solute {
                continue;
            }
            let toks: Vec<&str> = row.split_whitespace().take(2).collect();
            let parsed = match toks[..] {
                [d, kk] => parse_finite(d, "the diameter")
                    .and_then(|d| parse_finite(kk, "K").map(|kk| (d, kk))),
                _ => Err(format!("the row has {} value(s)", toks.len())),
            };
            let (d, kv) = parsed.map_err(|m| {
                l.err(
                    ln,
                    format!(
                        "row {} of {count} of solute {k} (count on line {count_line}): {m}; \
                         rows are 'diameter(µm) K'{}",
                        i + 1,
                        if starts_with_number(row) {
                            ""
                        } else {
                            " (a text line here means the count is too large)"
                        }
                    ),
                )
            })?;
            if d <= 0.0 {
                return Err(l.err(ln, format!("the diameter is {d} µm; it must be > 0")));
            }
            if kv <= 0.0 {
                return Err(l.err(
                    ln,
                    format!("K is {kv}; it must be > 0 (a resistance per unit of O2 flux)"),
                ));
            }
            if let Some(&(prev, _)) = rows.last() {
                if d <= prev {
                    return Err(l.err(
                        ln,
                        format!(
                            "the diameter {d} µm does not exceed the row before ({prev} µm); \
                             rows must be in strictly increasing diameter"
                        ),
                    ));
                }
            }
            rows.push((d, kv));
        }
        if k == solute {
            // A row right after the table looks like a count line to GreensV4 and shifts
            // every later section; say so when the next line has two numbers.
            if let Some((ln, next)) = l.nonblank() {
                let toks: Vec<&str> = next.split_whitespace().take(2).collect();
                if toks.len() == 2 && toks.iter().all(|t| t.parse::<f64>().is_ok()) {
                    log::warn!(
                        "{}: line {ln}: '{}' looks like another 'diameter K' row after the \
                         {count} rows that the count on line {count_line} announces; it is \
                         not read: if it is a row, set that count to {}",
                        file.display(),
                        next.trim(),
                        count + 1
                    );
                }
            }
            return Ok(rows);
        }
    }
    // The loop returns at k == solute.
    Ok(Vec::new())
}
