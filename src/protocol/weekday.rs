//! Weekdays: names, filters such as `"mon-fri"`, and the weekday and clock of a
//! simulated time. Day 0 starts at t = 0 on the protocol's `start_weekday`.

use super::duration::{DAY_S, HOUR_S, MINUTE_S};

/// Short weekday names, Monday first (index 0 = Monday).
pub(crate) const WEEKDAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// Full weekday names, Monday first.
pub(crate) const WEEKDAY_FULL_NAMES: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// The accepted weekday names, for error messages.
pub(crate) const WEEKDAY_FORMS: &str =
    "mon, tue, wed, thu, fri, sat or sun (any case; full names such as \"monday\" too)";

/// Parses a weekday name (`"mon"`, `"Monday"`) into 0 = Monday … 6 = Sunday.
pub(crate) fn parse_weekday(text: &str) -> Result<u8, String> {
    let t = text.trim().to_ascii_lowercase();
    WEEKDAY_FULL_NAMES
        .iter()
        .map(|full| full.to_ascii_lowercase())
        .position(|full| t == full || (t.len() == 3 && full.starts_with(t.as_str())))
        .map(|i| i as u8)
        .ok_or_else(|| format!("\"{}\" is not a weekday; use {WEEKDAY_FORMS}", text.trim()))
}

/// Parses one filter entry: a day (`"wed"`), a range (`"mon-fri"`, wrapping past Sunday
/// as in `"fri-mon"`), or several of these separated by commas. Sets the days in `set`.
pub(crate) fn add_weekdays(text: &str, set: &mut [bool; 7]) -> Result<(), String> {
    for part in text.split(',') {
        let part = part.trim();
        if part.is_empty() {
            return Err(format!(
                "\"{text}\" has an empty entry; write a range such as \"mon-fri\" \
                 or a list such as [\"mon\", \"wed\", \"fri\"]"
            ));
        }
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (parse_weekday(a)?, parse_weekday(b)?);
                let mut d = a;
                loop {
                    set[d as usize] = true;
                    if d == b {
                        break;
                    }
                    d = (d + 1) % 7;
                }
            }
            None => set[parse_weekday(part)? as usize] = true,
        }
    }
    Ok(())
}

/// The days of a filter, as short names joined by commas (`"Mon, Tue, Wed"`).
pub(crate) fn weekday_list(set: &[bool; 7]) -> String {
    let names: Vec<&str> = (0..7)
        .filter(|&d| set[d])
        .map(|d| WEEKDAY_NAMES[d])
        .collect();
    names.join(", ")
}

/// The day index of time `t_s` (day 0 holds t = 0). A nanosecond of slack keeps times
/// computed as sums of whole days on the day they name.
pub(crate) fn day_index(t_s: f64) -> i64 {
    (t_s / DAY_S + 1e-12).floor() as i64
}

/// Weekday of time `t_s` when t = 0 falls on `start_weekday` (0 = Monday).
pub(crate) fn weekday_of(t_s: f64, start_weekday: u8) -> u8 {
    (start_weekday as i64 + day_index(t_s)).rem_euclid(7) as u8
}

/// `"d 12 09:00"`: the day index and the clock time within it (seconds shown only where
/// the time has them).
pub(crate) fn day_clock(t_s: f64) -> String {
    // Beyond ~3 million years a day count means nothing (and would overflow).
    if !(t_s.is_finite() && t_s.abs() < 1e14) {
        return format!("t = {t_s:.3e} s");
    }
    let mut day = day_index(t_s);
    let mut secs = (t_s - day as f64 * DAY_S).round().max(0.0) as i64;
    if secs >= DAY_S as i64 {
        day += 1;
        secs -= DAY_S as i64;
    }
    let (h, m, s) = (
        secs / HOUR_S as i64,
        secs % HOUR_S as i64 / MINUTE_S as i64,
        secs % MINUTE_S as i64,
    );
    if s == 0 {
        format!("d {day} {h:02}:{m:02}")
    } else {
        format!("d {day} {h:02}:{m:02}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_short_and_full_names_in_any_case() {
        assert_eq!(parse_weekday("mon"), Ok(0));
        assert_eq!(parse_weekday("Wednesday"), Ok(2));
        assert_eq!(parse_weekday(" SUN "), Ok(6));
        assert!(parse_weekday("mo").is_err());
        assert!(parse_weekday("funday").unwrap_err().contains("mon, tue"));
    }

    #[test]
    fn ranges_lists_and_wrapping() {
        let mut set = [false; 7];
        add_weekdays("mon-fri", &mut set).unwrap();
        assert_eq!(set, [true, true, true, true, true, false, false]);
        let mut set = [false; 7];
        add_weekdays("fri-mon", &mut set).unwrap();
        assert_eq!(weekday_list(&set), "Mon, Fri, Sat, Sun");
        let mut set = [false; 7];
        add_weekdays("mon, wed,fri", &mut set).unwrap();
        assert_eq!(weekday_list(&set), "Mon, Wed, Fri");
        assert!(add_weekdays("mon,,fri", &mut set).is_err());
        assert!(add_weekdays("mon-xyz", &mut set).is_err());
    }

    #[test]
    fn weekday_and_clock_of_a_time() {
        assert_eq!(weekday_of(0.0, 0), 0);
        assert_eq!(weekday_of(5.0 * DAY_S, 0), 5);
        assert_eq!(weekday_of(5.0 * DAY_S - 1.0, 0), 4);
        assert_eq!(weekday_of(39.0 * DAY_S, 0), 4);
        assert_eq!(weekday_of(3.0 * DAY_S, 2), 5);
        assert_eq!(day_clock(12.0 * DAY_S + 9.0 * HOUR_S), "d 12 09:00");
        assert_eq!(day_clock(90.0), "d 0 00:01:30");
        assert_eq!(day_clock(DAY_S - 0.2), "d 1 00:00");
    }
}
