"""The model server's Prometheus metrics (GET /metrics), in a registry of the server's own."""
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

CONTENT_TYPE = "text/plain; version=0.0.4"


class ServerMetrics:
    def __init__(self):
        self.registry = CollectorRegistry()
        self.requests = Counter("adapt_requests_total", "HTTP requests", ["endpoint", "code"], registry=self.registry)
        self.predict_latency = Histogram("adapt_predict_latency_seconds", "Predict latency", registry=self.registry)
        self.predicted_instances = Counter("adapt_predicted_instances_total", "Instances predicted",
                                           registry=self.registry)
        self._serving_version = Gauge("adapt_serving_version", "Production version being served",
                                      registry=self.registry)
        self._reloads = Gauge("adapt_model_reloads", "Versions loaded since start", registry=self.registry)
        self._log_dropped = Gauge("adapt_prediction_log_dropped_lines",
                                  "Prediction log lines lost (a full queue or disk)", registry=self.registry)
        self.batch_rows = Histogram("adapt_batch_rows", "Rows per model call", registry=self.registry,
                                    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024))
        self.predicted_ok = self.requests.labels("predict", "200")  # labelled once: every answered predict counts

    def count(self, endpoint: str, status: int) -> None:
        self.requests.labels(endpoint, str(status)).inc()

    def exposition(self, serving_version: int, reloads: int, log_dropped_lines: int) -> str:
        """Every metric in Prometheus' text format, the gauges set to these readings first."""
        self._serving_version.set(serving_version)
        self._reloads.set(reloads)
        self._log_dropped.set(log_dropped_lines)
        return generate_latest(self.registry).decode()
