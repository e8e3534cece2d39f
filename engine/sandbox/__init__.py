"""The sandbox: a mini Kafka cluster on 127.0.0.1 that real clients use (DESIGN.md section 3).

One Kafka concept per module, named as Kafka names it:
protocol (the codec adapter), errors, records (batch headers, control batches), network
(SocketServer), kafka_apis + request_handlers + core_handlers + group_handlers + transaction_handlers
(KafkaApis), group_coordinator and transaction_coordinator (with their metadata, state managers and
coordinator_timer),
log (UnifiedLog + offset index + leader epoch cache), producer_state (ProducerStateManager),
partition (Partition: HW, ISR, delayed produce), replica_manager (ReplicaManager),
replica_fetcher (ReplicaFetcherThread), controller, broker, cluster, faults, events, and
sandbox (the synchronous `Sandbox` facade).
"""

from engine.sandbox.config import SandboxConfig
from engine.sandbox.common.errors import Errors
from engine.sandbox.events import Event
from engine.sandbox.sandbox import ConsumedRecord, Sandbox

__all__ = ["ConsumedRecord", "Errors", "Event", "Sandbox", "SandboxConfig"]
