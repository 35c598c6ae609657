"""Users files of any size, written row by row (a 100,000-row file is a few MB)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

ROLES = ("admin", "manager", "author", "editor", "reader")


def user(n: int) -> dict[str, str]:
    return {"email": f"user{n:06d}@example.com", "name": f"User {n}", "role": ROLES[n % 5],
            "active": "true" if n % 3 else "false"}


def write_users_csv(path: Path, numbers: Iterable[int], invalid_every: int = 0) -> Path:
    """One row per number; with `invalid_every`, every such row has an unknown role."""
    with path.open("w", encoding="utf-8") as out:
        out.write("email,name,role,active\n")
        for n in numbers:
            row = user(n)
            if invalid_every and n % invalid_every == 0:
                row["role"] = "superhero"
            out.write(f"{row['email']},{row['name']},{row['role']},{row['active']}\n")
    return path


def write_users_ndjson(path: Path, numbers: Iterable[int]) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for n in numbers:
            out.write(json.dumps(user(n)) + "\n")
    return path
