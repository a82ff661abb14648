"""fastconnect: Kafka Connect for Python, moving records in Apache Arrow batches."""

__version__ = "0.1.0"
