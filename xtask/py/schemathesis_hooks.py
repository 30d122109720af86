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


def _fixture_key_id() -> str:
    """A key created in the project (so it has org and project roles) for cases to reach."""
    response = requests.post(
        f"{BASE}/groups/{PROJECT_ID}/apiKeys",
        json={"desc": "schemathesis fixture", "roles": ["GROUP_READ_ONLY"]},
        headers={"Accept": MEDIA_TYPE, "Content-Type": MEDIA_TYPE},
        auth=HTTPDigestAuth(PUBLIC_KEY, os.environ["ATLAS_PRIVATE_KEY"]),
        timeout=20,
    )
    response.raise_for_status()
    return response.json()["id"]


OWN_KEY_ID = _own_key_id()
FIXTURE_KEY_ID = _fixture_key_id()
REAL_IDS = {"orgId": ORG_ID, "groupId": PROJECT_ID, "apiUserId": FIXTURE_KEY_ID}

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
