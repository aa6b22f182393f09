"""Digital fragility index per commune from survey data."""
