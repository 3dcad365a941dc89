//! Reading the CSV files oxyfield writes (`batch.csv`, `timeline.csv`): comma-separated,
//! fields quoted with `"` when they hold a comma, a quote or a newline.

/// The rows of `text`, each a list of fields (quotes removed, `""` → `"`).
pub(crate) fn parse(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

#[cfg(test)]
mod tests {
    #[test]
    fn quoted_fields_keep_their_commas() {
        let rows = super::parse("a,b,c\n1,\"[24,48,48]\",\"say \"\"hi\"\"\"\n2,,x");
        assert_eq!(rows[0], ["a", "b", "c"]);
        assert_eq!(rows[1], ["1", "[24,48,48]", "say \"hi\""]);
        assert_eq!(rows[2], ["2", "", "x"]);
    }
}
