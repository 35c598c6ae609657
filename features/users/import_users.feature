Feature: Import users
  An import job reads a file of users; every valid row becomes a user record, upserted by
  email, and every invalid row is reported with its row number, field, code and value.

  Rule: Every valid row of a users file becomes a user record

    Scenario: The sample users CSV creates three users
      Given a file "users.csv" with:
        """
        email,name,role,active
        john@example.com,John Doe,admin,true
        jane@example.com,Jane Smith,editor,true
        bob@example.com,Bob Wilson,reader,false
        """
      When I import "users.csv" as users
      Then the import job is completed
      And the import job counts:
        | total | processed | successful | created | updated | skipped | failed |
        | 3     | 3         | 3          | 3       | 0       | 0       | 0      |
      And the import job reports no row errors
      And the stored users are:
        | email            | name       | role   | active |
        | bob@example.com  | Bob Wilson | reader | false  |
        | jane@example.com | Jane Smith | editor | true   |
        | john@example.com | John Doe   | admin  | true   |
      And every stored user has its own id

    Scenario: The sample users NDJSON creates three users
      Given a file "users.ndjson" with:
        """
        {"email":"john@example.com","name":"John Doe","role":"admin","active":true}
        {"email":"jane@example.com","name":"Jane Smith","role":"editor","active":true}
        {"email":"bob@example.com","name":"Bob Wilson","role":"reader","active":false}
        """
      When I import "users.ndjson" as users
      Then the import job is completed
      And the import job counts:
        | created | failed |
        | 3       | 0      |
      And the stored users are:
        | email            | role   | active |
        | bob@example.com  | reader | false  |
        | jane@example.com | editor | true   |
        | john@example.com | admin  | true   |

    Scenario: An email is stored in lower case
      Given a file "users.csv" with:
        """
        email,name,role
        John.Doe@Example.COM,John Doe,admin
        """
      When I import "users.csv" as users
      Then the stored users are:
        | email                |
        | john.doe@example.com |

    Scenario: A user without an active flag is active
      Given a file "users.csv" with:
        """
        email,name,role,active
        john@example.com,John Doe,admin,
        jane@example.com,Jane Smith,editor,true
        """
      When I import "users.csv" as users
      Then the stored users are:
        | email            | active |
        | jane@example.com | true   |
        | john@example.com | true   |

    Scenario Outline: The active flag written as "<written>" reads as <active>
      Given a file "users.csv" with:
        """
        email,name,role,active
        john@example.com,John Doe,admin,<written>
        """
      When I import "users.csv" as users
      Then the import job reports no row errors
      And the stored users are:
        | email            | active   |
        | john@example.com | <active> |

      Examples:
        | written | active |
        | true    | true   |
        | TRUE    | true   |
        | yes     | true   |
        | 1       | true   |
        | false   | false  |
        | No      | false  |
        | 0       | false  |

    Scenario: A column that only resembles a field does not fill it
      Given a file "users.csv" with:
        """
        E-Mail,Full_Name,ROLE, Active ,ID
        john@example.com,John Doe,admin,false,6FA459EA-EE8A-3CA4-894E-DB77E160355E
        """
      When I import "users.csv" as users
      Then the import job counts:
        | created | failed |
        | 0       | 1      |
      And the row errors are:
        | row | field | code     |
        | 1   | name  | required |
      And the import job warns that the column "Full_Name" was ignored

    Scenario: Column names in another style still name the fields
      Given a file "users.csv" with:
        """
        EMAIL, Name ,Role,is_Active,Id
        john@example.com,John Doe,admin,false,6FA459EA-EE8A-3CA4-894E-DB77E160355E
        """
      When I import "users.csv" as users
      Then the import job reports no row errors
      And the import job warns that the column "is_Active" was ignored
      And the stored users are:
        | id                                   | email            | name     | role  | active |
        | 6fa459ea-ee8a-3ca4-894e-db77e160355e | john@example.com | John Doe | admin | true   |

    Scenario: An unknown column is ignored with a warning
      Given a file "users.csv" with:
        """
        email,name,role,nickname
        john@example.com,John Doe,admin,JD
        """
      When I import "users.csv" as users
      Then the import job is completed
      And the import job warns that the column "nickname" was ignored
      And 1 user is stored

  Rule: An invalid row is reported and the other rows are still imported

    Scenario Outline: A user row with an invalid <field> is reported as <code>
      Given a file "users.csv" with:
        """
        id,email,name,role,active
        ,john@example.com,John Doe,admin,true
        <id>,<email>,<name>,<role>,<active>
        """
      When I import "users.csv" as users
      Then the import job is completed
      And the import job counts:
        | processed | created | failed |
        | 2         | 1       | 1      |
      And the row errors are:
        | row | field   | code   | value   |
        | 2   | <field> | <code> | <value> |
      And the stored users are:
        | email            |
        | john@example.com |

      Examples:
        | field  | id  | email            | name       | role      | active | code           | value            |
        | email  |     | not-an-email     | Jane Smith | editor    | true   | invalid_format | not-an-email     |
        | email  |     | jane@example     | Jane Smith | editor    | true   | invalid_format | jane@example     |
        | email  |     |                  | Jane Smith | editor    | true   | required       |                  |
        | name   |     | jane@example.com |            | editor    | true   | required       |                  |
        | role   |     | jane@example.com | Jane Smith | superuser | true   | invalid_enum   | superuser        |
        | role   |     | jane@example.com | Jane Smith |           | true   | required       |                  |
        | active |     | jane@example.com | Jane Smith | editor    | maybe  | invalid_type   | maybe            |
        | id     | 123 | jane@example.com | Jane Smith | editor    | true   | invalid_format | 123              |

    Scenario Outline: Every one of the five roles is accepted
      Given a file "users.csv" with:
        """
        email,name,role
        someone@example.com,Some One,<role>
        """
      When I import "users.csv" as users
      Then the import job reports no row errors
      And the stored users are:
        | email               | role   |
        | someone@example.com | <role> |

      Examples:
        | role    |
        | admin   |
        | manager |
        | author  |
        | editor  |
        | reader  |
