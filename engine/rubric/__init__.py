"""Rubrics: the versioned rubric format (sections, components, criteria, level descriptors), the
reference a document makes to one, and what changed between two versions."""
