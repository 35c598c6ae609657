"""Use cases: what bulkio does, in terms of the domain and the ports only."""
