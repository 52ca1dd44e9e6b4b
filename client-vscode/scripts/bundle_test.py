"""Proves that a built .vsix carries a complete language server.

Extracts the .vsix's bundled/ into a temporary directory, creates a bare virtual environment (nothing
installed), runs `python -m paramlens serve` there with PYTHONPATH=bundled/libs (after bundled/native/<target>
in a platform-specific package whose libyaml build matches this Python, as the extension does; then the C
loader must be the one imported) and speaks LSP to it over
stdio: initialize, open the seed example, hover over the first Conv2d (must mention 448 parameters), ask
for the `paramlens/summary` (13,440 in total) and `paramlens/exportTorch` (the PyTorch source), shut down
and exit.

Usage: python3 scripts/bundle_test.py paramlens-0.1.0[-<target>].vsix   (standard library only)
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "seed-cnn-2d.arch.yaml"
TIMEOUT = 30.0

# What the extension needs at run time, and what must not be shipped.
REQUIRED = [
    "extension/package.json",
    "extension/dist/extension.js",
    "extension/bundled/manifest.json",
    "extension/bundled/libs/paramlens/__main__.py",
    "extension/bundled/libs/paramlens/lsp/server.py",
    "extension/bundled/libs/yaml/__init__.py",
    "extension/schemas/paramlens.schema.json",
    "extension/images/icon.png",
    "extension/readme.md",
    "extension/LICENSE.txt",
]
FORBIDDEN_PREFIXES = ["extension/node_modules/", "extension/src/", "extension/out/", "extension/test/"]
FORBIDDEN_SUFFIXES = [".so", ".pyd", ".dylib", ".pyc", ".ts", ".map"]
NATIVE_SUFFIXES = (".so", ".pyd")


def fail(message: str) -> None:
    print(f"bundle test: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def check_contents(vsix: zipfile.ZipFile) -> dict[str, Any]:
    """Checks the files of the .vsix; returns its bundled/manifest.json."""
    names = set(vsix.namelist())
    for required in REQUIRED:
        if required not in names:
            fail(f"{required} is missing from the .vsix")
    bundle = json.loads(vsix.read("extension/bundled/manifest.json"))
    native = bundle.get("native")
    native_dir = f"extension/bundled/{native['dir']}/yaml/" if native else None
    modules = {f"extension/bundled/{native['dir']}/{m}" for m in native["modules"]} if native else set()
    if native and len(modules) != 4:
        fail(f"the {bundle['target']} package should carry libyaml for CPython 3.11 to 3.14: {sorted(modules)}")
    for name in names:
        if native_dir and name.startswith(native_dir) and name.endswith(NATIVE_SUFFIXES) and name in modules:
            continue
        if any(name.startswith(p) for p in FORBIDDEN_PREFIXES) or any(name.endswith(s) for s in FORBIDDEN_SUFFIXES):
            fail(f"{name} should not be in the .vsix")
    for module in modules:
        if module not in names:
            fail(f"{module}, listed in bundled/manifest.json, is missing")
    manifest = json.loads(vsix.read("extension/package.json"))
    for validation in manifest["contributes"]["yamlValidation"]:
        schema_url = validation["url"]
        if "extension/" + schema_url.removeprefix("./") not in names:
            fail(f"yamlValidation points at {schema_url}, which the .vsix does not contain")
    return bundle


class Session:
    """A minimal LSP client over a subprocess' stdio: Content-Length framing, requests matched by id."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self.next_id = 0
        self.inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    self.inbox.put(None)
                    return
                line = line.strip()
                if not line:
                    break
                key, _, value = line.decode("ascii").partition(":")
                if key.lower() == "content-length":
                    length = int(value)
            if length is None:
                continue
            self.inbox.put(json.loads(stream.read(length)))

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        stdin = self.process.stdin
        assert stdin is not None
        stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        stdin.flush()

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params: Any) -> Any:
        self.next_id += 1
        request_id = self.next_id
        self.send({"id": request_id, "method": method, "params": params})
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                message = self.inbox.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                fail(f"no answer to {method} within {TIMEOUT:.0f} s")
            if message is None:
                fail(f"the server closed its output while {method} was pending")
            if "method" in message and "id" in message:
                self._answer(message)
            elif message.get("id") == request_id:
                if "error" in message:
                    fail(f"{method} failed: {message['error']}")
                return message.get("result")

    def _answer(self, message: dict[str, Any]) -> None:
        """Answers the server's own requests as a client without those features would."""
        result: Any = None
        if message["method"] == "workspace/configuration":
            result = [None for _ in message["params"]["items"]]
        self.send({"id": message["id"], "result": result})


def first_line_with(text: str, needle: str) -> tuple[int, int]:
    for number, line in enumerate(text.splitlines()):
        if needle in line and not line.lstrip().startswith("#"):
            return number, line.index(needle) + 1
    fail(f"no line with {needle} in {EXAMPLE}")
    raise AssertionError


def run_session(python: Path, libs: Path, pythonpath: str) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PYTHONPATH"] = pythonpath
    process = subprocess.Popen(
        [str(python), "-m", "paramlens", "serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
        cwd=libs.parent,
    )
    session = Session(process)
    try:
        uri = EXAMPLE.as_uri()
        text = EXAMPLE.read_text(encoding="utf-8")
        result = session.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": REPO.as_uri(),
                "capabilities": {"textDocument": {"hover": {"contentFormat": ["markdown", "plaintext"]}}},
                "clientInfo": {"name": "paramlens bundle test"},
            },
        )
        if not result.get("capabilities", {}).get("hoverProvider"):
            fail(f"the server does not offer hovers: {result}")
        session.notify("initialized", {})
        session.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}},
        )
        line, character = first_line_with(text, "Conv2d")
        hover = session.request(
            "textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}
        )
        if hover is None or "448" not in json.dumps(hover["contents"]):
            fail(f"the hover on line {line + 1} does not mention 448: {hover}")
        summary = session.request("paramlens/summary", {"uri": uri})
        if not summary or summary["json"].get("total_params") != 13440 or "13,440" not in summary["text"]:
            fail(f"paramlens/summary does not give 13,440 parameters: {summary}")
        export = session.request("paramlens/exportTorch", {"uri": uri})
        if "nn.Conv2d(3, 16, kernel_size=3)" not in (export or {}).get("source", ""):
            fail(f"paramlens/exportTorch does not give the PyTorch module: {export}")
        if session.request("shutdown", None) is not None:
            fail("shutdown answered something other than null")
        session.notify("exit", None)
        code = process.wait(timeout=TIMEOUT)
        if code != 0:
            fail(f"the server exited with {code} after shutdown and exit")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    started = time.monotonic()
    with zipfile.ZipFile(argv[0]) as vsix, tempfile.TemporaryDirectory(prefix="paramlens-bundle-") as tmp:
        bundle = check_contents(vsix)
        root = Path(tmp)
        for name in vsix.namelist():
            if name.startswith("extension/bundled/"):
                vsix.extract(name, root)
        libs = root / "extension" / "bundled" / "libs"
        venv = root / "venv"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
        python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
        native = root / "extension" / "bundled" / bundle["native"]["dir"] if bundle.get("native") else None
        suffixes = subprocess.run(
            [str(python), "-c", "import importlib.machinery as m; print(*m.EXTENSION_SUFFIXES)"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        matches = native is not None and any(f"yaml/_yaml{s}" in bundle["native"]["modules"] for s in suffixes)
        pythonpath = os.pathsep.join([str(native), str(libs)] if matches else [str(libs)])
        probe = subprocess.run(
            [str(python), "-c", "import yaml, paramlens; print(yaml.__with_libyaml__, paramlens.__file__)"],
            env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": pythonpath},
            capture_output=True,
            text=True,
            check=False,
        )
        expected = f"{matches} {libs / 'paramlens' / '__init__.py'}"
        if probe.stdout.strip() != expected:
            fail(f"the bare venv should import PyYAML (C loader: {matches}) and the bundled paramlens: "
                 f"{probe.stdout}{probe.stderr}")
        run_session(python, libs, pythonpath)
        loader = "C" if matches else "pure-Python"
    print(
        f"bundle test: {bundle['target']} passed (PyYAML's {loader} loader; hover 448, summary 13,440, PyTorch export)"
        f" in {time.monotonic() - started:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
