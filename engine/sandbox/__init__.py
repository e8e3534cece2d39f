"""The sandbox: a mini Kafka cluster on 127.0.0.1 that real clients (librdkafka, kafka-python)
talk to over Kafka's wire protocol, with faults a lesson can inject.

Entry point: `sandbox.Sandbox`, the synchronous facade lessons, runners, tests and the CLI use
(start/stop, topics, brokers, faults, events, what a consumer would read). It runs a
`cluster.Cluster` on its own asyncio loop; the Cluster is the wiring: it builds the brokers,
holds what they share (the controller's metadata, the internal topics' state, producer ids),
elects the coordinators when a broker starts or stops, and writes transaction markers.

Packages, one Kafka concept per module and named as Kafka names it:
- `common`: the wire codec over kafka-python (`protocol`), error codes (`errors`), record-batch
  headers and control batches (`records`);
- `network`: `SocketServer`, size-prefixed frames on 127.0.0.1;
- `log`: the partition log with its offset index and leader-epoch cache (`unified_log`), and the
  idempotent and transactional producer state (`producer_state`);
- `replication`: `Partition` (high watermark, ISR, delayed produce), `ReplicaManager`, the
  follower fetcher (`replica_fetcher`);
- `server`: `Broker` (`broker_server`), request dispatch (`kafka_apis`), the API table
  (`api_handlers`) and its handlers (`core_apis`, `group_apis`, `transaction_apis`), the KRaft
  controller's metadata (`controller`);
- `coordinator`: the consumer-group coordinator (`group`), the transaction coordinator
  (`transaction`) and the `timer` both run on.
Beside them: `config` (SandboxConfig, named after broker configs), `faults` (lost acks, dropped
requests) and `events` (the event log lessons show).
"""

from engine.sandbox.config import LOOPBACK, SandboxConfig
from engine.sandbox.common.errors import Errors
from engine.sandbox.events import Event
from engine.sandbox.sandbox import ConsumedRecord, Sandbox

__all__ = ["LOOPBACK", "ConsumedRecord", "Errors", "Event", "Sandbox", "SandboxConfig"]
