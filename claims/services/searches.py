"""Saved searches: a user keeps named claim-list filters (the filters themselves are claims.filtering's)."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from claims import policies
from claims.models import SAVED_SEARCH_NAME_MAX, SAVED_SEARCH_QUERY_MAX, SavedSearch
from claims.services.common import require
from claims.services.validation import Errors


@transaction.atomic
def save_search(*, name: str, query: str, by: AbstractBaseUser) -> SavedSearch:
    """Keep `query` (a canonical claim-filter query string) under a name of the user's own."""
    require(policies.may_read(by), _("Sign in with a role to save searches."))
    name = name.strip()
    errors = Errors()
    if not name:
        errors.add("name", _("Give the search a name."))
    errors.check_length("name", name, SAVED_SEARCH_NAME_MAX)
    errors.check_length("query", query, SAVED_SEARCH_QUERY_MAX)
    if name and SavedSearch.objects.filter(owner=by, name=name).exists():
        errors.add("name", _("You already have a saved search with this name."))
    errors.raise_if_any()
    return SavedSearch.objects.create(owner=by, name=name, query=query)


@transaction.atomic
def delete_saved_search(*, search_id: int, by: AbstractBaseUser) -> None:
    search = SavedSearch.objects.select_for_update().get(pk=search_id)
    require(search.owner_id == by.pk, _("Only its owner deletes a saved search."))
    search.delete()
