"""Classes registered by key: the way a policy, a rule or a method is named in adapt.yaml and found again."""
from typing import Dict, Generic, Tuple, Type, TypeVar

Registered = TypeVar("Registered")


class Registry(Generic[Registered]):
    """Classes that name themselves by a class attribute `key`."""

    def __init__(self, what: str):
        self.what = what
        self.classes: Dict[str, Type[Registered]] = {}

    def register(self, cls: Type[Registered]) -> Type[Registered]:
        self.classes[cls.key] = cls
        return cls

    def get(self, key: str) -> Type[Registered]:
        try:
            return self.classes[key]
        except KeyError:
            raise ValueError(f"no {self.what} {key!r} (known: {', '.join(self.keys())})") from None

    def keys(self) -> Tuple[str, ...]:
        """In the order they were registered."""
        return tuple(self.classes)
