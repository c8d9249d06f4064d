"""Shared layer that knows no capability: reading and parsing files, tables, schemas, document
loading, atomic output, shipped resources and the markup helpers every view uses."""
