"""The plugin layer: the hook specifications, the registry plugins fill and the host that loads
them from entry points and calls their hooks through pluggy."""
