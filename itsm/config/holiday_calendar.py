"""The days a desk is closed: its own dates, and its region's public holidays.

A desk names its region (`country: DE`, `subdivision: BE`) and the `holidays` package
(https://pypi.org/project/holidays/: calendars for about 200 countries and their
subdivisions, kept up to date release by release) gives the dates, year by year, as a clock
asks for them. Importing the package costs about 60 ms and building a region's first year
about 80 ms more (docs/performance.md), as much as a whole `itsm show`. So the dates are kept
in `.itsm/holidays.json`, per country, subdivision, year and package version, and a command
that finds them there never imports the package.

The cache is never the truth: a file that cannot be read, is corrupt, has another format or
was written for another package version is ignored and written afresh; where `.itsm/` cannot
be written (a read-only desk, a symbolic link), the dates are computed in memory, every time.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import stat
import warnings
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

from itsm.core import fileio
from itsm.core.errors import UsageError

PACKAGE = "holidays"
INSTALL = "pip install holidays"
CACHE_FILE = "holidays.json"
CACHE_FORMAT = 1
_MAX_CACHE_BYTES = 1 << 20
# A year missing from the cache is computed with its neighbours: a clock that runs across New
# Year, or a deadline in January, needs the next one, and one write then serves them all.
_NEIGHBOURS = 1

Key = tuple[str, str | None, int]  # country, subdivision, year


class RegionProblem(Exception):
    """A region the package does not know, or no package: `key` is the itsm.yaml key at fault
    (`country` or `subdivision`), `message` says what, in one line."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


class Holidays:
    """`day in holidays`: a closed day of the desk, its own or its region's.

    `own` are the dates typed into itsm.yaml (the plain list, or `extra` and `closures`);
    `country` and `subdivision` name the region whose public holidays the package gives;
    `desk_root` is where the cache folder is (None: no cache, e.g. the built-in defaults)."""

    def __init__(self, own: Iterable[date] = (), country: str | None = None, subdivision: str | None = None,
                 desk_root: Path | None = None) -> None:
        self.own = frozenset(own)
        self.country = country
        self.subdivision = subdivision if country else None
        self.desk_root = desk_root
        self._years: dict[int, frozenset[date]] = {}  # the region's holidays, year by year, as asked
        self._cached: dict[Key, frozenset[date]] | None = None  # the cache file's entries, once read
        self._version: str | None = None
        self._version_known = False

    @property
    def region(self) -> str | None:
        """'DE-BE', 'FR', or None."""
        if self.country is None:
            return None
        return f"{self.country}-{self.subdivision}" if self.subdivision else self.country

    def __contains__(self, day: object) -> bool:
        if day in self.own:
            return True
        if self.country is None or not isinstance(day, date):
            return False
        found = self._years.get(day.year)
        if found is None:
            found = self._year(day.year)
        return day in found

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Holidays) and self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    def __repr__(self) -> str:
        return f"Holidays(own={sorted(self.own)!r}, region={self.region!r})"

    def _identity(self) -> tuple[frozenset[date], str | None, str | None]:
        return self.own, self.country, self.subdivision

    def without_region(self) -> Holidays:
        """The desk's own dates only: what a command that goes on despite a faulty region uses."""
        return Holidays(self.own)

    def dates(self, year: int) -> list[date]:
        """Every closed day of `year`, in order (for people and tests)."""
        own = {day for day in self.own if day.year == year}
        region = self._year(year) if self.country is not None else frozenset()
        return sorted(own | region)

    # -- the region --------------------------------------------------------------------------

    def region_problem(self) -> RegionProblem | None:
        """None when the package knows the region; what is wrong otherwise. A region the cache
        holds years of, computed by this very package version, is known without importing it."""
        if self.country is None:
            return None
        if any(key[:2] == (self.country, self.subdivision) for key in self._cache()):
            return None
        try:
            self._calendar(())
        except RegionProblem as problem:
            return problem
        return None

    def _year(self, year: int) -> frozenset[date]:
        found = self._cache().get((str(self.country), self.subdivision, year))
        if found is None:
            try:
                computed = self._compute(range(year - _NEIGHBOURS, year + _NEIGHBOURS + 1))
            except RegionProblem as problem:  # config.load checks first: a package gone since
                raise UsageError(f"business_hours.holidays.{problem.key}: {problem.message}",
                                 hint="fix itsm.yaml; `itsm check` lists every fault") from None
            self._store(computed)
            found = computed[(str(self.country), self.subdivision, year)]
        self._years[year] = found
        return found

    def _compute(self, years: Iterable[int]) -> dict[Key, frozenset[date]]:
        wanted = list(years)
        calendar = self._calendar(wanted)
        by_year: dict[int, set[date]] = {year: set() for year in wanted}
        for day in calendar:
            # Only the years asked for are kept: a day of another year, should the package
            # give one, would make that year look computed when it is not.
            if day.year in by_year:
                by_year[day.year].add(day)
        return {(str(self.country), self.subdivision, year): frozenset(days) for year, days in by_year.items()}

    def _calendar(self, years: Iterable[int]) -> Any:
        """The package's calendar of the region for `years` (observed days included: a
        holiday moved off a weekend by law is a day the desk is closed too)."""
        package = _import_package()
        try:
            return package.country_holidays(self.country, subdiv=self.subdivision, years=list(years))
        except (NotImplementedError, ValueError, KeyError):
            supported: dict[str, list[str]] = package.list_supported_countries()
            if self.country not in supported:
                raise RegionProblem(
                    "country", f"'{self.country}' is not a country the holidays package knows "
                    "(2-letter ISO 3166 codes like DE, FR, US)") from None
            known = supported[str(self.country)]
            listed = ", ".join(known[:20]) + (", ..." if len(known) > 20 else "")
            raise RegionProblem(
                "subdivision",
                f"'{self.subdivision}' is not a subdivision of {self.country} the holidays package knows"
                + (f" (known: {listed})" if known else f" ({self.country} has none: leave subdivision out)"),
            ) from None

    # -- the cache ---------------------------------------------------------------------------

    def _package_version(self) -> str | None:
        if not self._version_known:
            self._version, self._version_known = package_version(), True
        return self._version

    def _cache_file(self) -> Path | None:
        """The cache file when `.itsm/` is a real folder (a link or a file there: no cache)."""
        if self.desk_root is None:
            return None
        try:
            folder = fileio.cache_folder(self.desk_root, create=False)
        except UsageError:
            return None
        return folder / CACHE_FILE if folder is not None else None

    def _cache(self) -> dict[Key, frozenset[date]]:
        if self._cached is None:
            self._cached = {}
            version = self._package_version()
            path = self._cache_file()
            if version is not None and path is not None:
                self._cached = read_cache(path, version)
        return self._cached

    def _store(self, computed: dict[Key, frozenset[date]]) -> None:
        """Remember `computed` in memory, and in the cache file when it can be written."""
        entries = self._cache()
        entries.update(computed)
        version = self._package_version()
        if version is None or self.desk_root is None:
            return
        try:
            folder = fileio.cache_folder(self.desk_root)  # made with its .gitignore if missing
        except UsageError:
            return  # a link or a file named .itsm, or a desk that cannot be written: memory only
        if folder is None:
            return
        # Read-only, full: this command counted right from memory; the next one computes again.
        # Two commands writing at once: the last rename wins; what it lacks is computed later.
        with contextlib.suppress(OSError):
            fileio.atomic_write(folder / CACHE_FILE, render_cache(entries, version))


def _import_package() -> ModuleType:
    try:
        # Some 0.x releases warn on import about their coming 1.0 (a FutureWarning on stderr,
        # in the middle of a command's output); the bound in pyproject.toml answers it.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            import holidays
    except ImportError:
        raise RegionProblem(
            "country", f"naming a country needs the holidays package, which is not installed ({INSTALL})"
        ) from None
    return holidays


def package_version() -> str | None:
    """The installed package's version, from the name of its `holidays-VERSION.dist-info`
    folder, without importing it (its own `__version__` goes through importlib.metadata,
    about 40 ms alone). None when it is not installed, or not installed that way: then the
    cache is not used, and the dates are computed each time."""
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    site = Path(next(iter(spec.submodule_search_locations))).parent
    try:
        names = [name for name in os.listdir(site)
                 if name.startswith(f"{PACKAGE}-") and name.endswith(".dist-info")]
    except OSError:
        return None
    return names[0][len(PACKAGE) + 1:-len(".dist-info")] if len(names) == 1 else None


def read_cache(path: Path, version: str) -> dict[Key, frozenset[date]]:
    """The entries of the cache file at `path` written for package `version`; nothing when it
    is missing, not a regular file, unreadable, corrupt in any way, or of another version."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return {}
        data = json.loads(fileio.read_regular(path, _MAX_CACHE_BYTES))
    except (OSError, fileio.FileProblem, ValueError, RecursionError):
        return {}
    if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT or data.get("package") != version:
        return {}
    years = data.get("years")
    if not isinstance(years, list):
        return {}
    found: dict[Key, frozenset[date]] = {}
    for entry in years:
        if not isinstance(entry, dict):
            return {}
        country, subdivision, year, days = (entry.get(k) for k in ("country", "subdivision", "year", "dates"))
        if not (isinstance(country, str) and (subdivision is None or isinstance(subdivision, str))
                and isinstance(year, int) and not isinstance(year, bool) and isinstance(days, list)):
            return {}
        try:
            parsed = frozenset(date.fromisoformat(day) for day in days)
        except (TypeError, ValueError):
            return {}
        if len(parsed) != len(days) or any(day.year != year for day in parsed):
            return {}
        found[(country, subdivision, year)] = parsed
    return found


def render_cache(entries: dict[Key, frozenset[date]], version: str) -> str:
    years = [
        {"country": country, "subdivision": subdivision, "year": year,
         "dates": [day.isoformat() for day in sorted(entries[(country, subdivision, year)])]}
        for country, subdivision, year in sorted(entries, key=lambda k: (k[0], k[1] or "", k[2]))
    ]
    return json.dumps({"format": CACHE_FORMAT, "package": version, "years": years}, indent=1) + "\n"
