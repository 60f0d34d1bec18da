"""How the served model behaves on live traffic, set against what its training saw.

::

    drift.py    histograms on fixed bins, the population stability index and its reading
    queries.py  the decision log's aggregates (score bins, first and any reason codes, the
                model versions that decided): SQL in the database, SQLite and PostgreSQL
    facts.py    what a model directory says of itself (version, trained when, spec, thresholds,
                the training report's score distribution)
    core.py     ModelMonitor: one report for the console's model page

Read-only: it never writes the store and never loads a booster.
"""

from __future__ import annotations

from service.monitor.core import ModelMonitor, ModelReport

__all__ = ["ModelMonitor", "ModelReport"]
