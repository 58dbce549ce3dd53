"""The race: 2-4 contenders trained in rotation for an equal budget.

``contenders`` plans them (settings, names, what differs); ``rotation`` steps
them and keeps the results.
"""
