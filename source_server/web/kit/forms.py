"""The one form model: a refused value becomes a message next to its field, in the page's language.

A page reads its form as typed text (so a refused form comes back as it was sent), collects what it refuses
itself in ``FieldErrors`` (or raises ``FormError`` from a parser), and adds the service's refusal with
``FieldErrors.domain``, which says the error's code (``kit.errors``) next to the form field the service field
is shown at.
"""

from __future__ import annotations

from collections.abc import Mapping

from source_server.web.kit.errors import CodedError, words
from source_server.web.kit.i18n import t


class FormError(ValueError):
    """A value the form itself refuses before the service sees it: the form field and the string key saying why."""

    def __init__(self, field: str, key: str, **params: object) -> None:
        super().__init__(key)
        self.field = field
        self.key = key
        self.params = params

    def text(self, lang: str) -> str:
        """The message in ``lang``."""
        return t(self.key, lang).format(**self.params)


class FieldErrors(dict[str, str]):
    """Form field → its message in ``lang``; the first message of a field is kept."""

    def __init__(self, lang: str, form_field: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.lang = lang
        self.form_field = dict(form_field or {})
        """Service field → the form field its message is shown next to (others keep their name)."""

    def add(self, field: str, key: str, **params: object) -> None:
        """Refuse ``field`` with the string ``key`` (filled with ``params``)."""
        self.setdefault(field, t(key, self.lang).format(**params))

    def refused(self, exc: FormError) -> None:
        """A parser's refusal."""
        self.setdefault(exc.field, exc.text(self.lang))

    def domain(self, exc: CodedError, field: str, *, names: Mapping[str, str] | None = None) -> str:
        """A service's refusal of ``field``, at its form field; returns the form field."""
        at = self.form_field.get(field, field)
        self.setdefault(at, words(exc, self.lang, names=names))
        return at
