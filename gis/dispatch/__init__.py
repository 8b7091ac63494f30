"""Whose job an incident is: the departments, the dispatch rules, and whom they name.

Pure domain: the catalogues (`departments`, `rules`) are read from YAML at the entry points;
the roster answers who is on duty (`gis.db.roster`); the use cases apply them
(`gis.usecases.dispatch`).
"""
