//! Protocol tests: schedule expansion against hand-counted calendars, error messages
//! naming file and key, and the shipped protocols in `assets/protocols/`.

use super::weekday::WEEKDAY_NAMES;
use super::*;
use std::path::Path;

fn parse(text: &str) -> Result<Protocol> {
    Protocol::from_toml(text, "test.toml", Path::new("/base"))
}

/// The error message of a protocol that must fail (file and message together).
fn fails(text: &str) -> String {
    match parse(text) {
        Ok(p) => panic!("expected an error, got {p:?}"),
        Err(e) => {
            assert_eq!(e.exit_code(), 2, "{e}");
            let msg = e.to_string();
            assert!(msg.starts_with("test.toml: "), "{msg}");
            msg
        }
    }
}

fn days(times: &[f64]) -> Vec<f64> {
    times.iter().map(|t| t / DAY_S).collect()
}

const CONVENTIONAL: &str = r#"
schema_version = 1
duration = "8w"
[[radiotherapy]]
dose_gy = 2.0
every = "1d"
count = 30
weekdays = "mon-fri"
"#;

#[test]
fn thirty_fractions_mon_fri_from_monday_span_six_weeks() {
    let p = parse(CONVENTIONAL).unwrap();
    let ev = p.events();
    assert_eq!(ev.len(), 30);
    assert_eq!(ev[0].time_s, 0.0);
    assert_eq!(ev[29].time_s, 39.0 * DAY_S);
    for e in &ev {
        let wd = weekday::weekday_of(e.time_s, 0);
        assert!(wd < 5, "fraction on {}", WEEKDAY_NAMES[wd as usize]);
    }
    // Six weeks: five fractions in each week 0–5.
    for week in 0..6 {
        let n = ev
            .iter()
            .filter(|e| (e.time_s / WEEK_S).floor() as i64 == week)
            .count();
        assert_eq!(n, 5, "week {week}");
    }
    let expected: Vec<f64> = (0..6)
        .flat_map(|w| (0..5).map(move |d| (7 * w + d) as f64))
        .collect();
    assert_eq!(days(&p.radiotherapy[0].times_s), expected);
    assert_eq!(
        ev[3].kind,
        EventKind::Radiotherapy {
            item: 0,
            fraction: 3,
            dose_gy: 2.0
        }
    );
    assert_eq!(p.time_step_s, HOUR_S);
    assert_eq!(p.start_weekday, 0);
}

#[test]
fn starting_on_wednesday_shifts_the_weekends() {
    let text = CONVENTIONAL.replace(
        "schema_version = 1",
        "schema_version = 1\nstart_weekday = \"Wednesday\"",
    );
    let p = parse(&text).unwrap();
    assert_eq!(p.start_weekday, 2);
    let d = days(&p.radiotherapy[0].times_s);
    // Wed Thu Fri, (Sat Sun off), Mon …: days 0 1 2, then 5 6 7 8 9, then 12 …
    assert_eq!(&d[..8], &[0.0, 1.0, 2.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
    assert!(d.iter().all(|&x| !matches!((x as i64 + 2) % 7, 5 | 6)));
    // Wed–Fri (3), then five full Mon–Fri weeks (25) to day 37, then Mon and Tue.
    assert_eq!(d.len(), 30);
    assert_eq!(d[27], 37.0);
    assert_eq!(*d.last().unwrap(), 41.0);
}

#[test]
fn explicit_times_and_plain_repeats() {
    let p = parse(
        r#"
schema_version = 1
duration_h = 100
[[radiotherapy]]
dose_gy = 5
at = ["48h", "0h", "3d"]
[[radiotherapy]]
dose_gy = 1.5
start = "12h"
every = "6h"
count = 4
[[radiotherapy]]
dose_gy = 1
at_h = [12.0]
"#,
    )
    .unwrap();
    assert_eq!(p.duration_s, 100.0 * HOUR_S);
    assert_eq!(days(&p.radiotherapy[0].times_s), [0.0, 2.0, 3.0]);
    let h: Vec<f64> = p.radiotherapy[1]
        .times_s
        .iter()
        .map(|t| t / HOUR_S)
        .collect();
    assert_eq!(h, [12.0, 18.0, 24.0, 30.0]);
    let ev = p.events();
    let order: Vec<(f64, usize)> = ev
        .iter()
        .map(|e| match e.kind {
            EventKind::Radiotherapy { item, .. } => (e.time_s / HOUR_S, item),
            EventKind::Drug { .. } | EventKind::Window { .. } => {
                unreachable!("no drugs or windows in this protocol")
            }
        })
        .collect();
    // At 12 h course 1 comes before course 2 (file order); 48 h is course 0.
    assert_eq!(
        order,
        [
            (0.0, 0),
            (12.0, 1),
            (12.0, 2),
            (18.0, 1),
            (24.0, 1),
            (30.0, 1),
            (48.0, 0),
            (72.0, 0)
        ]
    );
}

#[test]
fn single_fraction_with_count_one_and_no_every() {
    let p = parse("schema_version = 1\nduration = \"1d\"\n[[radiotherapy]]\ndose_gy = 15\nstart = \"2h\"\ncount = 1\n").unwrap();
    assert_eq!(p.radiotherapy[0].times_s, [2.0 * HOUR_S]);
    assert_eq!(p.radiotherapy[0].fraction_minutes, 2.0);
    // A fraction longer than the whole run is allowed; only its start must fit.
    let p = parse("schema_version = 1\nduration = \"5min\"\ntime_step = \"1min\"\n[[radiotherapy]]\ndose_gy = 15\ncount = 1\nfraction_minutes = 10\n").unwrap();
    assert_eq!(p.radiotherapy[0].times_s, [0.0]);
}

#[test]
fn a_filter_that_never_matches_is_an_error() {
    let msg = fails(
        r#"
schema_version = 1
duration = "20w"
[[radiotherapy]]
dose_gy = 2
every = "1w"
count = 3
weekdays = ["sat", "sun"]
"#,
    );
    assert!(msg.contains("`radiotherapy[0].weekdays`"), "{msg}");
    assert!(msg.contains("never matches"), "{msg}");
    assert!(msg.contains("fall on Mon only"), "{msg}");
}

#[test]
fn an_event_after_the_duration_names_item_and_fraction() {
    let msg = fails(&CONVENTIONAL.replace("\"8w\"", "\"5w\""));
    assert!(msg.contains("`radiotherapy[0]`"), "{msg}");
    // 5w ends on day 35, a Monday, which still takes fraction 26 (events may lie at the
    // duration); fraction 27 would be on day 36.
    assert!(msg.contains("fraction 27 of 30 would fall at 36d"), "{msg}");
    assert!(msg.contains("lengthen `duration` to at least 39d"), "{msg}");
    let msg = fails("schema_version = 1\nduration = \"1d\"\n[[radiotherapy]]\ndose_gy = 2\nat = [\"0h\", \"2d\"]\n");
    assert!(msg.contains("`radiotherapy[0].at[1]`"), "{msg}");
    assert!(msg.contains("fraction 2"), "{msg}");
    assert!(msg.contains("lengthen `duration`"), "{msg}");
}

#[test]
fn unknown_keys_name_the_key_and_line() {
    let msg = fails("schema_version = 1\nduration = \"1d\"\n[[radiotherapy]]\ndose_gy = 2\ncount = 1\ndose_gray = 3\n");
    assert!(msg.contains("dose_gray"), "{msg}");
    assert!(msg.contains("line 6"), "{msg}");
    let msg = fails("schema_version = 1\nduraton = \"1d\"\n");
    assert!(msg.contains("duraton") && msg.contains("line 2"), "{msg}");
}

#[test]
fn a_key_and_its_hours_twin_together_are_an_error() {
    let msg = fails("schema_version = 1\nduration = \"1d\"\nduration_h = 24\n");
    assert!(
        msg.contains("`duration`") && msg.contains("`duration_h`"),
        "{msg}"
    );
    let msg = fails("schema_version = 1\nduration = \"1d\"\n[[radiotherapy]]\ndose_gy = 2\ncount = 2\nevery = \"1h\"\nevery_h = 1\n");
    assert!(
        msg.contains("`radiotherapy[0].every`") && msg.contains("`radiotherapy[0].every_h`"),
        "{msg}"
    );
}

#[test]
fn bad_durations_name_the_key_and_the_forms() {
    let msg = fails("schema_version = 1\nduration = \"8w\"\n[[radiotherapy]]\ndose_gy = 2\ncount = 1\n[[radiotherapy]]\ndose_gy = 2\ncount = 1\n[[radiotherapy]]\ndose_gy = 2\ncount = 2\nevery = \"1 parsec\"\n");
    assert!(msg.contains("`radiotherapy[2].every`"), "{msg}");
    assert!(msg.contains("\"90min\"") && msg.contains("\"6w\""), "{msg}");
    let msg = fails("schema_version = 1\nduration = 8\n");
    assert!(msg.contains("line 2") && msg.contains("_h"), "{msg}");
}

#[test]
fn value_and_combination_checks() {
    let cases = [
        ("duration = \"1d\"\n", "`schema_version`"),
        ("schema_version = 2\nduration = \"1d\"\n", "only version 1"),
        ("schema_version = 1\n", "`duration`: is required"),
        ("schema_version = 1\nduration = \"0h\"\n", "`duration`"),
        ("schema_version = 1\nduration = \"1d\"\ntime_step = \"2d\"\n", "`time_step`"),
        ("schema_version = 1\nduration = \"1d\"\ntime_step = \"0s\"\n", "`time_step`"),
        ("schema_version = 1\nduration = \"1d\"\nstart_weekday = \"mun\"\n", "`start_weekday`"),
        ("schema_version = 1\nduration = \"1d\"\nsnapshots = [\"2d\"]\n", "`snapshots[0]`"),
        ("schema_version = 1\nduration = \"1d\"\nsnapshots = [\"soon\"]\n", "\"end\""),
        ("schema_version = 1\nduration = \"1d\"\nsnapshot_every = \"0h\"\n", "`snapshot_every`"),
        ("schema_version = 1\nduration = \"1d\"\n[[radiotherapy]]\ncount = 1\n", "`radiotherapy[0].dose_gy`: is required"),
        ("schema_version = 1\nduration = \"1d\"\n[[radiotherapy]]\ndose_gy = 0\ncount = 1\n", "(0, 100]"),
        ("schema_version = 1\nduration = \"1d\"\n[[radiotherapy]]\ndose_gy = 101\ncount = 1\n", "(0, 100]"),
        ("schema_version = 1\nduration = \"1d\"\n[[radiotherapy]]\ndose_gy = 2\ncount = 1\nfraction_minutes = 0\n", "`radiotherapy[0].fraction_minutes`"),
        ("schema_version = 1\nduration = \"1d\"\n[[radiotherapy]]\ndose_gy = 2\ncount = 1\nfraction_minutes = 601\n", "(0, 600]"),
        ("schema_version = 1\nduration = \"1d\"\n[[radiotherapy]]\ndose_gy = 2\n", "neither when nor how often"),
        ("schema_version = 1\nduration = \"1d\"\n[[radiotherapy]]\ndose_gy = 2\ncount = 3\n", "`every` is missing"),
        ("schema_version = 1\nduration = \"1d\"\n[[radiotherapy]]\ndose_gy = 2\nevery = \"1h\"\n", "needs `count`"),
        ("schema_version = 1\nduration = \"1d\"\n[[radiotherapy]]\ndose_gy = 2\ncount = 0\n", "`radiotherapy[0].count`"),
        ("schema_version = 1\nduration = \"1d\"\n[[radiotherapy]]\ndose_gy = 2\nat = [\"0h\"]\ncount = 1\n", "not both"),
        ("schema_version = 1\nduration = \"1d\"\n[[radiotherapy]]\ndose_gy = 2\nat = []\n", "is empty"),
        ("schema_version = 1\nduration = \"1d\"\n[[radiotherapy]]\ndose_gy = 2\nat = [\"0h\", \"1min\"]\n", "overlap"),
        ("schema_version = 1\nduration = \"1d\"\n[[radiotherapy]]\ndose_gy = 2\ncount = 2\nevery = \"1min\"\n", "overlap"),
        ("schema_version = 1\nduration = \"1d\"\n[[radiotherapy]]\ndose_gy = 2\ncount = 1\nweekdays = \"mon\"\n", "needs `every`"),
        ("schema_version = 1\nduration = \"1d\"\n[[radiotherapy]]\ndose_gy = 2\ncount = 1\nevery = \"1h\"\nweekdays = []\n", "empty list"),
        ("schema_version = 1\nduration = \"1d\"\n[[radiotherapy]]\ndose_gy = 2\ncount = 1\nevery = \"1h\"\nweekdays = \"mon-fry\"\n", "\"fry\" is not a weekday"),
        ("schema_version = 1\nduration = \"1w\"\n[[radiotherapy]]\ndose_gy = 2\ncount = 3\nevery = \"1d\"\nweekdays = \"sat\"\n", "fraction 2 of 3"),
    ];
    for (text, want) in cases {
        let msg = fails(text);
        assert!(msg.contains(want), "{text}\n→ {msg}\n(wanted {want})");
    }
}

#[test]
fn snapshots_merge_sort_and_resolve_end() {
    let p = parse("schema_version = 1\nduration = \"3d\"\nsnapshots = [\"end\", \"36h\", \"1d\"]\nsnapshot_every = \"1d\"\ncheckpoint_every_h = 6\n").unwrap();
    assert_eq!(days(&p.snapshot_times_s), [0.0, 1.0, 1.5, 2.0, 3.0]);
    assert_eq!(p.checkpoint_every_s, Some(6.0 * HOUR_S));
    let p = parse("schema_version = 1\nduration_h = 10\nsnapshots_h = [2.5, 10]\n").unwrap();
    assert_eq!(p.snapshot_times_s, [2.5 * HOUR_S, 10.0 * HOUR_S]);
    assert_eq!(p.name, "test");
    assert!(p.radiotherapy.is_empty() && p.events().is_empty());
}

#[test]
fn dose_maps_resolve_against_the_file_folder() {
    let p = parse("schema_version = 1\nduration = \"1d\"\n[[radiotherapy]]\ndose_gy = 2\ncount = 1\ndose_map_npy = \"maps/dose.npy\"\n[[radiotherapy]]\ndose_gy = 2\ncount = 1\ndose_map_npy = \"/abs/dose.npy\"\n").unwrap();
    assert_eq!(
        p.radiotherapy[0].dose_map_npy.as_deref(),
        Some(Path::new("/base/maps/dose.npy"))
    );
    assert_eq!(
        p.radiotherapy[1].dose_map_npy.as_deref(),
        Some(Path::new("/abs/dose.npy"))
    );
}

#[test]
fn a_missing_file_is_an_input_error_naming_it() {
    let e = Protocol::load(Path::new("/no/such/protocol.toml")).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(
        e.to_string()
            .starts_with("/no/such/protocol.toml: cannot read"),
        "{e}"
    );
}

fn asset(name: &str) -> Protocol {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/protocols")
        .join(name);
    Protocol::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn asset_conventional_30x2() {
    let p = asset("conventional_30x2.toml");
    assert_eq!(p.name, "conventional-30x2");
    assert_eq!(p.duration_s, 8.0 * WEEK_S);
    assert_eq!(p.checkpoint_every_s, Some(DAY_S));
    assert_eq!(
        p.snapshot_times_s,
        [0.0, WEEK_S, 6.0 * WEEK_S, 8.0 * WEEK_S]
    );
    let rt = &p.radiotherapy[0];
    assert_eq!(rt.times_s.len(), 30);
    assert_eq!(rt.times_s[29], 39.0 * DAY_S);
    assert_eq!(rt.dose_gy * rt.times_s.len() as f64, 60.0);
    let text = p.timeline_text();
    assert!(text.contains("30 fractions × 2 Gy = 60 Gy"), "{text}");
    assert!(text.contains("d 0 (Mon) to d 39 (Fri)"), "{text}");
    assert!(text.contains("total: 30 events, 60 Gy"), "{text}");
    assert!(text.contains("d 39 00:00"), "{text}");
    assert!(text.contains("day 0 is a Monday"), "{text}");
    assert_eq!(
        text.lines()
            .filter(|l| l.contains("radiotherapy[0] fraction"))
            .count(),
        30
    );
}

#[test]
fn asset_hypofractionated_5x8() {
    let p = asset("hypofractionated_5x8.toml");
    assert_eq!(p.duration_s, 4.0 * WEEK_S);
    assert_eq!(days(&p.radiotherapy[0].times_s), [0.0, 2.0, 4.0, 6.0, 8.0]);
    assert_eq!(p.radiotherapy[0].dose_gy, 8.0);
    assert_eq!(days(&p.snapshot_times_s), [0.0, 7.0, 9.0, 14.0, 21.0, 28.0]);
    assert_eq!(p.events().len(), 5);
}

#[test]
fn asset_single_15() {
    let p = asset("single_15.toml");
    assert_eq!(p.duration_s, 2.0 * WEEK_S);
    assert_eq!(p.radiotherapy[0].times_s, [0.0]);
    assert_eq!(p.radiotherapy[0].dose_gy, 15.0);
    assert_eq!(p.snapshot_times_s.len(), 15 + 2);
    assert_eq!(p.snapshot_times_s[1], 6.0 * HOUR_S);
    let text = p.timeline_text();
    assert!(text.contains("total: 1 event, 15 Gy"), "{text}");
}

const WEEKLY_EVO: &str = r#"
schema_version = 1
duration = "8w"
[[radiotherapy]]
dose_gy = 2.0
every = "1d"
count = 30
weekdays = "mon-fri"
[[drug]]
preset = "evofosfamide"
name = "evo"
start = "0h"
every = "1w"
count = 6
plasma_cmax_um = 20.0
infusion_minutes = 60
"#;

#[test]
fn drug_courses_expand_like_radiotherapy_and_override_their_preset() {
    let p = parse(WEEKLY_EVO).unwrap();
    assert_eq!(p.drugs.len(), 1);
    let d = &p.drugs[0];
    assert_eq!(
        (d.name.as_str(), d.preset.as_str()),
        ("evo", "evofosfamide")
    );
    assert_eq!(days(&d.times_s), vec![0.0, 7.0, 14.0, 21.0, 28.0, 35.0]);
    assert_eq!(d.params.pk.cmax_um, 20.0);
    assert_eq!(d.params.pk.infusion_s, 3600.0);
    let preset = crate::physics::drug::DrugParams::preset("evofosfamide").unwrap();
    assert_eq!(d.params.activation, preset.activation);
    // At t = 0 the fraction comes before the dose; 36 events in all.
    let events = p.events();
    assert_eq!(events.len(), 36);
    assert!(matches!(events[0].kind, EventKind::Radiotherapy { .. }));
    assert!(matches!(
        events[1].kind,
        EventKind::Drug { item: 0, dose: 0 }
    ));
    let text = p.timeline_text();
    assert!(
        text.contains("drug[0] evo (evofosfamide): 6 doses, plasma Cmax 20 µM, 60 min infusion"),
        "{text}"
    );
    assert!(text.contains("drug[0] evo dose 6/6"), "{text}");
    // Two-compartment plasma curve.
    let two = parse(&WEEKLY_EVO.replace(
        "plasma_cmax_um = 20.0",
        "plasma_half_life_h = 6.0\nplasma_fast_half_life_h = 0.5\nplasma_fast_fraction = 0.8",
    ))
    .unwrap();
    assert_eq!(
        two.drugs[0].params.pk.model,
        crate::physics::pk::PkModel::TwoCompartment {
            fast_fraction: 0.8,
            fast_half_life_h: 0.5,
            slow_half_life_h: 6.0
        }
    );
}

#[test]
fn bad_drug_tables_name_the_key_and_the_fix() {
    let no_preset = fails("schema_version = 1\nduration = \"1d\"\n[[drug]]\nat = [\"0h\"]\n");
    assert!(
        no_preset.contains("`drug[0].preset`") && no_preset.contains("tirapazamine"),
        "{no_preset}"
    );
    let unknown = fails(&WEEKLY_EVO.replace("\"evofosfamide\"", "\"aspirin\""));
    assert!(
        unknown.contains("\"aspirin\"") && unknown.contains("evofosfamide"),
        "{unknown}"
    );
    let name = fails(&WEEKLY_EVO.replace("name = \"evo\"", "name = \"Evo 1\""));
    assert!(
        name.contains("`drug[0].name`") && name.contains("lower-case"),
        "{name}"
    );
    let twice = fails(&format!(
        "{WEEKLY_EVO}[[drug]]\npreset = \"tirapazamine\"\nname = \"evo\"\nat = [\"1d\"]\n"
    ));
    assert!(
        twice.contains("`drug[1].name`") && twice.contains("drug[0]"),
        "{twice}"
    );
    let half = fails(&WEEKLY_EVO.replace("plasma_cmax_um = 20.0", "plasma_fast_fraction = 0.5"));
    assert!(half.contains("two-compartment"), "{half}");
    let negative = fails(&WEEKLY_EVO.replace("plasma_cmax_um = 20.0", "ki_mmhg = -1.0"));
    assert!(
        negative.contains("`drug[0].ki_mmhg`") && negative.contains("-1"),
        "{negative}"
    );
    let late = fails(&WEEKLY_EVO.replace("count = 6", "count = 10"));
    assert!(
        late.contains("dose 10 of 10") && late.contains("`drug[0]`"),
        "{late}"
    );
    let unknown_key = fails(&WEEKLY_EVO.replace("name = \"evo\"", "nmae = \"evo\""));
    assert!(unknown_key.contains("nmae"), "{unknown_key}");
}

#[test]
fn asset_conventional_30x2_evofosfamide() {
    let p = asset("conventional_30x2_evofosfamide.toml");
    assert_eq!(p.radiotherapy[0].times_s.len(), 30);
    assert_eq!(
        days(&p.drugs[0].times_s),
        vec![0.0, 7.0, 14.0, 21.0, 28.0, 35.0]
    );
    // Each dose 2 h before a Monday fraction.
    for &t in &p.drugs[0].times_s {
        assert!(p.radiotherapy[0].times_s.contains(&(t + 2.0 * HOUR_S)));
    }
}

#[test]
fn intervention_windows_take_defaults_refuse_foreign_keys_and_order_their_events() {
    let p = parse(
        "schema_version = 1\nduration = \"2w\"\n\
         [[normalisation]]\nstart = \"1d\"\nend = \"6d\"\nprune_fraction = 0.2\n\
         [[hif_inhibitor]]\nstart_h = 0\nend_h = 48\n\
         [[antioxidant]]\nstart = \"3d\"\nend = \"4d\"\n",
    )
    .unwrap();
    // Kinds in a fixed order (HIF inhibitors, normalisation, pro-, antioxidants).
    assert_eq!(p.windows.len(), 3);
    assert_eq!(
        p.windows[0].effect,
        windows::WindowEffect::HifInhibitor { strength: 0.6 }
    );
    assert_eq!(
        p.windows[1].effect,
        windows::WindowEffect::Normalisation {
            perfusion_factor: 1.3,
            blood_po2_increase_mmhg: 10.0,
            prune_fraction: 0.2,
            angiogenesis_factor: 0.0,
            drug_permeability_factor: 1.0
        }
    );
    assert!(p.windows[1].open_at(DAY_S) && !p.windows[1].open_at(6.0 * DAY_S));
    let kinds: Vec<String> = p
        .events()
        .iter()
        .map(|e| match e.kind {
            EventKind::Window { item, open } => format!("{item}{}", if open { "+" } else { "-" }),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(kinds, ["0+", "1+", "0-", "2+", "2-", "1-"]);
    let text = p.timeline_text();
    assert!(
        text.contains("normalisation[0]: d 1 00:00 to d 6 00:00"),
        "{text}"
    );
    assert!(text.contains("normalisation window opens"), "{text}");

    let foreign = fails(
        "schema_version = 1\nduration = \"2w\"\n[[prooxidant]]\nstart = \"0h\"\nend = \"1d\"\n\
         strength = 0.5\n",
    );
    assert!(
        foreign.contains("`prooxidant[0].strength`") && foreign.contains("extra_ros_um_per_s"),
        "{foreign}"
    );
    let backwards = fails(
        "schema_version = 1\nduration = \"2w\"\n[[antioxidant]]\nstart = \"2d\"\nend = \"1d\"\n",
    );
    assert!(backwards.contains("`antioxidant[0].end`"), "{backwards}");
    let open_ended =
        fails("schema_version = 1\nduration = \"2w\"\n[[hif_inhibitor]]\nstart = \"2d\"\n");
    assert!(
        open_ended.contains("`hif_inhibitor[0]`") && open_ended.contains("`end`"),
        "{open_ended}"
    );
    let strong = fails(
        "schema_version = 1\nduration = \"2w\"\n[[hif_inhibitor]]\nstart = \"0h\"\nend = \"1d\"\n\
         strength = 1.5\n",
    );
    assert!(
        strong.contains("1.5") && strong.contains("[0, 1]"),
        "{strong}"
    );
}

#[test]
fn asset_normalisation_then_8gy() {
    let p = asset("normalisation_then_8gy.toml");
    assert_eq!(days(&p.radiotherapy[0].times_s), vec![3.0, 4.0, 5.0]);
    assert_eq!(p.windows.len(), 1);
    assert!(p.radiotherapy[0]
        .times_s
        .iter()
        .all(|&t| p.windows[0].open_at(t)));
}
