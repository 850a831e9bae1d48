"""`python -m sdk_scripts.demo`: what `make demo` runs."""

import sys

from sdk_scripts.demo.run import main

sys.exit(main())
