"""Get one API key N times with Python requests (a Session with HTTPDigestAuth), the client
many users of the Admin API have today; prints one JSON line: calls, seconds.

Run by `atlas-keys-bench requests`, which reads the emulator's counters before and after.
It reads the target from ATLAS_* environment variables and the key id and sizes from argv, and
must not print the credentials. With CONCURRENCY > 1 each thread has its own Session (a Session
is not meant to be shared between threads) and its own HTTPDigestAuth.
"""

import json
import os
import sys
import threading
import time

import requests
from requests.auth import HTTPDigestAuth


def main():
    key_id, calls, concurrency = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    base = os.environ["ATLAS_BASE_URL"].rstrip("/")
    org = os.environ["ATLAS_ORG_ID"]
    url = f"{base}/api/atlas/v2/orgs/{org}/apiKeys/{key_id}"
    headers = {"Accept": "application/vnd.atlas.2023-01-01+json"}
    auth = (os.environ["ATLAS_PUBLIC_KEY"], os.environ["ATLAS_PRIVATE_KEY"])
    share, extra = divmod(calls, concurrency)
    errors = []

    def worker(n):
        session = requests.Session()
        session.auth = HTTPDigestAuth(*auth)
        try:
            for _ in range(n):
                response = session.get(url, headers=headers)
                if response.status_code != 200:
                    raise RuntimeError(f"GET one key answered {response.status_code}")
                response.json()
        except Exception as error:  # reported, not hidden
            errors.append(str(error))

    threads = [
        threading.Thread(target=worker, args=(share + (1 if i < extra else 0),))
        for i in range(concurrency)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    if errors:
        print(errors[0], file=sys.stderr)
        sys.exit(1)
    print(json.dumps({"calls": calls, "seconds": seconds}))


if __name__ == "__main__":
    main()
