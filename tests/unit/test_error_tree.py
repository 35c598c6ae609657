"""One error tree: the domain's errors in one module, the services' in another, all under
`BulkioError`, drawn once in `domain/errors.py`; only the HTTP problems table knows statuses."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import bulkio
from bulkio.domain import errors as domain_errors
from bulkio.domain.errors import BulkioError
from bulkio.services import errors as service_errors

SRC = Path(bulkio.__file__).parent
TREE = domain_errors.__doc__ or ""


def classes(module: object) -> list[type]:
    return [cls for _, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, BaseException) and cls.__module__ == module.__name__]


@pytest.mark.parametrize("cls", classes(domain_errors) + classes(service_errors),
                         ids=lambda cls: cls.__name__)
def test_every_error_is_in_the_one_tree_and_drawn_when_declared(cls: type) -> None:
    assert issubclass(cls, BulkioError)
    drawn = re.search(rf"── {cls.__name__}\s", TREE) or cls is BulkioError
    assert drawn, f"{cls.__name__} is missing from the tree in domain/errors.py"


def test_no_other_module_declares_an_error() -> None:
    declared = []
    for info in pkgutil.walk_packages(bulkio.__path__, "bulkio."):
        module = importlib.import_module(info.name)
        if info.name not in (domain_errors.__name__, service_errors.__name__):
            declared += [f"{info.name}.{cls.__name__}" for cls in classes(module)]
    # The CSV reader's private signals, caught inside it (a record past the limits).
    assert declared == ["bulkio.formats.csv._TooLong", "bulkio.formats.csv._TooWide"]


@pytest.mark.parametrize("layer", ["domain", "ports", "services", "adapters", "formats"])
def test_no_http_status_is_named_outside_the_http_edge(layer: str) -> None:
    # 404 is left out: adapters read it in the answers of other servers (S3, URL imports).
    named = [f"{path.relative_to(SRC)}: {line.strip()}"
             for path in (SRC / layer).rglob("*.py")
             for line in path.read_text().splitlines()
             if re.search(r"HTTP [1-5]\d\d|\(HTTP|\b(?:400|401|403|409|413|415|422|503)\b", line)]
    assert named == []
