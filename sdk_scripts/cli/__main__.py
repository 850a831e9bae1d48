"""`python -m sdk_scripts.cli`: the `labelops` command."""

import sys

from sdk_scripts.cli import main

sys.exit(main())
