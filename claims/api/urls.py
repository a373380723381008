"""Routes under /api/v1/."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from claims.api import exports, views, webhooks

app_name = "api"

urlpatterns = [
    path("claims/", views.ClaimList.as_view(), name="claim-list"),
    path("claims/csv/", exports.ClaimCsvExport.as_view(), name="claim-csv"),
    path("claims/sipri.csv", exports.ClaimSipriExport.as_view(), name="claim-sipri"),
    path("claims/stix/", exports.ClaimStixExport.as_view(), name="claim-stix-list"),
    path("claims/match/", views.ClaimMatch.as_view(), name="claim-match"),
    path("claims/<uuid:claim_id>/", views.ClaimDetail.as_view(), name="claim-detail"),
    path("claims/<uuid:claim_id>/history/", views.ClaimHistory.as_view(), name="claim-history"),
    path("claims/<uuid:claim_id>/revert/", views.ClaimRevert.as_view(), name="claim-revert"),
    path("claims/<uuid:claim_id>/comments/", views.ClaimComments.as_view(), name="claim-comments"),
    path("claims/<uuid:claim_id>/assignee/", views.ClaimAssignee.as_view(), name="claim-assignee"),
    path("claims/<uuid:claim_id>/revisions/", views.ClaimRevisions.as_view(), name="claim-revisions"),
    path(
        "claims/<uuid:claim_id>/revisions/<int:revision_id>/",
        views.ClaimRevisionDetail.as_view(),
        name="claim-revision-detail",
    ),
    path(
        "claims/<uuid:claim_id>/revisions/<int:revision_id>/approve/",
        views.ClaimRevisionApprove.as_view(),
        name="claim-revision-approve",
    ),
    path(
        "claims/<uuid:claim_id>/revisions/<int:revision_id>/reject/",
        views.ClaimRevisionReject.as_view(),
        name="claim-revision-reject",
    ),
    path(
        "claims/<uuid:claim_id>/revisions/<int:revision_id>/withdraw/",
        views.ClaimRevisionWithdraw.as_view(),
        name="claim-revision-withdraw",
    ),
    path("claims/<uuid:claim_id>/assessments/", views.ClaimAssessments.as_view(), name="claim-assessments"),
    path("claims/<uuid:claim_id>/transitions/", views.ClaimTransitions.as_view(), name="claim-transitions"),
    path("claims/<uuid:claim_id>/relations/", views.ClaimRelations.as_view(), name="claim-relations"),
    path(
        "claims/<uuid:claim_id>/relations/<int:relation_id>/",
        views.ClaimRelationDetail.as_view(),
        name="claim-relation-detail",
    ),
    path("claims/<uuid:claim_id>/stix/", exports.ClaimStix.as_view(), name="claim-stix"),
    path("saved-searches/", views.SavedSearches.as_view(), name="saved-search-list"),
    path("saved-searches/<int:pk>/", views.SavedSearchDetail.as_view(), name="saved-search-detail"),
    path("actors/", views.ActorList.as_view(), name="actor-list"),
    path("actors/<int:pk>/", views.ActorDetail.as_view(), name="actor-detail"),
    path("sources/", views.SourceList.as_view(), name="source-list"),
    path("sources/<int:pk>/", views.SourceDetail.as_view(), name="source-detail"),
    path("sources/<int:pk>/checks/", views.SourceChecks.as_view(), name="source-checks"),
    path("sources/<int:pk>/check/", views.SourceCheckRequest.as_view(), name="source-check"),
    path("feed/", views.Feed.as_view(), name="feed"),
    path("webhooks/", webhooks.WebhookList.as_view(), name="webhook-list"),
    path("webhooks/<int:pk>/", webhooks.WebhookDetail.as_view(), name="webhook-detail"),
    path("webhooks/<int:pk>/deliveries/", webhooks.WebhookDeliveries.as_view(), name="webhook-deliveries"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script at docs/?script=: the CSP allows no inline script.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
        name="docs",
    ),
]
