"""The product checker's rules: the data model (model.py) and its loader (rules_loader.py).

One import for callers outside the checker's internals (`from bot.checking.rules import
load_rules, Rules`). The loader imports the model and this module imports both, so there is no
import cycle; `load_rules` takes the rules folder from its caller and reads no environment.
"""

from bot.checking.model import (
    CONTEXT_FIELDS,
    FORMS,
    OUTCOMES,
    SECTIONS,
    CatchAll,
    CheckInputError,
    Clause,
    Condition,
    Constraint,
    ControlEntry,
    Country,
    Extractor,
    Group,
    GroupLicences,
    Item,
    LicenceType,
    Measure,
    Membership,
    Meta,
    Note,
    Parameter,
    Rules,
    RulesError,
    Technology,
    Value,
    compile_terms,
    fill,
    format_value,
    normalise_name,
)
from bot.checking.rules_loader import build_rules, load_rules

__all__ = [
    "CONTEXT_FIELDS", "FORMS", "OUTCOMES", "SECTIONS", "CatchAll", "CheckInputError", "Clause",
    "Condition", "Constraint", "ControlEntry", "Country", "Extractor", "Group", "GroupLicences",
    "Item", "LicenceType", "Measure", "Membership", "Meta", "Note", "Parameter", "Rules",
    "RulesError", "Technology", "Value", "build_rules", "compile_terms", "fill",
    "format_value", "load_rules", "normalise_name",
]
