"""The network layer (Kafka's `kafka.network`): entry point `socket_server.SocketServer`, which
accepts connections on 127.0.0.1, reads size-prefixed frames and hands each to the broker's
request handler, one request at a time per connection, as Kafka does."""
