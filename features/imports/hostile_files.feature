Feature: Broken, oversized and hostile files
  Whatever a file holds, every valid row in it is imported, every invalid one is explained, and
  memory stays bounded: each dimension of the input has a limit, checked while the file streams,
  and a value over its limit is shown as a short preview, never whole.

  Rule: A broken CSV record costs only itself

    Scenario: An unclosed quote is reported at its line and every row after it is imported
      Given a CSV file "users.csv" of 300 users whose row 120 opens a quote it never closes
      When I import "users.csv" as users
      Then the import job is completed
      And the import job counts:
        | processed | created | failed |
        | 300       | 299     | 1      |
      And the row errors are:
        | row | line | code          | message                                                                  |
        | 120 | 121  | malformed_row | unterminated quoted field starting at line 121; reading goes on at line 122 |

    Scenario: A row that is not UTF-8 keeps its cells in the error report, ready to fix
      Given a file "users.csv" in Latin-1 with:
        """
        email,name,role
        rene@example.com,René Müller,reader
        """
      When I import "users.csv" as users
      And I download the error report as csv
      Then the error report lists:
        | _error_row | _error_code   | email            | name          | role   |
        | 1          | malformed_row | rene@example.com | Ren� M�ller | reader |

    Scenario: An NDJSON line that is not UTF-8 keeps its values in the error report
      Given a file "users.ndjson" in Latin-1 with:
        """
        {"email": "rene@example.com", "name": "René Müller", "role": "reader"}
        """
      When I import "users.ndjson" as users
      And I download the error report as ndjson
      Then the error report lists:
        | _error_row | _error_code   | email            | name          | role   |
        | 1          | malformed_row | rene@example.com | Ren� M�ller | reader |

  Rule: A value over the value limit is a row error that shows only its start

    Scenario Outline: A value longer than allowed in <format> is refused with a preview
      Given import jobs allow values of at most 1000 characters
      And a file "users.<format>" with one user whose name has 5000 characters and one valid user
      When I import "users.<format>" as users
      Then the import job is completed
      And the import job counts:
        | processed | created | failed |
        | 2         | 1       | 1      |
      And each row error shows at most 201 characters of its value

      Examples:
        | format |
        | csv    |
        | ndjson |
        | json   |

    Scenario: A long article exported as CSV is imported again
      Given these users exist:
        | id                                   | email           | name | role   |
        | 7f1c2a9e-4b3d-4c8e-9a1f-2b3c4d5e6f70 | ann@example.com | Ann  | author |
      And a file "long.ndjson" with one article whose body is 1100 KB of 50000 words
      When I import "long.ndjson" as articles
      Then the import job reports no row errors
      When I export articles as csv into "articles.csv"
      And I import "articles.csv" as articles again
      Then the import job reports no row errors
      And the import job counts:
        | processed | skipped |
        | 1         | 1       |

  Rule: Nesting deeper than the limit is refused before it is built

    Scenario: A JSON array with an element nested 20,000 levels deep fails before anything is written
      Given a file "users.json" whose second user nests 20000 levels deep
      When I import "users.json" as users
      Then the import job failed because "element 2 nests deeper than the limit of 32 levels"
      And no users are stored

    Scenario: An NDJSON line nested 20,000 levels deep is a row error and the other lines are imported
      Given a file "users.ndjson" whose second user nests 20000 levels deep
      When I import "users.ndjson" as users
      Then the import job is completed
      And the import job counts:
        | processed | created | failed |
        | 3         | 2       | 1      |
