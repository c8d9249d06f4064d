"""Capacity reviews: the ``CapacityReview`` document, aggregation strategies, scoring ratings into
component and section judgments, movement since a baseline, the result and its views."""
