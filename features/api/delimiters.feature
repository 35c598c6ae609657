Feature: Delimiters and files in the wrong shape, through the API
  A client may name the delimiter of a CSV file, in the form, the JSON body or the query. Without
  it the service reads an Excel "sep=" line, else the header. A file whose header names none of
  the required fields fails its import job at once and the reason says what to change.

  Background:
    Given the service is running with the API key "team-key"

  Rule: The delimiter can be given with every kind of upload

    Scenario Outline: A semicolon file is imported with the delimiter sent <how>
      When the client uploads a users file <how> with the delimiter ";" and:
        """
        sep=,
        email;name;role
        ann@example.com;Ann, Lee;admin
        bob@example.com;Bob;reader
        """
      Then the import job ends completed with 2 created and 0 failed

      Examples:
        | how             |
        | in a form       |
        | as the raw body |

    Scenario: A remote file is read with the delimiter sent in the JSON body
      Given a users file is published as "users" with:
        """
        email|name|role
        ann@example.com|Ann Lee|admin
        """
      When the client asks to import users from the address of "users" with the delimiter "|"
      Then the import job ends completed with 1 created and 0 failed

    Scenario: Without a delimiter the header tells it
      When the client uploads a users file with:
        """
        email;name;role
        ann@example.com;Ann Lee;admin
        """
      Then the import job ends completed with 1 created and 0 failed

    Scenario Outline: A delimiter that cannot be one is refused <how>
      When the client uploads a users file <how> with the delimiter "<delimiter>" and:
        """
        email,name,role
        ann@example.com,Ann Lee,admin
        """
      Then the client is refused as "invalid-request" about the field "delimiter"
      And there are 0 import jobs

      Examples:
        | how             | delimiter |
        | in a form       | ;;        |
        | as the raw body | ab        |

  Rule: A file in the wrong shape fails at once with the likely cause

    Scenario: A semicolon file read with commas fails and names the semicolon
      When the client uploads a users file in a form with the delimiter "," and:
        """
        email;name;role
        ann@example.com;Ann Lee;admin
        """
      Then the import job ends failed because "is the file separated by ';' rather than ','? pass delimiter=';'"
      And the service holds no users
