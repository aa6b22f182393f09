"""Médianum entry point: no argument opens the GUI; subcommands run the same use cases headless."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from core.errors import MedianumError
from core.i18n import _, set_language

if TYPE_CHECKING:
    from core.cli import FrenchParser

# The command-line machinery and the domains (SQLAlchemy and all the models) are imported when a
# command needs them: the map host started by the desk for each map needs neither.


def build_parser() -> FrenchParser:
    from core.cli import FrenchParser
    from domaines import DOMAINES

    parser = FrenchParser(
        prog="medianum",
        description=_(
            "Médianum — l'outil des guichets de l'inclusion numérique. Sans commande, ouvre "
            "l'application ; les commandes ci-dessous font le même travail sans fenêtre."
        ),
    )
    parser.add_argument(
        "--json", action="store_true", help=_("sortie lisible par un programme (JSON)")
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMANDE", parser_class=FrenchParser)
    for domaine in DOMAINES:
        for register in domaine.cli:
            register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["__carte"]:  # ui.map_host.MAP_HOST_COMMAND
        # The map host (ui/map_host.py): the web engine in a process of its own, started by the
        # desk while a map is shown; hidden from the help, no settings, no database.
        from ui.map_host import run

        return run(argv[1:])
    try:
        from core.paths import use_private_temp_dir

        use_private_temp_dir()
    except MedianumError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    if not argv:
        # The GUI reads the settings itself, so that a problem is shown in a window, not lost
        # on a terminal nobody looks at.
        from core.early_sign_in import start_from_environment

        # Before the libraries load: the automatic sign-in's password is checked meanwhile.
        early_check = start_from_environment()
        from ui.app import run_gui

        return int(run_gui(early_check=early_check))
    try:
        from core.settings import load_settings

        set_language(load_settings().get("language"))
    except MedianumError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    from core.logging_setup import configure_logging

    # --json is accepted anywhere on the line, before or after the subcommand.
    json_output = "--json" in argv
    argv = [a for a in argv if a != "--json"]
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        configure_logging()
    except MedianumError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    from core.cli import CliContext, run_handler
    from core.domaine import all_models
    from domaines import DOMAINES

    # Every domain's tables known before a command's first query (a flush orders its rows by
    # the foreign keys, which may name another domain's table).
    all_models()

    return run_handler(CliContext(args, json_output=json_output, domaines=DOMAINES), args.handler)


if __name__ == "__main__":
    sys.exit(main())
