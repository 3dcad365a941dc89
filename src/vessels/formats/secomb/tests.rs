//! Tests of the Secomb reader and writer.

use super::*;

fn parse_str(text: &str) -> Result<Network> {
    parse(text, Path::new("net.dat"), &ReadOptions::default())
}

const HEAD: &str = "t\n100 100 100\n10 10 10\n0\n50\n4\n";

#[test]
fn optional_columns_and_comments() {
    let net = parse_str(&format!(
        "{HEAD}2 total number of segments\nname type from to diam flow hd\n\
         1 2 7 9 10\n2 3 9 8 6 -1.5 // vein\n3 total number of nodes\nname x y z\n\
         7 0 0 0\n9 10 0 0\n8 10 10 0\n"
    ))
    .unwrap();
    assert_eq!(net.segments[0].flow_nl_per_min, None);
    assert_eq!(net.segments[0].hematocrit, None);
    assert_eq!(net.segments[1].flow_nl_per_min, Some(-1.5));
    assert_eq!(net.segments[1].hematocrit, None);
    assert_eq!((net.segments[1].a, net.segments[1].b), (1, 2));
    assert!(net.boundary.is_empty());
}

#[test]
fn all_zero_flows_are_unknown() {
    let text = |q2: &str| {
        format!(
            "{HEAD}2 total number of segments\nh\n1 2 1 2 10 0 0.4\n2 2 2 3 10 {q2}\n\
             3 total number of nodes\nh\n1 0 0 0\n2 1 0 0\n3 2 0 0\n"
        )
    };
    let net = parse_str(&text("0.0 0.4")).unwrap();
    assert!(net.segments.iter().all(|s| s.flow_nl_per_min.is_none()));
    assert_eq!(net.segments[0].hematocrit, Some(0.4));
    let net = parse_str(&text("")).unwrap();
    assert!(net.segments.iter().all(|s| s.flow_nl_per_min.is_none()));
    let net = parse_str(&text("-2")).unwrap();
    assert_eq!(net.segments[0].flow_nl_per_min, Some(0.0));
    assert_eq!(net.segments[1].flow_nl_per_min, Some(-2.0));
}

#[test]
fn count_errors_name_the_lines() {
    // Segment count too large: the node count line appears where a row should be.
    let e = parse_str(&format!(
        "{HEAD}3 total number of segments\nh\n1 2 1 2 10\n2 total number of nodes\nh\n\
         1 0 0 0\n2 1 0 0\n"
    ))
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("line 10") && e.contains("set the count to 1"),
        "{e}"
    );
    // Node count too small: a node row appears where the boundary count should be.
    let e = parse_str(&format!(
        "{HEAD}1 total number of segments\nh\n1 2 1 2 10\n1 total number of nodes\nh\n\
         1 0 0 0\n2 1 0 0\n"
    ))
    .unwrap_err()
    .to_string();
    assert!(e.contains("line 13") && e.contains("too small"), "{e}");
    // A missing header line.
    let e = parse_str(&format!("{HEAD}1 total number of segments\n1 2 1 2 10\n"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 8") && e.contains("header"), "{e}");
}

#[test]
fn bad_values_name_line_and_column() {
    let base = |seg: &str, bc: &str| {
        format!(
            "{HEAD}1 total number of segments\nh\n{seg}\n2 total number of nodes\nh\n\
             1 0 0 0\n2 1 0 0\n1 total number of boundary nodes\nh\n{bc}\n"
        )
    };
    for (seg, bc, want) in [
        ("1 2 1 2 -3", "1 0 50", "line 9, column 'diam'"),
        ("1 2 1 2 3 1.2.3", "1 0 50", "line 9, column 'flow'"),
        ("1 2 1 2 3 1 45", "1 0 50", "line 9, column 'hd'"),
        ("1 2 1 5 3", "1 0 50", "node 5 is not in the node table"),
        ("1 2 1 1 3", "1 0 50", "zero length"),
        ("1 2 1 2 3", "1 7 50", "line 16, column 'bctyp'"),
        ("1 2 1 2 3", "4 0 50", "line 16, column 'name'"),
        ("1 2 1 2 3", "1 0", "line 16, column 'press/flow'"),
    ] {
        let e = parse_str(&base(seg, bc)).unwrap_err().to_string();
        assert!(e.starts_with("net.dat: line ") && e.contains(want), "{e}");
    }
}

#[test]
fn boundary_rows_beyond_the_count_are_ignored_as_greensv4_does() {
    // GreensV4's TumorLowDensity sample has 6 boundary rows under a count of 5.
    let net = parse_str(&format!(
        "{HEAD}1 total number of segments\nh\n1 2 1 2 10\n2 total number of nodes\nh\n\
         1 0 0 0\n2 1 0 0\n1 total number of boundary nodes\nh\n1 0 50\n2 0 10\n"
    ))
    .unwrap();
    assert_eq!(net.boundary.len(), 1);
    assert_eq!(net.boundary[0].node, 0);
}
