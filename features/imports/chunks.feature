Feature: One import on many workers
  An import whose file is larger than JOB_CHUNK_BYTES is split into chunk jobs, each a range of
  the file's rows, which any workers import at once. It is still one job: one total, its row
  errors at their rows in the whole file, one report, and it ends when its last chunk ends.

  Scenario: A large file is imported by chunk jobs and counts as one job
    Given import jobs split files larger than 80000 bytes into chunk jobs
    And a file "users.csv" with 5 users whose email is invalid and 5995 valid users
    When I import "users.csv" as users
    Then the import job is completed
    And the import job was split into 3 chunk jobs
    And the import job counts:
      | total | processed | created | updated | skipped | failed |
      | 6000  | 6000      | 5995    | 0       | 0       | 5      |
    And the row errors are:
      | row | field | code           |
      | 1   | email | invalid_format |
      | 2   | email | invalid_format |
      | 3   | email | invalid_format |
      | 4   | email | invalid_format |
      | 5   | email | invalid_format |
    And 5995 users are stored

  Scenario: A file whose chunks would hold one email twice is imported as one job
    The rows of one key must apply in file order, which chunks running at once cannot promise.

    Given import jobs split files larger than 80000 bytes into chunk jobs
    And a file "users.csv" of 6000 users whose last row repeats the first email
    When I import "users.csv" as users
    Then the import job is completed
    And the import job was not split
    And the import job counts:
      | processed | created | updated | skipped | failed |
      | 6000      | 5999    | 0       | 1       | 0      |
    And the stored users include:
      | email             | name         | role   |
      | user1@example.com | User 1 again | editor |
