"""A real VS Code for the end-to-end tests: code-server 4.100.3 (VS Code 1.100.3) with the packaged extension
installed into a fresh profile, driven through its web UI by Playwright in headless Chromium.

Everything asserted is read from what the workbench renders (editor lines with their inlay hints, the hover
widget, the Problems panel, the status bar, the suggest widget, output channels), never from the server.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from playwright.sync_api import Locator, Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
CLIENT = REPO / "client-vscode"
CHROMIUM = Path(os.environ.get("PARAMLENS_CHROMIUM", "/usr/bin/chromium"))
T = TypeVar("T")


def host_target() -> str:
    """The VS Code target of this machine (the platform-specific .vsix the tests install)."""
    machine = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}[os.uname().machine.lower()]
    return f"{sys.platform.replace('darwin', 'darwin')}-{machine}"


def packaged_vsix() -> Path:
    """The platform-specific package built by client-vscode/scripts/test (scripts/test runs it first)."""
    version = json.loads((CLIENT / "package.json").read_text())["version"]
    vsix = CLIENT / f"paramlens-{version}-{host_target()}.vsix"
    if not vsix.is_file():
        raise RuntimeError(
            f"{vsix.relative_to(REPO)} is missing: build it with client-vscode/scripts/test "
            f"(or: cd client-vscode && npm ci && node scripts/package.mjs {host_target()})"
        )
    return vsix


def install_code_server() -> Path:
    """Runs scripts/install-code-server (a stamp check once installed) and returns the code-server command."""
    result = subprocess.run(
        [str(REPO / "scripts" / "install-code-server")], capture_output=True, text=True, check=False, timeout=1200
    )
    if result.returncode != 0:
        raise RuntimeError(f"scripts/install-code-server failed:\n{result.stderr[-4000:]}")
    return Path(result.stdout.strip().splitlines()[-1])


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 20.0, interval: float = 0.1) -> T:
    """Polls `probe` until it returns something truthy; fails with `what` and the last value after `timeout`."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        last = probe()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}; last seen: {last!r}")
        time.sleep(interval)


def wait_equal(what: str, probe: Callable[[], T], expected: T, timeout: float = 20.0) -> None:
    """Polls `probe` until it returns `expected`; on timeout, fails showing both."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value == expected:
            return
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out after {timeout:.0f} s waiting for {what}\n  expected: {expected!r}\n  last seen: {value!r}"
            )
        time.sleep(0.1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The rendered lines of an editor, top to bottom: each line's text and its inlay hints' text. An inlay hint is
# injected text whose spans carry a dynamic class (dyn-rule-*); a lone space among them is its padding.
_LINES_JS = """(editor) => {
  const rows = [...editor.querySelectorAll('.view-lines .view-line')]
    .map((row) => ({top: parseFloat(row.style.top), row}))
    .sort((a, b) => a.top - b.top);
  return rows.map(({row}) => {
    let text = '', hints = [], current = null;
    for (const span of row.querySelectorAll(':scope > span > span')) {
      const injected = [...span.classList].some((c) => c.startsWith('dyn-rule-'));
      const t = span.textContent.replace(/\\u00a0/g, ' ');
      if (!injected) { text += t; current = null; continue; }
      if (t.trim() === '' && current === null) { current = ''; hints.push(current); continue; }
      if (current === null) { hints.push(''); }
      hints[hints.length - 1] += t;
      current = hints[hints.length - 1];
    }
    return {text, hints: hints.filter((h) => h !== '')};
  });
}"""


@dataclass(frozen=True)
class Line:
    text: str
    hints: tuple[str, ...]


class Workbench:
    """One code-server with the extension and one browser page on a test workspace."""

    def __init__(self, page: Page, workspace: Path, log_dir: Path) -> None:
        self.page = page
        self.workspace = workspace
        self.log_dir = log_dir

    # -- settings -------------------------------------------------------------------------------------------
    def set_settings(self, **wanted: bool) -> None:
        """Sets boolean settings (`inlayHints__params=False` for paramlens.inlayHints.params) in the Settings UI, as
        a user does: VS Code writes settings.json and applies it live. (code-server does not see settings.json
        written behind its back, so the file is never written here.) Each click is waited on until the setting
        shows as modified or not (a value other than package.json's default, or the default), so that no write is
        lost to the next one. The Settings editor is closed again."""
        defaults = json.loads((CLIENT / "package.json").read_text())["contributes"]["configuration"]["properties"]
        self.command("Preferences: Open User Settings")
        wait_for("the Settings editor", lambda: self.active_tab() == "Settings", timeout=20)
        for key, value in wanted.items():
            setting = f"paramlens.{key.replace('__', '.')}"
            self._check(setting, value, modified=value != defaults[setting]["default"])
        self.page.locator(".part.editor .tab.active .tab-actions .action-label").first.click()
        wait_for("the Settings editor to close", lambda: self.active_tab() != "Settings", timeout=10)

    def _check(self, setting: str, value: bool, modified: bool, attempts: int = 3) -> None:
        """Searches the open Settings editor for a boolean setting and (un)checks its box. Under load a click can
        land while the search results are still being rendered and be lost: then it is made again."""
        search = self.page.locator(".settings-editor .settings-header .suggest-input-container textarea").first
        search.fill(setting)
        item = self.page.locator(f".settings-editor [data-key='{setting}']").first
        box = item.locator(".setting-value-checkbox").first
        state = str(value).lower()

        def done() -> bool:
            configured = "is-configured" in (item.get_attribute("class") or "").split()
            return box.get_attribute("aria-checked") == state and configured == modified

        for attempt in range(1, attempts + 1):
            box.wait_for(timeout=15000)
            if box.get_attribute("aria-checked") != state:
                box.click()
            try:
                wait_for(f"{setting} = {value} in the Settings editor", done, timeout=10)
                return
            except AssertionError:
                if attempt == attempts:
                    raise

    # -- editors --------------------------------------------------------------------------------------------
    def write(self, name: str, text: str) -> Path:
        path = self.workspace / name
        path.write_text(text, encoding="utf-8")
        return path

    def open(self, name: str, attempts: int = 3) -> float:
        """Opens a workspace file through Quick Open; returns the time.monotonic() at which Enter was pressed.
        Quick Open's file search can miss a file written a moment ago, so an attempt that does not activate the
        file's tab within 10 s is made again."""
        page = self.page
        for attempt in range(1, attempts + 1):
            page.keyboard.press("Escape")
            page.keyboard.press("Control+P")
            page.wait_for_selector(".quick-input-widget input", state="visible")
            page.locator(".quick-input-widget input").fill(name)
            row = page.locator(f".quick-input-list .monaco-list-row[aria-label^='{name}']").first
            try:
                row.wait_for(timeout=10000)
                opened = time.monotonic()
                page.keyboard.press("Enter")
                wait_for(f"the editor tab of {name}", lambda: self.active_tab() == name, timeout=10)
            except (AssertionError, PlaywrightTimeout):
                if attempt == attempts:
                    raise
                continue
            self.editor().locator(".view-lines").wait_for()
            return opened
        raise AssertionError("unreachable")

    def active_tab(self) -> str | None:
        tab = self.page.locator(".part.editor .tab.active .label-name")
        return tab.first.inner_text() if tab.count() else None

    def editor(self) -> Locator:
        return self.page.locator(".part.editor .editor-group-container.active .monaco-editor").first

    def lines(self, editor: Locator | None = None) -> list[Line]:
        rows = (editor or self.editor()).evaluate(_LINES_JS)
        return [Line(row["text"], tuple(row["hints"])) for row in rows]

    def hints(self) -> list[tuple[int, str]]:
        """(1-based line, hint text) of every inlay hint rendered in the active editor."""
        return [(number, hint) for number, line in enumerate(self.lines(), 1) for hint in line.hints]

    def goto(self, line: int, column: int) -> None:
        """Moves the cursor with Go to Line/Column (1-based), as a user would."""
        self.page.keyboard.press("Control+G")
        self.page.wait_for_selector(".quick-input-widget input", state="visible")
        self.page.keyboard.type(f"{line}:{column}")
        self.page.keyboard.press("Enter")
        wait_for(
            f"the cursor at {line}:{column}",
            lambda: f"Ln {line}, Col {column}" in self.status_texts(),
            timeout=10,
        )
        self.editor().locator("textarea").focus()

    def token(self, line: int, text: str) -> Locator:
        """The rendered span of `text` on a (1-based) line of the active editor."""
        index = self.editor().evaluate(
            """(editor, line) => {
              const rows = [...editor.querySelectorAll('.view-lines .view-line')];
              const sorted = rows.map((r, i) => [parseFloat(r.style.top), i]).sort((a, b) => a[0] - b[0]);
              return sorted[line - 1][1];
            }""",
            line,
        )
        return self.editor().locator(".view-lines .view-line").nth(index).locator("span > span", has_text=text).first

    # -- widgets --------------------------------------------------------------------------------------------
    def hover(self, line: int, text: str) -> str:
        """Hovers the mouse over `text` on a line and returns the hover widget's text."""
        self.page.mouse.move(0, 0)
        self.token(line, text).hover()
        widget = self.page.locator(".monaco-hover:not(.hidden) .monaco-hover-content").first
        widget.wait_for(state="visible", timeout=15000)
        return wait_for("the hover's content", lambda: widget.inner_text().strip() or None, timeout=10)

    def status_texts(self) -> str:
        return " | ".join(self.page.locator(".part.statusbar .statusbar-item").all_inner_texts())

    def status_item(self, name_part: str) -> Locator:
        return self.page.locator(f".part.statusbar .statusbar-item[id*='{name_part}']").first

    def command(self, title: str) -> None:
        """Runs a command from the Command Palette by its title."""
        page = self.page
        page.keyboard.press("Escape")
        page.keyboard.press("F1")
        page.wait_for_selector(".quick-input-widget input", state="visible")
        page.keyboard.type(title)
        page.wait_for_selector(f".quick-input-list .monaco-list-row[aria-label*='{title}']", timeout=15000)
        page.keyboard.press("Enter")

    def panel_editor(self) -> Locator:
        """The editor shown in the panel (an output channel)."""
        return self.page.locator(".part.panel .monaco-editor").first

    @contextlib.contextmanager
    def maximized_panel(self) -> Iterator[None]:
        """The panel maximized (an editor renders only the lines in view, so an output channel shows more lines),
        then restored, which shows the editors again."""
        panel = self.page.locator(".part.panel")
        panel.locator(".action-label[aria-label*='Maximize Panel']").first.click()
        restore = panel.locator(".action-label[aria-label*='Restore Panel']").first
        restore.wait_for()
        try:
            yield
        finally:
            restore.click()
            panel.locator(".action-label[aria-label*='Maximize Panel']").first.wait_for()

    def output_lines(self) -> list[str]:
        """The text of the output channel shown in the panel, trailing empty lines dropped."""
        lines = [line.text for line in self.lines(self.panel_editor())]
        while lines and lines[-1] == "":
            lines.pop()
        return lines

    def problems(self) -> list[tuple[str, ...]]:
        """The rows of the Problems panel, top to bottom, each as its rendered texts: a file row
        (name, count), a problem (message, source, code, "[Ln l, Col c]") or its related location
        (file, "[Ln l, Col c]", ":", message)."""
        if not self.page.locator(".markers-panel").is_visible():
            self.page.keyboard.press("Control+Shift+M")
        rows = self.page.locator(".markers-panel .monaco-list-row")
        rows.first.wait_for(timeout=15000)
        return [tuple(t for t in text.split("\n") if t) for text in rows.all_inner_texts()]

    def code_actions(self, line: int, column: int) -> list[str]:
        """Puts the cursor at line:column, opens the code action widget (Ctrl+., the light bulb's menu) and
        returns the titles of the actions it lists."""
        actions = self.page.locator(".action-widget .monaco-list-row.action")
        for attempt in range(1, 5):  # under load the first request can answer before the actions are there
            self.goto(line, column)
            self.page.keyboard.press("Control+.")
            try:
                actions.first.wait_for(timeout=5000)
                break
            except PlaywrightTimeout:
                if attempt == 4:
                    raise
                self.page.keyboard.press("Escape")
        return [a.get_attribute("aria-label") or "" for a in actions.all()]

    def quick_fix(self, line: int, column: int, title: str) -> list[str]:
        """Applies the fix titled `title` from the code action widget at line:column; returns every action listed."""
        titles = self.code_actions(line, column)
        assert title in titles, f"no action {title!r} among {titles}"
        focused = self.page.locator(".action-widget .monaco-list-row.action.focused")
        for _ in titles:  # the keyboard, as the widget's pointer guard swallows clicks right after it opens
            if focused.get_attribute("aria-label") == title:
                break
            self.page.keyboard.press("ArrowDown")
        self.page.keyboard.press("Enter")
        return titles

    def suggestions(self) -> list[str]:
        """Triggers completion (Ctrl+Space) and returns the suggest widget's labels, the focused one first."""
        self.page.keyboard.press("Control+Space")
        rows = self.page.locator(".suggest-widget .monaco-list-row")
        rows.first.wait_for(timeout=15000)
        labels = [(row.get_attribute("aria-label") or "").split(",")[0] for row in rows.all()]
        focused = self.page.locator(".suggest-widget .monaco-list-row.focused").get_attribute("aria-label") or ""
        return [focused.split(",")[0], *labels]

    def screenshot(self, path: Path, clip: dict[str, float] | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path), clip=clip)  # type: ignore[arg-type]

    def server_log(self) -> str:
        """The paramlens output channel (a log channel), as written to the session's log files."""
        logs = sorted(self.log_dir.rglob("*paramlens*.log"))
        return "\n".join(p.read_text(errors="replace") for p in logs if "summary" not in p.name)


def _bare_python(where: Path) -> Path:
    """A virtual environment with nothing installed: the user whose Python has no paramlens."""
    base = Path(getattr(sys, "_base_executable", sys.executable))
    subprocess.run([str(base), "-m", "venv", "--without-pip", str(where)], check=True)
    python = where / "bin" / "python"
    check = subprocess.run([str(python), "-c", "import paramlens"], capture_output=True, env=_clean_env())
    assert check.returncode != 0, "the bare interpreter must not import paramlens"
    return python


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}


@contextlib.contextmanager
def launch(root: Path, mode: str, device_scale_factor: float = 1) -> Iterator[Workbench]:
    """code-server on 127.0.0.1 without auth, a fresh profile with the packaged .vsix, and a browser page on it.

    mode "bundled": paramlens.interpreter is a bare venv, so the extension runs the server it bundles;
    mode "installed": the repository's .venv (paramlens and PyYAML's C loader installed), which it prefers.
    """
    code_server = install_code_server()
    vsix = packaged_vsix()
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: scripts/install-code-server installs Debian's chromium")
    user_data, extensions, workspace, home = (root / d for d in ("user-data", "extensions", "workspace", "home"))
    for d in (user_data / "User", extensions, workspace, home):
        d.mkdir(parents=True)
    python = _bare_python(root / "bare-venv") if mode == "bundled" else Path(sys.executable)
    settings = user_data / "User" / "settings.json"
    settings.write_text(
        json.dumps(
            {
                "paramlens.interpreter": str(python),
                "workbench.startupEditor": "none",
                "workbench.tips.enabled": False,
                "workbench.enableExperiments": False,
                "security.workspace.trust.enabled": False,
                "telemetry.telemetryLevel": "off",
                "extensions.autoUpdate": False,
                "extensions.autoCheckUpdates": False,
                "editor.minimap.enabled": False,
                "editor.hover.delay": 100,
                "editor.lightbulb.enabled": "on",
                "window.commandCenter": False,
                "chat.commandCenter.enabled": False,
                "workbench.colorTheme": "Default Light Modern",
            },
            indent=2,
        )
    )
    env = {
        **_clean_env(),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"),
    }
    profile = ["--user-data-dir", str(user_data), "--extensions-dir", str(extensions)]
    installed = subprocess.run(
        [str(code_server), *profile, "--install-extension", str(vsix)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    if installed.returncode != 0 or "successfully installed" not in installed.stdout:
        raise RuntimeError(f"code-server --install-extension failed:\n{installed.stdout}\n{installed.stderr}")
    port = _free_port()
    log = (root / "code-server.log").open("w")
    server = subprocess.Popen(
        [
            str(code_server),
            "--bind-addr",
            f"127.0.0.1:{port}",
            "--auth",
            "none",
            *profile,
            "--disable-telemetry",
            "--disable-update-check",
            "--disable-workspace-trust",
            "--disable-getting-started-override",
            "--config",
            str(root / "code-server.yaml"),
            str(workspace),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"

        def healthy() -> bool:
            assert server.poll() is None, f"code-server exited: {(root / 'code-server.log').read_text()[-2000:]}"
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
                    return response.status == 200
            except OSError:
                return False

        wait_for("code-server to answer", healthy, timeout=60, interval=0.2)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
            try:
                page = browser.new_page(
                    viewport={"width": 1280, "height": 800}, device_scale_factor=device_scale_factor
                )
                page.goto(f"{url}/?folder={workspace}")
                page.wait_for_selector(".monaco-workbench .part.statusbar", timeout=60000)
                page.wait_for_selector(".explorer-folders-view", timeout=60000)
                yield Workbench(page, workspace, user_data / "logs")
            finally:
                browser.close()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()
        shutil.rmtree(root / "bare-venv", ignore_errors=True)


def summary_json(path: Path) -> dict[str, Any]:
    """`paramlens summary --json` of a file: the expected values, from the CLI of this checkout (exit code 1: the
    file has errors, listed in its `diagnostics`)."""
    out = subprocess.run(
        [sys.executable, "-m", "paramlens", "summary", "--json", str(path)], capture_output=True, text=True, check=False
    )
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)


def summary_text(path: Path) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "paramlens", "summary", str(path)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "100", "NO_COLOR": "1"},
    )
    return out.stdout


def exact(count: int) -> str:
    return f"{count:,}"


def shape(dims: list[int]) -> str:
    return "×".join(str(d) for d in dims)
