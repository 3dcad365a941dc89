//! The page skeleton of `report.html`: escaping, the inline style sheet and the small
//! script that sorts tables. Nothing is fetched: the page works from a `file://` URL
//! with its figures as files beside it.

use std::fmt::Write;

/// `text` with the HTML special characters escaped (for text and attribute values).
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A relative path as a URL path: each segment percent-encoded where needed, `/`
/// between them (Windows separators too).
pub(crate) fn href(path: &str) -> String {
    let mut out = String::new();
    for (n, seg) in path.split(['/', '\\']).enumerate() {
        if n > 0 {
            out.push('/');
        }
        for b in seg.bytes() {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                out.push(b as char);
            } else {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

/// A page being built: sections appended in order, then [`Page::finish`].
pub(crate) struct Page {
    body: String,
}

impl Page {
    /// A page titled `title`, with `subtitle` under the heading.
    pub(crate) fn new(title: &str, subtitle: &str) -> Self {
        let mut body = String::new();
        let _ = writeln!(
            body,
            "<header><h1>{}</h1><p class=\"sub\">{}</p></header>",
            escape(title),
            escape(subtitle)
        );
        Page { body }
    }

    /// A section heading.
    pub(crate) fn heading(&mut self, text: &str) {
        let _ = writeln!(self.body, "<h2>{}</h2>", escape(text));
    }

    /// Raw HTML (already escaped by the caller).
    pub(crate) fn raw(&mut self, html: &str) {
        self.body.push_str(html);
        self.body.push('\n');
    }

    /// A figure: the image at relative path `src`, captioned, linking to itself and to
    /// `data` (its CSV) when given.
    pub(crate) fn figure(&mut self, src: &str, caption: &str, data: Option<&str>) {
        let link = data.map_or(String::new(), |d| {
            format!(" · <a href=\"{}\">data (CSV)</a>", href(d))
        });
        let _ = writeln!(
            self.body,
            "<figure><a href=\"{0}\"><img src=\"{0}\" alt=\"{1}\" loading=\"eager\"></a>\
             <figcaption>{1}{link}</figcaption></figure>",
            href(src),
            escape(caption)
        );
    }

    /// A table of `header` and `rows` (cells are text); `sortable` adds click-to-sort
    /// on the header cells (numbers compare as numbers, empty cells last).
    pub(crate) fn table(
        &mut self,
        id: &str,
        header: &[String],
        rows: &[Vec<Cell>],
        sortable: bool,
    ) {
        let class = if sortable { " class=\"sortable\"" } else { "" };
        let _ = write!(
            self.body,
            "<div class=\"scroll\"><table id=\"{}\"{class}><thead><tr>",
            escape(id)
        );
        for h in header {
            let _ = write!(
                self.body,
                "<th data-col=\"{0}\" scope=\"col\" title=\"{0}\">{0}</th>",
                escape(h)
            );
        }
        self.body.push_str("</tr></thead><tbody>\n");
        for row in rows {
            self.body.push_str("<tr>");
            for cell in row {
                let _ = write!(self.body, "{}", cell.html());
            }
            self.body.push_str("</tr>\n");
        }
        self.body.push_str("</tbody></table></div>\n");
    }

    /// Text in a `<pre>` block, folded away under `summary`.
    pub(crate) fn details(&mut self, summary: &str, text: &str) {
        let _ = writeln!(
            self.body,
            "<details><summary>{}</summary><pre>{}</pre></details>",
            escape(summary),
            escape(text)
        );
    }

    /// The whole document.
    pub(crate) fn finish(self, title: &str, footer: &str) -> String {
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{}</title><style>{STYLE}</style></head>\n<body>\n{}\
             <footer>{}</footer>\n<script>{SCRIPT}</script>\n</body></html>\n",
            escape(title),
            self.body,
            escape(footer)
        )
    }
}

/// One table cell: text, optionally a number to sort by and a link.
pub(crate) struct Cell {
    /// Shown text.
    pub(crate) text: String,
    /// The value sorting uses (text sorts as text when absent).
    pub(crate) number: Option<f64>,
    /// A relative link around the text.
    pub(crate) link: Option<String>,
}

impl Cell {
    /// A cell from a CSV field: numbers are shown with 4 significant digits and sort
    /// by their full value.
    pub(crate) fn from_csv(field: &str) -> Self {
        let number = field.trim().parse::<f64>().ok().filter(|x| x.is_finite());
        let text = match number {
            Some(x) if field.contains(['.', 'e', 'E']) => significant(x, 4),
            _ => field.to_string(),
        };
        Cell {
            text,
            number,
            link: None,
        }
    }

    fn html(&self) -> String {
        let sort = self
            .number
            .map_or(String::new(), |x| format!(" data-sort=\"{x}\""));
        let text = escape(&self.text);
        match &self.link {
            Some(l) => format!("<td{sort}><a href=\"{}\">{text}</a></td>", href(l)),
            None => format!("<td{sort}>{text}</td>"),
        }
    }
}

/// `x` with `digits` significant digits, without trailing zeros.
pub(crate) fn significant(x: f64, digits: i32) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let mag = x.abs().log10().floor() as i32;
    if !(-4..6).contains(&mag) {
        return format!("{:.*e}", (digits - 1).max(0) as usize, x);
    }
    let decimals = (digits - 1 - mag).max(0) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

const STYLE: &str = "\
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1200px;padding:0 20px 40px;color:#1d1d1f;background:#fff}\
header{border-bottom:1px solid #ddd;margin-bottom:8px}h1{font-size:24px;margin:20px 0 4px}\
.sub{color:#555;margin:0 0 12px}h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid #eee;padding-bottom:4px}\
.gallery{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:14px}\
.gallery.wide{grid-template-columns:repeat(auto-fill,minmax(520px,1fr))}\
figure{margin:0 0 14px}figure img{max-width:100%;height:auto;border:1px solid #e3e3e3;display:block}\
figcaption{font-size:12px;color:#444;margin-top:4px}\
.scroll{overflow-x:auto}table{border-collapse:collapse;font-size:12.5px;font-variant-numeric:tabular-nums}\
th,td{padding:4px 8px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}\
th{background:#f6f6f8;position:sticky;top:0}td:not([data-sort]),th:first-child{text-align:left}\
table.sortable th{cursor:pointer;user-select:none}table.sortable th:hover{background:#eaeaf0}\
th[aria-sort=ascending]::after{content:' \\25B2'}th[aria-sort=descending]::after{content:' \\25BC'}\
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px}dl.kv dt{color:#555}dl.kv dd{margin:0}\
pre{background:#f6f6f8;padding:10px;overflow-x:auto;font-size:12px}\
footer{margin-top:36px;color:#777;font-size:12px}";

/// Click a header cell of a `table.sortable` to sort its rows by that column
/// (ascending, then descending); numbers by `data-sort`, empty cells always last.
const SCRIPT: &str = r#"
document.querySelectorAll('table.sortable').forEach(function (table) {
  var heads = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads, function (th, col) {
    th.addEventListener('click', function () {
      var asc = th.getAttribute('aria-sort') !== 'ascending';
      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var key = function (row) {
        var cell = row.cells[col];
        if (!cell || cell.textContent.trim() === '') { return null; }
        var n = cell.getAttribute('data-sort');
        return n !== null ? parseFloat(n) : cell.textContent.trim().toLowerCase();
      };
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        if (x === null || y === null) { return (x === null) - (y === null); }
        var c = (typeof x === 'number' && typeof y === 'number') ? x - y : String(x).localeCompare(String(y));
        return asc ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_paths_are_escaped() {
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(href("ab 1/o2 xy.png"), "ab%201/o2%20xy.png");
        assert_eq!(significant(0.364140615, 4), "0.3641");
        assert_eq!(significant(27.3686, 4), "27.37");
        assert_eq!(significant(3.0e-8, 4), "3.000e-8");
        let c = Cell::from_csv("0.24967719642824668");
        assert_eq!(
            (c.text.as_str(), c.number),
            ("0.2497", Some(0.24967719642824668))
        );
        assert_eq!(Cell::from_csv("290fbc401fc6").number, None);
    }
}
