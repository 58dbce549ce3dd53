"""How an rnnplay process meets its environment: standard streams that end as a person
expects, signals (SIGTERM as Ctrl-C, the stop-after-this-step flag), crash files.
Shared by every face; imports nothing above ``rnnplay.errors``."""
