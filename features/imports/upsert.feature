Feature: Upsert on import
  Importing a file never duplicates a record: users are matched by email, articles by slug and
  comments by id. A matching record is updated when a value differs and skipped when identical.

  Rule: Importing the same file again skips or updates records, it never creates them again

    Scenario: Importing the sample users file twice skips every user the second time
      Given a file "users.csv" with:
        """
        email,name,role,active
        john@example.com,John Doe,admin,true
        jane@example.com,Jane Smith,editor,true
        bob@example.com,Bob Wilson,reader,false
        """
      When I import "users.csv" as users
      And I import "users.csv" as users again
      Then the import job is completed
      And the import job counts:
        | processed | created | updated | skipped | failed |
        | 3         | 0       | 0       | 3       | 0      |
      And 3 users are stored

    Scenario: A changed file updates the changed users and skips the others
      Given these users exist:
        | email            | name       | role   | active |
        | john@example.com | John Doe   | admin  | true   |
        | jane@example.com | Jane Smith | editor | true   |
        | bob@example.com  | Bob Wilson | reader | false  |
      And a file "users.csv" with:
        """
        email,name,role,active
        john@example.com,John Doe,manager,true
        jane@example.com,Jane Smith,editor,true
        bob@example.com,Bob Wilson,reader,true
        amy@example.com,Amy Lee,author,true
        """
      When I import "users.csv" as users
      Then the import job counts:
        | created | updated | skipped | successful | failed |
        | 1       | 2       | 1       | 3          | 0      |
      And the stored users are:
        | email            | role    | active |
        | amy@example.com  | author  | true   |
        | bob@example.com  | reader  | true   |
        | jane@example.com | editor  | true   |
        | john@example.com | manager | true   |

    Scenario: An email in another case matches the stored user
      Given these users exist:
        | email            | name     | role  |
        | john@example.com | John Doe | admin |
      And a file "users.csv" with:
        """
        email,name,role
        JOHN@Example.com,John Doe,admin
        """
      When I import "users.csv" as users
      Then the import job counts:
        | created | updated | skipped |
        | 0       | 0       | 1       |
      And 1 user is stored

    Scenario: An email spelled with composed or decomposed accents matches one user
      Given a file "users.csv" with the email "josé@example.com" once composed and once decomposed
      When I import "users.csv" as users
      Then the import job counts:
        | created | skipped | failed |
        | 1       | 1       | 0      |
      And the stored users are:
        | email            | name     |
        | josé@example.com | User NFD |

    Scenario: An updated user keeps its id
      Given these users exist:
        | id                                   | email            | name     | role  |
        | 11111111-1111-4111-8111-111111111111 | john@example.com | John Doe | admin |
      And a file "users.csv" with:
        """
        email,name,role
        john@example.com,Johnny Doe,admin
        """
      When I import "users.csv" as users
      Then the import job counts:
        | updated |
        | 1       |
      And the stored user "john@example.com" has the id "11111111-1111-4111-8111-111111111111"

    Scenario Outline: Importing an articles file twice skips every article (<name>)
      Given these users exist:
        | id                                   | email            | name     | role   |
        | 11111111-1111-4111-8111-111111111111 | john@example.com | John Doe | author |
      And a file "<name>" holding these records:
        | slug        | title       | body                                              | author_id                            | tags       | status    | published_at              |
        | hello-world | Hello world | One two three four five six seven eight nine ten | 11111111-1111-4111-8111-111111111111 | news\|tech | published | 2024-01-15T10:30:00+02:00 |
        | draft-notes | Draft notes | One two three four five six seven eight nine ten | 11111111-1111-4111-8111-111111111111 |            | draft     |                           |
        | old-news    | Old news    | One two three four five six seven eight nine ten | 11111111-1111-4111-8111-111111111111 | archive    | archived  | 2023-06-01                |
      When I import "<name>" as articles
      And I import "<name>" as articles again
      Then the import job counts:
        | created | updated | skipped | failed |
        | 0       | 0       | 3       | 0      |
      And 3 articles are stored

      Examples:
        | name            |
        | articles.csv    |
        | articles.ndjson |
        | articles.json   |

    Scenario: Importing a comments file with ids twice skips every comment
      Given these users exist:
        | id                                   | email            | name     | role   |
        | 11111111-1111-4111-8111-111111111111 | john@example.com | John Doe | author |
      And these articles exist:
        | id                                   | slug        | title       | body                                              | author_id                            | status |
        | aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa | hello-world | Hello world | One two three four five six seven eight nine ten | 11111111-1111-4111-8111-111111111111 | draft  |
      And a file "comments.csv" holding these records:
        | id                                   | article_id                           | user_id                              | body     |
        | cccccccc-cccc-4ccc-8ccc-cccccccccccc | aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa | 11111111-1111-4111-8111-111111111111 | First!   |
        | dddddddd-dddd-4ddd-8ddd-dddddddddddd | aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa | 11111111-1111-4111-8111-111111111111 | Second!  |
      When I import "comments.csv" as comments
      And I import "comments.csv" as comments again
      Then the import job counts:
        | created | updated | skipped |
        | 0       | 0       | 2       |
      And 2 comments are stored

  Rule: Inside one file the last row for a key wins and the earlier rows are skipped

    Scenario: The last row for an email wins
      Given a file "users.csv" with:
        """
        email,name,role
        john@example.com,John Doe,admin
        jane@example.com,Jane Smith,editor
        JOHN@example.com,John Doe,reader
        """
      When I import "users.csv" as users
      Then the import job counts:
        | processed | created | skipped | failed |
        | 3         | 2       | 1       | 0      |
      And the stored users are:
        | email            | role   |
        | jane@example.com | editor |
        | john@example.com | reader |

    Scenario: The last row for an email wins when the rows fall into different batches
      Given import jobs read 2 rows per batch
      And a file "users.csv" with:
        """
        email,name,role
        john@example.com,John Doe,admin
        jane@example.com,Jane Smith,editor
        bob@example.com,Bob Wilson,reader
        john@example.com,John Doe,manager
        amy@example.com,Amy Lee,author
        """
      When I import "users.csv" as users
      Then the import job counts:
        | processed | created | updated | skipped | failed |
        | 5         | 4       | 0       | 1       | 0      |
      And the stored users are:
        | email            | role    |
        | amy@example.com  | author  |
        | bob@example.com  | reader  |
        | jane@example.com | editor  |
        | john@example.com | manager |

    Scenario: The last row for a slug wins
      Given these users exist:
        | id                                   | email            | name     | role   |
        | 11111111-1111-4111-8111-111111111111 | john@example.com | John Doe | author |
      And a file "articles.csv" holding these records:
        | slug        | title        | body                                              | author_id                            | status |
        | hello-world | First title  | One two three four five six seven eight nine ten | 11111111-1111-4111-8111-111111111111 | draft  |
        | hello-world | Second title | One two three four five six seven eight nine ten | 11111111-1111-4111-8111-111111111111 | draft  |
      When I import "articles.csv" as articles
      Then the import job counts:
        | created | skipped |
        | 1       | 1       |
      And the stored articles are:
        | slug        | title        |
        | hello-world | Second title |

  Rule: A record identical to the stored one is skipped

    Scenario: An identical user is skipped and a different one is updated
      Given these users exist:
        | email            | name       | role   | active |
        | john@example.com | John Doe   | admin  | true   |
        | jane@example.com | Jane Smith | editor | true   |
      And a file "users.ndjson" with:
        """
        {"email":"john@example.com","name":"John Doe","role":"admin","active":true}
        {"email":"jane@example.com","name":"Jane Smith","role":"editor","active":false}
        """
      When I import "users.ndjson" as users
      Then the import job counts:
        | created | updated | skipped |
        | 0       | 1       | 1       |

  Rule: An id never moves from one record to another

    Scenario: A user row whose id belongs to another email is rejected
      Given these users exist:
        | id                                   | email            | name     | role  |
        | 11111111-1111-4111-8111-111111111111 | john@example.com | John Doe | admin |
      And a file "users.csv" with:
        """
        id,email,name,role
        11111111-1111-4111-8111-111111111111,jane@example.com,Jane Smith,editor
        """
      When I import "users.csv" as users
      Then the import job counts:
        | created | failed |
        | 0       | 1      |
      And the row errors are:
        | row | field | code             | value                                |
        | 1   | id    | unique_violation | 11111111-1111-4111-8111-111111111111 |
      And the stored users are:
        | id                                   | email            |
        | 11111111-1111-4111-8111-111111111111 | john@example.com |

    Scenario Outline: Two rows of one file giving the same id to two emails: the later row is rejected (batches of <size>)
      Given import jobs read <size> rows per batch
      And a file "users.csv" with:
        """
        id,email,name,role
        11111111-1111-4111-8111-111111111111,john@example.com,John Doe,admin
        11111111-1111-4111-8111-111111111111,amy@example.com,Amy Lee,author
        """
      When I import "users.csv" as users
      Then the import job counts:
        | created | failed |
        | 1       | 1      |
      And the row errors are:
        | row | field | code             | value                                |
        | 2   | id    | unique_violation | 11111111-1111-4111-8111-111111111111 |
      And the stored users are:
        | id                                   | email            |
        | 11111111-1111-4111-8111-111111111111 | john@example.com |

      Examples:
        | size |
        | 1000 |
        | 1    |

    Scenario: Two imports giving the same ids to other emails, run at once, store each id once
      Whichever import stores an id first keeps it; the other import's row with that id is a row
      error, also when it had looked the id up before the first one stored it.

      Given import jobs read 50 rows per batch
      And a file "a.csv" of 1000 users "a…" holding the ids 1 to 1000
      And a file "b.csv" of 1000 users "b…" holding the ids 1 to 1000 from last to first
      When I import "a.csv" and "b.csv" as users at once
      Then both import jobs are completed
      And the import jobs together count:
        | processed | created | updated | failed |
        | 2000      | 1000    | 0       | 1000   |
      And 1000 users are stored

    Scenario: A user row giving a stored email another id is rejected
      Given these users exist:
        | id                                   | email            | name     | role  |
        | 11111111-1111-4111-8111-111111111111 | john@example.com | John Doe | admin |
      And a file "users.csv" with:
        """
        id,email,name,role
        22222222-2222-4222-8222-222222222222,john@example.com,John Doe,admin
        """
      When I import "users.csv" as users
      Then the row errors are:
        | row | field | code             | value                                |
        | 1   | id    | unique_violation | 22222222-2222-4222-8222-222222222222 |
      And the stored user "john@example.com" has the id "11111111-1111-4111-8111-111111111111"
