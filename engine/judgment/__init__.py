"""The judgment kernel, shared by every capability: scales, roll-ups, the ``Judgment`` record with
its inputs, flags and override, evidence items and the envelope every result carries."""
