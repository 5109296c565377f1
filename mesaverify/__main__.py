"""`python -m mesaverify`: the command line."""
import sys

from mesaverify.cli import main

sys.exit(main())
