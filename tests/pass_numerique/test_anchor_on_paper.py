"""The journal's anchor printed on settlements and financer reports, read back from the paper.

Someone holding the database file can delete the journal's last lines; the structure and the
financer keep the printed statement, and its anchor must then expose the shortened chain.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

from pypdf import PdfReader
from sqlalchemy import text

from core.journal import Anchor, journal_anchor, verify_journal
from pass_numerique import settlements
from pass_numerique.issuance import chequebook_print, issue_chequebook
from pass_numerique.pdf import settlement_pdf
from pass_numerique.redemption import redeem
from pass_numerique.reporting import financer_report, report_pdf
from tests.core.test_journal import _drop_guards
from tests.pass_numerique.conftest import TODAY, World

_ANCHOR = re.compile(r"(\d+:[0-9a-f]{64})")


def _printed_anchor(pdf: bytes) -> Anchor:
    words = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    found = _ANCHOR.findall(words)
    assert len(found) == 1, words
    return Anchor.parse(found[0], "papier")


def _settle_february(world: World) -> bytes:
    with world.db.session() as s:
        chequier = issue_chequebook(
            s, world.accueil, world.beneficiaire_id, world.campagne_id, today=TODAY
        )
        first = chequebook_print(s, world.accueil, chequier.id).passes[0].qr_text
    with world.db.session() as s:
        result = redeem(s, world.mediateur, first, today=TODAY)
        s.execute(
            text("UPDATE pass_encaissement SET at = :at WHERE id = :id"),
            {"at": datetime(2026, 2, 20, 10, 0, tzinfo=UTC), "id": result.encaissement_id},
        )
    with world.db.session() as s:
        (statement,) = settlements.validate(s, world.coordinateur, "2026-02")
        return settlement_pdf(statement)


def _shorten_journal_to_before(world: World, anchor: Anchor) -> None:
    _drop_guards(world.db)
    with world.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entry WHERE seq >= :s"), {"s": anchor.seq})


def test_a_settlement_carries_the_journal_head_it_was_validated_at(world: World) -> None:
    printed = _printed_anchor(_settle_february(world))
    with world.db.read_session() as s:
        assert (printed.seq, printed.hash) == journal_anchor(s)
        assert verify_journal(s, anchors=[printed]).ok


def test_the_anchor_on_a_settlement_exposes_a_journal_shortened_after_it(world: World) -> None:
    printed = _printed_anchor(_settle_february(world))
    _shorten_journal_to_before(world, printed)
    with world.db.read_session() as s:
        report = verify_journal(s, anchors=[printed])
    assert any("raccourci" in problem for problem in report.problems)


def test_the_anchor_on_a_financer_report_exposes_a_journal_shortened_after_it(
    world: World,
) -> None:
    _settle_february(world)
    with world.db.read_session() as s:
        pdf = report_pdf(financer_report(s, world.coordinateur, world.campagne_id, today=TODAY))
    printed = _printed_anchor(pdf)
    _shorten_journal_to_before(world, printed)
    with world.db.read_session() as s:
        report = verify_journal(s, anchors=[printed])
    assert any("raccourci" in problem for problem in report.problems)
