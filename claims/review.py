"""When a published claim is due for a fresh review: the rule, as a query and as a function of one claim.

A claim is due when it is published and either
- it looks forward (stage request or negotiation, or modality planned or possible: "intends to",
  "is negotiating") and the window of the event it announces ended before today: by now we should
  know whether it happened; or
- nobody has looked at it for settings.REVIEW_DUE_AFTER_DAYS: its latest assessment and its
  publication are both older than that.

Drafts and claims in review are being reviewed already, and a retraction is final: neither is due.
Due-ness depends on today's date, so it is computed when read, never stored in the claim document
(a stored flag would flip at midnight without a new version or feed event).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from claims import vocab

FORWARD_STAGES = (vocab.Stage.REQUEST, vocab.Stage.NEGOTIATION)
FORWARD_MODALITIES = (vocab.Modality.PLANNED, vocab.Modality.POSSIBLE)

EVENT_PASSED = "event_passed"
NOT_REVIEWED = "not_reviewed"
REASONS = {
    EVENT_PASSED: _("the event it looked forward to should have happened by now"),
    NOT_REVIEWED: _("nobody has reviewed it for a long time"),
}


@dataclass(frozen=True)
class ReviewDue:
    reason: str
    since: date

    @property
    def reason_text(self) -> str:
        return str(REASONS[self.reason])


def _today() -> date:
    return timezone.localdate()


def _stale_before(today: date) -> datetime:
    """Reviewed before this moment = not reviewed for REVIEW_DUE_AFTER_DAYS on `today`."""
    midnight = datetime.combine(today, datetime.min.time(), tzinfo=timezone.get_current_timezone())
    return midnight - timedelta(days=settings.REVIEW_DUE_AFTER_DAYS)


def _looks_forward() -> Q:
    return Q(stage__in=FORWARD_STAGES) | Q(modality__in=FORWARD_MODALITIES)


def review_due_q(today: date | None = None) -> Q:
    """THE rule as a filter on claims (no join beyond the current assessment, no per-row query)."""
    today = today or _today()
    # The isnull tests keep the answer TRUE or FALSE, never NULL, so that excluding it works too.
    window_ended = Q(review_window_end__isnull=False) & Q(review_window_end__lt=today)
    stale = Q(review_last_reviewed__isnull=False) & Q(review_last_reviewed__lt=_stale_before(today))
    return Q(status=vocab.Status.PUBLISHED) & ((_looks_forward() & window_ended) | stale)


def with_review_dates(claims: QuerySet) -> QuerySet:
    """The annotations review_due_q() reads: the event window's end and the last review."""
    return claims.annotate(
        review_window_end=Coalesce("event_end", "event_start"),
        # Published claims always have published_at; an assessment may be missing.
        review_last_reviewed=Greatest(
            F("published_at"), Coalesce("current_assessment__assessed_at", "published_at")
        ),
    )


def due(claims: QuerySet, today: date | None = None) -> QuerySet:
    return with_review_dates(claims).filter(review_due_q(today))


def not_due(claims: QuerySet, today: date | None = None) -> QuerySet:
    return with_review_dates(claims).exclude(review_due_q(today))


def last_reviewed(claim) -> datetime | None:
    assessment = claim.current_assessment
    moments = [m for m in (claim.published_at, assessment.assessed_at if assessment else None) if m]
    return max(moments) if moments else None


def review_due(claim, today: date | None = None) -> ReviewDue | None:
    """The same rule for one loaded claim (with current_assessment): why it is due and since when,
    the earliest reason first; None when it is not due."""
    today = today or _today()
    if claim.status != vocab.Status.PUBLISHED:
        return None
    found = []
    window_end = claim.event_end or claim.event_start
    forward = claim.stage in FORWARD_STAGES or claim.modality in FORWARD_MODALITIES
    if forward and window_end is not None and window_end < today:
        found.append(ReviewDue(EVENT_PASSED, window_end + timedelta(days=1)))
    reviewed = last_reviewed(claim)
    if reviewed is not None and reviewed < _stale_before(today):
        since = timezone.localdate(reviewed) + timedelta(days=settings.REVIEW_DUE_AFTER_DAYS + 1)
        found.append(ReviewDue(NOT_REVIEWED, since))
    return min(found, key=lambda d: d.since) if found else None
