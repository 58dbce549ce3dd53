"""Screens pushed over the playground: help, confirmation, open a checkpoint, too small."""

from rnnplay.tui.screens.confirm import ConfirmScreen
from rnnplay.tui.screens.help import HelpScreen
from rnnplay.tui.screens.open_checkpoint import OpenCheckpointScreen
from rnnplay.tui.screens.too_small import TooSmallScreen

__all__ = ["ConfirmScreen", "HelpScreen", "OpenCheckpointScreen", "TooSmallScreen"]
