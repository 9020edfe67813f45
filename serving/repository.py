"""The versions of the one model a server serves: the production version, a running canary, and any version a
request pins, loaded from the model folder (TF Serving layout plus core/versions.py's rollback pin and canary).

A background thread watches the folder and loads a new production version completely before swapping it in;
requests in flight keep the version they started with, so none is dropped.
"""
import collections
import logging
import os
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, Mapping, Optional

from core import versions
from serving.routing import CanarySplit

if TYPE_CHECKING:
    from serving.model import LoadedModel

logger = logging.getLogger("adapt.serving")


def settle_garbage() -> None:
    """Collects what is garbage now, then leaves every object alive out of later collections (gc.freeze).

    With TensorFlow and a model loaded a process holds some 355,000 objects (the taxi trees); every full
    collection walked them all, a pause of about 160 ms that was a loaded server's p99 (180 ms against 29 ms
    with them frozen, 20 clients). Called after each model load, so what an unloaded version leaves is
    collected at the next load.
    """
    import gc
    gc.unfreeze()
    gc.collect()
    gc.freeze()


@dataclass(frozen=True)
class Canary:
    """A canary version served beside the stable one."""
    model: "LoadedModel"
    record: Mapping[str, Any]   # canary.json as read (core/versions.py): a changed record is a new canary
    split: CanarySplit

    @classmethod
    def of(cls, model: "LoadedModel", record: Mapping[str, Any]) -> "Canary":
        return cls(model, record, CanarySplit(record["traffic"], bool(record.get("shadow"))))


class ModelRepository:
    """Holds the production version of one model and reloads it when it changes."""

    def __init__(self, base_path: str, name: str, poll_seconds: float = 2.0, cache_size: int = 3):
        self.base_path = str(base_path)
        self.name = name
        self.poll_seconds = poll_seconds
        self._current: Optional["LoadedModel"] = None
        self._by_version: "collections.OrderedDict[int, LoadedModel]" = collections.OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self.last_error = ""
        self.reloads = 0
        self._failed: Dict[int, float] = {}   # version -> its folder's mtime when it failed to load
        self._canary: Optional[Canary] = None

    @property
    def current(self) -> Optional["LoadedModel"]:
        return self._current

    @property
    def canary(self) -> Optional[Canary]:
        return self._canary

    def _load(self, version: int) -> "LoadedModel":
        from serving.model import load_model  # TensorFlow only where a model is loaded
        with self._lock:
            cached = self._by_version.get(version)
        if cached is not None:
            return cached
        model = load_model(versions.version_path(self.base_path, version), version)
        settle_garbage()
        with self._lock:
            self._by_version[version] = model
            while len(self._by_version) > self._cache_size:
                oldest = next(iter(self._by_version))
                if self._current is not None and oldest == self._current.version:
                    self._by_version.move_to_end(oldest)
                    oldest = next(iter(self._by_version))
                self._by_version.pop(oldest)
        return model

    def refresh(self) -> bool:
        self._refresh_canary()
        return self._refresh_production()

    def _refresh_canary(self) -> None:
        record = versions.read_canary(self.base_path)
        if record is None or (self._canary is not None and self._canary.record == record):
            self._canary = None if record is None else self._canary
            return
        try:
            self._canary = Canary.of(self._load(record["version"]), record)
            logger.info("canary: version %s for %s of requests%s beside version %s", record["version"],
                        f"{record['traffic']:.0%}", " (shadow)" if record.get("shadow") else "",
                        record["stable_version"])
        except Exception as err:  # the stable version keeps every request
            self._canary = None
            self.last_error = f"canary version {record['version']} failed to load: {err}"
            logger.error(self.last_error)
    def _refresh_production(self) -> bool:
        """Loads the production version if it changed; True when a new version was swapped in.

        A version that fails to load (a folder copied by hand that only looks whole) is logged once, in one line
        naming its folder, and not tried again until its folder changes; the version loaded before keeps serving,
        and with none loaded yet the newest version that loads serves."""
        wanted = versions.production_version(self.base_path)
        if wanted is None and self._current is None:
            broken = versions.broken_versions(self.base_path)
            if broken:  # said at once, so that a caller waiting for /healthz stops waiting
                version, problem = max(broken.items())
                self.last_error = (f"version {version} ({versions.version_path(self.base_path, version)}) failed to "
                                   f"load: {problem}; no other version to serve")
        if wanted is None or (self._current is not None and self._current.version == wanted):
            return False
        candidates = [wanted] if self._current is not None else \
            [v for v in reversed(versions.list_versions(self.base_path)) if v <= wanted]
        for version in candidates:
            if self._failed.get(version) == self._stamp(version):
                continue
            try:
                model = self._load(version)
            except Exception as err:  # keep serving the old version; say why, once
                self._failed[version] = self._stamp(version)
                serving = f"still serving version {self._current.version}" if self._current else "trying older versions"
                first_line = (str(err).strip().splitlines() or [type(err).__name__])[0]
                self.last_error = (f"version {version} ({versions.version_path(self.base_path, version)}) failed to "
                                   f"load: {first_line}; {serving}")
                logger.error(self.last_error)
                continue
            return self._swap(model)
        return False

    def _stamp(self, version: int) -> float:
        """When a version's folder last changed: a failed version is tried again once it does."""
        try:
            return os.stat(versions.version_path(self.base_path, version)).st_mtime
        except OSError:
            return 0.0

    def _swap(self, model: "LoadedModel") -> bool:
        wanted = model.version
        self._current = model  # one reference swap: requests in flight keep their model
        self.last_error = ""
        self.reloads += 1
        logger.info("serving %s version %s (loaded in %.2fs)", self.name, wanted, model.load_seconds)
        return True

    def version(self, version: int) -> "LoadedModel":
        if version not in versions.list_versions(self.base_path):
            raise versions.VersionError(f"model {self.name} has no version {version}")
        return self._load(version)

    def start(self) -> None:
        self.refresh()
        self._thread = threading.Thread(target=self._watch, name="model-watcher", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            try:
                self.refresh()
            except Exception as err:  # a broken folder must not kill the watcher
                self.last_error = str(err)
                logger.exception("model watcher")

    def stop(self) -> None:
        self._stop.set()
