"""A contract type for import-linter: these packages import only the public modules of
another (no module whose dotted path has a part starting with ``_``).

import-linter's own contracts name modules exactly or by whole-part wildcards
(``solar_api.*``), which cannot say "any private module, present or future". This one
reads the same import graph (grimp's) and checks direct imports only: an adapter may
import ``solar_api.integration``, which itself imports ``solar_api._words``.

Used by ``make lint`` (``[tool.importlinter]`` in pyproject.toml) and by
tests/unit/test_import_contracts.py.
"""

from __future__ import annotations

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output

__all__ = ["PublicModulesContract"]


def is_private(module: str, package: str) -> bool:
    """Whether `module` is a private module of `package` (``pkg._x``, ``pkg.a._y``)."""
    if not module.startswith(f"{package}."):
        return False
    return any(part.startswith("_") for part in module.split(".")[1:])


class PublicModulesContract(Contract):
    """Options: ``source_modules`` (the importers, with their descendants) and
    ``public_package`` (the package whose private modules they may not import)."""

    type_name = "public_modules"

    source_modules = fields.ListField(subfield=fields.ModuleField())
    public_package = fields.StringField()

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        package = str(self.public_package)
        broken: list[dict[str, object]] = []
        for source in self.source_modules:  # type: ignore[attr-defined]
            importers = {source.name} | graph.find_descendants(source.name)
            for importer in sorted(importers):
                for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                    if not is_private(imported, package):
                        continue
                    details = graph.get_import_details(importer=importer, imported=imported)
                    broken.append(
                        {
                            "importer": importer,
                            "imported": imported,
                            "lines": [d["line_number"] for d in details],
                        }
                    )
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for item in check.metadata["broken"]:
            lines = ", ".join(f"l.{n}" for n in item["lines"])
            output.print_error(
                f"{item['importer']} imports the private module {item['imported']} ({lines}); "
                f"import it from a public module of {self.public_package} "
                "(what adapters need is in solar_api.integration)"
            )
            output.new_line()
