"""Real Apache Kafka beside the sandbox: the oracle the sandbox is measured against.

- release.py: the pinned Kafka release (pom.xml beside it), its jars through Maven, java/mvn discovery;
- cluster.py: `KafkaCluster`, N KRaft nodes on 127.0.0.1 driven through the Sandbox's contract
  (engine.runs.backend.ClusterBackend): topics, leaders, records, and the same faults;
- proxy.py: the Kafka-aware TCP proxy in front of each node that injects lost acks and dropped
  requests, pauses replication, and reports request/response/append events.
"""

from engine.apache_kafka.cluster import ConsumedRecord, KafkaCluster, KafkaUnavailable
from engine.apache_kafka.release import MissingTool, find_tools, kafka_version, resolve_classpath

__all__ = ["ConsumedRecord", "KafkaCluster", "KafkaUnavailable", "MissingTool", "find_tools", "kafka_version",
           "resolve_classpath"]
