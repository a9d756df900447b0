"""python -m services.sales api|consumer|relay|migrate|declare (shared.service.ServiceRoot.main;
the service's own commands are declared in its bootstrap)."""

from services.sales.bootstrap import root
from shared.service import run_main

run_main(root)
