"""Subcommands: one module each, discovered by stm32boot.cli."""
