//! The SARIF 2.1.0 rendering: one run, the rule catalogue as `tool.driver.rules`, one result
//! per finding with a logical location (`orgs/ORG/apiKeys/KEY[/accessList/ENTRY]`).
//!
//! Hand-written serde structs for the subset we emit rather than a SARIF crate: the crates
//! that exist (`serde-sarif`) generate the whole schema, hundreds of types, for the dozen
//! fields used here. Levels: high → `error`, medium → `warning`, low → `note`. Validated
//! structurally in the tests below; the official JSON schema cannot be fetched at test time,
//! so schema validation belongs to `cargo xtask interop` (part 6: the OASIS schema, Microsoft's
//! SARIF Multitool and sarif-tools, against a seeded emulator). This module
//! must NOT emit a result whose `ruleId` is not in `rules[]`.

use std::io::{self, Write};

use serde::Serialize;

use crate::audit::{AuditReport, Finding, KeyReport, RULES};

/// The `$schema` URI written in the log.
pub const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The `informationUri` of the tool.
const INFORMATION_URI: &str = "https://github.com/atlas-keys/atlas-keys";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    results: Results<'a>,
    properties: RunProperties<'a>,
}

/// The results, each built as it is written: the log of a large org is never held whole.
struct Results<'a>(&'a AuditReport);

impl Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let report = self.0;
        serializer.collect_seq(report.all_findings().into_iter().map(|f| result(report, f)))
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunProperties<'a> {
    org_id: &'a str,
    generated_at: &'a str,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: &'static str,
    name: &'static str,
    short_description: Message<&'static str>,
    full_description: Message<&'static str>,
    help: Message<&'static str>,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Message<T> {
    text: T,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Message<String>,
    locations: [Location; 1],
    partial_fingerprints: Fingerprints,
    properties: ResultProperties,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    logical_locations: [LogicalLocation; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    name: String,
    kind: &'static str,
    fully_qualified_name: String,
}

/// A stable identity per finding, so that consumers (code scanning) track it across runs.
#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "atlasKeysFinding/v1")]
    finding: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties {
    severity: &'static str,
    fix: String,
}

/// Writes `report` as a SARIF 2.1.0 log (pretty JSON and a newline).
pub fn write_sarif(report: &AuditReport, mut out: impl Write) -> io::Result<()> {
    let org = report.org_id.as_str();
    let rules = RULES
        .iter()
        .map(|rule| ReportingDescriptor {
            id: rule.id,
            name: rule.name,
            short_description: Message { text: rule.title },
            full_description: Message {
                text: rule.description,
            },
            help: Message { text: rule.help },
            default_configuration: Configuration {
                level: rule.severity.sarif_level(),
            },
        })
        .collect();
    let log = Log {
        schema: SARIF_SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "atlas-keys",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFORMATION_URI,
                    rules,
                },
            },
            results: Results(report),
            properties: RunProperties {
                org_id: org,
                generated_at: &report.generated_at,
            },
        }],
    };
    serde_json::to_writer_pretty(&mut out, &log).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

/// The SARIF rendering as a string.
pub fn to_sarif_string(report: &AuditReport) -> String {
    let mut out = Vec::new();
    write_sarif(report, &mut out).expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

fn result(report: &AuditReport, f: &Finding) -> SarifResult {
    let org = report.org_id.as_str();
    let rule_index = f.rule() as usize;
    let public_key = report.key_of(f).and_then(KeyReport::public_key);
    let (name, kind, fqn) = match (f.key_id(), f.entry()) {
        (Some(key), Some(entry)) => (
            entry.to_owned(),
            "resource",
            format!("orgs/{org}/apiKeys/{key}/accessList/{entry}"),
        ),
        (Some(key), None) => (
            public_key.map_or_else(|| key.to_string(), str::to_owned),
            "resource",
            format!("orgs/{org}/apiKeys/{key}"),
        ),
        (None, _) => (org.to_owned(), "namespace", format!("orgs/{org}")),
    };
    let subject = match (public_key, f.key_id()) {
        (Some(p), _) => format!("key {p}: "),
        (None, Some(id)) => format!("key {id}: "),
        (None, None) => "organization: ".to_owned(),
    };
    let fix = f.fix();
    SarifResult {
        rule_id: f.rule().as_str(),
        rule_index,
        level: f.severity().sarif_level(),
        message: Message {
            text: format!("{subject}{}. Fix: {fix}", f.message()),
        },
        partial_fingerprints: Fingerprints {
            finding: format!("{}:{fqn}", f.rule().as_str()),
        },
        locations: [Location {
            logical_locations: [LogicalLocation {
                name,
                kind,
                fully_qualified_name: fqn,
            }],
        }],
        properties: ResultProperties {
            severity: f.severity().as_str(),
            fix,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::render::fixture;
    use serde_json::Value;

    fn log() -> (AuditReport, Value) {
        let report = fixture::report();
        let value = serde_json::from_str(&to_sarif_string(&report)).unwrap();
        (report, value)
    }

    #[test]
    fn has_the_required_top_level_fields() {
        let (_, log) = log();
        assert_eq!(log["$schema"], SARIF_SCHEMA);
        assert_eq!(log["version"], "2.1.0");
        let runs = log["runs"].as_array().unwrap();
        assert_eq!(runs.len(), 1);
        let driver = &runs[0]["tool"]["driver"];
        assert_eq!(driver["name"], "atlas-keys");
        assert!(
            driver["informationUri"]
                .as_str()
                .unwrap()
                .starts_with("https://")
        );
        let rules = driver["rules"].as_array().unwrap();
        assert_eq!(rules.len(), RULES.len());
        for (rule, descriptor) in RULES.iter().zip(rules) {
            assert_eq!(descriptor["id"], rule.id);
            for field in ["shortDescription", "fullDescription", "help"] {
                assert!(
                    descriptor[field]["text"]
                        .as_str()
                        .is_some_and(|t| !t.is_empty())
                );
            }
            assert_eq!(
                descriptor["defaultConfiguration"]["level"],
                rule.severity.sarif_level()
            );
        }
    }

    #[test]
    fn one_result_per_finding_with_levels_mapped_and_rule_index_right() {
        let (report, log) = log();
        let results = log["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), report.all_findings().len());
        let rules = log["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap();
        for (result, finding) in results.iter().zip(report.all_findings()) {
            assert_eq!(result["ruleId"], finding.rule().as_str());
            let index = usize::try_from(result["ruleIndex"].as_u64().unwrap()).unwrap();
            assert_eq!(rules[index]["id"], result["ruleId"]);
            let expected = match finding.severity() {
                crate::audit::Severity::High => "error",
                crate::audit::Severity::Medium => "warning",
                crate::audit::Severity::Low => "note",
            };
            assert_eq!(result["level"], expected);
            assert!(
                result["message"]["text"]
                    .as_str()
                    .is_some_and(|t| !t.is_empty())
            );
            let logical = &result["locations"][0]["logicalLocations"][0];
            for field in ["name", "kind", "fullyQualifiedName"] {
                assert!(
                    logical[field].as_str().is_some_and(|t| !t.is_empty()),
                    "{field}"
                );
            }
            assert!(
                logical["fullyQualifiedName"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("orgs/{}", report.org_id))
            );
        }
        let levels: Vec<&str> = results
            .iter()
            .map(|r| r["level"].as_str().unwrap())
            .collect();
        assert!(
            levels.contains(&"error") && levels.contains(&"warning") && levels.contains(&"note")
        );
        // Sorted: errors first, notes last.
        let rank = |l: &str| match l {
            "error" => 0,
            "warning" => 1,
            _ => 2,
        };
        assert!(levels.windows(2).all(|w| rank(w[0]) <= rank(w[1])));
    }

    #[test]
    fn fingerprints_are_unique_per_result() {
        let (_, log) = log();
        let mut prints: Vec<&str> = log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["partialFingerprints"]["atlasKeysFinding/v1"]
                    .as_str()
                    .unwrap()
            })
            .collect();
        let total = prints.len();
        prints.sort_unstable();
        prints.dedup();
        assert_eq!(prints.len(), total);
    }
}
