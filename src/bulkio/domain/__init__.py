"""The pure core of bulkio: resources, validation, upsert policy and the job state machine."""
