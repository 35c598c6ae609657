Feature: Import comments
  An import job reads a file of comments; every valid row becomes a comment record, upserted by
  id. A comment names an existing article and an existing user.

  Background:
    Given these users exist:
      | id                                   | email            | name       | role   |
      | 11111111-1111-4111-8111-111111111111 | john@example.com | John Doe   | author |
      | 22222222-2222-4222-8222-222222222222 | jane@example.com | Jane Smith | reader |
    And these articles exist:
      | id                                   | slug        | title       | body                                              | author_id                            | status |
      | aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa | hello-world | Hello world | One two three four five six seven eight nine ten | 11111111-1111-4111-8111-111111111111 | draft  |

  Rule: Every valid row of a comments file becomes a comment record

    Scenario: Comments with and without an id are imported
      Given a file "comments.csv" with:
        """
        id,article_id,user_id,body
        cccccccc-cccc-4ccc-8ccc-cccccccccccc,aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa,22222222-2222-4222-8222-222222222222,Great read!
        ,aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa,11111111-1111-4111-8111-111111111111,Thanks Jane
        """
      When I import "comments.csv" as comments
      Then the import job is completed
      And the import job counts:
        | processed | created | failed |
        | 2         | 2       | 0      |
      And the stored comments are:
        | article_id                           | user_id                              | body        |
        | aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa | 11111111-1111-4111-8111-111111111111 | Thanks Jane |
        | aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa | 22222222-2222-4222-8222-222222222222 | Great read! |
      And every stored comment has its own id
      And the stored comment "cccccccc-cccc-4ccc-8ccc-cccccccccccc" has the id "cccccccc-cccc-4ccc-8ccc-cccccccccccc"

    Scenario: Column names such as "Article ID" and "userId" name their fields
      Given a file "comments.csv" with:
        """
        Article ID,userId,Body
        AAAAAAAA-AAAA-4AAA-8AAA-AAAAAAAAAAAA,{22222222-2222-4222-8222-222222222222},Nice
        """
      When I import "comments.csv" as comments
      Then the import job reports no row errors
      And the stored comments are:
        | article_id                           | user_id                              | body |
        | aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa | 22222222-2222-4222-8222-222222222222 | Nice |

    Scenario: A comment imported again with its id is updated
      Given these comments exist:
        | id                                   | article_id                           | user_id                              | body        |
        | cccccccc-cccc-4ccc-8ccc-cccccccccccc | aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa | 22222222-2222-4222-8222-222222222222 | Great read! |
      And a file "comments.ndjson" with:
        """
        {"id":"cccccccc-cccc-4ccc-8ccc-cccccccccccc","article_id":"aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa","user_id":"22222222-2222-4222-8222-222222222222","body":"Great read, thanks!"}
        """
      When I import "comments.ndjson" as comments
      Then the import job counts:
        | created | updated | skipped |
        | 0       | 1       | 0       |
      And the stored comments are:
        | id                                   | body                |
        | cccccccc-cccc-4ccc-8ccc-cccccccccccc | Great read, thanks! |

  Rule: A comment must name an existing article and an existing user

    Scenario Outline: A comment naming a missing <field> is reported
      Given a file "comments.csv" with:
        """
        article_id,user_id,body
        aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa,11111111-1111-4111-8111-111111111111,Fine
        <article_id>,<user_id>,Not fine
        """
      When I import "comments.csv" as comments
      Then the import job counts:
        | created | failed |
        | 1       | 1      |
      And the row errors are:
        | row | field   | code                | value   |
        | 2   | <field> | reference_not_found | <value> |
      And the stored comments are:
        | body |
        | Fine |

      Examples:
        | field      | article_id                           | user_id                              | value                                |
        | article_id | 99999999-9999-4999-8999-999999999999 | 11111111-1111-4111-8111-111111111111 | 99999999-9999-4999-8999-999999999999 |
        | user_id    | aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa | 99999999-9999-4999-8999-999999999999 | 99999999-9999-4999-8999-999999999999 |

    Scenario: A comment naming neither an existing article nor user gets one error for each
      Given a file "comments.csv" with:
        """
        article_id,user_id,body
        99999999-9999-4999-8999-999999999999,88888888-8888-4888-8888-888888888888,Lost
        """
      When I import "comments.csv" as comments
      Then the row errors are:
        | row | field      | code                |
        | 1   | article_id | reference_not_found |
        | 1   | user_id    | reference_not_found |
      And the import job counts:
        | failed |
        | 1      |

  Rule: A comment body has at most 10,000 characters

    Scenario: A body of 10,000 characters is accepted
      Given a file "comments.ndjson" with one comment whose body has 10000 characters
      When I import "comments.ndjson" as comments
      Then the import job reports no row errors
      And 1 comment is stored

    Scenario: A body of 10,001 characters is rejected
      Given a file "comments.ndjson" with one comment whose body has 10001 characters
      When I import "comments.ndjson" as comments
      Then the row errors are:
        | row | field | code     | message                           |
        | 1   | body  | too_long | Must be at most 10,000 characters |
      And no comments are stored

    Scenario Outline: A comment with an invalid <field> is reported as <code>
      Given a file "comments.csv" with:
        """
        id,article_id,user_id,body
        <id>,aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa,<user_id>,<body>
        """
      When I import "comments.csv" as comments
      Then the row errors are:
        | row | field   | code   | value   |
        | 1   | <field> | <code> | <value> |

      Examples:
        | field   | id        | user_id                              | body | code           | value     |
        | id      | not-an-id | 11111111-1111-4111-8111-111111111111 | Hi   | invalid_format | not-an-id |
        | user_id |           | 42                                   | Hi   | invalid_format | 42        |
        | user_id |           |                                      | Hi   | required       |           |
        | body    |           | 11111111-1111-4111-8111-111111111111 |      | required       |           |
