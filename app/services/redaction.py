"""Masks secret values in text: the value itself and its base64 and URL-encoded forms."""

from __future__ import annotations

import base64
import re
from typing import Any, Iterable
from urllib.parse import quote, quote_plus

MASK = "***"


def _forms(value: str) -> set[str]:
    raw = value.encode()
    forms = {value, quote(value, safe=""), quote_plus(value), quote(value)}
    for enc in (base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()):
        forms.update({enc, enc.rstrip("=")})
    return {f for f in forms if f}


class Redactor:
    def __init__(self, values: Iterable[str] = ()):
        forms = set()
        for value in values:
            if value:
                forms |= _forms(value)
        # longest first, so a value is masked whole before any shorter form inside it
        alternatives = sorted(forms, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, alternatives))) if alternatives else None

    def text(self, text: str) -> str:
        return self._pattern.sub(MASK, text) if self._pattern and text else text

    def value(self, value: Any) -> Any:
        """Masks every string inside a JSON-like value (a result, an error)."""
        if self._pattern is None:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {self.text(k): self.value(v) for k, v in value.items()}
        return value
