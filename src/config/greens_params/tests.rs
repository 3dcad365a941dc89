use super::*;
use std::path::PathBuf;

/// A GreensV4 sample file kept in `assets/greens/`.
fn sample(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/greens")
        .join(rel)
}

fn params(text: &str) -> Result<GreensOxygen> {
    parse_solute_params(text, Path::new("SoluteParams.dat"))
}

fn message(r: Result<impl std::fmt::Debug>) -> String {
    r.expect_err("an error").to_string()
}

/// A small SoluteParams.dat in GreensV4's layout: one solute (oxygen), 3 tissue
/// parameters. Lines: 6 P50, 10 q0fac, 11 counts, 12 title, 13 flags, 15 D·α, 16 M0,
/// 17 Km.
const ONE: &str = "title\n1 1 3 flags\n2 2 100 limits\n1e-4 errfac\n50 lowflowcrit\n\
38 P50\n3 n\n0.5 c0\n3.1e-5 alphab\n1.333333 q0fac\n1 3 nsp ntissparams\n\
Solute 1 - oxygen\n1 1 1 flags\n100 pref\n4.2e-10 diff\n5e-4 M0\n1 Km\n0 extra\n\
5 g0\n1 g0fac\n";

#[test]
fn tumor1998_values_and_lines() {
    let g = read_solute_params(&sample("Tumor1998/SoluteParams.dat")).unwrap();
    let at = |value, line| Number { value, line };
    assert_eq!(g.p50_mmhg, at(38.0, 6));
    assert_eq!(g.hill_n, at(3.0, 7));
    assert_eq!(g.c0, at(0.5, 8));
    assert_eq!(g.alpha_blood, at(3.1e-5, 9));
    assert_eq!(g.q0fac, at(1.333333, 10));
    assert_eq!((g.solutes, g.tissue_params), (7, 3));
    assert_eq!((g.oxygen_solute, g.permeable_before_oxygen), (1, 0));
    assert_eq!(g.oxygen_title, "Solute 1 - oxygen");
    assert_eq!(g.diff_alpha, at(4.2e-10, 15));
    assert_eq!(g.m0, at(5e-4, 16));
    assert_eq!(g.km_mmhg, at(1.0, 17));
    assert!(g.title.starts_with("Solute parameters for tumor network"));
}

#[test]
fn conversions_of_tumor1998() {
    let g = read_solute_params(&sample("Tumor1998/SoluteParams.dat")).unwrap();
    let c = g.conversions(3.0e-5);
    let get = |key: &str| c.iter().find(|c| c.key == key).unwrap();
    let d = get("oxygen.diffusivity_um2_per_s");
    assert_eq!(d.value, 1400.0, "rounded to 12 digits: exactly 1400");
    assert_eq!(d.line, 15);
    assert_eq!(d.from, "D·α = 4.2e-10 cm³O2/cm/s/mmHg");
    assert_eq!(
        d.to,
        "1400 µm²/s (÷ αt = 3e-5 cm³O2/cm³/mmHg, × 1e8 µm²/cm²)"
    );
    let m = get("oxygen.max_consumption_mmhg_per_s");
    assert!((m.value - 5e-4 / 3e-5).abs() < 1e-9, "{}", m.value);
    assert_eq!(m.to, "16.6667 mmHg/s (÷ αt = 3e-5 cm³O2/cm³/mmHg)");
    assert_eq!(get("oxygen.km_mmhg").value, 1.0);
    assert_eq!(get("vessels.transport.p50_mmhg").value, 38.0);
    assert_eq!(get("vessels.transport.hill_n").value, 3.0);
    assert_eq!(get("vessels.transport.c0").value, 0.5);
    assert_eq!(get("vessels.transport.alpha_blood").value, 3.1e-5);
    let q = get("vessels.network.flow_scale");
    assert_eq!((q.value, q.line), (1.333333, 10));
    assert_eq!(c.len(), 8);
    // Another αt scales D and M alike.
    let c2 = g.conversions(2.0e-5);
    assert_eq!(c2[0].value, 2100.0);
    assert_eq!(c2[1].value, 25.0);
}

#[test]
fn every_sample_folder_reads() {
    // (folder, P50, n, q0fac, D µm²/s at αt 3e-5, M mmHg/s, Km)
    let cases = [
        (
            "Tumor1998",
            38.0,
            3.0,
            1.333333,
            1400.0,
            16.666_666_666_7,
            1.0,
        ),
        (
            "TumorLowDensity",
            26.0,
            2.55,
            1.0,
            1400.0,
            1.276_666_666_67,
            1.0,
        ),
        (
            "Tumor_FaDu1012",
            38.0,
            3.0,
            0.1736337,
            1400.0,
            16.666_666_666_7,
            1.0,
        ),
        ("Brain", 38.0, 3.0, 1.0, 2000.0, 83.333_333_333_3, 10.5),
    ];
    for (dir, p50, n, q0fac, d, m, km) in cases {
        let g = read_solute_params(&sample(&format!("{dir}/SoluteParams.dat")))
            .unwrap_or_else(|e| panic!("{dir}: {e}"));
        assert_eq!(g.p50_mmhg.value, p50, "{dir}");
        assert_eq!(g.hill_n.value, n, "{dir}");
        assert_eq!(g.q0fac.value, q0fac, "{dir}");
        assert_eq!(g.km_mmhg.value, km, "{dir}");
        let c = g.conversions(3.0e-5);
        assert_eq!(c[0].value, d, "{dir}");
        assert!((c[1].value - m).abs() < 1e-9 * m, "{dir}: {}", c[1].value);

        let k = read_intravasc_res(&sample(&format!("{dir}/IntravascRes.dat")))
            .unwrap_or_else(|e| panic!("{dir}: {e}"));
        assert_eq!(k.len(), 16, "{dir}");
        assert_eq!(k[0], (4.0, 2.45), "{dir}");
        assert_eq!(k[15], (50.0, 0.73), "{dir}");
    }
}

#[test]
fn later_solutes_of_intravasc_res() {
    let path = sample("Tumor1998/IntravascRes.dat");
    assert_eq!(
        read_intravasc_res_solute(&path, 2).unwrap(),
        vec![(10.0, 0.1)]
    );
    assert_eq!(
        read_intravasc_res_solute(&path, 11).unwrap(),
        vec![(10.0, 0.1)]
    );
    let e = message(read_intravasc_res_solute(&path, 3));
    assert!(e.contains("line 22") && e.contains("count 0"), "{e}");
    // The notes after the last section are not a 12th section.
    let e = message(read_intravasc_res_solute(&path, 12));
    assert!(
        e.contains("line 40") && e.contains("'count title' of solute 12"),
        "{e}"
    );
    let e = message(read_intravasc_res_solute(&path, 0));
    assert!(e.contains("counted from 1"), "{e}");
}

#[test]
fn layouts_greens_reads_are_accepted() {
    // Oxygen as solute 2, after a permeable solute; blank lines between number lines;
    // CRLF line ends; integral floats for counts; extra blocks after nsp ignored.
    let text = "t\r\n1 1 3\r\n2 2 100\r\n\r\n1e-4\r\n50\r\n26\r\n2.7\r\n0.5\r\n3.1e-5\r\n\
                2.0\r\n2.0 2.0 counts\r\nSolute 1 - drug\r\n1 1 0\r\n50\r\n4e-7\r\n0.1\r\n0.2\r\n\
                50\r\n1\r\nSolute 2 - oxygen\r\n0 0 1\r\n100\r\n\r\n4.2e-10\r\n4e-4\r\n2\r\n5\r\n1\r\n\
                Solute 3 - ignored\r\nnot read\r\n";
    let g = params(text).unwrap();
    assert_eq!((g.oxygen_solute, g.permeable_before_oxygen), (2, 1));
    assert_eq!(
        (g.m0.value, g.km_mmhg.value, g.km_mmhg.line),
        (4e-4, 2.0, 27)
    );
    assert_eq!(g.q0fac.value, 2.0);
    assert_eq!(params(ONE).unwrap().oxygen_title, "Solute 1 - oxygen");
}

/// `ONE` with line `n` (1-based) replaced by `with` (None removes it).
fn edit(n: usize, with: Option<&str>) -> String {
    let mut lines: Vec<&str> = ONE.lines().collect();
    match with {
        Some(w) => lines[n - 1] = w,
        None => {
            lines.remove(n - 1);
        }
    }
    lines.join("\n") + "\n"
}

#[test]
fn malformed_solute_params_name_the_line_and_the_fix() {
    let cases: Vec<(String, &[&str])> = vec![
        (String::new(), &["the file is empty"]),
        (
            edit(6, Some("thirty-eight P50")),
            &["line 6", "P50", "not a number"],
        ),
        (edit(6, Some("-38 P50")), &["line 6", "P50 is -38", "> 0"]),
        (
            edit(2, Some("1 1 comment")),
            &["line 2", "3 numbers first; number 3 is 'comment'"],
        ),
        (
            edit(2, Some("1 1")),
            &["line 2", "3 numbers first, found 2"],
        ),
        (edit(2, Some("1 1.5 3")), &["line 2", "must be integers"]),
        (edit(10, Some("nan")), &["line 10", "finite"]),
        (
            edit(11, Some("1  number of solutes")),
            &["line 11", "GreensV3", "q0"],
        ),
        (edit(11, Some("0 3")), &["line 11", "at least 1"]),
        (edit(11, Some("1 1")), &["line 11", "oxygen needs 2"]),
        (
            edit(11, Some("2 3")),
            &["line 11", "announces 2 solutes", "ends after 1"],
        ),
        (
            edit(13, Some("1 1 0")),
            &["line 11", "none of the 1 solutes has oxygen flag 1"],
        ),
        (
            edit(13, Some("1 1 2")),
            &["line 13", "oxygen flag", "0 or 1"],
        ),
        (
            edit(12, None),
            &["line 12", "title line of solute 1", "add it"],
        ),
        (
            edit(15, Some("D*alpha")),
            &["line 15", "diff", "solute 1", "tissue parameter"],
        ),
        (edit(15, Some("0 diff")), &["line 15", "D·α is 0"]),
        (edit(16, Some("-5e-4")), &["line 16", "M0", "≥ 0"]),
        (
            edit(18, None),
            &["file ends where the g0fac line", "tissue parameter lines"],
        ),
        (
            edit(20, None),
            &["file ends where the g0fac line should be"],
        ),
    ];
    for (text, wants) in cases {
        let e = message(params(&text));
        assert!(e.starts_with("SoluteParams.dat: "), "{e}");
        for w in wants {
            assert!(
                e.contains(w),
                "'{w}' missing from: {e}\n--- input ---\n{text}"
            );
        }
    }
    // A block with one line too many: its g0fac stands where the next title should be.
    let two = ONE.replace("1 3 nsp", "2 3 nsp")
        + "1.5 extra line\nSolute 2\n0 0 0\n1\n0\n1\n2\n3\n4\n5\n";
    let e = message(params(&two));
    assert!(
        e.contains("line 21") && e.contains("title line of solute 2") && e.contains("on line 11"),
        "{e}"
    );
    // A block with one line too few: the next title stands where g0fac should be.
    let short = ONE.replace("1 3 nsp", "2 3 nsp").replace("0 extra\n", "")
        + "Solute 2\n0 0 0\n1\n0\n1\n2\n3\n4\n5\n";
    let e = message(params(&short));
    assert!(
        e.contains("line 20")
            && e.contains("g0fac")
            && e.contains("'Solute 2'")
            && e.contains("the count on line 11"),
        "{e}"
    );
    // Two solutes marked as oxygen.
    let both = ONE.replace("1 3 nsp", "2 3 nsp")
        + "Solute 2 - oxygen again\n1 1 1\n100\n4e-10\n5e-4\n1\n0\n5\n1\n";
    let e = message(params(&both));
    assert!(
        e.contains("line 22") && e.contains("so is solute 1 (line 13)"),
        "{e}"
    );
}

#[test]
fn malformed_intravasc_res_name_the_line_and_the_fix() {
    let res = |text: &str, solute| parse_intravasc_res(text, Path::new("IntravascRes.dat"), solute);
    let cases: &[(&str, usize, &[&str])] = &[
        ("", 1, &["ends before the section of solute 1"]),
        ("Solute 1\n", 1, &["line 1", "'count title'", "integer"]),
        ("-2 Solute 1\n", 1, &["line 1", "integer ≥ 0"]),
        (
            "2 Solute 1\n4 2.45\n5 2.0\n",
            1,
            &["line 2", "header line", "add it"],
        ),
        (
            "2 Solute 1\nD K\n4 2.45\n",
            1,
            &["line 1", "announces 2 rows", "ends after 1"],
        ),
        (
            "2 S\nD K\n5 2\n4 2.45\n",
            1,
            &["line 4", "strictly increasing"],
        ),
        ("2 S\nD K\n5 2\n5 2.45\n", 1, &["line 4", "does not exceed"]),
        ("1 S\nD K\n0 2\n", 1, &["line 3", "diameter is 0"]),
        ("1 S\nD K\n4 0\n", 1, &["line 3", "K is 0", "> 0"]),
        (
            "1 S\nD K\n4\n",
            1,
            &["line 3", "1 value(s)", "diameter(µm) K"],
        ),
        ("1 S\nD K\n4 x\n", 1, &["line 3", "K is 'x'"]),
        (
            "2 S\nD K\n4 1\nnotes\n",
            1,
            &["line 4", "count is too large"],
        ),
        ("0 S\n", 1, &["line 1", "count 0"]),
        (
            "1 S\nD K\n4 1\n5 1\n1 S2\nD K\n3 3\n",
            2,
            &["line 4", "solute 2", "count (line 1) is too small"],
        ),
        ("1 S\nD K\n4 1\n", 2, &["before the section of solute 2"]),
        (
            "4 2.45\n5 2\n",
            1,
            &["line 1", "looks like a 'diameter K' row", "missing"],
        ),
    ];
    for (text, solute, wants) in cases {
        let e = message(res(text, *solute));
        for w in *wants {
            assert!(
                e.contains(w),
                "'{w}' missing from: {e}\n--- input ---\n{text}"
            );
        }
    }
    assert_eq!(res("1 S\nD K\n4 1 comment\n", 1).unwrap(), vec![(4.0, 1.0)]);
}

/// No panic on any prefix of the samples (cut at every byte, on char boundaries), nor
/// with any one line removed or doubled.
#[test]
fn truncated_and_shuffled_samples_never_panic() {
    for name in ["Tumor1998/SoluteParams.dat", "Tumor1998/IntravascRes.dat"] {
        let text = std::fs::read_to_string(sample(name)).unwrap();
        let file = Path::new("x.dat");
        let run = |t: &str| {
            let _ = parse_solute_params(t, file);
            for s in 0..4 {
                let _ = parse_intravasc_res(t, file, s);
            }
        };
        for cut in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
            run(&text[..cut]);
        }
        let lines: Vec<&str> = text.lines().collect();
        for i in 0..lines.len() {
            let mut v = lines.clone();
            v.remove(i);
            run(&v.join("\n"));
            let mut v = lines.clone();
            v.insert(i, lines[i]);
            run(&v.join("\n"));
        }
    }
}

#[test]
fn numbers_print_as_people_write_them() {
    assert_eq!(num(4.2e-10), "4.2e-10");
    assert_eq!(num(3e-5), "3e-5");
    assert_eq!(num(1400.0), "1400");
    assert_eq!(num(1.333333), "1.333333");
    assert_eq!(num(0.0), "0");
    assert_eq!(round12(4.2e-10 / 3e-5 * 1e8), 1400.0);
}

#[test]
fn only_small_regular_files_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let e = message(read_solute_params(dir.path()));
    assert!(e.contains("not a regular file"), "{e}");
    let big = dir.path().join("big.dat");
    std::fs::write(&big, vec![b'1'; (MAX_BYTES + 1) as usize]).unwrap();
    let e = message(read_intravasc_res(&big));
    assert!(
        e.contains("1048577 bytes") && e.contains("right file"),
        "{e}"
    );
    let e = message(read_solute_params(&dir.path().join("none.dat")));
    assert!(e.contains("cannot read"), "{e}");
    #[cfg(unix)]
    {
        let e = message(read_solute_params(Path::new("/dev/zero")));
        assert!(e.contains("not a regular file"), "{e}");
    }
}
