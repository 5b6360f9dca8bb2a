"""Command line: `sestui tail`, `sestui report`, `sestui demo`."""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Sequence
from typing import NoReturn

from . import __version__
from .framing import DEFAULT_MAX_RECORD_BYTES
from .parallel import default_jobs
from .query import DEFAULT_WINDOW, WINDOWS_BY_NAME, Window, window_for
from .store import DEFAULT_MAX_EVENTS
from .textsafe import clean_line
from .timeparse import parse_duration, parse_since

EXIT_OK = 0
EXIT_USAGE = 2


class UsageError(Exception):
    """A bad argument or unreadable input: one line on stderr, exit 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one clean line on stderr (it quotes what was typed), as
    every other usage error is; `--help` has the usage."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {clean_line(message)} (see {self.prog} --help)\n")


def _window(text: str) -> Window:
    if text in WINDOWS_BY_NAME:
        return WINDOWS_BY_NAME[text]
    return window_for(parse_duration(text))


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"not a positive whole number: {text!r}")
    return value


def _positive_number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value < math.inf:  # also refuses nan: a zero --every would print in a busy loop
        raise argparse.ArgumentTypeError(f"not a positive number: {text!r}")
    return value


def _add_input_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "inputs",
        nargs="*",
        metavar="PATH|GLOB|-",
        help="files, directories, quoted glob patterns (** allowed) or - for stdin",
    )
    parser.add_argument("--since", metavar="DURATION|TIME", help="drop events older than this")
    parser.add_argument(
        "--max-events",
        type=_positive_int,
        default=DEFAULT_MAX_EVENTS,
        metavar="N",
        help=f"events kept in the ring for rankings and drilldown (default {DEFAULT_MAX_EVENTS})",
    )
    parser.add_argument(
        "--max-line-bytes",
        type=_positive_int,
        default=DEFAULT_MAX_RECORD_BYTES,
        metavar="N",
        help="skip (and count) records longer than this (default 1 MiB)",
    )
    parser.add_argument(
        "--max-gzip-ratio",
        type=_positive_number,
        default=64,
        metavar="X",
        help="stop a .gz input that expands more than X times its size (default 64)",
    )
    parser.add_argument(
        "--geoip-db",
        action="append",
        default=[],
        metavar="PATH",
        help="MaxMind City/Country database, plus optionally an ASN one (repeatable)",
    )
    parser.add_argument(
        "--no-dedupe",
        action="store_true",
        help="count every copy of an event read more than once (default: once, see README)",
    )


def _add_jobs_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--jobs",
        type=_positive_int,
        default=default_jobs(),
        metavar="N",
        help=f"{what} (default: all usable, at most 4; here %(default)s)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="sestui",
        description="Terminal live monitor for Amazon SES feedback, event and CloudTrail logs.",
    )
    parser.add_argument("--version", action="version", version=f"sestui {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    tail = commands.add_parser("tail", help="open the live monitor on logs (follows them)")
    _add_input_options(tail)
    tail.add_argument("--from-end", action="store_true", help="skip existing content, show only new lines")
    tail.add_argument(
        "--window", default=DEFAULT_WINDOW, help="initial time window: 5m 15m 1h 6h 24h 7d all"
    )
    tail.add_argument("--filter", default="", metavar="EXPR", help="initial filter, e.g. 'kind:Bounce'")
    tail.add_argument("--export-dir", default=".", metavar="DIR", help="where e and Ctrl+S write files (default .)")
    _add_jobs_option(tail, "read large existing content on up to N cores")

    report = commands.add_parser("report", help="print a summary of logs (text or --json)")
    _add_input_options(report)
    report.add_argument("--json", action="store_true", help="one JSON object (schema 1)")
    report.add_argument("--top", type=_positive_int, default=10, metavar="N", help="rows per ranking")
    report.add_argument(
        "--window", default="all", help="DURATION back from the newest event, or all (default)"
    )
    report.add_argument(
        "--outlier-ms", type=_positive_number, metavar="MS", help="slow-delivery threshold (default: window p99)"
    )
    report.add_argument("--filter", default="", metavar="EXPR", help="only events matching EXPR")
    report.add_argument("--follow", action="store_true", help="keep following; print a snapshot --every S")
    report.add_argument("--every", type=_positive_number, metavar="S", help="with --follow: seconds between snapshots (default 5)")
    report.add_argument("--from-end", action="store_true", help="with --follow: skip existing content")
    _add_jobs_option(report, "read large files on up to N cores")

    demo = commands.add_parser("demo", help="open the monitor on a synthetic live stream")
    demo.add_argument("--rate", type=_positive_number, default=200.0, help="records per second (default 200)")
    demo.add_argument("--seed", type=int, default=7, help="seeds the generator (default 7)")
    demo.add_argument("--max-events", type=_positive_int, default=DEFAULT_MAX_EVENTS, metavar="N", help="as for tail")
    demo.add_argument("--geoip-db", action="append", default=[], metavar="PATH", help="as for tail")
    return parser


def _attach_filter_values(argv: Sequence[str]) -> list[str]:
    """`--filter -kind:Send` as `--filter=-kind:Send`: argparse takes a value that starts with
    '-' for an option, and a filter of only exclusions is common."""
    args = list(argv)
    for i in range(len(args) - 2, -1, -1):
        value = args[i + 1]
        if args[i] == "--filter" and value.startswith("-") and not value.startswith("--") and len(value) > 1:
            args[i : i + 2] = [f"--filter={value}"]
    return args


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(_attach_filter_values(sys.argv[1:] if argv is None else argv))
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        if args.command == "report":
            from .commands import run_report

            return run_report(args)
        if args.command == "tail":
            from .commands import run_tail

            return run_tail(args)
        from .commands import run_demo

        return run_demo(args)
    except UsageError as exc:
        print(f"sestui: {clean_line(str(exc))}", file=sys.stderr)  # it may quote a path: one clean line
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader of stdout went away (`... | head`): stop quietly, as `yes | head` does.
        # Later writes, including Python's own flush at exit, go nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def since_of(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return parse_since(text, time.time())
    except ValueError as exc:
        raise UsageError(f"--since: {exc}") from None


def window_of(text: str) -> Window:
    try:
        return _window(text)
    except ValueError as exc:
        raise UsageError(f"--window: {exc}") from None
