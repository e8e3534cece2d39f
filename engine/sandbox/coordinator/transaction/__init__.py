"""Transactions (KIP-98): entry point `transaction_coordinator.TransactionCoordinator`
(InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, EndTxn, markers), over
`transaction_metadata` (a transactional id's state machine) and `transaction_state_manager`
(what `__transaction_state` would hold)."""
