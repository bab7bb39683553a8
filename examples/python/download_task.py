#!/usr/bin/env python3
"""Lists the result files of an analysis task and downloads them.

    TASKDL_TOKEN=<token> python3 download_task.py <taskId> [folder]

Python 3.8+ and its standard library only. It asks taskdl for the task's
temporary download URLs, checks every file name before writing anything,
downloads each file into the folder (default: the current one) and checks its
size, and its SHA-256 where the answer gives one.

Environment:
  TASKDL_URL    the service (default http://127.0.0.1:3000)
  TASKDL_TOKEN  the bearer token of the task's owner (required)

Exit status: 0 when every file is downloaded and checked; 1 when the service
answers an error (its message goes to stderr) or a check fails; 2 on wrong
usage. The token and the signed URLs are credentials: they are never printed.
"""

import argparse
import hashlib
import json
import os
import re
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

DEFAULT_URL = "http://127.0.0.1:3000"
API_PATH = "/analysis/task/get/Download/url"
PROG = "download_task"
SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class Failure(Exception):
    """A failure worth one line on stderr: an error answer, a refused name, a failed check."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # The API call carries the token: a redirect must not carry it elsewhere.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise Failure(f"the service answered HTTP {code} with a redirect; not following it with the token")


def unsafe_name_reason(name):
    """Why a file name from the API must not become a path in the folder, or None when it is safe."""
    if name == "":
        return "is empty"
    if any(ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F for char in name):
        return "contains a control character"
    if "/" in name or "\\" in name:
        return "contains a path separator"
    if ".." in name:
        return 'contains ".."'
    if name.startswith("."):
        return "starts with a dot"
    return None


def get_envelope(base_url, token, task_id):
    """GETs the task's download URLs and returns the envelope's `data`; raises Failure on an error answer."""
    url = f"{base_url.rstrip('/')}{API_PATH}?{urllib.parse.urlencode({'taskId': task_id})}"
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise Failure(f"TASKDL_URL must be an http or https URL (got {base_url!r})")
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(request, timeout=60) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        # Error answers are envelopes too: read the message from the body.
        status, body = error.code, error.read()
    except urllib.error.URLError as error:
        raise Failure(f"cannot reach {base_url}: {error.reason}") from None
    try:
        envelope = json.loads(body)
    except ValueError:
        envelope = None
    if not isinstance(envelope, dict) or not isinstance(envelope.get("code"), int):
        raise Failure(f"HTTP {status}: the answer is not taskdl's JSON envelope")
    if envelope["code"] != 200 or not isinstance(envelope.get("data"), dict):
        message = envelope.get("message")
        raise Failure(f"{message if isinstance(message, str) else 'error'} ({envelope['code']})")
    return envelope["data"]


def check_files(data):
    """Checks the answer's list before anything is written; returns (name, url, size, sha256 or None) tuples."""
    entries = data.get("downloadUrls")
    if not isinstance(entries, list):
        raise Failure("the answer has no downloadUrls list")
    files, seen = [], set()
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise Failure(f"downloadUrls[{index}] is not an object")
        name, url, size, sha256 = (entry.get(key) for key in ("fileName", "downloadUrl", "fileSize", "sha256"))
        if not isinstance(name, str):
            raise Failure(f"downloadUrls[{index}] has no fileName")
        reason = unsafe_name_reason(name)
        if reason is not None:
            # repr(): the name is untrusted, so it is shown escaped.
            raise Failure(f"refusing file name {name!r}: it {reason}")
        if name in seen:
            raise Failure(f"refusing file name {name!r}: it is listed twice")
        seen.add(name)
        if (
            not isinstance(url, str)
            or urllib.parse.urlsplit(url).scheme not in ("http", "https")
            or any(ord(char) <= 0x20 or ord(char) == 0x7F for char in url)
        ):
            raise Failure(f"{name}: the download URL is not an http or https URL")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise Failure(f"{name}: fileSize is not a whole number of bytes")
        if sha256 is not None and not (isinstance(sha256, str) and SHA256_HEX.fullmatch(sha256)):
            raise Failure(f"{name}: sha256 is not 64 lowercase hex digits")
        files.append((name, url, size, sha256))
    total = data.get("totalSize")
    if total != sum(size for _, _, size, _ in files):
        raise Failure(f"totalSize {total!r} is not the sum of the files' sizes")
    return files


def download(name, url, size, sha256, folder, mode):
    """Downloads one file next to its final place, checks it, then moves it there with the given mode."""
    digest, received = hashlib.sha256(), 0
    handle = tempfile.NamedTemporaryFile(dir=folder, prefix=".download_task-", delete=False)
    try:
        with handle:
            try:
                # No Authorization header: the signed URL is the credential, and it may point at another host.
                with urllib.request.urlopen(urllib.request.Request(url), timeout=60) as response:
                    while chunk := response.read(1 << 16):
                        digest.update(chunk)
                        received += len(chunk)
                        handle.write(chunk)
            except urllib.error.HTTPError as error:
                raise Failure(f"{name}: the download link answered HTTP {error.code}") from None
            except urllib.error.URLError as error:
                raise Failure(f"{name}: download failed: {error.reason}") from None
        if received != size:
            raise Failure(f"{name}: received {received} bytes, the answer said {size}")
        if sha256 is not None and digest.hexdigest() != sha256:
            raise Failure(f"{name}: SHA-256 {digest.hexdigest()} differs from the answer's {sha256}")
        os.chmod(handle.name, mode)
        os.replace(handle.name, os.path.join(folder, name))
    finally:
        if os.path.exists(handle.name):
            os.unlink(handle.name)


def main(argv):
    parser = argparse.ArgumentParser(prog=PROG, description="List an analysis task's result files and download them.")
    parser.add_argument("task_id", help="the task's id, e.g. 12345")
    parser.add_argument("folder", nargs="?", default=".", help="where to write the files (default: here)")
    args = parser.parse_args(argv)
    token = os.environ.get("TASKDL_TOKEN", "")
    if token == "":
        parser.exit(2, f"{PROG}: TASKDL_TOKEN is required: the bearer token of the task's owner\n")
    base_url = os.environ.get("TASKDL_URL") or DEFAULT_URL
    secrets = [token]
    try:
        data = get_envelope(base_url, token, args.task_id)
        files = check_files(data)
        # The query carries the signature: keep it out of messages even when an error quotes only part of a URL.
        secrets += [part for _, url, _, _ in files for part in (url, urllib.parse.urlsplit(url).query) if part]
        total = sum(size for _, _, size, _ in files)
        print(f"task {args.task_id}: {len(files)} file{'' if len(files) == 1 else 's'}, {total} bytes")
        for name, _, size, _ in files:
            print(f"{size:>12}  {name}")
        os.makedirs(args.folder, exist_ok=True)
        # Temporary files are for their owner only: the downloads get the usual mode instead.
        umask = os.umask(0)
        os.umask(umask)
        for name, url, size, sha256 in files:
            download(name, url, size, sha256, args.folder, 0o666 & ~umask)
            print(f"saved {os.path.join(args.folder, name)} ({size} bytes{', SHA-256 checked' if sha256 else ''})")
    except Exception as error:  # noqa: BLE001 - one line on stderr, whatever failed
        message = str(error) if isinstance(error, Failure) else f"{type(error).__name__}: {error}"
        # Whatever the cause, the credentials never reach the terminal or a CI log.
        for secret in secrets:
            message = message.replace(secret, "<redacted>")
        print(f"{PROG}: {message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
