//! Human-readable durations: `"6w"`, `"36h"`, `"90min"`, `"1.5h"`, `"30s"`.
//!
//! A duration is a non-negative decimal number and a unit (`s`, `min`, `h`, `d`, `w`),
//! with optional spaces between them. Protocol files use these for every time; each
//! such key `X` also has a numeric twin `X_h` in hours, for scripts that write numbers.

/// Seconds in a minute.
pub const MINUTE_S: f64 = 60.0;
/// Seconds in an hour.
pub const HOUR_S: f64 = 3600.0;
/// Seconds in a day.
pub const DAY_S: f64 = 86_400.0;
/// Seconds in a week.
pub const WEEK_S: f64 = 604_800.0;

/// The accepted forms, for error messages.
pub(crate) const DURATION_FORMS: &str = "a number and a unit (s, min, h, d or w), \
     such as \"30s\", \"90min\", \"1.5h\", \"2d\" or \"6w\"";

/// Units from the largest down; [`format_duration`] tries them in this order.
const UNITS: [(&str, f64); 5] = [
    ("w", WEEK_S),
    ("d", DAY_S),
    ("h", HOUR_S),
    ("min", MINUTE_S),
    ("s", 1.0),
];

/// Parses a duration such as `"36h"` or `"1.5 d"` into seconds.
///
/// The error is a message about the text alone (what is wrong and the accepted forms);
/// the caller adds the file and the key.
pub fn parse_duration(text: &str) -> Result<f64, String> {
    let bad = |why: &str| {
        Err(format!(
            "\"{text}\" is not a duration ({why}); write {DURATION_FORMS}"
        ))
    };
    let t = text.trim();
    if t.is_empty() {
        return bad("it is empty");
    }
    if t.starts_with('-') {
        return bad("durations cannot be negative");
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let unit = unit.trim_start();
    if number.is_empty() {
        return bad("it has no number");
    }
    if unit.is_empty() {
        return bad("it has no unit");
    }
    let Ok(value) = number.parse::<f64>() else {
        return bad(&format!("\"{number}\" is not a number"));
    };
    let scale = match unit.to_ascii_lowercase().as_str() {
        "s" => 1.0,
        "min" => MINUTE_S,
        "h" => HOUR_S,
        "d" => DAY_S,
        "w" => WEEK_S,
        "m" => return bad("\"m\" is ambiguous: write \"min\" for minutes"),
        _ => return bad(&format!("\"{unit}\" is not a known unit")),
    };
    let seconds = value * scale;
    if !seconds.is_finite() {
        return bad("it is too large");
    }
    Ok(seconds)
}

/// Writes seconds as the shortest readable duration that parses back to the same value:
/// `"6w"`, `"39d"`, `"36h"`, `"90min"`, `"2.5h"`.
///
/// The whole number in the largest unit that has one is preferred (`"90min"`, not
/// `"1.5h"` or `"5400s"`); a decimal form in a larger unit is used only where it is at
/// least two characters shorter (`"2.5h"`, not `"150min"`).
/// Zero is `"0h"`; anything without a short exact form falls back to seconds as Rust
/// prints them (which [`parse_duration`] reads back exactly).
pub fn format_duration(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        return format!("{seconds}s");
    }
    if seconds == 0.0 {
        return "0h".into();
    }
    let mut whole: Option<String> = None;
    let mut decimal: Option<String> = None;
    for (unit, scale) in UNITS {
        let v = seconds / scale;
        let r = v.round();
        if r >= 1.0 && (v - r).abs() <= 1e-9 * v {
            // The largest unit that fits a whole number; smaller units only add digits.
            whole = Some(format!("{}{unit}", r as u64));
            break;
        }
        for places in 1..=3 {
            let text = format!("{v:.places$}");
            let back: f64 = text.parse().unwrap_or(f64::NAN);
            if (back * scale - seconds).abs() <= 1e-9 * seconds {
                let text = text.trim_end_matches('0').trim_end_matches('.');
                let s = format!("{text}{unit}");
                if decimal.as_ref().is_none_or(|d| s.len() < d.len()) {
                    decimal = Some(s);
                }
                break;
            }
        }
    }
    match (whole, decimal) {
        (Some(w), Some(d)) if d.len() + 2 <= w.len() => d,
        (Some(w), _) => w,
        (None, Some(d)) => d,
        (None, None) => format!("{seconds}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_unit() {
        assert_eq!(parse_duration("30s"), Ok(30.0));
        assert_eq!(parse_duration("90min"), Ok(5400.0));
        assert_eq!(parse_duration("36h"), Ok(129_600.0));
        assert_eq!(parse_duration("2d"), Ok(172_800.0));
        assert_eq!(parse_duration("6w"), Ok(3_628_800.0));
        assert_eq!(parse_duration("0h"), Ok(0.0));
    }

    #[test]
    fn parses_decimals_spaces_and_case() {
        assert_eq!(parse_duration("1.5h"), Ok(5400.0));
        assert_eq!(parse_duration(".5d"), Ok(43_200.0));
        assert_eq!(parse_duration("  2 d "), Ok(172_800.0));
        assert_eq!(parse_duration("1.5 H"), Ok(5400.0));
        assert_eq!(parse_duration("10 min"), Ok(600.0));
    }

    #[test]
    fn rejects_bad_text_with_the_accepted_forms() {
        for bad in [
            "",
            "5",
            "-1h",
            "5 parsecs",
            "h",
            "1.2.3h",
            ".h",
            "5m",
            "1e3h",
            "+1h",
            "inf h",
        ] {
            let e = parse_duration(bad).expect_err(bad);
            assert!(e.contains("not a duration"), "{bad}: {e}");
            assert!(e.contains("\"6w\""), "{bad}: {e}");
        }
        assert!(parse_duration("5 parsecs")
            .unwrap_err()
            .contains("\"parsecs\""));
        assert!(parse_duration("-1h").unwrap_err().contains("negative"));
        assert!(parse_duration("5m").unwrap_err().contains("\"min\""));
    }

    #[test]
    fn formats_the_shortest_exact_form() {
        assert_eq!(format_duration(6.0 * WEEK_S), "6w");
        assert_eq!(format_duration(39.0 * DAY_S), "39d");
        assert_eq!(format_duration(36.0 * HOUR_S), "36h");
        assert_eq!(format_duration(90.0 * MINUTE_S), "90min");
        assert_eq!(format_duration(30.0 * MINUTE_S), "30min");
        assert_eq!(format_duration(2.5 * HOUR_S), "2.5h");
        assert_eq!(format_duration(24.0 * HOUR_S), "1d");
        assert_eq!(format_duration(30.0), "30s");
        assert_eq!(format_duration(0.0), "0h");
        assert_eq!(format_duration(1.2345), "1.2345s");
    }

    #[test]
    fn format_round_trips_through_parse() {
        let values = [
            0.0,
            0.5,
            1.0,
            30.0,
            59.0,
            61.0,
            90.0,
            1800.0,
            5400.0,
            9000.0,
            86_399.0,
            86_400.0,
            129_600.0,
            302_400.0,
            604_800.0,
            3_628_800.0,
            4_838_400.0,
            1.0e9,
            1234.567,
            0.001,
        ];
        for s in values {
            let text = format_duration(s);
            let back = parse_duration(&text).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert!(
                (back - s).abs() <= 1e-9 * s.max(1.0),
                "{s} → {text} → {back}"
            );
        }
    }
}
