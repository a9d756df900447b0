"""python -m services.tracking api|consumer|relay|migrate|declare|rebuild"""

from services.tracking.bootstrap import root
from shared.service import run_main

run_main(root)
