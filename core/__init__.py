"""Shared ground of the domains: paths, settings, database, agents, journal, i18n, territory."""
