Feature: Retrying safely with an Idempotency-Key
  A client that is not sure its request went through sends it again with the same key: the
  import job is created once, and the retry is answered with that same job.

  Background:
    Given the service is running with the API keys "team-key, other-key"

  Scenario: A retried upload is answered with the original import job
    When the client uploads the sample users with the Idempotency-Key "import-users-2024-01-15"
    And the client uploads the sample users with the Idempotency-Key "import-users-2024-01-15"
    Then the second answer replays the first import job
    And there is 1 import job

  Scenario: The same key with a different file is refused
    When the client uploads the sample users with the Idempotency-Key "import-users-2024-01-15"
    And the client uploads other users with the Idempotency-Key "import-users-2024-01-15"
    Then the client is refused as "idempotency-key-reused"

  Scenario: Keys of different API keys do not meet
    When the client uploads the sample users with the Idempotency-Key "nightly"
    And another client with the API key "other-key" uploads the sample users with the Idempotency-Key "nightly"
    Then there are 2 import jobs
