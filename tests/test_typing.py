"""kerasdnn's public API is typed (mypy checks the annotations against the code in .ci/run)."""

import importlib
import inspect
import pkgutil

import pytest

import kerasdnn

# One pytest-xdist worker runs this file (setup.cfg: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("typing")


def _public_callables():
    """Every public function, class and public method defined in a kerasdnn module, by qualified name."""
    found = {}
    for module_info in pkgutil.walk_packages(kerasdnn.__path__, "kerasdnn."):
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if name.startswith("_") or getattr(value, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(value):
                found[f"{module.__name__}.{name}"] = value
            elif inspect.isclass(value):
                for method_name, method in vars(value).items():
                    if inspect.isfunction(method) and (
                        not method_name.startswith("_") or method_name in ("__init__", "__call__")
                    ):
                        found[f"{module.__name__}.{name}.{method_name}"] = method
    return found


def test_every_public_function_and_method_is_annotated():
    unannotated = []
    for name, function in _public_callables().items():
        signature = inspect.signature(function)
        parameters = [p for p in signature.parameters.values() if p.name not in ("self", "cls")]
        missing = [p.name for p in parameters if p.annotation is inspect.Parameter.empty]
        if signature.return_annotation is inspect.Signature.empty:
            missing.append("return")
        if missing:
            unannotated.append(f"{name}: {', '.join(missing)}")
    assert not unannotated, "\n".join(unannotated)
