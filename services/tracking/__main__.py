"""python -m services.tracking api|consumer|relay|migrate|declare|rebuild"""

import sys

from services.tracking.bootstrap import root
from shared.service import run_main

if len(sys.argv) > 1 and sys.argv[1] == "rebuild":
    from services.tracking.rebuild import rebuild
    from shared.db import make_engine
    from shared.logs import configure_logging

    configure_logging("tracking")
    engine = make_engine(root.settings().database_url, pool_size=1)
    count = rebuild(engine)
    print(f"rebuilt read models from {count} events")
    sys.exit(0)

run_main(root)
