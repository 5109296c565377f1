"""Subcommands of `mesaverify`, one module each; each defines `register(subparsers)`."""
