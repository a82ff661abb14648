import sys

from fastconnect.cli import main

sys.exit(main())
