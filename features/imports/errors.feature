Feature: Row errors and the error report
  An import job never stops at a bad row: the valid rows are imported, each invalid row is
  reported with its row number, field, code and value, the first 100 errors are shown on the
  job, and every failed row can be downloaded, corrected and imported again.

  Background:
    Given a file "users.csv" with:
      """
      email,name,role,active
      john@example.com,John Doe,admin,true
      bad-email,Bad Email,reader,true
      jane@example.com,Jane Smith,superuser,true
      bob@example.com,,reader,false
      amy@example.com,Amy Lee,author,perhaps
      zoe@example.com,Zoe Ray,editor,
      """

  Rule: Valid rows are imported and each invalid row is reported

    Scenario: A file of valid and invalid users
      When I import "users.csv" as users
      Then the import job is completed
      And the import job counts:
        | total | processed | successful | created | failed | skipped |
        | 6     | 6         | 2          | 2       | 4      | 0       |
      And the row errors are:
        | row | field  | code           | value     | message                                                            |
        | 2   | email  | invalid_format | bad-email | Invalid email format                                               |
        | 3   | role   | invalid_enum   | superuser | Invalid role: must be one of admin, manager, author, editor, reader |
        | 4   | name   | required       |           | name is required                                                   |
        | 5   | active | invalid_type   | perhaps   | Must be a boolean (true or false)                                  |
      And the stored users are:
        | email            | name     | role   | active |
        | john@example.com | John Doe | admin  | true   |
        | zoe@example.com  | Zoe Ray  | editor | true   |

    Scenario: A row with several problems reports each of them and counts once
      Given a file "broken.csv" with:
        """
        email,name,role,active
        not-an-email,,root,sometimes
        """
      When I import "broken.csv" as users
      Then the import job counts:
        | processed | failed |
        | 1         | 1      |
      And the row errors are:
        | row | field  | code           | value        |
        | 1   | email  | invalid_format | not-an-email |
        | 1   | name   | required       |              |
        | 1   | role   | invalid_enum   | root         |
        | 1   | active | invalid_type   | sometimes    |

    Scenario: Only the first 100 errors are shown on the job, but every one is counted and kept
      Given a file "many.csv" with 150 users whose email is invalid and 20 valid users
      When I import "many.csv" as users
      Then the import job is completed
      And the import job counts:
        | processed | created | failed |
        | 170       | 20      | 150    |
      And the import job shows the first 100 errors
      And all 150 errors of the import job can be listed
      When I download the error report as csv
      Then the error report has 150 rows

  Rule: No value ends the job: what cannot be converted or stored is that row's error

    Scenario: NUL characters, numbers too long, dates off the calendar and nested values fail only their rows
      Given these users exist:
        | id                                   | email              | name   | role   |
        | 11111111-1111-4111-8111-111111111111 | author@example.com | Author | author |
      And a file "articles.ndjson" with:
        """
        {"slug": "one", "title": "One", "body": "one two three four five six seven eight nine ten", "author_id": "11111111-1111-4111-8111-111111111111", "status": "draft"}
        {"slug": "two", "title": "T\u0000wo", "body": "one two three four five six seven eight nine ten", "author_id": "11111111-1111-4111-8111-111111111111", "status": "draft"}
        {"slug": "three", "title": "Three", "body": "one two three four five six seven eight nine ten", "author_id": "11111111-1111-4111-8111-111111111111", "status": "published", "published_at": "0001-01-01T00:00:00+01:00"}
        {"slug": "four", "title": "Four", "body": "one two three four five six seven eight nine ten", "author_id": "11111111-1111-4111-8111-111111111111", "status": "draft", "tags": [["nested"]]}
        {"slug": "five", "title": {"text": "Five"}, "body": "one two three four five six seven eight nine ten", "author_id": "11111111-1111-4111-8111-111111111111", "status": "draft"}
        {"slug": "six", "title": "Six", "body": "one two three four five six seven eight nine ten", "author_id": "11111111-1111-4111-8111-111111111111", "status": "published", "published_at": "9999-12-31T23:59:59Z"}
        """
      When I import "articles.ndjson" as articles
      Then the import job is completed
      And the import job counts:
        | processed | created | failed |
        | 6         | 2       | 4      |
      And the row errors are:
        | row | field        | code              |
        | 2   | title        | invalid_character |
        | 3   | published_at | invalid_format    |
        | 4   | tags         | invalid_type      |
        | 5   | title        | invalid_type      |
      And the stored articles are:
        | slug | title |
        | one  | One   |
        | six  | Six   |

  Rule: The error report holds each failed row with why it failed, ready to correct and import again

    Scenario Outline: The error report in <format> lists each failed row once with its values
      When I import "users.csv" as users
      And I download the error report as <format>
      Then the error report lists:
        | _error_row | _error_field | _error_code    | email            | name      | role      | active  |
        | 2          | email        | invalid_format | bad-email        | Bad Email | reader    | true    |
        | 3          | role         | invalid_enum   | jane@example.com | Jane Smith | superuser | true    |
        | 4          | name         | required       | bob@example.com  |           | reader    | false   |
        | 5          | active       | invalid_type   | amy@example.com  | Amy Lee   | author    | perhaps |

      Examples:
        | format |
        | csv    |
        | ndjson |
        | json   |

    Scenario Outline: A corrected error report in <format> imports the rows that had failed
      When I import "users.csv" as users
      And I download the error report as <format>
      And I correct the error report:
        | _error_row | column | value           |
        | 2          | email  | bad@example.com |
        | 3          | role   | editor          |
        | 4          | name   | Bob Wilson      |
        | 5          | active | false           |
      And I save the corrected error report as "<fixed>"
      And I import "<fixed>" as users
      Then the import job is completed
      And the import job counts:
        | processed | created | failed |
        | 4         | 4       | 0      |
      And the import job has no warnings
      And the stored users are:
        | email            | name       | role   | active |
        | amy@example.com  | Amy Lee    | author | false  |
        | bad@example.com  | Bad Email  | reader | true   |
        | bob@example.com  | Bob Wilson | reader | false  |
        | jane@example.com | Jane Smith | editor | true   |
        | john@example.com | John Doe   | admin  | true   |
        | zoe@example.com  | Zoe Ray    | editor | true   |

      Examples:
        | format | fixed        |
        | csv    | fixed.csv    |
        | ndjson | fixed.ndjson |
        | json   | fixed.json   |

    Scenario Outline: A corrected <format> error report keeps the values of a file whose column names differ in style
      Given a file "styled.csv" with:
        """
        EMAIL,Name,Role
        john@example.com,John Doe,admin
        jane@example.com,Jane Smith,superuser
        """
      When I import "styled.csv" as users
      And I download the error report as <format>
      And I correct the error report:
        | _error_row | column | value  |
        | 2          | role   | editor |
      And I save the corrected error report as "<fixed>"
      And I import "<fixed>" as users
      Then the import job counts:
        | processed | created | failed |
        | 1         | 1       | 0      |
      And the stored users are:
        | email            | role   |
        | jane@example.com | editor |
        | john@example.com | admin  |

      Examples:
        | format | fixed        |
        | csv    | fixed.csv    |
        | ndjson | fixed.ndjson |
        | json   | fixed.json   |

    Scenario: An error report imported again without corrections fails the same way
      When I import "users.csv" as users
      And I download the error report as csv
      And I save the corrected error report as "unchanged.csv"
      And I import "unchanged.csv" as users
      Then the import job counts:
        | processed | created | failed |
        | 4         | 0       | 4      |
      And the row errors are:
        | row | field  | code           |
        | 1   | email  | invalid_format |
        | 2   | role   | invalid_enum   |
        | 3   | name   | required       |
        | 4   | active | invalid_type   |
