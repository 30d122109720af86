"""One org API key's life against the emulator, driven by Python `requests`, for `cargo xtask interop`.

A `requests.Session` with `HTTPDigestAuth` (an HTTP Digest client we did not write) creates an org
key, reads it back (redacted), finds it in the list, deletes it and reads it again (400
API_KEY_NOT_FOUND, as the live service answers). It prints one line per step, `PASS <step>: <detail>` or `FAIL <step>: <why>`, which xtask counts; a step after
a failed create prints `FAIL <step>: not run`. The emulator's address and credentials come from the
ATLAS_* environment variables xtask sets. It must talk to nothing but that emulator, and it must not
decide the overall verdict itself beyond its exit code: xtask reads the lines.
"""

import os
import re
import sys

import requests
from requests.auth import HTTPDigestAuth

MEDIA_TYPE = "application/vnd.atlas.2023-01-01+json"
DESC = "interop requests"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
HEX24 = re.compile(r"^[0-9a-f]{24}$")
STEPS = ["create", "get", "list", "delete", "get after delete"]
TIMEOUT = 20


class StepFailed(Exception):
    pass


def expect_status(response: requests.Response, wanted: int) -> None:
    if response.status_code != wanted:
        raise StepFailed(
            f"{response.request.method} {response.url}: expected HTTP {wanted}, "
            f"got {response.status_code}: {response.text[:500]}"
        )


def body(response: requests.Response) -> dict:
    try:
        return response.json()
    except ValueError as error:
        raise StepFailed(f"body is not JSON ({error}): {response.text[:500]}") from error


def expect_media_type(response: requests.Response) -> None:
    content_type = response.headers.get("Content-Type", "")
    if MEDIA_TYPE not in content_type:
        raise StepFailed(f"Content-Type is {content_type!r}, expected {MEDIA_TYPE}")


def redact(private_key: str) -> str:
    return "********-****-****-" + private_key.rsplit("-", 1)[-1]


def main() -> int:
    base = os.environ["ATLAS_BASE_URL"].rstrip("/") + "/api/atlas/v2"
    org = os.environ["ATLAS_ORG_ID"]
    session = requests.Session()
    session.auth = HTTPDigestAuth(os.environ["ATLAS_PUBLIC_KEY"], os.environ["ATLAS_PRIVATE_KEY"])
    session.headers.update({"Accept": MEDIA_TYPE})
    keys_url = f"{base}/orgs/{org}/apiKeys"
    state: dict = {}

    def create() -> str:
        response = session.post(
            keys_url,
            json={"desc": DESC, "roles": ["ORG_MEMBER"]},
            headers={"Content-Type": MEDIA_TYPE},
            timeout=TIMEOUT,
        )
        expect_status(response, 200)
        expect_media_type(response)
        key = body(response)
        if not HEX24.match(str(key.get("id", ""))):
            raise StepFailed(f"id is not 24 hex digits: {key}")
        if not UUID.match(str(key.get("privateKey", ""))):
            raise StepFailed(f"privateKey is not a full UUID: {key}")
        if key.get("desc") != DESC:
            raise StepFailed(f"desc is {key.get('desc')!r}, expected {DESC!r}")
        roles = key.get("roles") or []
        if not any(r.get("roleName") == "ORG_MEMBER" and r.get("orgId") == org for r in roles):
            raise StepFailed(f"roles lack ORG_MEMBER on org {org}: {roles}")
        state["id"] = key["id"]
        state["redacted"] = redact(key["privateKey"])
        return f"200, id {key['id']} publicKey {key.get('publicKey')} with a full privateKey"

    def get() -> str:
        response = session.get(f"{keys_url}/{state['id']}", timeout=TIMEOUT)
        expect_status(response, 200)
        expect_media_type(response)
        key = body(response)
        if key.get("id") != state["id"] or key.get("privateKey") != state["redacted"]:
            raise StepFailed(f"expected id {state['id']} and privateKey {state['redacted']}: {key}")
        return f"200, privateKey redacted as {state['redacted']}"

    def list_keys() -> str:
        response = session.get(keys_url, params={"itemsPerPage": 500}, timeout=TIMEOUT)
        expect_status(response, 200)
        expect_media_type(response)
        results = body(response).get("results")
        if not isinstance(results, list):
            raise StepFailed(f"list has no `results` array: {response.text[:500]}")
        mine = [key for key in results if key.get("id") == state["id"]]
        if len(mine) != 1 or mine[0].get("privateKey") != state["redacted"]:
            raise StepFailed(f"the new key {state['id']} is not listed once, redacted: {mine}")
        return f"200, {len(results)} key(s) including the new one"

    def delete() -> str:
        response = session.delete(f"{keys_url}/{state['id']}", timeout=TIMEOUT)
        expect_status(response, 204)
        return "204"

    def get_gone() -> str:
        response = session.get(f"{keys_url}/{state['id']}", timeout=TIMEOUT)
        # The live service answers an unknown key id with 400 API_KEY_NOT_FOUND, not 404
        # (NOTES.md (j)).
        expect_status(response, 400)
        error = body(response)
        code = str(error.get("errorCode", ""))
        if code != "API_KEY_NOT_FOUND" or error.get("error") != 400:
            raise StepFailed(f"expected error 400 with errorCode API_KEY_NOT_FOUND: {error}")
        return f"400 {code}"

    failed = False
    for step, run in zip(STEPS, [create, get, list_keys, delete, get_gone]):
        if step != "create" and "id" not in state:
            print(f"FAIL {step}: not run: create failed")
            failed = True
            continue
        try:
            print(f"PASS {step}: {run()}")
        except (StepFailed, requests.RequestException) as error:
            print(f"FAIL {step}: {error}")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
