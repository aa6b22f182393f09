"""What every page receives: the database, who is acting, the settings, the task runner."""

from __future__ import annotations

from dataclasses import dataclass

from core.auth import Actor
from core.db import Database
from core.settings import Settings
from ui.tasks import TaskRunner


@dataclass
class AppContext:
    db: Database
    actor: Actor
    settings: Settings
    tasks: TaskRunner
    demo: bool = False
