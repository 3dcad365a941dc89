//! The library's top-level modules import one another without cycles (issue 20.1:
//! layers point down). The test reads `src/` itself: every `crate::name` path outside
//! comments, in each top-level module, is an edge from that module to `name`; the
//! graph must be acyclic, and a cycle, if one appears, is printed with the files that
//! make each of its edges.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The text of `src` without `//` comments (doc comments included). A `//` after a
/// quote on its line is kept (it may be inside a string), and strings are not removed:
/// none of ours holds a `crate::` path.
fn code(src: &str) -> String {
    src.lines()
        .map(|l| match l.find("//") {
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules `code` names through `crate::`: `crate::a::…` and the
/// lower-case items of `crate::{a, b::c, …}`.
fn imports(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + 7..];
        if let Some(group) = rest.strip_prefix('{') {
            let (mut depth, mut start) = (0usize, 0usize);
            for (k, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        out.insert(ident(group[start..].trim_start()));
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.insert(ident(group[start..].trim_start()));
                        start = k + 1;
                    }
                    _ => {}
                }
            }
        } else {
            out.insert(ident(rest));
        }
    }
    // Upper-case names are the crate root's re-exports (Error, Result: `error`).
    out.into_iter()
        .filter(|m| !m.is_empty())
        .map(|m| {
            if m.starts_with(char::is_uppercase) {
                "error".to_string()
            } else {
                m
            }
        })
        .collect()
}

#[test]
fn top_level_modules_import_one_another_without_cycles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    // module → imported module → files that import it.
    let mut edges: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap();
        let top = rel.iter().next().unwrap().to_string_lossy();
        let top = top.trim_end_matches(".rs").to_string();
        if top == "lib" || top == "main" {
            continue;
        }
        for m in imports(&code(&std::fs::read_to_string(f).unwrap())) {
            if m != top && m != "VERSION" {
                edges
                    .entry(top.clone())
                    .or_default()
                    .entry(m)
                    .or_default()
                    .insert(rel.display().to_string());
            }
        }
    }
    assert!(edges.len() > 10, "too few modules read: {edges:?}");
    // Depth-first search for a back edge.
    fn visit(
        m: &str,
        edges: &BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == m) {
            let mut cycle = path[i..].to_vec();
            cycle.push(m.to_string());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_string());
        for next in edges.get(m).map(|e| e.keys()).into_iter().flatten() {
            if let Some(c) = visit(next, edges, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for m in edges.keys() {
        if let Some(cycle) = visit(m, &edges, &mut Vec::new(), &mut done) {
            let how: Vec<String> = cycle
                .windows(2)
                .map(|w| format!("{} → {} in {:?}", w[0], w[1], edges[&w[0]][&w[1]]))
                .collect();
            panic!("import cycle {}:\n{}", cycle.join(" → "), how.join("\n"));
        }
    }
}

#[test]
fn the_import_reader_sees_paths_groups_and_root_names() {
    let found = imports(&code(
        "use crate::grid::Grid;\nuse crate::{npy, output::{slices, summary}, Error};\n\
         // crate::cli is a comment\nlet x = crate::physics::o2::uptake(1.0);",
    ));
    let want: BTreeSet<String> = ["error", "grid", "npy", "output", "physics"]
        .map(String::from)
        .into();
    assert_eq!(found, want);
}
