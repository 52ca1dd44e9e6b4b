"""The language server: LSP wiring around the per-version analysis cache.

``paramlens serve`` (stdio, or ``--tcp HOST:PORT``). Every feature lives in its own module and
reads the cached analysis of the document's current version (``documents.Documents``); this file
only connects them to the protocol, reads settings and client capabilities, and keeps the session
alive: an exception in a handler is logged (``window/logMessage``) and answered with an empty
result, malformed parameters get an empty result, and a closed stdin ends the process at once.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import importlib.util
import inspect
import json
import logging
import os
import sys
import threading
import traceback
from collections.abc import Awaitable, Callable, Generator
from types import ModuleType
from typing import Any, BinaryIO, TypeVar
from urllib.parse import unquote

from lsprotocol import types
from pygls.capabilities import get_capability
from pygls.exceptions import JsonRpcInternalError, JsonRpcInvalidParams
from pygls.io_ import StdoutWriter, run_async
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method

from .. import __version__
from . import textsync, transport
from .config import SECTION, Settings
from .documents import Documents, Entry, uri_path
from .positions import Encoding, encoding_of


def _lazy(name: str) -> ModuleType:
    """A feature module loaded on first use: these import the engine, which `initialize` does not need
    (``load_features`` loads them all on the event loop once it is answered)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.loader is not None
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


actions = _lazy("paramlens.lsp.actions")
completion = _lazy("paramlens.lsp.completion")
definition = _lazy("paramlens.lsp.definition")
diagnostics = _lazy("paramlens.lsp.diagnostics")
hints = _lazy("paramlens.lsp.hints")
hover_feature = _lazy("paramlens.lsp.hover")
lens = _lazy("paramlens.lsp.lens")
symbols = _lazy("paramlens.lsp.symbols")
FEATURES = (actions, completion, definition, diagnostics, hints, hover_feature, lens, symbols)


def load_features() -> None:
    for module in FEATURES:
        getattr(module, "__doc__", None)  # any attribute runs the module


log = logging.getLogger("paramlens.lsp")
T = TypeVar("T")
SUMMARY = "paramlens/summary"
USE_SCALE = "paramlens.ultralytics.useScale"  # lens.USE_SCALE (lens.py is loaded lazily)
EXPORT_TORCH = "paramlens/exportTorch"


class _Malformed:
    """A message whose parameters could not be read: answered with an empty result."""

    def __init__(self, msg_id: Any, method: str, error: Exception) -> None:
        self.id, self.method, self.error = msg_id, method, error


class Protocol(LanguageServerProtocol):
    """pygls' protocol, except that a request with malformed parameters is answered (null) instead
    of being dropped, which would leave the client waiting forever."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except (JsonRpcInvalidParams, JsonRpcInternalError) as exc:
            if isinstance(data, dict) and "method" in data:
                return _Malformed(data.get("id"), str(data["method"]), exc)
            raise

    def _execute_handler(self, msg_id: Any, handler: Any, callback: Any, args: Any = None, kwargs: Any = None) -> None:
        """pygls 2.1.1 files the future of every handler run, notifications included, under its message id
        and only removes those of requests: each keystroke (didChange) would keep two futures forever."""
        super()._execute_handler(msg_id, handler, callback, args, kwargs)
        future = self._request_futures.get(msg_id)
        if future is not None:
            future.add_done_callback(lambda done, key=msg_id: self._forget(key, done))

    def _forget(self, msg_id: Any, future: Any) -> None:
        if self._request_futures.get(msg_id) is future:
            del self._request_futures[msg_id]

    @lsp_method(types.SHUTDOWN)
    def lsp_shutdown(self, *args: Any) -> Generator[Any, Any, None]:
        """pygls' shutdown, cancelling over a copy of the pending futures. Cancelling a future runs its
        done-callbacks at once (``_forget``, pygls' own ``_send_handler_result``), and they remove it from
        the dict pygls 2.1.1 iterates: shutdown was answered with "dictionary changed size during
        iteration" whenever a handler was pending (always, right after ``initialized``)."""
        if (user_handler := self.fm.features.get(types.SHUTDOWN)) is not None:
            yield user_handler, args, None
        current = self.msg_id  # the shutdown request's own future stays
        for msg_id, future in list(self._request_futures.items()):
            if msg_id != current and not future.done():
                future.cancel()
        self._shutdown = True

    def _send_response(self, msg_id: Any, result: Any = None, error: Any = None) -> None:
        """A result that a feature has already encoded (``transport.Encoded``) goes out as it is, without
        cattrs and ``json.dumps`` over tens of thousands of objects."""
        if error is not None or not isinstance(result, transport.Encoded):
            super()._send_response(msg_id, result, error)
            return
        self._result_types.pop(msg_id, None)
        if self.writer is None:
            return
        head = f'{{"id": {json.dumps(msg_id)}, "result": '.encode()
        tail = b', "jsonrpc": "2.0"}'
        parts = [head, result.data, tail]  # written in pieces: the result may be megabytes, never copied
        if self._include_headers:  # as pygls frames a message
            length = len(head) + len(result.data) + len(tail)
            header = f"Content-Length: {length}\r\nContent-Type: {self.CONTENT_TYPE}; charset={self.CHARSET}\r\n\r\n"
            parts.insert(0, header.encode("ascii"))
        else:  # one message per frame (websockets)
            parts = [b"".join(parts)]
        for part in parts:
            written = self.writer.write(part)
            if inspect.isawaitable(written):
                asyncio.ensure_future(written)  # noqa: RUF006 - as pygls does: the websocket keeps it

    def handle_message(self, message: Any) -> None:
        if isinstance(message, _Malformed):
            server: ParamlensServer = self._server  # type: ignore[assignment]
            server.log(types.MessageType.Warning, f"Malformed parameters of {message.method}: answered with null.")
            if message.id is not None:
                self._send_response(message.id, result=None)
            return
        super().handle_message(message)


class ParamlensServer(LanguageServer):
    def _start_io_async(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        """pygls' stdio server, with stdin read on the event loop when it can be watched (transport.py)."""
        stdin = stdin or sys.stdin.buffer
        if not transport.watchable(stdin):
            super()._start_io_async(stdin, stdout)
            return
        self._stop_event = threading.Event()
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        try:
            asyncio.run(
                run_async(
                    stop_event=self._stop_event,
                    reader=transport.PipeReader(stdin),
                    protocol=self.protocol,
                    logger=log,
                    error_handler=self.report_server_error,
                )
            )
        except BrokenPipeError:
            log.error("The client closed the connection; shutting down.")
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            self.shutdown()

    def __init__(self) -> None:
        super().__init__("paramlens", __version__, protocol_cls=Protocol, max_workers=2)
        self.settings = Settings()
        self.docs = Documents(
            texts=self.text_of,
            publish=self.publish,
            refresh=self.refresh_views,
            settings=lambda: self.settings,
            encoding=self.encoding,
            root=self.root,
        )
        self._refresh_queued = False

    # --- session state ---------------------------------------------------------------------

    def capability(self, path: str, default: Any = None) -> Any:
        caps = self.protocol.client_capabilities if hasattr(self.protocol, "client_capabilities") else None
        return get_capability(caps, path, default) if caps is not None else default

    def encoding(self) -> Encoding:
        try:
            return encoding_of(self.workspace.position_encoding)
        except RuntimeError:
            return "utf-16"

    def root(self) -> str | None:
        try:
            return self.workspace.root_path
        except RuntimeError:
            return None

    def text_of(self, uri: str) -> tuple[int | None, str] | None:
        """(version, text) of a document open in the editor."""
        try:
            doc = self.workspace.text_documents.get(unquote(uri))
        except RuntimeError:
            return None
        return None if doc is None else (doc.version, doc.source)

    def log(self, level: types.MessageType, message: str) -> None:
        (log.warning if level <= types.MessageType.Warning else log.info)(message)
        with contextlib.suppress(Exception):  # no transport yet, or the client is gone
            self.window_log_message(types.LogMessageParams(type=level, message=message))

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Errors pygls catches itself are logged, not shown in a pop-up."""
        self.log(types.MessageType.Error, f"paramlens server error: {error}")

    # --- output ------------------------------------------------------------------------------

    def publish(self, entry: Entry) -> None:
        self.text_document_publish_diagnostics(diagnostics.publish_params(entry))

    def refresh_views(self) -> None:
        """Ask the client to fetch hints (and lenses) again, once per burst of reasons."""
        if self._refresh_queued:
            return
        self._refresh_queued = True
        asyncio.get_running_loop().call_soon(self._send_refresh)

    def _send_refresh(self) -> None:
        self._refresh_queued = False
        if self.capability("workspace.inlay_hint.refresh_support", False):
            self.workspace_inlay_hint_refresh(None, callback=_ignore)
        if self.lenses_on() and self.capability("workspace.code_lens.refresh_support", False):
            self.workspace_code_lens_refresh(None, callback=_ignore)

    def lenses_on(self) -> bool:
        return lens.wanted(self.settings, self.capability("text_document.inlay_hint") is not None)

    # --- settings ----------------------------------------------------------------------------

    async def pull_settings(self, pushed: Any = None) -> None:
        if self.capability("workspace.configuration", False):
            try:
                result = await self.workspace_configuration_async(
                    types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)])
                )
                raw = result[0] if result else None
            except Exception as exc:
                self.log(types.MessageType.Warning, f"workspace/configuration failed: {exc}")
                raw = pushed
        else:
            raw = pushed
        if raw is not None:
            self.apply_settings(Settings.parse(raw))

    def apply_settings(self, new: Settings) -> None:
        old, self.settings = self.settings, new
        if old == new:
            return
        if (old.files, old.max_file_size, old.analysis_key) != (new.files, new.max_file_size, new.analysis_key):
            self.docs.reanalyse_all()
        else:
            self.refresh_views()

    async def register_watchers(self) -> None:
        if not self.capability("workspace.did_change_watched_files.dynamic_registration", False):
            return
        options = types.DidChangeWatchedFilesRegistrationOptions(
            watchers=[types.FileSystemWatcher(glob_pattern=g) for g in self.settings.files]
        )
        registration = types.Registration(
            id="paramlens-watched-files", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES, register_options=options
        )
        try:
            await self.client_register_capability_async(types.RegistrationParams(registrations=[registration]))
        except Exception as exc:
            self.log(types.MessageType.Warning, f"Could not register file watchers: {exc}")

    # --- imports -------------------------------------------------------------------------------

    def touched(self, uri: str) -> None:
        """A file changed in a way its importers cannot see: re-analyse them."""
        path = uri_path(uri)
        if path is None:
            return
        for dependent in self.docs.dependents([path]):
            if dependent != uri:
                self.docs.request(dependent, unseen=True)

    async def watched(self, change: types.FileEvent) -> None:
        uri = change.uri
        self.touched(uri)
        if self.text_of(uri) is not None:
            return  # open: the editor's text is what counts
        if change.type == types.FileChangeType.Deleted:
            self.text_document_publish_diagnostics(diagnostics.cleared(uri))
            return
        entry = await self.docs.analyse_file(uri)
        if entry is not None and self.text_of(uri) is None:
            self.publish(entry)


def _ignore(_result: Any) -> None:
    """Replies to refresh requests carry nothing."""


def guarded(empty: Any) -> Callable[[Callable[..., Awaitable[Any]]], Callable[..., Awaitable[Any]]]:
    """Run a handler; on an exception log it to the client and answer ``empty``."""

    def decorate(fn: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        @functools.wraps(fn)
        async def handler(ls: ParamlensServer, params: Any) -> Any:
            try:
                return await fn(ls, params)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                detail = "".join(traceback.format_exception(exc)[-3:])
                ls.log(types.MessageType.Error, f"paramlens: {fn.__name__} failed: {exc!r}\n{detail}")
                return empty

        return handler

    return decorate


def create_server() -> ParamlensServer:
    """A server with every feature registered."""
    server = ParamlensServer()

    @server.feature(types.INITIALIZE)
    @guarded(None)
    async def initialize(ls: ParamlensServer, params: types.InitializeParams) -> None:
        textsync.install(ls)
        if params.initialization_options is not None:
            ls.settings = Settings.parse(params.initialization_options)

    @server.feature(types.INITIALIZED)
    @guarded(None)
    async def initialized(ls: ParamlensServer, params: types.InitializedParams) -> None:
        load_features()
        await ls.pull_settings()
        await ls.register_watchers()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    @guarded(None)
    async def did_change_configuration(ls: ParamlensServer, params: types.DidChangeConfigurationParams) -> None:
        await ls.pull_settings(params.settings)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    @guarded(None)
    async def did_open(ls: ParamlensServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.docs.request(params.text_document.uri)
        ls.touched(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    @guarded(None)
    async def did_change(ls: ParamlensServer, params: types.DidChangeTextDocumentParams) -> None:
        kept = textsync.refused(ls, params.text_document)
        if kept is not None:
            ls.log(
                types.MessageType.Warning,
                f"Ignored a change of {params.text_document.uri} to version {params.text_document.version}: "
                f"not newer than its version {kept}.",
            )
            return
        ls.docs.request(params.text_document.uri)
        ls.touched(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    @guarded(None)
    async def did_save(ls: ParamlensServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        entry = ls.docs.entries.get(uri)
        if entry is not None and entry.deps:  # clients without file watching: imports re-read on save
            ls.docs.request(uri, unseen=True)
        ls.touched(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    @guarded(None)
    async def did_close(ls: ParamlensServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.docs.close(uri)
        ls.text_document_publish_diagnostics(diagnostics.cleared(uri))
        ls.touched(uri)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    @guarded(None)
    async def did_change_watched_files(ls: ParamlensServer, params: types.DidChangeWatchedFilesParams) -> None:
        for change in params.changes:
            await ls.watched(change)

    @server.feature(types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintOptions(resolve_provider=False))
    @guarded([])
    async def inlay_hint(
        ls: ParamlensServer, params: types.InlayHintParams
    ) -> transport.Encoded | list[types.InlayHint]:
        entry = await ls.docs.current(params.text_document.uri)
        if entry is None:
            return []
        return hints.encoded_hints(entry, ls.settings, params.range.start.line, params.range.end.line)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    @guarded(None)
    async def hover(ls: ParamlensServer, params: types.HoverParams) -> types.Hover | None:
        entry = await ls.docs.current(params.text_document.uri)
        if entry is None:
            return None
        if hover_feature.shows_scales(entry, params.position):
            await ls.docs.count_scales(entry)
        formats = ls.capability("text_document.hover.content_format", None) or []
        return hover_feature.hover(entry, params.position, types.MarkupKind.Markdown in formats)

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    @guarded([])
    async def goto_definition(ls: ParamlensServer, params: types.DefinitionParams) -> list[types.Location]:
        entry = await ls.docs.current(params.text_document.uri)
        if entry is None:
            return []
        return definition.definition(entry, params.position)

    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=[" ", "$", "{", ","]))
    @guarded(None)
    async def complete(ls: ParamlensServer, params: types.CompletionParams) -> types.CompletionList | None:
        entry = await ls.docs.current(params.text_document.uri)
        if entry is None:
            return None
        snippets = bool(ls.capability("text_document.completion.completion_item.snippet_support", False))
        formats = ls.capability("text_document.completion.completion_item.documentation_format", None) or []
        return completion.complete(entry, params.position, snippets, types.MarkupKind.Markdown in formats)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix])
    )
    @guarded([])
    async def code_action(ls: ParamlensServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        entry = await ls.docs.current(params.text_document.uri)
        if entry is None:
            return []
        versioned = bool(ls.capability("workspace.workspace_edit.document_changes", False))
        return actions.code_actions(entry, params.range, versioned, params.context.only)

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    @guarded([])
    async def document_symbol(
        ls: ParamlensServer, params: types.DocumentSymbolParams
    ) -> list[types.DocumentSymbol] | list[types.SymbolInformation]:
        entry = await ls.docs.current(params.text_document.uri)
        if entry is None:
            return []
        found = symbols.document_symbols(entry)
        if ls.capability("text_document.document_symbol.hierarchical_document_symbol_support", False):
            return found
        return symbols.flatten(entry.uri, found)

    @server.feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=False))
    @guarded([])
    async def code_lens(ls: ParamlensServer, params: types.CodeLensParams) -> list[types.CodeLens]:
        if ls.settings.code_lens == "off":
            return []
        entry = await ls.docs.current(params.text_document.uri)
        if entry is None:
            return []
        await ls.docs.count_scales(entry)
        return lens.code_lenses(entry, ls.settings, ls.lenses_on())

    @server.command(USE_SCALE)
    async def use_scale(ls: ParamlensServer, uri: str, scale: str) -> None:
        """A lens on an Ultralytics file's `scales:`: build this document at that scale ("auto": as the settings
        say). Hints, lenses and diagnostics follow."""
        try:
            if not isinstance(uri, str) or ls.text_of(uri) is None:
                return
            ls.docs.use_scale(uri, scale if isinstance(scale, str) and scale and scale != "auto" else None)
            await ls.docs.current(uri)  # the new build (hints are refreshed when it is published)
            if ls.capability("workspace.code_lens.refresh_support", False):
                ls.workspace_code_lens_refresh(None, callback=_ignore)
        except Exception as exc:  # a command's failure is logged, not shown in a pop-up
            ls.log(types.MessageType.Error, f"paramlens: {USE_SCALE} failed: {exc!r}")

    @server.feature(SUMMARY)
    @guarded(None)
    async def summary(ls: ParamlensServer, params: Any) -> dict[str, Any] | None:
        entry = await ls.docs.current(_uri_param(params))
        if entry is None or not entry.analysis.is_architecture:
            return None
        from ..render.json import to_json
        from ..render.table import summary_text

        await ls.docs.count_scales(entry)
        return {"json": to_json(entry.analysis), "text": summary_text(entry.analysis)}

    @server.feature(EXPORT_TORCH)
    @guarded({"error": "paramlens could not export this document (see the server log)."})
    async def export_torch(ls: ParamlensServer, params: Any) -> dict[str, str]:
        entry = await ls.docs.current(_uri_param(params))
        if entry is None or not entry.analysis.is_architecture:
            return {"error": "Not an architecture file open in the editor."}
        try:
            from ..export.torch import to_torch_source
        except ImportError:
            return {"error": "The PyTorch exporter is not available in this installation."}
        if entry.analysis.has_errors:
            return {"error": "The architecture has errors: fix them before exporting (see Problems)."}
        return {"source": to_torch_source(entry.analysis, name=entry.analysis.name)}

    return server


def _uri_param(params: Any) -> str:
    """The ``uri`` of a custom request, however the client structured it."""
    uri = params.get("uri") if isinstance(params, dict) else getattr(params, "uri", None)
    if not isinstance(uri, str):
        raise ValueError("expected params {'uri': string}")
    return uri


SWITCH_INTERVAL = 0.0005  # seconds


def main(argv: list[str] | None = None) -> int:
    """``paramlens serve [--tcp HOST:PORT] [--log-file PATH] [-v]``; returns the exit code."""
    parser = argparse.ArgumentParser(prog="paramlens serve", description="The paramlens language server.")
    parser.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (the default)")
    parser.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP socket instead")
    parser.add_argument("--log-file", metavar="PATH", help="write the server's log to this file")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debugging detail")
    args = parser.parse_args(argv)
    # Analyses run on a thread of their own; hand the interpreter back to the thread answering requests
    # every half millisecond instead of every 5, so hovers and hints stay prompt during a long one.
    sys.setswitchinterval(SWITCH_INTERVAL)
    logging.basicConfig(
        filename=args.log_file,
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    server = create_server()
    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        if not port.isdigit():
            parser.error("--tcp takes HOST:PORT, e.g. 127.0.0.1:2087")
        server.start_tcp(host or "127.0.0.1", int(port))
        return 0
    server.start_io()
    # exit at once: freeing a large analysis at interpreter shutdown takes seconds, and a client that
    # went away expects the process gone within one
    logging.shutdown()
    with contextlib.suppress(ValueError, OSError):  # pygls may have closed stdout already
        sys.stdout.flush()
    os._exit(0 if server.protocol._shutdown else 1)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
