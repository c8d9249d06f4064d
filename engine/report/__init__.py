"""The delivery report: capacity reviews, likelihood judgments and chains joined for a system
leader, and its views."""
