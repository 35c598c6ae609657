Feature: Importing files through the API
  A client hands the service a file of records, or the address of one. The service answers at
  once with a pending import job, then a worker validates every row and upserts the good ones.

  Background:
    Given the service is running with the API key "team-key"

  Rule: An uploaded file becomes an import job that upserts its records

    Scenario Outline: Users are imported from a <format> file
      When the client uploads the sample users as "<file>" for users
      Then the client is told the import job was accepted and is pending
      And the import job ends completed with 3 created and 0 failed
      And the service holds the users "bob@example.com, jane@example.com, john@example.com"

      Examples:
        | format | file          |
        | CSV    | users.csv     |
        | NDJSON | users.ndjson  |
        | JSON   | users.json    |

    Scenario: The file may come before the resource type
      When the client uploads the sample users as "users.csv", naming the resource last
      Then the import job ends completed with 3 created and 0 failed

    Scenario: Importing the same users again updates nothing
      Given the client has imported the sample users
      When the client uploads the sample users as "users.csv" for users
      Then the import job ends completed with 0 created and 0 failed

    Scenario: A dry run checks every row and writes nothing
      When the client uploads the sample users as "users.csv" for users as a dry run
      Then the import job ends completed with 3 created and 0 failed
      And the service holds no users

  Rule: A column the file does not carry keeps its stored value

    Scenario: Users imported again without the active column stay disabled
      Given the client has imported the sample users
      When the client uploads a users file with:
        """
        email,name,role
        bob@example.com,Bob B. Wilson,reader
        jane@example.com,Jane Smith,editor
        """
      Then the import job ends completed with 0 created, 1 updated and 1 skipped
      And the service holds these users:
        | email            | name          | active |
        | bob@example.com  | Bob B. Wilson | false  |
        | jane@example.com | Jane Smith    | true   |
        | john@example.com | John Doe      | true   |

  Rule: A natural key is one key however its characters are spelled

    Scenario: An email spelled with composed or decomposed accents is one user
      When the client uploads a users file with the email "josé@example.com" once composed and once decomposed
      Then the import job ends completed with 1 created and 0 failed
      And the service holds the users "josé@example.com"

  Rule: A remote file is fetched by the worker

    Scenario: Users are imported from the address of a file
      Given the sample users are published as "users.ndjson"
      When the client asks to import users from the address of "users.ndjson"
      Then the import job ends completed with 3 created and 0 failed

    Scenario: A file that cannot be fetched fails the import job with a reason
      When the client asks to import users from the address of "missing.ndjson"
      Then the import job ends failed with a reason
