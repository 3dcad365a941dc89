//! `oxyfield check FILE`: validate a protocol (or a scenario and its protocol) and
//! print the expanded timeline.

use super::CheckArgs;
use crate::config::Scenario;
use crate::protocol::Protocol;
use crate::Result;

pub fn check(args: CheckArgs) -> Result<()> {
    let text = crate::config::toml_error::read_text(&args.file, "file")?;
    // A protocol file has `schema_version` at the top level; a scenario has a [grid]
    // (and may hold its protocol as a [protocol] table).
    let top: Option<toml::Table> = toml::from_str(&text).ok();
    let is_protocol = match &top {
        Some(t) => t.contains_key("schema_version") && !t.contains_key("grid"),
        None => text
            .lines()
            .any(|l| l.trim_start().starts_with("schema_version")),
    };
    let (protocol, hif) = if is_protocol {
        (Protocol::load(&args.file)?, None)
    } else {
        let sc = Scenario::load(&args.file)?;
        println!("scenario {}: valid", args.file.display());
        crate::config::plausibility::emit(sc.plausibility_warnings());
        match sc.protocol()? {
            Some(p) => (p, Some(sc.spec.hif.effects())),
            None => return Ok(()),
        }
    };
    print!("{}", protocol.timeline_text());
    // Model caveats (vascular damage, inert HIF inhibitors): warnings, not errors.
    for caveat in crate::protocol::advice::caveats(&protocol, hif.as_ref()) {
        log::warn!("{caveat}");
    }
    Ok(())
}
