Feature: API keys
  Clients prove who they are with one of the configured API keys; health checks and the API
  documentation stay open to anyone. Without configured keys, the API is open.

  Scenario Outline: A client is let in only with a configured key
    Given the service is running with the API keys "key1-secret, key2-secret"
    When a client with <credentials> lists the import jobs
    Then the client is <outcome>

    Examples:
      | credentials             | outcome                    |
      | the API key "key1-secret" | let in                   |
      | the API key "key2-secret" | let in                   |
      | the API key "wrong"     | refused as "unauthorized"  |
      | no API key              | refused as "unauthorized"  |

  Scenario: Health checks and documentation need no key
    Given the service is running with the API key "team-key"
    Then a client with no API key can check the service's health and read its documentation

  Scenario: Without configured keys everyone is let in
    Given the service is running without API keys
    When a client with no API key lists the import jobs
    Then the client is let in
