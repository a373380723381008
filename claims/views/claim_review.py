"""schema.org ClaimReview on a published claim's page, for fact-check aggregators (README "ClaimReview")."""

import json

from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from claims import vocab
from claims.models import Actor, Claim

PRODUCER = "Arms-Transfer Claim Tracker"
# Admiralty credibility on the 1 (false) … 5 (true) scale aggregators read. "Truth cannot be judged" has
# no number: the rating then has its words only, never a middling 3.
RATING_BY_CREDIBILITY = {1: 5, 2: 4, 3: 3, 4: 2, 5: 1}
PERSON_ANONYMITY = {vocab.Anonymity.ANONYMOUS_INDIVIDUAL}

# What must not end a JSON text inside a <script> element (the same escapes as Django's json_script).
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def _actor(actor: Actor) -> dict:
    kind = "Person" if actor.kind == vocab.ActorKind.PERSON else "Organization"
    return {"@type": kind, "name": actor.name}


def _originator(hop) -> dict:
    """Hop 0: the speaker, or the words that stand for an unnamed one ("a US official")."""
    if hop.speaker is not None:
        author = _actor(hop.speaker)
    else:
        kind = "Person" if hop.anonymity in PERSON_ANONYMITY else "Organization"
        author = {"@type": kind, "name": hop.descriptor or str(vocab.Anonymity(hop.anonymity).label)}
    if hop.affiliation is not None:
        author["affiliation" if author["@type"] == "Person" else "parentOrganization"] = {
            "@type": "Organization",
            "name": hop.affiliation.name,
        }
    return author


def _appearances(hops: list) -> list[dict]:
    """Each document the claim was read in, once, by its author: the last hop citing it, which is
    the outlet that published it (earlier hops are those it quotes)."""
    seen: dict[str, dict] = {}
    for hop in hops:
        if hop.source is None:
            continue
        work = seen.setdefault(hop.source.url, {"@type": "CreativeWork", "url": hop.source.url})
        if hop.speaker is not None:
            work["author"] = _actor(hop.speaker)
        if hop.quote_language:
            work["inLanguage"] = hop.quote_language
    return list(seen.values())


def _rating(claim: Claim) -> dict:
    assessment = claim.current_assessment
    with translation.override("en"):
        words = str(vocab.Credibility(assessment.credibility).label)
    rating = {
        "@type": "Rating",
        "alternateName": f"{words[:1].upper()}{words[1:]} ({assessment.reliability}{assessment.credibility})",
        "ratingExplanation": assessment.rationale,
    }
    if assessment.credibility in RATING_BY_CREDIBILITY:
        rating.update(ratingValue=RATING_BY_CREDIBILITY[assessment.credibility], worstRating=1, bestRating=5)
    return rating


def claim_review(request, claim: Claim) -> dict | None:
    """The ClaimReview of a published, assessed claim loaded with its details; None for any other."""
    if claim.status != vocab.Status.PUBLISHED or claim.current_assessment is None:
        return None
    hops = sorted(claim.hops.all(), key=lambda hop: hop.position)
    reviewed = {"@type": "Claim", "author": _originator(hops[0])} if hops else {"@type": "Claim"}
    if appearances := _appearances(hops):
        reviewed["appearance"] = appearances
        reviewed["firstAppearance"] = appearances[0]
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": request.build_absolute_uri(reverse("claims:detail", args=[claim.uuid])),
        "claimReviewed": claim.statement,
        "inLanguage": "en",
        "datePublished": claim.published_at.date().isoformat(),
        "dateModified": claim.updated_at.isoformat(),
        "author": {"@type": "Organization", "name": PRODUCER, "url": request.build_absolute_uri("/")},
        "itemReviewed": reviewed,
        "reviewRating": _rating(claim),
    }


def as_script_data(data: dict | None) -> SafeString | None:
    """JSON that can stand inside <script type="application/ld+json"> whatever the claim's text."""
    if data is None:
        return None
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(_SCRIPT_ESCAPES))  # noqa: S308 (escaped above)
