"""``python -m engine`` runs the ``stocktake`` command."""

from engine.cli import main

main()
