Feature: Errors, for a row and for a whole request
  A bad row never stops an import job: it is counted, shown, and kept in an error report the
  client can fix and import again. A bad request is refused at once with a problem report.

  Background:
    Given the service is running with the API key "team-key"

  Rule: Every bad row is reported with its row, field and reason

    Scenario: Bad rows are listed with their field and value
      When the client uploads a users file with:
        """
        email,name,role,active
        ok@example.com,Fine User,admin,true
        not-an-email,Bad Email,admin,true
        role@example.com,Bad Role,superuser,true
        """
      Then the import job ends completed with 1 created and 2 failed
      And the row errors are:
        | row | field | value        |
        | 2   | email | not-an-email |
        | 3   | role  | superuser    |

    Scenario: The error report is fixed and imported again
      Given the client has uploaded a users file with:
        """
        email,name,role,active
        not-an-email,Bad Email,admin,true
        """
      And the import job has ended
      When the client downloads the error report as CSV
      And the client fixes the email in the report to "fixed@example.com" and uploads it
      Then the import job ends completed with 1 created and 0 failed

  Rule: A request the service cannot accept is refused with its reason

    Scenario Outline: <case> is refused
      When the client uploads <upload>
      Then the client is refused as "<problem>" about the field "<field>"

      Examples:
        | case                     | upload                                   | problem            | field        |
        | An unknown resource      | the sample users for widgets             | unknown-resource   | resourceType |
        | A missing resource       | the sample users for no resource         | invalid-request    | resourceType |
        | An unsupported format    | the sample users in the format "xml"     | unsupported-format | format       |

    Scenario: An empty file is refused
      When the client uploads an empty file for users
      Then the client is refused as "empty-file"

  Rule: No value ends the import job: what no database can store is that row's error

    Scenario: A NUL character in a name fails only its row
      When the client uploads the users file "users.ndjson" with:
        """
        {"email": "ann@example.com", "name": "Ann", "role": "admin"}
        {"email": "bob@example.com", "name": "B\u0000b", "role": "admin"}
        {"email": "cy@example.com", "name": "Cy", "role": "reader"}
        """
      Then the import job ends completed with 2 created and 1 failed
      And the row errors are:
        | row | field | code              |
        | 2   | name  | invalid_character |
      And the service holds the users "ann@example.com, cy@example.com"
