"""The seven tabs.

Each panel turns one `Query` into plain view data (`gather`, safe to run off the UI thread: it
touches no widget) and then pushes that data into its widgets (`apply`, on the UI thread). The
app runs `gather` in a worker during live updates, so a heavy window never blocks a key press.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from ... import events as k
from ...aggregates import Metric
from ...describe import target
from ...dimensions import DIMENSIONS, GROUPS, split_class
from ...events import Event
from ...geo import HOW_TO, NOT_CONFIGURED, SPECIAL_NAMES, Place, places, split_key
from ...mapdata import centroids
from ...query import BOUNCE_THRESHOLDS, COMPLAINT_THRESHOLDS, RATE_DIGITS, Query, rate_level, rate_percent
from ...store import pool_note
from ...timeparse import iso
from ..format import KIND_COLORS, LEVEL_STYLES, OTHER_COLOR, clock_time, count, millis, percent
from ..safe import cell, content, plain, text
from .charts import Chart, Series
from .eventlog import EventLog
from .searchlog import SearchableLog
from .tables import TIME, Column, EventTable, Sparkline, Table
from .worldmap import Marker, WorldMap

RECENT_ROWS = 50
SHARE = Column("Share", 6, numeric=True)

Row = tuple[str, list[object], tuple[object, ...]]


def window_label(query: Query) -> str:
    """The window's name, and how many events its counts, rates and trends may lack: a filter
    set after the ring had let events go never saw those."""
    missed = query.uncounted
    if not missed:
        return query.window.name
    return f"{query.window.name} · filter missed {'' if query.window.seconds is None else 'up to '}{missed:,} events"


def window_note(query: Query, unit: str, ranking: str | None = None, ring: bool = False) -> str:
    """'recipients · 24h', plus what a table's numbers cover when that is less than the window:
    those of a ranking (or of other rows read from the ring) once the ring no longer holds all of
    a window's events, the newest only; for window `all`, all-time counters that saw every event,
    an estimate only past their 10,000 keys. Counts and trends cover every event, but under a
    filter set after the ring had lost some (see window_label)."""
    if (ranking is not None or ring) and not query.exact:
        if query.window.seconds is not None:
            return f"{unit} · {query.window.name} · newest {query.retained:,} events only"
        if ranking is not None and not query.ranked_counts(ranking).exact:
            return f"{unit} · {window_label(query)} · estimated"
    return f"{unit} · {window_label(query)}"


def ranking_rows(query: Query, name: str, n: int | None = None) -> list[Row]:
    ranked = query.ranked(name, n)
    total = sum(query.ranked_counts(name).counts.values()) or 1
    return [(key, [cell(key), count(value), share_text(value, total)], (key, value, share(value, total))) for key, value in ranked.rows]


def share(n: int, total: int) -> float:
    """A row's share of the table, in percent (what the Share column shows, and exports)."""
    return round(n / total * 100, 1)


def share_text(n: int, total: int) -> str:
    return f"{share(n, total):.1f}%"


def ranking(title: str, name: str, label: str, width: int | None = None) -> Table:
    return Table(title, [Column(label, width), Column("Count", 8, True), SHARE], drill=name, id=f"t-{name}")


@dataclass(frozen=True, slots=True)
class TableData:
    rows: list[Row]
    note: str
    unlisted: dict[str, str] = field(default_factory=dict)  # see Table.unlisted


@dataclass(frozen=True, slots=True)
class ChartData:
    series: list[Series]
    starts: list[float]
    note: str


@dataclass(frozen=True, slots=True)
class TextData:
    text: Text


@dataclass(frozen=True, slots=True)
class MapData:
    markers: list[Marker]
    legend: list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class EventsData:
    events: list[Event]
    title: str


Update = TableData | ChartData | TextData | EventsData | MapData
Updates = dict[str, Update]  # widget id -> what it shows next


class Panel(VerticalScroll):
    """One tab's content."""

    can_focus = False

    def gather(self, query: Query) -> Updates:
        """Everything the panel will show for this query (no widget access here)."""
        raise NotImplementedError

    def apply(self, updates: Updates) -> None:
        for widget_id, update in updates.items():
            widget = self.query_one(f"#{widget_id}")
            if isinstance(update, TableData):
                assert isinstance(widget, Table)
                widget.set_title(update.note)
                widget.show(update.rows, update.unlisted)
            elif isinstance(update, ChartData):
                assert isinstance(widget, Chart)
                widget.set_data(update.series, update.starts, update.note)
            elif isinstance(update, TextData):
                assert isinstance(widget, Static)
                widget.update(update.text)
            elif isinstance(update, MapData):
                assert isinstance(widget, WorldMap)
                widget.set_markers(update.markers, update.legend)
            else:
                assert isinstance(widget, SearchableLog)
                widget.border_title = content(update.title)
                widget.log.set_events(update.events)

    def refresh_data(self, query: Query) -> None:
        self.apply(self.gather(query))

    def tables(self) -> list[Table]:
        return list(self.query(Table))

    def first_focus(self) -> Table | EventLog | None:
        tables = self.tables()
        return tables[0] if tables else None


def table_data(
    query: Query, rows: list[Row], unit: str, unlisted: dict[str, str] | None = None, ranking: str | None = None, ring: bool = False
) -> TableData:
    return TableData(rows, window_note(query, unit, ranking, ring), unlisted or {})


def ranking_data(query: Query, name: str, unit: str) -> TableData:
    """A ranking's table: its top rows, and what they cover."""
    return table_data(query, ranking_rows(query, name), unit, ranking=name)


def _row_group(*children: object, classes: str = "row") -> Horizontal:
    return Horizontal(*children, classes=classes)  # type: ignore[arg-type]


def _kind_style(kind: str) -> str:
    return KIND_COLORS.get(kind, OTHER_COLOR)


class OverviewPanel(Panel):
    def compose(self) -> ComposeResult:
        yield _row_group(
            Table(
                "Events by kind",
                # Narrow, the trend is drawn coarser, and leaves rather than a kind be cut (the
                # chart below has the trends).
                [Column("Kind", 17, keep_whole=True), Column("Events", 10, True), Column("Trend", 32, exported=False, leaves=1)],
                drill="kind",
                id="t-kinds",
            ),
            Static(id="rates", classes="box"),
        )
        yield Chart("Events over time", stacked=True, unit="events per bucket", id="c-kinds")
        yield _row_group(
            ranking("Top mail sources", "sources", "Source"),
            ranking("Sending accounts", "accounts", "Account"),
            ranking("Configuration sets", "config_sets", "Configuration set"),
        )

    def gather(self, query: Query) -> Updates:
        counts = query.counts()
        rows: list[Row] = []
        for kind, n in counts.items():
            if n or kind in (k.SEND, k.DELIVERY, k.BOUNCE, k.COMPLAINT):
                trend = Sparkline(tuple(query.kind_trend(kind)), _kind_style(kind))
                rows.append((kind, [cell(kind, _kind_style(kind)), count(n), trend], (kind, n)))
        shown = (k.SEND, k.DELIVERY, k.BOUNCE, k.COMPLAINT, k.OPEN, k.CLICK, k.CLOUDTRAIL)
        series = [Series(kind, _kind_style(kind), tuple(query.kind_trend(kind))) for kind in shown]
        others = [kind for kind in counts if kind not in shown]
        rest = [sum(values) for values in zip(*(query.kind_trend(kind) for kind in others))]
        series.append(Series("other", OTHER_COLOR, tuple(rest)))
        updates: Updates = {
            "t-kinds": table_data(query, rows, "events"),
            "rates": TextData(rates_text(query)),
            "c-kinds": ChartData(series, query.bucket_starts(), f"{window_label(query)}, {query.width:g} s buckets"),
        }
        for name in ("sources", "accounts", "config_sets"):
            updates[f"t-{name}"] = ranking_data(query, name, "events")
        return updates


def rates_text(query: Query) -> Text:
    """Observed reputation rates, coloured against AWS's review thresholds."""
    rates = query.rates()
    totals = query.totals
    out = Text()
    out.append("Observed rates", style="bold")
    # Over a filter's events only: a filter that leaves out deliveries makes them meaningless.
    out.append(f" · {window_label(query)}{' · filtered events' if query.filtered else ''}\n", style="dim")
    for label, name, limits in (("Bounce", "bounce", BOUNCE_THRESHOLDS), ("Complaint", "complaint", COMPLAINT_THRESHOLDS)):
        rate = rates[name]
        level = rate_level(rate, limits)
        out.append(f"{label:<10}")
        out.append(f"{rate_percent(rate, RATE_DIGITS[name], limits):>7}  {level}\n", style=LEVEL_STYLES[level])
    out.append("AWS review at  bounce 5% / 10%\n", style="dim")
    out.append("    complaint 0.1% / 0.5%\n", style="dim")
    out.append(f"delivered {count(totals[Metric.DELIVERED_RCPT])} · bounced {count(totals[Metric.BOUNCED_RCPT])}")
    out.append(f" (hard {count(totals[Metric.HARD_BOUNCED_RCPT])})\ncomplained {count(totals[Metric.COMPLAINED_RCPT])}")
    out.append(" recipients", style="dim")
    return out


def recent_rows(events: Iterable[Event], columns: list[tuple[object, ...]], numbers: dict[int, str] | None = None) -> list[Row]:
    """Rows of events, their time first. A CSV export gets the whole time (ISO 8601, UTC) for
    the clock time shown, and for each column index of `numbers` the event attribute it shows
    (a processing time in ms for its "1 h 37 m")."""
    rows: list[Row] = []
    for event, values in zip(events, columns):
        exported = [iso(event.time), *values[1:]]
        for index, attr in (numbers or {}).items():
            exported[index] = getattr(event, attr)
        rows.append((str(event.seq), [cell(v, "dim" if i == 0 else "", 120) for i, v in enumerate(values)], tuple(exported)))
    return rows


class BouncesPanel(Panel):
    def compose(self) -> ComposeResult:
        yield _row_group(
            ranking("Top bounced addresses", "bounce_addresses", "Address"),
            ranking("Top bounced domains", "bounce_domains", "Domain"),
            Table("Bounce type / subtype", [Column("Type", 12), Column("Subtype"), Column("Count", 8, True), SHARE], drill="bounce_classes", id="t-bounce_classes"),
        )
        yield Chart("Bounces by type", stacked=True, unit="bounces per bucket", id="c-bounce-types")
        yield EventTable(
            "Recent bounces",
            # Narrow, the status leaves first (the diagnostic code repeats it), then the diagnostic code.
            [TIME, Column("Recipient", 32), Column("Type / subtype", 28), Column("Status", 7, leaves=2), Column("Diagnostic code", leaves=1)],
            id="t-recent-bounces",
        )

    def gather(self, query: Query) -> Updates:
        updates: Updates = {f"t-{name}": ranking_data(query, name, "recipients") for name in ("bounce_addresses", "bounce_domains")}
        counts = query.ranked_counts("bounce_classes").counts
        total = sum(counts.values()) or 1
        rows: list[Row] = []
        for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            kind, sub = split_class(key)
            rows.append((key, [cell(kind), cell(sub), count(n), share_text(n, total)], (kind, sub, n, share(n, total))))
        updates["t-bounce_classes"] = table_data(query, rows, "bounces", ranking="bounce_classes")
        series = [
            Series("Permanent", "#d75f5f", tuple(query.trend(Metric.BOUNCE_PERMANENT))),
            Series("Transient", "#d7af5f", tuple(query.trend(Metric.BOUNCE_TRANSIENT))),
            Series("Undetermined", "#8787af", tuple(query.trend(Metric.BOUNCE_UNDETERMINED))),
            Series("other", OTHER_COLOR, tuple(query.trend(Metric.BOUNCE_OTHER))),
        ]
        updates["c-bounce-types"] = ChartData(series, query.bucket_starts(), window_label(query))
        recent = query.recent(k.BOUNCE, RECENT_ROWS)
        values = [
            (clock_time(e.time), target(e), f"{e.bounce_type or '?'} / {e.bounce_subtype or '?'}", e.statuses[0] if e.statuses else "", (e.diagnostics[0] if e.diagnostics else "") or "")
            for e in recent
        ]
        updates["t-recent-bounces"] = table_data(query, recent_rows(recent, values), "newest first")
        return updates


class ComplaintsPanel(Panel):
    NAMES = (
        ("complaint_addresses", "Address", "recipients"),
        ("complaint_domains", "Domain", "recipients"),
        ("complaint_agents", "User agent", "complaints"),
        ("feedback_types", "Feedback type", "complaints"),
        ("complaint_sources", "Source", "complaints"),
        ("complaint_accounts", "Account", "complaints"),
        ("complaint_identities", "Identity", "complaints"),
        ("complaint_ips", "Source IP", "complaints"),
    )

    def compose(self) -> ComposeResult:
        tables = [ranking(DIMENSIONS[name].title, name, label) for name, label, _ in self.NAMES]
        for pair in range(0, len(tables), 2):
            yield _row_group(*tables[pair : pair + 2])
        yield EventTable(
            "Recent complaints",
            # Narrow, the user agent leaves first, then the source: who complained, and how, stay.
            [TIME, Column("Recipient", 32), Column("Feedback", 12), Column("User agent", 30, leaves=2), Column("Source", leaves=1)],
            id="t-recent-complaints",
        )

    def gather(self, query: Query) -> Updates:
        updates: Updates = {f"t-{name}": ranking_data(query, name, unit) for name, _, unit in self.NAMES}
        recent = query.recent(k.COMPLAINT, RECENT_ROWS)
        values = [(clock_time(e.time), target(e), e.feedback_type or "-", e.user_agent or "-", e.source or "-") for e in recent]
        updates["t-recent-complaints"] = table_data(query, recent_rows(recent, values), "newest first")
        return updates


class DeliveriesPanel(Panel):
    def compose(self) -> ComposeResult:
        yield Table(
            "Reporting MTAs",
            # Narrow, the max leaves first, then p95: the MTA's name, the typical time and the tail stay.
            [
                Column("Reporting MTA", 44),
                Column("Deliveries", 10, True),
                Column("p50", 9, True, export_as="p50 (ms)"),
                Column("p95", 9, True, leaves=1, export_as="p95 (ms)"),
                Column("p99", 9, True, export_as="p99 (ms)"),
                Column("Max", 9, True, leaves=2, export_as="Max (ms)"),
            ],
            drill="mta",
            id="t-mta",
        )
        yield Chart("Processing time", stacked=False, unit="p50 / p95, log scale", log=True, format_value=millis, id="c-latency")
        yield EventTable(
            "Slowest deliveries",
            # Narrow, the message id leaves first, then the MTA: when, how slow and to whom stay.
            [TIME, Column("Processing", 10, True, export_as="Processing (ms)"), Column("Reporting MTA", 36, leaves=1), Column("Recipient", 30), Column("Message id", leaves=2)],
            id="t-outliers",
        )
        yield _row_group(
            ranking("Top delivered domains", "delivery_domains", "Domain"),
            ranking("Delivery delays by type", "delay_types", "Delay type"),
        )

    def gather(self, query: Query) -> Updates:
        overall = query.latency_overall()
        rows: list[Row] = []
        unlisted: dict[str, str] = {}
        for row in query.mta_stats()[:50]:
            if row.pooled is not None:
                unlisted[row.mta] = f"{pool_note(row.pooled)}: their events cannot be listed."
            styles = [_slow_style(row.p50, overall["p50"]), _slow_style(row.p95, overall["p95"]), _slow_style(row.p99, overall["p99"])]
            rows.append(
                (
                    row.mta,
                    [cell(row.mta), count(row.count), Text(millis(row.p50), styles[0]), Text(millis(row.p95), styles[1]), Text(millis(row.p99), styles[2]), millis(row.max)],
                    (row.mta, row.count, row.p50, row.p95, row.p99, row.max),
                )
            )
        trend = query.latency_trend()
        latency = [Series("p50", "#5faf5f", tuple(p50 for p50, _ in trend)), Series("p95", "#d7af5f", tuple(p95 for _, p95 in trend))]
        slow = query.outliers(n=RECENT_ROWS)
        values = [(clock_time(e.time), millis(e.processing_ms), e.mta or "-", target(e), e.message_id or "-") for e in slow]
        return {
            "t-mta": table_data(query, rows, "processing time", unlisted, ring=True),
            "c-latency": ChartData(latency, query.bucket_starts(), window_label(query)),
            "t-outliers": table_data(
                query, recent_rows(slow, values, {1: "processing_ms"}), f"over window p99 {millis(query.outlier_threshold())}", ring=True
            ),
            "t-delivery_domains": ranking_data(query, "delivery_domains", "recipients"),
            "t-delay_types": ranking_data(query, "delay_types", "delays"),
        }


def _slow_style(value: float | None, overall: float | None) -> str:
    """Outlier highlighting: an MTA twice (red) or 1.5x (yellow) slower than all MTAs together."""
    if value is None or not overall:
        return ""
    if value >= 2 * overall:
        return "bold red"
    if value >= 1.5 * overall:
        return "yellow"
    return ""


class CloudTrailPanel(Panel):
    def compose(self) -> ComposeResult:
        yield _row_group(
            Table("Calls by group", [Column("Group", 14), Column("Calls", 9, True)], drill="group", id="t-groups"),
            Static(id="ct-summary", classes="box"),
            Chart("Calls over time", stacked=True, unit="calls per bucket", id="c-ct"),
        )
        yield _row_group(
            ranking("Top error codes", "error_codes", "Error code"),
            ranking("Top failed calls", "failed_names", "Event name"),
            ranking("Top users", "ct_users", "User"),
        )
        yield EventTable(
            "Failed calls",
            # Narrow, as in a list of calls: the time, the call and its error code stay.
            [
                TIME,
                Column("Event name", 28),
                Column("Error code", 22),
                Column("Error message", 40, leaves=2),
                Column("Region", 14, leaves=4),
                Column("Source IP", 16, leaves=3),
                Column("User", 24, leaves=1),
                Column("Request id", leaves=5),
            ],
            id="t-failed",
        )

    def gather(self, query: Query) -> Updates:
        totals = query.totals
        ok, failed = totals[Metric.CT_OK], totals[Metric.CT_FAILED]
        summary = Text()
        summary.append("SES API calls", style="bold")
        summary.append(f" · {window_label(query)}\n", style="dim")
        summary.append(f"total   {count(ok + failed):>9}\n")
        summary.append(f"ok      {count(ok):>9}\n", style="green")
        summary.append(f"failed  {count(failed):>9}", style="bold red" if failed else "")
        summary.append(f"  {percent(failed / (ok + failed) if ok + failed else None, 1)}\n")
        series = [Series("ok", "#5faf5f", tuple(query.trend(Metric.CT_OK))), Series("failed", "#d75f5f", tuple(query.trend(Metric.CT_FAILED)))]
        groups = query.groups()
        rows: list[Row] = [(group, [cell(group), count(groups[group])], (group, groups[group])) for group in GROUPS]
        updates: Updates = {
            "ct-summary": TextData(summary),
            "c-ct": ChartData(series, query.bucket_starts(), window_label(query)),
            "t-groups": table_data(query, rows if ok + failed else [], "calls"),
        }
        for name, unit in (("error_codes", "failed calls"), ("failed_names", "failed calls"), ("ct_users", "calls")):
            updates[f"t-{name}"] = ranking_data(query, name, unit)
        # Of every call in the window: a poller's routine successes must not push failures out.
        failures = query.recent(k.CLOUDTRAIL, RECENT_ROWS, where=lambda e: e.failed)
        values = [
            (clock_time(e.time), e.event_name or "-", e.error_code or "-", e.error_message or "", e.region or "-", e.source_ip or "-", e.user or "-", e.request_id or "-")
            for e in failures
        ]
        updates["t-failed"] = table_data(query, recent_rows(failures, values), "newest first")
        return updates


GEO_TABLES = (
    ("geo_source_ips", "Mail source IPs", "#5f87d7", "events"),
    ("geo_mta_ips", "Remote MTA IPs", "#5faf5f", "deliveries + bounces"),
    ("geo_engagement_ips", "Open and click IPs", "#5fafaf", "opens + clicks"),
    ("geo_ct_ok_ips", "CloudTrail callers, successful", "#bcbcbc", "calls"),
    ("geo_ct_failed_ips", "CloudTrail callers, failed", "#d75f5f", "calls"),
)


class GeoPanel(Panel):
    def compose(self) -> ComposeResult:
        yield Static(id="geo-db", classes="box")
        if getattr(self.app, "geo", None) is None:
            return  # the note says how to give a database; a map and tables would only say "no data"
        yield WorldMap(id="geo-map")
        tables = [
            # Narrow, the city leaves: the country and the network say more.
            Table(title, [Column("Country", 20), Column("City", 14, leaves=1), Column("Network"), Column("Count", 8, True), SHARE], drill=f"geo:{name}", id=f"t-{name}")
            for name, title, _, _ in GEO_TABLES
        ]
        for pair in range(0, len(tables), 2):
            yield _row_group(*tables[pair : pair + 2])

    def gather(self, query: Query) -> Updates:
        geo = getattr(self.app, "geo", None)
        if geo is None:
            note = getattr(self.app, "geo_note", None) or NOT_CONFIGURED + HOW_TO
            return {"geo-db": TextData(text(note, style="yellow"))}
        # Paths, database metadata and error messages are not ours either: all cleaned.
        database = geo.database or {}
        header = Text()
        header.append(plain(database.get("type", "?")), style="bold")
        header.append(f" · built {plain(database.get('build_date', '?'))[:10]}", style="bold yellow" if database.get("build_date", "9")[:4] < "2024" else "")
        header.append(f" · {plain(database.get('path', ''))}", style="dim")
        if geo.asn_info is not None:
            header.append(f" · ASN: {plain(geo.asn_info.type)}", style="dim")
        if geo.error:
            header.append(f"\n{plain(geo.error)}", style="bold red")
        updates: Updates = {"geo-db": TextData(header)}
        markers: list[Marker] = []
        for name, title, color, unit in GEO_TABLES:
            grouped = places(geo, query.ranked_counts(name).counts)
            total = sum(n for _, n in grouped.values()) or 1
            rows: list[Row] = []
            for key, (place, n) in sorted(grouped.items(), key=lambda kv: (-kv[1][1], kv[0]))[:RECENT_ROWS]:
                country = place.country if place.country in SPECIAL_NAMES else f"{place.country} {place.name}"
                network = split_key(key)[2]
                rows.append((key, [cell(country), cell(place.city or ""), cell(network), count(n), share_text(n, total)], (country, place.city or "", network, n, share(n, total))))
                position = _position(place)
                if position is not None:
                    markers.append(Marker(position[0], position[1], n, color))
            updates[f"t-{name}"] = table_data(query, rows, unit, ranking=name)
        updates["geo-map"] = MapData(markers, [(title, color) for _, title, color, _ in GEO_TABLES])
        return updates


def _position(place: Place) -> tuple[float, float] | None:
    """Where to mark a place: its coordinates, else its country's centroid."""
    if place.lat is not None and place.lon is not None:
        return place.lat, place.lon
    centroid = centroids().get(place.country)
    return (centroid[0], centroid[1]) if centroid else None


class EventsPanel(Panel):
    def compose(self) -> ComposeResult:
        yield SearchableLog(log_id="event-log", id="event-list")

    def first_focus(self) -> EventLog:
        return self.query_one(EventLog)

    def gather(self, query: Query) -> Updates:
        events = query.newest_first()
        return {"event-list": EventsData(events, f"Events · newest first · {query.window.name} · {len(events):,} in the ring")}
