"""python -m services.customer api|consumer|relay|migrate|declare|worker|overdue-check|scheduler (shared.service.ServiceRoot.main;
the service's own commands are declared in its bootstrap)."""

from services.customer.bootstrap import root
from shared.service import run_main

run_main(root)
