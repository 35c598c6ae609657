Feature: Webhooks
  A client that names a callback URL when it creates a job is told when the job ends: the
  service posts the job to that URL, signed with the secret both sides share, and tries again
  while the receiver fails.

  Background:
    Given the service is running with the API key "team-key" and the webhook secret "hook-secret"
    And a receiver that fails once and then accepts

  Scenario: A finished import is posted, signed, and retried after the receiver failed
    When the client uploads the sample users with the receiver as callback URL
    Then the receiver gets the "completed" import job signed with "hook-secret" on attempt 2
    And the import job shows 2 delivery attempts, the last one delivered

  Scenario: A cancelled export is posted to its callback URL
    Given the workers are stopped
    When the client asks for an export of users with the receiver as callback URL
    And the client cancels the export job
    Then the receiver gets the "cancelled" export job signed with "hook-secret" on attempt 1
