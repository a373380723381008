"""The lineage rule on its own: origins of a chain, and how two chains compare."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims.lineage import (
    DEPENDENCE,
    UNKNOWN_ORIGIN,
    ChainHop,
    Corroboration,
    Lineage,
    Verdict,
    compare,
    count_origins,
    descriptor_class,
    independent_origins,
    lineage_of,
)

ACTORS = range(1, 9)
# Each actor's parent has a smaller id: a forest, as Actor.clean() keeps it.
parent_maps = st.fixed_dictionaries(
    {actor: st.one_of(st.none(), st.integers(1, actor - 1)) if actor > 1 else st.none() for actor in ACTORS}
)
hops = st.builds(
    ChainHop,
    position=st.just(0),
    speaker_id=st.one_of(st.none(), st.sampled_from(ACTORS)),
    affiliation_id=st.one_of(st.none(), st.sampled_from(ACTORS)),
    descriptor=st.sampled_from(["", "a US official", "US officials", "South Korean intelligence"]),
    source_id=st.one_of(st.none(), st.integers(1, 4)),
)
chains = st.lists(hops, min_size=1, max_size=4).map(
    lambda chain: [
        ChainHop(position, hop.speaker_id, hop.affiliation_id, hop.descriptor, hop.source_id)
        for position, hop in enumerate(chain)
    ]
)
# A shared machine may stall a draw: no timing is asserted here, so none is checked either.
loaded_machine = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
origin_keys = st.one_of(
    st.tuples(st.just("actor"), st.integers(100, 103)), st.tuples(st.just("source"), st.integers(100, 103))
)


def _root(actor_id, parents):
    while parents.get(actor_id) is not None:
        actor_id = parents[actor_id]
    return actor_id


@loaded_machine
@given(chains, chains, parent_maps)
def test_comparison_is_symmetric(a, b, parents):
    one, other = lineage_of(a, parents), lineage_of(b, parents)
    assert compare(one, other) == compare(other, one)


@loaded_machine
@given(chains, chains, parent_maps, origin_keys)
def test_adding_a_shared_origin_never_makes_two_claims_more_independent(a, b, parents, key):
    one, other = lineage_of(a, parents), lineage_of(b, parents)
    before = compare(one, other)
    after = compare(
        Lineage(one.origins | {key}, one.channels - {key}), Lineage(other.origins | {key}, other.channels)
    )
    assert DEPENDENCE[after.verdict] >= DEPENDENCE[before.verdict]
    assert after.verdict == Verdict.SHARED_ORIGIN and key in after.shared


@loaded_machine
@given(chains, chains, parent_maps)
def test_a_common_ancestor_given_to_both_originators_makes_them_share_an_origin(a, b, parents):
    before = compare(lineage_of(a, parents), lineage_of(b, parents))
    grown = dict(parents)
    for chain in (a, b):
        for actor_id in (chain[0].speaker_id, chain[0].affiliation_id):
            if actor_id is not None and _root(actor_id, grown) != 99:
                grown[_root(actor_id, grown)] = 99
    after = compare(lineage_of(a, grown), lineage_of(b, grown))
    assert DEPENDENCE[after.verdict] >= DEPENDENCE[before.verdict]
    if (a[0].speaker_id or a[0].affiliation_id) and (b[0].speaker_id or b[0].affiliation_id):
        assert after.verdict == Verdict.SHARED_ORIGIN and ("actor", 99) in after.shared


@loaded_machine
@given(chains, parent_maps)
def test_a_chain_shares_its_origin_with_itself(chain, parents):
    lineage = lineage_of(chain, parents)
    assert compare(lineage, lineage).verdict == Verdict.SHARED_ORIGIN


def test_the_speakers_ancestors_are_origins():
    kirby, white_house, united_states = 3, 2, 1
    parents = {kirby: white_house, white_house: united_states, united_states: None}
    kirby_claim = lineage_of([ChainHop(0, speaker_id=kirby, source_id=7)], parents)
    white_house_claim = lineage_of([ChainHop(0, speaker_id=white_house, source_id=8)], parents)
    assert kirby_claim.origins == {("actor", kirby), ("actor", white_house), ("actor", united_states)}
    comparison = compare(kirby_claim, white_house_claim)
    assert comparison == (Verdict.SHARED_ORIGIN, (("actor", united_states), ("actor", white_house)))


def test_sharing_only_a_relay_or_a_document_is_a_shared_channel():
    parents = {1: None, 2: None, 3: None}
    relayed_by_cbs = lineage_of([ChainHop(0, speaker_id=1), ChainHop(1, speaker_id=3, source_id=9)], parents)
    also_by_cbs = lineage_of([ChainHop(0, speaker_id=2), ChainHop(1, speaker_id=3, source_id=10)], parents)
    same_page = lineage_of([ChainHop(0, speaker_id=2, source_id=9)], parents)
    assert compare(relayed_by_cbs, also_by_cbs) == (Verdict.SHARED_CHANNEL, (("actor", 3),))
    assert compare(relayed_by_cbs, same_page) == (Verdict.SHARED_CHANNEL, (("source", 9),))
    assert compare(also_by_cbs, lineage_of([ChainHop(0, speaker_id=1, source_id=11)], parents)).verdict == (
        Verdict.INDEPENDENT
    )


def test_an_anonymous_originator_is_known_by_descriptor_class_and_affiliation():
    assert descriptor_class("A US official") == descriptor_class("US officials") == "us official"
    assert descriptor_class("“the” Senior U.S. officials,") == "senior u s official"
    one = lineage_of([ChainHop(0, descriptor="a US official", source_id=1)], {})
    two = lineage_of([ChainHop(0, descriptor="US officials", source_id=2)], {})
    elsewhere = lineage_of(
        [ChainHop(0, descriptor="a US official", affiliation_id=5, source_id=3)], {5: None}
    )
    assert compare(one, two) == (Verdict.SHARED_ORIGIN, (("descriptor", "us official", None),))
    assert compare(one, elsewhere).verdict == Verdict.INDEPENDENT
    assert ("actor", 5) in elsewhere.origins


def test_an_untold_origin_is_never_independent_of_another():
    one, two = lineage_of([ChainHop(0, source_id=1)], {}), lineage_of([ChainHop(0, source_id=2)], {})
    assert compare(one, two) == (Verdict.SHARED_ORIGIN, (UNKNOWN_ORIGIN,))


def test_claims_whose_origins_meet_count_as_one_origin():
    parents = {1: None, 2: 1, 3: None}
    own = lineage_of([ChainHop(0, speaker_id=3, source_id=1)], parents)
    white_house = lineage_of([ChainHop(0, speaker_id=1, source_id=2)], parents)
    kirby = lineage_of([ChainHop(0, speaker_id=2, source_id=3)], parents)
    anonymous = lineage_of([ChainHop(0, descriptor="a diplomat", source_id=4)], parents)
    same_page = lineage_of([ChainHop(0, descriptor="a defector", source_id=1)], parents)
    assert count_origins([white_house, kirby, anonymous]) == 3 - 1
    corroborations = [Corroboration(lineage, declared_independent=True) for lineage in (white_house, kirby)]
    corroborations += [
        Corroboration(anonymous, declared_independent=False),  # an editor's doubt is respected
        Corroboration(same_page, declared_independent=True),
    ]
    assert independent_origins(own, corroborations) == (1, 1)
