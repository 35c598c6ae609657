Feature: Export files are kept for a while
  The file of an export job is kept for EXPORT_TTL_MS. After that the maintenance, which every
  bulkio process runs, deletes it, and the job no longer offers a file to download.

  Scenario: An export file is deleted once it has expired
    Given bulkio keeps export files for 1 millisecond
    And these users exist:
      | email            | name     | role  |
      | john@example.com | John Doe | admin |
    When I export users to a stored file
    And the maintenance runs
    Then the export job has no file any more
