"""python -m services.customer api|consumer|relay|migrate|declare|worker

The import worker runs inside the consumer process (a thread) so the standard Procfile
needs nothing new; `worker` runs it alone (to scale imports separately)."""

import signal
import sys
import threading

from services.customer.bootstrap import import_worker, root
from shared.logs import configure_logging
from shared.metrics import serve_process
from shared.service import run_main

command = sys.argv[1] if len(sys.argv) > 1 else ""
if command == "worker":
    configure_logging("customer", "worker")
    serve_process("customer", "worker")  # on CRM_METRICS_PORT when set
    worker = import_worker()
    signal.signal(signal.SIGTERM, lambda *_: worker.stop())
    signal.signal(signal.SIGINT, lambda *_: worker.stop())
    worker.run()
    sys.exit(0)
if command == "consumer":
    threading.Thread(target=import_worker().run, name="import-worker", daemon=True).start()
run_main(root)
