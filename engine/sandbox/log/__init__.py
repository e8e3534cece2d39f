"""A partition's storage (Kafka's `storage` module): entry point `unified_log.Log`, the
append-only record-batch log with its offset index and leader-epoch cache, and
`producer_state.ProducerStateManager`, which tracks each idempotent producer's sequence numbers
and open transactions (KIP-98)."""
