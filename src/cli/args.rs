//! Checks of command-line values that clap cannot express: output paths that cannot be
//! written, and options that contradict each other. Each error names the option and
//! the path, says what is wrong and how to fix it, and exits with code 2, before any
//! work is done.

use oxyfield::backend::BackendChoice;
use oxyfield::{Error, Result};
use std::path::Path;

/// `--adapter` picks a GPU adapter, which `--backend cpu` never opens.
pub(super) fn backend_and_adapter(backend: BackendChoice, adapter: Option<&str>) -> Result<()> {
    if let (BackendChoice::Cpu, Some(name)) = (backend, adapter) {
        return Err(Error::input(
            "--adapter",
            format!(
                "`{name}` picks a GPU adapter, but --backend cpu runs on the CPU and opens \
                 none: drop --adapter, or use --backend gpu (or auto) with it"
            ),
        ));
    }
    Ok(())
}

/// An output folder given by `flag`: refused when it is a file, or when it (or, when
/// missing, the nearest folder above it, where the run will create it) cannot be
/// written. Nothing is created here, so a run refused later leaves no folder.
pub(super) fn out_dir(flag: &str, path: &Path) -> Result<()> {
    if path.exists() && !path.is_dir() {
        return Err(Error::input(
            flag,
            format!(
                "{} is a file, not a folder: give a folder (it is created when missing), or \
                 move the file away",
                path.display()
            ),
        ));
    }
    let mut above = path;
    while !above.exists() {
        match above.parent() {
            Some(p) if !p.as_os_str().is_empty() => above = p,
            _ => {
                above = Path::new(".");
                break;
            }
        }
    }
    if !above.is_dir() {
        return Err(Error::input(
            flag,
            format!(
                "cannot create the folder {}: {} is a file, not a folder; give a path \
                 through folders only",
                path.display(),
                above.display()
            ),
        ));
    }
    writable(flag, path, above)
}

/// An output file given by `flag`: not a folder, in a folder that exists and can be
/// written, and (when `extensions` is not empty) ending in one of them.
pub(super) fn out_file(flag: &str, path: &Path, extensions: &[&str], what: &str) -> Result<()> {
    if path.is_dir() {
        return Err(Error::input(
            flag,
            match extensions.first() {
                Some(ext) => format!(
                    "{} is a folder; give a file name in it, e.g. {}",
                    path.display(),
                    path.join(format!("NAME.{ext}")).display()
                ),
                None => format!("{} is a folder; give a file name in it", path.display()),
            },
        ));
    }
    if !extensions.is_empty() {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        if !extensions.contains(&ext.as_str()) {
            let list: Vec<String> = extensions.iter().map(|e| format!(".{e}")).collect();
            return Err(Error::input(
                flag,
                format!(
                    "{}: this writes {what}; give a file name ending in {}",
                    path.display(),
                    list.join(" or ")
                ),
            ));
        }
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        return Err(Error::input(
            flag,
            format!(
                "{}: the folder {} does not exist{}; create it first (mkdir -p), or give \
                 another path",
                path.display(),
                parent.display(),
                if parent.exists() {
                    " (it is a file)"
                } else {
                    ""
                }
            ),
        ));
    }
    writable(flag, path, parent)
}

/// Refuses `dir` (the folder `path` writes into) when a file cannot be created in it.
fn writable(flag: &str, path: &Path, dir: &Path) -> Result<()> {
    let probe = dir.join(format!(".oxyfield-write-test-{}", std::process::id()));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            // The probe was ours; failing to remove it leaves an empty hidden file.
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        // A probe left by a killed process of the same id: the folder is writable.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(Error::input(
            flag,
            format!(
                "{}: cannot write in the folder {} ({}): choose a folder you can write to, \
                 or make it writable (chmod u+w)",
                path.display(),
                dir.display(),
                why(&e)
            ),
        )),
    }
}

/// The reason of an I/O error in words.
fn why(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::PermissionDenied => "permission denied".into(),
        ErrorKind::ReadOnlyFilesystem => "a read-only file system".into(),
        ErrorKind::NotADirectory => "a part of the path is a file, not a folder".into(),
        _ => e.to_string(),
    }
}

/// `render` options that contradict each other (clap refuses the simple pairs), and
/// its `-o` file.
pub(super) fn render_options(args: &super::RenderArgs) -> Result<()> {
    if let (Some(p), Some(m)) = (args.projection, &args.montage) {
        let p = oxyfield::figures::Projection::from(p).name();
        if m == "planes" || m.starts_with("levels:") {
            return Err(Error::input(
                "--projection",
                format!(
                    "`{p}` with --montage {m}: that montage draws slices, never projections; \
                     drop --projection, or use --montage snapshots (projections over time)"
                ),
            ));
        }
    }
    if let Some(out) = &args.out {
        if args.plot.is_some() {
            out_file("-o", out, &["png", "svg"], "a PNG and an SVG of the plot")?;
        } else {
            let what = if args.animate {
                "an animated PNG"
            } else {
                "a PNG image"
            };
            out_file("-o", out, &["png"], what)?;
        }
    }
    Ok(())
}
