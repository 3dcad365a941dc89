//! `SoluteParams.dat`: the layout is in the parent module's docs.

use super::{integer, starts_with_number, GreensOxygen, Lines, Number};
use crate::{Error, Result};
use std::path::Path;

/// Parses the text of a `SoluteParams.dat`; `file` names it in errors.
pub fn parse_solute_params(text: &str, file: &Path) -> Result<GreensOxygen> {
    let mut l = Lines::new(text, file);
    let Some((_, title)) = l.nonblank() else {
        return Err(Error::input(
            file,
            "the file is empty; a GreensV4 SoluteParams.dat starts with a title line, then \
             one value per line (P50 on line 6, n, c0, αb, q0fac, then the solute blocks)",
        ));
    };
    let ints = |l: &Lines, ln: usize, v: &[f64], what: &str| -> Result<Vec<i64>> {
        v.iter()
            .map(|&x| integer(x))
            .collect::<Option<Vec<i64>>>()
            .ok_or_else(|| l.err(ln, format!("{what} must be integers, found {v:?}")))
    };
    let (ln, v) = l.numbers("'rungreens g0method linmethod'", 3, "")?;
    ints(&l, ln, &v, "rungreens, g0method and linmethod")?;
    let (ln, v) = l.numbers("'nmaxvessel nmaxtissue nmax' (iteration limits)", 3, "")?;
    ints(&l, ln, &v, "nmaxvessel, nmaxtissue and nmax")?;
    l.number("errfac (convergence tolerance)", "")?;
    l.number("lowflowcrit (low-flow criterion)", "")?;
    let p50 = l.number("P50 (mmHg)", "")?;
    let hill_n = l.number("Hill exponent n", "")?;
    let c0 = l.number("O2 binding capacity of red cells c0 (cm³/cm³)", "")?;
    let alpha_blood = l.number("O2 solubility in blood αb (cm³/cm³/mmHg)", "")?;
    let q0fac = l.number("flow factor q0fac", "")?;

    let counts_what = "'nsp ntissparams' (number of solutes, tissue parameters per solute)";
    let Some((counts_line, line)) = l.nonblank() else {
        return Err(Error::input(
            file,
            format!("the file ends where the {counts_what} line should be; it is truncated"),
        ));
    };
    let counts: Vec<Option<i64>> = line
        .split_whitespace()
        .take(2)
        .map(|t| t.parse::<f64>().ok().and_then(integer))
        .collect();
    let (nsp, ntiss) = match counts[..] {
        [Some(a), Some(b)] => (a, b),
        [Some(_), ..] => {
            return Err(l.err(
                counts_line,
                format!(
                    "expected {counts_what}, found '{}': the second number is missing. \
                     GreensV4 (version 4) files give the number of tissue parameters per \
                     solute after the number of solutes; an older (GreensV3) file gives \
                     only the first, and its line 10 is the total inflow q0, not q0fac: \
                     add the count (3 in GreensV4's samples) and check line 10",
                    line.trim()
                ),
            ))
        }
        _ => {
            return Err(l.err(
                counts_line,
                format!(
                    "expected {counts_what}: two integers first, found '{}'",
                    line.trim()
                ),
            ))
        }
    };
    if nsp < 1 {
        return Err(l.err(
            counts_line,
            format!("the number of solutes is {nsp}; at least 1 (oxygen) is needed"),
        ));
    }
    if !(0..=1000).contains(&ntiss) {
        return Err(l.err(
            counts_line,
            format!(
                "the number of tissue parameters per solute is {ntiss}; it must lie in 0–1000 \
                 (3 in GreensV4's samples)"
            ),
        ));
    }
    let (nsp, ntiss) = (nsp as usize, ntiss as usize);

    // The solute blocks; oxygen is the one whose flag is 1.
    struct Found {
        solute: usize,
        title: String,
        flags_line: usize,
        permeable_before: usize,
        diff_alpha: Number,
        tiss: Vec<Number>,
    }
    let mut oxygen: Option<Found> = None;
    let mut permeable = 0;
    for k in 1..=nsp {
        let layout = format!(
            "; a solute block is a title line, 'permsolute diffsolute oxygen', pref, diff, \
             {ntiss} tissue parameter lines (the count on line {counts_line}), g0 and g0fac: \
             check that count and the block of solute {k}"
        );
        let Some((title_line, title)) = l.nonblank() else {
            return Err(l.err(
                counts_line,
                format!(
                    "this line announces {nsp} solutes, but the file ends after {}; the file is \
                     truncated or the count is wrong",
                    k - 1
                ),
            ));
        };
        if starts_with_number(title) {
            return Err(l.err(
                title_line,
                format!(
                    "expected the title line of solute {k} of {nsp} (e.g. 'Solute {k} - \
                     oxygen'), found the number line '{}'{}",
                    title.trim(),
                    if k == 1 {
                        "; a title line must come before each solute block: add it".to_string()
                    } else {
                        format!(
                            "; the block of solute {} has more lines than the layout allows, \
                             or this block has no title{layout}",
                            k - 1
                        )
                    }
                ),
            ));
        }
        let hint = format!(" (solute {k}, '{}'){layout}", title.trim());
        let (flags_line, v) = l.numbers("'permsolute diffsolute oxygen' flags", 3, &hint)?;
        let flags = ints(
            &l,
            flags_line,
            &v,
            "the permsolute, diffsolute and oxygen flags",
        )?;
        let is_oxygen = match flags[2] {
            0 => false,
            1 => true,
            f => {
                return Err(l.err(
                    flags_line,
                    format!(
                        "the oxygen flag (third number) of solute {k} is {f}; it must be 0 \
                         or 1 (1 for the oxygen solute)"
                    ),
                ))
            }
        };
        l.number("pref (typical maximum value)", &hint)?;
        let diff = l.number("diff (for oxygen D·α, cm³O2/cm/s/mmHg)", &hint)?;
        let mut tiss = Vec::new();
        for i in 1..=ntiss {
            let n = l.number(&format!("tissparam[{i}]"), &hint)?;
            if is_oxygen && i <= 2 {
                tiss.push(n);
            }
        }
        l.number("g0 (initial estimate)", &hint)?;
        l.number("g0fac", &hint)?;
        if is_oxygen {
            if let Some(first) = &oxygen {
                return Err(l.err(
                    flags_line,
                    format!(
                        "solute {k} is marked as oxygen, and so is solute {} (line {}); mark \
                         one solute only with oxygen flag 1",
                        first.solute, first.flags_line
                    ),
                ));
            }
            oxygen = Some(Found {
                solute: k,
                title: title.trim().to_string(),
                flags_line,
                permeable_before: permeable,
                diff_alpha: diff,
                tiss,
            });
        } else if flags[0] == 1 {
            permeable += 1;
        }
    }
    let Some(o) = oxygen else {
        return Err(l.err(
            counts_line,
            format!(
                "none of the {nsp} solutes has oxygen flag 1 (the third number of the line \
                 after each solute's title); oxyfield needs the oxygen solute: set its flag \
                 to 1"
            ),
        ));
    };
    let [m0, km] = o.tiss[..] else {
        return Err(l.err(
            counts_line,
            format!(
                "{ntiss} tissue parameter(s) per solute; oxygen needs 2, tissparam[1] = M0 \
                 (cm³O2/cm³/s) and tissparam[2] = Km (mmHg)"
            ),
        ));
    };

    let checks: [(Number, &str, bool, &str); 8] = [
        (p50, "P50", true, "mmHg: 26 human, 38 rat"),
        (hill_n, "the Hill exponent n", true, "2.55–3"),
        (c0, "c0", false, "0.5 cm³O2/cm³ red cells"),
        (alpha_blood, "αb", true, "3.1e-5 cm³O2/cm³/mmHg"),
        (q0fac, "q0fac", true, "1 keeps network.dat's flows"),
        (
            o.diff_alpha,
            "oxygen's D·α",
            true,
            "4.2e-10 cm³O2/cm/s/mmHg in tumour",
        ),
        (
            m0,
            "oxygen's M0 (tissparam[1])",
            false,
            "5e-4 cm³O2/cm³/s in tumour",
        ),
        (km, "oxygen's Km (tissparam[2])", false, "1 mmHg"),
    ];
    for (n, what, positive, typical) in checks {
        let ok = if positive {
            n.value > 0.0
        } else {
            n.value >= 0.0
        };
        if !ok {
            return Err(l.err(
                n.line,
                format!(
                    "{what} is {}; it must be {} (typically {typical})",
                    n.value,
                    if positive { "> 0" } else { "≥ 0" }
                ),
            ));
        }
    }
    Ok(GreensOxygen {
        title: title.trim().to_string(),
        p50_mmhg: p50,
        hill_n,
        c0,
        alpha_blood,
        q0fac,
        solutes: nsp,
        tissue_params: ntiss,
        oxygen_solute: o.solute,
        permeable_before_oxygen: o.permeable_before,
        oxygen_title: o.title,
        diff_alpha: o.diff_alpha,
        m0,
        km_mmhg: km,
    })
}
