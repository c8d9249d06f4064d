"""``python -m stocktake`` runs the ``stocktake`` command."""

from stocktake.cli import main

main()
