Feature: Import articles
  An import job reads a file of articles; every valid row becomes an article record, upserted
  by slug. An article names its author, who must already be a user record.

  Background:
    Given these users exist:
      | id                                   | email            | name     | role   |
      | 11111111-1111-4111-8111-111111111111 | john@example.com | John Doe | author |

  Rule: Every valid row of an articles file becomes an article record

    Scenario: Articles in every status are imported from CSV
      Given a file "articles.csv" with:
        """
        slug,title,body,author_id,tags,status,published_at
        hello-world,Hello world,One two three four five six seven eight nine ten,11111111-1111-4111-8111-111111111111,news|tech,published,2024-01-15T10:30:00Z
        draft-notes,Draft notes,Notes about the next release that are still being written down,11111111-1111-4111-8111-111111111111,,draft,
        old-news,Old news,What happened last summer is now kept in the archive for reference,11111111-1111-4111-8111-111111111111,"[""archive"",""news""]",archived,2023-06-01
        """
      When I import "articles.csv" as articles
      Then the import job is completed
      And the import job counts:
        | processed | created | failed |
        | 3         | 3       | 0      |
      And the stored articles are:
        | slug        | title       | author_id                            | tags         | status    | published_at         |
        | draft-notes | Draft notes | 11111111-1111-4111-8111-111111111111 |              | draft     |                      |
        | hello-world | Hello world | 11111111-1111-4111-8111-111111111111 | news\|tech   | published | 2024-01-15T10:30:00Z |
        | old-news    | Old news    | 11111111-1111-4111-8111-111111111111 | archive\|news | archived  | 2023-06-01T00:00:00Z |
      And every stored article has its own id

    Scenario: Tags come as a JSON array in NDJSON
      Given a file "articles.ndjson" with:
        """
        {"slug":"hello-world","title":"Hello world","body":"One two three four five six seven eight nine ten","author_id":"11111111-1111-4111-8111-111111111111","tags":["news","tech"],"status":"draft"}
        """
      When I import "articles.ndjson" as articles
      Then the import job reports no row errors
      And the stored articles are:
        | slug        | tags       |
        | hello-world | news\|tech |

    Scenario: Column names such as "Author ID" and "publishedAt" name their fields
      Given a file "articles.csv" with:
        """
        Slug,Title,Body,Author ID,Tags,Status,publishedAt
        hello-world,Hello world,One two three four five six seven eight nine ten,11111111-1111-4111-8111-111111111111,news,published,2024-01-15
        """
      When I import "articles.csv" as articles
      Then the import job reports no row errors
      And the stored articles are:
        | slug        | author_id                            | published_at         |
        | hello-world | 11111111-1111-4111-8111-111111111111 | 2024-01-15T00:00:00Z |

    Scenario Outline: A publication date written as <written> is kept in UTC
      Given a file "articles.csv" with:
        """
        slug,title,body,author_id,status,published_at
        hello-world,Hello world,One two three four five six seven eight nine ten,11111111-1111-4111-8111-111111111111,published,<written>
        """
      When I import "articles.csv" as articles
      Then the import job reports no row errors
      And the stored articles are:
        | slug        | published_at |
        | hello-world | <stored>     |

      Examples:
        | written                   | stored               |
        | 2024-01-15                | 2024-01-15T00:00:00Z |
        | 2024-01-15T10:30:00Z      | 2024-01-15T10:30:00Z |
        | 2024-01-15T10:30:00+02:00 | 2024-01-15T08:30:00Z |
        | 2024-01-15T10:30:00       | 2024-01-15T10:30:00Z |

  Rule: published_at is required when published, forbidden for drafts and optional when archived

    Scenario Outline: A <status> article with published_at "<published_at>" is imported
      Given a file "articles.csv" with:
        """
        slug,title,body,author_id,status,published_at
        hello-world,Hello world,One two three four five six seven eight nine ten,11111111-1111-4111-8111-111111111111,<status>,<published_at>
        """
      When I import "articles.csv" as articles
      Then the import job reports no row errors
      And 1 article is stored

      Examples:
        | status    | published_at |
        | published | 2024-01-15   |
        | draft     |              |
        | archived  | 2024-01-15   |
        | archived  |              |

    Scenario Outline: A <status> article with published_at "<published_at>" is rejected
      Given a file "articles.csv" with:
        """
        slug,title,body,author_id,status,published_at
        hello-world,Hello world,One two three four five six seven eight nine ten,11111111-1111-4111-8111-111111111111,<status>,<published_at>
        """
      When I import "articles.csv" as articles
      Then the import job counts:
        | created | failed |
        | 0       | 1      |
      And the row errors are:
        | row | field        | code   | value          | message   |
        | 1   | published_at | <code> | <published_at> | <message> |
      And no articles are stored

      Examples:
        | status    | published_at | code           | message                                   |
        | published |              | required       | Published articles must have published_at |
        | draft     | 2024-01-15   | inconsistent   | Draft articles cannot have published_at   |
        | published | next monday  | invalid_format | Must be an ISO 8601 date                  |

  Rule: The body has between 10 and 50,000 words

    Scenario Outline: A body of <words> words is accepted
      Given a file "articles.ndjson" with one article whose body has <words> words
      When I import "articles.ndjson" as articles
      Then the import job reports no row errors
      And 1 article is stored

      Examples:
        | words |
        | 10    |
        | 50000 |

    Scenario Outline: A body of <words> words is rejected as <code>
      Given a file "articles.ndjson" with one article whose body has <words> words
      When I import "articles.ndjson" as articles
      Then the row errors are:
        | row | field | code   |
        | 1   | body  | <code> |
      And no articles are stored

      Examples:
        | words | code      |
        | 9     | too_short |
        | 50001 | too_long  |

  Rule: An article row with an invalid field is reported and the others are imported

    Scenario Outline: An article with an invalid <field> is reported as <code>
      Given a file "articles.csv" with:
        """
        slug,title,body,author_id,tags,status,published_at
        good-one,Good one,One two three four five six seven eight nine ten,11111111-1111-4111-8111-111111111111,,draft,
        <slug>,Second,One two three four five six seven eight nine ten,<author_id>,<tags>,<status>,
        """
      When I import "articles.csv" as articles
      Then the import job counts:
        | created | failed |
        | 1       | 1      |
      And the row errors are:
        | row | field   | code   | value   |
        | 2   | <field> | <code> | <value> |

      Examples:
        | field     | slug        | author_id                            | tags       | status  | code           | value          |
        | slug      | Hello-World | 11111111-1111-4111-8111-111111111111 |            | draft   | invalid_format | Hello-World    |
        | slug      | hello_world | 11111111-1111-4111-8111-111111111111 |            | draft   | invalid_format | hello_world    |
        | slug      |             | 11111111-1111-4111-8111-111111111111 |            | draft   | required       |                |
        | author_id | second      | user-uuid-here                       |            | draft   | invalid_format | user-uuid-here |
        | status    | second      | 11111111-1111-4111-8111-111111111111 |            | deleted | invalid_enum   | deleted        |
        | tags      | second      | 11111111-1111-4111-8111-111111111111 | "[1, 2]"   | draft   | invalid_type   | [1, 2]         |
        | tags      | second      | 11111111-1111-4111-8111-111111111111 | "[""a"""   | draft   | invalid_format | ["a"           |

  Rule: An article must name an existing user as its author

    Scenario: An article by an unknown author is reported and not imported
      Given a file "articles.csv" with:
        """
        slug,title,body,author_id,status
        by-john,By John,One two three four five six seven eight nine ten,11111111-1111-4111-8111-111111111111,draft
        by-nobody,By nobody,One two three four five six seven eight nine ten,99999999-9999-4999-8999-999999999999,draft
        """
      When I import "articles.csv" as articles
      Then the import job is completed
      And the import job counts:
        | created | failed |
        | 1       | 1      |
      And the row errors are:
        | row | field     | code                | value                                |
        | 2   | author_id | reference_not_found | 99999999-9999-4999-8999-999999999999 |
      And the stored articles are:
        | slug    |
        | by-john |
