"""`python -m titlegraph ...` is the same as the `titlegraph` command."""

import sys

from titlegraph.cli import main

sys.exit(main())
