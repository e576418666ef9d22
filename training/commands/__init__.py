"""Sub-commands of the ``powergames`` CLI: one module each (``add_arguments`` + ``run``)."""
