Feature: Exporting records through the API
  A client downloads records as a stream, filtered and with the columns it chooses, or has an
  export job write a file it downloads later.

  Background:
    Given the service is running with the API key "team-key"
    And the client has imported the sample users

  Scenario Outline: Records stream as a <format> download
    When the client streams the users as <format>
    Then the client receives a "<media>" download named "users.<extension>" with 3 users

    Examples:
      | format | media               | extension |
      | csv    | text/csv            | csv       |
      | ndjson | application/x-ndjson | ndjson   |
      | json   | application/json    | json      |

  Scenario: Only matching records and chosen columns are streamed
    When the client streams the users with role "editor" and the columns "email,role"
    Then the client receives exactly:
      | email            | role   |
      | jane@example.com | editor |

  Scenario: An export job writes a file to download
    When the client asks for an export job of the users as csv with the columns "email"
    Then the export job ends completed with 3 exported rows
    And the export file downloads with 3 users

  Scenario: A filter value that does not fit its field is refused
    When the client streams the users with role "superuser" and the columns "email"
    Then the client is refused as "invalid-request" about the field "role"
