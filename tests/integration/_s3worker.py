"""A publisher process for the concurrency tests: one JSON job per stdin line.

Job: {"endpoint": URL, "repository": "s3://…", "files": [paths], "go": path}.  For each job
the worker prepares an S3Publisher, prints "ready", waits until the go file exists (so that
two workers start publishing at the same moment), publishes, and prints a JSON result line.
With "delete": [NAME, VERSION] instead of "files", it deletes that release (hwb delete).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from headless_wheel_builder.errors import HwbError
from headless_wheel_builder.publish.delete import delete_release
from headless_wheel_builder.publish.options import PublishOptions
from headless_wheel_builder.publish.s3 import S3Publisher


def main() -> int:
    for line in sys.stdin:
        job = json.loads(line)
        publisher = S3Publisher.from_options(
            PublishOptions(repository=job["repository"], endpoint_url=job["endpoint"])
        )
        publisher.store.check_bucket()  # open the connection before the race starts
        print("ready", flush=True)
        go = Path(job["go"])
        deadline = time.monotonic() + 60
        while not go.exists():
            if time.monotonic() > deadline:
                print(json.dumps({"error": "no go signal"}), flush=True)
                return 1
            time.sleep(0.001)
        try:
            if "delete" in job:
                deleted = delete_release(publisher.index, *job["delete"])
                statuses = [f"deleted {name}" for name in deleted.files]
            else:
                statuses = [f.status for f in publisher.publish([Path(p) for p in job["files"]]).files]
        except HwbError as exc:
            print(json.dumps({"error": str(exc)}), flush=True)
            continue
        result = {"statuses": statuses, "retries": publisher.index.retries}
        print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
