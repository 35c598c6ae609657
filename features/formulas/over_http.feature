Feature: Formulas in CSV files over the API
  CSV downloads (streamed exports, export job files, error reports) put a ' before text that
  starts with =, +, -, @, a tab or a carriage return; `keepFormulas` writes it raw.

  Background:
    Given the service is running with the API key "team-key"
    And the client has imported a users file with:
      """
      email,name,role
      eve@example.com,"=HYPERLINK(""http://evil.example"",""win"")",reader
      sum@example.com,@SUM(1+1),reader
      =1+1,Bad Email,reader
      """

  Scenario Outline: A streamed CSV export <neutralizes>
    When the client streams the users' names as csv with keepFormulas "<keep>"
    Then the client receives the names "<first>" and "<second>"

    Examples:
      | neutralizes                       | keep  | first                                    | second     |
      | neutralizes formula-like text     | false | '=HYPERLINK("http://evil.example","win") | '@SUM(1+1) |
      | keeps formulas when asked to      | true  | =HYPERLINK("http://evil.example","win")  | @SUM(1+1)  |

  Scenario Outline: An export job keeps its choice and its file follows it
    When the client asks for an export job of the users' names as csv with keepFormulas <keep>
    Then the export job ends completed with 2 exported rows
    And the export job shows keepFormulas <keep>
    And the export file holds the names "<first>" and "<second>"

    Examples:
      | keep  | first                                    | second     |
      | false | '=HYPERLINK("http://evil.example","win") | '@SUM(1+1) |
      | true  | =HYPERLINK("http://evil.example","win")  | @SUM(1+1)  |

  Scenario Outline: The CSV error report <neutralizes>
    When the client downloads the error report as csv with keepFormulas "<keep>"
    Then the report's failed row has the email "<email>"

    Examples:
      | neutralizes                   | keep  | email |
      | neutralizes formula-like text | false | '=1+1 |
      | keeps formulas when asked to  | true  | =1+1  |

  Scenario: A keepFormulas that is not a boolean is refused
    When the client streams the users' names as csv with keepFormulas "perhaps"
    Then the client is refused as "invalid-request" about the field "keepFormulas"
