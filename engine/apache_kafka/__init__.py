"""Real Apache Kafka beside the sandbox: the oracle the sandbox is measured against.

- release.py: the pinned Kafka release (pom.xml beside it), its jars through Maven, java/mvn discovery;
- cluster.py: `KafkaCluster`, N KRaft nodes on 127.0.0.1 driven through the Sandbox's contract
  (engine.runs.backend.ClusterBackend): topics, leaders, records, and the same faults;
- proxy.py: the Kafka-aware TCP proxy in front of each node that injects lost acks and dropped
  requests, pauses replication, and reports request/response/append events.
"""

from typing import Any

from engine.apache_kafka.release import MissingTool, find_tools, kafka_missing, kafka_version, resolve_classpath

__all__ = ["ConsumedRecord", "KafkaCluster", "KafkaUnavailable", "MissingTool", "find_tools", "kafka_missing",
           "kafka_version", "resolve_classpath"]

_FROM_CLUSTER = {"ConsumedRecord", "KafkaCluster", "KafkaUnavailable"}


def __getattr__(name: str) -> Any:
    # The cluster (and the proxy it imports) load on first use: a quarter of a second of imports
    # that the app's run panel, asking only whether java and mvn are there, does not need.
    if name in _FROM_CLUSTER:
        from engine.apache_kafka import cluster

        return getattr(cluster, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
