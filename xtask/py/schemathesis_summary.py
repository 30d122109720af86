"""Turns schemathesis' JSON run report into one verdict line per check, for `cargo xtask interop`.

Usage: schemathesis_summary.py REPORT.json EXCLUDED_CHECKS (comma-separated, may be empty)

schemathesis reports failures by kind (`UndefinedContentType`, ...); this maps each kind back to
the check that raises it and prints `PASS <check>: ...` or `FAIL <check>: ...` for every check of
`--checks all`, `SKIP <check>: excluded` for excluded ones, plus `PASS|FAIL run: ...` for the run
itself (completed, no runtime errors). xtask counts those lines. It only reads the report: it must
not decide to ignore a failure (exclusions are made on xtask's command line, where they are seen).
"""

import json
import sys

# Every check `--checks all` runs in schemathesis 4.32, in its own order.
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
    "use_after_free",
    "ensure_resource_availability",
    "ignored_auth",
    "object_level_authorization",
]

# Failure kind (the report's `type`) -> the check that raises it (schemathesis/openapi/checks.py,
# schemathesis/core/failures.py).
KIND_TO_CHECK = {
    "ServerError": "not_a_server_error",
    "ContentTypeServerError": "not_a_server_error",
    "UndefinedStatusCode": "status_code_conformance",
    "MissingContentType": "content_type_conformance",
    "UndefinedContentType": "content_type_conformance",
    "MalformedMediaType": "content_type_conformance",
    "MissingHeaders": "response_headers_conformance",
    "JsonSchemaError": "response_schema_conformance",
    "MalformedJson": "response_schema_conformance",
    "ContentDeserializationError": "response_schema_conformance",
    "DiscriminatorMismatch": "response_schema_conformance",
    "AcceptedNegativeData": "negative_data_rejection",
    "RejectedPositiveData": "positive_data_acceptance",
    "MissingHeaderNotRejected": "missing_required_header",
    "UnsupportedMethodResponse": "unsupported_method",
    "AllowHeaderMismatch": "allow_header_conformance",
    "UseAfterFree": "use_after_free",
    "EnsureResourceAvailability": "ensure_resource_availability",
    "IgnoredAuth": "ignored_auth",
    "ObjectLevelAuthorizationViolation": "object_level_authorization",
}


def main() -> int:
    report_path, excluded = sys.argv[1], {c for c in sys.argv[2].split(",") if c}
    try:
        with open(report_path, encoding="utf-8") as file:
            report = json.load(file)
    except (OSError, ValueError) as error:
        print(f"FAIL run: no readable schemathesis report at {report_path}: {error}")
        for check in CHECKS:
            if check not in excluded:
                print(f"FAIL {check}: not run: no report")
        return 1

    cases = report.get("test_cases", {})
    errors = report.get("errors") or []
    run_ok = report.get("complete") and not errors
    detail = (
        f"{cases.get('generated', '?')} cases, {cases.get('unique_failures', '?')} unique failures, "
        f"{len(errors)} runtime errors, {report.get('running_time', 0):.1f}s, seed {report.get('seed')}"
    )
    print(f"{'PASS' if run_ok else 'FAIL'} run: {detail}")
    for error in errors:
        print(f"    runtime error: {json.dumps(error)[:400]}")

    by_check: dict[str, list[str]] = {}
    for failure in report.get("failures") or []:
        check = KIND_TO_CHECK.get(failure.get("type"), "other")
        operations = ", ".join(failure.get("operations") or [])
        by_check.setdefault(check, []).append(
            f"{failure.get('code')} {failure.get('title')} x{failure.get('count')} ({operations})"
        )
    for check in CHECKS:
        if check in excluded:
            print(f"SKIP {check}: excluded on the command line")
        elif check in by_check:
            print(f"FAIL {check}: {'; '.join(by_check[check])}")
        else:
            print(f"PASS {check}: no failure")
    if "other" in by_check:
        print(f"FAIL unmapped failures: {'; '.join(by_check['other'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
