"""Demo data: the seed article's twelve atomic claims (shared/seed/claims.md), loaded through the services."""

from datetime import date
from pathlib import Path

from django.contrib.auth.models import Group, User
from django.db import transaction

from claims import services, vocab
from claims.models import Actor, Claim, ClaimRelation, Source

ARTICLE_PATH = Path(__file__).with_name("article-it.txt")
ARTICLE_URL = "https://example.invalid/seed-article"
DEFAULT_PASSWORD = "demo-password"  # noqa: S105 (printed by make run; set DEMO_PASSWORD to change it)
USERS = {"editor": "editor", "reviewer": "reviewer", "viewer": "viewer"}

# name: (kind, country, parent, aliases, description)
ACTORS = {
    "Russia": ("state", "RU", None, [], ""),
    "North Korea": ("state", "KP", None, ["Pyongyang"], ""),
    "China": ("state", "CN", None, ["Beijing"], ""),
    "United States": ("state", "US", None, ["Washington"], ""),
    "South Korea": ("state", "KR", None, ["Seoul"], ""),
    "United Kingdom": ("state", "GB", None, ["London"], ""),
    "White House": ("government_body", "US", "United States", [], "Executive office of the US president"),
    "John Kirby": ("person", "US", "White House", [], "US National Security Council spokesperson"),
    "Russian Ministry of Defence": ("government_body", "RU", "Russia", ["Moscow"], ""),
    "Sergei Shoigu": ("person", "RU", "Russian Ministry of Defence", [], "Russian defence minister"),
    "Kim Jong Un": ("person", "KP", "North Korea", ["Kim Jong-un"], "Leader of North Korea"),
    "Vladimir Putin": ("person", "RU", "Russia", [], "President of Russia"),
    "South Korean intelligence service": ("government_body", "KR", "South Korea", ["NIS"], ""),
    "John Everard": (
        "person",
        "GB",
        None,
        [],
        "Former UK ambassador to North Korea; no longer speaks for GB",
    ),
    "The New York Times": ("media_outlet", "US", None, ["NYT"], ""),
    "CBS News": ("media_outlet", "US", None, ["CBS"], ""),
    "BBC": ("media_outlet", "GB", None, [], ""),
    "Italian daily (unnamed)": ("media_outlet", "IT", None, [], "The Italian newspaper of the seed article"),
}
DAILY = "Italian daily (unnamed)"


def _article_hop(quote: str, translation: str) -> dict:
    return {
        "anonymity": "outlet_voice",
        "speaker": DAILY,
        "source": ARTICLE_URL,
        "quote": quote,
        "translation": translation,
    }


WHITE_HOUSE = {"anonymity": "named_on_record", "speaker": "White House"}
WASHINGTON = {
    "anonymity": "anonymous_institutional",
    "descriptor": "Washington",
    "affiliation": "United States",
}
SEPTEMBER = {"event_start": date(2023, 9, 1), "event_precision": "month"}
LATE_SUMMER = {
    "event_start": date(2023, 8, 21),
    "event_end": date(2023, 9, 10),
    "event_precision": "approximate",
}

# Each entry: claim fields, hops (hop 0 → … → the article), assessment (rel, cred, likelihood, confidence).
CLAIMS = [
    {
        "statement": "Russia is seeking weapons from North Korea to sustain the invasion of Ukraine.",
        "fields": {
            "kind": "transfer",
            "supplier": "North Korea",
            "recipient": "Russia",
            "item_category": "unspecified",
            "item_description": "weapons",
            "stage": "request",
            # The deal as SIPRI would record it: talks only, so planned; the article gives no numbers.
            "deal_type": "barter",
            "deal_status": "planned",
            "deal_comments": "Talks reported by the daily; the exchange terms in claims 4 and 5.",
            "modality": "ongoing",
            **SEPTEMBER,
        },
        "hops": [
            _article_hop(
                "Mosca chiede armi a Pyongyang per sostenere l’invasione dell’Ucraina.",
                "Moscow is asking Pyongyang for weapons to sustain the invasion of Ukraine.",
            )
        ],
        "assessment": ("F", 3, "likely", "low"),
        "rationale": "The daily's own framing, with no attribution; consistent with US statements.",
        "status": "in_review",
    },
    {
        "statement": "Russia is negotiating to obtain artillery shells from North Korea.",
        "fields": {
            "kind": "transfer",
            "supplier": "North Korea",
            "recipient": "Russia",
            "item_category": "ammunition",
            "item_description": "artillery shells",
            "stage": "negotiation",
            "deal_type": "barter",
            "deal_status": "planned",
            "deal_comments": "Part of an exchange under negotiation (White House).",
            "modality": "ongoing",
            **LATE_SUMMER,
        },
        "hops": [
            WHITE_HOUSE,
            _article_hop(
                "La Casa Bianca aveva denunciato la scorsa settimana le trattative della Russia con la Corea del Nord "
                "per ottenere armi. Proiettili di artiglieria",
                "Last week the White House denounced Russia's negotiations with North Korea to obtain weapons. "
                "Artillery shells",
            ),
        ],
        "assessment": ("B", 3, "likely", "moderate"),
        "rationale": "On-the-record White House statement; not independently confirmed.",
        "status": "published",
    },
    {
        "statement": "Russia is negotiating to obtain anti-tank missiles from North Korea.",
        "fields": {
            "kind": "transfer",
            "supplier": "North Korea",
            "recipient": "Russia",
            "item_category": "missiles",
            "item_description": "anti-tank missiles",
            "stage": "negotiation",
            "deal_type": "barter",
            "deal_status": "planned",
            "deal_comments": "Part of an exchange under negotiation (White House).",
            "modality": "ongoing",
            **LATE_SUMMER,
        },
        "hops": [WHITE_HOUSE, _article_hop("e missili anticarro", "and anti-tank missiles")],
        "assessment": ("B", 3, "likely", "moderate"),
        "rationale": "Same White House statement as the artillery-shell claim.",
        "status": "in_review",
    },
    {
        "statement": "In exchange, Russia would provide North Korea with technology for satellites and "
        "nuclear-powered submarines.",
        "fields": {
            "kind": "transfer",
            "supplier": "Russia",
            "recipient": "North Korea",
            "item_category": "technology",
            "item_description": "technology for satellites and nuclear-powered submarines",
            "stage": "negotiation",
            "deal_type": "barter",
            "deal_status": "planned",
            "deal_comments": "Russia's side of the exchange, as reported (White House).",
            "modality": "possible",
            **LATE_SUMMER,
        },
        "hops": [
            WHITE_HOUSE,
            _article_hop(
                "in cambio tecnologia russa per satelliti e sottomarini a propulsione nucleare",
                "in exchange for Russian technology for satellites and nuclear-powered submarines",
            ),
        ],
        "assessment": ("B", 3, "roughly_even", "low"),
        "rationale": "Reported terms of a deal under negotiation; the exchange is not confirmed.",
        "status": "in_review",
    },
    {
        "statement": "In exchange, Russia would provide North Korea with food aid.",
        "fields": {
            "kind": "transfer",
            "supplier": "Russia",
            "recipient": "North Korea",
            "item_category": "non_military_aid",
            "item_description": "food aid",
            "stage": "negotiation",
            "deal_type": "barter",
            "deal_status": "planned",
            "deal_comments": "Russia's side of the exchange, as reported (White House).",
            "modality": "possible",
            **LATE_SUMMER,
        },
        "hops": [
            WHITE_HOUSE,
            _article_hop(
                "nonché aiuti alimentari a una Corea sempre ai limiti della carestia.",
                "as well as food aid to a Korea always on the brink of famine.",
            ),
        ],
        "assessment": ("B", 3, "roughly_even", "low"),
        "rationale": "Reported terms of a deal under negotiation; the exchange is not confirmed.",
        "status": "in_review",
    },
    {
        "statement": "North Korea has already shipped limited quantities of munitions to Russia via the Middle East "
        "and North Africa.",
        "fields": {
            "kind": "transfer",
            "supplier": "North Korea",
            "recipient": "Russia",
            "item_category": "ammunition",
            "item_description": "munitions",
            "stage": "shipment",
            # Delivered by the time of the article (September 2023): the year is SIPRI's kind of estimate.
            "deal_status": "in_delivery",
            "deal_type": "unknown",
            "deal_delivery_first_year": 2023,
            "uncertain_delivery_years": True,
            "deal_comments": "Limited quantities, via the Middle East and North Africa (Washington).",
            "modality": "occurred",
            "quantity_qualifier": "qualitative",
            "quantity_text": "limited quantities",
            **LATE_SUMMER,
        },
        "route": [
            ("origin", "KP", "", False),
            ("transit", "", "Middle East", True),
            ("transit", "", "North Africa", True),
            ("destination", "RU", "", False),
        ],
        "hops": [
            WASHINGTON,
            _article_hop(
                "Secondo Washington la Corea del Nord avrebbe già spedito limitati quantitativi di munizioni alla "
                "Russia, attraverso il Medio Oriente e il Nord Africa",
                "According to Washington, North Korea has already shipped limited quantities of munitions to Russia, "
                "through the Middle East and North Africa",
            ),
        ],
        "assessment": ("B", 3, "likely", "low"),
        "rationale": "US government assessment relayed without detail; route unverified.",
        "status": "published",
    },
    {
        "statement": "The munitions North Korea shipped did not reach the front line in Ukraine.",
        "fields": {
            "kind": "transfer",
            "supplier": "North Korea",
            "recipient": "Russia",
            "item_category": "ammunition",
            "item_description": "munitions",
            "stage": "battlefield_use",
            "modality": "occurred",
            "negated": True,
            **LATE_SUMMER,
        },
        "hops": [
            WASHINGTON,
            _article_hop(
                "che tuttavia non hanno raggiunto la prima linea in Ucraina.",
                "which however did not reach the front line in Ukraine.",
            ),
        ],
        "assessment": ("B", 6, "", ""),
        "rationale": "A negative that the source is in no position to show; truth cannot be judged.",
        "status": "in_review",
    },
    {
        "statement": "Russian defence minister Sergei Shoigu tried to convince Pyongyang to sell artillery ammunition "
        "to Russia during a recent visit.",
        "fields": {
            "kind": "transfer",
            "supplier": "North Korea",
            "recipient": "Russia",
            "item_category": "ammunition",
            "item_description": "artillery ammunition",
            "stage": "request",
            "deal_type": "sale",
            "deal_status": "planned",
            "modality": "occurred",
            "participant_ids": ["Sergei Shoigu"],
        },
        "hops": [
            {
                "anonymity": "named_on_record",
                "speaker": "John Kirby",
                "affiliation": "White House",
                "role": "portavoce del Consiglio di sicurezza nazionale",
            },
            _article_hop(
                "Sergei Shoigu, ha cercato di “convincere Pyongyang a vendere munizioni di artiglieria” alla "
                "Russia durante una recente visita nel Paese asiatico.",
                "Sergei Shoigu tried to “convince Pyongyang to sell artillery ammunition” to Russia during a "
                "recent visit to the Asian country.",
            ),
        ],
        "assessment": ("B", 2, "likely", "moderate"),
        "rationale": "Named official on the record, consistent with the reported visit.",
        "status": "published",
    },
    {
        "statement": "Shoigu proposed joint naval exercises of North Korea and China.",
        "fields": {
            "kind": "military_cooperation",
            "participant_ids": ["North Korea", "China"],
            "item_description": "joint naval exercises (proposed by Russia)",
            "modality": "occurred",
        },
        "hops": [
            {
                "anonymity": "anonymous_institutional",
                "descriptor": "South Korean intelligence sources",
                "affiliation": "South Korean intelligence service",
            },
            _article_hop(
                "Fonti dei servizi segreti della Corea del Sud rivelano che Shoigu aveva proposto di organizzare "
                "esercitazioni navali congiunte Corea del Nord e Cina.",
                "South Korean intelligence sources reveal that Shoigu had proposed organising joint naval "
                "exercises of North Korea and China.",
            ),
        ],
        "assessment": ("C", 3, "", "low"),
        "rationale": "Anonymous intelligence sources; single origin.",
        "status": "in_review",
    },
    {
        "statement": "North Korea's price for munitions will be very high, including technology to advance its "
        "nuclear weapons programme.",
        "fields": {
            "kind": "transfer",
            "supplier": "Russia",
            "recipient": "North Korea",
            "item_category": "technology",
            "item_description": "technology to advance the nuclear weapons programme",
            "stage": "negotiation",
            "stance": "speculate",
            "modality": "possible",
        },
        "hops": [
            {
                "anonymity": "named_on_record",
                "speaker": "John Everard",
                "role": "ex ambasciatore del Regno Unito in Corea del Nord",
            },
            {"anonymity": "outlet_voice", "speaker": "BBC"},
            _article_hop(
                "il prezzo che chiederà sarà “altissimo”, comprese tecnologie per fare passi avanti nel "
                "programma di armi nucleari.",
                "the price it will ask will be “very high”, including technologies to make progress in its "
                "nuclear weapons programme.",
            ),
        ],
        "assessment": ("C", 6, "", ""),
        "rationale": "An outside expert's speculation; cannot be judged.",
        "status": "in_review",
    },
    {
        "statement": "Kim Jong Un will travel by armoured train to Vladivostok to meet Vladimir Putin.",
        "fields": {
            "kind": "diplomatic_event",
            "participant_ids": ["North Korea", "Russia"],
            "place": "Vladivostok",
            # The city's own coordinates; the article names the city, not a spot in it.
            "place_precision": "near",
            "place_latitude": 43.1155,
            "place_longitude": 131.8855,
            "modality": "planned",
            **SEPTEMBER,
        },
        "hops": [
            {"anonymity": "undisclosed", "descriptor": "not stated by the New York Times as relayed"},
            {"anonymity": "outlet_voice", "speaker": "The New York Times"},
            _article_hop(
                "Kim Jong-un dovrebbe recarsi a bordo di un treno blindato – secondo il New York Times – a "
                "Vladivostok",
                "Kim Jong-un is expected to travel aboard an armoured train – according to the New York Times – "
                "to Vladivostok",
            ),
        ],
        "assessment": ("B", 2, "likely", "moderate"),
        "rationale": "Major outlet's report; sourcing undisclosed but specific.",
        "status": "published",
    },
    {
        "statement": "Kim Jong Un intends to travel to Russia this month.",
        "fields": {
            "kind": "diplomatic_event",
            "participant_ids": ["North Korea", "Russia"],
            "modality": "planned",
            **SEPTEMBER,
        },
        "hops": [
            {
                "anonymity": "anonymous_individual",
                "descriptor": "a US official",
                "affiliation": "United States",
            },
            {"anonymity": "outlet_voice", "speaker": "CBS News"},
            _article_hop(
                "Kim Jong-un ha intenzione di recarsi in Russia questo mese, ha detto un funzionario americano "
                "alla CBS.",
                "Kim Jong-un intends to travel to Russia this month, a US official told CBS.",
            ),
        ],
        "assessment": ("B", 2, "likely", "moderate"),
        "rationale": "Anonymous official to a major outlet; consistent with the NYT report.",
        "status": "published",
    },
]

# (from claim number, to claim number, kind, independence, note) — numbers as in claims.md.
RELATIONS = [
    (8, 2, "corroborates", "same_origin", "Kirby speaks for the White House"),
    (6, 1, "corroborates", "possibly_shared_origin", ""),
    (2, 1, "corroborates", "possibly_shared_origin", ""),
    (7, 6, "qualifies", "same_origin", ""),
    (12, 11, "corroborates", "possibly_shared_origin", "Timing only; both may stem from US officials"),
    (10, 4, "context", "independent", ""),
    (9, 8, "context", "independent", "Same actor, same visit"),
    # The exchange: what North Korea would give (1 to 3) for what Russia would give (4, 5).
    (1, 4, "exchange", "possibly_shared_origin", ""),
    (1, 5, "exchange", "possibly_shared_origin", ""),
    (2, 4, "exchange", "same_origin", "One White House statement"),
    (2, 5, "exchange", "same_origin", "One White House statement"),
    (3, 4, "exchange", "same_origin", "One White House statement"),
    (3, 5, "exchange", "same_origin", "One White House statement"),
]


def _ensure_users(password: str) -> dict[str, User]:
    users = {}
    for username, role in USERS.items():
        user, created = User.objects.get_or_create(username=username, defaults={"is_staff": role != "viewer"})
        if created:
            user.set_password(password)
            user.save()
            user.groups.add(Group.objects.get(name=role))
        users[username] = user
    return users


def _ensure_actors(by: User) -> dict[str, Actor]:
    actors = {actor.name: actor for actor in Actor.objects.filter(name__in=ACTORS)}
    for name, (kind, country, parent, aliases, description) in ACTORS.items():
        if name not in actors:
            actors[name] = services.create_actor(
                name=name,
                kind=kind,
                country=country,
                parent_id=actors[parent].pk if parent else None,
                aliases=aliases,
                description=description,
                by=by,
            )
    return actors


def _claim_data(entry: dict, actors: dict[str, Actor]) -> services.ClaimData:
    fields = dict(entry["fields"])
    for role in ("supplier", "recipient"):
        if role in fields:
            fields[f"{role}_id"] = actors[fields.pop(role)].pk
    fields["participant_ids"] = [actors[name].pk for name in fields.get("participant_ids", [])]
    hops = []
    for position, hop in enumerate(entry["hops"]):
        quote = hop.get("quote", "")
        hops.append(
            services.HopData(
                position=position,
                anonymity=hop["anonymity"],
                speaker_id=actors[hop["speaker"]].pk if "speaker" in hop else None,
                descriptor=hop.get("descriptor", ""),
                affiliation_id=actors[hop["affiliation"]].pk if "affiliation" in hop else None,
                role=hop.get("role", ""),
                source_url=hop.get("source", ""),
                quote=quote,
                quote_language="it" if quote else "",
                translation=hop.get("translation", ""),
            )
        )
    route = [
        services.RouteStopData(
            position=position, role=role, country=country, region=region, approximate=approx
        )
        for position, (role, country, region, approx) in enumerate(entry.get("route", []))
    ]
    return services.ClaimData(statement=entry["statement"], hops=hops, route=route, **fields)


@transaction.atomic
def load_demo(*, password: str) -> dict[str, int]:
    """Load what is missing of the demo; a second run finds everything there and changes nothing."""
    users = _ensure_users(password)
    editor, reviewer = users["editor"], users["reviewer"]
    actors = _ensure_actors(editor)
    existing = {
        claim.statement: claim
        for claim in Claim.objects.filter(statement__in=[c["statement"] for c in CLAIMS])
    }
    created = []
    claims = {}
    for number, entry in enumerate(CLAIMS, start=1):
        claim = existing.get(entry["statement"])
        if claim is None:
            claim = services.create_claim(data=_claim_data(entry, actors), by=editor)
            created.append((number, entry, claim))
        claims[number] = claim
    if created:
        Source.objects.filter(url=ARTICLE_URL).update(
            title="Mosca chiede armi a Pyongyang per sostenere l’invasione dell’Ucraina",
            publisher=actors[DAILY],
            language="it",
            published_on=date(2023, 9, 1),
            published_precision=vocab.DatePrecision.APPROXIMATE,
        )
    for from_number, to_number, kind, independence, note in RELATIONS:
        if not ClaimRelation.objects.filter(
            from_claim=claims[from_number], to_claim=claims[to_number], kind=kind
        ).exists():
            services.add_relation(
                from_claim_id=claims[from_number].pk,
                to_claim_id=claims[to_number].pk,
                kind=kind,
                independence=independence,
                note=note,
                by=editor,
            )
    for _number, entry, claim in created:
        reliability, credibility, likelihood, confidence = entry["assessment"]
        services.add_assessment(
            claim_id=claim.pk,
            by=reviewer,
            reliability=reliability,
            credibility=credibility,
            likelihood=likelihood,
            confidence=confidence,
            rationale=entry["rationale"],
        )
        services.transition_claim(
            claim_id=claim.pk, to=vocab.Status.IN_REVIEW, reason="Logged from the seed article.", by=editor
        )
        if entry["status"] == vocab.Status.PUBLISHED:
            # The demo's sources are checked only once the worker runs: published knowingly.
            services.transition_claim(
                claim_id=claim.pk,
                to=vocab.Status.PUBLISHED,
                reason="Reviewed.",
                by=reviewer,
                confirm_unverified_sources=True,
            )
    return {"claims_created": len(created), "claims": len(claims)}
