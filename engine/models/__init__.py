"""Typed models of the documents Stocktake reads and writes."""
