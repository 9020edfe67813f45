"""adapt.yaml as typed sections: values read into frozen dataclasses by each field's documented rules (`doc`,
`choices`, `min`, `max`, ...; core/config.py declares them), and the sections written back as commented YAML.

A wrong value raises `ConfigError` naming its dotted key.
"""
import dataclasses
import json
import sys
import typing
from typing import Any, Dict, List, Mapping

from core.errors import ConfigError


def doc(text: str, **rules) -> Dict[str, Any]:
    """A field's metadata: its one-line description and the rules its value must meet."""
    return {"doc": text, **rules}


def section_yaml(section_value, path: str, indent: str, notes: Mapping[str, str]) -> List[str]:
    lines = []
    for item in dataclasses.fields(section_value):
        value = getattr(section_value, item.name)
        if dataclasses.is_dataclass(value):  # a section inside a section: serving.batching
            lines += [f"{indent}# {type(value).__doc__.strip()}", f"{indent}{item.name}:"]
            lines += section_yaml(value, f"{path}.{item.name}", indent + "  ", notes)
            continue
        lines.append(f"{indent}# {item.metadata.get('doc', '')}")
        if "values" in item.metadata and value:  # one line per entry, to read and edit
            lines.append(f"{indent}{item.name}:")
            for key, entry in value.items():
                note = notes.get(f"{path}.{item.name}.{key}")
                lines.append(f"{indent}  {json.dumps(key)}: {json.dumps(entry)}" + (f"  # {note}" if note else ""))
            continue
        # JSON is valid YAML and keeps lists and mappings on one readable line.
        lines.append(f"{indent}{item.name}: {json.dumps(value)}")
    return lines


def build_section(cls, values: Mapping[str, Any], prefix: str, retired: Mapping[str, str]):
    if not isinstance(values, Mapping):
        raise ConfigError(f"{prefix.rstrip('.') or 'config'}: must be a mapping, got {values!r}")
    known = {f.name: f for f in dataclasses.fields(cls)}
    ignored = [name for name in values if f"{prefix}{name}" in retired]
    for name in ignored:
        sys.stderr.write(f"adapt: {prefix}{name} in adapt.yaml is ignored: {retired[prefix + name]}\n")
    values = {name: value for name, value in values.items() if name not in ignored}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ConfigError(f"{prefix}{unknown[0]}: unknown configuration key "
                          f"(known: {', '.join(sorted(known))})")
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for name, item in known.items():
        if name not in values:
            continue
        key = f"{prefix}{name}"
        hint = hints[name]
        if dataclasses.is_dataclass(hint):
            kwargs[name] = build_section(hint, values[name] if values[name] is not None else {}, key + ".", retired)
        else:
            value = _check_value(key, values[name], hint, item.metadata)
            if isinstance(value, dict) and item.default_factory is not dataclasses.MISSING:
                value = {**item.default_factory(), **value}  # partial mappings extend the defaults
            kwargs[name] = value
    return cls(**kwargs)


def _check_value(key: str, value: Any, hint: Any, rules: Mapping[str, Any]) -> Any:
    if value in rules.get("also", ()):
        return value
    origin = typing.get_origin(hint)
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{key}: must be true or false, got {value!r}")
    elif hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and value.strip().lstrip("-").isdigit():
                value = int(value)
            else:
                raise ConfigError(f"{key}: must be an integer, got {value!r}")
    elif hint is float:
        if isinstance(value, bool):
            raise ConfigError(f"{key}: must be a number, got {value!r}")
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{key}: must be a number, got {value!r}") from None
    elif hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{key}: must be a string, got {value!r}")
    elif origin in (list, List):
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list):  # a YAML list of numbers (classes: [0, 1]) means their text
            value = [str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v for v in value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{key}: must be a list of strings, got {value!r}")
        allowed = rules.get("subset")
        bad = [v for v in value if allowed and v not in allowed]
        if bad:
            raise ConfigError(f"{key}: {bad[0]!r} is not one of {', '.join(allowed)}")
        if rules.get("window_sizes"):
            bad = [v for v in value if v != "all" and not (v.isdigit() and int(v) >= 1)]
            if bad or not value:
                raise ConfigError(f"{key}: expected window sizes (integers >= 1 or all), got {value!r}")
    elif origin in (dict, Dict):
        value_rules = {"choices": rules["values"]} if "values" in rules else {"min": 0.0}
        value = _check_mapping(key, value, typing.get_args(hint)[1], rules.get("keys"), value_rules)
    if "choices" in rules and value not in rules["choices"]:
        raise ConfigError(f"{key}: must be one of {', '.join(rules['choices'])}, got {value!r}")
    if "min" in rules and value < rules["min"]:
        raise ConfigError(f"{key}: must be >= {rules['min']}, got {value!r}")
    if "max" in rules and value > rules["max"]:
        raise ConfigError(f"{key}: must be <= {rules['max']}, got {value!r}")
    return value


def _check_mapping(key: str, value: Any, value_hint: Any, allowed_keys, value_rules: Mapping[str, Any]
                   ) -> Dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{key}: must be a mapping, got {value!r}")
    checked = {}
    for name, item in value.items():
        item_key = f"{key}.{name}"
        if typing.get_origin(value_hint) in (dict, Dict):
            checked[name] = _check_mapping(item_key, item, typing.get_args(value_hint)[1], allowed_keys, value_rules)
            continue
        if allowed_keys and name not in allowed_keys:
            raise ConfigError(f"{item_key}: unknown metric (known: {', '.join(allowed_keys)})")
        checked[str(name)] = _check_value(item_key, item, value_hint, value_rules)
    return checked


def with_keys(text: str, values: Mapping[str, Any], note: str) -> str:
    """adapt.yaml's text with dotted keys (`section.key`) set in place, each line commented with `note`; every other
    line and comment stays as the user left it. A key not written yet goes at the end of its section, a section not
    written yet at the end of the file."""
    lines = text.splitlines()
    for dotted, value in values.items():
        section, key = dotted.split(".", 1)
        entry = f"  {key}: {json.dumps(value)}  # {note}"
        start = next((i for i, line in enumerate(lines) if line.rstrip() == f"{section}:"), None)
        if start is None:
            lines += ["", f"{section}:", entry]
            continue
        end = start + 1
        while end < len(lines) and (lines[end].startswith(" ") or not lines[end].strip()):
            end += 1
        keyed = [i for i in range(start + 1, end) if lines[i].startswith(f"  {key}:")]
        if keyed:
            lines[keyed[0]] = entry
            continue
        while end > start + 1 and not lines[end - 1].strip():
            end -= 1
        lines.insert(end, entry)
    return "\n".join(lines) + "\n"
