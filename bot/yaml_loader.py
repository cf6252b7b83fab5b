"""The one YAML loader for course files: PyYAML's safe subset, parsed by libyaml when built with it.

Rules, the glossary and every document's front matter are read at each start; libyaml is
several times faster than the pure-Python parser and accepts exactly the same safe subset.
"""

from __future__ import annotations

from typing import Any

import yaml

# libyaml's CSafeLoader is not a subclass of the pure-Python SafeLoader; both build only the
# safe subset, so either may be passed below (a subclass of one, as front matter uses, too).
SafeLoaderType = type[Any]
SAFE_LOADER: SafeLoaderType = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str, loader: SafeLoaderType = SAFE_LOADER) -> Any:  # noqa: ANN401
    """Parse trusted-format YAML text with a safe loader (never builds arbitrary objects)."""
    return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader, chosen above
