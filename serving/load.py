"""A bounded load generator for the model server: N concurrent clients x M predict requests each.

Each client keeps one HTTP/1.1 connection (as a real client pool would) and
records every request's status and latency. Used by the serving tests (zero
failed requests during a hot reload) and by benchmarks/serving_load.py.
"""
import http.client
import json
import statistics
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional


@dataclass
class LoadResult:
    requests: int = 0
    failures: List[str] = field(default_factory=list)
    latencies: List[float] = field(default_factory=list)
    versions: Dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

    def summary(self) -> Dict[str, float]:
        return {"requests": self.requests, "failed": len(self.failures), "seconds": round(self.seconds, 2),
                "requests_per_second": round(self.requests_per_second, 1),
                "p50_ms": round(self.percentile(0.50) * 1000, 1), "p99_ms": round(self.percentile(0.99) * 1000, 1),
                "mean_ms": round(statistics.mean(self.latencies) * 1000, 1) if self.latencies else None,
                "versions": dict(self.versions)}


def run_load(port: int, model: str, body: dict, clients: int = 20, requests_per_client: int = 200,
             during: Optional[Callable[[], None]] = None, host: str = "127.0.0.1") -> LoadResult:
    """Fires the load; `during` runs in its own thread once the clients are going (e.g. a hot reload)."""
    payload = json.dumps(body).encode()
    result = LoadResult()
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)

    def client():
        connection = http.client.HTTPConnection(host, port, timeout=30)
        start.wait()
        for _ in range(requests_per_client):
            began = time.perf_counter()
            try:
                connection.request("POST", f"/v1/models/{model}:predict", payload,
                                   {"Content-Type": "application/json"})
                response = connection.getresponse()
                data = response.read()
                ok = response.status == 200 and "predictions" in json.loads(data)
                version = response.getheader("X-Model-Version", "?")
                problem = None if ok else f"HTTP {response.status}: {data[:200]!r}"
            except Exception as err:  # a dropped connection is a failed request
                problem, version = f"{type(err).__name__}: {err}", "?"
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=30)
            elapsed = time.perf_counter() - began
            with lock:
                result.requests += 1
                result.latencies.append(elapsed)
                result.versions[version] = result.versions.get(version, 0) + 1
                if problem:
                    result.failures.append(problem)
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    start.wait()
    side = threading.Thread(target=during) if during else None
    if side:
        side.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - began
    if side:
        side.join()
    return result
