//! The JSON text of the files oxyfield writes (`summary.json`, sidecars,
//! `timeline.json`, manifests, `bench --json`, `validate --json`): typed documents
//! (`#[derive(Serialize)]` structs) turned into pretty-printed text through a
//! [`serde_json::Value`], whose maps keep their keys sorted, so every file lists its
//! keys alphabetically, as it always has, whatever order a struct declares them in.

use serde::Serialize;

/// The pretty-printed JSON text of `doc`, keys sorted at every level.
pub fn pretty<T: Serialize + ?Sized>(doc: &T) -> String {
    let value = serde_json::to_value(doc).expect("JSON of plain values");
    serde_json::to_string_pretty(&value).expect("JSON of plain values")
}

/// A block that can be off: `{"enabled": false}` when it is, its keys beside
/// `"enabled": true` when it is on (the ROS block and `vessels.transport` of
/// `summary.json`).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Enabled<T> {
    enabled: bool,
    #[serde(flatten)]
    block: Option<T>,
}

impl<T> From<Option<T>> for Enabled<T> {
    fn from(block: Option<T>) -> Self {
        Enabled {
            enabled: block.is_some(),
            block,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Block {
        z: u32,
        a: f64,
    }

    #[test]
    fn keys_sorted_and_off_blocks_say_so() {
        assert_eq!(
            pretty(&Block { z: 1, a: 2.0 }),
            "{\n  \"a\": 2.0,\n  \"z\": 1\n}"
        );
        let off: Enabled<Block> = None.into();
        assert_eq!(pretty(&off), "{\n  \"enabled\": false\n}");
        let on: Enabled<Block> = Some(Block { z: 1, a: 2.0 }).into();
        assert_eq!(
            pretty(&on),
            "{\n  \"a\": 2.0,\n  \"enabled\": true,\n  \"z\": 1\n}"
        );
    }
}
