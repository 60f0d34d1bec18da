"""What every page uses: the cores, the sessions and the templates (on ``app.state.console``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.templating import Jinja2Templates

from service.console.sessions import Sessions
from service.monitor import ModelMonitor
from service.review.core import ReviewCore
from service.review.reviewers import Reviewers
from service.rules.core import RulesCore


@dataclass
class Console:
    """The console's parts; ``rules`` None means no rules page, ``monitor`` None no model page."""

    review: ReviewCore
    reviewers: Reviewers
    rules: RulesCore | None
    sessions: Sessions
    templates: Jinja2Templates
    monitor: ModelMonitor | None = None
    now: Callable[[], float] = field(default=time.time)
