#!/usr/bin/env python3
"""Create or delete many Node objects quickly (kubectl is throttled to a few requests per second).

    bulk_nodes.py create FILE  --server URL --ca CA --cert CRT --key KEY [--workers 8]
    bulk_nodes.py delete NAMES --server URL --ca CA --cert CRT --key KEY [--workers 8]

FILE holds the output of fleet.py (JSON documents separated by '---' lines); NAMES has one node
name per line. Each worker keeps one TLS connection to the API server. AlreadyExists (create) and
NotFound (delete) count as success, so a rerun repairs a half-finished run. Python 3 stdlib only.
"""
import argparse
import http.client
import json
import queue
import ssl
import sys
import threading
import urllib.parse


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["create", "delete"])
    ap.add_argument("file")
    ap.add_argument("--server", required=True)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--workers", type=int, default=8)
    a = ap.parse_args()

    url = urllib.parse.urlsplit(a.server)
    if url.hostname not in ("127.0.0.1", "localhost"):
        sys.exit("refusing a non-loopback API server")
    ctx = ssl.create_default_context(cafile=a.ca)
    ctx.load_cert_chain(a.cert, a.key)

    with open(a.file, encoding="utf-8") as f:
        text = f.read()
    # fleet.py writes one JSON document per line between '---' separators.
    items = [line.strip() for line in text.splitlines() if line.strip() and line.strip() != "---"]

    work = queue.Queue()
    for it in items:
        work.put(it)
    errors = []
    lock = threading.Lock()

    def worker():
        conn = None
        while True:
            try:
                it = work.get_nowait()
            except queue.Empty:
                break
            for attempt in range(3):
                try:
                    if conn is None:
                        conn = http.client.HTTPSConnection(url.hostname, url.port or 443, context=ctx, timeout=60)
                    if a.what == "create":
                        conn.request("POST", "/api/v1/nodes", body=it.encode(),
                                     headers={"Content-Type": "application/json", "Accept": "application/json"})
                        ok = (201, 200, 409)
                    else:
                        conn.request("DELETE", "/api/v1/nodes/" + urllib.parse.quote(it),
                                     headers={"Accept": "application/json"})
                        ok = (200, 202, 404)
                    resp = conn.getresponse()
                    body = resp.read()
                    if resp.status in ok:
                        break
                    if resp.status == 429 or resp.status >= 500:
                        continue
                    with lock:
                        errors.append(f"{resp.status}: {body[:300]!r}")
                    break
                except (OSError, http.client.HTTPException) as e:
                    conn = None
                    if attempt == 2:
                        with lock:
                            errors.append(str(e))
        if conn is not None:
            conn.close()

    threads = [threading.Thread(target=worker) for _ in range(max(1, a.workers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        print(f"{len(errors)} of {len(items)} requests failed; first: {errors[0]}", file=sys.stderr)
        sys.exit(1)
    json.dump({"done": len(items)}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
