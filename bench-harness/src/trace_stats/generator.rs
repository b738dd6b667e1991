//! The generator sidecar of a capture: `F.gen.json` beside capture `F`, written by
//! `pktstream gen`, a JSON object with at least `generator_version`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde_json::Value;

/// The sidecar of capture `F`: `F.gen.json` (`x.pcap` -> `x.pcap.gen.json`).
pub fn generator_sidecar_path(capture: &Path) -> PathBuf {
    let mut name = capture.as_os_str().to_owned();
    name.push(".gen.json");
    PathBuf::from(name)
}

/// The `generator_version` of a sidecar object, when it holds one that fits a `u32`.
pub fn generator_version(sidecar: &Value) -> Option<u32> {
    sidecar.get("generator_version")?.as_u64()?.try_into().ok()
}

/// Reads the sidecar of `capture`: `None` when there is none.
///
/// # Errors
/// A sidecar that cannot be read, is not JSON, is not an object, or has no `generator_version`
/// that fits a `u32`.
pub fn read_generator_sidecar(capture: &Path) -> anyhow::Result<Option<Value>> {
    let path = generator_sidecar_path(capture);
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let value: Value =
        serde_json::from_slice(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    if !value.is_object() || generator_version(&value).is_none() {
        anyhow::bail!("{} is not an object with a generator_version", path.display());
    }
    Ok(Some(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sidecar_is_read_whole_when_present_and_valid() {
        let dir = tempfile::tempdir().unwrap();
        let capture = dir.path().join("t.pcap");
        assert_eq!(generator_sidecar_path(&capture), dir.path().join("t.pcap.gen.json"));
        assert!(read_generator_sidecar(&capture).unwrap().is_none());
        let sidecar = generator_sidecar_path(&capture);
        std::fs::write(&sidecar, r#"{"generator_version": 4, "profile": "caida-like"}"#).unwrap();
        let v = read_generator_sidecar(&capture).unwrap().unwrap();
        assert_eq!((generator_version(&v), v["profile"].as_str()), (Some(4), Some("caida-like")));
        for bad in ["[1]", "{\"profile\": 1}", "{\"generator_version\": -1}", "not json"] {
            std::fs::write(&sidecar, bad).unwrap();
            let err = read_generator_sidecar(&capture).unwrap_err();
            assert!(format!("{err:#}").contains("t.pcap.gen.json"), "{bad}: {err:#}");
        }
    }
}
