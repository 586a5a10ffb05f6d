"""emulator/errors/ holds every Azure error class, and its docstring's tree lists them all."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import emulator
from emulator import errors
from emulator.errors import STATUSES, AzureError, for_status


def _all_modules() -> list[object]:
    return [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(emulator.__path__, "emulator.")
        if not info.name.endswith("__main__")
    ]


def test_every_azure_error_class_is_defined_in_the_errors_package() -> None:
    elsewhere = [
        f"{module.__name__}.{name}"
        for module in _all_modules()
        for name, value in vars(module).items()
        if inspect.isclass(value)
        and issubclass(value, AzureError)
        and not value.__module__.startswith("emulator.errors")
    ]
    assert elsewhere == []


def test_the_docstring_tree_names_every_error_class() -> None:
    classes = [name for name, value in vars(errors).items() if inspect.isclass(value) and issubclass(value, AzureError)]
    tree = errors.__doc__ or ""
    missing = [name for name in classes if f" {name} " not in tree]
    assert missing == []


def test_every_status_a_fault_may_answer_has_azure_s_body() -> None:
    for status in STATUSES:
        error = for_status(status)
        assert error.status == status
        assert error.error["code"] and error.error["message"], status
