Feature: Delimiters and files in the wrong shape
  A CSV file may separate its fields with another character than a comma, as spreadsheets in
  many countries do. The import job reads it with the delimiter it is given, else the one an
  Excel "sep=" first line names, else the one its header line uses. A file whose header names
  none of the resource's required fields cannot hold a single good row: its import job fails at
  once, writes nothing, and says what the likely cause is.

  Rule: The delimiter comes from the request, else a sep= line, else the header

    Scenario Outline: A file separated by <name> is imported without being told
      Given a file "users.csv" with:
        """
        email<sep>name<sep>role
        ann@example.com<sep>Ann Lee<sep>admin
        bob@example.com<sep>"Bob<sep> Jr"<sep>reader
        """
      When I import "users.csv" as users
      Then the import job reports no row errors
      And the stored users are:
        | email           | name        |
        | ann@example.com | Ann Lee     |
        | bob@example.com | Bob<sep> Jr |

      Examples:
        | name         | sep |
        | semicolons   | ;   |
        | commas       | ,   |

    Scenario: Excel's sep= line names the delimiter and still counts as a line
      Given a file "users.csv" with:
        """
        sep=;
        email;name;role
        ann@example.com;Ann Lee;admin
        not-an-email;Bob;reader
        """
      When I import "users.csv" as users
      Then the row errors are:
        | row | line | field | code           |
        | 2   | 4    | email | invalid_format |
      And 1 user is stored

    Scenario: The delimiter given wins over the sep= line
      Given a file "users.csv" with:
        """
        sep=,
        email|name|role
        ann@example.com|Ann, Lee|admin
        """
      When I import "users.csv" as users with the delimiter "|"
      Then the import job reports no row errors
      And the stored users are:
        | email           | name     |
        | ann@example.com | Ann, Lee |

    Scenario: A delimiter that cannot be one is refused before anything is stored
      Given a file "users.csv" with:
        """
        email,name,role
        ann@example.com,Ann Lee,admin
        """
      When I try to import "users.csv" as users with the delimiter ";;"
      Then the request is refused because "delimiter must be one character"
      And the refusal names the field "delimiter"
      And there is 0 import job

  Rule: A file whose columns name no required field fails at once, naming the likely cause

    Scenario: A semicolon file read with commas fails and says so
      Given a file "users.csv" with:
        """
        email;name;role
        ann@example.com;Ann Lee;admin
        bob@example.com;Bob;reader
        """
      When I import "users.csv" as users with the delimiter ","
      Then the import job failed because "the header 'email;name;role' matches none of the required fields email, name, role: is the file separated by ';' rather than ','? pass delimiter=';'"
      And the import job counts:
        | processed | failed |
        | 0         | 0      |
      And no users are stored

    Scenario: A dry run of such a file fails the same way
      Given a file "users.csv" with:
        """
        sep=,
        email;name;role
        ann@example.com;Ann Lee;admin
        """
      When I validate "users.csv" as users
      Then the import job failed because "pass delimiter=';'"

    Scenario: A file of another resource fails naming it
      Given a file "users.csv" with:
        """
        slug,title,body,author_id,status
        hello-world,Hello,Some words,00000000-0000-4000-8000-000000000001,draft
        """
      When I import "users.csv" as users
      Then the import job failed because "it looks like a file of articles"

    Scenario: NDJSON rows that all lack every required key fail the job
      Given a file "users.ndjson" with:
        """
        {"user": {"email": "ann@example.com", "name": "Ann", "role": "admin"}}
        {"user": {"email": "bob@example.com", "name": "Bob", "role": "reader"}}
        """
      When I import "users.ndjson" as users
      Then the import job failed because "the first 2 rows carry none of the required keys email, name, role"
      And no users are stored

    Scenario: One NDJSON row with a required key is enough to go on
      Given a file "users.ndjson" with:
        """
        {"exportedBy": "a spreadsheet"}
        {"email": "ann@example.com", "name": "Ann", "role": "admin"}
        """
      When I import "users.ndjson" as users
      Then the import job is completed
      And the import job counts:
        | created | failed |
        | 1       | 1      |
