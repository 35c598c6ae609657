Feature: The command line for scripts and people
  The `bulkio` command answers scripts on standard output (JSON when asked), talks to people on
  standard error, and ends every mistake with one line and a documented exit code.

  Rule: Machine answers go to standard output, messages to standard error

    Scenario: A script reads the finished import job as JSON
      Given a file "users.csv" with:
        """
        email,name,role
        ada@example.com,Ada Lovelace,admin
        bob@example.com,Bob Wilson,reader
        """
      When I run bulkio import "users.csv" --resource users --json
      Then the command exits with 0
      And its standard output is a job that is completed with 2 created rows
      And its standard error says "completed"

  Rule: Every mistake is one line and an exit code

    Scenario Outline: A wrong command
      When I run bulkio <arguments>
      Then the command exits with <code>
      And its standard error is one line that says "<says>"

      Examples:
        | arguments                                               | code | says                  |
        | jobs --status done                                      | 2    | 'done' is not one of  |
        | export --resource people                                | 2    | 'people' is not one of |
        | jobs show 00000000-0000-4000-8000-000000000099          | 3    | no job                |

    Scenario: Settings out of range are all named at once
      When I run bulkio jobs with PORT "abc" and JOB_BATCH_SIZE "0"
      Then the command exits with 5
      And its standard error is one line that says "JOB_BATCH_SIZE='0'"
      And its standard error is one line that says "PORT='abc'"

  Rule: An import that imported nothing does not exit 0

    Scenario: Every row of the import failed
      Given a file "users.csv" with:
        """
        email,name,role
        not-an-email,Ada Lovelace,admin
        bob@example.com,Bob Wilson,boss
        """
      When I run bulkio import "users.csv" --resource users
      Then the command exits with 9
      And its standard error says "every row failed"

    Scenario: A semicolon file read with commas fails at once and names the semicolon
      Given a file "users.csv" with:
        """
        email;name;role
        ada@example.com;Ada Lovelace;admin
        """
      When I run bulkio import "users.csv" --resource users --delimiter ,
      Then the command exits with 1
      And its standard error says "pass delimiter=';'"

    Scenario: The delimiter is given on the command line
      Given a file "users.csv" with:
        """
        sep=,
        email;name;role
        ada@example.com;Ada Lovelace;admin
        """
      When I run bulkio import "users.csv" --resource users --delimiter ";" --json
      Then the command exits with 0
      And its standard output is a job that is completed with 1 created rows
