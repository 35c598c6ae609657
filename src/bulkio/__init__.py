"""bulkio: bulk import and export of records, as a library, a CLI and a REST service.

    import bulkio
    with bulkio.open() as bio:
        job = bio.wait(bio.import_file("users.csv", resource="users").id)
"""

from __future__ import annotations

from typing import Any

__all__ = ["Bulkio", "open"]


def __getattr__(name: str) -> Any:
    # Imported lazily so that `import bulkio.domain` stays free of infrastructure.
    if name in __all__:
        from bulkio import api

        return getattr(api, name)
    raise AttributeError(name)
