"""python -m services.inventory api|consumer|relay|migrate|declare|stock-check|stock-rebuild|worker
(shared.service.ServiceRoot.main; the service's own commands are declared in its bootstrap)."""

from services.inventory.bootstrap import root
from shared.service import run_main

run_main(root)
