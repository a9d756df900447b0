"""python -m services.tracking api|consumer|relay|migrate|declare|rebuild|webhooks (shared.service.ServiceRoot.main;
the service's own commands are declared in its bootstrap)."""

from services.tracking.bootstrap import root
from shared.service import run_main

run_main(root)
