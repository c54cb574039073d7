"""Runs the knowledge command line: python -m knowledge --help."""
import sys

from knowledge.cli import main

sys.exit(main())
