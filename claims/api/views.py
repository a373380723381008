"""Thin REST views: parse, call a service or a queryset verb, answer in the §9 shape."""

import uuid

import orjson
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotAuthenticated, NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from claims import matching, policies, selectors, services
from claims.api import schema, serializers
from claims.api.conditional import ACTOR_STAMPS, SOURCE_STAMPS, claim_etag, list_etag, not_modified, stamp
from claims.api.filters import ActorFilter, SourceFilter, refuse_unknown_parameters
from claims.api.lookup import claim_for
from claims.api.pagination import ClaimCursorPagination, StrictCursorPagination
from claims.api.permissions import require
from claims.filtering import ClaimFilter, canonical_query
from claims.models import (
    CLAIM_DETAIL_JOINS,
    Actor,
    Claim,
    FeedEvent,
    SourceCheck,
)
from claims.projection import current_representations
from claims.representation import represent_assessment, represent_feed_event
from claims.schema import (
    GROUPED,
    ID_MAX,
    ClaimWriteSerializer,
    ShapeError,
    read_write_shape,
    whole_number,
    write_shape,
)
from sources.dispatch import request_source_check

VARY = "Accept, Authorization, Cookie"


def _respond_with_claim(request, claim: Claim, *, status_code: int = 200, headers: dict | None = None):
    [body] = selectors.documents_visible_to(request.user, [claim])
    etag = claim_etag(claim, drafts_visible=policies.sees_unpublished(request.user))
    return Response(body, status=status_code, headers={"ETag": etag, **(headers or {})})


def _reloaded(claim_pk: int) -> Claim:
    return stamp(
        [Claim.objects.select_related(*CLAIM_DETAIL_JOINS).annotate(**ACTOR_STAMPS).get(pk=claim_pk)]
    )[0]


class PreconditionRequired(Exception):
    pass


def parse_if_match(request) -> int:
    header = request.headers.get("If-Match")
    if header is None:
        raise PreconditionRequired()
    value = whole_number(header.strip().removeprefix("W/").strip('"').split("-", 1)[0])
    if value is None:
        raise ValidationError(
            {"If-Match": [f'Send the version you edited as If-Match: "3", not {header!r}.']}
        )
    return value


def stale(current_version: int | None) -> Response:
    return Response(
        {
            "detail": "Someone saved this claim after the version you edited: reload and reapply.",
            "code": "stale_version",
            "current_version": current_version,
        },
        status=status.HTTP_412_PRECONDITION_FAILED,
    )


def precondition_required() -> Response:
    return Response(
        {"detail": 'Send If-Match: "<version>" with the version you edited.', "code": "if_match_required"},
        status=status.HTTP_428_PRECONDITION_REQUIRED,
    )


class ClaimList(generics.GenericAPIView):
    serializer_class = serializers.ClaimSerializer
    filterset_class = ClaimFilter
    pagination_class = ClaimCursorPagination

    # What a page reads of each claim besides its ETag stamps and document: its id, and its ETag's own parts.
    page_columns = ("id", "uuid", "version")

    def get_queryset(self):
        # The page's query brings its ETag stamps and, on PostgreSQL, the documents as JSON text.
        user = self.request.user
        return selectors.with_documents_visible_to(
            user,
            selectors.claims_visible_to(user)
            .only(*self.page_columns)
            .annotate(**ACTOR_STAMPS, **SOURCE_STAMPS),
        )

    @extend_schema(
        summary="List claims",
        description="Published and retracted claims, plus drafts for editors and reviewers.",
        parameters=[schema.IF_NONE_MATCH],
        responses={
            200: serializers.ClaimSerializer(many=True),
            304: schema.NOT_MODIFIED,
            **schema.list_errors(),
        },
    )
    def get(self, request):
        claims = self.filter_queryset(self.get_queryset())
        if not self.paginator.searched(request):  # a search loads its page's claims by id
            # Named rows, not Claims: a model instance fills in every deferred column of the model,
            # which cost a fifth of the page's Python (BENCHMARKS.md, "Claim list, round five").
            claims = claims.values_list(*self.page_columns, *claims.query.annotations, named=True)
        page = self.paginate_queryset(claims)
        etag = list_etag(
            page,
            self.paginator.get_next_link(),
            self.paginator.get_previous_link(),
            drafts_visible=policies.sees_unpublished(request.user),
        )
        if (cached := not_modified(request, etag)) is not None:
            return cached
        # Written into the body as they are: the documents are never parsed on the way out.
        documents = map(orjson.Fragment, selectors.document_texts_visible_to(request.user, page))
        response = self.get_paginated_response(list(documents))
        response["ETag"] = etag
        response["Vary"] = VARY
        return response

    @extend_schema(
        summary="Create a draft claim",
        request=ClaimWriteSerializer,
        responses={201: serializers.ClaimSerializer, **schema.errors(400, 403)},
    )
    def post(self, request):
        require(policies.may_create_claim(request.user))
        payload = ClaimWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        claim = services.create_claim(data=payload.to_claim_data(), by=request.user)
        location = request.build_absolute_uri(reverse("api:claim-detail", args=[claim.uuid]))
        return _respond_with_claim(
            request, _reloaded(claim.pk), status_code=201, headers={"Location": location}
        )


PATCHABLE = set(ClaimWriteSerializer().fields)


def merged(current: dict, changes) -> dict:
    """The current write shape with the given fields replaced; grouped fields (quantity, event_date,
    deal, uncertain) merge by key."""
    if not isinstance(changes, dict):
        raise ValidationError({"non_field_errors": ["Send a JSON object with the fields to change."]})
    unknown = sorted(set(changes) - PATCHABLE)
    if unknown:
        raise ValidationError({name: ["No such field (or it cannot be written)."] for name in unknown})
    result = dict(current)
    for name, value in changes.items():
        if name in GROUPED and isinstance(value, dict):
            result[name] = {**current[name], **value}
        else:
            result[name] = value
    return result


class ClaimDetail(APIView):
    @extend_schema(
        summary="One claim",
        parameters=[schema.IF_NONE_MATCH],
        responses={200: serializers.ClaimSerializer, 304: schema.NOT_MODIFIED, **schema.errors(404)},
    )
    def get(self, request, claim_id):
        claim = claim_for(request, claim_id)
        if (
            cached := not_modified(
                request, claim_etag(claim, drafts_visible=policies.sees_unpublished(request.user))
            )
        ) is not None:
            return cached
        response = _respond_with_claim(request, claim)
        response["Vary"] = VARY
        return response

    @extend_schema(
        summary="Change some fields of a claim",
        description="The fields given replace the current ones (hops and route as whole lists; "
        "quantity and event_date key by key); the result is validated as a whole claim. An editor's "
        "change to a published claim is not applied: it is kept as a suggested edit for a reviewer "
        "(202, with the pending revision and its Location); reviewers' changes apply at once (200).",
        parameters=[schema.IF_MATCH],
        request=ClaimWriteSerializer(partial=True),
        responses={
            200: serializers.ClaimSerializer,
            202: serializers.RevisionSerializer,
            **schema.errors(400, 403, 404, 412, 428),
        },
    )
    def patch(self, request, claim_id):
        claim = claim_for(request, claim_id)
        proposing = policies.may_propose_revision(request.user, claim)
        require(proposing or policies.may_edit(request.user, claim))
        expected, refusal = _if_match_current(request, claim)
        if refusal is not None:
            return refusal
        [current] = current_representations([claim])
        base = write_shape(current)
        payload = ClaimWriteSerializer(data=merged(base, request.data))
        payload.is_valid(raise_exception=True)
        data = payload.to_claim_data()
        try:
            if proposing:
                revision = services.propose_revision(
                    claim=claim, data=data, by=request.user, base_version=expected
                )
                return _accepted_for_review(request, revision)
            services.update_claim(claim_id=claim.pk, expected_version=expected, data=data, by=request.user)
        except services.StaleVersion as error:
            return stale(error.current_version)
        return _respond_with_claim(request, _reloaded(claim.pk))

    @extend_schema(
        summary="Discard a draft or a claim in review",
        description="Its author or a reviewer deletes a claim that was never published (a published "
        "claim is retracted instead); the claim's history keeps who deleted it. Then the claim is a 404.",
        responses={204: None, **schema.errors(403, 404)},
    )
    def delete(self, request, claim_id):
        claim = claim_for(request, claim_id)
        require(policies.may_discard(request.user, claim))
        services.discard_claim(claim_id=claim.pk, by=request.user)
        return Response(status=204)


def _if_match_current(request, claim) -> tuple[int | None, Response | None]:
    """The version If-Match names when it is the claim's current one; else the answer refusing it."""
    try:
        expected = parse_if_match(request)
    except PreconditionRequired:
        return None, precondition_required()
    if expected != claim.version:
        return None, stale(claim.version)
    return expected, None


class ClaimRevert(APIView):
    @extend_schema(
        summary="Restore an earlier version's content",
        description="Writes a new version whose fields, hops and route equal version `to_version`; "
        "assessments and relations stay as they are. Needs the same permission as an edit and `If-Match` "
        "with the current version. On a published claim, an editor's revert follows the same review path "
        "as an edit: it is kept as a suggested edit for a reviewer (202); a reviewer's applies at once.",
        parameters=[schema.IF_MATCH],
        request=serializers.RevertSerializer,
        responses={
            200: serializers.ClaimSerializer,
            202: serializers.RevisionSerializer,
            **schema.errors(400, 403, 404, 412, 428),
        },
    )
    def post(self, request, claim_id):
        claim = claim_for(request, claim_id)
        proposing = policies.may_propose_revision(request.user, claim)
        require(proposing or policies.may_edit(request.user, claim))
        expected, refusal = _if_match_current(request, claim)
        if refusal is not None:
            return refusal
        payload = serializers.RevertSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            if proposing:
                revision = services.propose_revert(
                    claim=claim,
                    to_version=payload.validated_data["to_version"],
                    reason=payload.validated_data["reason"],
                    by=request.user,
                    base_version=expected,
                )
                return _accepted_for_review(request, revision)
            services.revert_claim(
                claim_id=claim.pk,
                to_version=payload.validated_data["to_version"],
                expected_version=expected,
                reason=payload.validated_data["reason"],
                by=request.user,
            )
        except services.StaleVersion as error:
            return stale(error.current_version)
        return _respond_with_claim(request, _reloaded(claim.pk))


def _accepted_for_review(request, revision) -> Response:
    location = request.build_absolute_uri(
        reverse("api:claim-revision-detail", args=[revision.claim.uuid, revision.pk])
    )
    return Response(
        serializers.RevisionSerializer(revision).data,
        status=status.HTTP_202_ACCEPTED,
        headers={"Location": location},
    )


def _editorial_claim(request, claim_id):
    """Editorial-only resources are not there at all for anyone else (404, as for a draft)."""
    claim = claim_for(request, claim_id)
    if not policies.may_comment(request.user, claim):
        raise NotFound()
    return claim


class ClaimComments(APIView):
    @extend_schema(
        summary="Internal notes on a claim, oldest first (editorial roles only)",
        description="Never shown to readers: for anyone without an editorial role this is a 404.",
        responses={200: serializers.CommentReadSerializer(many=True), **schema.errors(404)},
    )
    def get(self, request, claim_id):
        claim = _editorial_claim(request, claim_id)
        comments = selectors.comments_visible_to(request.user, claim)
        return Response(serializers.CommentReadSerializer(comments, many=True).data)

    @extend_schema(
        summary="Leave an internal note (editorial roles only)",
        description="`@username` mentions an editor or reviewer and puts the claim in their queue.",
        request=serializers.CommentWriteSerializer,
        responses={201: serializers.CommentReadSerializer, **schema.errors(400, 404)},
    )
    def post(self, request, claim_id):
        claim = _editorial_claim(request, claim_id)
        payload = serializers.CommentWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        comment = services.add_comment(
            claim_id=claim.pk, body=payload.validated_data["body"], by=request.user
        )
        return Response(serializers.CommentReadSerializer(comment).data, status=201)


class ClaimAssignee(APIView):
    @extend_schema(
        summary="Who the claim waits for (editorial roles only)",
        responses={200: serializers.AssigneeSerializer, **schema.errors(404)},
    )
    def get(self, request, claim_id):
        claim = _editorial_claim(request, claim_id)
        assignee = selectors.assignee_of(request.user, claim)
        return Response({"assignee": assignee.username if assignee else None})

    @extend_schema(
        summary="Assign the claim to an editor or reviewer, or to nobody (null)",
        request=serializers.AssigneeSerializer,
        responses={200: serializers.AssigneeSerializer, **schema.errors(400, 403, 404)},
    )
    def put(self, request, claim_id):
        claim = _editorial_claim(request, claim_id)
        require(policies.may_assign(request.user, claim))
        payload = serializers.AssigneeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        username = payload.validated_data["assignee"]
        assignee_id = None
        if username is not None:
            assignee_id = (
                get_user_model().objects.filter(username=username).values_list("pk", flat=True).first()
            )
            if assignee_id is None:
                raise ValidationError({"assignee": ["No such user."]})
        assignment = services.assign_claim(claim_id=claim.pk, assignee_id=assignee_id, by=request.user)
        return Response({"assignee": assignment.assignee.username if assignment else None})


def _revision(request, claim_id, revision_id):
    claim = _editorial_claim(request, claim_id)
    revision = selectors.revision_visible_to(request.user, claim, revision_id)
    if revision is None:
        raise NotFound()
    return revision


def stale_revision(error: services.StaleVersion) -> Response:
    return Response(
        {
            "detail": f"The claim is at version {error.current_version}, not the version "
            f"{error.expected_version} this edit was suggested on: reject it, or suggest it again on the "
            "current version.",
            "code": "stale_revision",
            "current_version": error.current_version,
        },
        status=status.HTTP_409_CONFLICT,
    )


class ClaimRevisions(APIView):
    @extend_schema(
        summary="Suggested edits of a claim, newest first (editorial roles only)",
        description="Editors' edits and reverts of a published claim wait here for a reviewer. Never shown "
        "to readers: for anyone without an editorial role this is a 404.",
        responses={200: serializers.RevisionSerializer(many=True), **schema.errors(404)},
    )
    def get(self, request, claim_id):
        claim = _editorial_claim(request, claim_id)
        revisions = selectors.revisions_visible_to(request.user, claim)
        return Response(serializers.RevisionSerializer(revisions, many=True).data)


class ClaimRevisionDetail(APIView):
    @extend_schema(
        summary="One suggested edit, with its diff from the version it was made on",
        responses={200: serializers.RevisionDetailSerializer, **schema.errors(404)},
    )
    def get(self, request, claim_id, revision_id):
        revision = _revision(request, claim_id, revision_id)
        context = {"diff": selectors.revision_diff(revision)}
        return Response(serializers.RevisionDetailSerializer(revision, context=context).data)


class ClaimRevisionApprove(APIView):
    @extend_schema(
        summary="Approve a suggested edit (reviewers)",
        description="Applies it as a new version of the claim, with one `updated` feed event. Refused "
        "with 409, changing nothing, if the claim has a newer version than the suggestion's base.",
        request=serializers.RevisionDecisionSerializer,
        responses={200: serializers.ClaimSerializer, **schema.errors(400, 403, 404, 409)},
    )
    def post(self, request, claim_id, revision_id):
        revision = _revision(request, claim_id, revision_id)
        require(policies.may_decide_revision(request.user, revision))
        payload = serializers.RevisionDecisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            claim = services.approve_revision(
                revision=revision, by=request.user, reason=payload.validated_data["reason"]
            )
        except services.StaleVersion as error:
            return stale_revision(error)
        return _respond_with_claim(request, _reloaded(claim.pk))


class ClaimRevisionReject(APIView):
    @extend_schema(
        summary="Reject a suggested edit, saying why (reviewers)",
        description="The claim does not change and no feed event is emitted.",
        request=serializers.RevisionDecisionSerializer,
        responses={200: serializers.RevisionSerializer, **schema.errors(400, 403, 404)},
    )
    def post(self, request, claim_id, revision_id):
        revision = _revision(request, claim_id, revision_id)
        require(policies.may_decide_revision(request.user, revision))
        payload = serializers.RevisionDecisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        revision = services.reject_revision(
            revision=revision, by=request.user, reason=payload.validated_data["reason"]
        )
        return Response(serializers.RevisionSerializer(revision).data)


class ClaimRevisionWithdraw(APIView):
    @extend_schema(
        summary="Withdraw your own suggested edit",
        request=None,
        responses={200: serializers.RevisionSerializer, **schema.errors(400, 403, 404)},
    )
    def post(self, request, claim_id, revision_id):
        revision = _revision(request, claim_id, revision_id)
        require(policies.may_withdraw_revision(request.user, revision))
        revision = services.withdraw_revision(revision=revision, by=request.user)
        return Response(serializers.RevisionSerializer(revision).data)


class SavedSearches(APIView):
    @extend_schema(
        summary="Your saved searches, by name",
        responses={200: serializers.SavedSearchSerializer(many=True), **schema.errors(401)},
    )
    def get(self, request):
        if not request.user.is_authenticated:
            raise NotAuthenticated()
        return Response(
            serializers.SavedSearchSerializer(selectors.saved_searches_of(request.user), many=True).data
        )

    @extend_schema(
        summary="Save claim-list filters under a name",
        description="`query` takes the list's filter parameters only; its links give the claims, the CSV "
        "and the Atom feed of exactly that filter.",
        request=serializers.SavedSearchSerializer,
        responses={201: serializers.SavedSearchSerializer, **schema.errors(400, 401, 403)},
    )
    def post(self, request):
        payload = serializers.SavedSearchSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            query = canonical_query(QueryDict(payload.validated_data["query"]))
        except DjangoValidationError as error:
            raise ValidationError({"query": error.messages}) from error
        search = services.save_search(name=payload.validated_data["name"], query=query, by=request.user)
        return Response(serializers.SavedSearchSerializer(search).data, status=201)


class SavedSearchDetail(APIView):
    @extend_schema(
        summary="Delete one of your saved searches", responses={204: None, **schema.errors(401, 404)}
    )
    def delete(self, request, pk):
        search = selectors.saved_searches_of(request.user).filter(pk=pk).first()
        if search is None:
            raise NotFound()
        services.delete_saved_search(search_id=search.pk, by=request.user)
        return Response(status=204)


class ClaimAssessments(APIView):
    @extend_schema(
        summary="Assessments of a claim, newest (current) first",
        responses={200: serializers.AssessmentReadSerializer(many=True), **schema.errors(404)},
    )
    def get(self, request, claim_id):
        claim = claim_for(request, claim_id)
        return Response([represent_assessment(a) for a in claim.assessments.order_by("-assessed_at", "-id")])

    @extend_schema(
        summary="Assess a claim (reviewers)",
        request=serializers.AssessmentWriteSerializer,
        responses={201: serializers.AssessmentReadSerializer, **schema.errors(400, 403, 404)},
    )
    def post(self, request, claim_id):
        claim = claim_for(request, claim_id)
        require(policies.may_assess(request.user, claim))
        payload = serializers.AssessmentWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        assessment = services.add_assessment(
            claim_id=claim.pk,
            by=request.user,
            reliability=data["reliability"],
            credibility=data["credibility"],
            rationale=data["rationale"],
            likelihood=data["likelihood"] or "",
            confidence=data["confidence"] or "",
        )
        return Response(represent_assessment(assessment), status=status.HTTP_201_CREATED)


class ClaimTransitions(APIView):
    @extend_schema(
        summary="Move a claim through the workflow",
        description="draft → in_review (editors, own claims), in_review → draft, in_review → published "
        "(reviewers, needs an assessment, and `confirm_unverified_sources` when a cited source was never "
        "captured or is suspect or dead), published → retracted (reviewers; a tombstone reaches the feed).",
        request=serializers.TransitionSerializer,
        responses={201: serializers.ClaimSerializer, **schema.errors(400, 403, 404)},
    )
    def post(self, request, claim_id):
        claim = claim_for(request, claim_id)
        require(bool(policies.transitions_open_to(request.user, claim)))
        payload = serializers.TransitionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.transition_claim(
            claim_id=claim.pk,
            to=payload.validated_data["to"],
            reason=payload.validated_data["reason"],
            by=request.user,
            confirm_unverified_sources=payload.validated_data["confirm_unverified_sources"],
        )
        return _respond_with_claim(request, _reloaded(claim.pk), status_code=201)


class ClaimRelations(APIView):
    @extend_schema(
        summary="Relate this claim to another",
        request=serializers.RelationWriteSerializer,
        responses={201: serializers.RelationReadSerializer, **schema.errors(400, 403, 404)},
    )
    def post(self, request, claim_id):
        claim = claim_for(request, claim_id)
        require(policies.may_relate(request.user, claim))
        payload = serializers.RelationWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        other = selectors.claims_visible_to(request.user).filter(uuid=data["to_claim"]).first()
        if other is None:
            raise ValidationError({"to_claim": ["No such claim."]})
        relation = services.add_relation(
            from_claim_id=claim.pk,
            to_claim_id=other.pk,
            kind=data["kind"],
            independence=data["independence"],
            note=data["note"],
            by=request.user,
        )
        body = {
            "id": relation.pk,
            "direction": "out",
            "kind": relation.kind,
            "claim_id": str(other.uuid),
            "independence": relation.independence,
            "note": relation.note,
        }
        return Response(body, status=status.HTTP_201_CREATED)


class ClaimRelationDetail(APIView):
    @extend_schema(summary="Remove a relation", responses={204: None, **schema.errors(400, 403, 404)})
    def delete(self, request, claim_id, relation_id):
        claim = claim_for(request, claim_id)
        if selectors.relation_visible_to(request.user, claim, relation_id) is None:
            raise Http404
        services.remove_relation(relation_id=relation_id, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ClaimMatch(APIView):
    """Claims that may state what a claim being written states. A POST that writes nothing: it takes a
    body too large and too structured for a query string. Logged-in users and tokens only, as every
    POST; each sees suggestions among the claims they may read (no drafts for viewers)."""

    @extend_schema(
        summary="Suggest claims that may state the same proposition",
        description="Send a claim's write body, whole or in part (a `statement` alone will do; "
        "`exclude` leaves out the claim being edited). Suggestions come best first, from the default "
        "threshold up: text similarity (statement with statement, quote with quote) plus structure "
        "(same supplier and recipient, item, stage, overlapping dates, a shared source URL, a shared "
        "first speaker or its parent, a shared affiliation). Nothing is written.",
        request=serializers.MatchRequestSerializer,
        responses={200: serializers.MatchSerializer, **schema.errors(400)},
    )
    def post(self, request):
        body = request.data
        if not isinstance(body, dict):
            raise ValidationError({"non_field_errors": ["Expected a dictionary of items."]})
        # Every field as the write shape documents it (types, choices, lengths), none required.
        serializers.MatchRequestSerializer(data=body, partial=True).is_valid(raise_exception=True)
        exclude = body.get("exclude")
        if exclude is not None:
            try:
                exclude = str(uuid.UUID(exclude)) if isinstance(exclude, str) else None
            except ValueError:
                exclude = None
            if exclude is None:
                raise ValidationError({"exclude": ["Must be a valid UUID."]})
        try:
            probe = matching.probe_of(read_write_shape(body, partial=True), exclude_uuid=exclude)
        except (ShapeError, matching.Refused) as refused:
            raise ValidationError(refused.messages) from None
        suggestions = matching.suggest(request.user, probe)
        return Response(
            {
                "suggestions": [
                    {"id": s.uuid, "statement": s.statement, "score": s.score, "reasons": s.reasons}
                    for s in suggestions
                ]
            }
        )


class ClaimHistory(APIView):
    @extend_schema(
        summary="Versions of a claim, newest first",
        description="Readers who cannot see drafts get only the versions that were public.",
        responses={200: serializers.ClaimVersionSerializer(many=True), **schema.errors(404)},
    )
    def get(self, request, claim_id):
        claim = claim_for(request, claim_id)
        versions = list(
            selectors.versions_visible_to(request.user, claim)
            .select_related("changed_by")
            .order_by("-version")
        )
        selectors.name_staff(request.user, versions, "changed_by")
        data = serializers.ClaimVersionSerializer(versions, many=True).data
        selectors.redact_documents(request.user, [entry["claim"] for entry in data])
        return Response(data)


class ActorList(generics.ListAPIView):
    serializer_class = serializers.ActorSerializer
    filterset_class = ActorFilter
    pagination_class = StrictCursorPagination
    queryset = Actor.objects.none()  # for the schema; get_queryset asks the read rule

    def get_queryset(self):
        return selectors.actors_visible_to(self.request.user)

    @extend_schema(
        summary="List actors", responses={200: serializers.ActorSerializer(many=True), **schema.list_errors()}
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ActorDetail(generics.RetrieveAPIView):
    serializer_class = serializers.ActorDetailSerializer
    queryset = Actor.objects.none()  # for the schema; get_queryset asks the read rule

    def get_queryset(self):
        return selectors.actors_visible_to(self.request.user)

    @extend_schema(
        summary="One actor, with its track record over the claims you may see",
        responses={200: serializers.ActorDetailSerializer, **schema.errors(404)},
    )
    def get(self, request, *args, **kwargs):
        actor = self.get_object()
        record = selectors.track_record_visible_to(request.user, actor)
        context = {**self.get_serializer_context(), "track_record": record}
        return Response(self.get_serializer(actor, context=context).data)


def visible_sources(request):
    return selectors.sources_visible_to(request.user)


class SourceList(generics.ListAPIView):
    serializer_class = serializers.SourceSerializer
    filterset_class = SourceFilter
    pagination_class = StrictCursorPagination

    def get_queryset(self):
        return visible_sources(self.request)

    @extend_schema(
        summary="List sources with their health",
        responses={200: serializers.SourceSerializer(many=True), **schema.list_errors()},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class SourceDetail(generics.RetrieveAPIView):
    serializer_class = serializers.SourceSerializer

    def get_queryset(self):
        return visible_sources(self.request)

    @extend_schema(
        summary="One source with its health",
        responses={200: serializers.SourceSerializer, **schema.errors(404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class SourceChecks(generics.ListAPIView):
    serializer_class = serializers.SourceCheckSerializer
    pagination_class = StrictCursorPagination
    queryset = SourceCheck.objects.none()  # for the schema; get_queryset narrows to one source

    def get_queryset(self):
        source = get_object_or_404(visible_sources(self.request), pk=self.kwargs["pk"])
        quotes = (
            selectors.quote_checks_visible_to(self.request.user)
            .select_related("hop__claim")
            .order_by("hop__claim_id", "hop__position")
        )
        return SourceCheck.objects.filter(source=source).prefetch_related(
            Prefetch("quotes", queryset=quotes, to_attr="visible_quotes")
        )

    @extend_schema(
        summary="Re-checks of a source, newest first",
        responses={200: serializers.SourceCheckSerializer(many=True), **schema.list_errors(404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class SourceCheckRequest(APIView):
    @extend_schema(
        summary="Ask for a source to be checked now (editors)",
        request=None,
        responses={202: serializers.SourceSerializer, **schema.errors(403, 404)},
    )
    def post(self, request, pk):
        source = get_object_or_404(visible_sources(request), pk=pk)
        request_source_check(source_id=source.pk, by=request.user)
        source.refresh_from_db()  # now leased
        return Response(serializers.SourceSerializer(source).data, status=status.HTTP_202_ACCEPTED)


FEED_LIMIT_DEFAULT = 100
FEED_LIMIT_MAX = 1000


def _whole_number(request, name: str, default: int, low: int, high: int | None) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    value = whole_number(raw)
    if value is None or value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise ValidationError({name: [f"Give a whole number {bound}, not {raw!r}."]})
    return value


class Feed(APIView):
    @extend_schema(
        summary="Change feed: every publish, update of a published claim and retraction, and every "
        "change in the health of a source public claims cite, in order",
        description="Store `next_after` and pass it as `after` next time: sequence numbers are strictly "
        "increasing and become visible in order, so nothing is missed or seen twice. A retraction "
        "carries a tombstone {id, status, version, reason, retracted_at} instead of the claim.\n\n"
        "Source events (`claim_id`, `version` and `claim` null, `source` set) follow the re-checker: "
        "`source_changed` (the text drifted from its baseline), `source_quote_missing` (a quoted "
        "sentence is gone), `source_dead` (three strikes of hard evidence), `source_recovered` (live "
        "again after one of those). Each names the public claims citing the source in "
        "`source.cited_by`; a source only drafts cite emits nothing. Webhooks receive these same "
        "events with the same `seq`.",
        parameters=[
            OpenApiParameter("after", int, description="Last seq you processed (0 to start)."),
            OpenApiParameter(
                "limit", int, description=f"At most {FEED_LIMIT_MAX}; default {FEED_LIMIT_DEFAULT}."
            ),
        ],
        responses={200: serializers.FeedSerializer, **schema.list_errors()},
    )
    def get(self, request):
        refuse_unknown_parameters(request, ("after", "limit"))
        after = _whole_number(request, "after", 0, 0, ID_MAX)
        limit = _whole_number(request, "limit", FEED_LIMIT_DEFAULT, 1, FEED_LIMIT_MAX)
        events = list(
            FeedEvent.objects.filter(seq__gt=after).select_related("claim").order_by("seq")[: limit + 1]
        )
        has_more = len(events) > limit
        events = events[:limit]
        data = [represent_feed_event(event) for event in events]
        selectors.redact_documents(request.user, [event["claim"] for event in data if event["claim"]])
        return Response(
            {"events": data, "next_after": events[-1].seq if events else after, "has_more": has_more}
        )
