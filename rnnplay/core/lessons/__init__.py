"""Lessons as data: a small TOML file a teacher writes, read and checked here.

``schema`` says what a lesson is (title, goal, settings, optional race
contenders, what is hidden, the cards) and checks a parsed file whole, one
line per mistake; ``figures`` names the live numbers a card may quote and
fills them in; ``loader`` finds a lesson by built-in name or path and reads
it. The built-in lessons are package data under ``builtin/``. Pure Python:
nothing here loads NumPy or a face.
"""
