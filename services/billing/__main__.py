"""python -m services.billing api|consumer|relay|migrate|declare"""
from services.billing.bootstrap import root
from shared.service import run_main

run_main(root)
