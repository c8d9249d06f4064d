"""Likelihood of delivery: the ``DeliveryAssessment`` document, trajectories, rule sets compiled
into decision tables, judging priorities (one at a time or in batches), the result and its views."""
