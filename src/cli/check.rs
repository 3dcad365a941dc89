//! `oxyfield check FILE`: validate a protocol (or a scenario and its protocol) and
//! print the expanded timeline.

use super::CheckArgs;
use crate::config::Scenario;
use crate::protocol::Protocol;
use crate::{Error, Result};

pub fn check(args: CheckArgs) -> Result<()> {
    let text = std::fs::read_to_string(&args.file).map_err(|e| Error::io(&args.file, e))?;
    let is_protocol = text
        .lines()
        .any(|l| l.trim_start().starts_with("schema_version"));
    let protocol = if is_protocol {
        Protocol::load(&args.file)?
    } else {
        let sc = Scenario::load(&args.file)?;
        println!("scenario {}: valid", args.file.display());
        match &sc.spec.protocol {
            Some(p) => Protocol::load(&sc.resolve(p))?,
            None => return Ok(()),
        }
    };
    print!("{}", protocol.timeline_text());
    Ok(())
}
