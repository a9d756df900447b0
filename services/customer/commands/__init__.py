"""The customer service's commands: each public function of the modules here is one
business flow in ONE transaction (`ServiceContext.transaction`): the visibility and
duplicate checks, the rules of `domain/`, the SQL (here or in `store.py`) and the events to
the outbox. The views under `api/` parse the request, call one command and render what it
returns; they write nothing themselves."""
