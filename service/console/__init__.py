"""The ops web console: queue, case, campaign, rules and model pages over the cores.

::

    state.py     Console: the parts every page uses
    app.py       build the Starlette app from the cores (the one place that wires routes)
    sessions.py  login sessions (server side), CSRF tokens, the signed-in principal
    errors.py    domain errors -> HTTP status, in one place
    svg.py       the campaign's hourly timeline as a server-rendered SVG
    charts.py    the model page's score distributions (live vs training) as step lines in SVG
    views/       one module per page family: auth, queue and cases, campaigns, rules, model
    templates/   Jinja2;  static/  CSS and a small keyboard/countdown script, no build step
    serve.py     `signupguard console`: Settings -> engine -> cores -> uvicorn

It never touches the store: every read and change goes through :class:`ReviewCore`,
:class:`Reviewers`, :class:`RulesCore` and :class:`ModelMonitor` (read-only), which hold the
rules (roles included).
"""

from __future__ import annotations

from service.console.app import build_app
from service.console.state import Console

__all__ = ["Console", "build_app"]
