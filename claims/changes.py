"""What a version changed, as data: stored with the version, put in words in the reader's language.

A version keeps both the data (`ClaimVersion.change_data`, rendered by `in_words`) and a fixed English
code (`ClaimVersion.change`, e.g. "draft → in_review", "assessed B2") that API clients already read.
"""

from django.utils.translation import gettext as _

from claims import vocab

CREATED = "created"
EDITED = "edited"
IMPORTED = "imported"
SOURCE_EDITED = "source_edited"
TRANSITIONED = "transitioned"
PUBLISHED = "published"
RETRACTED = "retracted"
ASSESSED = "assessed"
RELATED = "related"
UNRELATED = "unrelated"
REVERTED = "reverted"


def created() -> dict:
    return {"action": CREATED}


def edited() -> dict:
    return {"action": EDITED}


def imported() -> dict:
    return {"action": IMPORTED}


def source_edited() -> dict:
    return {"action": SOURCE_EDITED}


def transitioned(*, from_status: str, to_status: str, reason: str = "") -> dict:
    if to_status == vocab.Status.PUBLISHED:
        return {"action": PUBLISHED, "from": from_status}
    if to_status == vocab.Status.RETRACTED:
        return {"action": RETRACTED, "from": from_status, "reason": reason}
    return {"action": TRANSITIONED, "from": from_status, "to": to_status}


def assessed(code: str) -> dict:
    return {"action": ASSESSED, "code": code}


def related(kind: str) -> dict:
    return {"action": RELATED, "kind": kind}


def unrelated(kind: str) -> dict:
    return {"action": UNRELATED, "kind": kind}


def reverted(*, to_version: int, reason: str) -> dict:
    return {"action": REVERTED, "to_version": to_version, "reason": reason}


def code(change: dict) -> str:
    """The English code stored beside the data, as the API has always shown it."""
    action = change["action"]
    if action == TRANSITIONED:
        return f"{change['from']} → {change['to']}"
    if action == RETRACTED:
        return f"retracted: {change['reason']}"
    if action == ASSESSED:
        return f"assessed {change['code']}"
    if action in (RELATED, UNRELATED):
        return f"{action}: {change['kind']}"
    if action == REVERTED:
        return f"reverted to v{change['to_version']}: {change['reason']}"
    return action.replace("_", " ")


def from_code(text: str) -> dict:
    """The data behind a code written before versions kept it (migration 0014)."""
    if text.startswith("retracted: "):
        return {"action": RETRACTED, "from": "", "reason": text.removeprefix("retracted: ")}
    if text.startswith("assessed "):
        return assessed(text.removeprefix("assessed "))
    for action in (RELATED, UNRELATED):
        if text.startswith(f"{action}: "):
            return {"action": action, "kind": text.removeprefix(f"{action}: ")}
    if " → " in text:
        before, after = text.split(" → ", 1)
        return {"action": TRANSITIONED, "from": before, "to": after}
    action = text.replace(" ", "_")
    if action in (CREATED, EDITED, IMPORTED, SOURCE_EDITED, PUBLISHED):
        return {"action": action}
    return {}


def _label(choices, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def in_words(change: dict, fallback: str = "") -> str:
    """The change in the active language; a version without data shows its stored code."""
    action = change.get("action")
    if action == CREATED:
        return _("Created")
    if action == EDITED:
        return _("Edited")
    if action == IMPORTED:
        return _("Imported")
    if action == SOURCE_EDITED:
        return _("Source edited")
    if action == PUBLISHED:
        return _("Published")
    if action == RETRACTED:
        return _("Retracted: %(reason)s") % {"reason": change.get("reason", "")}
    if action == TRANSITIONED:
        return _("Status: %(from)s → %(to)s") % {
            "from": _label(vocab.Status, change["from"]),
            "to": _label(vocab.Status, change["to"]),
        }
    if action == ASSESSED:
        return _("Assessed %(code)s") % {"code": change["code"]}
    if action == RELATED:
        return _("Relation added: %(kind)s") % {"kind": _label(vocab.RelationKind, change["kind"])}
    if action == UNRELATED:
        return _("Relation removed: %(kind)s") % {"kind": _label(vocab.RelationKind, change["kind"])}
    if action == REVERTED:
        return _("Restored version %(n)s: %(reason)s") % {
            "n": change["to_version"],
            "reason": change["reason"],
        }
    return fallback
