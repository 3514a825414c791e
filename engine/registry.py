"""Live, read-only views of a registry (a dict of name -> entry).

The optimizers and the schedules each live in one registry of frozen entries
(engine.optimizers.OPTIMIZERS, engine.schedules.SCHEDULES). The tables the dashboard reads
(the names in order, every entry's title or parameters) are views of that registry, never
copies: an entry added to the registry shows in every one of them at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any


class Names(Sequence[str]):
    """The registry's names in registration order; compares equal to the tuple of them."""

    def __init__(self, registry: Mapping[str, Any]) -> None:
        self._registry = registry

    def __getitem__(self, index):
        return tuple(self._registry)[index]

    def __len__(self) -> int:
        return len(self._registry)

    def __iter__(self) -> Iterator[str]:
        return iter(tuple(self._registry))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._registry

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Names | tuple | list):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(tuple(self))


class Field(Mapping[str, Any]):
    """One attribute of every entry, by name: Field(OPTIMIZERS, "title")["adam"] == "Adam"."""

    def __init__(self, registry: Mapping[str, Any], attribute: str) -> None:
        self._registry = registry
        self._attribute = attribute

    def __getitem__(self, name: str) -> Any:
        return getattr(self._registry[name], self._attribute)

    def __iter__(self) -> Iterator[str]:
        return iter(tuple(self._registry))

    def __len__(self) -> int:
        return len(self._registry)

    def __repr__(self) -> str:
        return repr(dict(self))
