"""The worker runtime: tasks, the Kafka clients around them, and the per-message hot paths."""
