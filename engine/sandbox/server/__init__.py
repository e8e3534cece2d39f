"""The broker (Kafka's `kafka.server`): entry point `broker_server.Broker`, which builds its socket
server, replica manager, request dispatcher (`kafka_apis.KafkaApis`) and group and transaction
coordinators. The API table (`api_handlers.API_HANDLERS`) maps each API to its versions and
handler; the handlers themselves live in `core_apis`, `group_apis` and `transaction_apis`;
`controller` is the cluster's metadata (topics, partition leaders, ISR), as the KRaft controller
keeps it."""
