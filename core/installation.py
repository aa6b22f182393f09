"""Facts about this installation kept in the database: demonstration flag, shared settings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import Agent, InstallationSetting, Territory

DEMO_KEY = "demonstration"
# True from the demo's first step until its last: a demo killed half-way still says so and is
# started over (older demos, written before this key, lack it and are complete).
DEMO_UNFINISHED_KEY = "demonstration_inachevee"

# Settings every desk of the territory shares, with their defaults.
SHARED_DEFAULTS: dict[str, Any] = {
    "retention_years": 3,  # personal data with no activity (mediation)
    "mandat_retention_years": 6,  # after a mandate ends (keeping time of the signed paper)
    "fragilite_min_repondants": 5,
}


def get_setting(session: Session, key: str) -> Any:
    row = session.get(InstallationSetting, key)
    if row is None:
        return SHARED_DEFAULTS.get(key)
    return row.value


def put_setting(session: Session, key: str, value: Any) -> None:
    row = session.get(InstallationSetting, key)
    if row is None:
        session.add(InstallationSetting(key=key, value=value))
    else:
        row.value = value
    session.flush()


def is_demo(session: Session) -> bool:
    return bool(get_setting(session, DEMO_KEY))


def needs_first_run(session: Session) -> bool:
    """True on an empty database: the wizard must create an administrator and the territory."""
    no_agent = session.scalar(select(func.count()).select_from(Agent)) == 0
    return no_agent or session.get(Territory, 1) is None
