"""Developer tool: generate a revision by comparing the models with a database at ``heads``.

    PYTHONPATH=. .venv/bin/python migrations/generate.py REV MSG --branch LABEL --depends-on REV
    PYTHONPATH=. .venv/bin/python migrations/generate.py REV MSG --head LABEL@head

Read and tidy the generated file before committing it.
"""

from __future__ import annotations

import argparse
import tempfile

from alembic import command

from core.db import Database
from core.migrate import alembic_config


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rev_id")
    parser.add_argument("message")
    parser.add_argument("--branch")
    parser.add_argument("--depends-on", action="append")
    parser.add_argument("--head")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{tmp}/gen.sqlite3")
        cfg = alembic_config(db)
        with db.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "heads")
        with db.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            if args.branch:
                command.revision(
                    cfg,
                    message=args.message,
                    autogenerate=True,
                    rev_id=args.rev_id,
                    branch_label=args.branch,
                    head="base",
                    depends_on=args.depends_on,
                )
            else:
                command.revision(
                    cfg, message=args.message, autogenerate=True, rev_id=args.rev_id, head=args.head
                )
        db.dispose()


if __name__ == "__main__":
    main()
