"""schemathesis hooks for `cargo xtask interop`: digest auth, and real ids in path parameters.

Loaded through SCHEMATHESIS_HOOKS. The emulator's address and credentials come from the ATLAS_*
environment variables xtask sets.

- Every request is signed with `requests`' HTTPDigestAuth (schemathesis' CLI only does Basic).
- Half of the generated cases get the emulator's real orgId / groupId (and, for key operations, the
  id of a fixture key made here at load time) so that operations reach real resources, not only
  404s. The other half keep the generated values, which exercise the not-found paths.
- Cases that would change or delete the key schemathesis itself signs in with are dropped: that
  would lock the rest of the run out and prove nothing about the API.

It must talk to nothing but the emulator named in ATLAS_BASE_URL, and must not relax any check:
exclusions, if ever needed, belong on xtask's command line where they are visible.
"""

import os
import sys

import requests
import schemathesis
from hypothesis import strategies as st
from requests.auth import HTTPDigestAuth

MEDIA_TYPE = "application/vnd.atlas.2023-01-01+json"
BASE = os.environ["ATLAS_BASE_URL"].rstrip("/") + "/api/atlas/v2"
ORG_ID = os.environ["ATLAS_ORG_ID"]
PROJECT_ID = os.environ["ATLAS_PROJECT_ID"]
PUBLIC_KEY = os.environ["ATLAS_PUBLIC_KEY"]
AUTH = HTTPDigestAuth(PUBLIC_KEY, os.environ["ATLAS_PRIVATE_KEY"])


def _own_key_id() -> str:
    """The id of the key we sign in with, found by its public key in the org's key list."""
    response = requests.get(
        f"{BASE}/orgs/{ORG_ID}/apiKeys",
        params={"itemsPerPage": 500},
        headers={"Accept": MEDIA_TYPE},
        auth=HTTPDigestAuth(PUBLIC_KEY, os.environ["ATLAS_PRIVATE_KEY"]),
        timeout=20,
    )
    response.raise_for_status()
    for key in response.json().get("results", []):
        if key.get("publicKey") == PUBLIC_KEY:
            return key["id"]
    raise RuntimeError(f"the signing key {PUBLIC_KEY} is not in its org's key list")


def _fixture_key_id():
    """A key for cases to reach: made in the project (so it has org and project roles), or in
    the org if that fails. None if neither works; the run then only reaches keys it creates."""
    attempts = [
        (f"{BASE}/groups/{PROJECT_ID}/apiKeys", {"desc": "schemathesis fixture", "roles": ["GROUP_READ_ONLY"]}),
        (f"{BASE}/orgs/{ORG_ID}/apiKeys", {"desc": "schemathesis fixture", "roles": ["ORG_MEMBER"]}),
    ]
    for url, body in attempts:
        response = requests.post(
            url,
            json=body,
            headers={"Accept": MEDIA_TYPE, "Content-Type": MEDIA_TYPE},
            auth=HTTPDigestAuth(PUBLIC_KEY, os.environ["ATLAS_PRIVATE_KEY"]),
            timeout=20,
        )
        if response.status_code == 200:
            return response.json()["id"]
        print(f"schemathesis_hooks: POST {url} -> {response.status_code}: {response.text[:300]}", file=sys.stderr)
    return None


OWN_KEY_ID = _own_key_id()
FIXTURE_KEY_ID = _fixture_key_id()
REAL_IDS = {"orgId": ORG_ID, "groupId": PROJECT_ID}
if FIXTURE_KEY_ID is not None:
    REAL_IDS["apiUserId"] = FIXTURE_KEY_ID

schemathesis.auth.set_from_requests(AUTH)


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    if not path_parameters:
        return st.just(path_parameters)
    real = dict(path_parameters)
    for name, value in REAL_IDS.items():
        if name in real:
            real[name] = value
    return st.sampled_from([path_parameters, real])


@schemathesis.hook
def filter_case(context, case):
    """Keeps every case except a change to the signing key itself."""
    touches_own_key = (case.path_parameters or {}).get("apiUserId") == OWN_KEY_ID
    return not (touches_own_key and case.method.upper() != "GET")
