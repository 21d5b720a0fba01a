"""``python -m solar_api.local serve``: run the embedded local backend until Ctrl-C."""

from . import main

raise SystemExit(main())
