"""A source's track record: what became of the claims an actor originated or relayed, and the
reliability letter that record suggests (a suggestion to the reviewer, never a value set for them).

An actor's claims are those where it speaks in the chain: hop 0 (it originated the claim) or a later
hop (it relayed it). Of those claims, we count how many were later
- corroborated: it and another claim corroborate each other independently (relation kind
  corroborates, either way round, as credibility 1 reads it, with independence independent: a
  shared origin proves nothing);
- contradicted or denied: another claim contradicts or denies it (a relation pointing at it);
- retracted: the newsroom withdrew it.

The letter (suggested_letter) follows a fixed rule, documented in the README:
- fewer than MIN_RESOLVED claims with any outcome (corroborated, contradicted, denied or retracted):
  F, reliability cannot be judged;
- A: at least 80 % corroborated and no setback (contradicted, denied or retracted);
- B: at least 60 % corroborated and at most 10 % setbacks;
- C: at least 40 % corroborated and at most 25 % setbacks;
- D: at most half with a setback;
- E: more than half with a setback.
"""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from claims import vocab
from claims.models import Actor, AttributionHop, Claim, ClaimRelation

MIN_RESOLVED = 5
# (letter, least share corroborated, most share with a setback), best first.
BANDS = (
    (vocab.Reliability.A, 0.8, 0.0),
    (vocab.Reliability.B, 0.6, 0.1),
    (vocab.Reliability.C, 0.4, 0.25),
    (vocab.Reliability.D, 0.0, 0.5),
)


@dataclass(frozen=True)
class TrackRecord:
    claims: int = 0
    originated: int = 0
    relayed: int = 0
    corroborated: int = 0
    contradicted: int = 0
    denied: int = 0
    retracted: int = 0
    setbacks: int = 0
    resolved: int = 0

    def share(self, count: int) -> float | None:
        return round(count / self.claims, 3) if self.claims else None

    @property
    def judgeable(self) -> bool:
        return self.resolved >= MIN_RESOLVED

    @property
    def suggested_letter(self) -> str:
        if not self.judgeable:
            return vocab.Reliability.F
        corroborated, setbacks = self.corroborated / self.claims, self.setbacks / self.claims
        for letter, least, most in BANDS:
            if corroborated >= least and setbacks <= most:
                return letter
        return vocab.Reliability.E

    @property
    def suggested_label(self) -> str:
        return str(vocab.Reliability(self.suggested_letter).label)

    def as_data(self) -> dict:
        """The API's `track_record`: counts, shares of the claims counted, and the suggested letter."""
        outcomes = ("corroborated", "contradicted", "denied", "retracted")
        return {
            "claims": self.claims,
            "originated": self.originated,
            "relayed": self.relayed,
            **{name: getattr(self, name) for name in outcomes},
            "shares": {name: self.share(getattr(self, name)) for name in outcomes},
            "suggested_reliability": self.suggested_letter,
        }


def _related_by(kind: str, others: QuerySet[Claim]) -> Exists:
    """Another claim (among `others`) relates to this one with `kind`: it contradicts or denies it."""
    return Exists(
        ClaimRelation.objects.filter(to_claim=OuterRef("pk"), kind=kind, from_claim__in=others.values("pk"))
    )


def _corroborated(others: QuerySet[Claim]) -> Exists:
    """Independent corroboration, either way round, as for credibility 1 (services.relations): two
    claims that corroborate each other independently are both corroborated. A relation flagged because
    the chains have come to share an origin (lineage_conflict) no longer counts."""
    independent = ClaimRelation.objects.filter(
        kind=vocab.RelationKind.CORROBORATES,
        independence=vocab.Independence.INDEPENDENT,
        lineage_conflict="",
    )
    visible = others.values("pk")
    return Exists(
        independent.filter(
            Q(to_claim=OuterRef("pk"), from_claim__in=visible)
            | Q(from_claim=OuterRef("pk"), to_claim__in=visible)
        )
    )


def of(actor: Actor, *, claims: QuerySet[Claim], others: QuerySet[Claim]) -> TrackRecord:
    """The record of `actor` over `claims`, counting relations only from `others`: one query."""
    speaks = AttributionHop.objects.filter(claim=OuterRef("pk"), speaker=actor)
    flagged = claims.annotate(
        tr_originated=Exists(speaks.filter(position=0)),
        tr_relayed=Exists(speaks.filter(position__gt=0)),
        tr_corroborated=_corroborated(others),
        tr_contradicted=_related_by(vocab.RelationKind.CONTRADICTS, others),
        tr_denied=_related_by(vocab.RelationKind.DENIES, others),
    ).filter(Q(tr_originated=True) | Q(tr_relayed=True))
    setback = Q(tr_contradicted=True) | Q(tr_denied=True) | Q(status=vocab.Status.RETRACTED)
    counts = flagged.order_by().aggregate(
        claims=Count("pk"),
        originated=Count("pk", filter=Q(tr_originated=True)),
        relayed=Count("pk", filter=Q(tr_relayed=True)),
        corroborated=Count("pk", filter=Q(tr_corroborated=True)),
        contradicted=Count("pk", filter=Q(tr_contradicted=True)),
        denied=Count("pk", filter=Q(tr_denied=True)),
        retracted=Count("pk", filter=Q(status=vocab.Status.RETRACTED)),
        setbacks=Count("pk", filter=setback),
        resolved=Count("pk", filter=setback | Q(tr_corroborated=True)),
    )
    return TrackRecord(**counts)
