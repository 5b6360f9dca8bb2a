"""What each subcommand does, once its arguments are parsed."""

from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
import tempfile
import threading
import time

from .cli import EXIT_OK, UsageError, since_of, window_of
from .paths import Target
from .demo import DemoWriter, demo_path
from .geo import NOT_CONFIGURED, Geo
from .geo import load as load_geo
from .query import WINDOWS_BY_NAME, Query
from .report import summary, to_json, to_text
from .timeparse import iso
from .parallel import Backfill, read_parallel
from .sources import Follower, Options, targets_of
from .store import Store
from .textsafe import clean_line


def tune_gc() -> None:
    """Keep the collector's pauses short, and its full passes rare.

    Every collection holds the GIL, so it stops the app's drawing and ingest alike. Textual's
    rendering leaves reference cycles (a Strip caches itself), and its caches keep about half a
    million objects alive at 160x50: a full pass over them takes 0.5-1 s. Small young collections
    (a few ms) and middle ones every 40,000 allocations (tens of ms, bench/bench_ui.py) free the
    cycles; full passes wait for 200 of those. Ingest allocates few tracked objects (events are
    untracked structs), so the settings leave `report` and ingest speed as they are."""
    gc.set_threshold(2_000, 20, 200)


def _options(args: argparse.Namespace) -> Options:
    return Options(
        max_record_bytes=args.max_line_bytes,
        max_gzip_ratio=args.max_gzip_ratio,
        from_end=getattr(args, "from_end", False),
    )


def _targets(args: argparse.Namespace) -> list[Target]:
    inputs = list(args.inputs)
    if not inputs:
        if sys.stdin is None or sys.stdin.isatty():
            raise UsageError("no input: give files, directories, globs, or - for stdin")
        inputs = ["-"]
    return targets_of(inputs)


def _geo(args: argparse.Namespace) -> tuple[Geo | None, str | None]:
    """The GeoIP database, if any, and why one asked for cannot be used. That is one line on
    stderr and the JSON report's `geo.error`, never fatal; no database at all is silent (geo is
    optional)."""
    geo, reason = load_geo(args.geoip_db)
    if reason and (args.geoip_db or not reason.startswith(NOT_CONFIGURED)):
        print(f"sestui: {clean_line(reason)}", file=sys.stderr)
        return geo, reason
    return geo, None


def _store(args: argparse.Namespace, geo: Geo | None = None) -> Store:
    keep = None
    if getattr(args, "filter", ""):
        from .filters import FilterError, compile_filter

        try:
            keep = compile_filter(args.filter, geo.place if geo else None)
        except FilterError as exc:
            raise UsageError(f"--filter: {exc}") from None
    return Store(max_events=args.max_events, since=since_of(args.since), keep=keep, keep_raw=False, dedupe=not args.no_dedupe)


def _files_once(targets: list[Target]) -> list[str]:
    """Every path to read for a one-shot report; unreadable or unmatched inputs are errors."""
    paths: list[str] = []
    seen: set[tuple[int, int]] = set()  # a file named twice (glob, path, link) is read once
    for target in targets:
        if target.kind == "stdin":
            paths.append("-")
            continue
        if target.kind in ("file", "dir"):
            try:
                os.stat(target.arg)
            except OSError as exc:  # the system's own reason: `a.jsonl/` is "Not a directory"
                raise UsageError(f"cannot read {target.arg}: {exc.strerror or exc}") from None
        errors: list[OSError] = []
        found = target.matches(errors)
        if errors:  # a report that read nothing of a directory must not look like a quiet day
            raise UsageError(f"cannot read {errors[0].filename}: {errors[0].strerror or errors[0]}")
        if not found and target.kind == "glob":
            raise UsageError(f"no files match {target.arg}")
        for path in found:
            try:
                st = os.stat(path)
            except OSError as exc:
                raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                paths.append(path)
    return paths


def run_report(args: argparse.Namespace) -> int:
    tune_gc()
    window = window_of(args.window)
    if not args.follow and (args.every is not None or args.from_end):
        raise UsageError(f"{'--every' if args.every is not None else '--from-end'} needs --follow")
    geo, geo_error = _geo(args)
    store = _store(args, geo)
    targets = _targets(args)
    if args.follow:
        return _report_follow(args, store, targets, window, geo, geo_error)
    options = _options(args)
    try:
        store = read_parallel(_files_once(targets), lambda: _store(args, geo), options, args.jobs)
    except OSError as exc:
        raise UsageError(f"cannot read {exc.filename}: {exc.strerror or exc}") from None
    _print_report(args, store, window, None, geo, geo_error)
    return EXIT_OK


def _print_report(args: argparse.Namespace, store: Store, window, sources, geo, geo_error) -> None:  # type: ignore[no-untyped-def]
    report = summary(Query(store, window, top=args.top), args.outlier_ms, geo)
    report["geo"]["error"] = report["geo"]["error"] or geo_error
    if sources is not None:
        report["sources"] = [status.as_dict() for status in sources]
    if args.json:
        sys.stdout.buffer.write(to_json(report) + b"\n")
    else:
        if sources is not None:  # one of a series (--follow): where each begins, and when
            sys.stdout.write(f"==== snapshot at {iso(time.time())} ====\n")
        sys.stdout.write(to_text(report))
        if sources is not None:
            for status in sources:
                sys.stdout.write(f"source {clean_line(status.path)}: {status.state} at {status.offset}\n")
    sys.stdout.flush()


def _report_follow(args: argparse.Namespace, store: Store, targets: list[Target], window, geo, geo_error) -> int:  # type: ignore[no-untyped-def]
    follower = Follower(targets, store, _options(args), backfill=_backfill(args))
    stop = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    follower.start()
    every = args.every or 5.0
    next_at = time.monotonic() + every
    try:
        while not stop.wait(min(0.1, max(0.0, next_at - time.monotonic()))):
            if follower.ended:
                break
            if time.monotonic() >= next_at:
                next_at += every
                _print_report(args, store, window, follower.statuses, geo, geo_error)
    finally:  # also when the reader of the snapshots went away (BrokenPipeError)
        follower.stop()
        follower.join(5)
    _print_report(args, store, window, follower.statuses, geo, geo_error)
    return EXIT_OK


def _keyboard_from_tty() -> int:
    """stdin carries the logs: keep it as a data fd and give the app the terminal instead."""
    data_fd = os.dup(0)
    try:
        tty = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        os.close(data_fd)
        raise UsageError(
            "stdin is a pipe and there is no terminal for the keyboard; use `sestui report --follow -`"
        ) from None
    os.dup2(tty, 0)
    os.close(tty)
    return data_fd


def _run_app(
    store: Store,
    follower: Follower,
    window: str,
    filter_text: str = "",
    export_dir: str = ".",
    geo: Geo | None = None,
    geo_note: str | None = None,
) -> int:
    from .ui.app import make_app

    if window not in WINDOWS_BY_NAME:
        raise UsageError(f"--window: one of {', '.join(WINDOWS_BY_NAME)}")
    if filter_text:
        from .filters import FilterError, compile_filter

        try:
            compile_filter(filter_text, geo.place if geo else None)
        except FilterError as exc:
            raise UsageError(f"--filter: {exc}") from None
    app = make_app(
        store=store, follower=follower, window=window, filter_text=filter_text, export_dir=export_dir, geo=geo, geo_note=geo_note
    )
    app.run()
    return app.return_code or EXIT_OK  # 1 after a crash, which Textual has printed


def _backfill(args: argparse.Namespace) -> Backfill | None:
    """How a follower reads the content its files hold at the start: on several cores, unless
    `tail` is given a filter, whose view then counts every event as it is read (a parallel read
    adds its events at once, when only those still retained can be counted). `report`'s filter
    decides what is stored, which a parallel read does as well."""
    view_filter = args.command == "tail" and args.filter
    return Backfill(args.jobs) if args.jobs > 1 and not view_filter else None


def run_tail(args: argparse.Namespace) -> int:
    tune_gc()
    store = Store(max_events=args.max_events, since=since_of(args.since), dedupe=not args.no_dedupe)
    targets = _targets(args)
    stdin_fd = _keyboard_from_tty() if any(t.kind == "stdin" for t in targets) else None
    follower = Follower(targets, store, _options(args), stdin_fd=stdin_fd, backfill=_backfill(args))
    geo, note = load_geo(args.geoip_db)
    return _run_app(store, follower, args.window, args.filter, args.export_dir, geo, note)


def run_demo(args: argparse.Namespace) -> int:
    tune_gc()
    with tempfile.TemporaryDirectory(prefix="sestui-demo-") as directory:
        path = demo_path(directory)
        writer = DemoWriter(path, rate=args.rate, seed=args.seed)
        writer.start()
        store = Store(max_events=args.max_events)
        follower = Follower(targets_of([path]), store, Options())
        geo, note = load_geo(args.geoip_db)
        try:
            return _run_app(store, follower, "15m", geo=geo, geo_note=note)
        finally:
            writer.stop()
