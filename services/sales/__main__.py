"""Sales (order) service: python -m services.sales api|consumer|relay|migrate|declare."""
from services.sales.bootstrap import root
from shared.service import run_main

run_main(root)
