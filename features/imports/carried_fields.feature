Feature: A stored value changes only when the file says so
  A file may carry only some of a resource's fields. A field the row does not carry (a column
  the file does not have, a key a JSON object leaves out) keeps its stored value on an update
  and takes its default only when the record is created. A row whose carried fields all equal
  the stored record is skipped. An empty cell or a JSON null clears a field that can be empty
  (an article's tags and published_at); for any other optional field (an id, a user's active
  flag) it means the same as an absent column. Dry runs count by the same rule.

  Rule: A field the row does not carry keeps its stored value

    Scenario: Re-importing users without the active column leaves disabled users disabled
      Given a file "first.csv" with:
        """
        email,name,role,active
        a@example.com,Ann,reader,false
        b@example.com,Bob,reader,false
        """
      And a file "second.csv" with:
        """
        email,name,role
        a@example.com,Ann B,reader
        b@example.com,Bob,reader
        c@example.com,Cy,reader
        """
      When I import "first.csv" as users
      And I import "second.csv" as users
      Then the import job counts:
        | created | updated | skipped | failed |
        | 1       | 1       | 1       | 0      |
      And the stored users are:
        | email         | name  | active |
        | a@example.com | Ann B | false  |
        | b@example.com | Bob   | false  |
        | c@example.com | Cy    | true   |

    Scenario: A dry run counts a file without the active column as the import does
      Given these users exist:
        | email         | name | role   | active |
        | a@example.com | Ann  | reader | false  |
      And a file "second.csv" with:
        """
        email,name,role
        a@example.com,Ann,reader
        c@example.com,Cy,reader
        """
      When I validate "second.csv" as users
      Then the import job counts:
        | created | updated | skipped | failed |
        | 1       | 0       | 1       | 0      |
      And the stored users are:
        | email         | active |
        | a@example.com | false  |

    Scenario Outline: Re-importing articles without tags and published_at keeps both (<name>)
      Given these users exist:
        | id                                   | email            | name     | role   |
        | 11111111-1111-4111-8111-111111111111 | john@example.com | John Doe | author |
      And these articles exist:
        | slug        | title       | body                                             | author_id                            | tags      | status    | published_at         |
        | hello-world | Hello world | One two three four five six seven eight nine ten | 11111111-1111-4111-8111-111111111111 | news\|tech | published | 2024-01-15T10:30:00Z |
      And a file "<name>" holding these records:
        | slug        | title        | body                                             | author_id                            | status    |
        | hello-world | Hello, world | One two three four five six seven eight nine ten | 11111111-1111-4111-8111-111111111111 | published |
      When I import "<name>" as articles
      Then the import job counts:
        | updated | failed |
        | 1       | 0      |
      And the stored articles are:
        | slug        | title        | tags       | published_at         |
        | hello-world | Hello, world | news\|tech | 2024-01-15T10:30:00Z |

      Examples:
        | name            |
        | articles.csv    |
        | articles.ndjson |
        | articles.json   |

    Scenario: Exported fields edited and imported again change only those fields
      Given these users exist:
        | email         | name | role   | active |
        | a@example.com | Ann  | reader | false  |
        | b@example.com | Bob  | admin  | true   |
      When I export users as csv with the fields "email,name,role" into "some-fields.csv"
      And I import "some-fields.csv" as users
      Then the import job counts:
        | created | updated | skipped | failed |
        | 0       | 0       | 2       | 0      |
      And the stored users are:
        | email         | active |
        | a@example.com | false  |
        | b@example.com | true   |

  Rule: Clearing a value is explicit: an empty cell or a null in a carried column

    Scenario: An empty tags cell clears the tags and a null published_at clears the date
      Given these users exist:
        | id                                   | email            | name     | role   |
        | 11111111-1111-4111-8111-111111111111 | john@example.com | John Doe | author |
      And these articles exist:
        | slug        | title       | body                                             | author_id                            | tags      | status    | published_at         |
        | hello-world | Hello world | One two three four five six seven eight nine ten | 11111111-1111-4111-8111-111111111111 | news\|tech | published | 2024-01-15T10:30:00Z |
      And a file "articles.ndjson" with:
        """
        {"slug": "hello-world", "title": "Hello world", "body": "One two three four five six seven eight nine ten", "author_id": "11111111-1111-4111-8111-111111111111", "tags": null, "status": "draft", "published_at": null}
        """
      When I import "articles.ndjson" as articles
      Then the import job counts:
        | updated | failed |
        | 1       | 0      |
      And the stored articles are:
        | slug        | tags | status | published_at |
        | hello-world |      | draft  |              |

    Scenario: An empty active cell or a null active leaves the stored flag alone
      Given these users exist:
        | email         | name | role   | active |
        | a@example.com | Ann  | reader | false  |
      And a file "users.ndjson" with:
        """
        {"email": "a@example.com", "name": "Ann", "role": "reader", "active": null}
        {"email": "b@example.com", "name": "Bob", "role": "reader", "active": null}
        """
      When I import "users.ndjson" as users
      Then the import job counts:
        | created | skipped | failed |
        | 1       | 1       | 0      |
      And the stored users are:
        | email         | active |
        | a@example.com | false  |
        | b@example.com | true   |
