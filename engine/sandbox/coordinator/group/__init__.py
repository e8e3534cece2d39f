"""The classic consumer-group protocol: entry point `group_coordinator.GroupCoordinator` (join,
sync, heartbeat, leave, offset commit and fetch), over `group_metadata` (a group's state machine
and members) and `group_metadata_manager` (what `__consumer_offsets` would hold)."""
