import sys

from itsm.cli import main

sys.exit(main())
