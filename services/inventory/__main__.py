from services.inventory.bootstrap import root
from shared.service import run_main

run_main(root)
