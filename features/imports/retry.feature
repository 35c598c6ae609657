Feature: Retrying an import safely with an idempotency key
  A program that cannot tell whether its import went through sends it again with the same
  idempotency key: bulkio creates the import job once and answers with that job again. The key
  cannot be reused for a different import.

  Background:
    Given a file "users.csv" with:
      """
      email,name,role,active
      john@example.com,John Doe,admin,true
      """
    And a file "other-users.csv" with:
      """
      email,name,role,active
      jane@example.com,Jane Smith,editor,true
      """

  Scenario: The same import sent twice under one key makes one import job
    When I import "users.csv" as users with the idempotency key "nightly-2024-01-15"
    And I import "users.csv" as users again with the idempotency key "nightly-2024-01-15"
    Then both imports are the same import job
    And there is 1 import job

  Scenario: A key already used for another file is refused
    When I import "users.csv" as users with the idempotency key "nightly-2024-01-15"
    And I try to import "other-users.csv" as users with the idempotency key "nightly-2024-01-15"
    Then the request is refused because "was already used for a different request"
    And there is 1 import job
