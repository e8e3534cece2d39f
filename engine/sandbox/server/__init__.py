"""The broker (Kafka's `kafka.server`): entry point `broker_server.Broker`, which owns a socket
server, a replica manager and a request dispatcher (`kafka_apis.KafkaApis`). The handler table
(`api_handlers`) maps each API key to its versions and handler; the handlers themselves live in
`core_apis`, `group_apis` and `transaction_apis`; `controller` is the cluster's metadata
(topics, partition leaders, ISR), as the KRaft controller keeps it."""
