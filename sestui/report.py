"""`sestui report`: the store summarized as one JSON object or as plain text.

Both forms come from the same `summary()` dict, so they cannot disagree. Text output passes
every log value through `textsafe.clean`; JSON escapes control characters by construction.
"""

from __future__ import annotations

from typing import Any

import orjson

from .aggregates import Metric, top_items
from .dimensions import split_class
from .geo import Geo, countries
from .query import BOUNCE_THRESHOLDS, COMPLAINT_THRESHOLDS, RATE_DIGITS, Query, rate_level, rate_percent
from .store import pool_note
from .textsafe import cell_width, clean_column, clean_line, json_safe
from .timeparse import iso

SCHEMA = 1


GEO_KEYS = {
    "source_ips": "geo_source_ips",
    "mta_ips": "geo_mta_ips",
    "open_click_ips": "geo_engagement_ips",
    "cloudtrail_ok_ips": "geo_ct_ok_ips",
    "cloudtrail_failed_ips": "geo_ct_failed_ips",
}


def geo_summary(query: Query, geo: Geo | None) -> dict[str, Any]:
    """Country counts per category of address; empty lists without a database."""
    out: dict[str, Any] = {"database": geo.database if geo else None}
    for key, dimension in GEO_KEYS.items():
        counts = countries(geo, query.ranked_counts(dimension).counts) if geo else {}
        out[key] = [[code, n] for code, n in top_items(counts, query.top)]
    out["error"] = geo.error if geo is not None and geo.error else None  # e.g. a corrupt database
    return out


def summary(query: Query, outlier_ms: float | None = None, geo: Geo | None = None) -> dict[str, Any]:
    """The report object (schema 1); every key is always present."""
    top = query.top

    def rows(name: str) -> list[list[object]]:
        return [[key, n] for key, n in query.ranked(name).rows]

    by_type: dict[str, dict[str, int]] = {}
    for key, n in sorted(query.ranked_counts("bounce_classes").counts.items()):
        kind, sub = split_class(key)
        by_type.setdefault(kind, {})[sub] = n
    threshold = query.outlier_threshold(outlier_ms)
    totals = query.totals
    return {
        "schema": SCHEMA,
        "as_of": iso(query.as_of),
        "window": None
        if query.start is None
        else {"name": query.window.name, "start": iso(_window_start(query)), "end": iso(query.end)},
        "input": query.stats.as_dict(),
        "counts": query.counts(),
        "rates": query.rates(),
        "exact": query.exact,
        "retained": query.retained,
        "bounces": {
            "top_addresses": rows("bounce_addresses"),
            "top_domains": rows("bounce_domains"),
            "by_type": by_type,
            "recipients": totals[Metric.BOUNCED_RCPT],
            "hard_recipients": totals[Metric.HARD_BOUNCED_RCPT],
        },
        "complaints": {
            "top_addresses": rows("complaint_addresses"),
            "top_domains": rows("complaint_domains"),
            "feedback_types": dict(sorted(query.ranked_counts("feedback_types").counts.items())),
            "top_user_agents": rows("complaint_agents"),
            "recipients": totals[Metric.COMPLAINED_RCPT],
        },
        "deliveries": {
            "top_domains": rows("delivery_domains"),
            "recipients": totals[Metric.DELIVERED_RCPT],
            "outlier_threshold_ms": threshold,
            "mta": [
                {
                    "reporting_mta": row.mta,
                    "count": row.count,
                    "p50_ms": _ms(row.p50),
                    "p95_ms": _ms(row.p95),
                    "p99_ms": _ms(row.p99),
                    "max_ms": _ms(row.max),
                    "pooled_mtas": row.pooled,
                }
                for row in query.mta_stats()[:top]
            ],
            "outliers": [
                {
                    "time": iso(e.time),
                    "message_id": e.message_id,
                    "reporting_mta": e.mta,
                    "recipient": e.recipients[0] if e.recipients else None,
                    "processing_ms": e.processing_ms,
                }
                for e in query.outliers(outlier_ms)
            ],
            "delay_types": rows("delay_types"),
        },
        "cloudtrail": {
            "total": totals[Metric.CT_OK] + totals[Metric.CT_FAILED],
            "failed": totals[Metric.CT_FAILED],
            "top_error_codes": rows("error_codes"),
            "top_failed_event_names": rows("failed_names"),
            "top_users": rows("ct_users"),
            "groups": query.groups(),
        },
        "overview": {
            "top_sources": rows("sources"),
            "top_accounts": rows("accounts"),
            "top_config_sets": rows("config_sets"),
        },
        "geo": geo_summary(query, geo),
    }


def _window_start(query: Query) -> float | None:
    # Window "all" starts at the first event, not at its first display bucket.
    if query.window.seconds is None:
        return query.agg.first_time
    return query.start


def _ms(value: float | None) -> int | None:
    return None if value is None else round(value)


def to_json(report: dict[str, Any]) -> bytes:
    return json_safe(orjson.dumps(report))


TEXT_WIDTH = 80  # lines of facts wrap here, for a terminal, a ticket or an e-mail


def to_text(report: dict[str, Any]) -> str:
    """A plain-text rendering for terminals and e-mail; log values are cleaned."""
    out: list[str] = []
    put = out.append
    window = report["window"]
    put(f"sestui report  as of {report['as_of'] or '-'}")
    if window:
        put(f"window {window['name']}: {window['start'] or '-'} .. {window['end'] or '-'}")
    inp = report["input"]
    skipped = [f"{r} {n}" for r, n in inp["skipped"].items()] or ["none"]
    out += _facts("input  ", [f"lines {inp['lines']}", f"records {inp['records']}", f"events {inp['events']}", f"skipped: {skipped[0]}", *skipped[1:]])
    if inp["inner_skipped"]:
        inner = [f"{r} {n}" for r, n in inp["inner_skipped"].items()]
        out += _facts("       ", [f"inside containers skipped: {inner[0]}", *inner[1:]])
    if inp["time_guessed"]:
        put(f"       events without a usable time (arrival time used): {inp['time_guessed']}")
    if inp["filtered"]:
        put(f"       left out by --filter: {inp['filtered']} events (everything below counts the rest)")
    if inp["duplicates"]:
        put(f"       dropped as copies of an event read shortly before: {inp['duplicates']} events (see README)")
    if not report["exact"]:
        put(f"note   rankings cover the newest {report['retained']} events of the window only")
    put("")
    out += _facts("counts ", [f"{kind} {n}" for kind, n in report["counts"].items() if n] or ["none"])
    rates = report["rates"]
    put(
        ("observed rates (filtered)" if inp["filtered"] else "observed rates")
        + "  bounce "
        + _rate(rates["bounce"], BOUNCE_THRESHOLDS, RATE_DIGITS["bounce"])
        + "  complaint "
        + _rate(rates["complaint"], COMPLAINT_THRESHOLDS, RATE_DIGITS["complaint"])
    )
    bounced, delivered = report["bounces"], report["deliveries"]["recipients"]
    put(
        f"  of recipients: delivered {delivered}  bounced {bounced['recipients']} "
        f"(hard {bounced['hard_recipients']})  complained {report['complaints']['recipients']}"
    )
    _table(out, "Top mail sources", report["overview"]["top_sources"])
    _table(out, "Top sending accounts", report["overview"]["top_accounts"])
    _table(out, "Top configuration sets", report["overview"]["top_config_sets"])
    bounces = report["bounces"]
    _table(out, "Top bounced addresses", bounces["top_addresses"])
    _table(out, "Top bounced domains", bounces["top_domains"])
    # These two are keyed in the JSON; the text ranks them as it ranks every table.
    classes = {f"{t} / {s}": n for t, subs in bounces["by_type"].items() for s, n in subs.items()}
    _table(out, "Bounce type / subtype", top_items(classes, len(classes)))
    complaints = report["complaints"]
    _table(out, "Top complained addresses", complaints["top_addresses"])
    _table(out, "Top complained domains", complaints["top_domains"])
    feedback_types = complaints["feedback_types"]
    _table(out, "Complaint feedback types", top_items(feedback_types, len(feedback_types)))
    _table(out, "Complaint user agents", complaints["top_user_agents"])
    deliveries = report["deliveries"]
    _table(out, "Top delivered domains", deliveries["top_domains"])
    put("")
    put("Reporting MTAs (processing time, ms)")
    if deliveries["mta"]:
        # Columns as wide as their values, so that the usual names fit 80 columns.
        keys = ("count", "p50_ms", "p95_ms", "p99_ms", "max_ms")
        names = [clean_line(row["reporting_mta"], 44) for row in deliveries["mta"]]
        name_width = max(3, *(cell_width(name) for name in names))
        widths = [max(len(key.removesuffix("_ms")), *(len(_num(row[key])) for row in deliveries["mta"])) for key in keys]
        put("  " + clean_column("mta", name_width) + "".join(f" {key.removesuffix('_ms'):>{w}}" for key, w in zip(keys, widths)))
        for name, row in zip(names, deliveries["mta"]):
            put("  " + clean_column(name, name_width) + "".join(f" {_num(row[key]):>{w}}" for key, w in zip(keys, widths)))
        for row in deliveries["mta"]:
            if row["pooled_mtas"] is not None:
                put(f"  {pool_note(row['pooled_mtas'])}")
    else:
        put("  no data in this window")
    put("")
    put(f"Slowest deliveries (over {_num(deliveries['outlier_threshold_ms'])} ms)")
    for row in deliveries["outliers"] or []:
        put(
            f"  {row['time']}  {_num(row['processing_ms']):>8} ms  "
            f"{clean_column(row['reporting_mta'] or '-', 40)}  {clean_line(row['recipient'] or '-', 40)}"
        )
    if not deliveries["outliers"]:
        put("  no data in this window")
    _table(out, "Delivery delays by type", deliveries["delay_types"])
    trail = report["cloudtrail"]
    put("")
    put(f"CloudTrail  calls {trail['total']}  failed {trail['failed']}")
    out += _facts("  groups: ", [f"{g} {n}" for g, n in trail["groups"].items()])
    _table(out, "Top error codes", trail["top_error_codes"])
    _table(out, "Top failed calls", trail["top_failed_event_names"])
    _table(out, "Top CloudTrail users", trail["top_users"])
    geo = report["geo"]
    if geo["error"] and not geo["database"]:
        out += ["", f"Geo: {clean_line(geo['error'])}"]
    if geo["database"]:
        out.append("")
        out.append(f"Geo ({geo['database']['type']}, built {geo['database']['build_date']})")
        for key, title in (("source_ips", "Mail source IPs"), ("mta_ips", "Remote MTA IPs"), ("open_click_ips", "Open and click IPs"), ("cloudtrail_ok_ips", "CloudTrail callers, successful"), ("cloudtrail_failed_ips", "CloudTrail callers, failed")):
            _table(out, f"{title} by country", geo[key])
    return "\n".join(out) + "\n"


def _facts(label: str, items: list[str]) -> list[str]:
    """`label` and the items after it, two spaces apart, on as many lines of TEXT_WIDTH as they
    need; the lines after the first are indented as far as the label."""
    lines, line, fresh = [], label, True
    for item in items:
        if not fresh and len(line) + 2 + len(item) > TEXT_WIDTH:
            lines.append(line)
            line, fresh = " " * len(label), True
        line += item if fresh else "  " + item
        fresh = False
    lines.append(line)
    return lines


def _table(out: list[str], title: str, rows: list[Any]) -> None:
    out.append("")
    out.append(title)
    if not rows:
        out.append("  no data in this window")
        return
    for key, n in rows:
        out.append(f"  {n:>8}  {clean_line(str(key), 100)}")


def _rate(rate: float | None, thresholds: tuple[float, float], digits: int) -> str:
    if rate is None:
        return "n/a"
    return f"{rate_percent(rate, digits, thresholds)} ({rate_level(rate, thresholds)})"


def _num(value: object) -> str:
    return "-" if value is None else str(value)
