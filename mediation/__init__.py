"""Beneficiaries, needs assessments, accompaniments, mandates, personal-data rights."""
