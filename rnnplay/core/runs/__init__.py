"""The front door: every face opens, records and lists its runs here.

``opening`` opens a run (config rules, the Trainer, the locked folder);
``options`` types what opens a playground session; ``recorder`` writes a run's
events into its folder (the one writer of metrics, checkpoints and status);
``listing`` reads many run folders for a table; ``race_folder`` and
``race_record`` do the same for a race's contenders. Kept empty so that
importing one of them loads only what it needs.
"""
