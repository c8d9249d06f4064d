"""Stocktake's built-in plugins.

Each module here is registered through this distribution's ``stocktake`` entry points, exactly as
a third-party plugin would be, so ``stocktake plugins`` lists them and ``--disable-plugin NAME``
turns them off. They reach the engine only through hooks.
"""
