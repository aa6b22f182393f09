"""Widgets every page shares: messages, a placeholder page, a progress dialog for ``ctx.tasks``."""

from ui.widgets.messages import confirm, show_error, show_info, show_warning
from ui.widgets.placeholder import PlaceholderPage
from ui.widgets.progress import run_with_progress

__all__ = [
    "PlaceholderPage",
    "confirm",
    "run_with_progress",
    "show_error",
    "show_info",
    "show_warning",
]
