"""Places of digital mediation in the national open-data schema."""
