"""A reader for the subset of Vault ACL policy syntax that grants access.

Vault accepts a policy as HCL or as JSON. Both name path rules, each with a
list of capabilities; this module returns those rules and ignores the rest
(parameter constraints, comments). A document it cannot read is reported as
`PolicyParseError` so a rule can flag it instead of guessing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

# A quoted string, which is kept, or a comment, which is dropped. Strings come
# first, so a path like "a/*" is never read as the start of a block comment.
_STRING_OR_COMMENT = re.compile(
    r'"(?:[^"\\]|\\.)*"|#[^\n]*|//[^\n]*|/\*.*?\*/', re.DOTALL
)
_PATH_OPEN = re.compile(r'path\s+"((?:[^"\\]|\\.)*)"\s*=?\s*\{')
_CAPABILITIES = re.compile(r"capabilities\s*=\s*\[([^\]]*)\]")
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


class PolicyParseError(ValueError):
    """A policy document that is neither readable HCL nor JSON path rules."""


@dataclass(frozen=True)
class PathRule:
    """One `path` block: the path pattern and its capabilities."""

    path: str
    capabilities: frozenset[str]

    def grants_read(self) -> bool:
        return bool({"read", "list"} & self.capabilities) and not self.denies()

    def denies(self) -> bool:
        return "deny" in self.capabilities


def parse_policy(document: str) -> list[PathRule]:
    """Return the path rules of an ACL policy written as HCL or JSON."""
    if document.lstrip().startswith("{"):
        return _parse_json(document)
    return _parse_hcl(document)


def _parse_json(document: str) -> list[PathRule]:
    try:
        parsed = json.loads(document)
    except json.JSONDecodeError as error:
        raise PolicyParseError(f"invalid JSON policy: {error.msg}") from error

    paths = parsed.get("path", {}) if isinstance(parsed, dict) else None
    if not isinstance(paths, dict):
        raise PolicyParseError("a JSON policy needs a 'path' object")
    return [
        PathRule(path, frozenset(body.get("capabilities", [])))
        for path, body in paths.items()
        if isinstance(body, dict)
    ]


def _parse_hcl(document: str) -> list[PathRule]:
    text = _STRING_OR_COMMENT.sub(_keep_strings, document)
    rules = []
    for match in _PATH_OPEN.finditer(text):
        body = _block_body(text, match.end())
        capabilities = _CAPABILITIES.search(body)
        names = _STRING.findall(capabilities.group(1)) if capabilities else []
        rules.append(PathRule(match.group(1), frozenset(names)))

    if not rules and text.strip():
        raise PolicyParseError("no path block found")
    return rules


def _keep_strings(match: re.Match[str]) -> str:
    token = match.group(0)
    return token if token.startswith('"') else ""


def _block_body(text: str, start: int) -> str:
    """Return the text of the block opened just before `start`."""
    depth = 1
    for index in range(start, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return text[start:index]
    raise PolicyParseError("a path block is not closed")


def path_matches(pattern: str, path: str) -> bool:
    """Tell whether an ACL path pattern matches a concrete API path.

    `+` matches one segment and a trailing `*` matches any suffix, as in
    Vault's ACL rules.
    """
    regex = ""
    for index, char in enumerate(pattern):
        if char == "*" and index == len(pattern) - 1:
            regex += ".*"
        elif char == "+":
            regex += "[^/]+"
        else:
            regex += re.escape(char)
    return re.fullmatch(regex, path) is not None
