"""``rnnplay serve``: the playground in the browser, one session per tab.

command.py   the subcommand's flags and its entry (imports nothing heavy)
classroom.py the web server (textual-serve with a session limit, a full page,
             sessions that are always ended)
session.py   the entry point one served session runs (``python -m
             rnnplay.serve.tab``): watches its server, then the TUI
watchdog.py  a session ends by itself when its server is gone
"""
