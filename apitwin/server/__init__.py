"""apitwin's request pipeline: its layers around Connexion's (see the order at the top of apitwin/app.py and in
docs/architecture.md), the request state they share, per-operation plans, one error renderer, and the one module
that patches Connexion internals."""
