//! A small, tolerant XML tag scanner: enough for VTK's XML files, not a general parser.
//!
//! It records every element (name, attributes, parent, children, the byte range of
//! its content and the line it opens on) and skips the prolog, comments, `<!DOCTYPE>`
//! and processing instructions. It stops at `<AppendedData>`, whose raw binary content
//! is not XML; the VTK reader refuses appended arrays anyway. Entities in attribute
//! values (`&amp;`, `&#32;`, …) are decoded; element content is left as bytes.

/// One element of the document.
#[derive(Debug, Clone)]
pub(crate) struct Element {
    /// The tag name.
    pub(crate) name: String,
    /// Attributes in file order, values with entities decoded.
    pub(crate) attrs: Vec<(String, String)>,
    /// Index of the enclosing element.
    pub(crate) parent: Option<usize>,
    /// Indices of the elements directly inside, in file order.
    pub(crate) children: Vec<usize>,
    /// Byte range between the opening and the closing tag (empty when self-closing).
    pub(crate) content: (usize, usize),
    /// 1-based line of the opening tag.
    pub(crate) line: usize,
}

impl Element {
    /// The value of attribute `name` (exact, as VTK writes them).
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The elements of a document, in the order their opening tags appear.
#[derive(Debug)]
pub(crate) struct Document<'a> {
    /// The file's bytes.
    pub(crate) bytes: &'a [u8],
    /// All elements; those without a parent are roots.
    pub(crate) elements: Vec<Element>,
    /// The line of an `<AppendedData>` element, where scanning stopped.
    pub(crate) appended_line: Option<usize>,
}

impl Document<'_> {
    /// The first root element named `name`.
    pub(crate) fn root(&self, name: &str) -> Option<usize> {
        self.elements
            .iter()
            .position(|e| e.parent.is_none() && e.name == name)
    }

    /// The children of `parent` named `name`.
    pub(crate) fn children<'s>(
        &'s self,
        parent: usize,
        name: &'s str,
    ) -> impl Iterator<Item = usize> + 's {
        self.elements[parent]
            .children
            .iter()
            .copied()
            .filter(move |&c| self.elements[c].name == name)
    }

    /// The content bytes of element `i`.
    pub(crate) fn content(&self, i: usize) -> &[u8] {
        let (a, b) = self.elements[i].content;
        self.bytes.get(a..b).unwrap_or_default()
    }
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// Decodes the five named entities and numeric character references.
fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest.find(';').and_then(|semi| {
            let ent = &rest[1..semi];
            let c = match ent {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => ent
                    .strip_prefix("#x")
                    .map(|h| u32::from_str_radix(h, 16).ok())
                    .unwrap_or_else(|| ent.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            }?;
            Some((c, semi + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Scans `bytes`; the error message names the line.
pub(crate) fn parse(bytes: &[u8]) -> Result<Document<'_>, String> {
    let mut doc = Document {
        bytes,
        elements: Vec::new(),
        appended_line: None,
    };
    let mut stack: Vec<usize> = Vec::new();
    let (mut line, mut counted) = (1usize, 0usize);
    let mut line_at = |pos: usize| {
        line += bytes[counted..pos].iter().filter(|&&c| c == b'\n').count();
        counted = pos;
        line
    };
    let mut i = 0;
    while let Some(lt) = find(bytes, i, b"<") {
        let ln = line_at(lt);
        let rest = &bytes[lt..];
        let skip_to = |end: &[u8], what: &str| {
            find(bytes, lt, end)
                .map(|p| p + end.len())
                .ok_or_else(|| format!("line {ln}: unterminated {what}; the file is truncated"))
        };
        if rest.starts_with(b"<?") {
            i = skip_to(b"?>", "<? … ?>")?;
        } else if rest.starts_with(b"<!--") {
            i = skip_to(b"-->", "comment <!-- … -->")?;
        } else if rest.starts_with(b"<!") {
            i = skip_to(b">", "<! … >")?;
        } else if rest.starts_with(b"</") {
            let gt = skip_to(b">", "closing tag")?;
            let name = String::from_utf8_lossy(&bytes[lt + 2..gt - 1])
                .trim()
                .to_string();
            let Some(open) = stack.pop() else {
                return Err(format!("line {ln}: </{name}> closes no open element"));
            };
            let el = &mut doc.elements[open];
            if el.name != name {
                return Err(format!(
                    "line {ln}: </{name}> closes <{}> opened on line {}; the XML is malformed: \
                     close it with </{}> (or correct the tag names)",
                    el.name, el.line, el.name
                ));
            }
            el.content.1 = lt;
            i = gt;
        } else {
            let (el, end, closed) = open_tag(bytes, lt, ln)?;
            if el.name == "AppendedData" {
                doc.appended_line = Some(ln);
                return Ok(doc);
            }
            let idx = doc.elements.len();
            let mut el = el;
            el.parent = stack.last().copied();
            el.content = (end, end);
            if let Some(&p) = stack.last() {
                doc.elements[p].children.push(idx);
            }
            doc.elements.push(el);
            if !closed {
                stack.push(idx);
            }
            i = end;
        }
    }
    if let Some(&open) = stack.last() {
        let el = &doc.elements[open];
        return Err(format!(
            "the file ends inside <{}> opened on line {}; the file is truncated: write it \
             again, or complete it up to </VTKFile>",
            el.name, el.line
        ));
    }
    Ok(doc)
}

/// Parses the opening tag at `lt`: the element, the byte after `>`, and whether it
/// closed itself (`/>`).
fn open_tag(bytes: &[u8], lt: usize, ln: usize) -> Result<(Element, usize, bool), String> {
    let truncated = || format!("line {ln}: the tag never ends; the file is truncated");
    let is_name_end = |c: u8| c.is_ascii_whitespace() || c == b'>' || c == b'/' || c == b'=';
    let mut j = lt + 1;
    while j < bytes.len() && !is_name_end(bytes[j]) {
        j += 1;
    }
    let name = String::from_utf8_lossy(&bytes[lt + 1..j]).to_string();
    if name.is_empty() {
        return Err(format!(
            "line {ln}: '<' without a tag name; the XML is malformed"
        ));
    }
    let mut attrs = Vec::new();
    loop {
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        match bytes.get(j) {
            None => return Err(truncated()),
            Some(b'>') => return Ok((element(name, attrs, ln), j + 1, false)),
            Some(b'/') => {
                return match bytes.get(j + 1) {
                    Some(b'>') => Ok((element(name, attrs, ln), j + 2, true)),
                    None => Err(truncated()),
                    Some(_) => Err(format!("line {ln}: stray '/' in <{name}>")),
                }
            }
            Some(_) => {}
        }
        let start = j;
        while j < bytes.len() && !is_name_end(bytes[j]) {
            j += 1;
        }
        let key = String::from_utf8_lossy(&bytes[start..j]).to_string();
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        if bytes.get(j) != Some(&b'=') {
            return Err(format!(
                "line {ln}: attribute '{key}' of <{name}> has no '=value'; the XML is malformed"
            ));
        }
        j += 1;
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        let quote = match bytes.get(j) {
            Some(&q) if q == b'"' || q == b'\'' => q,
            None => return Err(truncated()),
            Some(_) => {
                return Err(format!(
                    "line {ln}: the value of attribute '{key}' of <{name}> is not quoted"
                ))
            }
        };
        let close = find(bytes, j + 1, &[quote]).ok_or_else(truncated)?;
        let value = unescape(&String::from_utf8_lossy(&bytes[j + 1..close]));
        attrs.push((key, value));
        j = close + 1;
    }
}

fn element(name: String, attrs: Vec<(String, String)>, line: usize) -> Element {
    Element {
        name,
        attrs,
        parent: None,
        children: Vec::new(),
        content: (0, 0),
        line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_nesting_attributes_and_content() {
        let text = b"<?xml version=\"1.0\"?>\n<!-- c <x> -->\n<A k='v &amp; w'>\n  <B n=\"1\"/>\n  <C>1 2 3</C>\n</A>\n";
        let doc = parse(text).unwrap();
        let a = doc.root("A").unwrap();
        assert_eq!(doc.elements[a].attr("k"), Some("v & w"));
        assert_eq!(doc.elements[a].line, 3);
        let c = doc.children(a, "C").next().unwrap();
        assert_eq!(doc.content(c), b"1 2 3");
        assert_eq!(doc.elements[c].line, 5);
        assert_eq!(doc.children(a, "B").count(), 1);
    }

    #[test]
    fn malformed_and_truncated_are_errors() {
        assert!(parse(b"<A><B></A>").unwrap_err().contains("closes <B>"));
        assert!(parse(b"<A>\n<B>").unwrap_err().contains("line 2"));
        assert!(parse(b"<A k=v>").unwrap_err().contains("not quoted"));
        assert!(parse(b"<A k=\"v").unwrap_err().contains("truncated"));
        assert!(parse(b"<A><!-- x").unwrap_err().contains("truncated"));
        assert!(parse(b"</A>").unwrap_err().contains("closes no"));
        assert_eq!(unescape("a&#32;b&#x41;&bogus;"), "a bA&bogus;");
        let doc = parse(b"<A>\n<AppendedData encoding=\"raw\">_\xff\xfe<<").unwrap();
        assert_eq!(doc.appended_line, Some(2));
    }
}
