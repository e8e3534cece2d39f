"""Replication (Kafka's `ReplicaManager`, `Partition` and `ReplicaFetcherThread`): entry point
`replica_manager.ReplicaManager`, one per broker, which owns the broker's partitions, appends
with the requested acks, and runs the follower fetchers that move the high watermark and the ISR."""
