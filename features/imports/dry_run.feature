Feature: Dry run
  Validating a file runs an import job with every rule and reference check, counts what an
  import would create, update, skip and fail, and writes nothing.

  Background:
    Given these users exist:
      | id                                   | email            | name       | role   | active |
      | 11111111-1111-4111-8111-111111111111 | john@example.com | John Doe   | admin  | true   |
      | 22222222-2222-4222-8222-222222222222 | jane@example.com | Jane Smith | editor | true   |

  Rule: A dry run counts what an import would do

    Scenario: Validating a file of new, changed, identical and invalid users
      Given a file "users.csv" with:
        """
        email,name,role,active
        john@example.com,John Doe,manager,true
        jane@example.com,Jane Smith,editor,true
        bob@example.com,Bob Wilson,reader,false
        bad-email,Bad Email,reader,true
        """
      When I validate "users.csv" as users
      Then the import job is completed
      And the import job was a dry run
      And the import job counts:
        | processed | created | updated | skipped | failed |
        | 4         | 1       | 1       | 1       | 1      |
      And the row errors are:
        | row | field | code           | value     |
        | 4   | email | invalid_format | bad-email |

    Scenario Outline: A dry run counts exactly what the import then does (batches of <size>)
      Given import jobs read <size> rows per batch
      And these users exist:
        | email            | name       | role   |
        | john@example.com | John Doe   | admin  |
        | jane@example.com | Jane Smith | editor |
      And a file "users.csv" with:
        """
        email,name,role
        john@example.com,John Doe,manager
        amy@example.com,Amy Lee,author
        jane@example.com,Jane Smith,editor
        amy@example.com,Amy Lee,reader
        bad-email,Bad Email,reader
        john@example.com,John Doe,author
        """
      When I validate "users.csv" as users
      Then the import job counts:
        | processed | created | updated | skipped | failed |
        | 6         | 1       | 1       | 3       | 1      |
      When I import "users.csv" as users
      Then the import job counts:
        | processed | created | updated | skipped | failed |
        | 6         | 1       | 1       | 3       | 1      |

      Examples:
        | size |
        | 1000 |
        | 2    |
        | 1    |

  Rule: A dry run writes nothing

    Scenario: The stored users are unchanged after a dry run
      Given a file "users.csv" with:
        """
        email,name,role,active
        john@example.com,John Doe,manager,false
        bob@example.com,Bob Wilson,reader,false
        """
      When I validate "users.csv" as users
      Then the import job counts:
        | created | updated |
        | 1       | 1       |
      And the stored users are:
        | email            | role   | active |
        | jane@example.com | editor | true   |
        | john@example.com | admin  | true   |

    Scenario: A dry run of articles checks authors without writing
      Given a file "articles.csv" with:
        """
        slug,title,body,author_id,status
        by-john,By John,One two three four five six seven eight nine ten,11111111-1111-4111-8111-111111111111,draft
        by-nobody,By nobody,One two three four five six seven eight nine ten,99999999-9999-4999-8999-999999999999,draft
        """
      When I validate "articles.csv" as articles
      Then the import job counts:
        | created | failed |
        | 1       | 1      |
      And the row errors are:
        | row | field     | code                |
        | 2   | author_id | reference_not_found |
      And no articles are stored

    Scenario: Validating the same file twice counts the same both times
      Given a file "users.csv" with:
        """
        email,name,role
        bob@example.com,Bob Wilson,reader
        """
      When I validate "users.csv" as users
      And I validate "users.csv" as users
      Then the import job counts:
        | created | skipped |
        | 1       | 0       |
      And 2 users are stored
