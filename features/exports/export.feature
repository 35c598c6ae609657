Feature: Export records
  Records leave bulkio as CSV, NDJSON or JSON: all of them, or those matching filters, with all
  fields or only the chosen ones. An exported file imports back as it came out.

  Background:
    Given these users exist:
      | id                                   | email            | name       | role   | active |
      | 11111111-1111-4111-8111-111111111111 | john@example.com | John Doe   | admin  | true   |
      | 22222222-2222-4222-8222-222222222222 | jane@example.com | Jane Smith | editor | true   |
      | 33333333-3333-4333-8333-333333333333 | bob@example.com  | Bob Wilson | reader | false  |
    And these articles exist:
      | id                                   | slug        | title       | body                                              | author_id                            | tags       | status    | published_at         |
      | aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa | hello-world | Hello world | One two three four five six seven eight nine ten | 11111111-1111-4111-8111-111111111111 | news\|tech | published | 2024-01-15T10:30:00Z |
      | bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb | draft-notes | Draft notes | One two three four five six seven eight nine ten | 22222222-2222-4222-8222-222222222222 |            | draft     |                      |
    And these comments exist:
      | id                                   | article_id                           | user_id                              | body        |
      | cccccccc-cccc-4ccc-8ccc-cccccccccccc | aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa | 33333333-3333-4333-8333-333333333333 | Great read! |

  Rule: An export holds every record with every field

    Scenario Outline: Exporting all users as <format>
      When I export users as <format>
      Then the exported file has the columns "id, email, name, role, active, created_at, updated_at"
      And the exported file holds:
        | id                                   | email            | name       | role   | active |
        | 11111111-1111-4111-8111-111111111111 | john@example.com | John Doe   | admin  | true   |
        | 22222222-2222-4222-8222-222222222222 | jane@example.com | Jane Smith | editor | true   |
        | 33333333-3333-4333-8333-333333333333 | bob@example.com  | Bob Wilson | reader | false  |

      Examples:
        | format |
        | csv    |
        | ndjson |
        | json   |

    Scenario Outline: Exporting all articles as <format> keeps tags and dates
      When I export articles as <format>
      Then the exported file holds:
        | slug        | author_id                            | tags       | status    | published_at         |
        | draft-notes | 22222222-2222-4222-8222-222222222222 |            | draft     |                      |
        | hello-world | 11111111-1111-4111-8111-111111111111 | news\|tech | published | 2024-01-15T10:30:00Z |

      Examples:
        | format |
        | csv    |
        | ndjson |
        | json   |

    Scenario: An export with no matching record is an empty file of that format
      When I export users as json where:
        | filter | value   |
        | role   | manager |
      Then the exported file is empty of records

  Rule: Filters narrow an export

    Scenario Outline: Exporting the users whose <filter> is <value>
      When I export users as ndjson where:
        | filter   | value   |
        | <filter> | <value> |
      Then the exported emails are "<emails>"

      Examples:
        | filter        | value            | emails                                             |
        | role          | admin            | john@example.com                                   |
        | active        | false            | bob@example.com                                    |
        | active        | true             | john@example.com, jane@example.com                 |
        | email         | JANE@example.com | jane@example.com                                   |
        | createdAfter  | 2000-01-01       | john@example.com, jane@example.com, bob@example.com |
        | createdBefore | 2000-01-01       |                                                    |

    Scenario: Exporting the published articles of one author
      When I export articles as csv where:
        | filter   | value                                |
        | status   | published                            |
        | authorId | 11111111-1111-4111-8111-111111111111 |
      Then the exported file holds:
        | slug        |
        | hello-world |

    Scenario: Exporting the comments of one article
      When I export comments as csv where:
        | filter    | value                                |
        | articleId | aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa |
      Then the exported file holds:
        | id                                   | body        |
        | cccccccc-cccc-4ccc-8ccc-cccccccccccc | Great read! |

    Scenario Outline: An export with a filter bulkio does not know is refused
      When I try to export <resource> with the filter "<filter>"
      Then the request is refused because "<reason>"

      Examples:
        | resource | filter             | reason                |
        | users    | status=active      | cannot be filtered by |
        | articles | author_id=x        | cannot be filtered by |
        | users    | role=superuser     | filter role           |
        | articles | createdAfter=later | filter createdAfter   |

  Rule: An export can hold only the chosen fields, in the chosen order

    Scenario Outline: Exporting the email and name of users as <format>
      When I export users as <format> with the fields "email, name"
      Then the exported file has the columns "email, name"
      And the exported file holds:
        | email            | name       |
        | bob@example.com  | Bob Wilson |
        | jane@example.com | Jane Smith |
        | john@example.com | John Doe   |

      Examples:
        | format |
        | csv    |
        | ndjson |
        | json   |

    Scenario: An export of a field bulkio does not know is refused
      When I try to export users with the field "password"
      Then the request is refused because "password"

  Rule: An exported file imports back without creating or changing anything

    Scenario Outline: Exported <resource> imported again as <format> are all skipped
      When I export <resource> as <format> into "<resource>-export.<format>"
      And I import "<resource>-export.<format>" as <resource>
      Then the import job is completed
      And the import job counts:
        | processed   | created | updated | skipped     | failed |
        | <processed> | 0       | 0       | <processed> | 0      |

      Examples:
        | resource | format | processed |
        | users    | csv    | 3         |
        | users    | ndjson | 3         |
        | users    | json   | 3         |
        | articles | csv    | 2         |
        | articles | ndjson | 2         |
        | articles | json   | 2         |
        | comments | csv    | 1         |
        | comments | ndjson | 1         |
        | comments | json   | 1         |

    Scenario Outline: An exported <format> file imports back without warnings about its own columns
      When I export users as <format> into "users-export.<format>"
      And I import "users-export.<format>" as users
      Then the import job is completed
      And the import job has no warnings

      Examples:
        | format |
        | csv    |
        | ndjson |
        | json   |
