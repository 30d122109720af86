//! The one release build of a bench run: the emulator, the scenario binary and the criterion
//! benches, with the bench executables read from cargo's JSON messages.
//!
//! It must build everything in one cargo invocation, so nothing is compiled twice.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use super::micro::MICRO;
use crate::cmd::{cargo, describe};

/// One release build of everything: the emulator, the scenario binary and the criterion
/// benches (built with the release profile too, so nothing is compiled twice). Returns the
/// bench executables by target name, read from cargo's JSON messages.
pub(super) fn build() -> Result<BTreeMap<String, PathBuf>, String> {
    let mut command = cargo();
    command.args([
        "build",
        "--release",
        "--message-format=json-render-diagnostics",
        "--package",
        "atlas-keys-emulator",
        "--package",
        "atlas-keys-bench",
        "--package",
        "atlas-keys-model",
        "--bins",
    ]);
    for (_, bench, _) in MICRO {
        command.args(["--bench", bench]);
    }
    command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit());
    eprintln!("\n==> release build: {}", describe(&command));
    let out = command
        .output()
        .map_err(|error| format!("could not run cargo build: {error}"))?;
    if !out.status.success() {
        return Err(format!("the release build failed ({})", out.status));
    }
    Ok(bench_executables(&String::from_utf8_lossy(&out.stdout)))
}

/// The fields of cargo's JSON messages (`--message-format=json`) that name a built executable.
/// Other messages, and other fields, are skipped.
#[derive(Debug, Deserialize)]
struct Message {
    target: Option<Target>,
    executable: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
struct Target {
    name: String,
    kind: Vec<String>,
}

/// The bench executables among cargo's messages, by bench target name.
fn bench_executables(messages: &str) -> BTreeMap<String, PathBuf> {
    messages
        .lines()
        .filter_map(|line| serde_json::from_str::<Message>(line).ok())
        .filter_map(|message| {
            let target = message.target?;
            let is_bench = target.kind.iter().any(|kind| kind == "bench");
            is_bench.then_some((target.name, message.executable?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::bench_executables;

    #[test]
    fn finds_the_bench_executables_in_cargo_messages() {
        let messages = r#"{"reason":"compiler-artifact","package_id":"path+file:///r/crates/model#0.1.0","target":{"kind":["lib"],"crate_types":["lib"],"name":"atlas_keys_model","src_path":"/r/crates/model/src/lib.rs"},"executable":null,"fresh":true}
{"reason":"compiler-artifact","target":{"kind":["bench"],"crate_types":["bin"],"name":"model","src_path":"/r/crates/model/benches/model.rs"},"executable":"/t/release/deps/model-0123abcd","fresh":false}
{"reason":"compiler-artifact","target":{"kind":["bin"],"crate_types":["bin"],"name":"atlas-keys-emulator"},"executable":"/t/release/atlas-keys-emulator"}
{"reason":"compiler-message","target":{"kind":["bench"],"name":"digest"},"message":{"rendered":"warning"}}
{"reason":"compiler-artifact","target":{"kind":["bench"],"name":"digest"},"executable":"/t/release/deps/digest-99"}
not json at all
{"reason":"build-finished","success":true}"#;
        let benches = bench_executables(messages);
        assert_eq!(benches.len(), 2, "{benches:?}");
        assert_eq!(
            benches["model"],
            Path::new("/t/release/deps/model-0123abcd")
        );
        assert_eq!(benches["digest"], Path::new("/t/release/deps/digest-99"));
    }
}
