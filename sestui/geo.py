"""Where mail, engagement and API calls come from: offline MaxMind lookups through geoip2.

Databases are found in this order: `--geoip-db` (a City or Country database plus an optional ASN
one), `SESTUI_GEOIP_DB` (paths separated by the OS path separator), the usual directories, then
the 2018 GeoLite2 City of the optional `sestui[geolite]` extra. Their type comes from their
metadata, not their file name. A missing database disables geo; a corrupt one is one error line.

Private, loopback, link-local and other non-global addresses are labelled `private` and never
looked up; AWS service names in CloudTrail (`ses.amazonaws.com`, `AWS Internal`) are `aws`;
anything else that is not a located address is `unknown`.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

ENV = "SESTUI_GEOIP_DB"
SEARCH_DIRS = ("/usr/share/GeoIP", "/var/lib/GeoIP", "/usr/local/share/GeoIP")
PRIVATE, AWS, UNKNOWN = "private", "aws", "unknown"
SPECIAL_NAMES = {PRIVATE: "private / reserved", AWS: "AWS service", UNKNOWN: "not located"}
NOT_CONFIGURED = "GeoIP not configured. "
HOW_TO = (
    "Get a free GeoLite2 City or Country database (sign up at maxmind.com, then run geoipupdate), "
    "put it in /usr/share/GeoIP or pass --geoip-db PATH (or set SESTUI_GEOIP_DB); "
    "`pip install 'sestui[geolite]'` adds an embedded, dated (2018) GeoLite2 City."
)


class GeoError(Exception):
    """A database that cannot be used: one line, naming the file."""


@dataclass(frozen=True, slots=True)
class Place:
    """Where an address is: a country code (or private / aws / unknown), with what the
    databases know beyond that."""

    country: str
    name: str
    city: str | None = None
    lat: float | None = None
    lon: float | None = None
    asn: int | None = None
    org: str | None = None

    @property
    def network(self) -> str:
        """"AS29518 Bredband2 AB"; empty without an ASN database or a match in it."""
        return f"AS{self.asn} {self.org or ''}".strip() if self.asn else ""

    @property
    def key(self) -> str:
        """Rows group by country, city and network: "SE\x1fLinköping\x1fAS29518 Bredband2 AB"."""
        return f"{self.country}\x1f{self.city or ''}\x1f{self.network}"


def split_key(key: str) -> tuple[str, str, str]:
    country, city, network = (key.split("\x1f") + ["", ""])[:3]
    return country, city, network


@dataclass(frozen=True, slots=True)
class DatabaseInfo:
    path: str
    type: str
    build_date: str  # ISO 8601, UTC

    def as_dict(self) -> dict[str, str]:
        return {"type": self.type, "build_date": self.build_date, "path": self.path}


def _open(path: str) -> Any:
    try:
        import geoip2.database
        import maxminddb

        return geoip2.database.Reader(path)
    except FileNotFoundError:
        raise GeoError(f"{path}: no such file") from None
    except (OSError, ValueError, maxminddb.InvalidDatabaseError) as exc:
        raise GeoError(f"{path}: not a usable MaxMind database ({exc})") from None


def _info(path: str, reader: Any) -> DatabaseInfo:
    meta = reader.metadata()
    built = datetime.fromtimestamp(meta.build_epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return DatabaseInfo(path, meta.database_type, built)


class Geo:
    """Cached lookups against one location database (City or Country) and an optional ASN one."""

    def __init__(self, paths: Iterable[str]) -> None:
        self.location: Any = None
        self.asn: Any = None
        self.info: DatabaseInfo | None = None
        self.asn_info: DatabaseInfo | None = None
        self.error: str | None = None
        self._lock = threading.Lock()  # readers are shared by the UI worker and ingest threads
        for path in paths:
            reader = _open(path)
            info = _info(path, reader)
            kind = info.type.lower()
            if "asn" in kind:
                if self.asn is None:
                    self.asn, self.asn_info = reader, info
            elif "city" in kind or "country" in kind:
                if self.location is None or ("city" in kind and "city" not in self.info.type.lower()):  # type: ignore[union-attr]
                    self.location, self.info = reader, info
            else:
                raise GeoError(f"{path}: a {info.type} database, not City, Country or ASN")
        if self.location is None and self.asn is None:
            raise GeoError("no City, Country or ASN database among " + ", ".join(paths))
        self._city = self.info is not None and "city" in self.info.type.lower()
        self.place = lru_cache(maxsize=65536)(self._place)  # addresses repeat a lot

    @property
    def database(self) -> dict[str, str] | None:
        """What `report` prints as geo.database."""
        main = self.info or self.asn_info
        return main.as_dict() if main else None

    def country(self, value: str | None) -> str:
        return self.place(value).country

    def _place(self, value: str | None) -> Place:
        kind = classify(value)
        if kind is not None:
            return Place(kind, SPECIAL_NAMES[kind])
        if self.error is not None:
            return Place(UNKNOWN, SPECIAL_NAMES[UNKNOWN])
        import geoip2.errors
        import maxminddb

        try:
            with self._lock:
                return self._lookup(value.strip(), geoip2.errors.AddressNotFoundError)  # type: ignore[union-attr]
        except maxminddb.InvalidDatabaseError as exc:
            self.error = f"GeoIP database is corrupt, geo disabled: {exc}"
        except (ValueError, TypeError):
            pass
        return Place(UNKNOWN, SPECIAL_NAMES[UNKNOWN])

    def _lookup(self, ip: str, not_found: type[Exception]) -> Place:
        country, name, city, lat, lon, asn, org = UNKNOWN, SPECIAL_NAMES[UNKNOWN], None, None, None, None, None
        if self.location is not None:
            try:
                found = self.location.city(ip) if self._city else self.location.country(ip)
                located = found.country.iso_code
                country = located or found.registered_country.iso_code or UNKNOWN
                name = found.country.name or found.registered_country.name or country
                if self._city and located:
                    # Without a country of its own (a block located to a continent's middle) an
                    # address is not placed by its coordinates: it is marked, if at all, at its
                    # registered country's centroid, and in the `unknown` row not at all.
                    city = found.city.name
                    lat, lon = found.location.latitude, found.location.longitude
            except not_found:
                pass
        if self.asn is not None:
            try:
                network = self.asn.asn(ip)
                asn, org = network.autonomous_system_number, network.autonomous_system_organization
            except not_found:
                pass
        return Place(country, name, city, lat, lon, asn, org)


def classify(value: str | None) -> str | None:
    """private / aws / unknown for values that are not public addresses; None for those."""
    if not value:
        return UNKNOWN
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        text = value.strip().lower()
        if text.endswith(".amazonaws.com") or text.startswith("aws internal"):
            return AWS
        return UNKNOWN
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # judged as itself: Python < 3.13 takes ::ffff:100.64.0.1 for public
    return None if address.is_global else PRIVATE


def find_databases(explicit: list[str], environ: dict[str, str] | None = None) -> list[str]:
    """The database files to use, in the documented order of precedence."""
    if explicit:
        return explicit
    environ = os.environ if environ is None else environ  # type: ignore[assignment]
    if environ.get(ENV):
        return [p for p in environ[ENV].split(os.pathsep) if p]
    found = _search(SEARCH_DIRS)
    if found:
        return found
    embedded = _embedded()
    return [embedded] if embedded else []


def _search(directories: Iterable[str]) -> list[str]:
    """Best location database (City over Country) plus an ASN one, read from metadata."""
    candidates: list[tuple[int, str]] = []
    for directory in directories:
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            continue
        for name in names:
            if not name.endswith(".mmdb"):
                continue
            path = os.path.join(directory, name)
            try:
                kind = _info(path, _open(path)).type.lower()
            except GeoError:
                continue
            rank = 0 if "city" in kind else 1 if "country" in kind else 2 if "asn" in kind else 9
            candidates.append((rank, path))
    candidates.sort()
    chosen = [path for rank, path in candidates if rank < 2][:1]
    chosen += [path for rank, path in candidates if rank == 2][:1]
    return chosen


def _embedded() -> str | None:
    """The GeoLite2 City shipped by the `maxminddb-geolite2` package (the `geolite` extra)."""
    spec = importlib.util.find_spec("_maxminddb_geolite2")
    for location in (spec.submodule_search_locations or []) if spec else []:
        path = os.path.join(location, "GeoLite2-City.mmdb")
        if os.path.exists(path):
            return path
    return None


def load(explicit: list[str], environ: dict[str, str] | None = None) -> tuple[Geo | None, str | None]:
    """(Geo or None, the one-line reason when there is none)."""
    paths = find_databases(explicit, environ)
    if not paths:
        return None, NOT_CONFIGURED + HOW_TO
    try:
        return Geo(paths), None
    except GeoError as exc:
        return None, f"GeoIP unavailable: {exc}"


def countries(geo: Geo, ip_counts: dict[str, int]) -> dict[str, int]:
    """Counts per IP turned into counts per country code (or private / aws / unknown)."""
    out: dict[str, int] = {}
    for ip, n in ip_counts.items():
        code = geo.country(ip)
        out[code] = out.get(code, 0) + n
    return out


def places(geo: Geo, ip_counts: dict[str, int]) -> dict[str, tuple[Place, int]]:
    """Counts per IP grouped by place (country, city, network)."""
    out: dict[str, tuple[Place, int]] = {}
    for ip, n in ip_counts.items():
        place = geo.place(ip)
        key = place.key
        previous = out.get(key)
        out[key] = (place, n + (previous[1] if previous else 0))
    return out
