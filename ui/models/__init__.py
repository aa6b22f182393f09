"""Qt item models over the database: they page from SQL, never load a whole table."""
