"""Training: the one config, optimizers, schedules, the Trainer loop, evaluation, events.

``config`` is importable without NumPy (the CLI's ``--help`` reads its
defaults), so this package's ``__init__`` imports nothing.
"""
