"""Routes of the editor's web app."""

from django.urls import path

from claims.views import actions, editing, pages, sources

app_name = "claims"

urlpatterns = [
    path("", pages.dashboard, name="dashboard"),
    path("claims/", pages.claim_list, name="list"),
    path("claims/new/", editing.claim_create, name="create"),
    path("claims/searches/", actions.save_search, name="save_search"),
    path("claims/searches/<int:search_id>/delete/", actions.delete_search, name="delete_search"),
    path("claims/new/from-article/", editing.from_article, name="from_article"),
    path("claims/match/", editing.claim_match, name="match"),
    path("claims/<uuid:uuid>/", pages.claim_detail, name="detail"),
    path("claims/<uuid:uuid>/edit/", editing.claim_edit, name="edit"),
    path("claims/<uuid:uuid>/diff/", pages.claim_diff, name="diff"),
    path("claims/<uuid:uuid>/transition/", actions.transition, name="transition"),
    path("claims/<uuid:uuid>/discard/", actions.discard, name="discard"),
    path("claims/<uuid:uuid>/revert/", actions.revert, name="revert"),
    path("claims/<uuid:uuid>/revisions/<int:revision_id>/", pages.claim_revision, name="revision"),
    path(
        "claims/<uuid:uuid>/revisions/<int:revision_id>/approve/",
        actions.revision_approve,
        name="revision_approve",
    ),
    path(
        "claims/<uuid:uuid>/revisions/<int:revision_id>/reject/",
        actions.revision_reject,
        name="revision_reject",
    ),
    path(
        "claims/<uuid:uuid>/revisions/<int:revision_id>/withdraw/",
        actions.revision_withdraw,
        name="revision_withdraw",
    ),
    path("claims/<uuid:uuid>/comments/", actions.comment, name="comment"),
    path("claims/<uuid:uuid>/assign/", actions.assign, name="assign"),
    path("claims/<uuid:uuid>/assess/", actions.assess, name="assess"),
    path("claims/<uuid:uuid>/relations/", actions.relate, name="relate"),
    path("claims/<uuid:uuid>/relations/<int:relation_id>/remove/", actions.unrelate, name="unrelate"),
    path("sources/", sources.source_list, name="sources"),
    path("sources/<int:source_id>/", sources.source_detail, name="source"),
    path("sources/<int:source_id>/check/", sources.source_check_now, name="source_check"),
    path("sources/<int:source_id>/accept/", sources.source_accept_baseline, name="source_accept"),
    path("actors/search/", actions.actor_search, name="actor_search"),
    path("actors/new/", actions.actor_create, name="actor_create"),
    path("actors/<int:actor_id>/", pages.actor_detail, name="actor"),
]
