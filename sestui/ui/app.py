"""The sestui app: tabs over the live store, redrawn on one steady tick.

The app never parses and never reads files: a `Follower` (threads) feeds the store, and every
tick (3 per second) the visible tab reads a fresh `Query` of it. Tests build the app with
`make_app(store=..., clock=..., auto_tick=False)` and call `tick()` themselves.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Header, ProgressBar, TabbedContent, TabPane

from ..drill import describe, recipients_in, terms_for
from ..events import Event
from ..export import export_path, write_csv, write_jsonl
from ..filters import FilterError, add_terms, compile_filter, typed
from ..geo import Geo
from ..query import DEFAULT_WINDOW, WINDOWS, WINDOWS_BY_NAME, Query, Window
from ..sources import CLOSED, ERROR, FOLLOWING, READING, WAITING
from ..store import Snapshot, Store, arrived_after
from .format import HEADER_CHROME, count, count_events, header_facts
from .safe import plain
from .screens.detail import DetailScreen
from .screens.events import EventsScreen
from .screens.help import HelpScreen
from .screens.status import Accounting, StatusScreen
from .widgets.eventlog import EventLog
from .widgets.panels import (
    BouncesPanel,
    CloudTrailPanel,
    ComplaintsPanel,
    DeliveriesPanel,
    EventsPanel,
    GeoPanel,
    OverviewPanel,
    Panel,
    Updates,
)
from .widgets.filterbar import FilterBar
from .widgets.searchlog import SearchableLog
from .widgets.statusline import Fact, StatusLine
from .widgets.tabstrip import FittedTabs
from .widgets.footer import Footer
from .widgets.tables import EMPTY_KEY, EventTable, Table

TICK_SECONDS = 1 / 3
# Textual's own palette commands that sestui does better or that do not fit it: `?` lists the
# keys, Ctrl+S saves screenshots where exports go, and tabs already fill the screen.
_TEXTUAL_COMMANDS_LEFT_OUT = frozenset({"Keys", "Maximize", "Minimize", "Screenshot"})
# While the store changes, rebuilding the visible view takes at most about this share of the
# time: a costly view (rankings over a full ring) refreshes less often instead of holding the
# GIL that ingest needs. Tab and window switches are rebuilt at once.
GATHER_SHARE = 0.3
TABS: tuple[tuple[str, str, type[Panel]], ...] = (
    ("overview", "Overview", OverviewPanel),
    ("bounces", "Bounces", BouncesPanel),
    ("complaints", "Complaints", ComplaintsPanel),
    ("deliveries", "Deliveries", DeliveriesPanel),
    ("cloudtrail", "CloudTrail", CloudTrailPanel),
    ("geo", "Geo", GeoPanel),
    ("events", "Events", EventsPanel),
)


class SestuiApp(App[None]):
    """Terminal live monitor for Amazon SES."""

    CSS_PATH = "sestui.tcss"
    TITLE = "sestui"
    # Narrow terminals stack side-by-side tables (see sestui.tcss).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-normal"), (170, "-wide")]
    BINDINGS = [
        *(Binding(str(i), f"show_tab('{tab}')", title, show=False, id=f"tab-{tab}") for i, (tab, title, _) in enumerate(TABS, 1)),
        Binding("w", "cycle_window(1)", "Window", id="window-next"),
        Binding("W", "cycle_window(-1)", "Window back", show=False, id="window-back"),
        Binding("p", "toggle_pause", "Pause", id="pause"),
        Binding("f", "filter", "Filter", id="filter"),
        Binding("F", "pin", "Pin row", show=False, id="pin"),
        Binding("ctrl+f", "clear_filter", "Clear filter", show=False, id="clear-filter"),
        Binding("e", "export", "Export", id="export"),
        Binding("ctrl+s", "screenshot", "Screenshot", show=False, id="screenshot"),
        Binding("s", "status", "Input", id="status"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("q", "quit", "Quit", id="quit"),
    ]

    def __init__(
        self,
        store: Store,
        clock: Callable[[], float] = time.time,
        window: str = DEFAULT_WINDOW,
        follower: Any = None,
        auto_tick: bool = True,
        tick_seconds: float = TICK_SECONDS,
        filter_text: str = "",
        export_dir: str = ".",
        geo: Geo | None = None,
        geo_note: str | None = None,
    ) -> None:
        super().__init__()
        self.geo = geo
        self.geo_note = geo_note
        self.locate = geo.place if geo is not None else None
        self.filter_text = ""
        self._initial_filter = filter_text
        self._focus_before_filter: Widget | None = None  # where the keys go back to from the filter bar
        self.export_dir = export_dir
        self.store = store
        self.clock = clock
        self.window: Window = WINDOWS_BY_NAME.get(window, WINDOWS_BY_NAME[DEFAULT_WINDOW])
        self.follower = follower
        self.auto_tick = auto_tick
        self.tick_seconds = tick_seconds
        self.frozen: Snapshot | None = None  # while paused: the store as of the pause
        self.frozen_input: Accounting | None = None  # and its input accounting (the `s` screen)
        self.current: Query | None = None
        self._query_key: tuple[object, str] | None = None
        self._rates: deque[tuple[float, int]] = deque(maxlen=32)
        self.tick_seconds_log: deque[float] = deque(maxlen=256)  # UI-thread time of recent redraws
        self.gather_seconds_log: deque[float] = deque(maxlen=256)  # worker time building them
        self._gathering = False
        self.switched_at = 0.0  # perf_counter() when the last tab switch was shown
        self.applied_at = 0.0  # perf_counter() when view data was last applied
        self._regather = False
        self._filter_seq = 0  # filters set or cleared so far: only the last one's view is kept
        self._gather_cost = 0.0  # seconds the last view rebuild took
        self._gathered_at = 0.0  # perf_counter() when it ended

    # -- layout ---------------------------------------------------------------------------

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every notification is plain, cleaned text, never markup (`markup`, which widgets'
        notifications pass on, is ignored): they quote paths, filters, search text and errors."""
        super().notify(plain(message), title=plain(title), severity=severity, timeout=timeout, markup=False)

    def compose(self) -> ComposeResult:
        yield Header()
        yield FilterBar(id="filter-bar")
        with FittedTabs([title for _, title, _ in TABS], id="tabs"):
            for index, (tab, title, panel) in enumerate(TABS, 1):
                with TabPane(f"{index} {title}", id=tab):
                    yield panel(id=f"panel-{tab}")
        yield ProgressBar(id="backfill", show_eta=False)
        yield StatusLine(id="status-line")
        yield Footer()

    # Actions that act on the tabs: off (and out of the footer) while another screen is on top.
    MAIN_SCREEN_ACTIONS = frozenset({"show_tab", "cycle_window", "filter", "pin", "clear_filter", "export"})

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "pin" and isinstance(self.focused, EventTable):
            return False  # an event has no filter term to pin: `F` leaves the footer
        return self.available(action, self.screen)

    def available(self, action: str, screen: Screen) -> bool:
        """Whether an action works over this screen: keys and palette commands obey one rule."""
        return action not in self.MAIN_SCREEN_ACTIONS or not self.screen_stack or screen is self.screen_stack[0]

    def main(self, selector: Any, expect_type: Any = None) -> Any:
        """A widget of the main screen, whatever screen is on top (drilldowns, help)."""
        screen = self.screen_stack[0] if self.screen_stack else self.screen
        return screen.query_one(selector, expect_type) if expect_type else screen.query_one(selector)

    def on_mount(self) -> None:
        if not self.is_headless:
            self._exit_on_signals()
        self.main("#backfill", ProgressBar).display = False
        if self._initial_filter:
            # Before any input is read: the filtered view then counts every event.
            self.apply_filter(self._initial_filter, at_once=True)
        if self.follower is not None:
            self.follower.start()
        if self.auto_tick:
            self.set_interval(self.tick_seconds, self.tick)
        self.tick()
        self.call_after_refresh(self._focus_panel, True)

    def _exit_on_signals(self) -> None:
        """SIGTERM, SIGHUP (terminal gone) and an external SIGINT leave through App.exit, which
        restores the terminal, instead of killing the process in raw mode."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            try:
                loop.add_signal_handler(signum, self._stopped_by, signum)
            except (NotImplementedError, RuntimeError, ValueError):
                pass  # not the main thread, or a platform without signals

    def _stopped_by(self, signum: int) -> None:
        self.exit(message=f"sestui: stopped by {signal.Signals(signum).name}")

    def on_unmount(self) -> None:
        if self.follower is not None:
            self.follower.stop()

    # -- the tick -------------------------------------------------------------------------

    @property
    def paused(self) -> bool:
        return self.frozen is not None

    @property
    def source(self) -> Store | Snapshot:
        """What the views show: the store, or while paused the store as of the pause."""
        return self.frozen if self.frozen is not None else self.store

    def tick(self) -> None:
        """Read the store once and redraw what is visible."""
        if not self.is_running:  # a timer that fires while the screens are taken down
            return
        started = time.perf_counter()
        with self.store.lock:
            version = self.store.version
            events = self.store.stats.events
        now = self.clock()
        self._rates.append((now, events))
        if self.screen is self.screen_stack[0]:
            key = (version if self.frozen is None else self.frozen, self.window.name)
            if key != self._query_key or self.current is None:
                if not self.auto_tick or self.paused:  # a snapshot is quick to read: no worker
                    self._query_key = key
                    self.current = Query(self.source, self.window)
                    self._refresh_panel()
                elif self._gather_due():
                    self._query_key = key
                    self._gather_in_thread(self.window)
        elif isinstance(self.screen, StatusScreen):
            self.screen.show(self.input_accounting(), self.paused)
        elif isinstance(self.screen, EventsScreen):
            self._refresh_drill(self.screen, version if self.frozen is None else self.frozen)
        elif isinstance(self.screen, DetailScreen):
            self._refresh_detail(self.screen)
        self._refresh_chrome(events)
        self.tick_seconds_log.append(time.perf_counter() - started)

    def _refresh_panel(self) -> None:
        """Redraw the visible tab now, on this thread (tab switches, tests)."""
        panel = self.active_panel
        if panel is not None:
            if self.current is None or self.current.window != self.window or self.current.store is not self.source:
                self.current = Query(self.source, self.window)
            with self.batch_update():
                panel.refresh_data(self.current)

    def _gather_in_thread(self, window: Window) -> None:
        """Live ticks: read the store and build the visible tab's data in a worker thread, apply
        it when ready."""
        panel = self.active_panel
        if panel is not None:
            self._in_worker(window, panel.gather, lambda query, updates: self._apply(panel, query, updates))

    def _gather_due(self) -> bool:
        """A live tick may rebuild the visible view: none is being built, and the last one's
        cost is within GATHER_SHARE of the time since it started."""
        if self._gathering:
            return False
        return time.perf_counter() - self._gathered_at >= self._gather_cost * (1 / GATHER_SHARE - 1)

    def _in_worker(self, window: Window, build: Callable[[Query], Any], apply: Callable[[Query, Any], None]) -> None:
        """Read the store for `window` and `build` what a view shows from it in a worker thread,
        one at a time; `apply` it on this thread when ready."""
        self._gathering = True

        def gather() -> None:
            started = time.perf_counter()
            try:
                query = Query(self.store, window)
                built = build(query)
            except Exception:
                self.call_from_thread(self._gather_failed)
                raise
            seconds = time.perf_counter() - started
            self.gather_seconds_log.append(seconds)
            self.call_from_thread(self._gathered, query, built, apply, seconds)

        self.run_worker(gather, thread=True, group="gather", exit_on_error=False)

    def _gathered(self, query: Query, built: Any, apply: Callable[[Query, Any], None], seconds: float) -> None:
        self._gathering = False
        self._gather_cost, self._gathered_at = seconds, time.perf_counter()
        if not self.is_running:
            return
        apply(query, built)
        if self._regather:
            self._regather = False
            self._request_gather()

    def _apply(self, panel: Panel, query: Query, updates: Updates) -> None:
        if panel is self.active_panel and query.window == self.window and not self.paused:
            started = time.perf_counter()
            self.current = query
            with self.batch_update():
                panel.apply(updates)
            self.applied_at = time.perf_counter()
            self.tick_seconds_log.append(self.applied_at - started)

    def _gather_failed(self) -> None:
        self._gathering = False
        self._regather = False
        self._query_key = None

    def _refresh_drill(self, screen: EventsScreen, read_at: object) -> None:
        """A drilldown follows the store as the tabs do (held while paused): its list is read
        again, in a worker when live, whenever the store has changed since it was read."""
        reload, window = screen.reload, screen.window
        if reload is None or window is None or read_at == screen.read_at or not self._gather_due():
            return
        if not self.auto_tick or self.paused:  # a snapshot is quick to read: no worker
            screen.read_at = read_at
            query = Query(self.source, window)
            screen.show(query, *reload(query))
            return

        def apply(query: Query, read: tuple[str, list[Event]]) -> None:
            if screen is self.screen and not self.paused:
                screen.read_at = read_at  # only once shown: a read that failed is tried again
                screen.show(query, *read)

        self._in_worker(window, reload, apply)

    def _refresh_chrome(self, events: int) -> None:
        store = self.store
        # What the screen shown was read as of: the input screen's live counts, a detail or a
        # drilldown (or one help was opened over), else the tabs.
        as_of = self.current.as_of if self.current else None
        for screen in reversed(self.screen_stack):
            if isinstance(screen, StatusScreen):
                source = self.source
                with source.lock:
                    as_of = source.as_of
                break
            if isinstance(screen, DetailScreen):
                as_of = screen.as_of
                break
            if isinstance(screen, EventsScreen) and screen.read_query is not None:
                as_of = screen.read_query.as_of
                break
        room = self.size.width - HEADER_CHROME - len(self.TITLE)
        paused_new = events - self.frozen.stats.events if self.frozen is not None else None
        rest = header_facts(room, self.window.name, as_of, self.ingest_rate(), paused_new, self.filter_text)
        self.sub_title = plain(rest)  # a typed or pasted filter is input too
        # Ranked: the first to leave a narrow line rank highest (see StatusLine).
        facts = [Fact(Text("PAUSED", "bold yellow"), 0)] if self.paused else []
        facts += [Fact(Text("filter on", "bold"), 0)] if self.filter_text else []
        with store.lock:
            stats = store.stats
            # Items skipped inside a container (another service's call in a CloudTrail file) too:
            # the `s` screen lists both, and the hint to open it must show for either.
            skipped = sum(stats.skipped.values()) + sum(stats.inner_skipped.values())
            facts += [Fact(Text(f"lines {count(stats.lines)}"), 5), Fact(Text(f"events {count(stats.events)}"), 0)]
            facts.append(Fact(Text(f"skipped {count(skipped)}", style="yellow" if skipped else ""), 1))
            duplicates = stats.duplicates
            facts += [Fact(Text(f"duplicates {count(duplicates)}"), 4)] if duplicates else []
            facts += [Fact(Text("(s)", "dim"), 4, gap=" ")] if skipped or duplicates else []
            states = [getattr(s, "state", "") for s in store.sources]
            progress = store.progress
        for state, style, rank in ((FOLLOWING, "green", 1), (READING, "cyan", 2), (WAITING, "yellow", 2), (CLOSED, "dim", 3), (ERROR, "bold red", 0)):
            n = states.count(state)
            if n or state in (FOLLOWING, ERROR):
                facts.append(Fact(Text(f"{n} {state}", style=style if n else "dim"), rank if n or state == FOLLOWING else 3))
        self.main("#status-line", StatusLine).show(facts)
        bar = self.main("#backfill", ProgressBar)
        bar.display = progress is not None
        if progress is not None:
            bar.update(total=max(progress[1], 1), progress=progress[0])

    def ingest_rate(self) -> float:
        """Events per second over the last few seconds."""
        if len(self._rates) < 2:
            return 0.0
        (t0, n0), (t1, n1) = self._rates[0], self._rates[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0

    # -- tabs -----------------------------------------------------------------------------

    @property
    def active_panel(self) -> Panel | None:
        tabs = self.main("#tabs", TabbedContent)
        pane = tabs.active_pane
        return pane.query_one(Panel) if pane is not None else None

    def on_tabbed_content_tab_activated(self, message: TabbedContent.TabActivated) -> None:
        """The tab shows at once; live, its fresh data follows from the worker."""
        if self.auto_tick and not self.paused:
            self._request_gather()
        else:
            self._refresh_panel()
        self._focus_panel()
        self.switched_at = time.perf_counter()

    def _request_gather(self) -> None:
        if self._gathering:
            self._regather = True  # the visible tab changed while another was being built
            return
        with self.store.lock:
            self._query_key = (self.store.version, self.window.name)
        self._gather_in_thread(self.window)

    def _focus_panel(self, only_if_unfocused: bool = False) -> None:
        if only_if_unfocused and self.focused is not None:
            return  # the user got there first (e.g. opened the filter bar)
        panel = self.active_panel
        target = panel.first_focus() if panel is not None else None
        if target is None:
            # Nothing to focus (the Geo tab without a database): focus must not stay in the tab
            # left, whose widget would take its tab back.
            self.set_focus(None)
            return
        target.focus()
        if isinstance(target, DataTable):
            target.move_cursor(row=0, animate=False)
        elif isinstance(target, EventLog):
            target.action_jump(0)

    def action_show_tab(self, tab: str) -> None:
        self.main("#tabs", TabbedContent).active = tab

    # -- window, pause, screens -----------------------------------------------------------

    def action_cycle_window(self, step: int) -> None:
        names = [w.name for w in WINDOWS]
        index = names.index(self.window.name) if self.window.name in names else names.index(DEFAULT_WINDOW)
        self.set_window(WINDOWS[(index + step) % len(WINDOWS)])

    def set_window(self, window: Window) -> None:
        self.window = window
        self._query_key = None
        if self.auto_tick and not self.paused:
            self._request_gather()  # at once, however costly the last rebuild was
        self.tick()
        self.notify(f"Window: {window.name}", timeout=1.5)

    def action_toggle_pause(self) -> None:
        """Pause: every view (any tab, window, drilldown) shows the store as of now until resumed."""
        if self.frozen is None:
            with self.store.lock:
                self.frozen = self.store.snapshot()
                self.frozen_input = Accounting.read(self.store)
        else:
            self.frozen = self.frozen_input = None
        self._query_key = None
        self.tick()

    # -- drilldown ------------------------------------------------------------------------

    def on_data_table_row_selected(self, message: DataTable.RowSelected) -> None:
        """Enter on a row: the events behind it (or, for an event row, its detail)."""
        table = message.data_table
        key = message.row_key.value
        if not isinstance(table, Table) or not table.drill or key is None or key == EMPTY_KEY:
            return
        message.stop()
        tab_title = self._tab_title()
        if table.drill == "event":
            event = self._event_by_seq(int(key))
            if event is None:
                self.notify("That event has left the ring since the table was drawn.")
            else:
                self.open_detail([tab_title, table.title], event)
            return
        if not self._unlisted(table, key):
            self.open_drill([tab_title], table.title, table.drill, key)

    def _unlisted(self, table: Table, key: str) -> bool:
        """Whether a row stands for no events one can list (and then the user is told why)."""
        reason = table.unlisted.get(key)
        if reason is not None:
            self.notify(reason)
        return reason is not None

    def on_event_log_chosen(self, message: EventLog.Chosen) -> None:
        """Enter on the Events tab (drilldown lists handle their own)."""
        message.stop()
        self.open_detail([self._tab_title()], message.event)

    def open_drill(self, trail: list[str], title: str, drill: str, key: str) -> None:
        """The events behind a row of the table `title`, whose rows are `drill`s."""
        query = self.current or Query(self.source, self.window)
        terms = terms_for(drill, key)
        try:
            match = compile_filter(" ".join(terms), self.locate)
        except FilterError as exc:
            self.notify(str(exc), severity="error")
            return

        def read(query: Query) -> tuple[str, list[Event]]:
            events = [e for e in query.newest_first() if match(e)]
            heading = f"{describe(title, key)} · {count_events(len(events))}"
            recipients = recipients_in(drill, key, events)
            if recipients is not None:
                heading += f" · {count(recipients)} recipient{'' if recipients == 1 else 's'}"
            heading += f" · {query.window.name}"  # the window of the rows on screen
            if not query.exact:
                heading += f" · only the newest {query.retained:,} events are kept"
            return heading, events

        heading, events = read(query)
        screen = EventsScreen(trail, heading, terms, events, read, query)
        screen.read_at = self.frozen if self.frozen is not None else query.version
        self.push_screen(screen)

    def open_detail(self, trail: list[str], event: Event) -> None:
        source = self.source
        with source.lock:
            ring = list(source.main.ring)  # a message's timeline looks past the filter
            as_of = source.as_of
        self.push_screen(DetailScreen(trail, event, ring, as_of))

    def _refresh_detail(self, screen: DetailScreen) -> None:
        """A detail follows the store (held while paused, at the pause's moment): its message's
        new events join it."""
        source = self.source
        with source.lock:
            newer = arrived_after(source.main.ring, screen.read_seq)
            as_of = source.as_of
        screen.follow(newer, as_of)

    def _event_by_seq(self, seq: int) -> Event | None:
        source = self.source
        with source.lock:
            return next((e for e in reversed(source.main.ring) if e.seq == seq), None)

    def _tab_title(self) -> str:
        active = self.main("#tabs", TabbedContent).active
        return next(title for tab, title, _ in TABS if tab == active)

    # -- filter ---------------------------------------------------------------------------

    def action_filter(self) -> None:
        bar = self.main(FilterBar)
        if not bar.has_focus_within:
            self._focus_before_filter = self.focused
        bar.open(self.filter_text)

    def on_filter_bar_submitted(self, message: FilterBar.Submitted) -> None:
        self.apply_filter(message.text)

    def on_filter_bar_cleared(self, message: FilterBar.Cleared) -> None:
        self.action_clear_filter()

    def apply_filter(self, text: str, at_once: bool = False) -> bool:
        """Validate and apply a filter; on a syntax error the bar says why and nothing changes.
        `at_once`: on this thread (the store is empty), else in a worker."""
        text = typed(text).strip()
        if not text:
            self.action_clear_filter()
            return True
        try:
            match = compile_filter(text, self.locate)
        except FilterError as exc:
            self.main(FilterBar).show_error(str(exc))
            return False
        self._close_filter_bar()
        self.filter_text = text
        self._filter_seq += 1
        if at_once:
            self.store.set_filter(match)
        else:
            seq = self._filter_seq
            self.run_worker(lambda: self._filter_in_thread(match, text, seq), thread=True, group="filter", exclusive=True)
        return True

    def _filter_in_thread(self, match: Callable[[Event], bool], text: str, seq: int) -> None:
        started = time.perf_counter()

        def progress(done: int, total: int) -> None:
            if time.perf_counter() - started > 0.3:
                self.call_from_thread(self._show_progress, done, total)

        def wanted() -> bool:  # a filter set or cleared since wins, whichever finishes first
            return seq == self._filter_seq

        self.store.set_filter(match, progress, wanted)
        if not wanted():
            return
        frozen = self.frozen
        # A paused display stays at its moment, now under this filter.
        refiltered = frozen.filtered(match) if frozen is not None else None
        self.call_from_thread(self._filter_applied, text, time.perf_counter() - started, frozen, refiltered, seq)

    def _show_progress(self, done: int, total: int) -> None:
        bar = self.main("#backfill", ProgressBar)
        bar.display = True
        bar.update(total=total, progress=done)

    def _filter_applied(self, text: str, seconds: float, frozen: Snapshot | None, refiltered: Snapshot | None, seq: int) -> None:
        if seq != self._filter_seq:
            return  # another filter was set or cleared meanwhile
        if refiltered is not None and self.frozen is frozen:
            self.frozen = refiltered
        self._query_key = None
        self.current = None
        self._refresh_panel()
        self.tick()
        source = self.source
        with source.lock:
            matched = len(source.active.ring)
            uncounted = source.active.uncounted
        message = f"Filter applied to the ring in {seconds:.2f} s: {count_events(matched)} match"
        if uncounted:
            message += f". The {count_events(uncounted)} the ring had let go were not filtered: counts under this filter lack them"
        self.notify(message, timeout=6 if uncounted else 3)

    def _close_filter_bar(self) -> None:
        bar = self.main(FilterBar)
        typing = bar.has_focus_within
        bar.close()
        if typing:  # a hidden input must not keep the keys (nor get them back after a modal)
            # Back to the table the user was on, if it is still on the tab shown.
            previous, self._focus_before_filter = self._focus_before_filter, None
            panel = self.active_panel
            if previous is not None and previous.is_attached and panel is not None and panel in previous.ancestors:
                previous.focus()
            else:
                self._focus_panel()

    def action_clear_filter(self) -> None:
        self._close_filter_bar()
        if not self.filter_text:
            return
        self.filter_text = ""
        self._filter_seq += 1
        self.store.set_filter(None)
        if self.frozen is not None:
            self.frozen = self.frozen.filtered(None)
        self._query_key = None
        self.current = None
        self._refresh_panel()
        self.tick()

    def action_pin(self) -> None:
        """F on a row: add the row's terms to the filter."""
        table = self.focused
        if isinstance(table, Table) and table.drill and table.drill != "event" and table.current_key is not None:
            if not self._unlisted(table, table.current_key):
                self.pin_filter(terms_for(table.drill, table.current_key))

    def pin_filter(self, terms: list[str]) -> None:
        self.apply_filter(add_terms(self.filter_text, terms))

    # -- export ---------------------------------------------------------------------------

    def action_export(self) -> None:
        focused = self.focused
        if isinstance(focused, Table):
            path = export_path(self.export_dir, focused.title, "csv")
            rows = [focused.row_values[key] for key in focused.row_keys_shown]
            self._exported(lambda: write_csv(path, focused.exported_labels, rows), path, "rows")
        elif isinstance(focused, EventLog):
            self.export_events("events", focused.events)
        else:
            self.notify("Focus a table or the event list to export it")

    def export_events(self, what: str, events: list[Event]) -> None:
        path = export_path(self.export_dir, what, "jsonl")
        self._exported(lambda: write_jsonl(path, events), path, "events")

    def _exported(self, write: Callable[[], int], path: str, unit: str) -> None:
        try:
            count = write()
        except OSError as exc:
            self.notify(f"Export failed: {exc.strerror or exc} ({path})", severity="error")
            return
        self.notify(f"Exported {count:,} {unit if count != 1 else unit[:-1]} to {path}")

    def action_screenshot(self) -> None:
        try:
            path = self.save_screenshot(path=self.export_dir)
        except OSError as exc:
            self.notify(f"Screenshot failed: {exc.strerror or exc}", severity="error")
            return
        self.notify(f"Screenshot saved to {path}")

    # -- help, status, palette ------------------------------------------------------------

    def action_help(self) -> None:
        monitor = [b for b in self.BINDINGS if isinstance(b, Binding) and not (b.id or "").startswith("tab-")]
        sections: list[tuple[str, Iterable[Binding]]] = [("Monitor", monitor)]
        sections.append(("Tabs", [Binding(str(i), "", title) for i, (_, title, _) in enumerate(TABS, 1)]))
        sections.append(("Event list", [*EventLog.BINDINGS, *SearchableLog.BINDINGS]))  # type: ignore[list-item]
        sections.append(("Tables", Table.BINDINGS))  # type: ignore[arg-type]
        sections.append(("Drilldown list", EventsScreen.BINDINGS))  # type: ignore[arg-type]
        sections.append(("Event detail", DetailScreen.BINDINGS))  # type: ignore[arg-type]
        sections.append(("Filter bar", FilterBar.BINDINGS))  # type: ignore[arg-type]
        self.push_screen(HelpScreen(sections))

    def action_status(self) -> None:
        self.push_screen(StatusScreen(self.input_accounting(), self.paused))

    def input_accounting(self) -> Accounting:
        """What the `s` screen shows: the input now, or while paused as of the pause."""
        return self.frozen_input if self.frozen_input is not None else Accounting.read(self.store)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Palette commands; `screen` is the one the palette was opened over."""
        yield from (command for command in super().get_system_commands(screen) if command.title not in _TEXTUAL_COMMANDS_LEFT_OUT)
        ours: list[tuple[str, SystemCommand]] = []
        for index, (tab, title, _) in enumerate(TABS, 1):
            ours.append(("show_tab", SystemCommand(f"Show {title}", f"Switch to the {title} tab (key {index})", lambda tab=tab: self.action_show_tab(tab))))
        for window in WINDOWS:
            span = f"the last {window.name}" if window.seconds is not None else "every event read"
            ours.append(("cycle_window", SystemCommand(f"Window: {window.name}", f"Show {span} (keys w / W cycle)", lambda window=window: self.set_window(window))))
        ours += [
            ("toggle_pause", SystemCommand("Pause / resume", "Freeze the display; ingest continues (key p)", self.action_toggle_pause)),
            ("filter", SystemCommand("Filter", "Show only matching events everywhere (key f)", self.action_filter)),
            ("clear_filter", SystemCommand("Clear filter", "Back to every event (Ctrl+F)", self.action_clear_filter)),
            ("export", SystemCommand("Export", "Write the focused table (CSV) or event list (JSON Lines) to a file (key e)", self.action_export)),
            ("status", SystemCommand("Input accounting", "Skip reasons, sources and notes (key s)", self.action_status)),
            ("help", SystemCommand("Help", "Every key of every screen, and what it does (key ?)", self.action_help)),
            ("screenshot", SystemCommand("Screenshot", "Save an SVG picture of the screen where exports go (Ctrl+S)", self.action_screenshot)),
        ]
        yield from (command for action, command in ours if self.available(action, screen))
        export = getattr(screen, "action_export", None)
        if export is not None:  # a drilldown or detail screen exports its own events, as its `e` does
            yield SystemCommand("Export", "Write these events (JSON Lines) to a file (key e)", export)


def make_app(store: Store | None = None, clock: Callable[[], float] = time.time, **options: Any) -> SestuiApp:
    """The app over a store (a fresh one by default); `options` are SestuiApp's. Tests pass their
    own store and clock, and `auto_tick=False` to drive `tick()` themselves."""
    return SestuiApp(store if store is not None else Store(clock=clock), clock=clock, **options)
