Feature: Following import jobs
  A client follows its import jobs: their state, phase, counters and speed; a page at a time
  when listing them; and it may cancel one that has not ended.

  Background:
    Given the service is running with the API key "team-key"

  Scenario: A finished import job shows its counters, progress and metrics
    Given the client has imported the sample users
    When the client looks at the import job
    Then the import job shows state "completed" and phase "done"
    And the import job shows 100 percent progress
    And the import job shows its rows per second, error rate and duration

  Scenario: Import jobs are listed newest first, a page at a time
    Given the client has imported the sample users 3 times
    When the client lists the import jobs 2 at a time
    Then the client sees 3 import jobs, newest first, on 2 pages

  Scenario: A job list shows each job's first row error, the job itself its first hundred
    Given the client has uploaded a users file with:
      """
      email,name,role
      not-an-email,Bad Email,admin
      ok@example.com,Fine User,admin
      role@example.com,Bad Role,superuser
      """
    And the import job has ended
    When the client lists the import jobs 10 at a time
    Then the listed import job shows 2 errors and the first one, in row 1
    And the import job itself shows its 2 errors

  Scenario: A long invalid value is shown as a preview of 200 characters
    When the client uploads a users file with an email of 100000 characters
    Then the import job ends completed with 0 created and 1 failed
    And the import job and its row errors show the email as its first 200 characters and "…"

  Scenario: An import job that has not started is cancelled
    Given the workers are stopped
    And the client has uploaded the sample users
    When the client cancels the import job
    Then the import job shows state "cancelled" and phase "done"

  Scenario: A finished import job cannot be cancelled
    Given the client has imported the sample users
    When the client cancels the import job
    Then the client is refused because of a conflict

  Scenario: An import job that failed half-way is resumed after its last batch
    Given an import job has failed half-way because the storage went away
    When the client resumes the import job
    Then the import job ends completed after the rows it had done, each written once

  Scenario: An import job that did not fail cannot be resumed
    Given the client has imported the sample users
    When the client resumes the import job
    Then the client is refused because of a conflict
