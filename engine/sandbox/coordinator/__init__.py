"""Coordinators (Kafka's `kafka.coordinator`): `group.group_coordinator.GroupCoordinator`
(consumer groups and committed offsets) and `transaction.transaction_coordinator.TransactionCoordinator`
(transactional ids, producer epochs, commit and abort), sharing `timer` for their delayed operations."""
