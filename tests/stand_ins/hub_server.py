"""A Hugging Face Hub on 127.0.0.1 for tests: model/dataset/Space repos with commits, LFS uploads, resolve/tree/
paths-info reads, Space variables and whoami, enough for the real huggingface_hub, datasets and peft clients."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field, replace
from http.server import ThreadingHTTPServer
from itertools import count
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

from cazton_llm.atomic import atomic_path
from cazton_llm.loopback_http import QuietKeepAliveHandler

URL_PREFIXES = {"model": "", "dataset": "datasets/", "space": "spaces/"}
API_TYPES = {"models": "model", "datasets": "dataset", "spaces": "space"}
PREFIX_TYPES = {prefix: repo_type for repo_type, prefix in URL_PREFIXES.items()}
# The suffixes the Hub's default .gitattributes sends to LFS, plus its size and binary rules.
LFS_SUFFIXES = (".arrow", ".bin", ".ckpt", ".gz", ".h5", ".model", ".npy", ".parquet", ".pkl", ".pt", ".pth")
LFS_SUFFIXES += (".safetensors", ".tar", ".tflite", ".zip", ".zst")
LFS_MIN_SIZE = 10 * 1024 * 1024
GITATTRIBUTES = "".join(f"*{suffix} filter=lfs diff=lfs merge=lfs -text\n" for suffix in LFS_SUFFIXES).encode()
REPO_NAME = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}$")

REPO = r"(?P<api_type>models|datasets|spaces)/(?P<repo_id>[^/]+/[^/]+)"
FILE_REPO = r"(?P<prefix>datasets/|spaces/)?(?P<repo_id>[^/]+/[^/]+)"
ROUTES = [
    ("GET", r"/api/whoami-v2", "whoami"),
    ("POST", r"/api/repos/create", "create_repo"),
    ("POST", r"/api/validate-yaml", "validate_yaml"),
    ("GET", rf"/api/{REPO}(?:/revision/(?P<revision>[^/]+))?", "repo_info"),
    ("GET", rf"/api/{REPO}/tree/(?P<revision>[^/]+)(?:/(?P<path>.*))?", "tree"),
    ("POST", rf"/api/{REPO}/paths-info/(?P<revision>[^/]+)", "paths_info"),
    ("POST", rf"/api/{REPO}/preupload/(?P<revision>[^/]+)", "preupload"),
    ("POST", rf"/api/{REPO}/commit/(?P<revision>[^/]+)", "commit"),
    ("GET", r"/api/(?P<api_type>spaces)/(?P<repo_id>[^/]+/[^/]+)/variables", "space_variables"),
    ("POST", r"/api/(?P<api_type>spaces)/(?P<repo_id>[^/]+/[^/]+)/variables", "add_space_variable"),
    ("POST", rf"/{FILE_REPO}\.git/info/lfs/objects/batch", "lfs_batch"),
    ("PUT", r"/lfs-upload/(?P<oid>[0-9a-f]{64})", "lfs_put"),
    ("HEAD", rf"/{FILE_REPO}/resolve/(?P<revision>[^/]+)/(?P<path>.+)", "resolve"),
    ("GET", rf"/{FILE_REPO}/resolve/(?P<revision>[^/]+)/(?P<path>.+)", "resolve"),
]
WRITES = {"create_repo", "preupload", "commit", "add_space_variable", "lfs_batch"}


def git_blob_id(content: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def lfs_pointer(sha256: str, size: int) -> bytes:
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n".encode()


def iso_date(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(seconds))


class HubError(Exception):
    """An error answered the way the Hub does: status, JSON body and X-Error-Code."""

    def __init__(self, status: int, message: str, code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    lfs: bool
    blob_id: str  # git's object id: of the LFS pointer for LFS files, as on the Hub
    last_commit: str = ""

    @classmethod
    def of(cls, content_sha256: str, content: bytes | None, size: int, lfs: bool) -> StoredFile:
        blob_id = git_blob_id(lfs_pointer(content_sha256, size) if lfs else content)
        return cls(content_sha256, size, lfs, blob_id)

    @property
    def etag(self) -> str:
        return self.sha256 if self.lfs else self.blob_id


@dataclass
class Commit:
    sha: str
    title: str
    date: float
    files: dict[str, StoredFile]


@dataclass
class Repo:
    repo_type: str
    repo_id: str
    private: bool
    sdk: str | None
    commits: dict[str, Commit] = field(default_factory=dict)
    main: str = ""
    variables: dict[str, dict] = field(default_factory=dict)

    def commit_at(self, revision: str) -> Commit:
        sha = self.main if revision == "main" else revision
        if sha not in self.commits:
            raise HubError(404, f"Invalid rev id: {revision}", "RevisionNotFound")
        return self.commits[sha]


class HubStandIn(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, storage_dir: str | Path, token: str = "hf_standin_test_token", user: str = "cazton-test"):
        super().__init__(("127.0.0.1", 0), Handler)
        self.blobs_dir = Path(storage_dir) / "blobs"
        self.blobs_dir.mkdir(parents=True, exist_ok=True)
        self.token, self.user = token, user
        self.repos: dict[tuple[str, str], Repo] = {}
        self.requests: list[dict] = []  # {"method", "path", "auth": a token was sent, "status"}
        self.announced_uploads: set[str] = set()
        self.forbidden: set[tuple[str, str]] = set()  # (route name, repo id) answered 403, e.g. a token's missing right
        self.lock = threading.RLock()
        self._repo_numbers = count(1)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> HubStandIn:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def forbid(self, route: str, repo_id: str) -> None:
        """Answer `route` (a name in ROUTES, e.g. "add_space_variable") for `repo_id` with 403 from now on."""
        self.forbidden.add((route, repo_id))

    def new_repo_id(self, name: str) -> str:
        """A repo id under the token's user that no other test uses."""
        return f"{self.user}/{name}-{next(self._repo_numbers)}"

    def repo_url(self, repo: Repo) -> str:
        return f"{self.url}/{URL_PREFIXES[repo.repo_type]}{repo.repo_id}"

    def find(self, repo_type: str, repo_id: str, authorized: bool) -> Repo:
        repo = self.repos.get((repo_type, repo_id))
        if repo is None or (repo.private and not authorized):
            raise HubError(404 if repo is None else 401, "Repository not found", "RepoNotFound")
        return repo

    def read_blob(self, sha256: str) -> bytes:
        return (self.blobs_dir / sha256).read_bytes()

    def store_blob(self, content: bytes) -> str:
        sha256 = hashlib.sha256(content).hexdigest()
        if not (self.blobs_dir / sha256).exists():
            with atomic_path(self.blobs_dir / sha256) as tmp:
                tmp.write_bytes(content)
        return sha256

    def file_content(self, repo_id: str, path: str, repo_type: str = "model", revision: str = "main") -> bytes:
        """What a repo holds at `path`, for assertions made without a client."""
        stored = self.repos[(repo_type, repo_id)].commit_at(revision).files[path]
        return self.read_blob(stored.sha256)

    def add_commit(self, repo: Repo, title: str, files: dict[str, StoredFile], parent: str = "") -> Commit:
        digest = hashlib.sha1(f"{parent}\n{title}\n{time.time_ns()}".encode())
        for path in sorted(files):
            digest.update(f"{path}:{files[path].sha256}\n".encode())
        sha = digest.hexdigest()
        files = {
            path: stored if stored.last_commit else replace(stored, last_commit=sha) for path, stored in files.items()
        }
        repo.commits[sha] = Commit(sha, title, time.time(), files)
        repo.main = sha
        return repo.commits[sha]


def tree_entry(path: str, stored: StoredFile | None, commit: Commit, repo: Repo, expand: bool) -> dict:
    if stored is None:
        children = sorted(f"{name}:{file.sha256}" for name, file in commit.files.items() if name.startswith(path + "/"))
        entry = {"type": "directory", "oid": hashlib.sha1("\n".join(children).encode()).hexdigest(), "size": 0}
        last_commit = commit
    else:
        entry = {"type": "file", "oid": stored.blob_id, "size": stored.size}
        if stored.lfs:
            pointer_size = len(lfs_pointer(stored.sha256, stored.size))
            entry["lfs"] = {"oid": stored.sha256, "size": stored.size, "pointerSize": pointer_size}
        last_commit = repo.commits[stored.last_commit]
    entry["path"] = path
    if expand:
        entry["lastCommit"] = {"id": last_commit.sha, "title": last_commit.title, "date": iso_date(last_commit.date)}
    return entry


def folders_of(paths) -> set[str]:
    return {"/".join(path.split("/")[:depth]) for path in paths for depth in range(1, path.count("/") + 1)}


class Handler(QuietKeepAliveHandler):
    server: HubStandIn

    def do_GET(self):
        self.dispatch("GET")

    def do_HEAD(self):
        self.dispatch("HEAD")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        self.query = {key: values[-1] for key, values in parse_qs(url.query).items()}
        authorization = self.headers.get("Authorization", "")
        self.logged = {"method": method, "path": self.path, "auth": bool(authorization), "status": None}
        with self.server.lock:
            self.server.requests.append(self.logged)
        self.body = self.read_body() if method in ("POST", "PUT") else b""
        try:
            for route_method, pattern, name in ROUTES:
                match = re.fullmatch(pattern, url.path)
                if route_method == method and match:
                    args = {key: unquote(value) for key, value in match.groupdict().items() if value is not None}
                    self.authorized = self.check_token(authorization, name in WRITES)
                    if (name, args.get("repo_id")) in self.server.forbidden:
                        raise HubError(403, f"You don't have the rights to do this on {args['repo_id']}")
                    with self.server.lock:
                        return getattr(self, name)(**args)
            raise HubError(404, f"the Hub stand-in has no route {method} {url.path}")
        except HubError as error:
            headers = {"X-Error-Message": error.message, **({"X-Error-Code": error.code} if error.code else {})}
            self.send_json(error.status, {"error": error.message}, headers)

    def check_token(self, authorization: str, write: bool) -> bool:
        if authorization and authorization != f"Bearer {self.server.token}":
            raise HubError(401, "Invalid credentials in Authorization header")
        if write and not authorization:
            raise HubError(401, "Invalid username or password.")
        return bool(authorization)

    def read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
            return self.rfile.read(int(self.headers.get("Content-Length", 0)))
        chunks = []
        while size := int(self.rfile.readline().split(b";")[0], 16):
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
        self.rfile.readline()
        return b"".join(chunks)

    def send_json(self, status: int, payload, headers: dict | None = None) -> None:
        self.send_bytes(status, json.dumps(payload).encode(), {"Content-Type": "application/json", **(headers or {})})

    def send_bytes(self, status: int, body: bytes, headers: dict) -> None:
        self.logged["status"] = status
        self.send_response(status)
        for name, value in {"Content-Length": str(len(body)), **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def repo(self, api_type: str, repo_id: str) -> Repo:
        return self.server.find(API_TYPES[api_type], repo_id, self.authorized)

    def whoami(self) -> None:
        if not self.authorized:
            raise HubError(401, "Invalid username or password.")
        token_info = {"displayName": "tests", "role": "write"}
        user = self.server.user
        self.send_json(
            200,
            {
                "type": "user",
                "id": user,
                "name": user,
                "fullname": user,
                "orgs": [],
                "auth": {"type": "access_token", "accessToken": token_info},
            },
        )

    def create_repo(self) -> None:
        request = json.loads(self.body)
        repo_type = request.get("type") or "model"
        name = request.get("name", "")
        if repo_type not in URL_PREFIXES or not REPO_NAME.fullmatch(name) or ".." in name or "--" in name:
            raise HubError(400, f"Invalid repo name or type: {name!r} ({repo_type})")
        if repo_type == "space" and not request.get("sdk"):
            raise HubError(400, "Spaces need an sdk")
        repo_id = f"{request.get('organization') or self.server.user}/{name}"
        existing = self.server.repos.get((repo_type, repo_id))
        if existing:
            url = self.server.repo_url(existing)
            return self.send_json(409, {"error": f"You already created this {repo_type} repo", "url": url})
        repo = Repo(repo_type, repo_id, request.get("visibility", "public") != "public", request.get("sdk"))
        sha256 = self.server.store_blob(GITATTRIBUTES)
        self.server.add_commit(
            repo, "initial commit", {".gitattributes": StoredFile.of(sha256, GITATTRIBUTES, len(GITATTRIBUTES), False)}
        )
        self.server.repos[(repo_type, repo_id)] = repo
        self.send_json(200, {"url": self.server.repo_url(repo), "name": repo_id, "id": repo_id})

    def validate_yaml(self) -> None:
        content = json.loads(self.body).get("content", "")
        front_matter = content.split("---", 2)[1] if content.startswith("---") and content.count("---") >= 2 else ""
        try:
            yaml.safe_load(front_matter)
        except yaml.YAMLError as error:
            return self.send_json(400, {"errors": [{"message": str(error)}], "warnings": []})
        self.send_json(200, {"errors": [], "warnings": []})

    def repo_info(self, api_type: str, repo_id: str, revision: str = "main") -> None:
        repo = self.repo(api_type, repo_id)
        commit = repo.commit_at(revision)
        siblings = []
        for path, stored in sorted(commit.files.items()):
            sibling = {"rfilename": path}
            if self.query.get("blobs", "").lower() in ("1", "true"):
                sibling.update(size=stored.size, blobId=stored.blob_id)
                if stored.lfs:
                    sibling["lfs"] = {"size": stored.size, "sha256": stored.sha256, "pointerSize": 0}
            siblings.append(sibling)
        first_commit = min(repo.commits.values(), key=lambda each: each.date)
        info = {
            "_id": repo_id,
            "id": repo_id,
            "author": repo_id.split("/")[0],
            "sha": commit.sha,
            "private": repo.private,
            "disabled": False,
            "gated": False,
            "downloads": 0,
            "likes": 0,
            "tags": [],
            "createdAt": iso_date(first_commit.date),
            "lastModified": iso_date(commit.date),
            "siblings": siblings,
        }
        if repo.repo_type == "space":
            info.update(
                sdk=repo.sdk, runtime={"stage": "BUILDING", "hardware": {"current": None, "requested": "cpu-basic"}}
            )
        self.send_json(200, info)

    def tree(self, api_type: str, repo_id: str, revision: str, path: str = "") -> None:
        repo = self.repo(api_type, repo_id)
        commit = repo.commit_at(revision)
        path = path.strip("/")
        folders = folders_of(commit.files)
        if path and path not in folders:
            raise HubError(404, f"{path} does not exist on {revision}", "EntryNotFound")
        prefix = f"{path}/" if path else ""
        recursive = self.query.get("recursive", "").lower() in ("1", "true")
        expand = self.query.get("expand", "").lower() in ("1", "true")
        below = sorted(name for name in folders | set(commit.files) if name.startswith(prefix))
        entries = [name for name in below if recursive or "/" not in name[len(prefix) :]]
        self.send_json(200, [tree_entry(name, commit.files.get(name), commit, repo, expand) for name in entries])

    def paths_info(self, api_type: str, repo_id: str, revision: str) -> None:
        repo = self.repo(api_type, repo_id)
        commit = repo.commit_at(revision)
        form = parse_qs(self.body.decode())
        expand = form.get("expand", ["false"])[-1].lower() in ("1", "true")
        folders = folders_of(commit.files)
        paths = [path.strip("/") for path in form.get("paths", [])]
        found = [path for path in paths if path in commit.files or path in folders]
        self.send_json(200, [tree_entry(path, commit.files.get(path), commit, repo, expand) for path in found])

    def preupload(self, api_type: str, repo_id: str, revision: str) -> None:
        commit = self.repo(api_type, repo_id).commit_at(revision)
        answers = []
        for upload in json.loads(self.body)["files"]:
            sample = base64.b64decode(upload["sample"])
            lfs = upload["path"].endswith(LFS_SUFFIXES) or upload["size"] >= LFS_MIN_SIZE or b"\0" in sample
            remote = commit.files.get(upload["path"])
            remote_oid = remote and (remote.sha256 if remote.lfs else remote.blob_id)
            answers.append(
                {
                    "path": upload["path"],
                    "uploadMode": "lfs" if lfs else "regular",
                    "shouldIgnore": False,
                    "oid": remote_oid,
                }
            )
        self.send_json(200, {"files": answers, "commitOid": commit.sha})

    def lfs_batch(self, repo_id: str, prefix: str = "") -> None:
        self.server.find(PREFIX_TYPES[prefix], repo_id, True)
        objects = []
        for blob in json.loads(self.body)["objects"]:
            answer = {"oid": blob["oid"], "size": blob["size"], "authenticated": True}
            if not (self.server.blobs_dir / blob["oid"]).exists():
                # Like a presigned storage URL: only announced objects may be PUT, without a token.
                self.server.announced_uploads.add(blob["oid"])
                answer["actions"] = {"upload": {"href": f"{self.server.url}/lfs-upload/{blob['oid']}", "header": {}}}
            objects.append(answer)
        self.send_bytes(
            200,
            json.dumps({"transfer": "basic", "objects": objects}).encode(),
            {"Content-Type": "application/vnd.git-lfs+json"},
        )

    def lfs_put(self, oid: str) -> None:
        if oid not in self.server.announced_uploads:
            raise HubError(403, "this upload was not announced through the LFS batch API")
        if hashlib.sha256(self.body).hexdigest() != oid:
            raise HubError(400, "uploaded content does not match its sha256 oid")
        self.server.store_blob(self.body)
        self.server.announced_uploads.discard(oid)
        self.send_bytes(200, b"", {})

    def commit(self, api_type: str, repo_id: str, revision: str) -> None:
        repo = self.repo(api_type, repo_id)
        if revision != "main":
            raise HubError(400, f"the Hub stand-in only commits to main, not {revision!r}")
        lines = [json.loads(line) for line in self.body.decode().splitlines() if line.strip()]
        if not lines or lines[0]["key"] != "header":
            raise HubError(400, "a commit starts with its header line")
        header = lines[0]["value"]
        if header.get("parentCommit") not in (None, repo.main):
            raise HubError(412, "A commit has happened since. Please refresh and try again.")
        files = dict(repo.commit_at("main").files)
        for line in lines[1:]:
            self.apply_operation(files, line["key"], line["value"])
        commit = self.server.add_commit(repo, header["summary"], files, parent=repo.main)
        commit_url = f"{self.server.repo_url(repo)}/commit/{commit.sha}"
        self.send_json(
            200,
            {
                "success": True,
                "commitOid": commit.sha,
                "commitUrl": commit_url,
                "hookOutput": "",
                "pullRequestUrl": None,
            },
        )

    def apply_operation(self, files: dict[str, StoredFile], key: str, value: dict) -> None:
        path = value["path"]
        if key == "file":
            content = base64.b64decode(value["content"])
            files[path] = StoredFile.of(self.server.store_blob(content), content, len(content), False)
        elif key == "lfsFile":
            if not (self.server.blobs_dir / value["oid"]).exists():
                raise HubError(422, f"LFS object {value['oid']} for {path} was never uploaded")
            files[path] = StoredFile.of(value["oid"], None, value["size"], True)
        elif key == "deletedFile":
            if files.pop(path, None) is None:
                raise HubError(404, f"A file with this name doesn't exist: {path}", "EntryNotFound")
        elif key == "deletedFolder":
            for name in [name for name in files if name.startswith(path.rstrip("/") + "/")]:
                del files[name]
        else:
            raise HubError(400, f"the Hub stand-in does not support {key!r} commit operations")

    def space_variables(self, api_type: str, repo_id: str) -> None:
        self.send_json(200, self.repo(api_type, repo_id).variables)

    def add_space_variable(self, api_type: str, repo_id: str) -> None:
        repo = self.repo(api_type, repo_id)
        request = json.loads(self.body)
        repo.variables[request["key"]] = {
            "value": request["value"],
            "description": request.get("description"),
            "updatedAt": iso_date(time.time()),
        }
        self.send_json(200, repo.variables)

    def resolve(self, repo_id: str, revision: str, path: str, prefix: str = "") -> None:
        repo = self.server.find(PREFIX_TYPES[prefix], repo_id, self.authorized)
        commit = repo.commit_at(revision)
        stored = commit.files.get(path)
        if stored is None:
            raise HubError(404, "Entry not found", "EntryNotFound")
        content = self.server.read_blob(stored.sha256)
        headers = {
            "Content-Type": "application/octet-stream",
            "Accept-Ranges": "bytes",
            "X-Repo-Commit": commit.sha,
            "ETag": f'"{stored.etag}"',
        }
        if stored.lfs:
            headers.update({"X-Linked-Etag": f'"{stored.sha256}"', "X-Linked-Size": str(stored.size)})
        byte_range = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        if byte_range and self.command == "GET":
            start = int(byte_range[1])
            end = min(int(byte_range[2]) if byte_range[2] else len(content) - 1, len(content) - 1)
            if start >= len(content):
                raise HubError(416, "Requested range not satisfiable")
            headers["Content-Range"] = f"bytes {start}-{end}/{len(content)}"
            return self.send_bytes(206, content[start : end + 1], headers)
        self.send_bytes(200, content, headers)
