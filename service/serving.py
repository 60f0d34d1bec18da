"""What the scorer serves with, and swapping it without a restart.

A :class:`Serving` bundles the live model, the policy built on its thresholds and an optional
shadow model. The scorer reads one reference per request, so a swap is atomic: a request is
scored wholly by the old bundle or wholly by the new. :class:`ModelManager` loads artifacts
(refusing broken or spec-mismatched ones, which leaves the old bundle serving), swaps, and can
watch the live artifact's directory for a new export.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from service.config import FailMode
from service.domain import EventType
from service.errors import ModelError
from service.model import LoadedModel, load_model
from service.policy import Policy, PolicyConfig
from service.policy.envelope import Envelope

logger = logging.getLogger(__name__)

# How long a replaced model stays open for requests that started with it.
RETIRE_AFTER_S = 30.0


@dataclass(frozen=True, slots=True)
class Serving:
    """The live model with its policy, and an optional shadow model with its own."""

    live: LoadedModel
    policy: Policy
    shadow: LoadedModel | None = None
    shadow_policy: Policy | None = None


@dataclass(frozen=True, slots=True)
class ModelStatus:
    """Which artifacts are loaded."""

    live_version: str
    live_path: str
    shadow_version: str
    shadow_path: str


class ModelManager:
    """Loads artifacts and swaps what the scorer serves, atomically; thread-safe."""

    def __init__(
        self,
        live: LoadedModel,
        policy_config: PolicyConfig,
        fail_modes: Mapping[EventType, FailMode],
        shadow: LoadedModel | None = None,
    ) -> None:
        self._config = policy_config
        self._fail_modes = dict(fail_modes)
        self._subscribers: list[Callable[[Serving, Serving | None], None]] = []
        self._lock = threading.Lock()
        self._serving = Serving(
            live,
            self.policy_for(live),
            shadow,
            self.policy_for(shadow) if shadow else None,
        )
        self._watch_stop = threading.Event()
        self._watcher: threading.Thread | None = None

    @property
    def serving(self) -> Serving:
        """The current bundle."""
        return self._serving

    def subscribe(self, callback: Callable[[Serving, Serving | None], None]) -> None:
        """Call ``callback(new, old)`` on every swap, and now with the current bundle."""
        self._subscribers.append(callback)
        callback(self._serving, None)

    def policy_for(self, model: LoadedModel) -> Policy:
        """The policy for a model: its thresholds under the operator's overrides and rules."""
        thresholds = {t: model.entry(t).thresholds for t in EventType}
        return Policy(thresholds, self._config, self._fail_modes, model_envelopes(model))

    def status(self) -> ModelStatus:
        """Versions and paths of the loaded artifacts."""
        s = self._serving
        return ModelStatus(
            live_version=s.live.version,
            live_path=str(s.live.directory),
            shadow_version=s.shadow.version if s.shadow else "",
            shadow_path=str(s.shadow.directory) if s.shadow else "",
        )

    def load_live(self, directory: Path) -> ModelStatus:
        """Load an artifact and make it live; raises ModelError and keeps the old on failure."""
        model = load_model(directory)
        with self._lock:
            old = self._serving
            self._swap(replace(old, live=model, policy=self.policy_for(model)), old)
            self._retire(old.live)
        logger.info(
            "live model %s loaded from %s (was %s)", model.version, directory, old.live.version
        )
        return self.status()

    def load_shadow(self, directory: Path | None) -> ModelStatus:
        """Load an artifact as the shadow (``None`` removes the shadow)."""
        model = load_model(directory) if directory is not None else None
        with self._lock:
            old = self._serving
            policy = self.policy_for(model) if model else None
            self._swap(replace(old, shadow=model, shadow_policy=policy), old)
            if old.shadow is not None:
                self._retire(old.shadow)
        logger.info("shadow model set to %s", model.version if model else "none")
        return self.status()

    def promote_shadow(self) -> ModelStatus:
        """Make the shadow live; the old live model is retired. ModelError without a shadow."""
        with self._lock:
            old = self._serving
            if old.shadow is None or old.shadow_policy is None:
                raise ModelError("there is no shadow model to promote")
            self._swap(Serving(old.shadow, old.shadow_policy), old)
            self._retire(old.live)
        logger.info("shadow model %s promoted to live", old.shadow.version)
        return self.status()

    def _swap(self, new: Serving, old: Serving) -> None:
        self._serving = new
        for callback in self._subscribers:
            callback(new, old)

    @staticmethod
    def _retire(model: LoadedModel) -> None:
        timer = threading.Timer(RETIRE_AFTER_S, model.close)
        timer.daemon = True
        timer.start()

    # -- watching the live artifact -------------------------------------------------------------

    def watch(self, directory: Path, interval_s: float) -> None:
        """Reload the live model whenever ``directory``'s manifest changes (polled)."""
        self._watcher = threading.Thread(
            target=self._watch, args=(directory, interval_s), name="model-watch", daemon=True
        )
        self._watcher.start()

    def _watch(self, directory: Path, interval_s: float) -> None:
        seen = _stamp(directory)
        while not self._watch_stop.wait(interval_s):
            stamp = _stamp(directory)
            if stamp == seen or stamp is None:
                continue
            seen = stamp
            try:
                self.load_live(directory)
            except ModelError as exc:
                logger.error(
                    "new artifact in %s refused, the old model keeps serving: %s", directory, exc
                )

    def close(self) -> None:
        """Stop watching and close every loaded model."""
        self._watch_stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)
        s = self._serving
        s.live.close()
        if s.shadow is not None:
            s.shadow.close()


def model_envelopes(model: LoadedModel) -> dict[EventType, Envelope]:
    """The legitimate envelopes an artifact's training recorded (none for older artifacts)."""
    recorded = model.manifest.raw.get("training", {}).get("envelope", {})
    return {t: Envelope.from_limits(t, recorded[t.value]) for t in EventType if t.value in recorded}


def _stamp(directory: Path) -> tuple[int, int, int] | None:
    try:
        st = (directory / "manifest.json").stat()
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)
