"""The Pass numérique test world (a campaign, a referenced association, eligible beneficiaries),
reused by the redemption crash test."""

from tests.pass_numerique.conftest import world  # noqa: F401
