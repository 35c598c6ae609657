Feature: File formats
  An import job reads CSV, NDJSON and JSON files, plain or gzip-compressed, in a single pass. A
  row that cannot be read is reported like any invalid row; a file that cannot be read at all
  fails the import job with a clear reason and writes nothing.

  Rule: CSV is read as RFC 4180 describes it

    Scenario: Quoted values may hold commas, quotes and line breaks
      Given a file "users.csv" with:
        """
        email,name,role,active
        "john@example.com","Doe, John",admin,true
        jane@example.com,"Jane ""JJ"" Smith",editor,true
        bob@example.com,"Bob
        Wilson",reader,false
        """
      When I import "users.csv" as users
      Then the import job reports no row errors
      And the stored users are:
        | email            | name              |
        | bob@example.com  | Bob\nWilson       |
        | jane@example.com | Jane "JJ" Smith   |
        | john@example.com | Doe, John         |

    Scenario: A row after a value with a line break keeps its row number and its line
      Given a file "users.csv" with:
        """
        email,name,role
        bob@example.com,"Bob
        Wilson",reader
        bad-email,Bad Email,reader
        """
      When I import "users.csv" as users
      Then the row errors are:
        | row | line | field | code           |
        | 2   | 4    | email | invalid_format |

    Scenario: A byte order mark before the header is ignored
      Given a file "users.csv" that starts with a byte order mark and holds:
        """
        email,name,role,active
        john@example.com,John Doe,admin,true
        """
      When I import "users.csv" as users
      Then the import job reports no row errors
      And the import job has no warnings
      And the stored users are:
        | email            | name     |
        | john@example.com | John Doe |

    Scenario: Windows line endings are read like any other
      Given a file "users.csv" with Windows line endings and:
        """
        email,name,role,active
        john@example.com,John Doe,admin,true
        jane@example.com,Jane Smith,editor,false
        """
      When I import "users.csv" as users
      Then the import job reports no row errors
      And the stored users are:
        | email            | name       | active |
        | jane@example.com | Jane Smith | false  |
        | john@example.com | John Doe   | true   |

    Scenario: A row with too many values is reported and the others are imported
      Given a file "users.csv" with:
        """
        email,name,role
        john@example.com,John Doe,admin
        jane@example.com,Jane Smith,editor,surplus
        bob@example.com,Bob Wilson,reader
        """
      When I import "users.csv" as users
      Then the import job counts:
        | processed | created | failed |
        | 3         | 2       | 1      |
      And the row errors are:
        | row | code          |
        | 2   | malformed_row |

  Rule: NDJSON holds one object per line

    Scenario: The sample users NDJSON is imported
      Given a file "users.ndjson" with:
        """
        {"email":"john@example.com","name":"John Doe","role":"admin","active":true}
        {"email":"jane@example.com","name":"Jane Smith","role":"editor","active":true}
        {"email":"bob@example.com","name":"Bob Wilson","role":"reader","active":false}
        """
      When I import "users.ndjson" as users
      Then the import job reports no row errors
      And 3 users are stored

    Scenario: A field that first appears on a later line is ignored with a warning
      Given a file "users.ndjson" with:
        """
        {"email":"john@example.com","name":"John Doe","role":"admin"}
        {"email":"jane@example.com","name":"Jane Smith","role":"editor","nickname":"JJ"}
        """
      When I import "users.ndjson" as users
      Then the import job reports no row errors
      And the import job warns that the column "nickname" was ignored
      And 2 users are stored

    Scenario Outline: A line that is not a JSON object becomes a row error (<case>)
      Given a file "users.ndjson" with:
        """
        {"email":"john@example.com","name":"John Doe","role":"admin"}
        <line>
        {"email":"bob@example.com","name":"Bob Wilson","role":"reader"}
        """
      When I import "users.ndjson" as users
      Then the import job is completed
      And the import job counts:
        | processed | created | failed |
        | 3         | 2       | 1      |
      And the row errors are:
        | row | line | field | code          |
        | 2   | 2    |       | malformed_row |
      And the stored users are:
        | email            |
        | bob@example.com  |
        | john@example.com |

      Examples:
        | case            | line                                                 |
        | unclosed object | {"email":"jane@example.com","name":"Jane Smith"      |
        | trailing comma  | {"email":"jane@example.com","name":"Jane Smith",}    |
        | an array        | ["jane@example.com","Jane Smith","editor"]           |
        | a bare string   | "jane@example.com"                                   |

  Rule: JSON holds one array of objects

    Scenario: A JSON array spread over many lines is imported
      Given a file "users.json" with:
        """
        [
          {"email": "john@example.com", "name": "John Doe", "role": "admin", "active": true},
          {
            "email": "jane@example.com",
            "name": "Jane Smith",
            "role": "editor"
          },
          {"email": "bob@example.com", "name": "Bob Wilson", "role": "reader", "active": false}
        ]
        """
      When I import "users.json" as users
      Then the import job reports no row errors
      And the stored users are:
        | email            | active |
        | bob@example.com  | false  |
        | jane@example.com | true   |
        | john@example.com | true   |

    Scenario: An element of the array that is not an object becomes a row error
      Given a file "users.json" with:
        """
        [
          {"email": "john@example.com", "name": "John Doe", "role": "admin"},
          "jane@example.com",
          {"email": "bob@example.com", "name": "Bob Wilson", "role": "reader"}
        ]
        """
      When I import "users.json" as users
      Then the import job counts:
        | processed | created | failed |
        | 3         | 2       | 1      |
      And the row errors are:
        | row | code          |
        | 2   | malformed_row |

    Scenario Outline: A broken JSON array fails the import job and writes nothing (<case>)
      Given a file "users.json" with:
        """
        <content>
        """
      When I import "users.json" as users
      Then the import job failed because "invalid JSON"
      And no users are stored

      Examples:
        | case              | content                                                                                                                      |
        | cut off           | [{"email":"john@example.com","name":"John Doe","role":"admin"},{"email":"jane@example.com","name":"Jane Smith","role":"ed   |
        | missing comma     | [{"email":"john@example.com","name":"John Doe","role":"admin"} {"email":"jane@example.com","name":"Jane Smith","role":"editor"}] |
        | unclosed array    | [{"email":"john@example.com","name":"John Doe","role":"admin"}                                                                |

    Scenario: A broken JSON array late in a large file writes nothing either
      Given import jobs read 2 rows per batch
      And a file "users.json" with:
        """
        [
          {"email": "u1@example.com", "name": "User One", "role": "reader"},
          {"email": "u2@example.com", "name": "User Two", "role": "reader"},
          {"email": "u3@example.com", "name": "User Three", "role": "reader"},
          {"email": "u4@example.com", "name": "User Four", "role": "reader"},
          {"email": "u5@example.com", "name": "User Five", "role": "reader"}
          {"email": "u6@example.com", "name": "User Six", "role": "reader"}
        ]
        """
      When I import "users.json" as users
      Then the import job failed because "invalid JSON"
      And no users are stored

  Rule: Gzip-compressed files are read as if they were plain

    Scenario Outline: A gzip-compressed <format> file is imported
      Given a file "<name>" holding these records:
        | email            | name       | role   | active |
        | john@example.com | John Doe   | admin  | true   |
        | jane@example.com | Jane Smith | editor | true   |
        | bob@example.com  | Bob Wilson | reader | false  |
      When I import "<name>" as users
      Then the import job reports no row errors
      And the stored users are:
        | email            | name       | role   | active |
        | bob@example.com  | Bob Wilson | reader | false  |
        | jane@example.com | Jane Smith | editor | true   |
        | john@example.com | John Doe   | admin  | true   |

      Examples:
        | format | name            |
        | CSV    | users.csv.gz    |
        | NDJSON | users.ndjson.gz |
        | JSON   | users.json.gz   |

    Scenario: A gzip-compressed CSV written out by hand is imported
      Given a gzip-compressed file "users.csv.gz" with:
        """
        email,name,role,active
        john@example.com,John Doe,admin,true
        """
      When I import "users.csv.gz" as users
      Then the import job reports no row errors
      And 1 user is stored

  Rule: The format comes from the caller, else from the file name, else from the content

    Scenario Outline: A <format> file without a name is recognised by its content
      Given a file "<name>" holding these records:
        | email            | name     | role  |
        | john@example.com | John Doe | admin |
      When I import the content of "<name>" without a file name as users
      Then the import job is completed
      And the import job reports no row errors
      And 1 user is stored

      Examples:
        | format          | name            |
        | CSV             | users.csv       |
        | NDJSON          | users.ndjson    |
        | JSON            | users.json      |
        | gzip of NDJSON  | users.ndjson.gz |

    Scenario: The format given by the caller wins over the file name
      Given a file "users.txt" with:
        """
        email,name,role
        john@example.com,John Doe,admin
        """
      When I import "users.txt" as users in csv format
      Then the import job reports no row errors
      And 1 user is stored

    Scenario: An unsupported format is refused before any import job starts
      Given a file "users.xml" with:
        """
        <users><user email="john@example.com"/></users>
        """
      When I try to import "users.xml" as users in xml format
      Then the request is refused because "unsupported format"
