"""The ports: `typing.Protocol`s the services need, in domain words and domain types only."""
