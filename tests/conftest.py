"""Test fixtures: one temporary data directory per test, an in-memory keyring, and databases.

Database tests take the ``db`` fixture, which runs them on SQLite and, when
``MEDIANUM_TEST_DATABASE_URL`` names a PostgreSQL server, on PostgreSQL too. Each test gets a
fresh database copied from a template migrated once per worker, so tests are isolated and quick.
"""

from __future__ import annotations

import gc
import json
import math
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import keyring
import pytest
from argon2 import PasswordHasher
from keyring.backend import KeyringBackend
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import domaines  # noqa: F401 - every domain installed, as main.py makes them
from core import migrate
from core.auth import Actor, actor_for, create_agent
from core.db import Database
from core.models import Role
from core.territory import configure_territory, default_preset
from tests import mutation_selection

# Every domain's models loaded, as a command does before it runs and the desk before a page's
# first query (``core.domaine.all_models``).
migrate.load_all_models()

PG_URL = os.environ.get("MEDIANUM_TEST_DATABASE_URL", "")
PG_SKIP_REASON = (
    "MEDIANUM_TEST_DATABASE_URL is not set: no PostgreSQL server to run this test on "
    "(CI sets it; see .ci/run)"
)


def france_today() -> date:
    """Today at the desks, in France: the day the application's month and day rules go by.

    Not ``date.today()``, the test machine's day: between 22:00/23:00 and midnight UTC they
    differ, and on the last evening of a month so does the month."""
    return datetime.now(ZoneInfo("Europe/Paris")).date()


class MemoryKeyring(KeyringBackend):
    """A real keyring backend that keeps secrets in memory, so tests never touch the OS one."""

    priority = 10  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture(autouse=True)
def medianum_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "medianum-home"
    monkeypatch.setenv("MEDIANUM_HOME", str(home))
    # A command run in-process sends temporary files to its data folder (paths.
    # use_private_temp_dir); that folder goes with the test, so the next tests, and a later
    # pytest run in the same process (mutmut), must get the system's back.
    monkeypatch.setattr(tempfile, "tempdir", tempfile.tempdir)
    for var in ("MEDIANUM_DATABASE_URL", "MEDIANUM_AGENT", "MEDIANUM_PASSWORD"):
        monkeypatch.delenv(var, raising=False)
    from core import i18n

    i18n.set_language("fr")
    return home


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


# --- password hashing --------------------------------------------------------------------------

# The desk hashes passwords with argon2id at the library's recommended cost (about 0.1 s and 64 MiB
# per hash here), which is the point in production and only slowness in a test that makes six
# agents before it starts. Tests hash at the lowest cost instead (same algorithm, same code path,
# same stored format); the tests of the production parameters themselves take the
# ``production_password_hasher`` fixture. Django's documentation recommends the same for its tests.
FAST_TEST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    import core.auth

    production = core.auth._hasher
    core.auth._hasher = FAST_TEST_HASHER
    yield
    core.auth._hasher = production


@pytest.fixture
def production_password_hasher(monkeypatch: pytest.MonkeyPatch) -> PasswordHasher:
    """The hasher the desk uses, for a test about the stored hash's cost."""
    import core.auth

    monkeypatch.setattr(core.auth, "_hasher", PasswordHasher())
    return core.auth._hasher


# --- database templates ------------------------------------------------------------------------

_templates: dict[str, str] = {}


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _mutant_under_test() -> str:
    """The mutant ``make mutation`` is running the tests against, or ""."""
    name = os.environ.get("MUTANT_UNDER_TEST", "")
    return name if "__mutmut_" in name else ""


def _sqlite_template(tmp_root: Path) -> Path:
    if _mutant_under_test():
        return _sqlite_template_shared_by_mutants()
    # Keyed by the run's temporary root: a tool that runs pytest several times in one process
    # (mutmut) gets a new root each time, and the old template is gone with it.
    key = f"sqlite:{tmp_root}"
    if key not in _templates:
        path = tmp_root / f"template-{_worker()}.sqlite3"
        db = Database(f"sqlite:///{path}")
        migrate.upgrade(db, backup=False)
        db.dispose()
        _templates[key] = str(path)
    return Path(_templates[key])


def _sqlite_template_shared_by_mutants() -> Path:
    """Under ``make mutation``, one template for every mutant of the run.

    Each mutant runs in a child forked from mutmut's fork server, so a template made per pytest
    run was migrated again for every mutant. It is made once, in the run's folder (keyed by the
    fork server's process, so a later run makes its own), and without the mutant: the schema is
    the migrations' own, and the mutant acts only in what the test itself does, as in a plain
    run where the template is made once before the tests."""
    path = Path.cwd() / ".templates" / f"template-{os.getppid()}.sqlite3"
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        partial = path.with_name(f"{path.stem}.{os.getpid()}.partial")
        mutant = os.environ["MUTANT_UNDER_TEST"]
        os.environ["MUTANT_UNDER_TEST"] = ""  # mutmut's trampolines: run the original code
        try:
            db = Database(f"sqlite:///{partial}")
            migrate.upgrade(db, backup=False)
            db.dispose()
        finally:
            os.environ["MUTANT_UNDER_TEST"] = mutant
        partial.replace(path)  # atomic: a mutant running beside sees all of it or none
    return path


def _pg_admin_engine():  # type: ignore[no-untyped-def]
    return create_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")


def _pg_create(name: str, template: str | None = None) -> str:
    engine = _pg_admin_engine()
    with engine.connect() as conn:
        clause = f' TEMPLATE "{template}"' if template else ""
        conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
    engine.dispose()
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def pg_drop(name: str) -> None:
    engine = _pg_admin_engine()
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def fresh_pg_database() -> tuple[str, str]:
    """An empty PostgreSQL database of its own (name, url); the caller drops it."""
    name = f"medianum_t_{uuid.uuid4().hex[:12]}"
    return name, _pg_create(name)


def _pg_template() -> str:
    key = "postgresql"
    if key not in _templates:
        name = f"medianum_tpl_{_worker()}_{os.getpid()}"
        pg_drop(name)
        url = _pg_create(name)
        db = Database(url)
        migrate.upgrade(db, backup=False)
        db.dispose()
        _templates[key] = name
    return _templates[key]


@pytest.fixture(scope="session", autouse=True)
def _drop_pg_templates() -> Iterator[None]:
    yield
    if PG_URL and "postgresql" in _templates:
        pg_drop(_templates.pop("postgresql"))


def engines() -> list[object]:
    return [
        pytest.param("sqlite", id="sqlite"),
        pytest.param(
            "postgresql",
            id="postgresql",
            marks=pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON),
        ),
    ]


@pytest.fixture(params=engines())
def engine_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db(engine_name: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """A migrated, empty database of the current engine, for this test alone."""
    if engine_name == "sqlite":
        template = _sqlite_template(tmp_path_factory.getbasetemp())
        target = tmp_path_factory.mktemp("db") / "medianum.sqlite3"
        shutil.copyfile(template, target)
        database = Database(f"sqlite:///{target}")
        yield database
        database.dispose()
    else:
        name = f"medianum_t_{uuid.uuid4().hex[:12]}"
        url = _pg_create(name, template=_pg_template())
        database = Database(url)
        yield database
        database.dispose()
        pg_drop(name)


# --- people ------------------------------------------------------------------------------------


@pytest.fixture
def territory(db: Database) -> None:
    preset = default_preset()
    with db.session() as s:
        configure_territory(
            s, None, preset.nom, preset.siren, [c.code_insee for c in preset.communes]
        )


@pytest.fixture
def admin(db: Database, territory: None) -> Actor:
    """The first administrator of a fresh installation."""
    with db.session() as s:
        agent = create_agent(
            s, None, "admin", "Admin Test", "mot-de-passe-solide", [(Role.ADMINISTRATEUR, None)]
        )
        return actor_for(s, agent)


@pytest.fixture
def make_agent(db: Database, admin: Actor):  # type: ignore[no-untyped-def]
    """Create an agent with the given grants and return its Actor."""

    counter = iter(range(1, 10_000))

    def _make(*grants: tuple[Role, int | None], login: str | None = None) -> Actor:
        with db.session() as s:
            agent = create_agent(
                s,
                admin,
                login or f"agent{next(counter)}",
                "Agent Test",
                "mot-de-passe-solide",
                list(grants),
            )
            return actor_for(s, agent)

    return _make


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests under tests/gui need a QApplication: mark them, so ``-m 'not gui'`` runs without Qt."""
    for item in items:
        if "tests/gui/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.gui)
    _quickest_first_under_a_mutant(items)


class _NamedTests:
    """The tests named on pytest's command line (mutmut names each test of a mutant)."""

    def __init__(self, args: list[str]) -> None:
        #: Files named whole: every test in them is wanted.
        whole = {arg for arg in args if "::" not in arg}
        #: ``file::name`` and ``file::Class::name`` of each named test, parameters left out.
        self.prefixes: set[str] = set()
        self.files: set[str] = set()
        for arg in args:
            parts = arg.split("[", 1)[0].split("::")
            if len(parts) < 2 or parts[0] in whole:
                continue
            self.files.add(parts[0])
            for end in range(2, len(parts) + 1):
                self.prefixes.add("::".join(parts[:end]))


_named_tests_key = pytest.StashKey[_NamedTests]()


def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> object:
    """Under a mutant of ``make mutation``, make no item for a test mutmut did not name.

    mutmut names a mutant's tests one by one, and pytest then builds every test of their files
    (its fixtures, its parameters) before keeping the named ones: two thirds of a killed
    mutant's own time went to building tests it would not run. A test named is built as
    always."""
    if not _mutant_under_test():
        return None
    named = collector.config.stash.get(_named_tests_key, None)
    if named is None:
        named = _NamedTests(list(collector.config.args))
        collector.config.stash[_named_tests_key] = named
    if collector.nodeid.split("::", 1)[0] not in named.files:
        return None
    if f"{collector.nodeid}::{name}" in named.prefixes:
        return None
    return []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    mutant = _mutant_under_test()
    if mutant and report.failed and not _killed:
        # Each mutant runs with -x: this is the test that killed it.
        _killed.append(report.nodeid)
        mutation_selection.record_killer(mutant, report.nodeid)


#: In a mutant's run, the test that killed it once one has.
_killed: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    _prepare_under_mutmut()
    _name_only_the_tests_that_run_the_mutated_line(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    _prepare_under_mutmut()


def _prepare_under_mutmut() -> None:
    """Under ``make mutation``, do once in the fork server what every mutant's child redid.

    mutmut's fork server runs pytest once to import everything (``--collect-only``), then forks
    a child per mutant; this runs at the end of that pytest run, so the children inherit:
    - the keyring backend, found once (``memory_keyring`` asks for the current one, and finding
      it reads every installed package's entry points: 0.2 s);
    - the national list of communes, read once (0.2 s; the ``territory`` fixture needs it);
    - a frozen heap: each mutant's pytest run ends with a full garbage collection (pytest's
      unraisable-exception plugin), which walked everything inherited (the application, pandas,
      scipy, the tests: 0.3 s). Frozen objects are not walked; a test's own still are, so its
      garbage is still collected and its unraisable exceptions still reported.
    - the record of the tests that ran each line, and each test's duration (18 and 3 MB of
      JSON: a fifth of a mutant's own time when each child read them again).
    A mutant's child, which inherited all this, does not redo it. Outside mutmut this does
    nothing."""
    global _durations_for_mutants
    if "MUTANT_UNDER_TEST" not in os.environ or _mutant_under_test():
        return
    from core.territory import cog

    keyring.get_keyring()
    cog()
    mutation_selection.load_record()
    _durations_for_mutants = _read_durations()
    gc.freeze()


#: Each test's duration in mutmut's statistics, read once by the fork server.
_durations_for_mutants: dict[str, float] | None = None


def _read_durations() -> dict[str, float] | None:
    stats = Path("mutmut-stats.json")  # mutmut runs pytest in mutants/, where it keeps it
    try:
        durations: dict[str, float] = json.loads(stats.read_text(encoding="utf-8"))[
            "duration_by_test"
        ]
    except (OSError, ValueError, KeyError):
        return None
    return durations


def _quickest_first_under_a_mutant(items: list[pytest.Item]) -> None:
    """Under a mutant of ``make mutation``, run first the tests likeliest to kill it soonest.

    Each mutant runs with ``-x``: the sooner a failing test comes, the sooner it is killed.
    mutmut's fork runner sorts a mutant's tests by the durations of its statistics run, but its
    fork-server runner (used here: it imports pytest, the application and the tests once
    instead of once per mutant) passes them in set order. Quickest first was not enough where
    a function is called by hundreds of tests and checked by a few (the journal's chain, a
    permission): each mutant ran the quick ones that never look before the one that does. The
    tests that killed earlier mutants of the same function in this run now come first (see
    ``mutation_selection.running_order_key``)."""
    mutant = _mutant_under_test()
    if not mutant:
        return
    durations = _durations_for_mutants or _read_durations()
    if durations is None:
        return
    key = mutation_selection.running_order_key(durations, mutation_selection.kills_by_test(mutant))
    items.sort(key=lambda item: key(item.nodeid))


def _name_only_the_tests_that_run_the_mutated_line(config: pytest.Config) -> None:
    """Under a mutant of ``make mutation``, leave out the tests that never run the changed line.

    They cannot tell the mutant from the original (see ``tests/mutation_selection.py``); a
    surviving mutant ran all its function's tests, hundreds for the journal or the permission
    checks. The tests mutmut named on the command line are narrowed before pytest collects
    them, so the others are not even built (``pytest_pycollect_makeitem``). mutmut's selection
    is kept whenever the line's tests cannot be told."""
    mutant = _mutant_under_test()
    if mutant:
        config.args[:] = mutation_selection.tests_to_run(mutant, list(config.args))


def pytest_runtest_setup(item: pytest.Item) -> None:
    if _mutant_under_test():
        from mutmut.configuration import config as mutmut_config

        _limit_cpu_time_for(
            item.nodeid, mutmut_config().timeout_constant, mutmut_config().timeout_multiplier
        )


#: mutmut's CPU-time limit of this mutant's child (soft, hard), as it was before the first test.
_mutmut_cpu_limit: list[tuple[int, int]] = []


def _limit_cpu_time_for(nodeid: str, constant: float, multiplier: float) -> None:
    """Under a mutant, stop it if the test starting now takes over its own CPU-time allowance.

    mutmut gives a mutant's whole run its formula applied to every test of its function. But a
    mutant caught in an endless loop loops in the first test that reaches the changed line, and
    spent all of that before it was stopped: 90 s a mutant of the survey weighting, 273 s one of
    a mandate's reference (120 tests). Each test now gets the formula applied to itself alone
    (``mutation_selection.cpu_seconds_allowed``), counted from its start; past it the mutant is
    stopped and counted as a timeout, as before, only sooner. mutmut's limit still caps the
    whole run."""
    import resource  # POSIX only, as mutmut's fork server

    durations = _durations_for_mutants
    if durations is None:
        return
    if not _mutmut_cpu_limit:
        _mutmut_cpu_limit.append(resource.getrlimit(resource.RLIMIT_CPU))
    soft, hard = _mutmut_cpu_limit[0]
    allowed = mutation_selection.cpu_seconds_allowed(
        durations.get(nodeid, 0.0), constant, multiplier
    )
    limit = math.ceil(time.process_time()) + allowed
    if soft != resource.RLIM_INFINITY:
        limit = min(limit, soft)
    resource.setrlimit(resource.RLIMIT_CPU, (limit, hard))
