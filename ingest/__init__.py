"""Ingest of contrat de ville documents into the DuckDB warehouse (raw schema)."""

PARSER_VERSION = "0.2.0"
