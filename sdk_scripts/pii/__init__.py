"""Personal data in task text: detection (presidio recognizers) and stable, keyed pseudonyms.

`find_pii` / `Finding` / `PATTERN_TYPES` (`detect`), `Pseudonymiser` / `secret_from_env` /
`default_mapping_path` (`pseudonymise`). Names load on first use.
"""

from sdk_scripts.exports import lazy_exports

_WHERE = {
    "find_pii": "detect",
    "Finding": "detect",
    "PATTERN_TYPES": "detect",
    "Pseudonymiser": "pseudonymise",
    "secret_from_env": "pseudonymise",
    "default_mapping_path": "pseudonymise",
}

__all__, __getattr__ = lazy_exports(__name__, _WHERE)
