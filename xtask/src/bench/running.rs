//! The end-to-end suites: get-one-key and listing scenarios, repeated round-robin against
//! release emulators, every run recorded in `Results`.
//!
//! A failed scenario is recorded, never fatal: one missing figure must not cost the report.

use super::Options;
use super::emulator::Emulator;
use super::paths::Paths;
use super::peers::Peers;
use super::results::{Results, Sample};
use super::scenarios::{
    GET_CONFIGS, GetConfig, PAIRED, STRICT_DIGEST, Sizes, list_name, paired_names,
};

pub(super) fn get_suite(
    paths: &Paths,
    options: &Options,
    sizes: Sizes,
    peers: &Peers,
    results: &mut Results,
) -> Result<(), String> {
    // Every bearer run fetches one token, and a suite makes about 180 runs: more than the
    // emulator's default cap of 100 live tokens per service account (which it enforces as the
    // service does), so the cap is raised for this emulator only.
    let emulator = Emulator::start(
        paths,
        "get",
        &["--max-live-tokens".to_owned(), "100000".to_owned()],
    )?;
    let setup = emulator.scenario(paths, &["setup".to_owned()])?;
    let key_id = setup["keyId"]
        .as_str()
        .ok_or("setup printed no keyId")?
        .to_owned();
    let strict = Emulator::start(paths, "strict-digest", &["--strict-nonce-count".to_owned()])?;
    let strict_key = strict.scenario(paths, &["setup".to_owned()])?["keyId"]
        .as_str()
        .ok_or("setup printed no keyId")?
        .to_owned();
    for rep in 1..=options.reps {
        results.begin_repetition(rep);
        eprintln!("\n==> get-one-key, repetition {rep} of {}", options.reps);
        let strict_runs = STRICT_DIGEST.iter().filter_map(|&(strict_name, twin)| {
            let config = GET_CONFIGS.iter().find(|c| c.name == twin)?;
            Some((strict_name, config, &strict, strict_key.as_str()))
        });
        let lenient_runs = GET_CONFIGS
            .iter()
            .map(|config| (config.name, config, &emulator, key_id.as_str()));
        for (name, config, emulator, key_id) in lenient_runs.chain(strict_runs) {
            results.record(
                name,
                emulator.scenario(paths, &get_args(config, key_id, sizes)),
            );
        }
        for &(sdk, floor) in PAIRED {
            let (Some(sdk_config), Some(floor_config)) = (
                GET_CONFIGS.iter().find(|c| c.name == sdk),
                GET_CONFIGS.iter().find(|c| c.name == floor),
            ) else {
                continue;
            };
            let (floor_a, floor_b) = paired_names(floor, sdk);
            let (sdk_a, sdk_b) = paired_names(sdk, sdk);
            for (name, config) in [
                (floor_a, floor_config),
                (sdk_a, sdk_config),
                (sdk_b, sdk_config),
                (floor_b, floor_config),
            ] {
                let args = get_args(config, &key_id, sizes);
                results.record(&name, emulator.scenario(paths, &args));
            }
        }
        // Exactly `token_calls` calls from a cold client, 64 in flight: the single-flight
        // refresh must turn them into one token request.
        let args: Vec<String> = [
            "get",
            "--client",
            "sdk",
            "--auth",
            "service-account",
            "--key-id",
            &key_id,
            "--calls",
            &sizes.token_calls.to_string(),
            "--warmup",
            "0",
            "--concurrency",
            "64",
        ]
        .map(str::to_owned)
        .to_vec();
        results.record(
            "sdk service-account cold 64",
            emulator.scenario(paths, &args),
        );

        match &peers.curl {
            Ok(()) => {
                let args = [
                    "curl".to_owned(),
                    "--key-id".to_owned(),
                    key_id.clone(),
                    "--calls".to_owned(),
                    sizes.curl_calls.to_string(),
                ];
                match emulator.scenario(paths, &args) {
                    Ok(line) => results.push("curl --digest", Sample::from_json(&line)),
                    Err(error) => {
                        results.skipped.insert("curl --digest".to_owned(), error);
                    }
                }
            }
            Err(why) => {
                results
                    .skipped
                    .insert("curl --digest".to_owned(), why.clone());
            }
        }
        match &peers.python {
            Ok(python) => {
                let args: Vec<String> = vec![
                    "requests".to_owned(),
                    "--key-id".to_owned(),
                    key_id.clone(),
                    "--calls".to_owned(),
                    sizes.requests_calls.to_string(),
                    "--python".to_owned(),
                    python.display().to_string(),
                    "--script".to_owned(),
                    paths
                        .root
                        .join("crates/bench/py/requests_get.py")
                        .display()
                        .to_string(),
                ];
                match emulator.scenario(paths, &args) {
                    Ok(line) => results.push("python requests seq", Sample::from_json(&line)),
                    Err(error) => {
                        results
                            .skipped
                            .insert("python requests seq".to_owned(), error);
                    }
                }
            }
            Err(why) => {
                results
                    .skipped
                    .insert("python requests seq".to_owned(), why.clone());
            }
        }
    }
    Ok(())
}

pub(super) fn list_suite(
    paths: &Paths,
    options: &Options,
    sizes: Sizes,
    results: &mut Results,
) -> Result<(), String> {
    let latency = sizes.latency_ms.to_string();
    for (keys, modes) in [
        (
            sizes.list_small,
            &[("stream", None), ("stream", Some(4)), ("pages", None)][..],
        ),
        (sizes.list_large, &[("stream", None)][..]),
    ] {
        let emulator = Emulator::start(
            paths,
            &format!("list-{keys}"),
            &[
                "--latency".to_owned(),
                latency.clone(),
                "--bulk-project-keys".to_owned(),
                keys.to_string(),
            ],
        )?;
        for rep in 1..=options.reps {
            results.begin_repetition(rep);
            eprintln!(
                "\n==> listing {keys} keys, repetition {rep} of {}",
                options.reps
            );
            for &(mode, concurrency) in modes {
                let mut args = vec![
                    "list".to_owned(),
                    "--mode".to_owned(),
                    mode.to_owned(),
                    "--items-per-page".to_owned(),
                    "500".to_owned(),
                ];
                if let Some(concurrency) = concurrency {
                    args.extend(["--concurrency".to_owned(), concurrency.to_string()]);
                }
                results.record(
                    &list_name(keys, mode, concurrency),
                    emulator.scenario(paths, &args),
                );
            }
        }
    }
    Ok(())
}

/// The `atlas-keys-bench get` arguments of one get-one-key configuration.
fn get_args(config: &GetConfig, key_id: &str, sizes: Sizes) -> Vec<String> {
    let mut args: Vec<String> = [
        "get",
        "--client",
        config.client,
        "--backend",
        config.backend,
        "--auth",
        config.auth,
        "--key-id",
        key_id,
        "--calls",
        &sizes.calls.to_string(),
        "--warmup",
        &sizes.warmup.to_string(),
        "--concurrency",
        &config.concurrency.to_string(),
    ]
    .map(str::to_owned)
    .to_vec();
    if let Some(pool) = config.pool {
        args.extend(["--pool".to_owned(), pool.to_string()]);
    }
    args
}
