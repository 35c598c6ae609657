Feature: Formulas in CSV files
  A name such as =HYPERLINK(...) is text to bulkio but a formula to a spreadsheet. Every CSV file
  bulkio writes (exports, stored export files, error reports) puts a ' before text that starts
  with =, +, -, @, a tab or a carriage return, so a spreadsheet shows it instead of running it.
  Asked to keep formulas, it writes such text raw. NDJSON and JSON are always exact.

  Background:
    Given these users exist:
      | email           | name                                    | role   |
      | eve@example.com | =HYPERLINK("http://evil.example","win") | reader |
      | sum@example.com | @SUM(1+1)                               | reader |
      | tel@example.com | +1 555 0100                             | reader |
      | neg@example.com | -5                                      | reader |
      | ann@example.com | Ann 1+1=2                               | admin  |

  Rule: CSV neutralizes formula-like text unless asked to keep formulas

    Scenario: A CSV export puts a quote before formula-like text
      When I export users as csv with the fields "email,name"
      Then the exported file holds:
        | email           | name                                     |
        | ann@example.com | Ann 1+1=2                                |
        | eve@example.com | '=HYPERLINK("http://evil.example","win") |
        | neg@example.com | '-5                                      |
        | sum@example.com | '@SUM(1+1)                               |
        | tel@example.com | '+1 555 0100                             |

    Scenario: A CSV export that keeps formulas writes them as they are
      When I export users as csv with the fields "email,name" keeping formulas
      Then the exported file holds:
        | email           | name                                    |
        | ann@example.com | Ann 1+1=2                               |
        | eve@example.com | =HYPERLINK("http://evil.example","win") |
        | neg@example.com | -5                                      |
        | sum@example.com | @SUM(1+1)                               |
        | tel@example.com | +1 555 0100                             |

    Scenario Outline: A <format> export is exact
      When I export users as <format> with the fields "email,name"
      Then the exported file holds:
        | email           | name                                    |
        | ann@example.com | Ann 1+1=2                               |
        | eve@example.com | =HYPERLINK("http://evil.example","win") |
        | neg@example.com | -5                                      |
        | sum@example.com | @SUM(1+1)                               |
        | tel@example.com | +1 555 0100                             |

      Examples:
        | format |
        | ndjson |
        | json   |

    Scenario Outline: A stored CSV export job remembers whether it keeps formulas
      When I export users to a stored csv file with the fields "email,name" <keeping>
      Then the export job <shows> that it keeps formulas
      And the stored file holds the name "<name>" for "sum@example.com"

      Examples:
        | keeping          | shows         | name       |
        | neutralizing     | does not show | '@SUM(1+1) |
        | keeping formulas | shows         | @SUM(1+1)  |

    Scenario Outline: The CSV error report neutralizes the failed rows' values
      Given a file "bad.csv" with:
        """
        email,name,role
        =1+1,@SUM(1+1),reader
        """
      When I import "bad.csv" as users
      And I download the error report as csv <keeping>
      Then the error report lists:
        | email   | name       | _error_field |
        | <email> | <name>     | email        |

      Examples:
        | keeping          | email | name       |
        | neutralizing     | '=1+1 | '@SUM(1+1) |
        | keeping formulas | =1+1  | @SUM(1+1)  |

  Rule: Values round-trip exactly through NDJSON, JSON or a CSV that keeps formulas

    Scenario: A neutralized CSV imported again keeps the quote, and the job says so
      When I export users as csv with the fields "email,name,role" into "users.csv"
      And I import "users.csv" as users
      Then the import job warns that the column "name" has values that start with a quote before a formula character
      And the stored users are:
        | email           | name                                     |
        | ann@example.com | Ann 1+1=2                                |
        | eve@example.com | '=HYPERLINK("http://evil.example","win") |
        | neg@example.com | '-5                                      |
        | sum@example.com | '@SUM(1+1)                               |
        | tel@example.com | '+1 555 0100                             |

    Scenario Outline: An export as <how> imports back exactly
      When I export users as <format> with the fields "email,name,role" <keeping> into "users.<format>"
      And I import "users.<format>" as users
      Then the import job has no warnings
      And the stored users are:
        | email           | name                                    |
        | ann@example.com | Ann 1+1=2                               |
        | eve@example.com | =HYPERLINK("http://evil.example","win") |
        | neg@example.com | -5                                      |
        | sum@example.com | @SUM(1+1)                               |
        | tel@example.com | +1 555 0100                             |

      Examples:
        | how                     | format | keeping          |
        | NDJSON                  | ndjson | neutralizing     |
        | CSV that keeps formulas | csv    | keeping formulas |
