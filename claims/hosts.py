"""Host names in one spelling: IDNA A-labels stored, Unicode shown, look-alikes called out."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

import idna
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Characters that look like a full stop but are not one to DNS: "reuters.com" + U+2024 + "evil.example"
# is not on reuters.com. IDNA maps some of them to dots and rejects others; we refuse them all, so what
# an editor sees is what gets stored. The Catalan and Katakana middle dots are legitimate in labels.
CONFUSABLE_DOTS = frozenset(
    "\u2024"  # ONE DOT LEADER
    "\u3002"  # IDEOGRAPHIC FULL STOP
    "\uff0e"  # FULLWIDTH FULL STOP
    "\uff61"  # HALFWIDTH IDEOGRAPHIC FULL STOP
    "\ufe52"  # SMALL FULL STOP
    "\u2027"  # HYPHENATION POINT
    "\u2219"  # BULLET OPERATOR
    "\u22c5"  # DOT OPERATOR
    "\u2e33"  # RAISED DOT
    "\u0701"  # SYRIAC SUPRALINEAR FULL STOP
    "\u0702"  # SYRIAC SUBLINEAR FULL STOP
    "\u06d4"  # ARABIC FULL STOP
    "\ua60e"  # VAI FULL STOP
    "\u1362"  # ETHIOPIC FULL STOP
)
# Scripts that legitimately share one label (Japanese, Chinese, Korean writing mixes them).
_HAN_FAMILY = {"CJK", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO"}


def normalise_host(host: str) -> str:
    """The lower-case ASCII spelling of a host: each non-ASCII label as its IDNA A-label (xn--…)."""
    for char in host:
        if char in CONFUSABLE_DOTS:
            raise ValidationError(
                _(
                    "The address contains “%(char)s” (%(name)s), which looks like a dot but is not one: "
                    "type the address with ordinary dots."
                ),
                code="confusable_dot",
                params={"char": char, "name": unicodedata.name(char, f"U+{ord(char):04X}")},
            )
    labels = []
    for label in host.lower().split("."):
        if label.isascii():
            labels.append(label)  # already ASCII (xn-- labels included): kept as typed
            continue
        try:
            labels.append(idna.encode(label, uts46=True).decode("ascii"))
        except (idna.IDNAError, UnicodeError) as error:
            raise ValidationError(
                _("“%(label)s” is not a valid internationalised domain name."),
                code="invalid_idn",
                params={"label": label},
            ) from error
    return ".".join(labels)


@dataclass(frozen=True)
class HostView:
    """A stored URL's host as editors should read it."""

    ascii: str
    unicode: str
    mixed_scripts: tuple[str, ...]  # the scripts mixed inside one label, when they are

    @property
    def internationalised(self) -> bool:
        return self.unicode != self.ascii


def describe_host(url: str) -> HostView:
    host = urlsplit(url).hostname or ""
    labels = [_unicode_label(label) for label in host.split(".")]
    mixed: set[str] = set()
    for label in labels:
        scripts = _scripts(label)
        if len(scripts) > 1 and not scripts <= {"LATIN", "HAN"}:
            mixed |= scripts
    return HostView(ascii=host, unicode=".".join(labels), mixed_scripts=tuple(sorted(mixed)))


def _unicode_label(label: str) -> str:
    if not label.startswith("xn--"):
        return label
    try:
        return idna.decode(label)
    except (idna.IDNAError, UnicodeError):
        return label  # shown as stored: an odd label is no reason to hide the source


def _scripts(label: str) -> set[str]:
    scripts = set()
    for char in label:
        if char.isalpha():
            script = unicodedata.name(char, "UNKNOWN").split(" ", 1)[0]
            scripts.add("HAN" if script in _HAN_FAMILY else script)
    return scripts
