//! Interop part: the transport's HTTP Digest (nonce lanes, issue #14) and the CLI's `list --all`
//! against Apache httpd with `AuthDigestNcCheck On`, a strict server we did not write: it refuses
//! every request whose `nc` is not above the last one it saw for that opaque, so requests that
//! overtake each other on a shared nonce fail there.
//!
//! Scenarios, each run with both backends through the `digest_probe` example: the 15 pages of a
//! `list --all` at the SDK's default page concurrency, a burst of 1,000 GETs with 64 in flight,
//! and 20 s of load on nonces that expire after 2 s. The probe runs the stack the SDK builds
//! (`--retry`: the transport's default `Retry` over `DigestAuth`), because Apache's event MPM
//! closes some keep-alive connections under a 64-wide burst and a GET caught by that is retried
//! there, as it would be in any SDK call; the probe counts those transport errors and they are
//! printed. Every check reads Apache's own logs for what the server saw (requests, 401
//! challenges, nonce-count failures, expired nonces) and prints them; a check passes on zero
//! errors returned to the caller and no more challenges than the lanes in use need (plus one per
//! expiry per lane, one per lane lost to a failed exchange, and a handful).
//!
//! It must not link our crates (probe and CLI run as child processes), and Apache listens on
//! 127.0.0.1 only and is stopped by its own PID (see `apache`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use super::{Paths, ProbeResult, Report, build, build_command, run_probe_command, tail};
use crate::apache::{self, Apache, ServerCounts};
use crate::cmd::describe_masked;
use crate::process::run_captured;

/// The SDK's `atlas_keys::DEFAULT_CONCURRENCY` (crates/api/src/paginate.rs), mirrored because
/// xtask must not link our crates; a unit test keeps the two equal.
const SDK_PAGE_CONCURRENCY: u64 = 8;
/// The transport's default bound on lanes per origin (`DigestAuth::max_lanes`).
const MAX_LANES: u64 = 64;
/// Challenges allowed beyond one per lane in use (and one per expiry per lane).
const SLACK: u64 = 8;
/// `AuthDigestNonceLifetime` of the `short/` directory, in seconds.
const SHORT_NONCE_LIFETIME: u64 = 2;
const REALM: &str = "atlas-keys-interop";
/// Pages of the list: `list --all` of 15 pages, as in issue #14.
const PAGES: u64 = 15;
const ITEMS_PER_PAGE: u64 = 100;
/// The organization the CLI lists, and the digest key it lists with (8 characters and a UUID,
/// the shapes the CLI insists on).
const CLI_ORG: &str = "5e2211c17a3e5a48f5497de3";
const CLI_PUBLIC_KEY: &str = "ixqkvbto";
const CLI_PRIVATE_KEY: &str = "3b9f6a52-5d0c-4c1e-9a7e-2f8d41c6b0aa";
const PROBE_TIMEOUT: Duration = Duration::from_secs(300);
const CLI_TIMEOUT: Duration = Duration::from_secs(120);

/// The Apache site: `/strict/page?pageNum=N` and `/short/page?pageNum=N` map to static files
/// (`short/` with 2 s nonces), and the v2 list of an organization's keys maps to one static
/// JSON page per `pageNum`. Digest with `AuthDigestNcCheck On` guards everything.
const SITE: &str = r#"
RewriteEngine On
RewriteCond %{QUERY_STRING} (^|&)pageNum=([0-9]+)(&|$)
RewriteRule ^/(strict|short)/page$ /$1/page-%2.json [PT,L]
RewriteCond %{QUERY_STRING} (^|&)pageNum=([0-9]+)(&|$)
RewriteRule ^/api/atlas/v2/orgs/([0-9a-f]{24})/apiKeys$ /api/atlas/v2/orgs/$1/apiKeys/page-%2.json [PT,L]
AddType application/vnd.atlas.2023-01-01+json .json
<Directory {dir}/docs>
  AuthType Digest
  AuthName "REALM"
  AuthDigestProvider file
  AuthUserFile {dir}/users
  AuthDigestNcCheck On
  Require valid-user
</Directory>
<Directory {dir}/docs/short>
  AuthDigestNonceLifetime LIFETIME
</Directory>
"#;

/// One load shape the probe runs against Apache.
#[derive(Debug, Clone, Copy)]
struct Scenario {
    name: &'static str,
    /// Below the document root: `strict` or `short`.
    dir: &'static str,
    requests: u64,
    concurrency: u64,
    /// Run for this many seconds instead of a request count.
    seconds: Option<u64>,
}

const SCENARIOS: [Scenario; 3] = [
    Scenario {
        name: "15-page list --all",
        dir: "strict",
        requests: PAGES,
        concurrency: SDK_PAGE_CONCURRENCY,
        seconds: None,
    },
    Scenario {
        name: "1000-GET burst, 64 in flight",
        dir: "strict",
        requests: 1000,
        concurrency: MAX_LANES,
        seconds: None,
    },
    Scenario {
        name: "2 s nonces under 20 s of load",
        dir: "short",
        requests: 0,
        concurrency: SDK_PAGE_CONCURRENCY,
        seconds: Some(20),
    },
];

impl Scenario {
    /// The most 401s a lane-per-request client needs: one per lane in use, one per expiry per
    /// lane when nonces expire, one per lane lost to a failed exchange (`transport_errors`,
    /// whose connection closed under it), and [`SLACK`].
    fn challenge_bound(&self, seconds_run: f64, transport_errors: u64) -> u64 {
        let lanes = self.concurrency.min(MAX_LANES);
        let expiries = if self.dir == "short" {
            // Float to integer: a run's length in whole lifetimes, rounded up; never negative.
            (seconds_run / SHORT_NONCE_LIFETIME as f64).ceil().max(0.0) as u64
        } else {
            0
        };
        lanes * (1 + expiries) + transport_errors + SLACK
    }
}

const CLI_CHECK: &str = "atlas-keys organizations apiKeys list --all vs Apache";

fn check_names() -> Vec<String> {
    let mut names = Vec::new();
    for backend in super::PROBE_BACKENDS {
        for scenario in SCENARIOS {
            names.push(format!(
                "digest_probe {backend} {} vs Apache",
                scenario.name
            ));
        }
    }
    names.push(CLI_CHECK.to_owned());
    names
}

pub(super) fn part(report: &mut Report, paths: &Paths, probe_built: bool) {
    let installed = apache::ensure_installed();
    let installed = report.check("apache2 installed", installed);
    let cli_built = build(
        report,
        "atlas-keys builds",
        &mut build_command("--bin", "atlas-keys"),
    );
    let dir = apache_dir(paths);
    let server = if installed {
        let started = prepare(&dir).and_then(|()| Apache::start(&dir, &site()));
        let detail = started.as_ref().map(|apache| {
            format!(
                "pid {} on 127.0.0.1:{}, AuthDigestNcCheck On (config and logs in {})",
                apache.pid(),
                apache.port(),
                dir.display()
            )
        });
        report.check("apache2 starts", detail.map_err(Clone::clone));
        started.ok()
    } else {
        report.not_run("apache2 starts", "apache2 is not installed");
        None
    };
    let Some(server) = server else {
        for name in check_names() {
            report.not_run(&name, "Apache is not running");
        }
        return;
    };

    let mut table = vec![
        "Apache AuthDigestNcCheck On (backend, scenario: client requests, errors, transport \
         errors retried; Apache requests, 401 challenges, nc-check failures, expired nonces)"
            .to_owned(),
    ];
    let mut names = check_names().into_iter();
    for backend in super::PROBE_BACKENDS {
        for scenario in SCENARIOS {
            let name = names.next().expect("one name per backend and scenario");
            if !probe_built {
                report.not_run(&name, "digest_probe did not build");
                continue;
            }
            let (counted, outcome) = run_scenario(paths, &server, backend, scenario);
            if let Some((probe, counts)) = &counted {
                table.push(format!(
                    "  {backend:<7} {:<30} {:>5} requests, {} errors, {:>2} retried; Apache \
                     {:>5} requests, {:>3} challenges, {} nc-check failures, {} expired",
                    scenario.name,
                    probe.requests,
                    probe.errors,
                    probe.transport_errors,
                    counts.requests,
                    counts.challenges,
                    counts.nc_failures,
                    counts.expired
                ));
            }
            report.check(&name, outcome);
        }
    }
    let cli = if cli_built {
        cli_list_all(paths, &server)
    } else {
        Err("atlas-keys did not build".to_owned())
    };
    if let Ok(line) = &cli {
        table.push(format!("  atlas-keys list --all ({PAGES} pages): {line}"));
    }
    report.check(CLI_CHECK, cli);
    report.notes.extend(table);
    let logs = [server.access_log(), server.error_log()];
    drop(server);
    keep_logs(paths, &logs);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Apache's directory, outside the target directory because its children (www-data) must be
/// able to read it and a clone may live under a private home. One per target directory: two
/// worktrees' runs never share one, and a run finds what an interrupted run there left.
fn apache_dir(paths: &Paths) -> PathBuf {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut hasher = DefaultHasher::new();
    paths.target.hash(&mut hasher);
    std::env::temp_dir().join(format!(
        "atlas-keys-interop-apache-{:016x}",
        hasher.finish()
    ))
}

fn site() -> String {
    SITE.replace("REALM", REALM)
        .replace("LIFETIME", &SHORT_NONCE_LIFETIME.to_string())
}

/// The document tree: a small JSON file per page for the probes, and the CLI's list pages.
fn prepare(dir: &Path) -> Result<(), String> {
    Apache::prepare(
        dir,
        &[
            (super::PROBE_USER, REALM, super::PROBE_PASSWORD),
            (CLI_PUBLIC_KEY, REALM, CLI_PRIVATE_KEY),
        ],
    )?;
    let docs = dir.join("docs");
    for sub in ["strict", "short"] {
        let folder = docs.join(sub);
        apache::make_dir(&folder)?;
        for page in 1..=PAGES {
            apache::write_file(
                &folder.join(format!("page-{page}.json")),
                &format!("{{\"page\":{page}}}\n"),
            )?;
        }
    }
    let keys = ["api", "atlas", "v2", "orgs", CLI_ORG, "apiKeys"]
        .iter()
        .fold(docs, |path, part| path.join(part));
    apache::make_dir(&keys)?;
    for page in 1..=PAGES {
        apache::write_file(
            &keys.join(format!("page-{page}.json")),
            &list_page(page).to_string(),
        )?;
    }
    Ok(())
}

/// Page `page` of the organization's keys, in the v2 list shape.
fn list_page(page: u64) -> Value {
    let base = format!("http://127.0.0.1/api/atlas/v2/orgs/{CLI_ORG}/apiKeys");
    let results: Vec<Value> = (0..ITEMS_PER_PAGE)
        .map(|index| {
            let n = (page - 1) * ITEMS_PER_PAGE + index;
            json!({
                "id": format!("{n:024x}"),
                "desc": format!("interop key {n}"),
                "publicKey": format!("k{n:07}"),
                "privateKey": format!("********-****-****-{n:012x}"),
                "roles": [{"orgId": CLI_ORG, "roleName": "ORG_MEMBER"}],
                "links": [],
            })
        })
        .collect();
    let mut links = vec![json!({"rel": "self", "href": format!("{base}?pageNum={page}")})];
    if page < PAGES {
        links.push(json!({"rel": "next", "href": format!("{base}?pageNum={}", page + 1)}));
    }
    json!({"results": results, "totalCount": PAGES * ITEMS_PER_PAGE, "links": links})
}

type Counted = (ProbeResult, ServerCounts);

/// Runs one scenario: what the probe and Apache counted (when the probe reported), and the
/// check's outcome.
fn run_scenario(
    paths: &Paths,
    server: &Apache,
    backend: &str,
    scenario: Scenario,
) -> (Option<Counted>, Result<String, String>) {
    let url = format!("http://127.0.0.1:{}/{}/page", server.port(), scenario.dir);
    let mut args = vec![
        "--concurrency".to_owned(),
        scenario.concurrency.to_string(),
        "--pages".to_owned(),
        PAGES.to_string(),
        "--retry".to_owned(),
    ];
    match scenario.seconds {
        Some(seconds) => args.extend(["--duration".to_owned(), seconds.to_string()]),
        None => args.extend(["--requests".to_owned(), scenario.requests.to_string()]),
    }
    let mark = server.mark();
    let (probe, probe_error) = match run_probe_command(paths, backend, &url, &args, PROBE_TIMEOUT) {
        Ok(probe) => (probe, None),
        Err((Some(probe), error)) => (probe, Some(error)),
        Err((None, error)) => return (None, Err(error)),
    };
    let counts = server.counts_since(mark, &format!("/{}/", scenario.dir), probe.wire);
    let bound = scenario.challenge_bound(probe.seconds, probe.transport_errors);
    let detail = format!(
        "{}/{} ok in {:.1}s, {} in flight; client: wire {}, 401s {}, transport errors {} \
         (retried); Apache: {} requests, \
         {} challenges (bound {bound}), {} nc-check failures, {} expired nonces, {} forgotten clients",
        probe.ok,
        probe.requests,
        probe.seconds,
        scenario.concurrency,
        probe.wire,
        probe.challenges,
        probe.transport_errors,
        counts.requests,
        counts.challenges,
        counts.nc_failures,
        counts.expired,
        counts.forgotten
    );
    let outcome = match (judge(&probe, &counts, bound, scenario), probe_error) {
        (Ok(()), None) => Ok(detail),
        (Err(problem), _) => Err(format!("{problem}\n    {detail}")),
        (Ok(()), Some(error)) => Err(format!("{error}\n    {detail}")),
    };
    (Some((probe, counts)), outcome)
}

/// PASS needs every request to succeed and no more challenges than `bound`.
fn judge(
    probe: &ProbeResult,
    counts: &ServerCounts,
    bound: u64,
    scenario: Scenario,
) -> Result<(), String> {
    let mut problems = String::new();
    if probe.errors != 0 || probe.ok != probe.requests {
        let _ = write!(
            problems,
            "{} of {} requests failed; ",
            probe.requests - probe.ok.min(probe.requests),
            probe.requests
        );
    }
    if scenario.seconds.is_none() && probe.requests != scenario.requests {
        let _ = write!(
            problems,
            "the probe sent {} requests, asked for {}; ",
            probe.requests, scenario.requests
        );
    }
    if counts.challenges > bound {
        let _ = write!(
            problems,
            "Apache sent {} challenges, more than {bound}; ",
            counts.challenges
        );
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.trim_end_matches("; ").to_owned())
    }
}

/// `atlas-keys organizations apiKeys list --orgId ORG --all -o json` against Apache: every key
/// of every page, in order, with digest credentials from the environment.
fn cli_list_all(paths: &Paths, server: &Apache) -> Result<String, String> {
    let mut command = Command::new(paths.target.join("debug").join("atlas-keys"));
    command.args([
        "organizations",
        "apiKeys",
        "list",
        "--orgId",
        CLI_ORG,
        "--all",
        "--output",
        "json",
        "--base-url",
        &format!("http://127.0.0.1:{}", server.port()),
    ]);
    // A developer's real Atlas settings must not leak into the run, nor the requests go
    // anywhere but this Apache.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("MONGODB_ATLAS_") {
            command.env_remove(name);
        }
    }
    command
        .env("MONGODB_ATLAS_PUBLIC_API_KEY", CLI_PUBLIC_KEY)
        .env("MONGODB_ATLAS_PRIVATE_API_KEY", CLI_PRIVATE_KEY)
        .env("ATLAS_KEYS_CACHE_DIR", paths.work.join("cli-cache"));
    eprintln!(
        "    $ MONGODB_ATLAS_PUBLIC_API_KEY={CLI_PUBLIC_KEY} MONGODB_ATLAS_PRIVATE_API_KEY=*** {}",
        describe_masked(&command, &[CLI_PRIVATE_KEY])
    );
    let mark = server.mark();
    let out = run_captured("atlas-keys", &mut command, CLI_TIMEOUT)?;
    let prefix = format!("/api/atlas/v2/orgs/{CLI_ORG}/apiKeys");
    let counts = server.counts_since(mark, &prefix, PAGES);
    let seen = format!(
        "Apache saw {} requests, {} challenges, {} nc-check failures",
        counts.requests, counts.challenges, counts.nc_failures
    );
    if !out.status.success() {
        return Err(format!(
            "atlas-keys exited with {} ({seen}): {}",
            out.status,
            tail(&out.stderr)
        ));
    }
    let json: Value = serde_json::from_str(&out.stdout)
        .map_err(|error| format!("output is not JSON ({error}): {}", tail(&out.stdout)))?;
    check_listing(&json)?;
    let bound = SDK_PAGE_CONCURRENCY + SLACK;
    if counts.challenges > bound {
        return Err(format!("{seen}: more than {bound} challenges"));
    }
    Ok(format!(
        "{} keys in order, totalCount {}; {seen} (bound {bound})",
        PAGES * ITEMS_PER_PAGE,
        PAGES * ITEMS_PER_PAGE
    ))
}

/// Every key of every page, in server order, and the count the CLI prints with them.
fn check_listing(json: &Value) -> Result<(), String> {
    let results = json["results"]
        .as_array()
        .ok_or("output has no `results` array")?;
    let expected = PAGES * ITEMS_PER_PAGE;
    if results.len() as u64 != expected {
        return Err(format!(
            "{} keys listed, expected {expected}",
            results.len()
        ));
    }
    for (n, item) in results.iter().enumerate() {
        let id = format!("{n:024x}");
        if item["id"].as_str() != Some(id.as_str()) {
            return Err(format!("key {n} is {}, expected id {id}", item["id"]));
        }
    }
    match json["totalCount"].as_u64() {
        Some(count) if count == expected => Ok(()),
        other => Err(format!("totalCount is {other:?}, expected {expected}")),
    }
}

/// Copies Apache's logs next to the other interop logs before its temp directory goes.
fn keep_logs(paths: &Paths, logs: &[PathBuf]) {
    for log in logs {
        if let Some(name) = log.file_name() {
            let kept = paths
                .work
                .join(format!("apache-{}", name.to_string_lossy()));
            if std::fs::copy(log, &kept).is_ok() {
                eprintln!("    Apache log kept: {}", kept.display());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirrors_the_sdk_default_page_concurrency() {
        let source = crate::cmd::workspace_root()
            .join("crates")
            .join("api")
            .join("src")
            .join("paginate.rs");
        let text = std::fs::read_to_string(&source).expect("paginate.rs is readable");
        let wanted = format!("pub const DEFAULT_CONCURRENCY: usize = {SDK_PAGE_CONCURRENCY};");
        assert!(
            text.contains(&wanted),
            "{} no longer says `{wanted}`: update SDK_PAGE_CONCURRENCY",
            source.display()
        );
    }

    #[test]
    fn bounds_challenges_per_lane_and_expiry() {
        let [pages, burst, short] = SCENARIOS;
        assert_eq!(pages.challenge_bound(0.5, 0), 8 + SLACK);
        assert_eq!(burst.challenge_bound(3.0, 0), 64 + SLACK);
        assert_eq!(burst.challenge_bound(3.0, 5), 64 + 5 + SLACK);
        // 20.3 s on 2 s nonces: each of 8 lanes is challenged once, then once per expiry.
        assert_eq!(short.challenge_bound(20.3, 0), 8 * 12 + SLACK);
    }

    #[test]
    fn judges_errors_counts_and_challenges() {
        let [pages, ..] = SCENARIOS;
        let probe = ProbeResult {
            backend: "hyper".into(),
            requests: 15,
            ok: 15,
            errors: 0,
            wire: 23,
            challenges: 8,
            transport_errors: 0,
            seconds: 0.2,
        };
        let counts = ServerCounts {
            requests: 23,
            challenges: 8,
            ..ServerCounts::default()
        };
        assert_eq!(judge(&probe, &counts, 16, pages), Ok(()));
        let many = ServerCounts {
            challenges: 17,
            ..counts
        };
        assert!(
            judge(&probe, &many, 16, pages)
                .expect_err("too many")
                .contains("17")
        );
        let failed = ProbeResult {
            ok: 14,
            errors: 1,
            ..probe
        };
        assert!(
            judge(&failed, &counts, 16, pages)
                .expect_err("error")
                .contains("1 of 15")
        );
    }

    #[test]
    fn list_pages_chain_and_count() {
        let first = list_page(1);
        assert_eq!(first["totalCount"], PAGES * ITEMS_PER_PAGE);
        assert_eq!(first["results"].as_array().map(Vec::len), Some(100));
        assert_eq!(first["results"][1]["id"], format!("{:024x}", 1));
        assert!(first["links"].to_string().contains("\"next\""));
        let last = list_page(PAGES);
        assert!(!last["links"].to_string().contains("\"next\""));
        let all: Vec<Value> = (1..=PAGES)
            .flat_map(|page| {
                list_page(page)["results"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .collect();
        let listing = json!({"results": all, "totalCount": PAGES * ITEMS_PER_PAGE});
        assert_eq!(check_listing(&listing), Ok(()));
        let short = json!({"results": [], "totalCount": 0});
        assert!(check_listing(&short).is_err());
    }

    #[test]
    fn names_every_check_once() {
        let names = check_names();
        assert_eq!(
            names.len(),
            super::super::PROBE_BACKENDS.len() * SCENARIOS.len() + 1
        );
        let unique: std::collections::HashSet<_> = names.iter().collect();
        assert_eq!(unique.len(), names.len());
        assert!(site().contains("AuthDigestNcCheck On"));
        assert!(site().contains("AuthDigestNonceLifetime 2"));
    }
}
