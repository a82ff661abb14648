"""Dev/test services started by the project itself.

Integration tests and benchmarks run against real servers on 127.0.0.1 (Apache Kafka,
Kafka Connect, S3, OpenSearch, ...), never mocks. Each module here installs what its
server needs on first use, caches it under ``~/.cache/fastconnect`` (or
``$FASTCONNECT_CACHE_DIR``), starts the server, waits until it answers and stops it.
"""


class ServiceError(RuntimeError):
    """A dev/test service could not be installed, started or stopped.

    The first line of the message says what failed; any following lines are the tail of
    the tool's or server's own output, which is usually where the real cause is.
    """
